"""能上能下 fixtures on top of the shared `world`: a senior (副高) appointment held by the
department's staff member (who has a user; the department has a head with a user; the hospital
has HR), and `assess` to record a submitted result by period label.  Read-only for other tests."""

from __future__ import annotations

import datetime as dt

import pytest

from appointments.models import Appointment
from assessments.rules import parse_period_label
from personnel.models import PostGrade
from personnel.services import policy_for
from tests.demotions.factories import AssessmentFactory, AssessmentPeriodFactory

SENIOR_GRADE = 6  # 专业技术六级: 副高


@pytest.fixture
def senior(world) -> Appointment:
    """王芳's active appointment (2026-01-01 … 2027-12-31) moved to a 副高 post grade."""
    appointment = Appointment.objects.get(staff=world.staff_in_dept, status="active")
    appointment.post_grade = PostGrade.objects.get(grade=SENIOR_GRADE)
    appointment.policy = policy_for(world.region, appointment.start)
    appointment.save()
    return appointment


@pytest.fixture
def assess(world):
    """assess(staff, "2026Q1", "unqualified") → a submitted Assessment of that period."""

    def _assess(staff, label: str, grade: str, **extra):
        kind, year, number = parse_period_label(label)
        period = AssessmentPeriodFactory(region=staff.institution.region, kind=kind, year=year, number=number)
        return AssessmentFactory(period=period, staff=staff, grade=grade, **extra)

    return _assess


@pytest.fixture
def as_of():
    return dt.date(2026, 10, 8)
