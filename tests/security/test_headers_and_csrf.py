"""Web hardening besides the CSP: security headers, cookie flags, HSTS and check --deploy in
production mode, CSRF on every form and on session-authenticated API writes (403, nothing written)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.test import Client

from personnel.choices import Role
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
CLEAN_ENV = {
    k: v
    for k, v in os.environ.items()
    if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
}
PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "s3-production-secret-for-the-deploy-check-0123456789-abcdefghij",
    "DJANGO_ALLOWED_HOSTS": "pinrentong.example.cn",
}


def _production(code: str, **env) -> str:
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings as s; " + code],
        cwd=ROOT,
        env={**CLEAN_ENV, "DJANGO_SETTINGS_MODULE": "config.settings", **PRODUCTION, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def table_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.managed}


@pytest.mark.django_db
def test_every_response_carries_the_security_headers(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_samesite_lax_and_the_session_cookie_is_httponly(client, world):
    page = client.get("/login/")
    csrf = page.cookies["csrftoken"]
    assert csrf["samesite"] == "Lax"
    response = client.post("/login/", {"username": "staff", "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    session = response.cookies["sessionid"]
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"


def test_production_mode_sends_cookies_over_https_only_with_hsts_for_a_year_without_preload():
    out = _production(
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SECURE_HSTS_SECONDS,"
        " s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_SSL_REDIRECT, s.X_FRAME_OPTIONS)"
    )
    assert out == "True True True 31536000 True False True DENY"
    assert _production("print(s.SECURE_HSTS_PRELOAD)", DJANGO_SECURE_HSTS_PRELOAD="true") == "True"


def test_check_deploy_is_clean_in_production_mode():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**CLEAN_ENV, **PRODUCTION},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


FORM = re.compile(r"<form\b[^>]*>", re.IGNORECASE)


def test_every_post_form_in_the_templates_carries_the_csrf_token():
    missing = []
    checked = 0
    for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]:
        if ".venv" in path.parts:
            continue
        text = path.read_text()
        for match in FORM.finditer(text):
            if not re.search(r"method\s*=\s*[\"']?post", match.group(0), re.IGNORECASE):
                continue
            checked += 1
            end = text.find("</form>", match.end())
            if "{% csrf_token %}" not in text[match.end() : end if end != -1 else None]:
                missing.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    print(f"\n{checked} POST forms checked")
    assert checked > 30
    assert missing == []


@pytest.fixture
def csrf_client(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users[Role.COMMISSION_ADMIN])
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("page", "/roster/", {"file": b"x"}),
        ("page", "/rounds/open/", {"year": "2028"}),
        ("page", "/demotions/events/new/", {"kind": "x"}),
        ("page", "/logout/", {}),
        ("api", "/api/v1/institutions/", {"name": "伪造", "code": "FAKE"}),
        ("api", "/api/v1/roster-imports/", {"dry_run": "true"}),
        ("api", "/api/v1/rounds/", {"year": 2028}),
    ],
)
def test_a_post_without_the_csrf_token_is_refused_and_writes_nothing(csrf_client, method, url, data):
    before = table_counts()
    response = csrf_client.post(url, data)
    assert response.status_code == 403
    if method == "page":
        assert "CSRF" in response.content.decode() or "csrf" in response.content.decode().lower()
    assert table_counts() == before


@pytest.mark.django_db
def test_the_same_api_write_with_the_token_gets_past_csrf(csrf_client):
    page = csrf_client.get("/")
    token = csrf_client.cookies["csrftoken"].value
    response = csrf_client.post("/api/v1/rounds/", {"year": 2028}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code != 403 or "CSRF" not in response.content.decode()
    assert page.status_code == 200


@pytest.mark.django_db
def test_an_api_key_client_needs_no_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    response = client.get("/api/v1/staff/", HTTP_AUTHORIZATION=f"Api-Key {world.api_key}")
    assert response.status_code == 200
