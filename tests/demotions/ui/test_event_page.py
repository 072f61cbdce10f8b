"""登记履职事件 page: HR chooses a person within reach; an accident needs its level; the second
refused assignment in the term opens a case (the sweep runs for the person) and the page goes to it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from demotions.choices import CaseState, Trigger
from demotions.models import ConductEvent, DemotionCase
from personnel.choices import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 25, 2, tzinfo=dt.UTC), tick=False)


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _refusal(staff, day: str) -> dict:
    return {"staff": staff.pk, "kind": "refusal", "date": day, "accident_level": "", "description": "拒绝下沉任务"}


def test_the_second_refusal_opens_a_case_and_the_page_goes_to_it(world, senior):
    c = _client(world.users[Role.HOSPITAL_HR])
    url = reverse("demotions:event_create")
    first = c.post(url, _refusal(world.staff_in_dept, "2026-03-02"))
    assert first.status_code == 302 and first["Location"] == url
    assert not DemotionCase.objects.exists()
    second = c.post(url, _refusal(world.staff_in_dept, "2026-06-02"))
    case = DemotionCase.objects.get(staff=world.staff_in_dept, trigger=Trigger.REFUSALS)
    assert second["Location"] == reverse("demotions:case", args=[case.pk])
    assert case.state == CaseState.OPENED
    listing = c.get(url)
    assert [e.date for e in listing.context["events"]] == [dt.date(2026, 6, 2), dt.date(2026, 3, 2)]


def test_an_accident_needs_its_level_and_a_person_out_of_reach_cannot_be_chosen(world, senior):
    c = _client(world.users[Role.HOSPITAL_HR])
    url = reverse("demotions:event_create")
    data = _refusal(world.staff_in_dept, "2026-03-02") | {"kind": "accident"}
    response = c.post(url, data)
    assert response.status_code == 200
    assert "医疗事故须选择事故等级" in response.content.decode()
    response = c.post(url, _refusal(world.staff_other_hospital, "2026-03-02"))
    assert response.status_code == 200 and "staff" in response.context["form"].errors
    response = c.post(url, _refusal(world.staff_in_dept, "2026-12-01"))  # the service: not in the future
    assert "发生日期不能晚于今天" in response.content.decode()
    assert not ConductEvent.objects.exists()


def test_a_level_two_accident_opens_a_case_at_once(world, senior):
    c = _client(world.users[Role.COMMISSION_ADMIN])
    data = _refusal(world.staff_in_dept, "2026-10-02") | {"kind": "accident", "accident_level": "2"}
    response = c.post(reverse("demotions:event_create"), data)
    case = DemotionCase.objects.get(trigger=Trigger.ACCIDENT)
    assert response["Location"] == reverse("demotions:case", args=[case.pk])
