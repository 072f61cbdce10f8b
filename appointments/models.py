from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from personnel.models import Institution, PolicyVersion, PostGrade, Staff

from .choices import AppointmentKind, AppointmentStatus


class Appointment(models.Model):
    """聘任: a person appointed to a post grade at an institution for a term."""

    staff = models.ForeignKey(Staff, verbose_name="人员", on_delete=models.PROTECT, related_name="appointments")
    institution = models.ForeignKey(
        Institution, verbose_name="聘任单位", on_delete=models.PROTECT, related_name="appointments"
    )
    post_grade = models.ForeignKey(PostGrade, verbose_name="岗位等级", on_delete=models.PROTECT)
    start = models.DateField("聘任开始")
    end = models.DateField("聘任结束")
    kind = models.CharField("聘任类型", max_length=16, choices=AppointmentKind.choices, default=AppointmentKind.NORMAL)
    status = models.CharField(
        "状态", max_length=16, choices=AppointmentStatus.choices, default=AppointmentStatus.ACTIVE
    )
    agreement_text = models.TextField("聘任协议", blank=True)
    policy = models.ForeignKey(
        PolicyVersion, verbose_name="依据政策版本", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    history = HistoricalRecords(verbose_name="聘任变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "聘任"
        ordering = ["-start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff"], condition=Q(status="active"), name="one_active_appointment_per_staff"
            ),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="appointment_end_after_start"),
        ]
        indexes = [
            models.Index(fields=["institution", "post_grade", "status"], name="appointment_quota_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.staff.name} {self.post_grade}（{self.start:%Y-%m-%d}至{self.end:%Y-%m-%d}）"

    def clean(self) -> None:
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": "聘任结束日期须晚于开始日期。"})
