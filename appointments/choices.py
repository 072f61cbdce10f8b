from django.db import models


class AppointmentKind(models.TextChoices):
    NORMAL = "normal", "正常聘任"
    DEMOTED = "demoted", "高职低聘"
    RESTORED = "restored", "恢复聘任"
    SPECIAL = "special", "特设岗位"


class AppointmentStatus(models.TextChoices):
    ACTIVE = "active", "在聘"
    ENDED = "ended", "已期满"
    TERMINATED = "terminated", "已终止"


class TargetPer(models.TextChoices):
    """The unit a duty target's policy number counts in (seed 000 gives per term, month, week, year)."""

    TERM = "term", "每聘期"
    YEAR = "year", "每年"
    MONTH = "month", "每月"
    WEEK = "week", "每周"
