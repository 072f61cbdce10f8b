"""The Celery app. Periodic jobs are declared here, in one place (beat schedule)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("pinrentong")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

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
}
