"""Celery tasks of 县聘乡用: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from config.celery import RELIABLE_TASK

from . import services


@shared_task(name="secondments.recompute_open_secondments", **RELIABLE_TASK)
def recompute_open_secondments() -> dict[str, int]:
    """Daily: served days, end dates (filed leave), voided stints and missed deadlines, as of today."""
    return services.recompute_open_secondments(today=timezone.localdate())
