"""A hospital HR officer's day in a real browser: log in, find people, open one, change a field
and see the change in the audit history, look at the institution tree and the post quotas, and
be refused an appointment over the quota.  Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from appointments.models import Appointment
from personnel.choices import Category, TitleLevel
from personnel.models import PostGrade
from tests.conftest import PASSWORD
from tests.factories import AppointmentFactory, DepartmentFactory, PostQuotaFactory, StaffFactory, TitleFactory

pytestmark = pytest.mark.browser

SURNAMES = "赵钱孙周吴郑冯陈褚卫蒋沈韩杨朱秦尤许何吕施"
GIVEN = ["晓燕", "建国", "海涛", "丽娟", "志强", "秀英", "文博", "雪梅", "国庆", "春华"]


def _fill_hospital(world) -> None:
    """A busier hospital than the bare world: more people, departments, titles and quotas, with
    one grade over its quota, so the pages look like real ones."""
    pharmacy = DepartmentFactory(institution=world.hospital, name="药剂科", code="YJK")
    nursing = DepartmentFactory(institution=world.hospital, name="护理部", code="HLB")
    departments = [world.dept, world.other_dept, pharmacy, nursing]
    categories = [Category.CLINICAL, Category.CLINICAL, Category.PHARMACY, Category.NURSING]
    titles = [
        ("医师", TitleLevel.JUNIOR),
        ("主治医师", TitleLevel.INTERMEDIATE),
        ("副主任医师", TitleLevel.ASSOCIATE_SENIOR),
    ]
    people = []
    for i in range(16):
        person = StaffFactory(
            institution=world.hospital,
            department=departments[i % 4],
            category=categories[i % 4],
            name=SURNAMES[i] + GIVEN[i % len(GIVEN)],
            employee_no=f"RM{i + 100:04d}",
            is_male=i % 2 == 0,
        )
        name, level = titles[i % 3]
        TitleFactory(staff=person, name=name, level=level, obtained_on=dt.date(2012 + i % 8, 9, 1))
        people.append(person)
    grade5, grade9, grade11 = (PostGrade.objects.get(grade=g) for g in (5, 9, 11))
    PostQuotaFactory(institution=world.hospital, year=2026, post_grade=grade5, count=1)
    PostQuotaFactory(institution=world.hospital, year=2026, post_grade=grade9, count=6)
    PostQuotaFactory(institution=world.hospital, year=2026, post_grade=grade11, count=8)
    PostQuotaFactory(institution=world.branch, year=2026, post_grade=grade11, count=3)
    # Two at grade 5 against a quota of one: an overflow the overview must highlight.
    for person in people[:2]:
        AppointmentFactory(staff=person, post_grade=grade5)
    for person in people[2:8]:
        AppointmentFactory(staff=person, post_grade=grade9)
    for person in people[8:11]:
        AppointmentFactory(staff=person, post_grade=grade11)


def test_hr_finds_a_person_changes_a_field_and_sees_the_history(world, browser_page, screenshot):
    _fill_hospital(world)
    page = browser_page

    # Log in through the form (django-axes watches this path).
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    expect(page.get_by_role("heading", name="聘任通")).to_be_visible()
    screenshot("01-login")
    page.get_by_label("用户名").fill("hr")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="工作台")).to_be_visible()
    expect(page.locator(".topbar")).to_contain_text("医院人事")
    expect(page.locator(".topbar")).to_contain_text("策勒县人民医院")
    screenshot("02-home")

    # The staff list: the hospital and its branch, nobody else.
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="人员").click()
    expect(page.get_by_role("heading", name="人员", exact=True)).to_be_visible()
    rows = page.locator("table.table tbody tr")
    expect(rows).to_have_count(20)
    expect(page.locator("table.table")).not_to_contain_text("刘洋")
    expect(page.locator("table.table")).not_to_contain_text("陈静")
    screenshot("03-staff-list")

    # Filter by department: choosing the institution narrows the department choices (script),
    # the server narrows the rows.
    page.get_by_label("单位").select_option(label="策勒县人民医院")
    page.get_by_label("科室").select_option(label="策勒县人民医院·内科")
    page.get_by_role("button", name="查询").click()
    expect(page).to_have_url(re.compile(r"department=\d+"))
    names = {n.strip() for n in page.locator("table.table tbody td:nth-child(2)").all_inner_texts()}
    assert {"艾合买提", "王芳"} <= names
    assert "李强" not in names
    assert "张伟" not in names
    screenshot("04-staff-list-filtered")

    # Search by name.
    page.get_by_role("link", name="清除条件").click()
    page.get_by_label("搜索").fill("王芳")
    page.get_by_role("button", name="查询").click()
    expect(rows).to_have_count(1)

    # The person's page: masked ID number, current title, appointment.
    page.get_by_role("link", name="王芳").click()
    expect(page.get_by_role("heading", name=re.compile("王芳"))).to_be_visible()
    identity = page.locator("#identity")
    expect(identity).to_contain_text("652101")
    expect(identity).to_contain_text("********")
    expect(page.locator("#titles")).to_contain_text("主治医师")
    expect(page.locator("#titles")).to_contain_text("当前职称")
    expect(page.locator("#appointments")).to_contain_text("专业技术八级")
    screenshot("05-staff-detail")

    # Change the phone number; the history shows who changed what, old → new.
    page.get_by_role("link", name="编辑档案").click()
    page.get_by_label("手机号").fill("13911112222")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("已保存人员档案：王芳")
    history = page.locator("#history")
    expect(history).to_contain_text("修改人员档案")
    expect(history).to_contain_text("手机号")
    # HR holds no full-number permission: the phone is masked in the history too.
    expect(history.locator("td.old").first).to_have_text("138****8000")
    expect(history.locator("td.new").first).to_have_text("139****2222")
    expect(history).to_contain_text("hr")
    screenshot("06-staff-detail-history")

    # An invalid ID number on the form is refused in Chinese.
    page.get_by_role("link", name="编辑档案").click()
    page.get_by_label("身份证号").fill("110105194912310021")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".has-error")).to_contain_text("身份证号校验位错误")
    screenshot("07-staff-form-error")

    # Institution tree with staff counts.
    page.get_by_role("link", name="机构", exact=True).click()
    tree = page.locator("table.tree")
    expect(tree).to_contain_text("策勒县人民医院")
    expect(tree).to_contain_text("人民医院分院")
    expect(tree).not_to_contain_text("策勒县中医医院")
    screenshot("08-institution-tree")

    # Post quotas: the grade-5 overflow is highlighted.
    page.goto("/appointments/quotas/?year=2026")
    expect(page.locator("td.quota-cell.over")).to_have_count(1)
    expect(page.locator(".alert-error")).to_contain_text("超过核定岗位数")
    screenshot("09-quota-overview")

    # Appointing 李强 to the full grade 5 is refused with the service's message; nothing written.
    before = Appointment.objects.count()
    page.goto(f"/appointments/new/{world.staff_other_dept.pk}/")
    page.get_by_label("岗位等级").select_option(label="专业技术五级")
    page.get_by_label("聘任开始").fill("2026-09-01")
    page.get_by_role("button", name="确认聘任").click()
    expect(page.locator(".alert-error")).to_contain_text("超出岗位结构比例")
    assert Appointment.objects.count() == before
    screenshot("10-appointment-over-quota")

    # The appointment list.
    page.get_by_role("link", name="聘任管理").click()
    expect(page.locator("table.table")).to_contain_text("王芳")
    screenshot("11-appointment-list")

    # A narrow screen still reads.
    page.set_viewport_size({"width": 420, "height": 800})
    page.goto("/staff/")
    screenshot("12-staff-list-narrow")

    # Logging out is a POST from the top bar.
    page.set_viewport_size({"width": 1366, "height": 860})
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/login/$"))


def test_commission_admin_sees_the_region_tree_and_full_id_numbers(world, browser_page, screenshot):
    from tests.factories import InstitutionFactory

    world.township.is_remote = True
    world.township.save()
    InstitutionFactory(name="恰哈村卫生室", code="QHC", parent=world.township, kind="village_clinic", is_remote=True)
    page = browser_page

    page.goto("/login/")
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".topbar")).to_contain_text("卫健委管理员")

    page.get_by_role("link", name="机构", exact=True).click()
    tree = page.locator("table.tree")
    expect(tree).to_contain_text("策勒县卫健委")
    expect(tree).to_contain_text("恰哈村卫生室")
    expect(tree).not_to_contain_text("万州区")
    expect(tree.locator("tr", has_text="策勒乡卫生院")).to_contain_text("边远")
    screenshot("13-institution-tree-admin")

    # This admin holds the permission to read full ID numbers.
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="人员").click()
    expect(page.locator("table.table")).to_contain_text("刘洋")
    expect(page.locator("table.table")).not_to_contain_text("********")
    screenshot("14-staff-list-admin")
