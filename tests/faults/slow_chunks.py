"""Loaded into the fault tests' Celery workers (`--include tests.faults.slow_chunks`): each sweep
chunk waits FAULTS_CHUNK_DELAY seconds before it runs, so the test can kill the worker while
chunks are still queued and one is in flight."""

import os
import time

from celery.signals import task_prerun


@task_prerun.connect
def _slow_down(sender=None, **kwargs):
    if getattr(sender, "name", "") == "demotions.sweep_chunk":
        time.sleep(float(os.environ.get("FAULTS_CHUNK_DELAY", "0.5")))
