"""Case-workflow fixtures: the actors (every role, and the HR of another hospital), an opened case
on 王芳's 副高 appointment, and `Flow`, which takes a case through the procedure with valid inputs
on a fixed timeline (each step on its own frozen day):

    2026-06-01 propose, review, ballots, assess, decide (meeting that day)
    2026-06-02 publicity starts (5 working days: 06-02 … 06-08)
    2026-06-09 publicity ends;  2026-06-10 approval;  2026-07-01 execution (to 专业技术八级)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from demotions import services
from demotions.choices import CaseState
from personnel.choices import Role
from personnel.models import PostGrade, PostQuota
from tests.demotions.factories import DemotionCaseFactory
from tests.factories import UserFactory

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

DAYS = {
    "propose": dt.date(2026, 6, 1),
    "review": dt.date(2026, 6, 1),
    "ballots": dt.date(2026, 6, 1),
    "assess": dt.date(2026, 6, 1),
    "decide": dt.date(2026, 6, 1),
    "start_publicity": dt.date(2026, 6, 2),
    "objection": dt.date(2026, 6, 3),
    "end_publicity": dt.date(2026, 6, 9),
    "approve": dt.date(2026, 6, 10),
    "execute": dt.date(2026, 7, 1),
    "dismiss": dt.date(2026, 6, 1),
}
ORDER = ["propose", "review", "assess", "decide", "start_publicity", "end_publicity", "approve", "execute"]
# The state each step leaves from (a demotion case).
SOURCE = {
    "propose": CaseState.OPENED,
    "review": CaseState.PROPOSED,
    "assess": CaseState.REVIEWED,
    "decide": CaseState.ASSESSED,
    "start_publicity": CaseState.DECIDED,
    "end_publicity": CaseState.IN_PUBLICITY,
    "approve": CaseState.PUBLICISED,
    "execute": CaseState.APPROVED,
}
# Who takes each step (seed 000 §五; demotions.permissions.STEP_ROLES).
ACTOR = {
    "propose": Role.HOSPITAL_HR,
    "review": Role.COMMISSION_ADMIN,
    "assess": Role.COMMISSION_ADMIN,
    "decide": Role.COMMISSION_ADMIN,
    "start_publicity": Role.COMMISSION_ADMIN,
    "end_publicity": Role.COMMISSION_ADMIN,
    "approve": Role.COMMISSION_ADMIN,
    "execute": Role.HOSPITAL_HR,
}
OTHER_HR = "other_hr"
ROLES = (Role.COMMISSION_ADMIN, Role.HOSPITAL_HR, Role.DEPARTMENT_HEAD, Role.STAFF, OTHER_HR)

BALLOTS = {
    "superior": [80, 70, 75],
    "peer": [60, 65, 70, 55],
    "subordinate": [72, 68],
    "patient_rep": [90],
}


def fresh(case):
    """The case as stored (its FSM state field is protected: refresh_from_db cannot set it)."""
    return type(case).objects.get(pk=case.pk)


def pdf(name: str = "材料.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def actors(world) -> dict:
    users = dict(world.users)
    users[OTHER_HR] = UserFactory(username="other_hr", role=Role.HOSPITAL_HR, institution=world.other_hospital)
    return users


@pytest.fixture
def case(senior):
    """An opened case (the sweep's work) on 王芳's 副高 (六级) appointment."""
    return DemotionCaseFactory(appointment=senior, opened_on=dt.date(2026, 5, 15))


class Flow:
    """Takes a case through its steps with valid inputs, each on its day of the timeline."""

    def __init__(self, world, actors):
        self.world = world
        self.actors = actors
        self.grade8 = PostGrade.objects.get(grade=8)

    def at(self, step: str):
        return time_machine.travel(dt.datetime.combine(DAYS[step], dt.time(10, 0)), tick=False)

    def do(self, step: str, case, actor=None):
        actor = actor or self.actors[ACTOR[step]]
        with self.at(step):
            if step == "propose":
                return services.propose_case(case=case, actor=actor, reasons="连续两个季度考核不合格。", files=[pdf()])
            if step == "review":
                return services.review_case(case=case, actor=actor, passed=True, opinion="材料真实、合规。")
            if step == "ballots":
                return services.record_ballots(case=case, actor=actor, ballots=BALLOTS)
            if step == "assess":
                return services.assess_case(
                    case=case,
                    actor=actor,
                    quantified_score=Decimal("58"),
                    defence_score=Decimal("62"),
                    quantified_weight=Decimal("0.7"),
                    democratic_weight=Decimal("0.2"),
                    defence_weight=Decimal("0.1"),
                )
            if step == "decide":
                return services.decide_case(
                    case=case,
                    actor=actor,
                    meeting_date=DAYS["decide"],
                    decision="同意高职低聘至专业技术八级。",
                    minutes="会议纪要：到会7人，一致同意。",
                    demote=True,
                    decided_grade=self.grade8,
                )
            if step == "start_publicity":
                return services.start_case_publicity(case=case, actor=actor, starts_on=DAYS["start_publicity"])
            if step == "end_publicity":
                return services.end_case_publicity(case=case, actor=actor, on=DAYS["end_publicity"])
            if step == "approve":
                return services.approve_case(case=case, actor=actor, document="策卫人〔2026〕12号")
            if step == "execute":
                return services.execute_case(case=case, actor=actor, on=DAYS["execute"])
            if step == "dismiss":
                return services.dismiss_case(case=case, actor=actor, reason="党支部决定不予提议。")
        raise ValueError(step)

    def until(self, case, step: str):
        """Every step before `step` (ballots recorded right after the review)."""
        for earlier in ORDER[: ORDER.index(step)]:
            self.do(earlier, case)
            if earlier == "review":
                self.do("ballots", case, actor=self.actors[Role.COMMISSION_ADMIN])
        return fresh(case)

    def through(self, case):
        self.until(case, "execute")
        return self.do("execute", case)


@pytest.fixture
def flow(world, actors) -> Flow:
    return Flow(world, actors)


@pytest.fixture
def grade6_quota(world):
    """A 六级 post at the hospital for 2026, so a restoration can be appointed back to it."""
    return PostQuota.objects.create(
        institution=world.hospital, year=2026, post_grade=PostGrade.objects.get(grade=6), count=1
    )
