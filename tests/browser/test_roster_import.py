"""HR imports a roster in a real browser: a file with errors shows the row-level errors and
writes nothing; the clean file is previewed, confirmed and its people appear in the staff list.
Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from personnel.models import PostGrade, Staff
from tests.conftest import PASSWORD
from tests.factories import PostQuotaFactory
from tests.roster.helpers import build_xlsx, db_snapshot, roster_row

pytestmark = pytest.mark.browser

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(page, name: str, data: bytes) -> None:
    page.goto("/roster/")
    page.get_by_label("花名册文件").set_input_files({"name": name, "mimeType": XLSX, "buffer": data})
    page.get_by_role("button", name="上传并校验").click()


def test_hr_uploads_a_bad_roster_sees_errors_then_imports_the_clean_one(world, browser_page, screenshot):
    page = browser_page
    # roster_row() appoints to grade 10 from 2025: the hospital needs posts for it (quota rule).
    PostQuotaFactory(institution=world.hospital, year=2025, post_grade=PostGrade.objects.get(grade=10), count=5)
    good = [roster_row(姓名="古丽娜", male=False), roster_row(姓名="买买提")]
    bad = [*good, roster_row(姓名="错误行", 身份证号="653225198805061234", 专业类别="外科学")]

    page.goto("/login/")
    page.get_by_label("用户名").fill("hr")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/$"))
    page.get_by_role("link", name="导入花名册").first.click()
    expect(page.get_by_role("heading", name="导入花名册")).to_be_visible()

    before = db_snapshot()
    _upload(page, "有错误的花名册.xlsx", build_xlsx(bad, title_rows=[["策勒县人民医院职工花名册"]]))
    errors = page.locator("#roster-errors")
    expect(errors).to_contain_text("第5行")
    expect(errors).to_contain_text("身份证号校验位错误")
    expect(errors).to_contain_text("“外科学”不是可选的专业类别")
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    expect(page.locator("#roster-errors-download")).to_be_visible()
    screenshot("roster-01-errors")
    with page.expect_download() as download:
        page.locator("#roster-errors-download").click()
    assert download.value.suggested_filename.endswith("_错误说明.xlsx")
    assert db_snapshot() == before

    _upload(page, "花名册.xlsx", build_xlsx(good))
    expect(page.locator('[data-count="new"]')).to_have_text("2")
    screenshot("roster-02-preview")
    assert not Staff.objects.filter(name__in=["古丽娜", "买买提"]).exists()
    page.get_by_role("button", name="确认导入").click()
    expect(page.locator("#roster-status")).to_have_text("已导入")
    screenshot("roster-03-done")

    page.goto("/staff/?q=古丽娜")
    expect(page.locator("main")).to_contain_text("古丽娜")
    page.goto("/roster/history/")
    expect(page.locator("main")).to_contain_text("花名册.xlsx")
    expect(page.locator("main")).to_contain_text("有错误的花名册.xlsx")
    screenshot("roster-04-history")
    assert Staff.objects.filter(name__in=["古丽娜", "买买提"]).count() == 2
