"""The world of tests/conftest.py with seed 002's numbers (from fixtures/policies.json) in force."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from personnel.choices import Degree, TitleLevel
from talent import services
from talent.choices import ContractMode, ExpertTier
from talent.models import Expert
from tests.factories import SEED_000_POLICY, PolicyVersionFactory

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "policies.json"


def seed_002_policy() -> dict:
    regions = json.loads(FIXTURE.read_text())["regions"]
    region = next(r for r in regions if r["name"] == "鄂托克旗")
    return dict(region["policies"][0]["data"])


@pytest.fixture
def talent_world(world):
    PolicyVersionFactory(
        region=world.region,
        name="柔性引才",
        effective_from=dt.date(2024, 1, 1),
        data=SEED_000_POLICY | seed_002_policy(),
    )
    PolicyVersionFactory(
        region=world.foreign_region,
        name="柔性引才",
        effective_from=dt.date(2024, 1, 1),
        data=SEED_000_POLICY | seed_002_policy(),
    )
    return world


def make_expert(institution, name="赵教授", level=TitleLevel.SENIOR, degree=Degree.DOCTOR) -> Expert:
    return Expert.objects.create(
        institution=institution,
        name=name,
        home_employer="内蒙古医科大学附属医院",
        title="主任医师",
        title_level=level,
        degree=degree,
        tier=ExpertTier.PROVINCIAL,
        tier_evidence="省级重点专科带头人证书",
    )


def make_contract(
    institution,
    *,
    expert=None,
    start=dt.date(2026, 1, 1),
    end=dt.date(2026, 12, 31),
    funding="200000",
    days_per_month="4",
    sign=True,
    department=None,
    stipend="50000",
):
    contract = services.create_contract(
        institution=institution,
        expert=expert or make_expert(institution),
        mode=ContractMode.ADVISER,
        start=start,
        end=end,
        days_per_month=Decimal(days_per_month),
        funding=Decimal(funding),
        annual_stipend=Decimal(stipend),
        department=department,
    )
    if sign:
        contract = services.sign_contract(contract=contract, signed_on=start)
    return contract
