"""import_roster: the one code path behind the browser, `manage.py import_roster` and
`POST /api/v1/roster-imports/`.

Atomic: a file with one bad row writes nothing (the whole file is checked before anything is
written; see `importer.py` for how it is done set-wise).  Scope-checked per row: HR may only create staff
in, or move staff into, the institutions `personnel.scoping.visible_institutions` gives them.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from ..models import RosterImport
from ..scoping import can_change
from .importer import RosterImporter
from .reader import RosterFileError, read_roster

logger = logging.getLogger(__name__)

# Above this many data rows the browser and the API hand the import to a Celery worker.
ASYNC_THRESHOLD = 2000


@dataclass
class RosterReport:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    total_rows: int = 0
    file_error: str = ""  # the file as a whole is not a roster: the one message
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {"new": self.new, "updated": self.updated, "unchanged": self.unchanged, "errors": self.errors}


def _read_bytes(file) -> bytes:
    if isinstance(file, bytes | bytearray):
        return bytes(file)
    if isinstance(file, str | Path):
        return Path(file).read_bytes()
    if hasattr(file, "seek"):
        file.seek(0)
    if hasattr(file, "chunks"):
        return b"".join(file.chunks())
    return file.read()


def import_roster(
    *,
    file,
    actor,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> RosterReport:
    """Import a roster file.  Upsert keyed on 身份证号: new people are created, known people
    updated, unchanged rows written not at all.  `actor=None` is a system import (the management
    command without --user) and is not limited by scope; every other caller is."""
    report = RosterReport(dry_run=dry_run)
    if actor is not None and not can_change(actor, "staff"):
        report.file_error = "当前角色无权导入花名册。"
        report.errors = [{"row": None, "column": "", "message": report.file_error}]
        return report
    with _without_cyclic_gc():
        return _import(report, file=file, actor=actor, dry_run=dry_run, progress=progress)


@contextmanager
def _without_cyclic_gc():
    """The import allocates about twenty objects per row (cells, instances, their states), almost
    none in reference cycles: reference counting frees them, while the cyclic collector would walk
    the growing heap again and again — 1.3 s of a 7 s import of 50,000 rows.  It is paused for the
    import and resumed afterwards (left alone if it was already off)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _import(report: RosterReport, *, file, actor, dry_run: bool, progress) -> RosterReport:
    try:
        sheet = read_roster(_read_bytes(file))
    except RosterFileError as error:
        report.file_error = error.message
        report.errors = [{"row": None, "column": "", "message": error.message}]
        return report
    report.total_rows = len(sheet.rows)
    report.extra_columns = sheet.extra_columns

    importer = RosterImporter(actor=actor, allow_all_institutions=actor is None, progress=progress)
    try:
        with transaction.atomic():
            plan = importer.plan(sheet)
            report.errors = plan.errors
            if not report.errors and not dry_run:
                importer.write(plan)
    except (OperationalError, InterfaceError):
        raise  # the connection is gone (a restart): nothing was written; the caller says so (interrupted())
    except DatabaseError as error:
        logger.exception("roster import rolled back")
        report.errors = [{"row": None, "column": "", "message": f"写入数据库时出错，已全部撤销：{error}"}]
        return report
    report.new, report.updated, report.unchanged = plan.new, plan.updated, plan.unchanged
    if progress:
        progress(report.total_rows)
    return report


# ---------------------------------------------------------------- import records


def progress_key(record_id: int) -> str:
    return f"roster_import:{record_id}:progress"


def read_progress(record: RosterImport) -> int:
    value = cache.get(progress_key(record.pk))
    return record.progress if value is None else int(value)


def count_data_rows(data: bytes) -> int:
    """Rows of data in the file, 0 if it is not a readable roster (the import reports why)."""
    try:
        return len(read_roster(data).rows)
    except RosterFileError:
        return 0


def create_import_record(*, file_name: str, data: bytes, actor, source: str, dry_run: bool) -> RosterImport:
    from uploads.validation import display_name

    return RosterImport.objects.create(
        created_by=actor if getattr(actor, "pk", None) else None,
        institution=getattr(actor, "institution", None),
        file_name=display_name(file_name, "roster.xlsx")[:255],  # shown only; never a path
        content=data,
        source=source,
        dry_run=dry_run,
        status=RosterImport.Status.PENDING,
    )


def actor_of(record: RosterImport):
    """Who the import runs as.  An API key's client is not a database user: it is rebuilt from
    the record's institution, so a background run keeps the client's scope."""
    if record.created_by_id:
        return record.created_by
    if record.source == "api" and record.institution_id:
        from ..scoping import ApiClient

        return ApiClient(institution=record.institution, key_name="roster")
    if record.source == "command":
        return None  # a system import by an operator with shell access
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()  # the uploader's account is gone: nobody may run it


