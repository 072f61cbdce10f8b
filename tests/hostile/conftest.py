"""Hostile-file fixtures: the shared `world` with a 能上能下 case and an appointment-round
application to attach evidence to; uploads go to a temporary MEDIA_ROOT."""

from __future__ import annotations

import datetime as dt

import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def targets(world):
    from personnel.models import PostGrade
    from rounds import services as rounds
    from tests.demotions.factories import DemotionCaseFactory, senior_appointment
    from tests.factories import PostQuotaFactory

    grade8 = PostGrade.objects.get(grade=8)
    PostQuotaFactory(institution=world.hospital, year=2028, post_grade=grade8, count=2)
    admin = world.users["commission_admin"]
    round_ = rounds.open_round(region=world.region, year=2028, opened_on=dt.date(2027, 12, 1), actor=admin)
    application = rounds.apply(
        round=round_, staff=world.staff_in_dept, post_grade=grade8, applied_on=dt.date(2027, 12, 5), actor=admin
    )
    case = DemotionCaseFactory(appointment=senior_appointment(institution=world.hospital, name="赵敏"))
    return {"round": round_, "application": application, "case": case}
