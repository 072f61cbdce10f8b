"""The Celery app. Periodic jobs are declared here, in one place (beat schedule)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("pinrentong")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Later capabilities add their periodic jobs here.
app.conf.beat_schedule = {}
