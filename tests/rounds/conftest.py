"""Appointment-round fixtures on top of the shared `world`: the 2028 round of 策勒县 (terms ending by
2027-12-31, new terms from 2028-01-01), 2028 quotas, and `candidate` / `scored` helpers that take a
person through the steps by the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from personnel.models import PostGrade
from rounds import services
from tests.factories import PostQuotaFactory, StaffFactory, TitleFactory

D = dt.date
YEAR = 2028
TITLE_ON = D(2015, 9, 1)
WORK_SINCE = D(2008, 7, 1)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Signed scans go to a temporary folder, not the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def commission(world):
    return world.users["commission_admin"]


@pytest.fixture
def hr(world):
    return world.users["hospital_hr"]


@pytest.fixture
def grade(db):
    return lambda n: PostGrade.objects.get(grade=n)


@pytest.fixture
def quota(world, grade):
    """quota(institution, grade_no, count) for the round's year."""

    def _quota(institution, grade_no: int, count: int):
        q = PostQuotaFactory(institution=institution, year=YEAR, post_grade=grade(grade_no), count=count)
        q.count = count
        q.save()
        return q

    return _quota


@pytest.fixture
def round_(world, commission, quota):
    quota(world.hospital, 8, 2)
    return services.open_round(region=world.region, year=YEAR, opened_on=D(2027, 12, 1), actor=commission)


@pytest.fixture
def person(world):
    """person(name, title_on=…, work_since=…) → an on-duty 中级 clinician of the hospital."""

    def _person(name: str, *, title_on=TITLE_ON, work_since=WORK_SINCE, institution=None):
        staff = StaffFactory(
            institution=institution or world.hospital,
            department=world.dept,
            name=name,
            first_employment_date=work_since,
        )
        TitleFactory(staff=staff, obtained_on=title_on)
        return staff

    return _person


@pytest.fixture
def scored(commission, grade):
    """scored(round, staff, combined-ish scores) → an application qualified, balloted and scored."""

    def _scored(round_, staff, *, quantified, defence=80, ballots=(80, 80), grade_no=8, actor=None):
        a = services.apply(
            round=round_, staff=staff, post_grade=grade(grade_no), applied_on=D(2027, 12, 5), actor=actor or commission
        )
        a = services.qualify(application=a, qualified=True, actor=commission)
        services.record_ballots(application=a, ballots=[("peer", b) for b in ballots], actor=commission)
        return services.score(
            application=a,
            quantified_score=Decimal(str(quantified)),
            defence_score=Decimal(str(defence)),
            quantified_weight=Decimal("0.70"),
            democratic_weight=Decimal("0.15"),
            defence_weight=Decimal("0.15"),
            actor=commission,
        )

    return _scored
