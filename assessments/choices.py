from django.db import models


class PeriodKind(models.TextChoices):
    MONTHLY = "monthly", "月度"
    QUARTERLY = "quarterly", "季度"
    ANNUAL = "annual", "年度"


class PeriodStatus(models.TextChoices):
    OPEN = "open", "进行中"
    CLOSED = "closed", "已关闭"


class Grade(models.TextChoices):
    EXCELLENT = "excellent", "优秀"
    QUALIFIED = "qualified", "合格"
    BASIC = "basic", "基本合格"
    UNQUALIFIED = "unqualified", "不合格"


# Better grade = higher rank ("基本合格 or lower" compares ranks).
GRADE_RANK = {Grade.EXCELLENT: 4, Grade.QUALIFIED: 3, Grade.BASIC: 2, Grade.UNQUALIFIED: 1}


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"


class SchemeKind(models.TextChoices):
    """Which level's assessment a scheme is for (seed 000 §五: 科室月度、单位季度、卫健委年度)."""

    MONTHLY = "monthly", "科室月度考核"
    QUARTERLY = "quarterly", "单位季度考核"
    ANNUAL = "annual", "卫健委年度考核"
    COMPREHENSIVE = "comprehensive", "高职低聘综合考核"
