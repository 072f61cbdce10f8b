"""Two users approving the same step at the same moment (PostgreSQL, two threads released by a
barrier): the row lock lets one through; the other is told in Chinese that someone else has
handled it (已被他人处理) and nothing is doubled.  The same for an appointment round's list."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connections
from django_fsm_log.models import StateLog

from demotions import services
from demotions.choices import CaseState
from personnel.choices import Role
from personnel.errors import ApplicationError
from tests.demotions.workflow.conftest import DAYS, fresh

from .conftest import postgres_only, report

NEEDS_THROWAWAY_SERVERS = False  # runs on the test database; skips itself on SQLite


def race(fn, actors_: list) -> tuple[list, list[ApplicationError]]:
    barrier = threading.Barrier(len(actors_))
    won: list = []
    refused: list[ApplicationError] = []

    def run(actor):
        try:
            barrier.wait(timeout=30)
            won.append(fn(actor))
        except ApplicationError as error:
            refused.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(a,)) for a in actors_]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return won, refused


@postgres_only  # SQLite locks the whole database: there is no race to lose
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_commission_users_approving_the_same_case_at_once_one_wins_the_other_is_told(case, flow, actors, world):
    from tests.factories import UserFactory

    second_admin = UserFactory(username="admin2", role=Role.COMMISSION_ADMIN, institution=world.commission)
    case = flow.until(case, "approve")  # 公示结束, both see it waiting for approval
    assert case.state == CaseState.PUBLICISED

    def approve(actor):
        return services.approve_case(case=case, actor=actor, document=f"策卫人〔2026〕{actor.pk}号")

    with time_machine.travel(dt.datetime.combine(DAYS["approve"], dt.time(10, 0)), tick=False):
        won, refused = race(approve, [actors[Role.COMMISSION_ADMIN], second_admin])

    assert len(won) == 1 and len(refused) == 1, (won, refused)
    assert "已被他人处理" in refused[0].message
    assert "已审批" in refused[0].message or "审批" in refused[0].message
    stored = fresh(case)
    assert stored.state == CaseState.APPROVED
    assert stored.approval_document == won[0].approval_document  # the winner's document, not overwritten
    assert StateLog.objects.for_(case).filter(transition="approve").count() == 1
    report(
        "concurrent approval of one case step: 2 threads at a barrier, 1 approved, 1 told 已被他人处理, 1 state log",
        faults_injected=1,
        rows_compared=1,
    )
