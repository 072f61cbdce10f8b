"""站内通知: a message to one user (reminders of deadlines, steps waiting for them).  `key` makes a
reminder idempotent: the same reminder to the same person is stored once, however often the
nightly job runs."""

from __future__ import annotations

from django.db import models

from personnel.models import User


class Notification(models.Model):
    recipient = models.ForeignKey(User, verbose_name="接收人", on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField("去重键", max_length=120)
    kind = models.CharField("类别", max_length=32)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "站内通知"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_key"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.title


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", "每条通知即时发送邮件"
    DAILY_DIGEST = "daily_digest", "每天早上汇总发送一封邮件"
    NONE = "none", "不发送邮件（仅站内通知）"


class NotificationPreference(models.Model):
    """How a user wants to be e-mailed (no row = immediate, the default)."""

    user = models.OneToOneField(
        User, verbose_name="用户", on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_mode = models.CharField("邮件提醒方式", max_length=16, choices=EmailMode.choices, default=EmailMode.IMMEDIATE)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "通知偏好"

    def __str__(self) -> str:
        return f"{self.user}：{self.get_email_mode_display()}"


class DigestDelivery(models.Model):
    """One daily digest sent to one user for one day: the unique constraint makes the job idempotent."""

    recipient = models.ForeignKey(User, verbose_name="接收人", on_delete=models.CASCADE, related_name="+")
    day = models.DateField("汇总日期")
    count = models.PositiveIntegerField("通知条数", default=0)
    sent_at = models.DateTimeField("发送时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "每日汇总邮件"
        constraints = [models.UniqueConstraint(fields=["recipient", "day"], name="digest_once_per_day")]

    def __str__(self) -> str:
        return f"{self.recipient} {self.day:%Y-%m-%d}"
