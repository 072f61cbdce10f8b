"""A Celery worker SIGKILLed in the middle of the nightly sweep: its chunk messages were not
acknowledged (acks_late), so they go back to the queue after the visibility timeout and a new
worker finishes the sweep — with exactly the cases and rectifications of a clean run."""

from __future__ import annotations

import datetime as dt
import os
import signal
import time

import pytest
from celery import Celery
from celery.result import AsyncResult

from demotions.models import DemotionCase, Rectification
from demotions.sweep import run_sweep
from tests.demotions.test_sweep_idempotency import person_with_every_rule

from .conftest import copy_test_database, report
from .servers import django_env, start_worker, stop_process

AS_OF = "2027-04-21"  # the first quarters' rectifications have expired into cases as well
PEOPLE = 12
CHUNK = 2  # six chunks


def _keys(pg, db):
    with pg.connect(db) as conn:
        cases = conn.execute("SELECT staff_id, trigger, trigger_key FROM demotions_demotioncase").fetchall()
        rects = conn.execute("SELECT staff_id, period_id, status FROM demotions_rectification").fetchall()
    return sorted(cases), sorted(rects)


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_sweep_is_replaced_and_the_sweep_completes_without_doubles(
    world, assess, throwaway_pg, throwaway_redis, tmp_path, monkeypatch
):
    for _ in range(PEOPLE):
        person_with_every_rule(world, assess)
    url = copy_test_database(throwaway_pg, "sweep_faulted")  # before the clean run: no cases yet

    # The clean run, in-process on the test database, to compare with.
    as_of = dt.date.fromisoformat(AS_OF)
    run_sweep(as_of=dt.date(2027, 1, 20))
    run_sweep(as_of=as_of)
    clean_cases = sorted(DemotionCase.objects.values_list("staff_id", "trigger", "trigger_key"))
    clean_rects = sorted(Rectification.objects.values_list("staff_id", "period_id", "status"))
    assert len(clean_cases) >= PEOPLE * 4

    env = django_env(
        DATABASE_URL=url,
        CELERY_BROKER_URL=throwaway_redis.url(0),
        CELERY_RESULT_BACKEND=throwaway_redis.url(1),
        CELERY_VISIBILITY_TIMEOUT="3",
        CELERY_UNACKED_RESTORE_SECONDS="1",
        FAULTS_CHUNK_DELAY="0.6",
    )
    # Celery reads CELERY_BROKER_URL / CELERY_RESULT_BACKEND from the environment before its own conf
    # (CI sets them to the shared Redis): point them at the throwaway one for this client too.
    monkeypatch.setenv("CELERY_BROKER_URL", env["CELERY_BROKER_URL"])
    monkeypatch.setenv("CELERY_RESULT_BACKEND", env["CELERY_RESULT_BACKEND"])
    client = Celery(broker=env["CELERY_BROKER_URL"], backend=env["CELERY_RESULT_BACKEND"])
    log = tmp_path / "worker.log"
    include = ("--include", "tests.faults.slow_chunks")
    first = start_worker(env, name="first", log=log, extra=include)
    second = None
    try:
        # The same two nights as the clean run; the second is the one the worker dies in.
        night1 = client.send_task("demotions.sweep_daily", args=["2027-01-20"], kwargs={"chunk_size": CHUNK})
        chunks1 = night1.get(timeout=60)["chunks"]
        for task_id in chunks1:
            AsyncResult(task_id, app=client).get(timeout=60)
        night2 = client.send_task("demotions.sweep_daily", args=[AS_OF], kwargs={"chunk_size": CHUNK})
        chunks = night2.get(timeout=60)["chunks"]
        assert len(chunks) == PEOPLE // CHUNK

        def done() -> int:
            return sum(AsyncResult(t, app=client).state == "SUCCESS" for t in chunks)

        _wait(lambda: done() >= 2, 60, "two chunks done")
        os.killpg(first.pid, signal.SIGKILL)  # the worker and the chunk in flight die at once
        first.wait(10)
        done_before_kill = done()
        assert done_before_kill < len(chunks), "the worker finished before it could be killed"

        second = start_worker(env, name="second", log=log, extra=include)
        _wait(lambda: done() == len(chunks), 90, "every chunk done by the new worker")
        results = [AsyncResult(t, app=client).get(timeout=5) for t in chunks]
    finally:
        stop_process(second)
        stop_process(first, signal.SIGKILL)
        client.close()

    faulted_cases, faulted_rects = _keys(throwaway_pg, "sweep_faulted")
    assert faulted_cases == clean_cases  # same cases, none doubled
    assert faulted_rects == clean_rects
    assert sum(r["staff"] for r in results) == PEOPLE
    report(
        f"worker killed mid-sweep: 1 SIGKILL after {done_before_kill}/{len(chunks)} chunks, "
        f"{len(chunks) - done_before_kill} rerun by a new worker; compared {len(faulted_cases)} cases and "
        f"{len(faulted_rects)} rectifications with a clean run: identical",
        faults_injected=1,
        rows_compared=len(faulted_cases) + len(faulted_rects),
    )
