"""Redis down while the site runs (its cache and its Celery broker on a throwaway redis-server):
pages still answer (the cache degrades to misses, ops.cache), a large roster upload — a
background job — does not fail: the job goes to the database outbox and the page tells the user
in Chinese that background work is delayed; when Redis is back, beat's ops.drain_outbox sends it
and a worker runs it.  The next successful enqueue drains the outbox too."""

from __future__ import annotations

import logging
import re
import time

import pytest
import requests
from django.core.cache import caches
from django.test import override_settings

from ops.models import OutboxJob
from ops.outbox import DELAYED_MESSAGE, _reset_producer_pool, drain, enqueue

from .conftest import report
from .scenario import PASSWORD, roster_file
from .servers import PYTHON, ROOT, django_env, free_port, start_worker, stop_process, wait_for_port

PAGES = ("/", "/staff/", "/institutions/", "/roster/", "/roster/history/", "/notifications/", "/tasks/")


def _login(session: requests.Session, base: str) -> None:
    page = session.get(f"{base}/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        f"{base}/login/",
        data={"username": "hr", "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/login/"},
        timeout=30,
    )
    assert answer.status_code == 200 and "/login/" not in answer.url, answer.text[:500]


def _pages(session: requests.Session, base: str) -> list[tuple[str, int, float]]:
    seen = []
    for path in PAGES:
        started = time.monotonic()
        response = session.get(f"{base}{path}", timeout=60)
        seen.append((path, response.status_code, time.monotonic() - started))
    return seen


