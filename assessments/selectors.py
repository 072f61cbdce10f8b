"""Scoped reads of the assessments app, built on personnel.scoping (the one place deciding who
sees what): department head — own department; HR — institution subtree; commission admin —
region; staff — own records; HIS client — its institution subtree's workload."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Q, QuerySet, Sum

from appointments.choices import AppointmentStatus
from appointments.models import DutyTarget
from personnel.choices import StaffStatus
from personnel.models import Department, Staff
from personnel.scoping import can_read, role_of, visible_staff

from . import rules
from .choices import PeriodKind, SchemeKind
from .models import (
    Assessment,
    AssessmentPeriod,
    GradeBand,
    Scheme,
    SchemeItem,
    TargetProgressEntry,
    WorkloadMetric,
    WorkloadRecord,
)


def _region_q(user, prefix: str = "") -> Q | None:
    if getattr(user, "is_superuser", False):
        return None
    institution = getattr(user, "institution", None)
    if not role_of(user) or institution is None:
        return Q(pk__in=[])
    return Q(**{f"{prefix}region_id": institution.region_id})


def visible_periods(user) -> QuerySet[AssessmentPeriod]:
    if not can_read(user, "period"):
        return AssessmentPeriod.objects.none()
    q = _region_q(user)
    return AssessmentPeriod.objects.all() if q is None else AssessmentPeriod.objects.filter(q)


def visible_schemes(user) -> QuerySet[Scheme]:
    if not can_read(user, "scheme"):
        return Scheme.objects.none()
    q = _region_q(user)
    return Scheme.objects.all() if q is None else Scheme.objects.filter(q)


def visible_assessments(user) -> QuerySet[Assessment]:
    if not can_read(user, "assessment"):
        return Assessment.objects.none()
    return Assessment.objects.filter(staff__in=visible_staff(user).values("pk"))


def visible_workload(user) -> QuerySet[WorkloadRecord]:
    if not can_read(user, "workload"):
        return WorkloadRecord.objects.none()
    return WorkloadRecord.objects.filter(staff__in=visible_staff(user).values("pk"))


def visible_duty_targets(user) -> QuerySet[DutyTarget]:
    if not can_read(user, "duty_target"):
        return DutyTarget.objects.none()
    return DutyTarget.objects.filter(appointment__staff__in=visible_staff(user).values("pk"))


def visible_progress_entries(user) -> QuerySet[TargetProgressEntry]:
    return TargetProgressEntry.objects.filter(target__in=visible_duty_targets(user).values("pk"))


# --- Schemes ------------------------------------------------------------------------------------

SCHEME_KIND_FOR_PERIOD = {
    PeriodKind.MONTHLY: SchemeKind.MONTHLY,
    PeriodKind.QUARTERLY: SchemeKind.QUARTERLY,
    PeriodKind.ANNUAL: SchemeKind.ANNUAL,
}


def scheme_in_force(*, region_id: int, kind: str, on: dt.date) -> Scheme | None:
    """The newest version, of the newest scheme of a kind, in force on a date."""
    return (
        Scheme.objects.filter(region_id=region_id, kind=kind, effective_from__lte=on)
        .order_by("-effective_from", "-version", "-id")
        .first()
    )


@dataclass
class SchemeRules:
    """A scheme's items and bands as the pure rules take them."""

    scheme: Scheme
    items: list[rules.ItemSpec]
    bands: list[rules.BandSpec]
    item_rows: list[SchemeItem] = field(default_factory=list)

    @property
    def max_total(self) -> Decimal:
        return rules.max_total(self.items)


def scheme_rules(scheme_ids) -> dict[int, SchemeRules]:
    """Items and bands of several schemes: three queries whatever their number."""
    schemes = {s.pk: s for s in Scheme.objects.filter(pk__in=list(scheme_ids))}
    result = {pk: SchemeRules(scheme=s, items=[], bands=[]) for pk, s in schemes.items()}
    for item in SchemeItem.objects.filter(scheme_id__in=schemes).order_by("scheme_id", "order", "pk"):
        result[item.scheme_id].items.append(
            rules.ItemSpec(code=item.code, name=item.name, max_points=item.max_points, weight=item.weight)
        )
        result[item.scheme_id].item_rows.append(item)
    for band in GradeBand.objects.filter(scheme_id__in=schemes):
        result[band.scheme_id].bands.append(rules.BandSpec(grade=band.grade, min_points=band.min_points))
    return result


# --- The score sheet ----------------------------------------------------------------------------


