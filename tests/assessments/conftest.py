"""Assessment fixtures on top of the shared `world`: seed 000's monthly department scheme and
quarterly scheme (bands 优秀 ≥90, 合格 ≥75, 基本合格 ≥60, 不合格 ≥0) and open periods."""

from __future__ import annotations

import datetime as dt

import pytest

from assessments.choices import PeriodKind, SchemeKind
from assessments.services import create_scheme_version, open_period

MONTHLY_ITEMS = [
    {"code": "quality", "name": "医疗质量", "max_points": 40},
    {"code": "workload", "name": "工作量", "max_points": 30},
    {"code": "ethics", "name": "医德医风", "max_points": 20},
    {"code": "teaching", "name": "科研教学", "max_points": 10},
]
BANDS = [
    {"grade": "优秀", "min_points": 90},
    {"grade": "合格", "min_points": 75},
    {"grade": "基本合格", "min_points": 60},
    {"grade": "不合格", "min_points": 0},
]


@pytest.fixture
def monthly_scheme(world):
    return create_scheme_version(
        region=world.region,
        code="monthly",
        name="科室月度考核",
        kind=SchemeKind.MONTHLY,
        effective_from=dt.date(2026, 1, 1),
        items=MONTHLY_ITEMS,
        bands=BANDS,
    )


@pytest.fixture
def quarterly_scheme(world):
    return create_scheme_version(
        region=world.region,
        code="quarterly",
        name="单位季度考核",
        kind=SchemeKind.QUARTERLY,
        effective_from=dt.date(2026, 1, 1),
        items=[{"code": "overall", "name": "综合得分", "max_points": 100}],
        bands=BANDS,
    )


@pytest.fixture
def march(world, monthly_scheme):
    return open_period(region=world.region, kind=PeriodKind.MONTHLY, year=2026, number=3)


@pytest.fixture
def q1(world, quarterly_scheme):
    return open_period(region=world.region, kind=PeriodKind.QUARTERLY, year=2026, number=1)


def full_scores(total_of_100: int) -> dict:
    """Item scores adding up to the given total (quality takes the remainder)."""
    rest = {"workload": 30, "ethics": 20, "teaching": 10}
    quality = total_of_100 - 60
    if quality < 0:
        rest = {"workload": max(0, total_of_100), "ethics": 0, "teaching": 0}
        quality = 0
    return {"quality": str(quality), **{k: str(v) for k, v in rest.items()}}
