"""Idle session timeout (SESSION_IDLE_TIMEOUT) and sessions that end with the browser."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _logged_in(world) -> Client:
    client = Client()
    client.force_login(world.users["hospital_hr"])
    return client


def test_a_session_idle_longer_than_the_timeout_is_logged_out(world, settings, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    client = _logged_in(world)
    assert client.get(reverse("home")).status_code == 200
    time_machine.shift(dt.timedelta(seconds=settings.SESSION_IDLE_TIMEOUT + 1))
    response = client.get(reverse("personnel:staff_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert f"您已超过 {settings.SESSION_IDLE_TIMEOUT // 60} 分钟未操作" in page


def test_just_under_the_timeout_the_session_lives_on(world, settings, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    client = _logged_in(world)
    time_machine.shift(dt.timedelta(seconds=settings.SESSION_IDLE_TIMEOUT - 1))
    assert client.get(reverse("home")).status_code == 200


def test_activity_keeps_the_session_alive_beyond_the_timeout(world, settings, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    client = _logged_in(world)
    step = settings.SESSION_IDLE_TIMEOUT * 2 // 3
    for _ in range(6):  # four timeouts in all, never idle for one
        time_machine.shift(dt.timedelta(seconds=step))
        assert client.get(reverse("home")).status_code == 200


def test_an_idle_api_session_gets_a_chinese_401(world, settings, time_machine, staff_api_url):
    time_machine.move_to(timezone.now(), tick=False)
    client = _logged_in(world)
    time_machine.shift(dt.timedelta(seconds=settings.SESSION_IDLE_TIMEOUT + 1))
    response = client.get(staff_api_url)
    assert response.status_code == 401
    assert "未操作" in response.json()["detail"]


def test_the_session_cookie_ends_with_the_browser(world, settings):
    from tests.conftest import PASSWORD

    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    response = Client().post(reverse("login"), {"username": "hr", "password": PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    assert settings.SESSION_COOKIE_AGE >= settings.SESSION_IDLE_TIMEOUT
