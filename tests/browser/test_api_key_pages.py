"""Hospital HR manages its HIS keys in a real browser: issue one (shown once), use it, rotate it
(the old one keeps working for the grace period), revoke the new one.  Screenshots go to
artifacts/screenshots/."""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import expect

from personnel.models import InstitutionAPIKey
from tests.api_testing import list_url
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _api_status(key: str) -> int:
    return Client().get(list_url("staff"), HTTP_AUTHORIZATION=f"Api-Key {key}").status_code


def test_hr_issues_rotates_and_revokes_a_key(world, browser_page, screenshot):
    page = browser_page
    page.goto("/login/")
    page.get_by_label("用户名").fill("hr")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="API密钥").click()
    expect(page.get_by_role("heading", name="接口密钥")).to_be_visible()

    page.get_by_role("link", name="签发新密钥").click()
    page.get_by_label("名称").fill("检验系统 LIS")
    page.get_by_label("所属机构").select_option(label=str(world.hospital))
    page.get_by_label("每分钟请求上限").fill("120")
    page.get_by_role("button", name="签发").click()
    key = page.get_by_test_id("new-key").inner_text()
    screenshot("apikey-01-issued")
    assert _api_status(key) == 200

    page.get_by_role("link", name="返回密钥列表").click()
    expect(page.get_by_text(key)).to_have_count(0)  # shown once only
    row = page.locator(f"[data-testid=api-key][data-prefix='{key.split('.')[0]}']")
    row.get_by_role("button", name="轮换").click()
    expect(page.get_by_role("heading", name="密钥已轮换")).to_be_visible()
    new_key = page.get_by_test_id("new-key").inner_text()
    assert new_key != key and _api_status(key) == 200 and _api_status(new_key) == 200
    page.get_by_role("link", name="返回密钥列表").click()
    expect(row.get_by_text("已轮换")).to_be_visible()
    screenshot("apikey-02-list-after-rotation")

    new_row = page.locator(f"[data-testid=api-key][data-prefix='{new_key.split('.')[0]}']")
    new_row.get_by_role("button", name="吊销").click()
    expect(page.get_by_text("已吊销密钥")).to_be_visible()
    assert _api_status(new_key) == 401
    assert InstitutionAPIKey.objects.get(prefix=new_key.split(".")[0]).revoked
    screenshot("apikey-03-revoked")
