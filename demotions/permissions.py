"""Who may take each step of a case (seed 000 §五's procedure).  The institution's party branch
works through the institution's HR account; the 人事管理中心/医疗管理中心, the 医共体党委 and the
commission through the commission's account.  A role that may take a step may take it only on
cases it can see (`demotions.selectors.visible_cases`)."""

from __future__ import annotations

from personnel.choices import Role
from personnel.scoping import role_of

from .choices import CaseState

C, HR = Role.COMMISSION_ADMIN, Role.HOSPITAL_HR

STEP_ROLES: dict[str, frozenset[str]] = {
    "propose": frozenset({HR}),  # 党支部提议
    "review": frozenset({C}),  # 人事管理中心/医疗管理中心资格审查
    "assess": frozenset({C}),  # 综合考核
    "decide": frozenset({C}),  # 医共体党委会议
    "start_publicity": frozenset({C}),  # 公示
    "end_publicity": frozenset({C}),
    "approve": frozenset({C}),  # 卫健委审批
    "execute": frozenset({C, HR}),  # 签订新协议、调整岗位
    "dismiss": frozenset({C, HR}),  # HR only before the qualification review (see below)
    "upload_evidence": frozenset({C, HR}),
    "record_ballots": frozenset({C}),
    "lodge_objection": frozenset({C, HR}),
    "answer_objection": frozenset({C}),
    "record_event": frozenset({C, HR}),
}

# The states from which HR may still withdraw a case (the party branch decides not to propose).
HR_DISMISSABLE = frozenset({CaseState.OPENED, CaseState.PROPOSED})


def role_may(user, step: str) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return role_of(user) in STEP_ROLES.get(step, frozenset())


def can_act(user, case, step: str) -> bool:
    """Role allowed for the step, the case within the user's reach, and HR's narrower dismissal."""
    if not role_may(user, step):
        return False
    if getattr(user, "is_superuser", False):
        return True
    from .selectors import visible_cases  # the one place deciding reach

    if not visible_cases(user).filter(pk=case.pk).exists():
        return False
    return not (step == "dismiss" and role_of(user) == HR and case.state not in HR_DISMISSABLE)
