from django.db import models


class SecondmentReason(models.TextChoices):
    NEW_HIRE = "new_hire", "新入职医师下沉"
    PRE_PROMOTION = "pre_promotion", "晋升副高前下沉"
    VOLUNTARY = "voluntary", "自愿下沉"


class SecondmentStatus(models.TextChoices):
    PLANNED = "planned", "待派驻"
    ACTIVE = "active", "服务中"
    COMPLETED = "completed", "已期满"
    VOIDED = "voided", "不计服务经历"
    CANCELLED = "cancelled", "已取消"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "在岗"
    ABSENT = "absent", "旷工"


class AssessmentParty(models.TextChoices):
    RECEIVING = "receiving", "接收单位"
    COMMISSION = "commission", "区卫健委"
    DISPATCHING = "dispatching", "派出单位"


class AnnualGrade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    COMPETENT = "competent", "合格"
    BASIC = "basic", "基本合格"
    INCOMPETENT = "incompetent", "不合格"


class EvaluationResult(models.TextChoices):
    PASS = "pass", "合格"
    FAIL = "fail", "不合格"


class ObligationKind(models.TextChoices):
    NEW_HIRE = "new_hire", "新入职执业医师（五年内下沉一年）"
    PRE_PROMOTION = "pre_promotion", "中级职称医师（申报副高前下沉一年）"


class ObligationStatus(models.TextChoices):
    FULFILLED = "fulfilled", "已完成"
    IN_SERVICE = "in_service", "服务中"
    DUE = "due", "待下沉"
    AT_RISK = "at_risk", "将逾期"
    OVERDUE = "overdue", "已逾期"


class MatchStatus(models.TextChoices):
    SUGGESTED = "suggested", "建议"
    CONFIRMED = "confirmed", "已确认"
