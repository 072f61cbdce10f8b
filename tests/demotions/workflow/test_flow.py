"""One demotion case through the whole procedure (seed 000 §五), and what execution records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django_fsm_log.models import StateLog

from appointments.choices import AppointmentKind, AppointmentStatus
from appointments.models import Appointment
from demotions.choices import CaseState
from demotions.models import CaseEvidence, DemotionCase
from personnel.choices import Role
from publicity.models import PublicityStatus
from tests.demotions.workflow.conftest import fresh


def test_a_case_walks_from_proposal_to_execution_with_every_step_logged(case, flow, actors, senior):
    new = flow.through(case)
    case = DemotionCase.objects.get(pk=case.pk)
    assert case.state == CaseState.EXECUTED
    logs = list(StateLog.objects.for_(case).order_by("timestamp", "pk"))
    assert [log.transition for log in logs] == [
        "propose",
        "review",
        "assess",
        "decide",
        "start_publicity",
        "end_publicity",
        "approve",
        "execute",
    ]
    assert logs[0].by == actors[Role.HOSPITAL_HR]
    assert logs[1].by == actors[Role.COMMISSION_ADMIN]
    assert all(log.description for log in logs)
    assert case.state_changed_at is not None
    assert CaseEvidence.objects.filter(case=case, step=CaseState.OPENED).count() == 1

    # Execution: old appointment ended the day before, the new one at the decided lower grade.
    senior.refresh_from_db()
    assert senior.status == AppointmentStatus.TERMINATED
    assert senior.end == dt.date(2026, 6, 30)
    assert new.post_grade_id == 8 and new.kind == AppointmentKind.DEMOTED
    assert new.start == dt.date(2026, 7, 1) and new.end == dt.date(2028, 6, 30)  # 聘期2年 (policy)
    assert new.status == AppointmentStatus.ACTIVE
    assert case.new_appointment == new
    assert case.executed_on == dt.date(2026, 7, 1)
    assert (case.pay_grade_before_id, case.pay_grade_after_id) == (6, 8)
    assert case.excellence_ineligible_year == 2026
    assert Appointment.objects.filter(staff=case.staff, status=AppointmentStatus.ACTIVE).get() == new


def test_the_assessment_combines_weighted_scores_with_the_ballots_average(case, flow):
    flow.until(case, "decide")
    case = fresh(case)
    # Ballots: 10 scores averaging 70.5; 58 × 0.7 + 70.5 × 0.2 + 62 × 0.1 = 40.6 + 14.1 + 6.2
    assert case.democratic_score == Decimal("70.50")
    assert case.combined_score == Decimal("60.90")
    assert case.combined_grade == ""  # no comprehensive scheme in the region


def test_the_publicity_lists_name_institution_grades_and_target_completion(case, flow):
    case = flow.until(case, "start_publicity")
    publicity = flow.do("start_publicity", case)
    assert publicity.ends_on == dt.date(2026, 6, 8)
    assert publicity.working_days == 5
    for text in ("王芳", "策勒县人民医院", "必尽任务"):
        assert text in publicity.title + publicity.body
    assert str(case.appointment.post_grade) in publicity.body
    assert str(flow.grade8) in publicity.body
    assert publicity.status == PublicityStatus.RUNNING
