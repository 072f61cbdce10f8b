"""公示: one public notice period, reused by every list that needs one (demotion cases, appointment
rounds).  The subject is any model row (generic relation); the period counts official Chinese
working days (`publicity.workdays`), and it cannot end before its last working day has passed or
while an objection is unanswered."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from personnel.models import PolicyVersion, Region, User


class PublicityStatus(models.TextChoices):
    RUNNING = "running", "公示中"
    ENDED = "ended", "公示结束"
    CANCELLED = "cancelled", "已撤销"


class Publicity(models.Model):
    region = models.ForeignKey(Region, verbose_name="地区", on_delete=models.PROTECT, related_name="publicities")
    content_type = models.ForeignKey(ContentType, verbose_name="公示对象类型", on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField("公示对象")
    subject = GenericForeignKey("content_type", "object_id")
    title = models.CharField("公示标题", max_length=200)
    body = models.TextField("公示内容", blank=True)
    starts_on = models.DateField("公示开始")
    working_days = models.PositiveSmallIntegerField("公示期（工作日）")
    ends_on = models.DateField("公示最后一个工作日")
    status = models.CharField("状态", max_length=16, choices=PublicityStatus.choices, default=PublicityStatus.RUNNING)
    policy = models.ForeignKey(
        PolicyVersion, verbose_name="依据政策版本", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_by = models.ForeignKey(
        User, verbose_name="发起人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    ended_by = models.ForeignKey(
        User, verbose_name="结束人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    history = HistoricalRecords(verbose_name="公示变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "公示"
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=Q(status="running"),
                name="one_running_publicity_per_subject",
            ),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="publicity_ends_after_start"),
            models.CheckConstraint(condition=Q(working_days__gte=1), name="publicity_at_least_one_day"),
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="publicity_subject")]

    def __str__(self) -> str:
        return self.title


class Objection(models.Model):
    """异议: lodged during the publicity (by anyone, recorded by the office that received it) and
    answered in writing before the publicity may end."""

    publicity = models.ForeignKey(Publicity, verbose_name="公示", on_delete=models.CASCADE, related_name="objections")
    lodged_on = models.DateField("提出日期")
    lodged_by_name = models.CharField("异议人", max_length=64, help_text="可填“匿名”。")
    contact = models.CharField("联系方式", max_length=64, blank=True)
    content = models.TextField("异议内容")
    recorded_by = models.ForeignKey(
        User, verbose_name="登记人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.TextField("核查答复", blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    answered_by = models.ForeignKey(
        User, verbose_name="答复人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    history = HistoricalRecords(verbose_name="异议变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "公示异议"
        ordering = ["publicity_id", "lodged_on", "id"]

    def __str__(self) -> str:
        return f"{self.lodged_by_name} {self.lodged_on:%Y-%m-%d}"

    @property
    def is_answered(self) -> bool:
        return bool(self.answered_at)
