"""One row per person whose full 身份证号 (and phone) a user was shown: who, when, whose, where,
from which address.  Written in bulk (one INSERT per request or export chunk), read by the
commission on /access-log/, purged after ACCESS_LOG_RETENTION_DAYS."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .choices import AccessKind


class AccessLog(models.Model):
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="查看人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField("查看人账号", max_length=150)
    staff = models.ForeignKey(
        "personnel.Staff",
        verbose_name="被查看人",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,  # a person deleted later keeps their log rows (retention, not cascade)
    )
    staff_name = models.CharField("被查看人姓名", max_length=50)
    # The person's institution when it was viewed: the commission's scope is its region's rows.
    institution = models.ForeignKey(
        "personnel.Institution",
        verbose_name="被查看人单位",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    kind = models.CharField("方式", max_length=10, choices=AccessKind.choices)
    path = models.CharField("位置", max_length=500)
    ip = models.GenericIPAddressField("客户端IP", null=True, blank=True)

    class Meta:
        verbose_name = "完整身份证号查看记录"
        verbose_name_plural = "完整身份证号查看记录"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["institution", "-at"], name="accesslog_inst_at"),
            models.Index(fields=["staff", "-at"], name="accesslog_staff_at"),
            models.Index(fields=["user", "-at"], name="accesslog_user_at"),
        ]

    def __str__(self) -> str:
        return f"{self.username} 查看 {self.staff_name}（{self.at:%Y-%m-%d %H:%M}）"
