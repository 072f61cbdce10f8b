"""Shared by B2's benchmarks (load, connections): gunicorn in production mode on a free loopback
port, the logins plan, and putting a database back the way it was after a run that wrote to it.

Production mode on plain-HTTP loopback: nothing in the settings is weakened.  The clients send
`X-Forwarded-Proto: https` as the TLS-terminating proxy in front of gunicorn does (the settings
trust it: SECURE_PROXY_SSL_HEADER), so there is no redirect to HTTPS, and they send the Secure
session and CSRF cookies to 127.0.0.1 as browsers do for localhost.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
VENV_BIN = Path(sys.executable).parent
PASSWORD = "pass-Word-123"


def database_url(db: str) -> str:
    return db if "://" in db else f"postgres://postgres@127.0.0.1:5432/{db}"


def setup_django(db: str) -> None:
    """Point this process at the database (DATABASE_URL) and set Django up."""
    os.environ["DATABASE_URL"] = database_url(db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_env(db: str, *, redis_cache: str, redis_broker: str, extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url(db),
        REDIS_URL=redis_cache,
        CELERY_BROKER_URL=redis_broker,
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra or {})
    return env


def collectstatic(env: dict) -> None:
    """WhiteNoise's manifest storage needs the collected files (the Docker image does this at build)."""
    subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )


class Gunicorn:
    """gunicorn -c config/gunicorn.py on 127.0.0.1:<free port>, with the workers asked for."""

    def __init__(self, env: dict, *, workers: int, worker_class: str = "sync", threads: int = 1, log=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(
            env,
            GUNICORN_WORKERS=str(workers),
            GUNICORN_WORKER_CLASS=worker_class,
            GUNICORN_THREADS=str(threads),
            GUNICORN_ACCESSLOG="",
        )
        self.workers, self.worker_class, self.threads = workers, worker_class, threads
        self.log = log
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        self.proc = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "config.wsgi:application",
                "-c",
                "config/gunicorn.py",
                "--bind",
                f"127.0.0.1:{self.port}",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log or subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}")
            try:
                req = urllib.request.Request(f"{self.url}/healthz", headers={"X-Forwarded-Proto": "https"})
                with urllib.request.urlopen(req, timeout=2) as response:
                    if response.status == 200 and len(self.worker_pids()) >= self.workers:
                        return self
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer /healthz within 60 s")

    def worker_pids(self) -> list[int]:
        import psutil

        try:
            return [c.pid for c in psutil.Process(self.proc.pid).children()]
        except psutil.NoSuchProcess:
            return []

    def worker_rss_mb(self) -> list[float]:
        import psutil

        sizes = []
        for pid in self.worker_pids():
            with contextlib.suppress(psutil.NoSuchProcess):
                sizes.append(psutil.Process(pid).memory_info().rss / 2**20)
        return sizes

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def write_results(name: str, records: list[dict]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# --- Putting the database back ------------------------------------------------------------------


class Ledger:
    """Rows a run adds are deleted afterwards (every model with an integer primary key: the rows
    above its highest key before the run); rows it changes are put back from a snapshot."""

    def __init__(self, only_apps: set[str] | None = None) -> None:
        from django.apps import apps
        from django.db import models

        self.models = [
            m
            for m in apps.get_models(include_auto_created=True)
            if isinstance(m._meta.pk, (models.AutoField, models.BigAutoField))
            and not m._meta.proxy
            and m._meta.managed
            and (only_apps is None or m._meta.app_label in only_apps)
        ]
        self.marks = {m: self._max(m) for m in self.models}
        self.snapshots: list[tuple] = []
        self.claims: dict = {}

    def claim(self, model, condition) -> None:
        """Delete only the added rows of `model` matching `condition` (a Q): tables that another
        benchmark may be writing to at the same time (workload records, roster imports)."""
        self.claims[model] = condition

    @staticmethod
    def _max(model) -> int:
        from django.db.models import Max

        return model._base_manager.aggregate(m=Max("pk"))["m"] or 0

    def snapshot(self, queryset, fields: list[str]) -> None:
        rows = list(queryset.only("pk", *fields))
        self.snapshots.append((queryset.model, fields, rows))

    def restore(self) -> dict[str, int]:
        """Delete what was added, put back what was changed; returns the rows per table."""
        from django.db import transaction

        undone: dict[str, int] = {}
        with transaction.atomic():
            for model, fields, rows in self.snapshots:
                model._base_manager.bulk_update(rows, fields, batch_size=2000)
                undone[f"{model._meta.db_table} (restored)"] = len(rows)
            # Children before parents: delete() follows the relations and cascades as Django does.
            for model in self.models:
                added = model._base_manager.filter(pk__gt=self.marks[model])
                if model in self.claims:
                    added = added.filter(self.claims[model])
                if self._max(model) > self.marks[model]:
                    count, per_model = added.delete()
                    for label, n in per_model.items():
                        if n:
                            undone[label] = undone.get(label, 0) + n
        return undone


# --- A signed-in client of the production-mode site on the loopback -------------------------------


def allow_secure_cookies_on_loopback() -> None:
    """The Secure cookies go to 127.0.0.1 over plain HTTP, as browsers treat localhost (patches this
    client process's cookie policy; requests copies cookies into fresh jars, so a per-jar policy
    would not hold)."""
    from http.cookiejar import DefaultCookiePolicy
    from urllib.parse import urlsplit

    if getattr(DefaultCookiePolicy, "_loopback_patched", False):
        return
    original = DefaultCookiePolicy.return_ok_secure

    def return_ok_secure(self, cookie, request) -> bool:
        if cookie.secure and urlsplit(request.get_full_url()).hostname in ("127.0.0.1", "localhost"):
            return True
        return original(self, cookie, request)

    DefaultCookiePolicy.return_ok_secure = return_ok_secure
    DefaultCookiePolicy._loopback_patched = True


def signed_in_session(url: str, username: str, password: str = PASSWORD):
    """A requests session signed in through the login form, as the proxy and a browser would."""
    import re

    import requests

    allow_secure_cookies_on_loopback()
    session = requests.Session()
    session.headers["X-Forwarded-Proto"] = "https"  # as the TLS proxy in front of gunicorn
    origin = url.replace("http://", "https://", 1)
    page = session.get(f"{url}/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{url}/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Origin": origin, "Referer": origin + "/login/"},
    )
    if response.status_code != 200 or "/login/" in response.url:
        raise RuntimeError(f"login of {username} failed: {response.status_code} {response.url}")
    return session
