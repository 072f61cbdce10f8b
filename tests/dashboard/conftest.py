"""`world` with something in every figure: titles, quotas (one over), an open monthly period with
some results submitted, rectifications and cases, township demand and secondments, talent budgets
and contracts (one at risk), a township with its population.  Today is 2026-11-25."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from assessments.choices import AssessmentStatus, PeriodKind
from demotions.choices import CaseState, RectificationStatus
from personnel.choices import Category, TitleLevel
from personnel.models import PolicyVersion, PostGrade, PostQuota
from secondments.choices import SecondmentReason, SecondmentStatus
from secondments.models import Demand, Secondment
from talent.choices import ContractMode, ContractStatus, ExpertTier, TerminationReason, TerminationStatus
from talent.models import Budget, Contract, Expert, TerminationItem
from tests.demotions.factories import (
    AssessmentFactory,
    AssessmentPeriodFactory,
    DemotionCaseFactory,
    RectificationFactory,
)
from tests.factories import (
    SEED_000_POLICY,
    AppointmentFactory,
    PostQuotaFactory,
    StaffFactory,
    TitleFactory,
)

TODAY = dt.date(2026, 11, 25)
SEED_004_POLICY = {
    "grassroots_workers_per_10k": 35,
    "grassroots_workers_growth": "0.05",
    "township_senior_post_ratio": "0.20",
    "backbone_ratio": "0.10",
}


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC), tick=False)


def build_dashboard_rows(w, *, extra_staff: int = 0) -> dict:
    """Rows for every figure in `w`'s region (and one of each in the foreign region, which no
    reader of the first may count).  `extra_staff` more people in the hospital's department
    (for the query-count test at two sizes)."""
    PolicyVersion.objects.update(data={**SEED_000_POLICY, **SEED_004_POLICY, "secondment_share_of_hires": "0.80"})
    region = w.region
    w.township.population = 20000
    w.township.save()
    people = [StaffFactory(institution=w.hospital, department=w.dept) for _ in range(extra_staff)]
    for i, s in enumerate(people):
        TitleFactory(staff=s, name=f"职称{i}", level=[TitleLevel.SENIOR, TitleLevel.JUNIOR][i % 2])
    senior = StaffFactory(institution=w.hospital, department=w.other_dept, name="赵高")
    TitleFactory(staff=senior, name="主治医师", level=TitleLevel.INTERMEDIATE, obtained_on=dt.date(2010, 1, 1))
    TitleFactory(staff=senior, name="主任医师", level=TitleLevel.SENIOR, obtained_on=dt.date(2020, 1, 1))
    StaffFactory(institution=w.hospital, department=w.other_dept, name="无职称")  # no title
    # Physicians hired in 2026 (seed 001's 80% share): three at the hospital, one nurse (not counted).
    for name in ("新医甲", "新医乙", "新医丙"):
        StaffFactory(institution=w.hospital, department=w.dept, name=name, first_employment_date=dt.date(2026, 7, 1))
    StaffFactory(
        institution=w.hospital, name="新护士", category=Category.NURSING, first_employment_date=dt.date(2026, 7, 1)
    )
    township_staff = [StaffFactory(institution=w.township, name=f"乡医{i}", is_backbone=i == 0) for i in range(4)]
    grade6, grade8, grade11 = (PostGrade.objects.get(grade=g) for g in (6, 8, 11))
    # Over quota: the hospital's grade 8 quota of 1 with two appointments.
    PostQuota.objects.filter(institution=w.hospital, year=2026, post_grade=grade8).update(count=1)
    AppointmentFactory(staff=w.staff_other_dept, institution=w.hospital, post_grade=grade8)
    AppointmentFactory(staff=w.head_staff, institution=w.hospital, post_grade=grade8)
    PostQuotaFactory(institution=w.township, year=2026, post_grade=grade6, count=2)
    AppointmentFactory(staff=township_staff[0], institution=w.township, post_grade=grade6)
    AppointmentFactory(staff=township_staff[1], institution=w.township, post_grade=grade11)
    AppointmentFactory(staff=township_staff[2], institution=w.township, post_grade=grade11)
    # An open monthly period: some submitted, one draft.
    month = AssessmentPeriodFactory(region=region, kind=PeriodKind.MONTHLY, year=2026, number=11)
    AssessmentFactory(period=month, staff=w.staff_in_dept, grade="excellent")
    AssessmentFactory(period=month, staff=w.staff_branch, grade="qualified")
    AssessmentFactory(period=month, staff=senior, grade="unqualified")
    AssessmentFactory(period=month, staff=w.head_staff, grade="", status=AssessmentStatus.DRAFT, total=None)
    quarter = AssessmentPeriodFactory(region=region, kind=PeriodKind.QUARTERLY, year=2026, number=3, status="closed")
    AssessmentFactory(period=quarter, staff=w.staff_in_dept, grade="basic")
    AssessmentFactory(period=quarter, staff=w.staff_other_hospital, grade="qualified")
    foreign_month = AssessmentPeriodFactory(region=w.foreign_region, kind=PeriodKind.MONTHLY, year=2026, number=11)
    AssessmentFactory(period=foreign_month, staff=w.staff_foreign, grade="excellent")
    # 能上能下: two rectifications open (one past its deadline), one met; cases in two states.
    appointment = w.staff_in_dept.appointments.get()
    RectificationFactory(appointment=appointment, deadline=dt.date(2026, 11, 1), opened_on=dt.date(2026, 8, 1))
    RectificationFactory(
        appointment=w.staff_branch.appointments.get(), deadline=dt.date(2026, 12, 20), opened_on=dt.date(2026, 9, 20)
    )
    RectificationFactory(
        appointment=w.staff_other_hospital.appointments.get(), status=RectificationStatus.MET, closed_on=TODAY
    )
    DemotionCaseFactory(appointment=appointment, opened_on=dt.date(2026, 10, 1))  # opened, overdue (>15 days)
    DemotionCaseFactory(
        appointment=w.staff_branch.appointments.get(), state=CaseState.PROPOSED, opened_on=TODAY, step_due=TODAY
    )
    DemotionCaseFactory(appointment=w.staff_foreign.appointments.get(), opened_on=dt.date(2026, 10, 1))
    # 县聘乡用: the township wants 3, gets 2 (one planned, one active); a cancelled one does not count.
    policy = PolicyVersion.objects.get(region=region)
    Demand.objects.create(year=2026, institution=w.township, category=Category.CLINICAL, count=2)
    Demand.objects.create(year=2026, institution=w.township, category=Category.NURSING, count=1)
    for person, status in (
        (w.staff_other_dept, SecondmentStatus.ACTIVE),
        (w.staff_branch, SecondmentStatus.PLANNED),
        (w.staff_other_hospital, SecondmentStatus.CANCELLED),
    ):
        Secondment.objects.create(
            staff=person,
            dispatching_unit=person.institution,
            receiving_unit=w.township,
            policy=policy,
            reason=SecondmentReason.VOLUNTARY,
            start=dt.date(2026, 3, 1),
            planned_end=dt.date(2027, 2, 28),
            end=dt.date(2027, 2, 28),
            status=status,
        )
    # 柔性引才: budgets of two hospitals; the hospital's contract is at risk.
    Budget.objects.create(institution=w.hospital, year=2026, base=Decimal("500000"))
    Budget.objects.create(institution=w.other_hospital, year=2026, base=Decimal("300000"), adjustment=Decimal("-20000"))
    Budget.objects.create(institution=w.foreign_hospital, year=2026, base=Decimal("900000"))
    contracts = []
    for n, (institution, funding, paid, state) in enumerate(
        (
            (w.hospital, "200000", "50000", ContractStatus.ACTIVE),
            (w.hospital, "100000", "0", ContractStatus.DRAFT),
            (w.other_hospital, "350000", "100000", ContractStatus.ACTIVE),
        )
    ):
        expert = Expert.objects.create(
            institution=institution,
            name=f"专家{n}",
            home_employer="某三甲医院",
            title="主任医师",
            title_level=TitleLevel.SENIOR,
            degree="doctor",
            tier=ExpertTier.PROVINCIAL,
        )
        contracts.append(
            Contract.objects.create(
                code=f"HT-{n}",
                institution=institution,
                expert=expert,
                mode=ContractMode.ADVISER,
                start=dt.date(2026, 2, 1),
                end=dt.date(2028, 1, 31),
                days_per_month=Decimal(4),
                funding=Decimal(funding),
                paid=Decimal(paid),
                status=state,
            )
        )
    TerminationItem.objects.create(
        contract=contracts[0],
        reason=TerminationReason.LOW_ATTENDANCE,
        learned_on=dt.date(2026, 10, 1),
        deadline=dt.date(2027, 1, 1),
        status=TerminationStatus.OPEN,
    )
    return {"month": month, "quarter": quarter, "senior": senior, "township_staff": township_staff}


@pytest.fixture
def dash(world):
    build_dashboard_rows(world)
    return world
