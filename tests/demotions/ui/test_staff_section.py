"""The staff page (where the rectification reminders link) shows the person's rectifications with
what each must reach by its deadline, and their cases; nothing when there are none."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from personnel.choices import Role
from tests.demotions.factories import (
    DemotionCaseFactory,
    DutyTargetFactory,
    RectificationFactory,
    RectificationItemFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 25, 2, tzinfo=dt.UTC), tick=False)


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_staff_page_lists_the_rectification_items_and_the_cases(world, senior):
    target = DutyTargetFactory(appointment=senior, name="疑难病例", target_total=Decimal(20))
    rectification = RectificationFactory(
        appointment=senior, opened_on=dt.date(2026, 9, 1), deadline=dt.date(2026, 12, 1)
    )
    RectificationItemFactory(rectification=rectification, target=target, required=Decimal(10), done_at_open=Decimal(4))
    case = DemotionCaseFactory(appointment=senior)
    for role in (Role.STAFF, Role.DEPARTMENT_HEAD, Role.HOSPITAL_HR):
        html = (
            _client(world.users[role])
            .get(reverse("personnel:staff_detail", args=[world.staff_in_dept.pk]))
            .content.decode()
        )
        assert 'id="demotions"' in html
        assert "疑难病例" in html and "还有6天" in html
        assert reverse("demotions:case", args=[case.pk]) in html


def test_no_section_for_a_person_without_rectifications_or_cases(world, senior):
    html = (
        _client(world.users[Role.HOSPITAL_HR])
        .get(reverse("personnel:staff_detail", args=[world.staff_other_dept.pk]))
        .content.decode()
    )
    assert 'id="demotions"' not in html
