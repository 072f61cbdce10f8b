"""The commission revises the monthly scoring scheme in the browser: opens it from the period page,
changes a maximum, adds an item with the keyboard (a bad number is reported on its row in
Chinese and nothing is saved), drops an item, and saves version 2; version 1 keeps its rows.
Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from assessments.choices import SchemeKind
from assessments.models import Scheme
from assessments.services import create_scheme_version
from tests.assessments.conftest import BANDS, MONTHLY_ITEMS
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def monthly_scheme(world):
    return create_scheme_version(
        region=world.region,
        code="monthly",
        name="科室月度考核",
        kind=SchemeKind.MONTHLY,
        effective_from=dt.date(2026, 1, 1),
        items=MONTHLY_ITEMS,
        bands=BANDS,
    )


def test_the_commission_revises_a_scheme_and_row_errors_show_in_chinese(
    world, monthly_scheme, browser_page, screenshot
):
    page = browser_page
    page.goto("/login/")
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="考核评分").click()
    page.get_by_role("link", name="考核方案").click()
    expect(page.get_by_role("heading", name="考核方案", exact=True)).to_be_visible()
    expect(page.locator("main")).to_contain_text("生效中")
    screenshot("scheme-01-list")
    page.get_by_role("link", name="科室月度考核").first.click()
    expect(page.get_by_role("heading", name=re.compile("科室月度考核 · 第1版"))).to_be_visible()

    page.locator("#revise > summary").click()
    page.locator('input[name="items-0-max_points"]').fill("50")
    page.get_by_role("button", name="添加考核项目").click()
    # The form came with one blank row (第5行); the added one (第6行) has the focus: type it in.
    expect(page.locator('input[name="items-5-code"]')).to_be_focused()
    page.keyboard.type("attendance")
    page.keyboard.press("Tab")
    page.keyboard.type("劳动纪律")
    page.keyboard.press("Tab")
    page.keyboard.type("十分")
    page.locator('input[name="effective_from"]').fill("2027-01-01")
    page.locator('textarea[name="note"]').fill("医疗质量提高到50分，增加劳动纪律，取消科研教学")
    page.get_by_role("button", name=re.compile("保存为第2版")).click()

    errors = page.locator("#item-rows .error")
    expect(errors).to_contain_text("第6行满分：满分应为数字。")
    expect(page.locator("#revise .alert-error").first).to_contain_text("方案未保存")
    expect(page.locator("#revise")).to_have_attribute("open", "")
    assert Scheme.objects.count() == 1
    screenshot("scheme-02-row-error")

    page.locator('input[name="items-5-max_points"]').fill("10")
    page.locator('input[name="items-3-DELETE"]').check()
    expect(page.locator("#weighted-total")).to_have_text("110")  # 50 + 30 + 20 + 10, 科研教学 dropped
    page.get_by_role("button", name=re.compile("保存为第2版")).click()
    expect(page.locator(".messages")).to_contain_text("已生成科室月度考核第2版，2027-01-01起生效；原第1版保持不变。")
    expect(page.get_by_role("heading", name=re.compile("第2版"))).to_be_visible()
    expect(page.locator("main")).to_contain_text("劳动纪律")
    screenshot("scheme-03-revised")

    revised = Scheme.objects.get(code="monthly", version=2)
    assert list(revised.items.values_list("code", "max_points")) == [
        ("quality", 50),
        ("workload", 30),
        ("ethics", 20),
        ("attendance", 10),
    ]
    assert list(monthly_scheme.items.values_list("code", flat=True)) == ["quality", "workload", "ethics", "teaching"]

    page.get_by_role("link", name="考核方案").first.click()
    page.get_by_role("link", name="新建方案").click()
    expect(page.locator("#band-rows select")).to_have_count(4)
    screenshot("scheme-04-new")
