"""Password policy (等保 2.0): length, 3 of 4 character classes, no reuse, expiry with a gate."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import PasswordHistory
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _errors(password: str, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return list(error.messages)
    return []


def test_the_fixture_password_meets_the_policy(world):
    assert _errors(PASSWORD) == []
    assert _errors(PASSWORD, world.users["hospital_hr"]) == ["新密码不能与当前密码或此前 5 次使用过的密码相同。"]


def test_a_password_shorter_than_the_minimum_is_refused(settings):
    assert settings.PASSWORD_MIN_LENGTH == 10
    errors = _errors("Ab1!Ab1!x")  # 9 characters, four classes
    assert any("至少 10 个字符" in e or "至少包含 10 个字符" in e or "10" in e for e in errors), errors
    assert _errors("Ab1!Ab1!xy") == []


def test_two_character_classes_are_refused_three_are_enough():
    errors = _errors("abcdefgh-k")  # lower + symbol
    assert any("至少 3 类" in e and "大写字母" in e for e in errors), errors
    assert _errors("abcdefgh-K") == []  # lower + upper + symbol
    assert _errors("abcdefgh7K") == []  # lower + upper + digit


def test_set_password_stamps_the_change_time(world):
    user = world.users["staff"]
    before = timezone.now()
    user.set_password("Another-Pass-42")
    user.save()
    user.refresh_from_db()
    assert user.password_changed_at >= before


def test_changing_the_password_on_the_page_refuses_a_recent_one(world):
    user = world.users["hospital_hr"]
    client = Client()
    client.force_login(user)
    url = reverse("accounts:password_change")
    # the current password again
    response = client.post(url, {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 200
    assert "此前 5 次使用过的密码" in response.content.decode()
    # a new one, then back to the first
    response = client.post(
        url, {"old_password": PASSWORD, "new_password1": "Fresh-Pass-2026", "new_password2": "Fresh-Pass-2026"}
    )
    assert response.status_code == 302
    response = client.post(
        url, {"old_password": "Fresh-Pass-2026", "new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert response.status_code == 200
    assert "此前 5 次使用过的密码" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("Fresh-Pass-2026")


def test_history_keeps_only_the_configured_number(world, settings):
    settings.PASSWORD_HISTORY_COUNT = 2
    user = world.users["staff"]
    for n in range(4):
        user.set_password(f"Rotating-Pass-{n}0")
        user.save()
    assert PasswordHistory.objects.filter(user=user).count() == 2  # of 4 replaced passwords
    assert _errors("Rotating-Pass-00", user) == []  # fell out of the 2 before the current one
    assert _errors("Rotating-Pass-10", user) != []
    assert _errors("Rotating-Pass-20", user) != []
    assert _errors("Rotating-Pass-30", user) != []  # the current one


def test_a_first_password_leaves_no_history(world):
    assert not PasswordHistory.objects.filter(user=world.users["staff"]).exists()


def test_an_expired_password_sends_the_user_to_the_change_page_first(world, settings, time_machine):
    user = world.users["hospital_hr"]
    client = Client()
    client.force_login(user)
    time_machine.move_to(user.password_changed_at + dt.timedelta(days=settings.PASSWORD_EXPIRY_DAYS, minutes=1))
    client.force_login(user)  # a fresh session (the idle timeout would end the old one)
    response = client.get(reverse("personnel:staff_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:password_change"))
    page = client.get(response["Location"]).content.decode()
    assert f"您的密码已超过 {settings.PASSWORD_EXPIRY_DAYS} 天未修改" in page


def test_an_expired_password_gets_a_chinese_403_on_the_api(world, settings, time_machine, staff_api_url):
    user = world.users["hospital_hr"]
    time_machine.move_to(user.password_changed_at + dt.timedelta(days=settings.PASSWORD_EXPIRY_DAYS + 1))
    client = Client()
    client.force_login(user)
    response = client.get(staff_api_url)
    assert response.status_code == 403
    assert "请先修改密码" in response.json()["detail"]


def test_changing_an_expired_password_lifts_the_gate(world, settings, time_machine):
    user = world.users["hospital_hr"]
    time_machine.move_to(user.password_changed_at + dt.timedelta(days=settings.PASSWORD_EXPIRY_DAYS + 1))
    client = Client()
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Fresh-Pass-2026", "new_password2": "Fresh-Pass-2026"},
    )
    assert response.status_code == 302
    assert client.get(reverse("personnel:staff_list")).status_code == 200


def test_expiry_zero_turns_the_gate_off(world, settings, time_machine):
    settings.PASSWORD_EXPIRY_DAYS = 0
    user = world.users["hospital_hr"]
    time_machine.move_to(user.password_changed_at + dt.timedelta(days=3650))
    client = Client()
    client.force_login(user)
    assert client.get(reverse("personnel:staff_list")).status_code == 200


def test_an_api_key_client_is_not_subject_to_password_expiry(world, settings, time_machine, staff_api_url):
    time_machine.move_to(timezone.now() + dt.timedelta(days=settings.PASSWORD_EXPIRY_DAYS + 1))
    client = Client()
    response = client.get(staff_api_url, HTTP_AUTHORIZATION=f"Api-Key {world.api_key}")
    assert response.status_code == 200
