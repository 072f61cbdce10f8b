"""Reads on 县聘乡用, scoped through personnel.scoping: a township sees its incoming staff, a
hospital its outgoing staff, the commission its whole region; a department head their
department's people, a staff member their own stints."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet

from personnel.choices import EmploymentType, Role, TitleLevel
from personnel.models import PolicyVersion, Staff
from personnel.scoping import can_change, can_read, institution_filter, role_of, visible_staff

from . import rules
from .choices import AssessmentParty, ObligationKind, ObligationStatus, SecondmentStatus
from .models import AnnualAssessment, Attendance, Demand, Leave, Match, Offer, Secondment
from .services import GRASSROOTS_KINDS


def _either_unit(user) -> Q | None:
    dispatching = institution_filter(user, "dispatching_unit__")
    if dispatching is None:
        return None
    return dispatching | institution_filter(user, "receiving_unit__")


def visible_secondments(user) -> QuerySet[Secondment]:
    qs = Secondment.objects.all()
    if not can_read(user, "secondment"):
        return qs.none()
    role = role_of(user)
    if role in (Role.DEPARTMENT_HEAD, Role.STAFF):
        return qs.filter(staff__in=visible_staff(user).values("pk"))
    q = _either_unit(user)
    return qs if q is None else qs.filter(q)


def receivable_secondments(user) -> QuerySet[Secondment]:
    """The stints whose leave and attendance the user records: the receiving unit's (or the commission's)."""
    if not (can_change(user, "secondment_attendance") or can_change(user, "secondment_leave")):
        return Secondment.objects.none()
    q = institution_filter(user, "receiving_unit__")
    return Secondment.objects.all() if q is None else Secondment.objects.filter(q)


def visible_leaves(user) -> QuerySet[Leave]:
    if not can_read(user, "secondment_leave"):
        return Leave.objects.none()
    return Leave.objects.filter(secondment__in=visible_secondments(user).values("pk"))


def visible_attendance(user) -> QuerySet[Attendance]:
    if not can_read(user, "secondment_attendance"):
        return Attendance.objects.none()
    return Attendance.objects.filter(secondment__in=visible_secondments(user).values("pk"))


def visible_assessments(user) -> QuerySet[AnnualAssessment]:
    if not can_read(user, "secondment_assessment"):
        return AnnualAssessment.objects.none()
    return AnnualAssessment.objects.filter(secondment__in=visible_secondments(user).values("pk"))


def visible_demands(user) -> QuerySet[Demand]:
    if not can_read(user, "secondment_plan"):
        return Demand.objects.none()
    q = institution_filter(user, "institution__")
    return Demand.objects.all() if q is None else Demand.objects.filter(q)


def visible_offers(user) -> QuerySet[Offer]:
    if not can_read(user, "secondment_plan"):
        return Offer.objects.none()
    q = institution_filter(user, "institution__")
    return Offer.objects.all() if q is None else Offer.objects.filter(q)


def visible_matches(user) -> QuerySet[Match]:
    if not can_read(user, "secondment_plan"):
        return Match.objects.none()
    return Match.objects.filter(
        Q(demand__in=visible_demands(user).values("pk")) | Q(offer__in=visible_offers(user).values("pk"))
    )


# --- Obligations (seed 001 §四(一)1) ------------------------------------------------------------


@dataclass
class ObligationRow:
    staff: Staff
    kind: str
    deadline: dt.date | None
    served_days: int
    status: str

    @property
    def kind_label(self) -> str:
        return ObligationKind(self.kind).label

    @property
    def status_label(self) -> str:
        return ObligationStatus(self.status).label


def obligations(user, *, today: dt.date) -> list[ObligationRow]:
    """Everyone the user may see who must serve: physicians at county-level units (in post under
    编制 or 备案) hired while a 县聘乡用 policy was in force (五年内至少一年), and intermediate-title
    physicians without counted grassroots service (申报副高前一年).  Three queries in all."""
    staff = (
        visible_staff(user)
        .filter(category__in=rules.PHYSICIAN_CATEGORIES)
        .filter(employment_type__in=[EmploymentType.ESTABLISHED, EmploymentType.FILED])
        .exclude(institution__kind__in=GRASSROOTS_KINDS)
        .select_related("institution__region")
        .prefetch_related("titles", "secondments")
        .order_by("institution__path", "employee_no")
    )
    policies: dict[int, list[PolicyVersion]] = {}
    rows: list[ObligationRow] = []
    for person in staff:
        region_id = person.institution.region_id
        if region_id not in policies:
            policies[region_id] = list(PolicyVersion.objects.filter(region_id=region_id).order_by("effective_from"))
        stints = [s for s in person.secondments.all() if s.status != SecondmentStatus.CANCELLED]
        counted = [s for s in stints if s.status == SecondmentStatus.COMPLETED and s.counts_as_service]
        current = next((s for s in stints if s.status in (SecondmentStatus.PLANNED, SecondmentStatus.ACTIVE)), None)
        served = sum(s.served_days for s in stints if s.counts_as_service)
        hire_policy = None
        if person.first_employment_date:
            in_force = [p for p in policies[region_id] if p.effective_from <= person.first_employment_date]
            hire_policy = in_force[-1] if in_force else None
        within = (hire_policy.data or {}).get("secondment_within_years") if hire_policy else None
        years = (hire_policy.data or {}).get("secondment_service_years", 1) if hire_policy else 1
        if within:
            deadline = rules.new_hire_deadline(person.first_employment_date, int(within))
            rows.append(
                ObligationRow(
                    staff=person,
                    kind=ObligationKind.NEW_HIRE,
                    deadline=deadline,
                    served_days=served,
                    status=rules.obligation_status(
                        today=today,
                        deadline=deadline,
                        fulfilled=bool(counted),
                        current_end=current.end if current else None,
                        service_years=int(years),
                    ),
                )
            )
            continue
        title = person.current_title
        if title is not None and title.level == TitleLevel.INTERMEDIATE:
            rows.append(
                ObligationRow(
                    staff=person,
                    kind=ObligationKind.PRE_PROMOTION,
                    deadline=None,
                    served_days=served,
                    status=rules.obligation_status(
                        today=today,
                        deadline=None,
                        fulfilled=bool(counted),
                        current_end=current.end if current else None,
                        service_years=int(years),
                    ),
                )
            )
    return rows


@dataclass
class HireShare:
    year: int
    hires: int
    seconded: int
    required: int

    @property
    def met(self) -> bool:
        return self.seconded >= self.required


def hire_shares(user, *, year: int, share: Decimal) -> list[HireShare]:
    """“县聘乡用”人员数量不低于当年或上年度招聘执业医师类人员总数的80%: this year and last."""
    hires_qs = (
        visible_staff(user)
        .filter(category__in=rules.PHYSICIAN_CATEGORIES)
        .filter(employment_type__in=[EmploymentType.ESTABLISHED, EmploymentType.FILED])
        .exclude(institution__kind__in=GRASSROOTS_KINDS)
    )
    out = []
    for y in (year, year - 1):
        hires = hires_qs.filter(first_employment_date__year=y).count()
        seconded = visible_secondments(user).filter(start__year=y).exclude(status=SecondmentStatus.CANCELLED).count()
        out.append(HireShare(year=y, hires=hires, seconded=seconded, required=rules.required_secondments(hires, share)))
    return out


def ledger_stints(qs: QuerySet[Secondment]) -> list[rules.LedgerStint]:
    """The stints of `qs` as the subsidy ledger reads them, with their 优秀 years (two queries)."""
    qs = qs.exclude(status=SecondmentStatus.CANCELLED).prefetch_related("assessments")
    return [
        rules.LedgerStint(
            staff_id=s.staff_id,
            receiving_unit_id=s.receiving_unit_id,
            start=s.start,
            end=s.end,
            excellent_years=frozenset(a.year for a in s.assessments.all() if a.grade == "excellent"),
        )
        for s in qs
    ]


def party_of(user, secondment: Secondment, resource: str = "secondment_assessment") -> str | None:
    """Which of the three parties (receiving unit, commission, dispatching unit) the user speaks
    for on this stint, if any: scoring (60:30:10) and the evaluation form's parts."""
    if not can_change(user, resource):
        return None
    if role_of(user) == Role.COMMISSION_ADMIN or getattr(user, "is_superuser", False):
        return AssessmentParty.COMMISSION
    path = getattr(getattr(user, "institution", None), "path", None)
    if not path:
        return None
    if secondment.receiving_unit.path.startswith(path):
        return AssessmentParty.RECEIVING
    if secondment.dispatching_unit.path.startswith(path):
        return AssessmentParty.DISPATCHING
    return None


