"""Celery tasks of the personnel app: thin wrappers around services."""

from __future__ import annotations

import contextlib

from celery import shared_task

from config.celery import RELIABLE_TASK, TRANSIENT_ERRORS


@shared_task(name="personnel.run_roster_import", **RELIABLE_TASK)
def run_roster_import(record_id: int, dry_run: bool = False) -> dict:
    """Check or import a large roster (more than 2,000 rows) in the background; the browser polls
    the record's progress."""
    from .models import RosterImport
    from .roster.services import report_from_record, run_import_record

    record = RosterImport.objects.select_related("created_by__institution").get(pk=record_id)
    # Idempotent: a redelivered message (acks_late, a worker lost after the import committed)
    # finds the record finished and returns its report instead of importing again.  Queued,
    # running or checking means no run finished: the import's transaction rolled back, run it.
    unfinished = (RosterImport.Status.PENDING, RosterImport.Status.RUNNING, RosterImport.Status.CHECKING)
    if record.status not in unfinished:
        return report_from_record(record).as_dict()
    try:
        run_import_record(record=record, dry_run=dry_run)
    except TRANSIENT_ERRORS:
        # The database or the broker went away mid-import: the import's transaction rolled back.
        # Queue the record again (when the database answers) and let autoretry run it after a backoff.
        from django.db import DatabaseError, connection

        connection.close()
        with contextlib.suppress(DatabaseError):
            RosterImport.objects.filter(pk=record_id).update(status=RosterImport.Status.PENDING, message="")
        raise
    return report_from_record(record).as_dict()
