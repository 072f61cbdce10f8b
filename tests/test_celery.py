"""The production shape's job queue: a task goes through the real Redis broker to a worker."""

import os

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app

pytestmark = pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL"), reason="runs against the real Redis broker when CELERY_BROKER_URL is set"
)


@app.task(name="tests.add")
def add(x: int, y: int) -> int:
    return x + y


def test_a_task_round_trips_through_the_redis_broker_and_a_worker():
    app.conf.task_always_eager = False  # this test wants the real queue
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert add.delay(2, 3).get(timeout=20) == 5