def subsidy_ledger(qs: QuerySet[Secondment], *, year: int | None = None) -> list[rules.LedgerRow]:
    """The money ledger of the stints in `qs` (每人每月补助、优秀奖励、满6个月的乡镇补贴), each stint
    under the numbers of the policy it was made under; rows of `year` only when given."""
    groups: dict[int, list[Secondment]] = {}
    policies: dict[int, PolicyVersion] = {}
    for s in qs.exclude(status=SecondmentStatus.CANCELLED).select_related("policy"):
        groups.setdefault(s.policy_id, []).append(s)
        policies[s.policy_id] = s.policy
    merged: dict[tuple[int, dt.date], rules.LedgerRow] = {}
    for policy_id, stints in groups.items():
        policy = policies[policy_id]
        ids = [s.pk for s in stints]
        rows = rules.subsidy_ledger(
            ledger_stints(Secondment.objects.filter(pk__in=ids)),
            subsidy_per_month=policy.receiving_unit_subsidy_per_month,
            excellent_award=policy.excellent_award,
            allowance_after_months=policy.allowance_after_months,
        )
        for r in rows:
            key = (r.receiving_unit_id, r.month)
            if key in merged:
                m = merged[key]
                m.people += r.people
                m.subsidy += r.subsidy
                m.award += r.award
                m.allowance_people += r.allowance_people
            else:
                merged[key] = r
    out = sorted(merged.values(), key=lambda r: (r.receiving_unit_id, r.month))
    return [r for r in out if year is None or r.month.year == year]
