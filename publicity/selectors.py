"""Reads of publicity periods: the running one of a subject, all of a subject, the running ones
of a region.  Scoping follows the subject (a demotion case's publicity is read through the case)."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Q, QuerySet

from .models import Objection, Publicity, PublicityStatus
from .workdays import calendar_covers


def for_subject(subject: models.Model) -> QuerySet[Publicity]:
    """Every publicity of a subject, newest first."""
    content_type = ContentType.objects.get_for_model(subject)
    return Publicity.objects.filter(content_type=content_type, object_id=subject.pk).order_by("-starts_on", "-id")


def running_for_subject(subject: models.Model) -> Publicity | None:
    return for_subject(subject).filter(status=PublicityStatus.RUNNING).first()


def latest_for_subject(subject: models.Model) -> Publicity | None:
    return for_subject(subject).first()


def running(*, region=None) -> QuerySet[Publicity]:
    """Running publicity periods (of a region), each annotated with its objection counts."""
    qs = Publicity.objects.filter(status=PublicityStatus.RUNNING)
    if region is not None:
        qs = qs.filter(region=region)
    return with_objection_counts(qs).order_by("ends_on", "id")


def with_objection_counts(qs: QuerySet[Publicity]) -> QuerySet[Publicity]:
    return qs.annotate(
        objection_count=Count("objections", distinct=True),
        unanswered_count=Count("objections", filter=Q(objections__answered_at__isnull=True), distinct=True),
    )


def unanswered_objections(publicity: Publicity) -> QuerySet[Objection]:
    return publicity.objections.filter(answered_at__isnull=True).order_by("lodged_on", "id")


def is_approximate(publicity: Publicity) -> bool:
    """Whether the period's last day was counted Monday–Friday (a year the official calendar does
    not cover yet); pages show `publicity.workdays.FALLBACK_NOTE` then."""
    return not (calendar_covers(publicity.starts_on) and calendar_covers(publicity.ends_on))


def may_end_from(publicity: Publicity) -> dt.date:
    """The first day the publicity may be ended: the day after its last working day."""
    return publicity.ends_on + dt.timedelta(days=1)


def visible_publicities(user) -> QuerySet[Publicity]:
    """Admin and board reads: the commission reads its region's publicity periods; other roles
    read a publicity through its subject (e.g. the demotion case page)."""
    if getattr(user, "is_superuser", False):
        return Publicity.objects.all()
    from personnel.choices import Role
    from personnel.scoping import role_of

    institution = getattr(user, "institution", None)
    if role_of(user) != Role.COMMISSION_ADMIN or institution is None:
        return Publicity.objects.none()
    return Publicity.objects.filter(region_id=institution.region_id)
