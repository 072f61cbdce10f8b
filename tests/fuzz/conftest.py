"""Prints the fuzz run's counts at the end of the session (operations, requests per role, failures)."""

import datetime as dt
import os
from decimal import Decimal

import pytest

from appointments.models import Appointment
from assessments.choices import PeriodKind
from personnel.models import InstitutionAPIKey, PolicyVersion, PostGrade
from rounds import services as rounds
from secondments import services as secondments
from secondments.choices import SecondmentReason
from talent import services as talent
from tests.demotions.factories import (
    AssessmentFactory,
    AssessmentPeriodFactory,
    ConductEventFactory,
    DemotionCaseFactory,
    DutyTargetFactory,
    RectificationFactory,
    TargetProgressEntryFactory,
    WorkloadRecordFactory,
    senior_appointment,
)
from tests.factories import SEED_000_POLICY, PostQuotaFactory
from tests.fuzz.harness import REPORT
from tests.secondments.conftest import SEED_001_POLICY
from tests.talent.conftest import make_contract, make_expert, seed_002_policy


def pytest_terminal_summary(terminalreporter):
    if REPORT.requests:
        terminalreporter.section("API fuzz (schemathesis)")
        terminalreporter.write_line(REPORT.summary())
        if os.environ.get("FUZZ_REPORT"):
            REPORT.write(os.environ["FUZZ_REPORT"])
            terminalreporter.write_line(f"  every failure: {os.environ['FUZZ_REPORT']}")


@pytest.fixture
def fuzz_world(world, time_machine, settings, tmp_path):
    """`world` plus a few rows of every API resource, in and out of each role's scope: assessments,
    duty targets and progress, workload, conduct events, rectifications and demotion cases,
    secondments with leave and attendance, talent contracts with a visit, and a 2028 round with
    applications.  Built by the apps' own services and test factories."""
    time_machine.move_to(dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC), tick=False)
    settings.MEDIA_ROOT = tmp_path / "media"
    # The run is about answers, not the HIS key's rate limit (tested in tests/accounts).
    settings.API_KEY_RATE_LIMIT = 10**6
    if hasattr(InstitutionAPIKey, "rate_limit"):
        InstitutionAPIKey.objects.update(rate_limit=None)
    w = world
    PolicyVersion.objects.update(
        data={**SEED_000_POLICY, **SEED_001_POLICY, **seed_002_policy()}, effective_from=dt.date(2015, 1, 1)
    )
    admin = w.users["commission_admin"]
    people = (
        w.head_staff,
        w.staff_in_dept,
        w.staff_other_dept,
        w.staff_branch,
        w.staff_other_hospital,
        w.staff_foreign,
    )

    # Assessments, workload, duty targets and their progress, conduct events.
    for staff in people:
        period = AssessmentPeriodFactory(
            region=staff.institution.region, kind=PeriodKind.QUARTERLY, year=2026, number=1
        )
        AssessmentFactory(period=period, staff=staff)
        WorkloadRecordFactory(staff=staff)
        ConductEventFactory(staff=staff)
    for appointment in Appointment.objects.select_related("staff"):
        target = DutyTargetFactory(appointment=appointment)
        TargetProgressEntryFactory(target=target)

    # 能上能下: a rectification and a case for an in-scope and an out-of-scope senior.
    for institution, department in ((w.hospital, w.dept), (w.other_hospital, None), (w.foreign_hospital, None)):
        senior = senior_appointment(institution=institution, department=department)
        RectificationFactory(appointment=senior)
        DemotionCaseFactory(appointment=senior)

    # 县聘乡用: a stint of the hospital's and of the other hospital's, with leave and attendance.
    for staff in (w.staff_in_dept, w.staff_other_hospital):
        stint = secondments.create_secondment(
            staff=staff,
            receiving_unit=w.township,
            start=dt.date(2026, 1, 1),
            reason=SecondmentReason.VOLUNTARY,
            practice_registration_no=f"DJ-2026-{staff.pk}",
        )
        secondments.record_leave(secondment=stint, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 3), actor=admin)
        secondments.record_attendance(secondment=stint, date=dt.date(2026, 3, 4), status="present", actor=admin)

    # 柔性引才: a signed contract (with a visit) at the hospital, the other hospital and abroad.
    for institution in (w.hospital, w.other_hospital, w.foreign_hospital):
        contract = make_contract(institution, expert=make_expert(institution, name=f"{institution.code}专家"))
        talent.record_visit(contract=contract, visit_date=dt.date(2026, 2, 3), days=Decimal(1))

    # 聘任轮次 2028: quotas, the round, and an application of the hospital and of the other hospital.
    for institution in (w.hospital, w.other_hospital):
        PostQuotaFactory(institution=institution, year=2028, post_grade=PostGrade.objects.get(grade=8), count=2)
    round_ = rounds.open_round(region=w.region, year=2028, opened_on=dt.date(2026, 11, 20), actor=admin)
    for staff in (w.staff_in_dept, w.staff_other_hospital):
        rounds.apply(
            round=round_,
            staff=staff,
            post_grade=PostGrade.objects.get(grade=8),
            applied_on=dt.date(2026, 11, 21),
            actor=admin,
        )
    return w
