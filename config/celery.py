"""The Celery app. Periodic jobs are declared here, in one place (beat schedule)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("pinrentong")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _transient_errors() -> tuple[type[BaseException], ...]:
    """What a retry may cure: the database or the broker gone for a moment (a restart, a failover)."""
    from django.db import InterfaceError, OperationalError
    from kombu.exceptions import OperationalError as BrokerError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (OperationalError, InterfaceError, BrokerError, RedisConnectionError, RedisTimeoutError)


TRANSIENT_ERRORS = _transient_errors()

# The options of every task (each @shared_task spreads them): a message is acknowledged only
# after the task finished (acks_late), and put back on the queue when its worker dies
# (reject_on_worker_lost), so another worker reruns it; a transient database or broker error is
# retried with exponential backoff (1 s, 2 s, 4 s … capped at 10 minutes, jittered), at most 5
# times.  This is safe because every task is idempotent: a rerun finds its work done (unique
# constraints, ON CONFLICT DO NOTHING, status guards) and does not do it twice.
RELIABLE_TASK = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}

from celery.schedules import crontab  # noqa: E402

# Later capabilities add their periodic jobs here.
app.conf.beat_schedule = {
    # Access-log rows past ACCESS_LOG_RETENTION_DAYS (and audit rows, only if a retention is set).
    "accesslog-purge-expired": {
        "task": "accesslog.purge_expired_logs",
        "schedule": crontab(hour=3, minute=10),
    },
    # 县聘乡用: served days, end dates and stints that will miss their deadline, recomputed nightly.
    "secondments-recompute-daily": {
        "task": "secondments.recompute_open_secondments",
        "schedule": crontab(hour=1, minute=15),
    },
    # 柔性引才 (seed 002 §六(三)): contracts below 70% attendance, and the 3-month filing deadline.
    "talent-watch-terminations": {
        "task": "talent.watch_terminations",
        "schedule": crontab(hour=2, minute=30),
    },
    # 能上能下 (seed 000 §五): rectifications, their deadlines and reminders, demotion cases.
    "demotions-sweep-daily": {
        "task": "demotions.sweep_daily",
        "schedule": crontab(hour=2, minute=0),
    },
    # 站内通知: the daily digest e-mail for users who chose it (CELERY_TIMEZONE is Asia/Shanghai).
    "notifications-daily-digest": {
        "task": "notifications.send_daily_digests",
        "schedule": crontab(hour=7, minute=30),
    },
    # Jobs that web requests could not queue while Redis was down (ops.outbox), sent once it is back.
    "ops-drain-outbox": {
        "task": "ops.drain_outbox",
        "schedule": float(os.environ.get("OUTBOX_DRAIN_SECONDS", "60")),
    },
}
