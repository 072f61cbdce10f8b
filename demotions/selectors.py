"""Scoped reads of the 能上能下 app, built on personnel.scoping: commission — its region; HR — the
institution subtree; department head — their department's people; staff — their own."""

from __future__ import annotations

from django.db.models import QuerySet

from personnel.scoping import can_read, visible_staff

from .models import ConductEvent, DemotionCase, Rectification


def visible_cases(user) -> QuerySet[DemotionCase]:
    if not can_read(user, "demotion_case"):
        return DemotionCase.objects.none()
    return DemotionCase.objects.filter(staff__in=visible_staff(user).values("pk"))


def visible_rectifications(user) -> QuerySet[Rectification]:
    if not can_read(user, "rectification"):
        return Rectification.objects.none()
    return Rectification.objects.filter(staff__in=visible_staff(user).values("pk"))


def visible_events(user) -> QuerySet[ConductEvent]:
    if not can_read(user, "conduct_event"):
        return ConductEvent.objects.none()
    return ConductEvent.objects.filter(staff__in=visible_staff(user).values("pk"))
