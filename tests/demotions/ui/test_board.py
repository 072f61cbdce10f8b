"""The case board: cases grouped by step with counts, a step overdue when its `step_due` has passed
or — without one — when the case has sat in the step longer than DEMOTION_STEP_DAYS (15 by
default); filters; the rectifications tab; a constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from appointments.models import Appointment
from demotions.choices import CaseKind, CaseState, RectificationStatus, Trigger
from personnel.choices import Role
from tests.demotions.factories import AssessmentPeriodFactory, DemotionCaseFactory, RectificationFactory
from tests.factories import AppointmentFactory, StaffFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 25)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 25, 2, tzinfo=dt.UTC), tick=False)


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _shown(response) -> dict[int, object]:
    return {c.pk: c for g in response.context["groups"] for c in g["cases"]}


def _entered(days_ago: int) -> dt.datetime:
    return dt.datetime.combine(TODAY - dt.timedelta(days=days_ago), dt.time(2), tzinfo=dt.UTC)


def test_a_step_is_overdue_past_its_due_date_or_after_the_default_days_in_it(world, senior, settings):
    due_passed = DemotionCaseFactory(appointment=senior, state=CaseState.PROPOSED, step_due=TODAY - dt.timedelta(1))
    due_today = DemotionCaseFactory(appointment=senior, state=CaseState.PROPOSED, step_due=TODAY)
    sat_16_days = DemotionCaseFactory(appointment=senior, state_changed_at=_entered(16))
    sat_15_days = DemotionCaseFactory(appointment=senior, state_changed_at=_entered(15))
    admin = world.users[Role.COMMISSION_ADMIN]
    shown = _shown(_client(admin).get(reverse("demotions:board")))
    assert shown[due_passed.pk].overdue and shown[due_passed.pk].overdue_days == 1
    assert not shown[due_today.pk].overdue
    assert shown[sat_16_days.pk].overdue
    assert not shown[sat_15_days.pk].overdue
    settings.DEMOTION_STEP_DAYS = 30
    response = _client(admin).get(reverse("demotions:board"))
    shown = _shown(response)
    assert not shown[sat_16_days.pk].overdue
    assert shown[due_passed.pk].overdue  # a due date wins over the default
    assert response.context["overdue_count"] == 1
    assert "逾期1天" in response.content.decode()


def test_the_board_groups_cases_by_step_with_counts_and_hides_closed_ones_unless_asked(world, senior):
    DemotionCaseFactory(appointment=senior)
    DemotionCaseFactory(appointment=senior, state=CaseState.PROPOSED)
    DemotionCaseFactory(appointment=senior, state=CaseState.PROPOSED)
    executed = DemotionCaseFactory(appointment=senior, state=CaseState.EXECUTED)
    c = _client(world.users[Role.HOSPITAL_HR])
    response = c.get(reverse("demotions:board"))
    groups = {g["state"]: g for g in response.context["groups"]}
    assert len(groups[CaseState.OPENED]["cases"]) == 1
    assert len(groups[CaseState.PROPOSED]["cases"]) == 2
    assert groups[CaseState.EXECUTED]["count"] == 1 and groups[CaseState.EXECUTED]["cases"] == []
    assert response.context["open_count"] == 3
    assert executed.pk in _shown(c.get(reverse("demotions:board"), {"closed": "on"}))


def test_the_board_filters_by_institution_subtree_trigger_kind_and_name(world, senior):
    mine = DemotionCaseFactory(appointment=senior, trigger=Trigger.CONSECUTIVE_QUARTERS)
    branch_case = DemotionCaseFactory(
        appointment=Appointment.objects.get(staff=world.staff_branch, status="active"), trigger=Trigger.ACCIDENT
    )
    other = DemotionCaseFactory(
        appointment=Appointment.objects.get(staff=world.staff_other_hospital, status="active"),
        kind=CaseKind.RESTORATION,
    )
    c = _client(world.users[Role.COMMISSION_ADMIN])
    board = reverse("demotions:board")
    assert set(_shown(c.get(board))) == {mine.pk, branch_case.pk, other.pk}
    # The hospital's subtree includes its branch.
    assert set(_shown(c.get(board, {"institution": world.hospital.pk}))) == {mine.pk, branch_case.pk}
    assert set(_shown(c.get(board, {"institution": world.branch.pk}))) == {branch_case.pk}
    assert set(_shown(c.get(board, {"trigger": Trigger.ACCIDENT}))) == {branch_case.pk}
    assert set(_shown(c.get(board, {"kind": CaseKind.RESTORATION}))) == {other.pk}
    assert set(_shown(c.get(board, {"q": "王"}))) == {mine.pk}
    # HR cannot pick an institution outside its reach: the filter is refused, not widened.
    hr = _client(world.users[Role.HOSPITAL_HR])
    response = hr.get(board, {"institution": world.other_hospital.pk})
    assert response.context["form"].errors
    assert other.pk not in _shown(response)


def test_the_rectifications_tab_lists_open_ones_first_with_days_left(world, senior):
    soon = RectificationFactory(appointment=senior, opened_on=dt.date(2026, 9, 1), deadline=TODAY + dt.timedelta(5))
    met = RectificationFactory(
        appointment=senior,
        period=AssessmentPeriodFactory(region=world.region, number=2),
        opened_on=dt.date(2026, 7, 1),
        deadline=dt.date(2026, 10, 1),
        status=RectificationStatus.MET,
        closed_on=dt.date(2026, 9, 20),
    )
    expired = RectificationFactory(
        appointment=senior,
        period=AssessmentPeriodFactory(region=world.region, number=1, year=2025),
        opened_on=dt.date(2026, 4, 1),
        deadline=dt.date(2026, 7, 1),
        status=RectificationStatus.EXPIRED,
        closed_on=dt.date(2026, 7, 2),
    )
    later = RectificationFactory(
        appointment=senior,
        period=AssessmentPeriodFactory(region=world.region, number=4, year=2025),
        opened_on=dt.date(2026, 10, 1),
        deadline=TODAY + dt.timedelta(40),
    )
    response = _client(world.users[Role.DEPARTMENT_HEAD]).get(reverse("demotions:board"), {"tab": "rectifications"})
    rows = response.context["rectifications"]
    assert [r.pk for r in rows] == [soon.pk, later.pk, met.pk, expired.pk]
    assert rows[0].days_left == 5
    assert response.context["open_rectifications"] == 2
    html = response.content.decode()
    assert "已完成整改" in html and "2026-11-30" in html


def _cases(world, n: int) -> None:
    for i in range(n):
        staff = StaffFactory(institution=world.hospital, department=world.dept)
        appointment = AppointmentFactory(staff=staff)
        DemotionCaseFactory(
            appointment=appointment,
            state=[CaseState.OPENED, CaseState.PROPOSED, CaseState.DECIDED][i % 3],
            step_due=TODAY - dt.timedelta(days=i % 2),
        )
        RectificationFactory(appointment=appointment)


@pytest.mark.parametrize("n", [2, 20])
def test_the_board_takes_a_constant_number_of_queries(world, n, django_assert_max_num_queries):
    _cases(world, n)
    c = _client(world.users[Role.COMMISSION_ADMIN])
    with django_assert_max_num_queries(8):
        response = c.get(reverse("demotions:board"))
    assert response.context["open_count"] == n
    with django_assert_max_num_queries(8):
        response = c.get(reverse("demotions:board"), {"tab": "rectifications"})
    assert len(response.context["rectifications"]) == n


def test_the_navigation_offers_the_board_to_roles_that_read_cases(world):
    for role in (Role.COMMISSION_ADMIN, Role.HOSPITAL_HR, Role.DEPARTMENT_HEAD, Role.STAFF):
        html = _client(world.users[role]).get(reverse("home")).content.decode()
        assert f'href="{reverse("demotions:board")}"' in html


def test_the_home_page_counts_cases_in_progress_and_overdue_ones_as_the_board_does(world, senior):
    DemotionCaseFactory(appointment=senior, state=CaseState.PROPOSED, step_due=TODAY - dt.timedelta(1))
    DemotionCaseFactory(appointment=senior, state_changed_at=_entered(16))
    DemotionCaseFactory(appointment=senior, opened_on=TODAY - dt.timedelta(16))  # never moved: since opening
    DemotionCaseFactory(appointment=senior, state_changed_at=_entered(3))
    DemotionCaseFactory(appointment=senior, state=CaseState.EXECUTED, step_due=TODAY - dt.timedelta(30))
    RectificationFactory(appointment=senior)
    c = _client(world.users[Role.HOSPITAL_HR])
    cards = {card.label: card for card in c.get(reverse("home")).context["cards"]}
    assert cards["高职低聘在办案件"].value == 4
    assert cards["高职低聘在办案件"].note == "3件当前环节已逾期" and cards["高职低聘在办案件"].alert
    assert cards["整改中"].value == 1
    assert c.get(reverse("demotions:board")).context["overdue_count"] == 3


def test_a_step_with_more_cases_than_the_board_shows_says_how_many_there_are(world, senior, monkeypatch):
    monkeypatch.setattr("demotions.views.BOARD_ROWS", 2)
    cases = [DemotionCaseFactory(appointment=senior, opened_on=dt.date(2026, 4, d)) for d in (3, 1, 2)]
    DemotionCaseFactory(appointment=senior, state=CaseState.PROPOSED)
    response = _client(world.users[Role.COMMISSION_ADMIN]).get(reverse("demotions:board"))
    groups = {g["state"]: g for g in response.context["groups"]}
    assert [c.pk for c in groups[CaseState.OPENED]["cases"]] == [cases[1].pk, cases[2].pk]  # the oldest first
    assert groups[CaseState.OPENED]["count"] == 3
    assert len(groups[CaseState.PROPOSED]["cases"]) == 1
    assert "共 3 件，按立案先后显示前 2 件" in response.content.decode()
