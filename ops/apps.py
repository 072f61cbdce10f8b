from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: the job outbox (jobs queued while Redis is down), the cache that survives
    Redis being down, and the backup/restore commands."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "ops"
    verbose_name = "运维"
