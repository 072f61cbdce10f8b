"""恢复聘任 (seed 000 §五: "低聘后考核合格并完成低聘岗位任务的，可恢复聘任；仍不合格的，解聘或转岗").

- `restoration_eligibility(case, as_of=…)`: whether an executed demotion may be proposed for
  restoration, with the reasons when not;
- `evaluate_follow_ups(as_of=…)`: the nightly mark on every executed demotion (called by the
  sweep): restoration eligible, or flagged for dismissal or reassignment;
- `propose_restoration(…)`: opens the shorter restoration case and proposes it.

Passing means every submitted quarterly or annual assessment of a period that started on or after
the execution day (and ended by `as_of`) is 合格 or better, and there is at least one; failing
means one of them is 基本合格 or lower.  The lower post's duty targets (if the lower grade has
any) must be on their milestones.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils import timezone

from appointments.choices import AppointmentStatus
from appointments.models import Appointment, DutyTarget
from assessments import rules
from assessments.choices import AssessmentStatus, Grade, PeriodKind
from assessments.models import Assessment, TargetProgressEntry, WorkloadRecord
from assessments.selectors import milestone_rounding
from personnel.errors import ApplicationError
from personnel.services import policy_for

from .choices import OPEN_STATES, CaseKind, CaseState, FollowUp, Trigger
from .models import DemotionCase
from .permissions import can_act

PASSING = (Grade.EXCELLENT, Grade.QUALIFIED)
FAILING = (Grade.BASIC, Grade.UNQUALIFIED)
COUNTED_KINDS = (PeriodKind.QUARTERLY, PeriodKind.ANNUAL)


# --- Duty-target completion of one or many appointments (no user scope: a rule, not a page) ----


@dataclass
class TargetCompletion:
    target: DutyTarget
    done: Decimal
    milestone: Decimal
    group_met: bool = False

    @property
    def on_track(self) -> bool:
        return self.done >= self.milestone or self.group_met

    @property
    def percent(self) -> int:
        total = self.target.target_total
        return int(min(Decimal(100), self.done * 100 / total)) if total else 100


def target_completion_bulk(appointments: list[Appointment], *, on: dt.date) -> dict[int, list[TargetCompletion]]:
    """Each appointment's duty targets with what is done by `on` (HIS workload of the target's
    metric within the term + the department's monthly entries) against the milestone due.
    Three queries whatever the number of appointments."""
    by_pk = {a.pk: a for a in appointments}
    if not by_pk:
        return {}
    targets = list(DutyTarget.objects.filter(appointment_id__in=by_pk).order_by("appointment_id", "order", "code"))
    if not targets:
        return {pk: [] for pk in by_pk}
    staff_ids = {a.staff_id for a in appointments}
    workload: dict[tuple[int, str], list[tuple[dt.date, Decimal]]] = defaultdict(list)
    first = min(a.start for a in appointments)
    for staff_id, code, day, n in (
        WorkloadRecord.objects.filter(staff_id__in=staff_ids, date__gte=first, date__lte=on)
        .values("staff_id", "metric__code", "date")
        .annotate(n=Sum("quantity"))
        .values_list("staff_id", "metric__code", "date", "n")
    ):
        workload[(staff_id, code)].append((day, n))
    entries = dict(
        TargetProgressEntry.objects.filter(target__in=targets, month__lte=on)
        .values("target")
        .annotate(n=Sum("quantity"))
        .values_list("target", "n")
    )
    result: dict[int, list[TargetCompletion]] = {pk: [] for pk in by_pk}
    for target in targets:
        appointment = by_pk[target.appointment_id]
        upto = min(on, appointment.end)
        done = sum(
            (n for day, n in workload[(appointment.staff_id, target.metric)] if appointment.start <= day <= upto),
            Decimal(0),
        ) + (entries.get(target.pk) or Decimal(0))
        milestone = rules.milestone_on(
            target_total=target.target_total,
            term_start=appointment.start,
            term_end=appointment.end,
            on=on,
            shares=target.milestones or None,
            rounding=milestone_rounding(appointment.policy),
        )
        result[appointment.pk].append(TargetCompletion(target=target, done=done, milestone=milestone))
    for rows in result.values():
        met = rules.groups_met((r.target.code, r.target.alternative_group, r.done >= r.milestone) for r in rows)
        for r in rows:
            r.group_met = bool(r.target.alternative_group) and met[r.target.alternative_group]
    return result


def target_completion(appointment: Appointment, *, on: dt.date) -> list[TargetCompletion]:
    return target_completion_bulk([appointment], on=on)[appointment.pk]


def completion_summary(rows: list[TargetCompletion]) -> str:
    """ "疑难病例 12/20（节点15，未达）；…" — the target completion a publicity notice lists."""
    if not rows:
        return "该岗位无高职称必尽任务。"
    parts = []
    for r in rows:
        status = "已达节点" if r.on_track else "未达节点"
        parts.append(
            f"{r.target.name} {r.done.normalize():f}/{r.target.target_total.normalize():f}"
            f"（应完成{r.milestone.normalize():f}，{status}）"
        )
    return "；".join(parts)


# --- Follow-up after a demotion --------------------------------------------------------------


def _later_results(as_of: dt.date) -> QuerySet[Assessment]:
    """Submitted quarterly/annual results of periods within executed_on..as_of of the OuterRef case."""
    return Assessment.objects.filter(
        staff_id=OuterRef("staff_id"),
        status=AssessmentStatus.SUBMITTED,
        period__kind__in=COUNTED_KINDS,
        period__start__gte=OuterRef("executed_on"),
        period__end__lte=as_of,
    )


def _executed_demotions(*, as_of: dt.date, staff_ids=None) -> QuerySet[DemotionCase]:
    restored = DemotionCase.objects.filter(restores=OuterRef("pk"), kind=CaseKind.RESTORATION, state=CaseState.EXECUTED)
    qs = DemotionCase.objects.filter(kind=CaseKind.DEMOTION, state=CaseState.EXECUTED, executed_on__isnull=False)
    if staff_ids is not None:
        qs = qs.filter(staff_id__in=list(staff_ids))
    return qs.annotate(
        failed=Exists(_later_results(as_of).filter(grade__in=FAILING)),
        passed=Exists(_later_results(as_of).filter(grade__in=PASSING)),
        not_passing=Exists(_later_results(as_of).exclude(grade__in=PASSING)),
        restored=Exists(restored),
    )


def evaluate_follow_ups(*, as_of: dt.date, staff_ids=None) -> dict:
    """Seed 000 §五: mark each executed demotion — a later 基本合格/不合格 → 待解聘或转岗; every later
    result 合格 or better (at least one) and the lower post's targets on their milestones → 可提议
    恢复聘任; otherwise nothing.  A few queries whatever the number of cases."""
    cases = list(_executed_demotions(as_of=as_of, staff_ids=staff_ids).select_related("new_appointment__policy"))
    candidates = [c for c in cases if not c.restored and not c.failed and c.passed and not c.not_passing]
    active = [
        c.new_appointment
        for c in candidates
        if c.new_appointment is not None and c.new_appointment.status == AppointmentStatus.ACTIVE
    ]
    completion = target_completion_bulk(active, on=as_of)
    wanted: dict[str, list[int]] = {FollowUp.RESTORATION_ELIGIBLE: [], FollowUp.DISMISSAL_OR_REASSIGNMENT: [], "": []}
    for case in cases:
        if case.restored:
            follow_up = ""
        elif case.failed:
            follow_up = FollowUp.DISMISSAL_OR_REASSIGNMENT
        elif case.new_appointment_id in completion and all(r.on_track for r in completion[case.new_appointment_id]):
            follow_up = FollowUp.RESTORATION_ELIGIBLE
        else:
            follow_up = ""
        if case.follow_up != follow_up:
            wanted[follow_up].append(case.pk)
    for follow_up, pks in wanted.items():
        if pks:
            DemotionCase.objects.filter(pk__in=pks).update(follow_up=follow_up)
    return {
        "restoration_eligible": len(wanted[FollowUp.RESTORATION_ELIGIBLE]),
        "dismissal_or_reassignment": len(wanted[FollowUp.DISMISSAL_OR_REASSIGNMENT]),
        "cleared": len(wanted[""]),
        "evaluated": len(cases),
    }


def restoration_eligibility(case: DemotionCase, *, as_of: dt.date) -> tuple[bool, list[str]]:
    """Whether an executed demotion may be proposed for restoration; the reasons (in Chinese)
    when it may not."""
    if case.kind != CaseKind.DEMOTION or case.state != CaseState.EXECUTED or case.executed_on is None:
        return False, ["只有已执行的高职低聘案件才能提议恢复聘任。"]
    reasons = []
    if DemotionCase.objects.filter(restores=case, state__in=OPEN_STATES).exists():
        reasons.append("该案件已有进行中的恢复聘任案件。")
    if DemotionCase.objects.filter(restores=case, state=CaseState.EXECUTED).exists():
        reasons.append("该人员已恢复聘任。")
    appointment = case.new_appointment
    if appointment is None or appointment.status != AppointmentStatus.ACTIVE:
        reasons.append("低聘后的聘任已不在聘，不能恢复聘任。")
    results = list(
        Assessment.objects.filter(
            staff_id=case.staff_id,
            status=AssessmentStatus.SUBMITTED,
            period__kind__in=COUNTED_KINDS,
            period__start__gte=case.executed_on,
            period__end__lte=as_of,
        )
        .select_related("period")
        .order_by("period__start", "period__kind")
    )
    if not results:
        reasons.append(f"低聘（{case.executed_on:%Y-%m-%d}执行）后尚无已提交的季度或年度考核结果。")
    for result in results:
        if result.grade not in PASSING:
            grade = Grade(result.grade).label if result.grade in Grade.values else "未定等次"
            reasons.append(f"{result.period.label}{result.period.get_kind_display()}考核为“{grade}”，未达到合格。")
    if appointment is not None and appointment.status == AppointmentStatus.ACTIVE:
        behind = [r for r in target_completion(appointment, on=as_of) if not r.on_track]
        reasons.extend(
            f"低聘岗位必尽任务“{r.target.name}”完成{r.done.normalize():f}，未达到应完成的{r.milestone.normalize():f}。"
            for r in behind
        )
    return not reasons, reasons


def _restoration_key(demotion_case: DemotionCase) -> str:
    earlier = DemotionCase.objects.filter(restores=demotion_case).count()
    return f"restore:{demotion_case.pk}" + (f":{earlier + 1}" if earlier else "")


@transaction.atomic
def propose_restoration(*, demotion_case: DemotionCase, actor, reasons: str) -> DemotionCase:
    """The institution proposes restoring a demoted person to the original grade; the case then
    goes review → publicity → approval → execution (no comprehensive assessment, no committee)."""
    from .services import StepNotPermitted, propose_case  # services import this module (publicity notice)

    demotion_case = DemotionCase.objects.select_for_update().get(pk=demotion_case.pk)
    if not can_act(actor, demotion_case, "propose"):
        raise StepNotPermitted("您无权提议恢复聘任。")
    reasons = (reasons or "").strip()
    if not reasons:
        raise ApplicationError("请填写提议恢复聘任的理由。", {"reasons": ["必填。"]})
    today = timezone.localdate()
    eligible, problems = restoration_eligibility(demotion_case, as_of=today)
    if not eligible:
        raise ApplicationError("暂不能提议恢复聘任：" + "；".join(problems), {"demotion_case": problems})
    current = demotion_case.new_appointment
    original = demotion_case.appointment.post_grade
    case = DemotionCase(
        kind=CaseKind.RESTORATION,
        staff_id=demotion_case.staff_id,
        institution_id=current.institution_id,
        appointment=current,
        trigger=Trigger.OTHER,
        trigger_key=_restoration_key(demotion_case),
        rule_detail=(
            f"{demotion_case.executed_on:%Y-%m-%d}高职低聘至{current.post_grade}后考核合格并完成低聘岗位任务，"
            f"提议恢复聘任至{original}（依据高职低聘案件#{demotion_case.pk}）。"
        ),
        policy=policy_for(current.institution.region, today),
        opened_on=today,
        opened_by=actor if getattr(actor, "pk", None) else None,
        restores=demotion_case,
        state_changed_at=timezone.now(),
    )
    if getattr(actor, "pk", None):
        case._history_user = actor
    case.save()
    return propose_case(case=case, actor=actor, reasons=reasons)