def run_import_record(*, record: RosterImport, dry_run: bool) -> RosterImport:
    """Run (or check) the import held by a record and store the report on it.  The Celery task
    and the synchronous paths all come through here."""
    actor = actor_of(record)
    record.status = RosterImport.Status.CHECKING if dry_run else RosterImport.Status.RUNNING
    record.dry_run = dry_run
    record.progress = 0
    record.save(update_fields=["status", "dry_run", "progress"])
    key = progress_key(record.pk)
    cache.set(key, 0, timeout=24 * 3600)

    def progress(rows: int) -> None:
        cache.set(key, rows, timeout=24 * 3600)

    try:
        report = import_roster(file=bytes(record.content or b""), actor=actor, dry_run=dry_run, progress=progress)
    except (OperationalError, InterfaceError):
        raise  # the database went away: the record cannot be written now (see interrupted())
    except Exception as error:
        logger.exception("roster import %s crashed", record.pk)
        record.status = RosterImport.Status.FAILED
        record.message = f"导入过程出错：{error}"
        record.finished_at = timezone.now()
        record.save()
        raise
    store_report(record=record, report=report)
    return record


INTERRUPTED_MESSAGE = "数据库连接中断，导入未完成，未写入任何数据。请在数据库恢复后重新导入同一文件。"


def interrupted(record: RosterImport, error: Exception) -> str:
    """The import's transaction died with the database connection (a restart, a failover): nothing
    was written.  Record that on a fresh connection when the database is back, and return the
    message for the person who ran it."""
    from django.db import connection

    for attempt in range(10):  # a restarting server answers again within seconds
        connection.close()  # the broken connection; the next query opens a new one
        try:
            RosterImport.objects.filter(pk=record.pk).update(
                status=RosterImport.Status.FAILED, message=INTERRUPTED_MESSAGE, finished_at=timezone.now()
            )
            break
        except DatabaseError:
            time.sleep(min(0.2 * 2**attempt, 2))
    else:
        logger.warning("roster import %s: could not mark it interrupted (database still down)", record.pk)
    return (
        f"{INTERRUPTED_MESSAGE}（{str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__}）"
    )


def store_report(*, record: RosterImport, report: RosterReport) -> None:
    if report.file_error:
        status = RosterImport.Status.FAILED
    elif report.errors:
        status = RosterImport.Status.INVALID
    elif report.dry_run:
        status = RosterImport.Status.CHECKED
    else:
        status = RosterImport.Status.DONE
    record.status = status
    record.message = report.file_error
    record.total_rows = report.total_rows
    record.progress = report.total_rows
    record.new_count = report.new
    record.updated_count = report.updated
    record.unchanged_count = report.unchanged
    record.error_count = len(report.errors)
    record.errors = report.errors
    record.extra_columns = report.extra_columns
    record.finished_at = timezone.now()
    if status == RosterImport.Status.DONE:
        record.content = None  # imported: the staff records are the data now
    record.save()
    cache.set(progress_key(record.pk), record.progress, timeout=3600)


def receive_upload(upload) -> bytes:
    """The bytes of an uploaded file, refusing an oversized one before reading it."""
    from .reader import max_upload_bytes

    size = getattr(upload, "size", None)
    limit = max_upload_bytes()
    if size is not None and size > limit:
        raise RosterFileError(
            f"文件大小为{size / 1024 / 1024:.1f}MB，超过{limit // 1024 // 1024}MB的上限，请拆分后分批导入。",
            "too_large",
        )
    data = _read_bytes(upload)
    # The container refused at the door (type, zip/XML bomb, macros, password, row count): a hostile
    # file never becomes an import record's content.
    from .reader import _check_container

    _check_container(data)
    return data


def failed_upload_record(*, file_name: str, actor, source: str, message: str) -> RosterImport:
    record = create_import_record(file_name=file_name, data=b"", actor=actor, source=source, dry_run=True)
    report = RosterReport(file_error=message, errors=[{"row": None, "column": "", "message": message}])
    store_report(record=record, report=report)
    return record


def submit_import(*, record: RosterImport, dry_run: bool, rows: int | None = None) -> bool:
    """Run the record's import now, or hand it to Celery when the file is large.  True when queued."""
    from ..tasks import run_roster_import

    if rows is None:
        rows = count_data_rows(bytes(record.content or b""))
    record.total_rows = rows
    record.save(update_fields=["total_rows"])
    if rows > ASYNC_THRESHOLD:
        record.status = RosterImport.Status.PENDING
        record.dry_run = dry_run
        record.save(update_fields=["status", "dry_run"])
        from ops.outbox import DELAYED_MESSAGE, enqueue

        if not enqueue(run_roster_import, record.pk, dry_run):  # Redis down: kept in the outbox, sent when back
            record.message = DELAYED_MESSAGE
            record.save(update_fields=["message"])
        return True
    run_import_record(record=record, dry_run=dry_run)
    return False


def report_from_record(record: RosterImport) -> RosterReport:
    return RosterReport(
        new=record.new_count,
        updated=record.updated_count,
        unchanged=record.unchanged_count,
        errors=list(record.errors or []),
        extra_columns=list(record.extra_columns or []),
        total_rows=record.total_rows,
        file_error=record.message if record.status == RosterImport.Status.FAILED else "",
        dry_run=record.dry_run,
    )


__all__ = [
    "ASYNC_THRESHOLD",
    "RosterReport",
    "create_import_record",
    "import_roster",
    "run_import_record",
    "submit_import",
]
