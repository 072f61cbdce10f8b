"""Thin Celery wrappers around the 能上能下 rule sweep (demotions.sweep).  Beat runs
`demotions.sweep_daily` at 02:00 Asia/Shanghai (config/celery.py); it splits the people in scope
into staff-id chunks and queues one `demotions.sweep_chunk` per chunk (a group), so workers share
the night's work and a failed chunk is retried alone."""

from __future__ import annotations

import datetime as dt

from celery import group, shared_task
from django.utils import timezone

from config.celery import RELIABLE_TASK

from . import sweep
from .restoration import evaluate_follow_ups


@shared_task(name="demotions.sweep_chunk", **RELIABLE_TASK)
def sweep_chunk(as_of_iso: str, first_id: int, last_id: int) -> dict:
    """The sweep for the people in scope whose staff id lies in [first_id, last_id]."""
    result = sweep.sweep_chunk(as_of=dt.date.fromisoformat(as_of_iso), first_id=first_id, last_id=last_id)
    return result.as_dict()


@shared_task(name="demotions.sweep_daily", **RELIABLE_TASK)
def sweep_daily(as_of_iso: str | None = None, chunk_size: int = 5000) -> dict:
    """Queue the night's sweep (as of today in Asia/Shanghai unless a date is given) chunk by
    chunk, and mark the restoration follow-ups of executed demotions.  Returns the chunk task ids."""
    as_of = dt.date.fromisoformat(as_of_iso) if as_of_iso else timezone.localdate()
    ranges = sweep.chunk_ranges(sweep.in_scope_staff_ids(), chunk_size)
    job = group(sweep_chunk.s(as_of.isoformat(), first, last) for first, last in ranges)
    chunk_ids = [r.id for r in job.apply_async().results] if ranges else []
    follow_ups = evaluate_follow_ups(as_of=as_of)
    return {"as_of": as_of.isoformat(), "chunks": chunk_ids, "follow_ups": follow_ups}
