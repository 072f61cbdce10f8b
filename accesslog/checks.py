"""Retention of access and audit logs may not be configured below six months (等保 2.0 level 2)."""

from django.conf import settings
from django.core.checks import Error, Tags, register

MINIMUM_RETENTION_DAYS = 183


@register(Tags.security)
def check_retention(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    for name, allow_none in (("ACCESS_LOG_RETENTION_DAYS", False), ("AUDIT_LOG_RETENTION_DAYS", True)):
        value = getattr(settings, name, None)
        if value is None and allow_none:
            continue  # kept forever
        if not isinstance(value, int) or isinstance(value, bool) or value < MINIMUM_RETENTION_DAYS:
            errors.append(
                Error(
                    f"{name} 为 {value!r}：日志至少保存{MINIMUM_RETENTION_DAYS}天（6个月），请设为不小于该值的整数天数"
                    + ("，或不设置（永久保存）。" if allow_none else "。"),
                    id=f"accesslog.E00{1 if name.startswith('ACCESS') else 2}",
                )
            )
    return errors
