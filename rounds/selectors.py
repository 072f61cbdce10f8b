"""Reads of the rounds app: scoped querysets (built on personnel.scoping: staff — their own
application; HR — their institution subtree's; commission — its region), the vacancies of a round,
the target completion attached to an application, and what is still undecided."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from appointments.choices import AppointmentStatus
from appointments.models import Appointment
from appointments.selectors import filled_posts_filter
from assessments import rules as assessment_rules
from assessments.selectors import target_progress
from personnel.choices import Role
from personnel.models import PostQuota
from personnel.scoping import can_read, institution_filter, role_of

from .choices import PLACED_STATUSES, ApplicationStatus
from .models import Agreement, Application, AppointmentRound, ProposedList, RoundCandidate


def _region_q(user, prefix: str = "") -> Q | None:
    if getattr(user, "is_superuser", False):
        return None
    institution = getattr(user, "institution", None)
    if not role_of(user) or institution is None:
        return Q(pk__in=[])
    return Q(**{f"{prefix}region_id": institution.region_id})


def _filter(qs: QuerySet, q: Q | None) -> QuerySet:
    return qs if q is None else qs.filter(q)


def visible_rounds(user) -> QuerySet[AppointmentRound]:
    """A round is the region's public business: everyone of the region with the right reads it."""
    if not can_read(user, "round"):
        return AppointmentRound.objects.none()
    return _filter(AppointmentRound.objects.all(), _region_q(user))


def visible_applications(user) -> QuerySet[Application]:
    if not can_read(user, "round_application"):
        return Application.objects.none()
    if role_of(user) == Role.STAFF:
        return Application.objects.filter(staff_id=user.staff_id) if user.staff_id else Application.objects.none()
    return _filter(Application.objects.all(), institution_filter(user, "institution__"))


def visible_agreements(user) -> QuerySet[Agreement]:
    if not can_read(user, "agreement"):
        return Agreement.objects.none()
    return Agreement.objects.filter(application__in=visible_applications(user).values("pk"))


def visible_lists(user) -> QuerySet[ProposedList]:
    """拟聘任名单: the institutions a user reaches (staff: their own institution's list, it is public)."""
    if not can_read(user, "round"):
        return ProposedList.objects.none()
    if role_of(user) == Role.STAFF:
        return ProposedList.objects.filter(institution_id=user.institution_id)
    return _filter(ProposedList.objects.all(), institution_filter(user, "institution__"))


def visible_candidates(user) -> QuerySet[RoundCandidate]:
    if not can_read(user, "round_application") or role_of(user) == Role.STAFF:
        return RoundCandidate.objects.none()
    return _filter(RoundCandidate.objects.all(), institution_filter(user, "institution__"))


# --- Vacancies -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Vacancy:
    institution_id: int
    institution_name: str
    post_grade_id: int
    post_grade_name: str
    quota: int
    held: int  # posts held by appointments that go on past the round
    placed: int  # this round's proposed, approved and signed applications

    @property
    def vacancies(self) -> int:
        return max(self.quota - self.held, 0)

    @property
    def open_places(self) -> int:
        return max(self.vacancies - self.placed, 0)


def held_posts_filter(round_: AppointmentRound) -> Q:
    """Appointments that hold a post of the round's year after the round: active, not a special post
    (特设岗位 sit outside the quota), touching the year (appointments.selectors.filled_posts_filter),
    not ending within the round, and not created by this round's own agreements (a signed place
    stays counted once, as the application that holds it)."""
    return (
        filled_posts_filter(year=round_.year)
        & Q(end__gt=round_.ends_by)
        & ~Q(round_agreement__application__round=round_)
    )


