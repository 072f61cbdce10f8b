"""NOTIFICATIONS_EMAIL defaults to true exactly when an SMTP server is configured (EMAIL_HOST in the
environment); NOTIFICATIONS_EMAIL in the environment overrides it.  Read in a fresh interpreter,
as settings are read once at start."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _setting(**env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k not in {"EMAIL_HOST", "NOTIFICATIONS_EMAIL"}}
    environment.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(  # noqa: S603 — our own interpreter, fixed arguments
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.NOTIFICATIONS_EMAIL)",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "False"),
        ({"EMAIL_HOST": "smtp.example.cn"}, "True"),
        ({"EMAIL_HOST": "smtp.example.cn", "NOTIFICATIONS_EMAIL": "false"}, "False"),
        ({"NOTIFICATIONS_EMAIL": "true"}, "True"),
    ],
)
def test_mail_is_on_by_default_exactly_when_an_smtp_host_is_configured(env, expected):
    assert _setting(**env) == expected
