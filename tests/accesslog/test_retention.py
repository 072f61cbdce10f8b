"""Access-log rows are kept ACCESS_LOG_RETENTION_DAYS; audit rows (simple-history, fsm-log) only
purged when AUDIT_LOG_RETENTION_DAYS is set; neither may be set below 183 days (6 months)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accesslog.checks import check_retention
from accesslog.models import AccessLog
from accesslog.services import purge_expired_logs
from accesslog.tasks import purge_expired_logs as purge_task
from personnel.models import Staff

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def _row(world, days_old: float) -> AccessLog:
    return AccessLog.objects.create(
        at=NOW - dt.timedelta(days=days_old),
        username="admin",
        staff=world.staff_in_dept,
        staff_name=world.staff_in_dept.name,
        institution=world.hospital,
        kind="page",
        path="/x/",
    )


def test_rows_older_than_the_retention_are_purged_at_the_boundary(world, settings):
    settings.ACCESS_LOG_RETENTION_DAYS = 183
    kept_182 = _row(world, 182)
    kept_183 = _row(world, 183)  # exactly 183 days old: not older than the retention
    gone_184 = _row(world, 184)
    gone_just = _row(world, 183 + 1 / 86400)
    purged = purge_expired_logs(now=NOW)
    assert purged == {"accesslog": 2}
    left = set(AccessLog.objects.values_list("pk", flat=True))
    assert left == {kept_182.pk, kept_183.pk}
    assert gone_184.pk not in left and gone_just.pk not in left


def test_audit_history_is_kept_forever_by_default(world, settings):
    settings.AUDIT_LOG_RETENTION_DAYS = None
    Staff.history.update(history_date=NOW - dt.timedelta(days=3650))
    before = Staff.history.count()
    purge_expired_logs(now=NOW)
    assert before > 0 and Staff.history.count() == before


def test_audit_history_is_purged_only_when_configured(world, settings):
    settings.AUDIT_LOG_RETENTION_DAYS = 183
    person = world.staff_branch
    records = list(Staff.history.filter(id=person.pk).order_by("history_id"))
    Staff.history.filter(history_id=records[0].history_id).update(history_date=NOW - dt.timedelta(days=184))
    Staff.history.exclude(history_id=records[0].history_id).update(history_date=NOW - dt.timedelta(days=182))
    total = Staff.history.count()
    purged = purge_expired_logs(now=NOW)
    assert purged["personnel.historicalstaff"] == 1
    assert Staff.history.count() == total - 1


def test_the_beat_task_purges(world, settings):
    settings.ACCESS_LOG_RETENTION_DAYS = 365
    _row(world, 400)
    AccessLog.objects.filter().update(at=timezone.now() - dt.timedelta(days=400))
    assert purge_task.delay().get()["accesslog"] == 1
    assert not AccessLog.objects.exists()


def test_the_beat_schedule_runs_the_purge_daily():
    from config.celery import app

    assert any(e["task"] == "accesslog.purge_expired_logs" for e in app.conf.beat_schedule.values())


@pytest.mark.parametrize(
    ("access", "audit", "errors"),
    [
        (365, None, []),
        (183, 183, []),
        (182, None, ["accesslog.E001"]),
        (365, 182, ["accesslog.E002"]),
        (0, 0, ["accesslog.E001", "accesslog.E002"]),
        ("365", None, ["accesslog.E001"]),
    ],
)
def test_retention_below_six_months_is_refused_by_the_system_check(settings, access, audit, errors):
    settings.ACCESS_LOG_RETENTION_DAYS = access
    settings.AUDIT_LOG_RETENTION_DAYS = audit
    found = check_retention()
    assert [e.id for e in found] == errors
    assert all("183天" in e.msg for e in found)