@dataclass
class SheetRow:
    staff: Staff
    assessment: Assessment | None
    lower: list[Assessment] = field(default_factory=list)  # lower levels' results in the period


def sheet_staff(user, *, department: Department) -> QuerySet[Staff]:
    """Who a sheet lists: the on-duty people of a department the user may see."""
    return (
        visible_staff(user)
        .filter(department=department, status=StaffStatus.ON_DUTY)
        .select_related("department")
        .order_by("employee_no", "pk")
    )


def sheet_rows(user, *, period: AssessmentPeriod, department: Department) -> list[SheetRow]:
    """One row per person with their result for the period (two queries, plus one for the lower
    levels' results inside the period for quarterly and annual sheets)."""
    people = list(sheet_staff(user, department=department))
    ids = [p.pk for p in people]
    existing = {a.staff_id: a for a in Assessment.objects.filter(period=period, staff_id__in=ids)}
    lower: dict[int, list[Assessment]] = defaultdict(list)
    if period.kind != PeriodKind.MONTHLY:
        for a in (
            Assessment.objects.filter(
                staff_id__in=ids,
                period__region_id=period.region_id,
                period__start__gte=period.start,
                period__end__lte=period.end,
            )
            .exclude(period=period)
            .select_related("period")
            .order_by("period__start")
        ):
            lower[a.staff_id].append(a)
    return [SheetRow(staff=p, assessment=existing.get(p.pk), lower=lower[p.pk]) for p in people]


# --- Staff page: timeline and target progress ---------------------------------------------------


def staff_timeline(user, staff: Staff) -> list[Assessment]:
    return list(
        visible_assessments(user)
        .filter(staff=staff)
        .select_related("period", "scheme")
        .order_by("-period__start", "period__kind")
    )


@dataclass
class TargetProgress:
    target: DutyTarget
    done: Decimal
    milestone: Decimal
    group_met: bool = False

    @property
    def percent(self) -> int:
        total = self.target.target_total
        return int(min(Decimal(100), self.done * 100 / total)) if total else 100

    @property
    def milestone_percent(self) -> int:
        total = self.target.target_total
        return int(min(Decimal(100), self.milestone * 100 / total)) if total else 100

    @property
    def on_track(self) -> bool:
        return self.done >= self.milestone or self.group_met


def milestone_rounding(policy) -> str:
    """The policy's rounding of quarterly milestones (a policy predating the key: round down)."""
    data = getattr(policy, "data", None) or {}
    return data.get("milestone_rounding") or rules.DEFAULT_MILESTONE_ROUNDING


def target_progress(user, staff: Staff, *, on: dt.date) -> list[TargetProgress]:
    """Each duty target of the person's active appointment: done so far (HIS workload of its metric
    in the term + the department's monthly entries) against the milestone due by `on`.  Three
    queries whatever the number of targets."""
    targets = list(
        visible_duty_targets(user)
        .filter(appointment__staff=staff, appointment__status=AppointmentStatus.ACTIVE)
        .select_related("appointment__policy")
        .order_by("order", "code")
    )
    if not targets:
        return []
    appointment = targets[0].appointment
    rounding = milestone_rounding(appointment.policy)
    upto = min(on, appointment.end)
    workload = dict(
        WorkloadRecord.objects.filter(staff=staff, date__gte=appointment.start, date__lte=upto)
        .values("metric__code")
        .annotate(n=Sum("quantity"))
        .values_list("metric__code", "n")
    )
    entries = dict(
        TargetProgressEntry.objects.filter(target__in=targets, month__lte=upto)
        .values("target")
        .annotate(n=Sum("quantity"))
        .values_list("target", "n")
    )
    result = []
    for target in targets:
        done = (workload.get(target.metric) or Decimal(0)) + (entries.get(target.pk) or Decimal(0))
        milestone = rules.milestone_on(
            target_total=target.target_total,
            term_start=appointment.start,
            term_end=appointment.end,
            on=on,
            shares=target.milestones or None,
            rounding=rounding,
        )
        result.append(TargetProgress(target=target, done=done, milestone=milestone))
    met = rules.groups_met((p.target.code, p.target.alternative_group, p.done >= p.milestone) for p in result)
    for p in result:
        p.group_met = bool(p.target.alternative_group) and met[p.target.alternative_group]
    return result


def metric_codes() -> dict[str, int]:
    return dict(WorkloadMetric.objects.values_list("code", "pk"))


# --- The monthly progress sheet -----------------------------------------------------------------


@dataclass
class ProgressColumn:
    code: str
    name: str


