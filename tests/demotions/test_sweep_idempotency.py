"""The sweep opens each thing once: run twice, or twice at the same moment in two threads against
PostgreSQL, it leaves exactly one rectification per quarter and one case per trigger (the
database constraints back it; inserts ignore conflicts and read back)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connection, connections

from demotions.choices import EventKind, Trigger
from demotions.models import DemotionCase, Rectification
from demotions.sweep import run_sweep
from tests.demotions.factories import ConductEventFactory, DutyTargetFactory, senior_appointment

EVERY_TRIGGER = {
    Trigger.CONSECUTIVE_QUARTERS,
    Trigger.ANNUAL_GRADE,
    Trigger.REFUSALS,
    Trigger.ETHICS,
    Trigger.RECTIFICATION_FAILED,
}


def person_with_every_rule(world, assess):
    appointment = senior_appointment(institution=world.hospital, department=world.dept)
    staff = appointment.staff
    DutyTargetFactory(appointment=appointment, code="cases", metric="difficult_cases")
    assess(staff, "2026Q1", "unqualified")
    assess(staff, "2026Q2", "unqualified")
    assess(staff, "2026", "basic")
    ConductEventFactory(staff=staff, kind=EventKind.REFUSAL, date=dt.date(2026, 2, 1))
    ConductEventFactory(staff=staff, kind=EventKind.REFUSAL, date=dt.date(2026, 3, 1))
    ConductEventFactory(staff=staff, kind=EventKind.ETHICS, date=dt.date(2026, 3, 1))
    return appointment


def case_counts() -> Counter:
    return Counter(DemotionCase.objects.values_list("staff_id", "trigger", "trigger_key"))


@pytest.mark.django_db
def test_the_sweep_run_twice_opens_one_case_per_trigger(world, assess):
    people = [person_with_every_rule(world, assess) for _ in range(3)]

    first = run_sweep(as_of=dt.date(2027, 1, 20))
    again = run_sweep(as_of=dt.date(2027, 1, 20))

    assert len(first.rectifications_opened) == 3
    assert len(first.cases_opened) == 3 * 4
    assert (again.rectifications_opened, again.cases_opened) == ([], [])
    assert Rectification.objects.count() == 3

    run_sweep(as_of=dt.date(2027, 4, 21))  # the rectifications expired into cases
    last = run_sweep(as_of=dt.date(2027, 4, 21))

    assert last.cases_opened == []
    counts = case_counts()
    assert set(counts.values()) == {1}
    for appointment in people:
        triggers = set(DemotionCase.objects.filter(staff=appointment.staff).values_list("trigger", flat=True))
        assert triggers == EVERY_TRIGGER


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_open_one_case_per_trigger(world, assess):
    if connection.vendor != "postgresql":
        pytest.skip("两个并发事务的冲突只在 PostgreSQL 上检验（SQLite 整库加锁）。")
    for _ in range(20):
        person_with_every_rule(world, assess)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    results = []

    def sweep(as_of):
        try:
            barrier.wait(timeout=30)
            results.append(run_sweep(as_of=as_of))
        except BaseException as error:  # noqa: BLE001 — reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    for as_of in (dt.date(2027, 1, 20), dt.date(2027, 4, 21)):
        threads = [threading.Thread(target=sweep, args=(as_of,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []

    assert Rectification.objects.count() == 20
    # Closing is locked row by row: the two sweeps of the second day expire the 20 between them once.
    assert sum(len(r.rectifications_expired) for r in results) == 20
    counts = case_counts()
    assert len(counts) == 20 * len(EVERY_TRIGGER)
    assert set(counts.values()) == {1}
    through = DemotionCase.events.through.objects.count()
    assert through == 20 * 3  # two refusals on one case, the ethics finding on another, once each
