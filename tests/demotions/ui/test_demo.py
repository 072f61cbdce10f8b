"""load_demotion_demo: after the personnel and assessment demos, the board has cases at several
steps (one in publicity with an objection waiting for its answer, one dismissed), rectifications
and conduct events — all made by the sweep and the services; running it again changes nothing;
--reset removes it so the assessment demo can be reset after it."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from demotions.choices import CaseState
from demotions.models import ConductEvent, DemotionCase, Rectification
from publicity.models import Objection

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine, settings, tmp_path):
    time_machine.move_to(dt.datetime(2026, 11, 25, 2, tzinfo=dt.UTC))
    settings.MEDIA_ROOT = tmp_path


def run(*args) -> str:
    out = io.StringIO()
    call_command("load_demotion_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "cases": sorted(DemotionCase.objects.values_list("staff__employee_no", "trigger", "state")),
        "rectifications": sorted(Rectification.objects.values_list("staff__employee_no", "status", "deadline")),
        "events": ConductEvent.objects.count(),
        "objections": Objection.objects.count(),
    }


def test_the_demotion_demo_needs_the_other_demos():
    with pytest.raises(CommandError, match="load_demo"):
        run()


def test_the_demotion_demo_fills_the_board_and_is_idempotent():
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_duty_targets", "--instantiate", stdout=io.StringIO())
    call_command("load_assessment_demo", stdout=io.StringIO())
    output = run()
    assert "能上能下演示数据" in output
    states = set(DemotionCase.objects.values_list("state", flat=True))
    assert {
        CaseState.OPENED,
        CaseState.PROPOSED,
        CaseState.REVIEWED,
        CaseState.DECIDED,
        CaseState.IN_PUBLICITY,
        CaseState.DISMISSED,
    } <= states
    in_publicity = DemotionCase.objects.get(state=CaseState.IN_PUBLICITY)
    assert in_publicity.publicities.get().objections.filter(answered_at__isnull=True).count() == 1
    assert in_publicity.evidence.exists()
    assert Rectification.objects.filter(status="open").exists()
    before = snapshot()
    assert "新录入季度考核0条，新登记履职事件0件；推进案件环节0次" in run()
    assert snapshot() == before

    assert "已删除能上能下演示数据" in run("--reset")
    assert not DemotionCase.objects.exists() and not Rectification.objects.exists()
    call_command("load_assessment_demo", "--reset", stdout=io.StringIO())  # no longer protected
