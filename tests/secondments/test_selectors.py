"""Obligations and the hire share computed from the roster and policy data (seed 001 §四(一)1)."""

import datetime as dt
from decimal import Decimal

import pytest

from personnel.choices import Category, TitleLevel
from secondments import selectors, services
from secondments.choices import AttendanceStatus, ObligationStatus
from tests.factories import StaffFactory, TitleFactory

D = dt.date
pytestmark = pytest.mark.django_db


def _rows(sworld, today):
    return {r.staff.name: r for r in selectors.obligations(sworld.users["commission_admin"], today=today)}


def test_new_hire_exactly_five_years_ago_is_overdue_a_day_later_hire_is_not(sworld):
    StaffFactory(institution=sworld.hospital, name="五年整", first_employment_date=D(2021, 11, 25))
    StaffFactory(institution=sworld.hospital, name="差一天", first_employment_date=D(2021, 11, 26))
    rows = _rows(sworld, D(2026, 11, 25))
    assert rows["五年整"].deadline == D(2026, 11, 24)
    assert rows["五年整"].status == ObligationStatus.OVERDUE
    assert rows["差一天"].deadline == D(2026, 11, 25)
    assert rows["差一天"].status == ObligationStatus.AT_RISK


def test_intermediate_physician_without_prior_service_must_serve_before_applying(sworld):
    rows = _rows(sworld, D(2026, 11, 25))
    row = rows[sworld.staff_other_dept.name]  # 主治医师, hired 2008: no new-hire obligation
    assert row.kind == "pre_promotion"
    assert row.deadline is None
    assert row.status == ObligationStatus.DUE


def test_intermediate_physician_with_prior_counted_service_has_fulfilled_it(sworld):
    stint = services.create_secondment(
        staff=sworld.staff_other_dept, receiving_unit=sworld.township, start=D(2024, 1, 1), reason="pre_promotion"
    )
    services.recompute_secondment(secondment=stint, today=D(2025, 1, 1))
    row = _rows(sworld, D(2026, 11, 25))[sworld.staff_other_dept.name]
    assert row.status == ObligationStatus.FULFILLED
    assert row.served_days == 366


def test_a_voided_stint_is_not_prior_service(sworld):
    stint = services.create_secondment(
        staff=sworld.staff_other_dept, receiving_unit=sworld.township, start=D(2024, 1, 1), reason="pre_promotion"
    )
    for day in (2, 3, 4, 5):
        services.record_attendance(
            secondment=stint, date=D(2024, 2, day), status=AttendanceStatus.ABSENT, today=D(2024, 3, 1)
        )
    services.recompute_secondment(secondment=stint, today=D(2025, 1, 1))
    row = _rows(sworld, D(2026, 11, 25))[sworld.staff_other_dept.name]
    assert row.status == ObligationStatus.DUE


def test_nurses_and_senior_physicians_have_no_obligation(sworld):
    StaffFactory(
        institution=sworld.hospital, name="护士", category=Category.NURSING, first_employment_date=D(2024, 7, 1)
    )
    senior = StaffFactory(institution=sworld.hospital, name="副主任医师")
    TitleFactory(staff=senior, name="副主任医师", level=TitleLevel.ASSOCIATE_SENIOR)
    rows = _rows(sworld, D(2026, 11, 25))
    assert "护士" not in rows and "副主任医师" not in rows


def test_hire_share_against_eighty_percent(sworld):
    hires = [StaffFactory(institution=sworld.hospital, first_employment_date=D(2026, 7, 1)) for _ in range(5)]
    for staff in hires[:3]:
        services.create_secondment(staff=staff, receiving_unit=sworld.township, start=D(2026, 9, 1), reason="new_hire")
    this_year, last_year = selectors.hire_shares(sworld.users["commission_admin"], year=2026, share=Decimal("0.80"))
    assert (this_year.hires, this_year.required, this_year.seconded, this_year.met) == (5, 4, 3, False)
    assert (last_year.year, last_year.hires) == (2025, 0)
