"""The step matrix through the API: each step's POST is taken by its roles (200), refused for the
other roles of the case's reach (403, nothing changed) and a 404 for the HR of another hospital."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django_fsm_log.models import StateLog
from rest_framework.test import APIClient

from personnel.choices import Role
from tests.api_testing import assert_status
from tests.demotions.workflow.conftest import DAYS, ORDER, OTHER_HR, ROLES, SOURCE, fresh, pdf
from tests.demotions.workflow.test_step_roles import MATRIX

PATHS = {step: step.replace("_", "-") for step in ORDER}


def _payload(step: str):
    """(data, format) of a valid request for the step."""
    if step == "propose":
        return {"reasons": "连续两个季度考核不合格", "files": [pdf()]}, "multipart"
    data = {
        "review": {"passed": True, "opinion": "材料真实、合规"},
        "assess": {
            "quantified_score": "58",
            "defence_score": "62",
            "quantified_weight": "0.7",
            "democratic_weight": "0.2",
            "defence_weight": "0.1",
        },
        "decide": {
            "meeting_date": DAYS["decide"].isoformat(),
            "decision": "低聘",
            "minutes": "纪要",
            "demote": True,
            "decided_grade": 8,
        },
        "start_publicity": {"starts_on": DAYS["start_publicity"].isoformat()},
        "end_publicity": {"on": DAYS["end_publicity"].isoformat()},
        "approve": {"document": "策卫人〔2026〕12号"},
        "execute": {"on": DAYS["execute"].isoformat()},
    }[step]
    return data, "json"


def _expected(role: str, allowed: bool) -> int:
    if allowed:
        return 200
    return 404 if role == OTHER_HR else 403


@pytest.mark.parametrize(("step", "role", "allowed"), MATRIX, ids=[f"{s}-{r}" for s, r, _ in MATRIX])
def test_each_step_through_the_api_by_role(case, flow, actors, step, role, allowed):
    case = flow.until(case, step)
    logs = StateLog.objects.for_(case).count()
    client = APIClient()
    client.force_login(actors[role])
    data, fmt = _payload(step)
    url = reverse("demotions_api:demotion-case-detail", kwargs={"pk": case.pk}) + f"{PATHS[step]}/"
    with time_machine.travel(dt.datetime.combine(DAYS[step], dt.time(10, 0)), tick=False):
        response = client.post(url, data, format=fmt)
    assert_status(response, _expected(role, allowed))
    if allowed:
        assert response.json()["state"] != SOURCE[step]
        assert StateLog.objects.for_(case).count() == logs + 1
    else:
        assert fresh(case).state == SOURCE[step]
        assert StateLog.objects.for_(case).count() == logs


def test_the_matrix_covers_every_role():
    assert {r for _, r, _ in MATRIX} == set(ROLES)
    assert Role.COMMISSION_ADMIN in ROLES
