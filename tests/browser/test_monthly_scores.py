"""A department head fills the month's score sheet with the keyboard only, sees totals and grades
as they type, submits, and sees the grades locked in; another department's people never appear.
Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from assessments.choices import AssessmentStatus, PeriodKind, SchemeKind
from assessments.models import Assessment
from assessments.services import create_scheme_version, open_period
from tests.conftest import PASSWORD
from tests.factories import StaffFactory

pytestmark = pytest.mark.browser

NAMES = ["赵晓燕", "钱建国", "孙海涛", "周丽娟", "吴志强", "郑秀英"]
# quality /40, workload /30, ethics /20, teaching /10 → total, grade
SCORES = [
    ((38, 28, 19, 9), "94", "优秀"),
    ((30, 25, 18, 7), "80", "合格"),
    ((30, 20, 10, 5), "65", "基本合格"),
    ((20, 15, 10, 5), "50", "不合格"),
    ((36, 27, 18, 9), "90", "优秀"),
    ((33, 25, 12, 5), "75", "合格"),
]


@pytest.fixture
def sheet_world(world):
    create_scheme_version(
        region=world.region,
        code="monthly",
        name="科室月度考核",
        kind=SchemeKind.MONTHLY,
        effective_from=dt.date(2026, 1, 1),
        items=[
            {"code": "quality", "name": "医疗质量", "max_points": 40},
            {"code": "workload", "name": "工作量", "max_points": 30},
            {"code": "ethics", "name": "医德医风", "max_points": 20},
            {"code": "teaching", "name": "科研教学", "max_points": 10},
        ],
        bands=[
            {"grade": "优秀", "min_points": 90},
            {"grade": "合格", "min_points": 75},
            {"grade": "基本合格", "min_points": 60},
            {"grade": "不合格", "min_points": 0},
        ],
    )
    period = open_period(region=world.region, kind=PeriodKind.MONTHLY, year=2026, number=3)
    for i, name in enumerate(NAMES):
        StaffFactory(institution=world.hospital, department=world.dept, name=name, employee_no=f"NK{i + 10:03d}")
    for i, name in enumerate(["外科甲", "外科乙"]):
        StaffFactory(institution=world.hospital, department=world.other_dept, name=name, employee_no=f"WK{i:03d}")
    return period


def test_head_fills_the_monthly_sheet_by_keyboard_and_submits(world, sheet_world, browser_page, screenshot):
    page = browser_page
    page.goto("/login/")
    page.get_by_label("用户名").fill("head")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name="考核评分").click()
    expect(page.get_by_role("heading", name="考核", exact=True)).to_be_visible()
    page.get_by_role("link", name="评分表").first.click()
    expect(page).to_have_url(re.compile(r"/assessments/periods/\d+/sheet/"))
    expect(page.get_by_role("heading", name=re.compile("2026-03月度考核评分表"))).to_be_visible()

    table = page.locator("table.score-sheet")
    for name in ("外科甲", "外科乙", "李强", "刘洋", "陈静"):
        expect(table).not_to_contain_text(name)

    # Rows are ordered by 工号: the world's two people (E…) first, then NK010…NK015.
    rows = page.locator("tr.sheet-row")
    expect(rows).to_have_count(2 + len(NAMES))
    first_ours = rows.nth(2).locator("input.score").first
    first_ours.focus()
    for values, _, _ in SCORES:
        for value in values:
            page.keyboard.type(str(value))
            page.keyboard.press("Enter")  # Enter moves to the next cell, never submits
    # The world's two people: ↑ back to the top rows, then Tab across.
    rows.nth(0).locator("input.score").first.focus()
    for value in (36, 28, 18, 9, 30, 22, 16, 8):
        page.keyboard.type(str(value))
        page.keyboard.press("Tab")

    for i, (_, total, grade) in enumerate(SCORES):
        row = rows.nth(2 + i)
        expect(row.locator("[data-total]")).to_have_text(f"{total}.00")
        expect(row.locator("[data-grade]")).to_have_text(grade)
    screenshot("assess-01-sheet-typed")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="提交").click()
    expect(page.locator(".messages")).to_contain_text("已提交")
    for i, (_, total, grade) in enumerate(SCORES):
        row = rows.nth(2 + i)
        expect(row.locator("[data-total]")).to_have_text(f"{total}.00")
        expect(row.locator("[data-grade]")).to_have_text(grade)
        expect(row).to_contain_text("已提交")
        expect(row.locator("input.score").first).to_be_disabled()
    expect(page.get_by_role("button", name="提交")).to_have_count(0)
    screenshot("assess-02-sheet-submitted")

    results = {a.staff.name: a for a in Assessment.objects.select_related("staff")}
    assert set(results) == {*NAMES, "艾合买提", "王芳"}
    assert {a.status for a in results.values()} == {AssessmentStatus.SUBMITTED}
    assert str(results["赵晓燕"].total) == "94.00"


def test_a_typo_is_flagged_as_you_type_and_refused_on_save(world, sheet_world, browser_page, screenshot):
    page = browser_page
    page.goto("/login/")
    page.get_by_label("用户名").fill("head")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"/assessments/periods/{sheet_world.pk}/sheet/")
    cell = page.locator("tr.sheet-row").first.locator("input.score").first
    cell.focus()
    page.keyboard.type("45")  # above the item's 40
    expect(cell).to_have_class(re.compile("invalid"))
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".alert-error")).to_contain_text("本次未保存任何成绩")
    expect(page.locator("tr.row-error")).to_contain_text("0到40")
    screenshot("assess-03-sheet-error")
    assert not Assessment.objects.exists()


def test_the_staff_page_charts_duty_target_progress(world, sheet_world, browser_page, screenshot):
    from appointments.services import create_appointment, load_duty_target_templates
    from assessments.models import WorkloadMetric, WorkloadRecord
    from personnel.models import PolicyVersion, PostGrade
    from tests.assessments.test_duty_targets import SEED_000
    from tests.factories import PostQuotaFactory

    policy = PolicyVersion.objects.get(region=world.region)
    policy.data = dict(SEED_000)
    policy.save()
    load_duty_target_templates(policy=policy)
    grade5 = PostGrade.objects.get(grade=5)
    PostQuotaFactory(institution=world.hospital, year=2026, post_grade=grade5, count=2)
    person = StaffFactory(institution=world.hospital, department=world.dept, name="孙副主任")
    create_appointment(staff=person, post_grade=grade5, start=dt.date(2026, 1, 1))
    for n, (metric, quantity) in enumerate([("teaching_round", 4), ("consultation", 30), ("surgery_level4", 9)]):
        WorkloadRecord.objects.create(
            institution=world.hospital,
            staff=person,
            metric=WorkloadMetric.objects.get(code=metric),
            date=dt.date(2026, 6, 1),
            quantity=quantity,
            source_record_id=f"S{n}",
        )
    page = browser_page
    page.goto("/login/")
    page.get_by_label("用户名").fill("hr")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"/staff/{person.pk}/#duty-targets")
    expect(page.get_by_role("heading", name="必尽任务进度")).to_be_visible()
    expect(page.locator("#target-chart svg")).to_have_count(1)
    expect(page.locator("#duty-targets")).to_contain_text("教学查房")
    page.locator("#duty-targets").screenshot(
        path=str(screenshot("assess-04-staff-page").parent / "assess-04-targets.png")
    )
