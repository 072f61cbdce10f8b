"""Shared by the 能上能下 page tests: drive a case to a state through the services (as the roles
that take each step), and a snapshot of everything a step writes."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_fsm_log.models import StateLog

from appointments.models import Appointment
from demotions import services
from demotions.choices import CaseState
from demotions.models import CaseEvidence, DemocraticBallot, DemotionCase
from personnel.choices import Role
from personnel.models import PostGrade
from publicity.models import Objection, Publicity

ORDER = [
    CaseState.OPENED,
    CaseState.PROPOSED,
    CaseState.REVIEWED,
    CaseState.ASSESSED,
    CaseState.DECIDED,
    CaseState.IN_PUBLICITY,
    CaseState.PUBLICISED,
    CaseState.APPROVED,
    CaseState.EXECUTED,
]
LOWER_GRADE = 8  # 副高 六级 → 中级 八级


def pdf(name: str = "提议材料.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% evidence\n", content_type="application/pdf")


def drive(case: DemotionCase, to: str, users: dict, *, time_machine=None, ballots=None) -> DemotionCase:
    """Take `case` through the services up to state `to`.  Ending the publicity needs the clock
    moved past its last working day: pass pytest's `time_machine`."""
    admin, hr = users[Role.COMMISSION_ADMIN], users[Role.HOSPITAL_HR]
    while ORDER.index(case.state) < ORDER.index(to):
        today = timezone.localdate()
        state = case.state
        if state == CaseState.OPENED:
            services.propose_case(case=case, actor=hr, reasons="连续两个季度考核不合格。", files=[pdf()])
        elif state == CaseState.PROPOSED:
            services.review_case(case=case, actor=admin, passed=True, opinion="材料真实、合规。")
        elif state == CaseState.REVIEWED:
            services.record_ballots(case=case, actor=admin, ballots=ballots or {"superior": [70, 80], "peer": [60]})
            services.assess_case(
                case=case,
                actor=admin,
                quantified_score=58,
                defence_score=60,
                quantified_weight="0.7",
                democratic_weight="0.2",
                defence_weight="0.1",
            )
        elif state == CaseState.ASSESSED:
            services.decide_case(
                case=case,
                actor=admin,
                meeting_date=today,
                decision="同意高职低聘。",
                minutes="党委会议纪要。",
                demote=True,
                decided_grade=PostGrade.objects.get(grade=LOWER_GRADE),
            )
        elif state == CaseState.DECIDED:
            services.start_case_publicity(case=case, actor=admin, starts_on=today)
        elif state == CaseState.IN_PUBLICITY:
            publicity = case.publicities.get(status="running")
            time_machine.move_to(
                dt.datetime.combine(publicity.ends_on + dt.timedelta(days=1), dt.time(2, tzinfo=dt.UTC))
            )
            services.end_case_publicity(case=case, actor=admin)
        elif state == CaseState.PUBLICISED:
            services.approve_case(case=case, actor=admin, document="策卫发〔2026〕1号")
        elif state == CaseState.APPROVED:
            services.execute_case(case=case, actor=admin, on=timezone.localdate())
        case = DemotionCase.objects.get(pk=case.pk)
    return case


def snapshot(case: DemotionCase) -> tuple:
    """Everything a step of this case could write."""
    case = DemotionCase.objects.get(pk=case.pk)
    return (
        case.state,
        StateLog.objects.filter(object_id=case.pk).count(),
        CaseEvidence.objects.filter(case=case).count(),
        DemocraticBallot.objects.filter(case=case).count(),
        Publicity.objects.filter(object_id=case.pk).count(),
        Objection.objects.filter(publicity__object_id=case.pk).count(),
        Objection.objects.filter(publicity__object_id=case.pk, answered_at__isnull=False).count(),
        Appointment.objects.filter(staff_id=case.staff_id).count(),
        DemotionCase.objects.filter(staff_id=case.staff_id).count(),
    )
