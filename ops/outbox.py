"""Queue a background job from a web request without failing when the broker (Redis) is down.

`enqueue(task, *args)` sends the task to the broker.  When the broker cannot be reached the job
is written to the database outbox (OutboxJob) instead, the failure is logged, and False is
returned so the caller can tell the user, in Chinese, that background work is delayed
(`DELAYED_MESSAGE`).  Nothing is lost: `drain()` sends the waiting jobs in order once the broker
answers again — the beat task `ops.drain_outbox` calls it every minute, and every successful
`enqueue` calls it too.  A job sent twice (sent, then the database failed before it was marked)
is harmless because every task is idempotent (config.celery.RELIABLE_TASK)."""

from __future__ import annotations

import contextlib
import logging

from celery import current_app
from django.db import transaction
from django.utils import timezone
from kombu import pools as kombu_pools
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .models import OutboxJob

logger = logging.getLogger("ops.outbox")

# RuntimeError: kombu's "Acquire on closed pool" after a failed publish closed the producer pool.
BROKER_DOWN = (BrokerError, RedisConnectionError, RedisTimeoutError, ConnectionError, OSError, RuntimeError)
DELAYED_MESSAGE = "后台任务服务暂时不可用，本次任务已登记，服务恢复后将自动执行，处理结果会有延迟，请稍后查看。"


def _reset_producer_pool() -> None:
    """A failed publish can leave Celery's producer pool closed ("Acquire on closed pool"): drop it,
    so the next send builds a fresh one once the broker is back."""
    app = current_app._get_current_object()
    with contextlib.suppress(Exception):
        kombu_pools.reset()  # the process-wide producer pools, keyed by connection, hold the closed one
    app._pool = None
    app.amqp._producer_pool = None


def _send(name: str, args, kwargs) -> None:
    current_app.send_task(name, args=list(args), kwargs=dict(kwargs))


def enqueue(task, *args, **kwargs) -> bool:
    """Send `task` (a Celery task object or its name) with the arguments.  True when the broker
    took it (or it ran in-process in the eager mode); False when it went to the outbox."""
    name = task if isinstance(task, str) else task.name
    if current_app.conf.task_always_eager:
        (current_app.tasks[name] if isinstance(task, str) else task).apply_async(args=args, kwargs=kwargs)
        return True
    try:
        _send(name, args, kwargs)
    except BROKER_DOWN as error:
        _reset_producer_pool()
        logger.warning("Broker unreachable; job %s kept in the outbox: %s", name, error)
        OutboxJob.objects.create(task=name, args=list(args), kwargs=dict(kwargs), attempts=1, last_error=str(error))
        return False
    if OutboxJob.objects.filter(sent_at__isnull=True).exists():
        drain()
    return True


def drain(limit: int = 500) -> dict[str, int]:
    """Send the waiting jobs, oldest first.  Rows are locked (skip locked), so two drains at once
    send each job once; the first broker failure stops the drain and leaves the rest waiting."""
    sent = failed = 0
    with transaction.atomic():
        jobs = list(
            OutboxJob.objects.select_for_update(skip_locked=True).filter(sent_at__isnull=True).order_by("id")[:limit]
        )
        for job in jobs:
            try:
                _send(job.task, job.args, job.kwargs)
            except BROKER_DOWN as error:
                _reset_producer_pool()
                job.attempts += 1
                job.last_error = str(error)
                job.save(update_fields=["attempts", "last_error"])
                failed += 1
                logger.warning("Broker still unreachable; %s job(s) stay in the outbox", len(jobs) - sent)
                break
            job.sent_at = timezone.now()
            job.attempts += 1
            job.save(update_fields=["sent_at", "attempts"])
            sent += 1
    return {"sent": sent, "failed": failed, "waiting": OutboxJob.objects.filter(sent_at__isnull=True).count()}
