"""The job outbox: a job a web request could not hand to the broker (Redis down) waits here and
is sent when the broker is back (ops.outbox.drain, run by beat every minute and on the next
successful enqueue)."""

from __future__ import annotations

from django.db import models


class OutboxJob(models.Model):
    task = models.CharField("任务", max_length=200)
    args = models.JSONField("位置参数", default=list, blank=True)
    kwargs = models.JSONField("关键字参数", default=dict, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    attempts = models.PositiveIntegerField("发送次数", default=0)
    last_error = models.TextField("最近错误", blank=True, default="")

    class Meta:
        verbose_name = "待发送的后台任务"
        verbose_name_plural = "待发送的后台任务"
        ordering = ["id"]
        indexes = [
            models.Index(fields=["id"], condition=models.Q(sent_at__isnull=True), name="ops_outbox_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"
