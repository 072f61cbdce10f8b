"""Security fixtures: the shared `world` with something on every page (a scheme and an open month,
a 能上能下 case, an appointment round), so a crawl of each role's pages reaches the detail pages too;
uploads go to a temporary MEDIA_ROOT."""

from __future__ import annotations

import datetime as dt

import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def rich_world(world):
    from assessments.choices import PeriodKind, SchemeKind
    from assessments.services import create_scheme_version, open_period
    from rounds import services as rounds
    from tests.demotions.factories import DemotionCaseFactory, senior_appointment

    bands = [
        {"grade": "优秀", "min_points": 90},
        {"grade": "合格", "min_points": 75},
        {"grade": "基本合格", "min_points": 60},
        {"grade": "不合格", "min_points": 0},
    ]
    create_scheme_version(
        region=world.region,
        code="monthly",
        name="科室月度考核",
        kind=SchemeKind.MONTHLY,
        effective_from=dt.date(2026, 1, 1),
        items=[
            {"code": "quality", "name": "医疗质量", "max_points": 60},
            {"code": "ethics", "name": "医德", "max_points": 40},
        ],
        bands=bands,
    )
    open_period(region=world.region, kind=PeriodKind.MONTHLY, year=2026, number=3)
    appointment = senior_appointment(institution=world.hospital, department=world.dept, name="赵敏")
    case = DemotionCaseFactory(appointment=appointment)
    round_ = rounds.open_round(
        region=world.region, year=2028, opened_on=dt.date(2027, 12, 1), actor=world.users["commission_admin"]
    )
    world.case = case
    world.round = round_
    return world
