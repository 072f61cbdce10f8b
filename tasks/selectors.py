"""我的待办: what waits for a user, read from each app's scoped selectors and step permissions.

Every group is set-based (a fixed number of queries whatever the number of rows): score sheets
are counted per period and department in two aggregates; case steps are read with one query per
user over the (state, kind) pairs in which the user's role has a step (worked out from the state
machine's declared transitions, not case by case); objections, round steps and deadlines are one
query each.  Items link to the page where the step is taken."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Count, Q
from django.urls import reverse

from assessments.choices import AssessmentStatus, PeriodStatus
from assessments.models import Assessment
from assessments.selectors import visible_periods
from assessments.services import SCORER_ROLE
from demotions import permissions as case_permissions
from demotions.choices import OPEN_STATES, CaseKind, RectificationStatus
from demotions.models import DemotionCase
from demotions.selectors import visible_cases, visible_rectifications
from personnel.choices import Role, StaffStatus
from personnel.scoping import can_change, role_of, visible_departments, visible_staff
from publicity.models import Objection, PublicityStatus
from publicity.selectors import visible_publicities
from rounds import permissions as round_permissions
from rounds.choices import ApplicationStatus, ListStatus, RoundStatus
from rounds.models import ProposedList
from rounds.selectors import visible_agreements, visible_applications, visible_lists
from secondments.choices import SecondmentStatus
from secondments.selectors import visible_secondments
from talent.choices import TerminationStatus
from talent.selectors import visible_termination_items

DEADLINE_DAYS = 30
CASE_ITEMS_SHOWN = 100
# Steps that are always possible but never waiting on anyone (withdrawing a case).
NOT_A_TASK = frozenset({"dismiss"})


@dataclass
class Task:
    title: str
    url: str
    detail: str = ""
    due: dt.date | None = None
    count: int = 1
    overdue: bool = False


@dataclass
class TaskGroup:
    key: str
    label: str
    items: list[Task] = field(default_factory=list)
    more: int = 0  # items not listed (counted in `count`)

    @property
    def count(self) -> int:
        return sum(item.count for item in self.items) + self.more


# --- Scores to enter ------------------------------------------------------------------------------


def score_tasks(user, *, today: dt.date) -> TaskGroup:
    """Open periods of the level the user's role scores (monthly: department head; quarterly: HR;
    annual: commission), one item per period and department with people not yet submitted."""
    group = TaskGroup("scores", "待录入考核成绩")
    role = role_of(user)
    kinds = [kind for kind, scorer in SCORER_ROLE.items() if scorer == role]
    if not kinds:
        return group
    periods = list(
        visible_periods(user).filter(kind__in=kinds, status=PeriodStatus.OPEN, start__lte=today).order_by("start", "pk")
    )
    if not periods:
        return group
    on_duty = visible_staff(user).filter(
        status=StaffStatus.ON_DUTY, department__in=visible_departments(user).values("pk")
    )
    departments = list(
        on_duty.values("department_id", "department__name", "department__institution__name")
        .annotate(people=Count("pk"))
        .order_by("department__institution__path", "department__code")
    )
    submitted: dict[tuple[int, int], int] = {
        (row["period_id"], row["staff__department_id"]): row["n"]
        for row in Assessment.objects.filter(
            period__in=[p.pk for p in periods], status=AssessmentStatus.SUBMITTED, staff__in=on_duty.values("pk")
        )
        .values("period_id", "staff__department_id")
        .annotate(n=Count("pk"))
    }
    show_institution = role != Role.DEPARTMENT_HEAD
    for period in periods:
        sheet = reverse("assessments:sheet", args=[period.pk])
        for d in departments:
            missing = d["people"] - submitted.get((period.pk, d["department_id"]), 0)
            if missing <= 0:
                continue
            where = (
                f"{d['department__institution__name']}·{d['department__name']}"
                if show_institution
                else d["department__name"]
            )
            group.items.append(
                Task(
                    title=f"{period}：{where}",
                    detail=f"{missing}人成绩未提交",
                    url=f"{sheet}?department={d['department_id']}",
                    due=period.end,
                    count=missing,
                    overdue=period.end < today,
                )
            )
    return group


# --- Demotion case steps --------------------------------------------------------------------------


def actionable_case_states(user) -> dict[tuple[str, str], list[str]]:
    """For each (state, kind) of an open case, the steps the user's role may take there, read from
    the transitions declared on DemotionCase (their source states, role and conditions); the
    per-case part of the permission — that the case is within reach — is `visible_cases`."""
    state_field = DemotionCase._meta.get_field("state")
    transitions = [t for t in state_field.get_all_transitions(DemotionCase) if t.name not in NOT_A_TASK]
    steps: dict[tuple[str, str], list[str]] = {}
    for state in OPEN_STATES:
        for kind in CaseKind.values:
            probe = DemotionCase(state=state, kind=kind)
            names = [
                t.name
                for t in transitions
                if t.source in (state, "*", "+")
                and case_permissions.role_may(user, t.name)
                and all(condition(probe) for condition in t.conditions)
            ]
            if names:
                steps[state, kind] = sorted(set(names))
    return steps


def case_tasks(user) -> TaskGroup:
    group = TaskGroup("cases", "待办理的能上能下案件环节")
    steps = actionable_case_states(user)
    if not steps:
        return group
    condition = reduce(or_, (Q(state=state, kind=kind) for state, kind in steps))
    cases = list(
        visible_cases(user)
        .filter(condition)
        .select_related("staff", "institution")
        .order_by("opened_on", "pk")[: CASE_ITEMS_SHOWN + 1]
    )
    for case in cases[:CASE_ITEMS_SHOWN]:
        names = steps[case.state, case.kind]
        group.items.append(
            Task(
                title=f"{case.staff.name}（{case.institution.name}）{case.get_kind_display()}",
                detail=f"{case.get_state_display()}：{'、'.join(CASE_STEP_LABELS.get(n, n) for n in names)}",
                url=reverse("demotions:case", args=[case.pk]),
            )
        )
    if len(cases) > CASE_ITEMS_SHOWN:
        group.more = visible_cases(user).filter(condition).count() - CASE_ITEMS_SHOWN
    return group


CASE_STEP_LABELS = {
    "propose": "党支部提议",
    "review": "资格审查",
    "assess": "综合考核",
    "decide": "党委会议决定",
    "start_publicity": "发布公示",
    "end_publicity": "结束公示",
    "approve": "卫健委审批",
    "execute": "执行（签订新协议、调整岗位）",
    "dismiss": "终止",
}


# --- Objections to answer -------------------------------------------------------------------------


def objection_tasks(user) -> TaskGroup:
    group = TaskGroup("objections", "待答复的公示异议")
    if not (
        case_permissions.role_may(user, "answer_objection") or round_permissions.role_may(user, "answer_objection")
    ):
        return group
    objections = list(
        Objection.objects.filter(
            answered_at__isnull=True,
            publicity__status=PublicityStatus.RUNNING,
            publicity__in=visible_publicities(user).values("pk"),
        )
        .select_related("publicity__content_type")
        .order_by("lodged_on", "pk")
    )
    list_ids = [o.publicity.object_id for o in objections if o.publicity.content_type.model == "proposedlist"]
    rounds_of = dict(ProposedList.objects.filter(pk__in=list_ids).values_list("pk", "round_id")) if list_ids else {}
    for o in objections:
        publicity = o.publicity
        model = publicity.content_type.model
        if model == "demotioncase":
            url = reverse("demotions:case", args=[publicity.object_id])
        elif model == "proposedlist" and publicity.object_id in rounds_of:
            url = reverse("rounds:board", args=[rounds_of[publicity.object_id]])
        else:
            continue
        group.items.append(
            Task(
                title=publicity.title,
                detail=f"{o.lodged_by_name}于{o.lodged_on:%Y-%m-%d}提出异议，尚未答复",
                url=url,
                due=publicity.ends_on,
            )
        )
    return group


# --- Round steps ----------------------------------------------------------------------------------


def round_tasks(user) -> TaskGroup:
    group = TaskGroup("rounds", "待办理的聘任轮次环节")
    may = round_permissions.role_may
    open_round = {"round__status": RoundStatus.OPEN}
    if may(user, "qualify"):
        for row in _per_round(visible_applications(user).filter(status=ApplicationStatus.SUBMITTED, **open_round)):
            group.items.append(
                Task(
                    title=f"{row['round__name']}：资格审查",
                    detail=f"{row['n']}份申报待资格审查",
                    url=reverse("rounds:applications", args=[row["round_id"]]),
                    count=row["n"],
                )
            )
    if may(user, "score"):
        for row in _per_round(visible_applications(user).filter(status=ApplicationStatus.QUALIFIED, **open_round)):
            group.items.append(
                Task(
                    title=f"{row['round__name']}：综合考核",
                    detail=f"{row['n']}份申报待录入综合考核得分",
                    url=reverse("rounds:applications", args=[row["round_id"]]),
                    count=row["n"],
                )
            )
    if may(user, "generate_agreement"):
        approved = visible_applications(user).filter(
            status=ApplicationStatus.APPROVED, agreement__isnull=True, **open_round
        )
        for row in _per_round(approved):
            group.items.append(
                Task(
                    title=f"{row['round__name']}：生成聘任协议",
                    detail=f"{row['n']}人已获审批，待生成聘任协议",
                    url=reverse("rounds:board", args=[row["round_id"]]),
                    count=row["n"],
                )
            )
    list_steps = [
        ("start_publicity", ListStatus.DRAFT, "拟聘任名单待发起公示"),
        ("approve", ListStatus.PUBLICISED, "拟聘任名单待审批"),
    ]
    wanted = [(status, text) for step, status, text in list_steps if may(user, step)]
    if wanted:
        texts = dict(wanted)
        rows = (
            visible_lists(user)
            .filter(status__in=list(texts), **open_round)
            .values("round_id", "round__name", "status")
            .annotate(n=Count("pk"))
            .order_by("round_id", "status")
        )
        for row in rows:
            group.items.append(
                Task(
                    title=f"{row['round__name']}：{texts[row['status']]}",
                    detail=f"{row['n']}家单位",
                    url=reverse("rounds:board", args=[row["round_id"]]),
                    count=row["n"],
                )
            )
    if may(user, "sign_agreement"):
        rows = (
            visible_agreements(user)
            .filter(signed_on__isnull=True, application__round__status=RoundStatus.OPEN)
            .values("application__round_id", "application__round__name")
            .annotate(n=Count("pk"))
            .order_by("application__round_id")
        )
        for row in rows:
            group.items.append(
                Task(
                    title=f"{row['application__round__name']}：签订聘任协议",
                    detail=f"{row['n']}份聘任协议待登记签订",
                    url=reverse("rounds:board", args=[row["application__round_id"]]),
                    count=row["n"],
                )
            )
    return group


def _per_round(qs):
    return qs.values("round_id", "round__name").annotate(n=Count("pk")).order_by("round_id")


# --- Deadlines within 30 days ---------------------------------------------------------------------


def deadline_tasks(user, *, today: dt.date) -> TaskGroup:
    """Rectifications ending within 30 days, talent termination requests to file (overdue ones
    too), secondments the nightly job flagged as missing their deadline."""
    group = TaskGroup("deadlines", f"{DEADLINE_DAYS}天内到期的事项")
    horizon = today + dt.timedelta(days=DEADLINE_DAYS)
    for r in (
        visible_rectifications(user)
        .filter(status=RectificationStatus.OPEN, deadline__lte=horizon)
        .select_related("staff")
        .order_by("deadline", "pk")
    ):
        left = (r.deadline - today).days
        group.items.append(
            Task(
                title=f"{r.staff.name}的整改",
                detail=f"整改期限{r.deadline:%Y-%m-%d}，" + (f"还剩{left}天" if left >= 0 else f"已过期{-left}天"),
                url=reverse("personnel:staff_detail", args=[r.staff_id]),
                due=r.deadline,
                overdue=left < 0,
            )
        )
    if can_change(user, "talent_contract"):
        for item in (
            visible_termination_items(user)
            .filter(status=TerminationStatus.OPEN, deadline__lte=horizon)
            .select_related("contract")
            .order_by("deadline", "pk")
        ):
            group.items.append(
                Task(
                    title=f"{item.contract}：提出解约申请",
                    detail=f"{item.get_reason_display()}，须于{item.deadline:%Y-%m-%d}前提出",
                    url=reverse("talent:contract_detail", args=[item.contract_id]),
                    due=item.deadline,
                    overdue=item.deadline < today,
                )
            )
    if can_change(user, "secondment"):
        for s in (
            visible_secondments(user)
            .filter(misses_deadline=True, status__in=[SecondmentStatus.PLANNED, SecondmentStatus.ACTIVE])
            .select_related("staff")
            .order_by("deadline", "pk")
        ):
            group.items.append(
                Task(
                    title=f"{s.staff.name}的下沉服务将超出期限",
                    detail=f"须于{s.deadline:%Y-%m-%d}前完成，按当前安排{s.end:%Y-%m-%d}结束" if s.deadline else "",
                    url=reverse("secondments:detail", args=[s.pk]),
                    due=s.deadline,
                    overdue=bool(s.deadline and s.deadline < today),
                )
            )
    group.items.sort(key=lambda t: (t.due or horizon, t.title))
    return group


# --- All of it ------------------------------------------------------------------------------------


def my_tasks(user, *, today: dt.date) -> list[TaskGroup]:
    return [
        score_tasks(user, today=today),
        case_tasks(user),
        objection_tasks(user),
        round_tasks(user),
        deadline_tasks(user, today=today),
    ]


def task_total(groups: list[TaskGroup]) -> int:
    """The figure in the navigation: people to score count one each, every other item one."""
    return sum(group.count for group in groups)
