"""Celery tasks of ops."""

from __future__ import annotations

from celery import shared_task

from config.celery import RELIABLE_TASK


@shared_task(name="ops.drain_outbox", **RELIABLE_TASK)
def drain_outbox() -> dict[str, int]:
    """Every minute (config/celery.py beat): send the jobs queued while the broker was down.
    Idempotent: a sent job is marked and never sent again by a later drain."""
    from .outbox import drain

    return drain()
