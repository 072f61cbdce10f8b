"""Conduct events recorded by hand (seed 000 §五 triggers 2–6) run the sweep for the person; the
democratic evaluation is anonymous (tallies per group only)."""

from __future__ import annotations

import datetime as dt
import sys
import types

import pytest
import time_machine

from demotions import services
from demotions.choices import EventKind, Trigger
from demotions.models import ConductEvent, DemocraticBallot, DemotionCase
from personnel.choices import Role
from personnel.errors import ApplicationError
from tests.api_testing import assert_no_rows_written
from tests.demotions.workflow.conftest import BALLOTS, OTHER_HR

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def today():
    with time_machine.travel(dt.datetime.combine(TODAY, dt.time(9, 0)), tick=False):
        yield TODAY


@pytest.fixture
def sweep_calls(monkeypatch):
    """Stand-in for demotions.sweep.run_sweep recording its calls (the sweep has its own tests)."""
    calls = []
    fake = types.ModuleType("demotions.sweep")
    fake.run_sweep = lambda **kwargs: calls.append(kwargs)
    monkeypatch.setitem(sys.modules, "demotions.sweep", fake)
    return calls


def test_recording_an_event_runs_the_sweep_for_that_person(world, actors, today, sweep_calls):
    event = services.record_event(
        staff=world.staff_in_dept,
        actor=actors[Role.HOSPITAL_HR],
        kind=EventKind.REFUSAL,
        date=dt.date(2026, 5, 20),
        description="无正当理由拒绝下乡义诊任务。",
    )
    assert event.recorded_by == actors[Role.HOSPITAL_HR] and event.accident_level is None
    assert sweep_calls == [{"as_of": TODAY, "staff_ids": [world.staff_in_dept.pk]}]


def test_two_refusals_open_a_case_through_the_real_sweep(world, actors, senior, today):
    for day in (dt.date(2026, 3, 2), dt.date(2026, 5, 20)):
        services.record_event(
            staff=world.staff_in_dept,
            actor=actors[Role.HOSPITAL_HR],
            kind=EventKind.REFUSAL,
            date=day,
            description="无正当理由拒绝工作任务。",
        )
    assert DemotionCase.objects.filter(staff=world.staff_in_dept, trigger=Trigger.REFUSALS).count() == 1


@pytest.mark.parametrize(
    ("kind", "level", "date", "message"),
    [
        (EventKind.ACCIDENT, None, dt.date(2026, 5, 1), "医疗事故须填写事故等级"),
        (EventKind.ACCIDENT, 5, dt.date(2026, 5, 1), "医疗事故须填写事故等级"),
        (EventKind.REFUSAL, 2, dt.date(2026, 5, 1), "仅医疗事故填写事故等级"),
        (EventKind.ETHICS, None, dt.date(2026, 6, 2), "发生日期不能晚于今天"),
        ("unknown", None, dt.date(2026, 5, 1), "请选择事件类型"),
    ],
)
def test_invalid_events_are_refused(world, actors, today, sweep_calls, kind, level, date, message):
    with assert_no_rows_written(ConductEvent), pytest.raises(ApplicationError, match=message):
        services.record_event(
            staff=world.staff_in_dept,
            actor=actors[Role.HOSPITAL_HR],
            kind=kind,
            date=date,
            description="说明",
            accident_level=level,
        )
    assert sweep_calls == []


def test_an_accident_is_recorded_with_its_level(world, actors, today, sweep_calls):
    event = services.record_event(
        staff=world.staff_in_dept,
        actor=actors[Role.COMMISSION_ADMIN],
        kind=EventKind.ACCIDENT,
        date=dt.date(2026, 5, 1),
        description="二级医疗事故，负主要责任。",
        accident_level="2",
    )
    assert event.accident_level == 2


@pytest.mark.parametrize("role", [Role.DEPARTMENT_HEAD, Role.STAFF, OTHER_HR])
def test_only_hr_of_the_institution_and_the_commission_record_events(world, actors, today, sweep_calls, role):
    with assert_no_rows_written(ConductEvent), pytest.raises(ApplicationError, match="无权"):
        services.record_event(
            staff=world.staff_in_dept,
            actor=actors[role],
            kind=EventKind.REFUSAL,
            date=dt.date(2026, 5, 1),
            description="说明",
        )


# --- Anonymity ------------------------------------------------------------------------------


def test_ballots_carry_no_voter_and_the_tally_only_groups(case, flow):
    case = flow.until(case, "assess")
    fields = {f.name for f in DemocraticBallot._meta.get_fields()}
    assert fields == {"id", "case", "group", "score"}
    tally = services.ballot_tally(case)
    assert [t["group"] for t in tally] == ["superior", "peer", "subordinate", "patient_rep"]
    assert all(set(t) == {"group", "label", "count", "average"} for t in tally)
    assert [t["count"] for t in tally] == [len(v) for v in BALLOTS.values()]
    assert str(tally[0]["average"]) == "75.00" and str(tally[1]["average"]) == "62.50"
