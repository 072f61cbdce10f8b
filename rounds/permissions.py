"""Who may take each step of a round (seed 000 §四: HR's 人事管理中心 checks qualifications, the
commission with 人社 scores, the 医共体党委 ranks and proposes, the commission publicises and
approves, the institution signs).  A role that may take a step may take it only on rows it can
see (`rounds.selectors`); staff apply and withdraw for themselves only."""

from __future__ import annotations

from personnel.choices import Role
from personnel.errors import ApplicationError
from personnel.scoping import role_of

C, HR, STAFF = Role.COMMISSION_ADMIN, Role.HOSPITAL_HR, Role.STAFF

STEP_ROLES: dict[str, frozenset[str]] = {
    "open_round": frozenset({C}),
    "apply": frozenset({C, HR, STAFF}),
    "withdraw": frozenset({C, HR, STAFF}),
    "qualify": frozenset({C, HR}),
    "record_ballots": frozenset({C}),
    "score": frozenset({C}),
    "propose": frozenset({C}),
    "start_publicity": frozenset({C}),
    "lodge_objection": frozenset({C, HR}),
    "answer_objection": frozenset({C}),
    "end_publicity": frozenset({C}),
    "approve": frozenset({C}),
    "generate_agreement": frozenset({C, HR}),
    "sign_agreement": frozenset({C, HR}),
    "decide_ending": frozenset({C, HR}),
    "close_round": frozenset({C}),
    "upload_evidence": frozenset({C, HR, STAFF}),
}

STEP_LABELS = {
    "open_round": "启动聘任轮次",
    "apply": "申报",
    "withdraw": "撤回申报",
    "qualify": "资格审查",
    "record_ballots": "录入民主评议票",
    "score": "录入综合考核得分",
    "propose": "排名并拟定名单",
    "start_publicity": "发起公示",
    "lodge_objection": "登记异议",
    "answer_objection": "答复异议",
    "end_publicity": "结束公示",
    "approve": "审批名单",
    "generate_agreement": "生成聘任协议",
    "sign_agreement": "登记签订聘任协议",
    "decide_ending": "登记期满未续聘处理",
    "close_round": "结束聘任轮次",
    "upload_evidence": "上传佐证材料",
}


def role_may(user, step: str) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return role_of(user) in STEP_ROLES.get(step, frozenset())


def require_step(user, step: str) -> None:
    if not role_may(user, step):
        raise ApplicationError(f"当前角色无权{STEP_LABELS.get(step, step)}。", {"role": ["无权操作。"]})
