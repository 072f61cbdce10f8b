"""The two shapes of the app: the embedded default and production mode."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

ROOT = Path(__file__).resolve().parent.parent
# The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; a deployment must not have it.
CLEAN_ENV = {
    k: v
    for k, v in os.environ.items()
    if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
}


def _run(code: str, **env) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**CLEAN_ENV, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@pytest.mark.smoke
def test_embedded_default_is_sqlite_with_eager_celery():
    out = _run(
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.DEBUG, s.LANGUAGE_CODE, s.TIME_ZONE)"
    )
    assert out.splitlines()[-1] == "django.db.backends.sqlite3 True True zh-hans Asia/Shanghai"


def test_environment_switches_to_postgresql_and_redis():
    out = _run(
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL)",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/x",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert out.splitlines()[-1] == "django.db.backends.postgresql False redis://127.0.0.1:6379/0"


def test_production_mode_passes_check_deploy_without_warnings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **CLEAN_ENV,
            "DJANGO_ENV": "production",
            "DJANGO_SECRET_KEY": "k" * 20 + "-production-secret-for-the-deploy-check-0123456789",
            "DJANGO_ALLOWED_HOSTS": "pinrentong.example.cn",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**CLEAN_ENV, "DJANGO_ENV": "production", "DJANGO_ALLOWED_HOSTS": "x.cn"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="runs against the real Redis when REDIS_URL is set")
def test_cache_talks_to_redis():
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    cache.set("pinrentong:ping", "pong", 10)
    assert cache.get("pinrentong:ping") == "pong"


@pytest.mark.smoke
def test_health_check_reports_database_and_cache(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
