"""The nightly sweep through the real queue: beat's task `demotions.sweep_daily` queues one
`demotions.sweep_chunk` per chunk of staff ids on the Redis broker, a worker runs them against
PostgreSQL, and the cases are there.  Runs when CELERY_BROKER_URL is set (as in CI)."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import AsyncResult
from django.db import connections

from config.celery import app
from demotions.choices import Trigger
from demotions.models import DemotionCase
from demotions.tasks import sweep_daily
from tests.demotions.factories import senior_appointment


def test_the_beat_schedule_runs_the_sweep_at_two_in_the_morning():
    entry = app.conf.beat_schedule["demotions-sweep-daily"]
    assert entry["task"] == "demotions.sweep_daily"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({2}, {0})
    assert app.conf.timezone == "Asia/Shanghai"


@pytest.mark.django_db
def test_the_daily_task_sweeps_in_chunks_in_process(world, assess):
    people = [senior_appointment(institution=world.hospital, department=world.dept) for _ in range(3)]
    for appointment in people:
        assess(appointment.staff, "2026", "basic")

    outcome = sweep_daily.delay("2027-01-20", chunk_size=2).get()

    assert len(outcome["chunks"]) == 2
    assert DemotionCase.objects.filter(trigger=Trigger.ANNUAL_GRADE).count() == 3


@pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL"), reason="runs against the real Redis broker when CELERY_BROKER_URL is set"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_daily_sweep_runs_through_a_real_worker_and_opens_the_cases(world, assess):
    people = [senior_appointment(institution=world.hospital, department=world.dept) for _ in range(3)]
    for appointment in people:
        assess(appointment.staff, "2026Q3", "unqualified")
        assess(appointment.staff, "2026Q4", "unqualified")

    app.conf.task_always_eager = False  # the real queue (the autouse fixture restores it)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            outcome = sweep_daily.delay("2027-01-20", chunk_size=2).get(timeout=30)
            chunks = [AsyncResult(task_id, app=app).get(timeout=60) for task_id in outcome["chunks"]]
    finally:
        connections.close_all()

    assert [c["staff"] for c in chunks] == [2, 1]
    assert sum(c["cases_opened"] for c in chunks) == 3
    keys = set(DemotionCase.objects.values_list("staff_id", "trigger", "trigger_key"))
    assert keys == {(a.staff_id, Trigger.CONSECUTIVE_QUARTERS, "2026Q3") for a in people}


@pytest.mark.django_db
def test_the_daily_task_sweeps_as_of_today_in_shanghai(world, senior, assess, time_machine):
    assess(world.staff_in_dept, "2026", "basic")
    # 2026-12-31 17:00 UTC is 01:00 on New Year's Day in Shanghai: the 2026 annual result is over.
    time_machine.move_to(dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC), tick=False)

    assert sweep_daily.delay().get()["as_of"] == "2027-01-01"
    assert DemotionCase.objects.get().opened_on == dt.date(2027, 1, 1)
