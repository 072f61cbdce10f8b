"""Every step of a case is refused for each role that may not take it, and taken by the one that
may (seed 000 §五: party branch = the institution's HR proposes; the commission's 人事管理中心,
医共体党委 and 卫健委 review, assess, decide, publicise and approve; either executes).  The HR of
another hospital reaches nothing.  A refusal writes nothing."""

from __future__ import annotations

import pytest
from django_fsm_log.models import StateLog

from demotions import services
from demotions.choices import CaseState
from demotions.models import DemocraticBallot
from demotions.permissions import STEP_ROLES
from personnel.choices import Role
from personnel.errors import ApplicationError
from tests.demotions.workflow.conftest import DAYS, ORDER, OTHER_HR, ROLES, SOURCE, fresh

STEP_ROLE_NAMES = {step: {str(r) for r in STEP_ROLES[step]} for step in ORDER}


def _allowed(step: str, role: str) -> bool:
    return role != OTHER_HR and role in STEP_ROLE_NAMES[step]


MATRIX = [(step, role, _allowed(step, role)) for step in ORDER for role in ROLES]


def test_the_matrix_matches_seed_000_who_acts():
    assert {s for s, r, ok in MATRIX if ok and r == Role.HOSPITAL_HR} == {"propose", "execute"}
    assert {s for s, r, ok in MATRIX if ok and r == Role.COMMISSION_ADMIN} == set(ORDER) - {"propose"}
    assert not any(ok for _, r, ok in MATRIX if r in (Role.DEPARTMENT_HEAD, Role.STAFF, OTHER_HR))


@pytest.mark.parametrize(("step", "role", "allowed"), MATRIX, ids=[f"{s}-{r}" for s, r, _ in MATRIX])
def test_each_step_is_taken_only_by_its_roles(case, flow, actors, step, role, allowed):
    case = flow.until(case, step)
    assert case.state == SOURCE[step]
    logs = StateLog.objects.for_(case).count()
    if allowed:
        flow.do(step, case, actor=actors[role])
        assert fresh(case).state != SOURCE[step]
        assert StateLog.objects.for_(case).count() == logs + 1
        return
    with pytest.raises(ApplicationError, match="您无权办理此环节"):
        flow.do(step, case, actor=actors[role])
    assert fresh(case).state == SOURCE[step]
    assert StateLog.objects.for_(case).count() == logs


DISMISS = [
    (CaseState.OPENED, Role.HOSPITAL_HR, True),
    (CaseState.OPENED, Role.COMMISSION_ADMIN, True),
    (CaseState.PROPOSED, Role.HOSPITAL_HR, True),
    (CaseState.REVIEWED, Role.HOSPITAL_HR, False),  # after the review only the commission ends it
    (CaseState.REVIEWED, Role.COMMISSION_ADMIN, True),
    (CaseState.APPROVED, Role.COMMISSION_ADMIN, True),
    (CaseState.OPENED, Role.DEPARTMENT_HEAD, False),
    (CaseState.OPENED, Role.STAFF, False),
    (CaseState.OPENED, OTHER_HR, False),
]
_NEXT = {CaseState.OPENED: "propose", CaseState.PROPOSED: "review", CaseState.REVIEWED: "assess"}
_NEXT[CaseState.APPROVED] = "execute"


@pytest.mark.parametrize(("state", "role", "allowed"), DISMISS, ids=[f"{s}-{r}" for s, r, _ in DISMISS])
def test_dismissal_by_role_and_state(case, flow, actors, state, role, allowed):
    case = flow.until(case, _NEXT[state])
    assert case.state == state
    if allowed:
        flow.do("dismiss", case, actor=actors[role])
        case = fresh(case)
        assert case.state == CaseState.DISMISSED
        assert case.dismissed_reason == "党支部决定不予提议。"
        return
    with pytest.raises(ApplicationError, match="您无权办理此环节"):
        flow.do("dismiss", case, actor=actors[role])
    assert fresh(case).state == state


@pytest.mark.parametrize("role", [Role.HOSPITAL_HR, Role.DEPARTMENT_HEAD, Role.STAFF, OTHER_HR])
def test_only_the_commission_records_ballots(case, flow, actors, role):
    case = flow.until(case, "assess")
    DemocraticBallot.objects.filter(case=case).delete()
    with pytest.raises(ApplicationError, match="您无权办理此环节"):
        flow.do("ballots", case, actor=actors[role])
    assert not DemocraticBallot.objects.filter(case=case).exists()


@pytest.mark.parametrize("role", [Role.DEPARTMENT_HEAD, Role.STAFF, OTHER_HR])
def test_objections_are_lodged_by_the_commission_or_hr_and_answered_by_the_commission(case, flow, actors, role):
    import time_machine

    case = flow.until(case, "end_publicity")
    with time_machine.travel(DAYS["objection"], tick=False):
        with pytest.raises(ApplicationError, match="您无权办理此环节"):
            services.lodge_case_objection(
                case=case, actor=actors[role], lodged_on=DAYS["objection"], lodged_by_name="张三", content="有异议"
            )
        objection = services.lodge_case_objection(
            case=case,
            actor=actors[Role.HOSPITAL_HR],
            lodged_on=DAYS["objection"],
            lodged_by_name="张三",
            content="有异议",
        )
        for refused in (role, Role.HOSPITAL_HR):
            with pytest.raises(ApplicationError, match="您无权办理此环节"):
                services.answer_case_objection(objection=objection, actor=actors[refused], answer="已核查。")
        services.answer_case_objection(objection=objection, actor=actors[Role.COMMISSION_ADMIN], answer="已核查。")
    objection.refresh_from_db()
    assert objection.answer == "已核查。"


@pytest.mark.parametrize("role", [Role.DEPARTMENT_HEAD, Role.STAFF, OTHER_HR])
def test_evidence_is_uploaded_only_by_the_commission_or_the_institution(case, actors, role):
    from tests.demotions.workflow.conftest import pdf

    with pytest.raises(ApplicationError, match="您无权办理此环节"):
        services.add_evidence(case=case, actor=actors[role], files=[pdf()])
    assert not case.evidence.exists()
    assert len(services.add_evidence(case=case, actor=actors[Role.HOSPITAL_HR], files=[pdf()])) == 1


def test_a_refusal_for_a_case_out_of_reach_does_not_tell_its_state(case, flow, actors):
    case = flow.until(case, "approve")
    for step in ("propose", "approve", "dismiss"):
        with pytest.raises(ApplicationError) as refused:
            flow.do(step, case, actor=actors[OTHER_HR])
        assert refused.value.message == "您无权办理此环节。"