@dataclass
class ProgressCell:
    target: DutyTarget
    entry: TargetProgressEntry | None
    his_month: Decimal  # HIS workload of the target's metric in the month
    done: Decimal  # to the month's end: HIS in the term + every monthly entry


@dataclass
class ProgressSheetRow:
    staff: Staff
    appointment: object
    cells: list[ProgressCell | None]


@dataclass
class ProgressChange:
    when: dt.datetime
    user: object
    staff: Staff
    target: DutyTarget
    old: Decimal | None
    new: Decimal


def _month_end(month: dt.date) -> dt.date:
    return rules.period_bounds(PeriodKind.MONTHLY, month.year, month.month)[1]


def progress_sheet(
    user, *, department: Department, month: dt.date
) -> tuple[list[ProgressColumn], list[ProgressSheetRow]]:
    """The senior staff of a department (active 副高/正高 appointments with duty targets) with a
    column per target code, each cell the month's entry, the month's HIS figure and the
    cumulative total.  Four queries whatever the number of people or targets."""
    month = month.replace(day=1)
    end = _month_end(month)
    targets = list(
        visible_duty_targets(user)
        .filter(
            appointment__staff__department=department,
            appointment__status=AppointmentStatus.ACTIVE,
            appointment__start__lte=end,
            appointment__end__gte=month,
        )
        .select_related("appointment__staff", "appointment__post_grade")
        .order_by("appointment__staff__employee_no", "appointment__staff_id", "order", "code")
    )
    if not targets:
        return [], []
    ids = [t.pk for t in targets]
    staff_ids = {t.appointment.staff_id for t in targets}
    month_entries = {e.target_id: e for e in TargetProgressEntry.objects.filter(target_id__in=ids, month=month)}
    entry_totals = dict(
        TargetProgressEntry.objects.filter(target_id__in=ids, month__lte=month)
        .values("target")
        .annotate(n=Sum("quantity"))
        .values_list("target", "n")
    )
    # One active appointment per person, so joining it does not repeat a record.
    workload = {
        (row["staff_id"], row["metric__code"]): (row["term"] or Decimal(0), row["month"] or Decimal(0))
        for row in WorkloadRecord.objects.filter(
            staff_id__in=staff_ids,
            date__lte=end,
            staff__appointments__status=AppointmentStatus.ACTIVE,
            date__gte=F("staff__appointments__start"),
        )
        .values("staff_id", "metric__code")
        .annotate(term=Sum("quantity"), month=Sum("quantity", filter=Q(date__gte=month)))
    }
    columns: dict[str, ProgressColumn] = {}
    for t in sorted(targets, key=lambda t: (t.order, t.code)):
        columns.setdefault(t.code, ProgressColumn(code=t.code, name=t.name))
    by_staff: dict[int, dict[str, DutyTarget]] = defaultdict(dict)
    people: dict[int, DutyTarget] = {}
    for t in targets:
        by_staff[t.appointment.staff_id][t.code] = t
        people.setdefault(t.appointment.staff_id, t)
    rows = []
    for staff_id, first in people.items():
        cells: list[ProgressCell | None] = []
        for code in columns:
            t = by_staff[staff_id].get(code)
            if t is None:
                cells.append(None)
                continue
            term_his, month_his = workload.get((staff_id, t.metric), (Decimal(0), Decimal(0)))
            cells.append(
                ProgressCell(
                    target=t,
                    entry=month_entries.get(t.pk),
                    his_month=month_his,
                    done=term_his + (entry_totals.get(t.pk) or Decimal(0)),
                )
            )
        rows.append(ProgressSheetRow(staff=first.appointment.staff, appointment=first.appointment, cells=cells))
    return list(columns.values()), rows


def progress_changes(user, *, targets: list[DutyTarget], month: dt.date, limit: int = 50) -> list[ProgressChange]:
    """The audit trail of a month's entries for the given targets, newest first, each with the
    value it replaced (one query)."""
    by_pk = {t.pk: t for t in targets}
    history = (
        TargetProgressEntry.history.filter(target_id__in=list(by_pk), month=month.replace(day=1))
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    changes = []
    previous: dict[int, Decimal] = {}
    for h in history:
        if h.history_type == "-":
            previous.pop(h.id, None)
            continue
        target = by_pk[h.target_id]
        changes.append(
            ProgressChange(
                when=h.history_date,
                user=h.history_user,
                staff=target.appointment.staff,
                target=target,
                old=previous.get(h.id),
                new=h.quantity,
            )
        )
        previous[h.id] = h.quantity
    changes.sort(key=lambda c: c.when, reverse=True)
    return changes[:limit]
