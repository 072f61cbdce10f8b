"""Celery tasks of 柔性引才: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from config.celery import RELIABLE_TASK


@shared_task(name="talent.watch_terminations", **RELIABLE_TASK)
def watch_terminations() -> dict[str, int]:
    """Daily (config/celery.py beat): attendance below 70% opens a termination item; the 3-month
    filing deadline is reminded and marked overdue (seed 002 §六(三))."""
    from .services import watch_terminations as sweep

    return sweep(today=timezone.localdate())
