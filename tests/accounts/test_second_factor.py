"""Second factor (django-otp TOTP) for commission admins: enrolment, the code step, replay, admin."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from personnel.choices import Role
from tests.accounts.conftest import code_for, enrol
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _password_step(username: str, next_url: str = "") -> tuple[Client, object]:
    client = Client()
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client, client.post(reverse("login"), data)


def test_enrolment_page_shows_the_qr_code_as_an_svg_data_uri_and_no_script(world):
    client = Client()
    client.force_login(world.users[Role.COMMISSION_ADMIN])
    response = client.get(reverse("accounts:otp_setup"))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'src="data:image/svg+xml' in page
    assert "<script>" not in page and "<script " not in page.split("</head>", 1)[1]
    assert response["Cache-Control"] == "no-store"
    device = TOTPDevice.objects.get(user=world.users[Role.COMMISSION_ADMIN])
    assert device.confirmed is False


def test_a_correct_code_confirms_the_enrolment_and_a_wrong_one_does_not(world):
    admin = world.users[Role.COMMISSION_ADMIN]
    client = Client()
    client.force_login(admin)
    client.get(reverse("accounts:otp_setup"))
    device = TOTPDevice.objects.get(user=admin)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("accounts:otp_setup"), {"token": wrong})
    assert response.status_code == 200
    assert "动态验证码不正确" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    device.throttle_reset()
    response = client.post(reverse("accounts:otp_setup"), {"token": code_for(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed is True
    assert client.get(reverse("home")).status_code == 200  # this session counts as verified


def test_staff_may_not_enrol(world):
    client = Client()
    client.force_login(world.users[Role.STAFF])
    assert client.get(reverse("accounts:otp_setup")).status_code == 403


def test_an_enrolled_user_is_asked_for_the_code_after_the_password(world):
    enrol(world.users[Role.COMMISSION_ADMIN])
    client, response = _password_step("admin", next_url=reverse("personnel:staff_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp_verify"))
    # nothing else is reachable before the code: pages redirect, the API refuses in Chinese
    blocked = client.get(reverse("personnel:staff_list"))
    assert blocked.status_code == 302 and blocked["Location"].startswith(reverse("accounts:otp_verify"))
    api = client.get("/api/v1/staff/")
    assert api.status_code == 403 and "动态验证码" in api.json()["detail"]
    page = client.get(response["Location"]).content.decode()
    assert "动态验证码" in page


def test_the_right_code_completes_the_login(world):
    device = enrol(world.users[Role.COMMISSION_ADMIN])
    client, response = _password_step("admin", next_url=reverse("personnel:staff_list"))
    response = client.post(
        reverse("accounts:otp_verify"), {"token": code_for(device), "next": reverse("personnel:staff_list")}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("personnel:staff_list")
    assert client.get(reverse("personnel:staff_list")).status_code == 200
    assert client.get("/api/v1/staff/").status_code == 200


def test_a_wrong_code_is_refused(world):
    device = enrol(world.users[Role.COMMISSION_ADMIN])
    client, _ = _password_step("admin")
    wrong = f"{(int(code_for(device)) + 500_000) % 1_000_000:06d}"
    response = client.post(reverse("accounts:otp_verify"), {"token": wrong})
    assert response.status_code == 200
    assert "动态验证码错误或已使用过" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_a_code_right_after_a_failure_is_throttled(world):
    device = enrol(world.users[Role.COMMISSION_ADMIN])
    client, _ = _password_step("admin")
    client.post(reverse("accounts:otp_verify"), {"token": "000000" if code_for(device) != "000000" else "111111"})
    response = client.post(reverse("accounts:otp_verify"), {"token": code_for(device)})
    assert response.status_code == 200
    assert "错误次数过多" in response.content.decode()


def test_a_replayed_code_is_refused(world):
    device = enrol(world.users[Role.COMMISSION_ADMIN])
    code = code_for(device)
    first, _ = _password_step("admin")
    assert first.post(reverse("accounts:otp_verify"), {"token": code}).status_code == 302
    second, _ = _password_step("admin")
    response = second.post(reverse("accounts:otp_verify"), {"token": code})
    assert response.status_code == 200
    assert "已使用过" in response.content.decode()
    assert second.get(reverse("home")).status_code == 302


def test_a_user_without_a_device_logs_in_with_the_password_alone(world):
    client, response = _password_step("hr")
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_a_required_role_is_sent_to_enrolment(world, settings):
    settings.OTP_REQUIRED_ROLES = [Role.COMMISSION_ADMIN]
    client, _ = _password_step("admin")
    response = client.get(reverse("personnel:staff_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp_setup"))
    assert "须启用两步验证" in client.get(reverse("accounts:otp_setup")).content.decode()


def test_the_admin_site_requires_the_second_factor_of_an_enrolled_superuser(world):
    root = UserFactory(username="root", role="", institution=None, is_staff=True, is_superuser=True)
    device = enrol(root)
    client, _ = _password_step("root", next_url="/admin/")
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:otp_verify"))
    client.post(reverse("accounts:otp_verify"), {"token": code_for(device)})
    assert client.get("/admin/").status_code == 200


def test_a_superuser_resets_a_users_second_factor_in_the_admin(world):
    root = UserFactory(username="root", role="", institution=None, is_staff=True, is_superuser=True)
    device = enrol(world.users[Role.COMMISSION_ADMIN])
    client = Client()
    client.force_login(root)
    url = reverse("admin:otp_totp_totpdevice_delete", args=[device.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    admin_client, response = _password_step("admin")
    assert response["Location"] == reverse("home")  # no code step any more
    assert admin_client.get(reverse("home")).status_code == 200


def test_a_commission_admin_cannot_reach_the_device_admin(world):
    device = enrol(world.users[Role.HOSPITAL_HR])
    client = Client()
    client.force_login(world.users[Role.COMMISSION_ADMIN])
    response = client.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})
    assert response.status_code in (302, 403)
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
