"""县聘乡用 fixtures: the `world` region given seed 001's numbers, and a stint at its township."""

import datetime as dt

import pytest

from personnel.models import PolicyVersion
from secondments import services
from secondments.choices import SecondmentReason
from tests.factories import SEED_000_POLICY, PolicyVersionFactory

SEED_001_POLICY = {
    "secondment_service_years": 1,
    "secondment_within_years": 5,
    "secondment_share_of_hires": "0.80",
    "leave_filing_threshold_days": 5,
    "leave_filing_comparison": "gte",
    "absence_limit": 3,
    "assessment_min_months_served": 6,
    "excellent_ratio": "0.15",
    "excellent_quota_rounding": "floor",
    "weight_receiving_unit": "0.60",
    "weight_commission": "0.30",
    "weight_dispatching_unit": "0.10",
    "allowance_after_months": 6,
    "receiving_unit_subsidy_per_month": "1000",
    "excellent_award": "1500",
    "remote_years_for_priority": 3,
    "deputy_head_ratio": "0.10",
}


def seed_001_policy(region, **overrides) -> PolicyVersion:
    return PolicyVersionFactory(
        region=region,
        name="县聘乡用",
        effective_from=dt.date(2015, 1, 1),
        data={**SEED_000_POLICY, **SEED_001_POLICY, **overrides},
    )


@pytest.fixture(autouse=True)
def _today(time_machine):
    """These tests read “today” (a stint's status as it is created): it is 2026-11-25 for all of them."""
    time_machine.move_to(dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def sworld(world):
    """`world` whose region (and the foreign one) run seed 001 since 2015."""
    PolicyVersion.objects.update(data={**SEED_000_POLICY, **SEED_001_POLICY}, effective_from=dt.date(2015, 1, 1))
    return world


@pytest.fixture
def stint(sworld):
    return services.create_secondment(
        staff=sworld.staff_in_dept,
        receiving_unit=sworld.township,
        start=dt.date(2026, 1, 1),
        reason=SecondmentReason.VOLUNTARY,
        practice_registration_no="DJ-2026-001",
    )
