"""Grassroots indicators (seed 004) per township against the policy's targets, and the trend read
from the Staff history at each year's end."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from appointments.models import Appointment
from dashboard import indicators
from personnel.choices import Role, StaffStatus
from personnel.models import PolicyVersion, Staff
from tests.factories import SEED_000_POLICY, StaffFactory

from .conftest import TODAY, build_dashboard_rows


@pytest.fixture
def grassroots(world, time_machine):
    """Three township workers hired in 2025 (one leaves in 2026), then the dashboard rows of 2026."""
    time_machine.move_to(dt.datetime(2025, 6, 1, 10, tzinfo=dt.UTC), tick=False)
    early = [StaffFactory(institution=world.township, name=f"老乡医{i}") for i in range(3)]
    time_machine.move_to(dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC), tick=False)
    early[2].status = StaffStatus.TRANSFERRED
    early[2].save()
    time_machine.move_to(dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC), tick=False)
    build_dashboard_rows(world)
    return world


def plain_figures(township) -> dict:
    """The indicators computed by hand from the rows."""
    staff = [s for s in Staff.objects.all() if s.institution_id == township.pk and s.status == StaffStatus.ON_DUTY]
    workers = len(staff)
    backbone = sum(s.is_backbone for s in staff)
    posts = [
        a
        for a in Appointment.objects.select_related("post_grade")
        if a.institution_id == township.pk and a.start <= TODAY <= a.end and a.kind != "special"
    ]
    senior = sum(a.post_grade.grade <= 7 for a in posts)
    return {
        "workers": workers,
        "density": Decimal(workers * 10000) / Decimal(township.population),
        "backbone_ratio": Decimal(backbone) / Decimal(workers),
        "senior_ratio": Decimal(senior) / Decimal(len(posts)),
    }


def test_township_indicators_match_a_hand_count_and_their_targets(grassroots):
    admin = grassroots.users[Role.COMMISSION_ADMIN]
    data = indicators.grassroots_indicators(admin, today=TODAY)
    assert data.message == ""
    row = next(r for r in data.rows if r.institution_id == grassroots.township.pk)
    expected = plain_figures(grassroots.township)
    assert row.workers == expected["workers"] == 6  # 2 left of 2025's 3, and 4 hired in 2026
    assert row.density == expected["density"].quantize(Decimal("0.01"))
    assert row.backbone_ratio == expected["backbone_ratio"].quantize(Decimal("0.0001"))
    assert row.senior_ratio == expected["senior_ratio"].quantize(Decimal("0.0001"))
    assert row.workers_last_year == 3  # as the history stood at the end of 2025
    assert row.growth == Decimal(1)  # 3 → 6
    assert row.targets.workers_per_10k == 35
    assert row.met("density") is False  # 3 per 10,000 against 35
    assert row.met("growth") is True
    assert row.met("senior_ratio") is True  # 1 of 3 posts senior, target 20%
    assert row.met("backbone_ratio") is True  # 1 of 6 against 10%


def test_the_trend_reads_each_past_year_from_history(grassroots):
    data = indicators.grassroots_indicators(grassroots.users[Role.COMMISSION_ADMIN], today=TODAY)
    by_year = {p.year: p for p in data.trend}
    assert sorted(by_year) == [2022, 2023, 2024, 2025, 2026]
    assert by_year[2024].workers == 0
    assert by_year[2025].workers == 3
    assert by_year[2025].posts == 0  # appointments start in 2026
    assert by_year[2026].workers == 6
    assert by_year[2026].population == 20000


def test_a_policy_without_the_seed_004_keys_says_what_to_enter(grassroots):
    PolicyVersion.objects.update(data=dict(SEED_000_POLICY))
    data = indicators.grassroots_indicators(grassroots.users[Role.COMMISSION_ADMIN], today=TODAY)
    assert "grassroots_workers_per_10k" in data.message
    assert data.rows[0].met("density") is None


def test_hr_of_a_hospital_sees_no_township_outside_its_subtree(grassroots):
    data = indicators.grassroots_indicators(grassroots.users[Role.HOSPITAL_HR], today=TODAY)
    assert data.rows == []


def test_the_indicators_page_shows_each_township_and_its_drill_down(grassroots, client):
    client.force_login(grassroots.users[Role.COMMISSION_ADMIN])
    response = client.get(reverse("dashboard:indicators"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "策勒乡卫生院" in body
    assert f"figure=grassroots&institution={grassroots.township.pk}&backbone=1" in body
    drill = client.get(reverse("dashboard:drill"), {"figure": "grassroots", "institution": grassroots.township.pk})
    assert drill.context["page_obj"].paginator.count == 6


@pytest.mark.parametrize("role", [Role.DEPARTMENT_HEAD, Role.STAFF])
def test_department_heads_and_staff_do_not_open_the_indicators(grassroots, client, role):
    client.force_login(grassroots.users[role])
    assert client.get(reverse("dashboard:indicators")).status_code == 403


def test_the_indicators_take_a_fixed_number_of_queries(grassroots, django_assert_max_num_queries):
    with django_assert_max_num_queries(4 + 2 * (indicators.TREND_YEARS - 1) + 2):
        indicators.grassroots_indicators(grassroots.users[Role.COMMISSION_ADMIN], today=TODAY)
