"""恢复聘任 (seed 000 §五): a demoted person whose later assessments pass and whose lower-post
targets are met may be proposed for restoration, through review → publicity → approval →
execution, back to the original grade; one who fails is flagged for dismissal or reassignment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django_fsm_log.models import StateLog

from appointments.choices import AppointmentKind, AppointmentStatus
from demotions import services
from demotions.choices import CaseKind, CaseState, FollowUp, Trigger
from demotions.restoration import evaluate_follow_ups, propose_restoration, restoration_eligibility
from personnel.choices import Role
from personnel.errors import ApplicationError
from tests.demotions.factories import DutyTargetFactory, WorkloadRecordFactory
from tests.demotions.workflow.conftest import fresh

OCT_8 = dt.date(2026, 10, 8)


def _on(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(9, 0)), tick=False)


@pytest.fixture
def demoted(case, flow):
    """The case executed on 2026-07-01: 王芳 from 六级 down to 八级."""
    flow.through(case)
    return fresh(case)


def test_a_passed_quarter_after_the_demotion_makes_the_person_eligible(demoted, assess):
    assess(demoted.staff, "2026Q3", "qualified")
    assert restoration_eligibility(demoted, as_of=OCT_8) == (True, [])
    assert evaluate_follow_ups(as_of=OCT_8)["restoration_eligible"] == 1
    assert fresh(demoted).follow_up == FollowUp.RESTORATION_ELIGIBLE


def test_no_assessment_since_the_demotion_is_not_eligible(demoted, assess):
    # Q2 and the 2026 annual started before the execution day: they do not count.
    assess(demoted.staff, "2026Q2", "excellent")
    ok, reasons = restoration_eligibility(demoted, as_of=OCT_8)
    assert not ok
    assert reasons == ["低聘（2026-07-01执行）后尚无已提交的季度或年度考核结果。"]
    evaluate_follow_ups(as_of=OCT_8)
    assert fresh(demoted).follow_up == ""


def test_a_failed_assessment_after_the_demotion_flags_dismissal_or_reassignment(demoted, assess):
    assess(demoted.staff, "2026Q3", "basic")
    ok, reasons = restoration_eligibility(demoted, as_of=OCT_8)
    assert not ok and reasons == ["2026Q3季度考核为“基本合格”，未达到合格。"]
    result = evaluate_follow_ups(as_of=OCT_8, staff_ids=[demoted.staff_id])
    assert result["dismissal_or_reassignment"] == 1
    assert fresh(demoted).follow_up == FollowUp.DISMISSAL_OR_REASSIGNMENT
    # Idempotent: a second run changes nothing.
    assert evaluate_follow_ups(as_of=OCT_8)["dismissal_or_reassignment"] == 0


def test_an_unmet_lower_post_target_is_not_eligible_until_met(demoted, assess):
    assess(demoted.staff, "2026Q3", "qualified")
    # 8 over the two-year term (8 quarters) from 2026-07-01: 1 due after the first quarter.
    DutyTargetFactory(appointment=demoted.new_appointment, name="疑难病例", target_total=Decimal(8))
    ok, reasons = restoration_eligibility(demoted, as_of=OCT_8)
    assert not ok and reasons == ["低聘岗位必尽任务“疑难病例”完成0，未达到应完成的1。"]
    evaluate_follow_ups(as_of=OCT_8)
    assert fresh(demoted).follow_up == ""
    WorkloadRecordFactory(staff=demoted.staff, date=dt.date(2026, 8, 3), quantity=Decimal(1))
    assert restoration_eligibility(demoted, as_of=OCT_8) == (True, [])
    evaluate_follow_ups(as_of=OCT_8)
    assert fresh(demoted).follow_up == FollowUp.RESTORATION_ELIGIBLE


def test_a_case_not_executed_cannot_be_restored(case):
    assert restoration_eligibility(case, as_of=OCT_8) == (False, ["只有已执行的高职低聘案件才能提议恢复聘任。"])


def test_restoration_is_refused_with_the_reasons_when_not_eligible(demoted, actors):
    with _on(OCT_8), pytest.raises(ApplicationError, match="暂不能提议恢复聘任：低聘"):
        propose_restoration(demotion_case=demoted, actor=actors[Role.HOSPITAL_HR], reasons="考核合格")
    assert not demoted.restorations.exists()


@pytest.mark.parametrize("role", [Role.COMMISSION_ADMIN, Role.DEPARTMENT_HEAD, Role.STAFF, "other_hr"])
def test_only_the_institution_proposes_a_restoration(demoted, assess, actors, role):
    assess(demoted.staff, "2026Q3", "qualified")
    with _on(OCT_8), pytest.raises(ApplicationError, match="无权"):
        propose_restoration(demotion_case=demoted, actor=actors[role], reasons="考核合格")
    assert not demoted.restorations.exists()


def test_a_restoration_goes_review_publicity_approval_execution_back_to_the_original_grade(
    demoted, assess, actors, grade6_quota
):
    assess(demoted.staff, "2026Q3", "qualified")
    hr, admin = actors[Role.HOSPITAL_HR], actors[Role.COMMISSION_ADMIN]
    with _on(OCT_8):
        restoration = propose_restoration(demotion_case=demoted, actor=hr, reasons="低聘后考核合格，任务完成。")
        assert restoration.state == CaseState.PROPOSED
        assert (restoration.kind, restoration.trigger) == (CaseKind.RESTORATION, Trigger.OTHER)
        assert restoration.trigger_key == f"restore:{demoted.pk}"
        assert restoration.restores == demoted and restoration.appointment == demoted.new_appointment
        # A second proposal while this one runs is refused.
        with pytest.raises(ApplicationError, match="已有进行中的恢复聘任案件"):
            propose_restoration(demotion_case=demoted, actor=hr, reasons="再次提议")
        services.review_case(case=restoration, actor=admin, passed=True, opinion="材料属实。")
        # No comprehensive assessment, no committee: straight to publicity.
        with pytest.raises(ApplicationError, match="恢复聘任案件不经综合考核和党委会议"):
            services.assess_case(
                case=restoration,
                actor=admin,
                quantified_score=80,
                defence_score=80,
                quantified_weight="0.7",
                democratic_weight="0.2",
                defence_weight="0.1",
            )
        publicity = services.start_case_publicity(case=restoration, actor=admin, starts_on=OCT_8)
    assert "拟恢复聘任人员公示" in publicity.title
    assert "专业技术六级" in publicity.body or str(demoted.appointment.post_grade) in publicity.body
    assert publicity.ends_on == dt.date(2026, 10, 13)  # 10-08, 09, 10 (调休), 12, 13
    with _on(dt.date(2026, 10, 14)):
        services.end_case_publicity(case=restoration, actor=admin)
        services.approve_case(case=restoration, actor=admin, document="策卫人〔2026〕30号")
    with _on(dt.date(2026, 10, 15)):
        new = services.execute_case(case=restoration, actor=hr, on=dt.date(2026, 10, 15))
    assert new.post_grade == demoted.appointment.post_grade
    assert new.kind == AppointmentKind.RESTORED and new.status == AppointmentStatus.ACTIVE
    restoration = fresh(restoration)
    assert restoration.state == CaseState.EXECUTED
    assert (restoration.pay_grade_before_id, restoration.pay_grade_after_id) == (8, 6)
    assert restoration.excellence_ineligible_year is None
    assert [log.transition for log in StateLog.objects.for_(restoration).order_by("timestamp", "pk")] == [
        "propose",
        "review",
        "start_publicity",
        "end_publicity",
        "approve",
        "execute",
    ]
    demoted_appointment = fresh(demoted).new_appointment
    assert demoted_appointment.status == AppointmentStatus.TERMINATED
    # Restored: the demotion is no longer flagged, and cannot be restored twice.
    evaluate_follow_ups(as_of=dt.date(2026, 10, 16))
    assert fresh(demoted).follow_up == ""
    ok, reasons = restoration_eligibility(fresh(demoted), as_of=dt.date(2026, 10, 16))
    assert not ok and "该人员已恢复聘任。" in reasons


def test_follow_ups_run_a_constant_number_of_queries(world, senior, assess, django_assert_max_num_queries):
    """Set-based: one executed demotion or five, the same queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from demotions.models import DemotionCase
    from tests.demotions.factories import DemotionCaseFactory
    from tests.factories import AppointmentFactory, StaffFactory

    def demoted_person():
        staff = StaffFactory(institution=world.hospital)
        old = AppointmentFactory(staff=staff, status=AppointmentStatus.TERMINATED, end=dt.date(2026, 6, 30))
        new = AppointmentFactory(staff=staff, start=dt.date(2026, 7, 1), end=dt.date(2028, 6, 30))
        DutyTargetFactory(appointment=new, target_total=Decimal(8))
        assess(staff, "2026Q3", "qualified")
        return DemotionCaseFactory(
            appointment=old, state=CaseState.EXECUTED, executed_on=dt.date(2026, 7, 1), new_appointment=new
        )

    demoted_person()
    with CaptureQueriesContext(connection) as one:
        evaluate_follow_ups(as_of=OCT_8)
    for _ in range(4):
        demoted_person()
    DemotionCase.objects.update(follow_up="")
    with django_assert_max_num_queries(len(one.captured_queries)):
        result = evaluate_follow_ups(as_of=OCT_8)
    assert result["evaluated"] == 5
