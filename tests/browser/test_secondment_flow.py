"""县聘乡用 in the browser: the commission matches the year's demand to the dispatch lists, edits a
suggestion, confirms, and the secondment appears at both units; the receiving unit fills its part
of the end-of-service evaluation form, the commission gives the result, the form downloads and
the PDF renders (checked as an image).
Screenshots and the rendered form go to artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from PIL import Image
from playwright.sync_api import expect

from personnel.choices import Category, InstitutionKind, Role
from personnel.models import PolicyVersion
from secondments import services
from secondments.models import Secondment
from tests.browser.conftest import SCREENSHOTS
from tests.conftest import PASSWORD
from tests.factories import SEED_000_POLICY, InstitutionFactory, StaffFactory, UserFactory
from tests.secondments.conftest import SEED_001_POLICY

pytestmark = pytest.mark.browser


@pytest.fixture
def plan(world):
    PolicyVersion.objects.update(data={**SEED_000_POLICY, **SEED_001_POLICY}, effective_from=dt.date(2015, 1, 1))
    remote = InstitutionFactory(
        name="偏远乡卫生院", code="PYX", parent=world.commission, kind=InstitutionKind.TOWNSHIP_CENTRE, is_remote=True
    )
    UserFactory(username="township", role=Role.HOSPITAL_HR, institution=world.township)
    services.file_demand(institution=world.township, year=2027, category=Category.CLINICAL, count=1)
    services.file_demand(institution=remote, year=2027, category=Category.CLINICAL, count=1)
    doctor = StaffFactory(institution=world.hospital, name="赵医生", employee_no="ZY001")
    homebody = StaffFactory(institution=world.hospital, name="钱医生", employee_no="QY001")
    services.file_offer(staff=doctor, year=2027, reason="voluntary")
    services.file_offer(staff=homebody, year=2027, reason="pre_promotion", prefers_remote=False)
    # A stint that has ended, for the evaluation form.
    ended = services.create_secondment(
        staff=world.staff_branch,
        receiving_unit=world.township,
        start=dt.date(2025, 1, 1),
        reason="voluntary",
        tasks="门诊诊疗、教学查房、带教乡镇医生",
    )
    services.recompute_secondment(secondment=ended, today=dt.date(2026, 1, 1))
    return {"remote": remote, "ended": ended}


def _login(page, username):
    page.context.clear_cookies()
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_commission_matches_confirms_and_both_units_see_the_stint(world, plan, browser_page, screenshot):
    page = browser_page
    _login(page, "admin")
    page.get_by_role("link", name="县聘乡用").click()
    page.get_by_role("link", name="供需匹配").click()
    page.get_by_label("年度").fill("2027")
    page.get_by_role("button", name="查看").click()
    expect(page.get_by_role("heading", name="2027年度供需匹配")).to_be_visible()
    demands = page.get_by_role("region", name="需求")
    expect(demands).to_contain_text("缺1人")

    page.get_by_role("button", name="生成建议匹配").click()
    expect(page.locator(".messages")).to_contain_text("已生成2条建议匹配")
    # The remote township got the doctor willing to go there; the other one the second doctor.
    remote_row = demands.locator("tr", has_text="偏远乡卫生院")
    expect(remote_row).to_contain_text("赵医生")
    expect(demands).not_to_contain_text("缺1人")
    screenshot("secondments-01-suggested")

    # Edit before confirming: swap the two doctors.
    offers = page.get_by_role("region", name="派遣名单")
    row = offers.locator("tr", has_text="赵医生")
    row.get_by_label("调整到").select_option(label="策勒乡卫生院·临床")
    row.get_by_role("button", name="调整").click()
    expect(page.locator(".messages")).to_contain_text("已将赵医生调整到策勒乡卫生院")
    row = page.get_by_role("region", name="派遣名单").locator("tr", has_text="钱医生")
    row.get_by_label("调整到").select_option(label="偏远乡卫生院·临床")
    row.get_by_role("button", name="调整").click()

    page.get_by_label("派驻开始日期").fill("2027-01-01")
    page.get_by_role("button", name="确认匹配并派驻").click()
    expect(page.locator(".messages")).to_contain_text("已确认2人派驻")
    screenshot("secondments-02-confirmed")
    assert set(
        Secondment.objects.filter(start=dt.date(2027, 1, 1)).values_list("staff__name", "receiving_unit__name")
    ) == {
        ("赵医生", "策勒乡卫生院"),
        ("钱医生", "偏远乡卫生院"),
    }

    # The receiving township sees its incoming doctor; the hospital its outgoing ones.
    _login(page, "township")
    page.get_by_role("link", name="县聘乡用").click()
    table = page.locator("table.table")
    expect(table).to_contain_text("赵医生")
    expect(table).not_to_contain_text("钱医生")
    screenshot("secondments-03-township")
    _login(page, "hr")
    page.get_by_role("link", name="县聘乡用").click()
    table = page.locator("table.table")
    expect(table).to_contain_text("赵医生")
    expect(table).to_contain_text("钱医生")


def test_township_and_commission_fill_the_evaluation_and_the_pdf_renders(
    world, plan, browser_page, screenshot, tmp_path
):
    page = browser_page
    _login(page, "township")
    page.goto(f"/secondments/{plan['ended'].pk}/")
    page.get_by_role("link", name="服务期满评价表").click()
    page.get_by_label("诊疗病人（人次）").fill("1532")
    page.get_by_label("开展手术（台次）").fill("12")
    page.get_by_label("工作小结").fill("完成全年门诊和带教任务。")
    page.get_by_label("接收单位意见（德能勤绩廉）").fill("德能勤绩廉表现良好。")
    expect(page.get_by_label("评价结果")).to_be_disabled()  # the commission's to give
    page.get_by_role("button", name="保存评价表").click()
    expect(page.locator(".messages")).to_contain_text("评价表已保存")

    # The commission (接收单位主管部门) gives its opinion and the result.
    _login(page, "admin")
    page.goto(f"/secondments/{plan['ended'].pk}/evaluation/")
    expect(page.get_by_label("诊疗病人（人次）")).to_have_value("1532")
    page.get_by_label("接收单位主管部门意见").fill("同意接收单位意见。")
    page.get_by_label("评价结果").select_option(label="合格")
    page.get_by_role("button", name="保存评价表").click()
    expect(page.locator(".messages")).to_contain_text("评价表已保存")
    screenshot("secondments-04-evaluation")

    with page.expect_download() as xlsx:
        page.get_by_role("link", name="下载 Excel").click()
    assert xlsx.value.suggested_filename.endswith(".xlsx")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 PDF").click()
    pdf = tmp_path / "form.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    if shutil.which("pdftoppm") is None:
        pytest.skip("未安装 pdftoppm，无法把 PDF 渲染为图片检查。")
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", str(pdf), str(tmp_path / "form")], check=True)  # noqa: S603, S607
    image = Image.open(tmp_path / "form.png").convert("L")
    width, height = image.size
    assert height > width  # A4 portrait
    # Ink on the page: the title and the grid put dark pixels in the top quarter and the middle.
    top = image.crop((0, 0, width, height // 4))
    middle = image.crop((0, height // 4, width, height // 2))
    assert top.getextrema()[0] < 100 and middle.getextrema()[0] < 100
    dark = sum(image.histogram()[:128])
    assert dark > 0.01 * width * height
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "form.png", SCREENSHOTS / "secondments-05-evaluation-pdf.png")
