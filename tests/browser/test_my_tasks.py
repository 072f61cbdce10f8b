"""A department head logs in, sees the to-do count in the navigation, opens 我的待办 and follows
the link to the month's score sheet; a commission admin changes one policy number and sees the
two versions side by side with the change highlighted.  Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments.choices import PeriodKind, SchemeKind
from assessments.services import create_scheme_version, open_period
from personnel.models import PolicyVersion
from tests.conftest import PASSWORD
from tests.factories import StaffFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def month(world):
    today = timezone.localdate()
    create_scheme_version(
        region=world.region,
        code="monthly",
        name="科室月度考核",
        kind=SchemeKind.MONTHLY,
        effective_from=dt.date(2020, 1, 1),
        items=[{"code": "quality", "name": "医疗质量", "max_points": 100}],
        bands=[{"grade": "合格", "min_points": 60}, {"grade": "不合格", "min_points": 0}],
    )
    for name in ("赵晓燕", "钱建国"):
        StaffFactory(institution=world.hospital, department=world.dept, name=name)
    return open_period(region=world.region, kind=PeriodKind.MONTHLY, year=today.year, number=today.month)


def _login(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_head_follows_the_nav_count_to_the_score_sheet(world, month, browser_page, screenshot):
    page = browser_page
    _login(page, "head")
    people = world.dept.staff.filter(status="on_duty").count()
    badge = page.get_by_test_id("task-count")
    expect(badge).to_have_text(str(people))  # fetched once from /tasks/count/
    screenshot("tasks-01-head-home-with-count")
    page.get_by_role("link", name=re.compile("^我的待办")).click()
    expect(page.get_by_role("heading", name="我的待办")).to_be_visible()
    group = page.get_by_test_id("task-group-scores")
    expect(group).to_contain_text(f"{people}人成绩未提交")
    expect(page.get_by_test_id("task-total")).to_contain_text(str(people))
    screenshot("tasks-02-my-tasks")
    group.get_by_test_id("task-link").first.click()
    expect(page).to_have_url(re.compile(rf"/assessments/periods/{month.pk}/sheet/\?department={world.dept.pk}$"))
    expect(page.get_by_role("heading", name=re.compile("月度考核评分表"))).to_be_visible()
    expect(page.locator("table.score-sheet")).to_contain_text("赵晓燕")
    screenshot("tasks-03-score-sheet-from-my-tasks")


def test_commission_changes_one_number_and_compares_the_versions(world, browser_page, screenshot):
    page = browser_page
    current = PolicyVersion.objects.get(region=world.region)
    months = current.data["rectification_months"]
    _login(page, "admin")
    page.get_by_role("link", name="政策参数").click()
    expect(page.get_by_role("heading", name=re.compile("政策参数"))).to_be_visible()
    screenshot("policy-01-edit-page")
    page.get_by_label("版本名称").fill("整改期调整")
    page.get_by_label(re.compile("^整改期（月）")).fill(str(months + 1))
    page.get_by_role("button", name="保存为新版本").click()
    expect(page.get_by_role("heading", name=re.compile("政策版本对比"))).to_be_visible()
    expect(page.get_by_test_id("changed-count")).to_have_text("1")
    row = page.get_by_test_id("changed-rectification_months")
    expect(row).to_contain_text(str(months))
    expect(row).to_contain_text(str(months + 1))
    expect(page.locator("tr.pol-changed")).to_have_count(1)
    row.scroll_into_view_if_needed()
    screenshot("policy-02-compare")
    assert PolicyVersion.objects.filter(region=world.region).count() == 2
    current.refresh_from_db()
    assert current.data["rectification_months"] == months
