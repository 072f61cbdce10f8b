"""The commission admin opens a staff page (full 身份证号, logged), follows the navigation to 身份证号查看记录,
filters by the person and sees the row; the page's screenshot goes to artifacts/screenshots/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_commission_admin_reads_the_access_log(world, browser_page, screenshot):
    page = browser_page
    page.goto("/login/")
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    person = world.staff_branch
    page.goto(f"/staff/{person.pk}/")
    expect(page.locator("#identity")).to_contain_text(person.id_number)
    page.get_by_role("link", name="身份证号查看记录").click()
    expect(page.get_by_role("heading", name="身份证号查看记录")).to_be_visible()
    page.get_by_label("被查看人（姓名或工号）").fill(person.name)
    page.get_by_role("button", name="查询").click()
    rows = page.locator("table.table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(person.name)
    expect(rows.first).to_contain_text(f"/staff/{person.pk}/")
    expect(rows.first).to_contain_text("页面")
    screenshot("accesslog-01-filtered")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