@pytest.mark.django_db  # the test database must exist: its schema seeds the throwaway one
def test_with_redis_down_pages_work_a_job_waits_in_the_outbox_and_runs_when_redis_returns(
    throwaway_pg, throwaway_redis, seeded_database, tmp_path
):
    import subprocess

    db = "redis_down"
    url = seeded_database(db)
    env = django_env(
        DATABASE_URL=url,
        REDIS_URL=throwaway_redis.url(1),
        CELERY_BROKER_URL=throwaway_redis.url(0),
        CELERY_RESULT_BACKEND=throwaway_redis.url(2),
        OUTBOX_DRAIN_SECONDS="1",
    )
    subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", "from tests.faults.scenario import roster_site; roster_site()"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    log = tmp_path / "services.log"
    web = subprocess.Popen(
        [PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker = None
    base = f"http://127.0.0.1:{port}"
    requests_made = 0
    try:
        wait_for_port(port, 60)
        session = requests.Session()
        _login(session, base)
        up = _pages(session, base)
        assert [code for _, code, _ in up] == [200] * len(PAGES), up

        throwaway_redis.kill()
        down = _pages(session, base)
        assert [code for _, code, _ in down] == [200] * len(PAGES), down
        assert max(seconds for _, _, seconds in down) < 10, down  # no hang on the dead Redis

        form = session.get(f"{base}/roster/", timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        upload = session.post(
            f"{base}/roster/",
            data={"csrfmiddlewaretoken": token},
            files={"file": ("花名册.xlsx", roster_file(2100))},
            headers={"Referer": f"{base}/roster/"},
            timeout=60,
        )
        requests_made = 2 + 2 * len(PAGES) + 2
        assert upload.status_code == 200, upload.text[:1000]
        assert DELAYED_MESSAGE in upload.text  # the detail page says background work is delayed
        with throwaway_pg.connect(db) as conn:
            waiting = conn.execute("SELECT task, args FROM ops_outboxjob WHERE sent_at IS NULL").fetchall()
            record = conn.execute("SELECT id, status FROM personnel_rosterimport ORDER BY id DESC LIMIT 1").fetchone()
        assert [task for task, _ in waiting] == ["personnel.run_roster_import"]
        assert record[1] == "pending"

        throwaway_redis.start()  # back, empty (no persistence): only the outbox knows the job
        worker = start_worker(env, name="after", log=log, extra=("--beat", "--schedule", str(tmp_path / "beat")))
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            status = throwaway_pg.scalar("SELECT status FROM personnel_rosterimport WHERE id = %s", db, [record[0]])
            if status not in ("pending", "checking"):
                break
            time.sleep(0.5)
        assert status == "checked", (status, log.read_text()[-3000:])  # the 2,100 rows were checked, as queued
        assert throwaway_pg.scalar("SELECT count(*) FROM ops_outboxjob WHERE sent_at IS NULL", db) == 0
        after = session.get(f"{base}/roster/{record[0]}/", timeout=30)
        assert after.status_code == 200 and DELAYED_MESSAGE not in after.text
        requests_made += 1
    finally:
        stop_process(worker)
        stop_process(web)
    report(
        f"Redis down: 1 SIGKILL of Redis; {len(PAGES)} pages answered 200 before and after "
        f"(slowest {max(s for _, _, s in down):.2f} s while down); a 2,100-row upload went to the outbox with the "
        f"delay message and was checked by a worker after Redis returned; {requests_made} requests",
        faults_injected=1,
        requests_made=requests_made,
    )


@pytest.mark.django_db
def test_the_cache_answers_misses_while_redis_is_down_and_logs_it(throwaway_redis, caplog):
    location = throwaway_redis.url(1)
    config = {"default": {"BACKEND": "ops.cache.ResilientRedisCache", "LOCATION": location,
                          "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}  # fmt: skip
    with override_settings(CACHES=config):
        cache = caches["default"]
        cache.set("badge", 7)
        assert cache.get("badge") == 7
        throwaway_redis.kill()
        caplog.set_level(logging.WARNING, logger="ops.cache")
        from ops.cache import ResilientRedisCache

        ResilientRedisCache._last_logged = 0.0
        before = ResilientRedisCache.errors
        assert cache.get("badge", "miss") == "miss"
        cache.set("badge", 8)  # dropped, no error
        assert cache.get_or_set("other", 3) == 3
        assert cache.delete("badge") is False
        with pytest.raises(ValueError):
            cache.incr("hits")
        assert ResilientRedisCache.errors - before >= 5
        assert "Redis cache unreachable" in caplog.text
        throwaway_redis.start()
        cache.set("badge", 9)
        assert cache.get("badge") == 9  # back to normal once Redis is
    report("cache with Redis down: 1 SIGKILL; get/set/get_or_set/delete/incr answered as misses", faults_injected=1)


@pytest.mark.django_db
def test_the_next_successful_enqueue_sends_what_waited_in_the_outbox(throwaway_redis, monkeypatch):
    import redis
    from celery import current_app

    app = current_app._get_current_object()
    saved = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager = False
    app.conf.broker_url = throwaway_redis.url(0)
    # Celery reads the broker from the CELERY_BROKER_URL environment variable before its conf (CI sets it).
    monkeypatch.setenv("CELERY_BROKER_URL", throwaway_redis.url(0))
    _reset_producer_pool()  # a producer pool cached by an earlier test still points at the shared broker
    try:
        throwaway_redis.kill()
        assert enqueue("notifications.send_daily_digests") is False
        assert enqueue("talent.watch_terminations") is False
        assert OutboxJob.objects.filter(sent_at__isnull=True).count() == 2
        assert drain()["sent"] == 0  # still down: nothing sent, nothing lost
        throwaway_redis.start()
        assert enqueue("secondments.recompute_open_secondments") is True
        assert OutboxJob.objects.filter(sent_at__isnull=True).count() == 0
        queued = redis.Redis.from_url(throwaway_redis.url(0)).lrange("celery", 0, -1)
        names = sorted(re.search(rb'"task": "([^"]+)"', m).group(1).decode() for m in queued)
        assert names == ["notifications.send_daily_digests", "secondments.recompute_open_secondments",
                         "talent.watch_terminations"]  # fmt: skip
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved
        _reset_producer_pool()
    report("enqueue with Redis down: 2 jobs to the outbox, sent by the next successful enqueue", faults_injected=1)
