from django.conf import settings
from django.db import models


class PasswordHistory(models.Model):
    """A password a user has had (its hash), so the last PASSWORD_HISTORY_COUNT are not used again."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="password_history"
    )
    password = models.CharField("密码哈希", max_length=128)
    created_at = models.DateTimeField("设置时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "历史密码"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"], name="password_history_recent")]

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"
