"""Celery tasks of 站内通知: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from config.celery import RELIABLE_TASK


@shared_task(name="notifications.send_daily_digests", **RELIABLE_TASK)
def send_daily_digests() -> dict[str, int]:
    """Daily at 07:30 Asia/Shanghai (config/celery.py beat): one digest e-mail per digest user."""
    from .services import send_daily_digests as send

    return send()
