"""Celery tasks of the personnel app: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="personnel.run_roster_import")
def run_roster_import(record_id: int, dry_run: bool = False) -> dict:
    """Check or import a large roster (more than 2,000 rows) in the background; the browser polls
    the record's progress."""
    from .models import RosterImport
    from .roster.services import report_from_record, run_import_record

    record = RosterImport.objects.select_related("created_by__institution").get(pk=record_id)
    run_import_record(record=record, dry_run=dry_run)
    return report_from_record(record).as_dict()
