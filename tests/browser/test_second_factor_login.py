"""A commission admin enrols an authenticator in a real browser (the QR code is an SVG data URI,
no script) and then logs in with the password and the 6-digit code; a wrong code is refused.
Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.accounts.conftest import code_for
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_commission_admin_enrols_and_logs_in_with_the_second_factor(world, browser_page, screenshot):
    page = browser_page
    csp_violations = []
    page.on("console", lambda m: "Content Security Policy" in m.text and csp_violations.append(m.text))

    page.goto("/login/")
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("link", name="两步验证")).to_be_visible()

    page.get_by_role("link", name="两步验证").click()
    qr = page.get_by_test_id("otp-qr")
    expect(qr).to_be_visible()
    assert page.evaluate("document.querySelector('[data-testid=otp-qr]').naturalWidth") > 100
    screenshot("2fa-01-enrolment")
    device = TOTPDevice.objects.get(user=world.users["commission_admin"], confirmed=False)
    page.get_by_label("动态验证码").fill(code_for(device))
    page.get_by_role("button", name="确认启用").click()
    expect(page.get_by_test_id("otp-enabled")).to_be_visible()
    expect(page.get_by_text("两步验证已启用")).to_be_visible()

    page.get_by_role("button", name="退出").click()
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="两步验证")).to_be_visible()
    device.refresh_from_db()
    right = code_for(device, offset_steps=1)  # the enrolment used this step's code; the next one
    page.get_by_label("动态验证码").fill(f"{(int(right) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="验证并登录").click()
    expect(page.get_by_text("动态验证码错误或已使用过")).to_be_visible()
    screenshot("2fa-02-wrong-code")

    page.wait_for_timeout(1100)  # django-otp's throttle: 1 s after one failure
    page.get_by_label("动态验证码").fill(right)
    page.get_by_role("button", name="验证并登录").click()
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    screenshot("2fa-03-logged-in")
    assert csp_violations == []
