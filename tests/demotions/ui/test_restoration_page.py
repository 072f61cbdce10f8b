"""恢复聘任 on the case page: an executed demotion shows whether the person may be proposed for
restoration and why not; once later results pass, HR gets the form, and the proposal opens the
shorter restoration case (no assessment, no committee) back to the original grade."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from demotions.choices import CaseKind, CaseState
from demotions.models import DemotionCase
from personnel.choices import Role
from tests.demotions.factories import DemotionCaseFactory

from .helpers import drive

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine, settings, tmp_path):
    time_machine.move_to(dt.datetime(2026, 11, 25, 2, tzinfo=dt.UTC), tick=False)
    settings.MEDIA_ROOT = tmp_path


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_restoration_is_offered_to_hr_only_once_later_results_pass(world, senior, assess, time_machine):
    case = drive(DemotionCaseFactory(appointment=senior), CaseState.EXECUTED, world.users, time_machine=time_machine)
    hr, admin = _client(world.users[Role.HOSPITAL_HR]), _client(world.users[Role.COMMISSION_ADMIN])
    url = reverse("demotions:case", args=[case.pk])

    page = hr.get(url)
    assert page.context["restoration"]["eligible"] is False
    assert page.context["restoration"]["reasons"]
    assert page.context["restoration"]["form"] is None
    assert "暂不符合提议条件" in page.content.decode()

    # A quarter after the execution, assessed 合格.
    time_machine.move_to(dt.datetime(2027, 4, 10, 2, tzinfo=dt.UTC), tick=False)
    assess(world.staff_in_dept, "2027Q1", "qualified")
    hr, admin = _client(world.users[Role.HOSPITAL_HR]), _client(world.users[Role.COMMISSION_ADMIN])  # new sessions
    page = hr.get(url)
    assert page.context["restoration"]["eligible"] is True
    assert page.context["restoration"]["form"] is not None
    assert admin.get(url).context["restoration"]["form"] is None  # the institution proposes

    response = hr.post(reverse("demotions:step", args=[case.pk, "restoration"]), {"reasons": "低聘后季度考核合格。"})
    restoration = DemotionCase.objects.get(kind=CaseKind.RESTORATION, restores=case)
    assert response.status_code == 302 and response["Location"] == reverse("demotions:case", args=[restoration.pk])
    assert restoration.state == CaseState.PROPOSED
    page = admin.get(reverse("demotions:case", args=[restoration.pk]))
    labels = [s["label"] for s in page.context["procedure"]]
    assert "综合考核" not in labels and "党委会议" not in labels
    assert [f["step"].key for f in page.context["step_forms"]] == ["review"]
    # The demotion case now lists the restoration and offers no second one.
    page = hr.get(url)
    assert page.context["restoration"]["cases"] == [restoration]
    assert page.context["restoration"]["form"] is None