def vacancies(round_: AppointmentRound, *, institution_id: int | None = None) -> list[Vacancy]:
    """Per institution and grade of the round's region: the quota of the year (PostQuota) minus
    the posts held past the round.  One query whatever the number of quotas."""
    held = (
        Appointment.objects.filter(held_posts_filter(round_))
        .filter(institution=OuterRef("institution"), post_grade=OuterRef("post_grade"))
        .order_by()
        .values("institution")
        .annotate(n=Count("pk"))
        .values("n")
    )
    placed = (
        Application.objects.filter(
            round=round_,
            institution=OuterRef("institution"),
            post_grade=OuterRef("post_grade"),
            status__in=PLACED_STATUSES,
        )
        .order_by()
        .values("institution")
        .annotate(n=Count("pk"))
        .values("n")
    )
    quotas = PostQuota.objects.filter(institution__region=round_.region_id, year=round_.year)
    if institution_id is not None:
        quotas = quotas.filter(institution_id=institution_id)
    rows = (
        quotas.annotate(
            held=Coalesce(Subquery(held, output_field=IntegerField()), Value(0)),
            placed=Coalesce(Subquery(placed, output_field=IntegerField()), Value(0)),
        )
        .select_related("institution", "post_grade")
        .order_by("institution__path", "post_grade_id")
    )
    return [
        Vacancy(
            institution_id=q.institution_id,
            institution_name=q.institution.name,
            post_grade_id=q.post_grade_id,
            post_grade_name=q.post_grade.name,
            quota=q.count,
            held=q.held,
            placed=q.placed,
        )
        for q in rows
    ]


def vacancy_for(round_: AppointmentRound, *, institution_id: int, post_grade_id: int) -> Vacancy | None:
    return next((v for v in vacancies(round_, institution_id=institution_id) if v.post_grade_id == post_grade_id), None)


# --- The ending term's duty-target completion ----------------------------------------------------


@dataclass(frozen=True)
class _RoundsReader:
    """The principal the round reads progress as when it attaches it to an application (the
    applicant's own record, read once, frozen on the application)."""

    is_authenticated: bool = True
    is_superuser: bool = True
    role: str = ""


def term_completion(appointment: Appointment | None, *, on: dt.date) -> list[dict]:
    """Each duty target of the appointment's term: done (HIS workload + monthly entries, as
    assessments.selectors.target_progress counts it) against the term total; an alternative group
    is met when any of its targets is."""
    if appointment is None or appointment.status != AppointmentStatus.ACTIVE:
        return []
    progress = target_progress(_RoundsReader(), appointment.staff, on=min(on, appointment.end))
    rows = [(p.target.code, p.target.alternative_group, p.done >= p.target.target_total) for p in progress]
    met = assessment_rules.groups_met(rows)
    result = []
    for p in progress:
        t = p.target
        total = t.target_total
        result.append(
            {
                "code": t.code,
                "name": t.name,
                "target_total": f"{total.normalize():f}",
                "done": f"{Decimal(p.done).normalize():f}",
                "percent": int(min(Decimal(100), p.done * 100 / total)) if total else 100,
                "alternative_group": t.alternative_group,
                "met": bool(met[t.alternative_group or t.code]),
            }
        )
    return result


def completion_summary(snapshot: list[dict]) -> str:
    """ "必尽任务完成6/9项" (an alternative group counts once)."""
    if not snapshot:
        return "无高职称必尽任务"
    groups: dict[str, bool] = {}
    for row in snapshot:
        groups[row.get("alternative_group") or row["code"]] = bool(row["met"])
    return f"必尽任务完成{sum(groups.values())}/{len(groups)}项"


# --- Who is still undecided ----------------------------------------------------------------------


def undecided_candidates(round_: AppointmentRound) -> QuerySet[RoundCandidate]:
    """People the round gathered who have neither a signed agreement in it nor an ending decision."""
    signed = Application.objects.filter(round=round_, staff=OuterRef("staff"), status=ApplicationStatus.SIGNED)
    return (
        round_.candidates.filter(ending_decision__isnull=True)
        .exclude(Exists(signed))
        .select_related("staff", "institution", "appointment__post_grade")
    )
