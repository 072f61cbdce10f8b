"""Two offices taking the same step at the same moment (PostgreSQL): the case row is locked, so
one execution goes through and the other is told that someone else took the step (已被他人处理) — one new
appointment, one logged transition."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection, connections
from django_fsm_log.models import StateLog

from appointments.choices import AppointmentStatus
from appointments.models import Appointment
from demotions import services
from demotions.choices import CaseState
from personnel.choices import Role
from personnel.errors import ApplicationError
from tests.demotions.workflow.conftest import DAYS, fresh


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_executions_appoint_once(case, flow, actors):
    if connection.vendor != "postgresql":
        pytest.skip("并发事务的行锁只在 PostgreSQL 上检验（SQLite 整库加锁）。")
    case = flow.until(case, "execute")
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def execute(actor):
        try:
            barrier.wait(timeout=30)
            outcomes.append(services.execute_case(case=case, actor=actor, on=DAYS["execute"]))
        except ApplicationError as refused:
            outcomes.append(refused)
        finally:
            connections.close_all()

    with time_machine.travel(dt.datetime.combine(DAYS["execute"], dt.time(10, 0)), tick=False):
        threads = [
            threading.Thread(target=execute, args=(actors[role],)) for role in (Role.HOSPITAL_HR, Role.COMMISSION_ADMIN)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    appointments = [o for o in outcomes if isinstance(o, Appointment)]
    refusals = [o for o in outcomes if isinstance(o, ApplicationError)]
    assert len(appointments) == 1 and len(refusals) == 1, outcomes
    assert "此环节已被他人处理：案件已处于“已执行”环节" in refusals[0].message
    assert fresh(case).state == CaseState.EXECUTED
    assert Appointment.objects.filter(staff=case.staff, status=AppointmentStatus.ACTIVE).count() == 1
    assert StateLog.objects.for_(case).filter(transition="execute").count() == 1
