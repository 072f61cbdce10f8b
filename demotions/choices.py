from django.db import models


class Trigger(models.TextChoices):
    """Seed 000 §五: what opens a demotion case (高职低聘)."""

    RECTIFICATION_FAILED = "rectification_failed", "整改期满仍未完成必尽任务（履职能力不足）"
    CONSECUTIVE_QUARTERS = "consecutive_quarters", "连续季度考核不合格（履职能力不足）"
    ANNUAL_GRADE = "annual_grade", "年度考核基本合格及以下（履职能力不足）"
    REFUSALS = "refusals", "无正当理由拒绝接受工作任务（工作态度消极）"
    ACCIDENT = "accident", "发生二级及以上医疗事故等（医疗质量问题）"
    ETHICS = "ethics", "违反医德医风（九不准）"
    FRAUD = "fraud", "弄虚作假"
    OTHER = "other", "其他情形（聘任工作领导小组认定）"


# Triggers the nightly sweep opens by itself; the others come from recorded conduct events.
SWEEP_TRIGGERS = (Trigger.RECTIFICATION_FAILED, Trigger.CONSECUTIVE_QUARTERS, Trigger.ANNUAL_GRADE)


class EventKind(models.TextChoices):
    """A manually recorded conduct event (seed 000 §五 triggers 2–6)."""

    REFUSAL = "refusal", "无正当理由拒绝接受工作任务"
    ACCIDENT = "accident", "医疗事故/重大差错/主要责任纠纷"
    ETHICS = "ethics", "违反医德医风、廉洁从业规定"
    FRAUD = "fraud", "伪造学历、资历、业绩等弄虚作假"
    OTHER = "other", "其他（领导小组认定）"


EVENT_TRIGGER = {
    EventKind.REFUSAL: Trigger.REFUSALS,
    EventKind.ACCIDENT: Trigger.ACCIDENT,
    EventKind.ETHICS: Trigger.ETHICS,
    EventKind.FRAUD: Trigger.FRAUD,
    EventKind.OTHER: Trigger.OTHER,
}


class RectificationStatus(models.TextChoices):
    OPEN = "open", "整改中"
    MET = "met", "已完成整改"
    EXPIRED = "expired", "期满未完成"
    CANCELLED = "cancelled", "已撤销"


class CaseKind(models.TextChoices):
    DEMOTION = "demotion", "高职低聘"
    RESTORATION = "restoration", "恢复聘任"


class CaseState(models.TextChoices):
    """The steps of seed 000's procedure.  A restoration skips the comprehensive assessment and the
    committee (a shorter workflow back to the original grade)."""

    OPENED = "opened", "待提议"
    PROPOSED = "proposed", "已提议（待资格审查）"
    REVIEWED = "reviewed", "资格审查通过（待综合考核）"
    ASSESSED = "assessed", "综合考核完成（待党委会议）"
    DECIDED = "decided", "党委会议已决定（待公示）"
    IN_PUBLICITY = "in_publicity", "公示中"
    PUBLICISED = "publicised", "公示结束（待卫健委审批）"
    APPROVED = "approved", "卫健委已批准（待执行）"
    EXECUTED = "executed", "已执行"
    DISMISSED = "dismissed", "已终止"


OPEN_STATES = tuple(s for s in CaseState.values if s not in (CaseState.EXECUTED, CaseState.DISMISSED))


class BallotGroup(models.TextChoices):
    """民主测评: the four groups seed 000 names."""

    SUPERIOR = "superior", "上级"
    PEER = "peer", "同级"
    SUBORDINATE = "subordinate", "下级"
    PATIENT_REP = "patient_rep", "患者代表"


class FollowUp(models.TextChoices):
    """A demoted person after the demotion: restored, or — failing again — flagged."""

    NONE = "", "—"
    RESTORATION_ELIGIBLE = "restoration_eligible", "可提议恢复聘任"
    DISMISSAL_OR_REASSIGNMENT = "dismissal_or_reassignment", "考核仍不合格：待解聘或转岗"
