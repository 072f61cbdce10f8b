"""A department head enters the month's duty-target progress with the keyboard, saves, and sees
the cumulative totals and the audit trail; another department's senior staff never appear.
Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from appointments.models import DutyTarget
from appointments.services import create_appointment, load_duty_target_templates
from assessments.models import TargetProgressEntry
from personnel.models import PolicyVersion, PostGrade
from tests.assessments.test_duty_targets import SEED_000
from tests.conftest import PASSWORD
from tests.factories import PostQuotaFactory, StaffFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def seniors(world):
    policy = PolicyVersion.objects.get(region=world.region)
    policy.data = dict(SEED_000)
    policy.save()
    load_duty_target_templates(policy=policy)
    grade5 = PostGrade.objects.get(grade=5)
    start = dt.date.today().replace(month=1, day=1)
    PostQuotaFactory(institution=world.hospital, year=start.year, post_grade=grade5, count=10)
    people = []
    for i, (name, department) in enumerate(
        [("孙主任", world.dept), ("钱主任", world.dept), ("外科赵", world.other_dept)]
    ):
        person = StaffFactory(
            institution=world.hospital, department=department, name=name, employee_no=f"GZ{i:03d}", category="clinical"
        )
        people.append(create_appointment(staff=person, post_grade=grade5, start=start))
    return people


def test_head_enters_the_months_progress_by_keyboard(world, seniors, browser_page, screenshot):
    page = browser_page
    page.goto("/login/")
    page.get_by_label("用户名").fill("head")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="考核评分").click()
    page.get_by_role("link", name="必尽任务月度进度").click()
    expect(page.get_by_role("heading", name=re.compile("必尽任务进度 · 内科"))).to_be_visible()
    table = page.locator("table.progress-sheet")
    expect(table).to_contain_text("孙主任")
    expect(table).not_to_contain_text("外科赵")

    rows = page.locator("tr.sheet-row")
    expect(rows).to_have_count(2)
    rows.nth(0).locator("input.progress").first.focus()
    page.keyboard.type("2")
    page.keyboard.press("ArrowDown")  # same target, next person
    page.keyboard.type("1")
    page.keyboard.press("Enter")  # moves on, never submits
    page.keyboard.type("x")
    expect(rows.nth(1).locator("input.progress").nth(1)).to_have_class(re.compile("invalid"))
    page.keyboard.press("Backspace")
    page.keyboard.type("3")
    screenshot("progress-01-typed")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("新增3项")
    expect(page.locator("section.panel")).to_contain_text("修改记录")
    expect(rows.nth(0)).to_contain_text("2/8")
    screenshot("progress-02-saved")

    first = DutyTarget.objects.filter(appointment=seniors[0]).order_by("order", "code").first()
    assert TargetProgressEntry.objects.get(target=first).quantity == 2
    assert TargetProgressEntry.objects.count() == 3
