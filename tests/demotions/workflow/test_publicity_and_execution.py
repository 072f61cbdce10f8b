"""The case's publicity across 国庆 2026 (it cannot end before its last working day, nor with an
unanswered objection), a dismissal withdrawing a running publicity, and an atomic execution."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django_fsm_log.models import StateLog

from appointments.choices import AppointmentStatus
from appointments.models import Appointment
from demotions import services
from demotions.choices import CaseState
from personnel.choices import Role
from personnel.errors import ApplicationError
from personnel.models import PostQuota
from publicity.models import PublicityStatus
from publicity.selectors import running_for_subject
from tests.api_testing import assert_no_rows_written
from tests.demotions.workflow.conftest import fresh


def _on(day: dt.date):
    return time_machine.travel(dt.datetime.combine(day, dt.time(9, 0)), tick=False)


@pytest.fixture
def national_day_case(case, flow, actors):
    """A decided case whose publicity starts on Tuesday 2026-09-29 (5 working days: 09-29, 09-30,
    国庆 10-01…07 off, 10-08, 10-09 and the make-up Saturday 10-10)."""
    case = flow.until(case, "start_publicity")
    with _on(dt.date(2026, 9, 29)):
        publicity = services.start_case_publicity(
            case=case, actor=actors[Role.COMMISSION_ADMIN], starts_on=dt.date(2026, 9, 29)
        )
    assert publicity.ends_on == dt.date(2026, 10, 10)
    return fresh(case)


@pytest.mark.parametrize("day", [dt.date(2026, 10, 1), dt.date(2026, 10, 9), dt.date(2026, 10, 10)])
def test_the_case_publicity_cannot_end_through_national_day_until_after_october_10(national_day_case, actors, day):
    with _on(day), pytest.raises(ApplicationError, match="2026-10-11起方可结束公示"):
        services.end_case_publicity(case=national_day_case, actor=actors[Role.COMMISSION_ADMIN])
    assert fresh(national_day_case).state == CaseState.IN_PUBLICITY
    assert running_for_subject(national_day_case).status == PublicityStatus.RUNNING


def test_an_unanswered_objection_holds_the_case_in_publicity_until_answered(national_day_case, actors):
    admin, hr = actors[Role.COMMISSION_ADMIN], actors[Role.HOSPITAL_HR]
    with _on(dt.date(2026, 10, 9)):
        objection = services.lodge_case_objection(
            case=national_day_case,
            actor=hr,
            lodged_on=dt.date(2026, 10, 9),
            lodged_by_name="匿名",
            content="病例讨论次数统计有误。",
        )
    with _on(dt.date(2026, 10, 12)):
        with pytest.raises(ApplicationError, match="匿名于2026-10-09提出的异议尚未答复"):
            services.end_case_publicity(case=national_day_case, actor=admin)
        assert fresh(national_day_case).state == CaseState.IN_PUBLICITY
        services.answer_case_objection(objection=objection, actor=admin, answer="经核查，统计无误。")
        ended = services.end_case_publicity(case=national_day_case, actor=admin)
    assert ended.state == CaseState.PUBLICISED
    assert "异议1件均已答复" in StateLog.objects.for_(ended).filter(transition="end_publicity").get().description


def test_the_case_publicity_ends_on_the_sunday_after_the_make_up_saturday(national_day_case, actors):
    with _on(dt.date(2026, 10, 11)):
        ended = services.end_case_publicity(case=national_day_case, actor=actors[Role.COMMISSION_ADMIN])
    assert ended.state == CaseState.PUBLICISED
    assert ended.publicities.get().status == PublicityStatus.ENDED


def test_an_end_date_in_the_future_is_refused(national_day_case, actors):
    with _on(dt.date(2026, 10, 9)), pytest.raises(ApplicationError, match="结束日期不能晚于今天"):
        services.end_case_publicity(
            case=national_day_case, actor=actors[Role.COMMISSION_ADMIN], on=dt.date(2026, 10, 12)
        )


def test_a_publicity_cannot_start_in_the_past(case, flow, actors):
    case = flow.until(case, "start_publicity")
    with _on(dt.date(2026, 9, 30)), pytest.raises(ApplicationError, match="不能早于今天"):
        services.start_case_publicity(case=case, actor=actors[Role.COMMISSION_ADMIN], starts_on=dt.date(2026, 9, 29))
    assert fresh(case).state == CaseState.DECIDED


def test_dismissing_a_case_in_publicity_withdraws_the_publicity(national_day_case, actors):
    with _on(dt.date(2026, 10, 8)):
        services.dismiss_case(case=national_day_case, actor=actors[Role.COMMISSION_ADMIN], reason="异议属实。")
    case = fresh(national_day_case)
    assert case.state == CaseState.DISMISSED
    assert case.publicities.get().status == PublicityStatus.CANCELLED


# --- Execution ------------------------------------------------------------------------------


def test_a_full_quota_refuses_the_execution_and_changes_nothing(case, flow, actors, senior):
    case = flow.until(case, "execute")
    PostQuota.objects.filter(institution=senior.institution, year=2026, post_grade_id=8).update(count=0)
    with assert_no_rows_written(Appointment, StateLog), pytest.raises(ApplicationError, match="超出岗位结构比例"):
        flow.do("execute", case)
    senior.refresh_from_db()
    assert senior.status == AppointmentStatus.ACTIVE and senior.end == dt.date(2027, 12, 31)
    case = fresh(case)
    assert case.state == CaseState.APPROVED
    assert case.new_appointment is None and case.executed_on is None
    assert case.excellence_ineligible_year is None and case.pay_grade_after is None


def test_execution_without_a_quota_for_the_lower_grade_is_refused(case, flow, senior):
    case = flow.until(case, "execute")
    PostQuota.objects.filter(institution=senior.institution, post_grade_id=8).delete()
    with pytest.raises(ApplicationError, match="未核定"):
        flow.do("execute", case)
    assert fresh(case).state == CaseState.APPROVED
    assert Appointment.objects.get(staff=senior.staff, status=AppointmentStatus.ACTIVE) == senior


def test_execution_date_may_not_be_in_the_future(case, flow, actors):
    case = flow.until(case, "execute")
    with _on(dt.date(2026, 6, 30)), pytest.raises(ApplicationError, match="执行日期不能晚于今天"):
        services.execute_case(case=case, actor=actors[Role.HOSPITAL_HR], on=dt.date(2026, 7, 1))


def test_execution_to_a_senior_grade_gives_the_new_appointment_its_duty_targets(case, flow, actors, world):
    from appointments.services import load_duty_target_templates
    from personnel.models import PostGrade
    from personnel.services import policy_for
    from tests.factories import PostQuotaFactory

    policy = policy_for(world.region, dt.date(2026, 7, 1))
    policy.data.update({"target_sessions_associate": 8, "target_projects_associate": 1})
    policy.save()
    assert load_duty_target_templates(policy=policy) > 0
    PostQuotaFactory(institution=world.hospital, year=2026, post_grade=PostGrade.objects.get(grade=7), count=1)
    case = flow.until(case, "decide")
    with _on(dt.date(2026, 6, 1)):
        services.decide_case(
            case=case,
            actor=actors[Role.COMMISSION_ADMIN],
            meeting_date=dt.date(2026, 6, 1),
            decision="低聘至七级",
            minutes="纪要",
            demote=True,
            decided_grade=7,
        )
    for step in ("start_publicity", "end_publicity", "approve"):
        flow.do(step, case)
    new = flow.do("execute", case)
    assert new.post_grade_id == 7
    assert new.duty_targets.exists()


def test_execution_may_not_be_dated_before_the_approval(case, flow, actors):
    case = flow.until(case, "execute")  # approved on 2026-06-10
    with _on(dt.date(2026, 6, 12)), pytest.raises(ApplicationError, match="不能早于卫健委批准日期（2026-06-10）"):
        services.execute_case(case=case, actor=actors[Role.HOSPITAL_HR], on=dt.date(2026, 6, 9))
    assert fresh(case).state == CaseState.APPROVED
