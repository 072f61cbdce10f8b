"""Roster tests import appointments, and appointments are bound by the post quota (岗位结构比例):
the hospitals the rows use get room for the grades and years the rows name."""

from __future__ import annotations

import pytest

from personnel.models import PostGrade

# (institution attribute of `world`, year, grade): the posts roster_row() and the tests use.
ROSTER_QUOTAS = (("hospital", 2025, 10), ("branch", 2025, 10), ("hospital", 2026, 7))


@pytest.fixture(autouse=True)
def _roster_quotas(request):
    if "world" not in request.fixturenames:
        return
    from tests.factories import PostQuotaFactory

    world = request.getfixturevalue("world")
    for attribute, year, grade in ROSTER_QUOTAS:
        PostQuotaFactory(
            institution=getattr(world, attribute), year=year, post_grade=PostGrade.objects.get(grade=grade), count=100
        )
