"""Login lockout (django-axes): AXES_FAILURE_LIMIT failures per user name + address lock that pair."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

IP = "10.1.2.3"


def _login(client: Client, username: str, password: str, ip: str = IP):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def _fail(client: Client, username: str, times: int, ip: str = IP) -> list[int]:
    return [_login(client, username, "wrong-Password-1", ip).status_code for _ in range(times)]


def test_failures_up_to_the_limit_lock_the_account_with_a_chinese_page(world, settings):
    client = Client()
    # the form again with an error, until the limit-th failure locks
    assert _fail(client, "hr", settings.AXES_FAILURE_LIMIT) == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    response = _login(client, "hr", PASSWORD)  # even the right password now
    assert response.status_code == 429
    page = response.content.decode()
    assert "登录已暂停" in page
    assert f"连续 {settings.AXES_FAILURE_LIMIT} 次输错密码" in page
    assert "_auth_user_id" not in client.session


def test_one_failure_below_the_limit_still_lets_the_right_password_in(world, settings):
    client = Client()
    assert set(_fail(client, "hr", settings.AXES_FAILURE_LIMIT - 1)) == {200}
    assert _login(client, "hr", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(world.users["hospital_hr"].pk)


def test_lock_is_per_user_name_and_address(world, settings):
    _fail(Client(), "hr", settings.AXES_FAILURE_LIMIT)
    # the same user from another address, and another user from the same address, are not locked
    assert _login(Client(), "hr", PASSWORD, ip="10.9.9.9").status_code == 302
    assert _login(Client(), "admin", PASSWORD, ip=IP).status_code == 302
    assert _login(Client(), "hr", PASSWORD, ip=IP).status_code == 429


def test_a_successful_login_resets_the_failure_count(world, settings):
    _fail(Client(), "hr", settings.AXES_FAILURE_LIMIT - 1)
    assert _login(Client(), "hr", PASSWORD).status_code == 302
    assert AccessAttempt.objects.filter(username="hr").count() == 0
    _fail(Client(), "hr", settings.AXES_FAILURE_LIMIT - 1)
    assert _login(Client(), "hr", PASSWORD).status_code == 302


def test_the_admin_unlocks_with_axes_reset(world, settings):
    _fail(Client(), "hr", settings.AXES_FAILURE_LIMIT)
    assert _login(Client(), "hr", PASSWORD).status_code == 429
    call_command("axes_reset_username", "hr")
    assert _login(Client(), "hr", PASSWORD).status_code == 302


def test_the_admin_site_login_goes_through_the_locked_login(world, settings):
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/admin/"
    _fail(Client(), "hr", settings.AXES_FAILURE_LIMIT)
    assert Client().post("/admin/login/", {"username": "hr", "password": PASSWORD}).status_code != 200


def test_the_api_takes_no_password_so_it_cannot_be_guessed_there(world, staff_api_url):
    import base64

    basic = base64.b64encode(f"hr:{PASSWORD}".encode()).decode()
    response = Client().get(staff_api_url, HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code in (401, 403)
    assert "results" not in response.json()


def test_login_page_states_the_configured_limit(world, settings):
    settings.AXES_FAILURE_LIMIT = 7
    settings.AXES_COOLOFF_MINUTES = 30
    page = Client().get(reverse("login")).content.decode()
    assert "连续输错密码 7 次，该账号将在本机暂停登录 30 分钟" in page
