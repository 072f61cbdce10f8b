"""Reusable reads on appointments, scoped through personnel's scoping rules."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from personnel.models import PostQuota
from personnel.scoping import can_read, visible_staff

from .choices import AppointmentKind, AppointmentStatus
from .models import Appointment


def visible_appointments(user) -> QuerySet[Appointment]:
    if not can_read(user, "appointment"):
        return Appointment.objects.none()
    return Appointment.objects.filter(staff__in=visible_staff(user).values("pk"))


def filled_posts_filter(*, year: int) -> Q:
    """Active, non-special appointments whose term touches the year: these use a quota post."""
    return (
        Q(status=AppointmentStatus.ACTIVE)
        & ~Q(kind=AppointmentKind.SPECIAL)
        & Q(start__year__lte=year)
        & Q(end__year__gte=year)
    )


def count_filled_posts(*, institution, year: int, post_grade) -> int:
    return Appointment.objects.filter(
        filled_posts_filter(year=year), institution=institution, post_grade=post_grade
    ).count()


def filled_posts_by_key(*, keys) -> dict[tuple[int, int, int], int]:
    """Posts filled per (institution_id, year, post_grade_id), counted as `count_filled_posts`
    counts one key, for many keys in one aggregated query (the roster import's quota check)."""
    keys = set(keys)
    if not keys:
        return {}
    years = sorted({year for _, year, _ in keys})
    rows = (
        Appointment.objects.filter(
            institution_id__in={inst for inst, _, _ in keys}, post_grade_id__in={grade for _, _, grade in keys}
        )
        .order_by()
        .values("institution_id", "post_grade_id")
        .annotate(**{f"y{year}": Count("pk", filter=filled_posts_filter(year=year)) for year in years})
    )
    counts = {}
    for row in rows:
        for year in years:
            key = (row["institution_id"], year, row["post_grade_id"])
            if key in keys:
                counts[key] = row[f"y{year}"]
    return counts


def quotas_with_usage(quotas: QuerySet[PostQuota]) -> QuerySet[PostQuota]:
    """Annotate each quota with the posts filled (`used`), in one query."""
    used = (
        Appointment.objects.filter(
            status=AppointmentStatus.ACTIVE,
            institution=OuterRef("institution"),
            post_grade=OuterRef("post_grade"),
            start__year__lte=OuterRef("year"),
            end__year__gte=OuterRef("year"),
        )
        .exclude(kind=AppointmentKind.SPECIAL)
        .order_by()
        .values("institution")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return quotas.annotate(used=Coalesce(Subquery(used, output_field=IntegerField()), Value(0)))
