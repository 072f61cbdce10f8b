"""柔性引才 end to end in Chromium: hospital HR forms a team, signs a contract within the fund,
records visits, runs the annual review (the form shows the bands the policy decides where the
seed is silent) and downloads the filled-in table as .xlsx and PDF.  Screenshots go to
artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from personnel.choices import Degree, TitleLevel
from talent.models import AnnualReview, Contract
from tests.conftest import PASSWORD
from tests.factories import SEED_000_POLICY, PolicyVersionFactory
from tests.talent.conftest import make_expert, seed_002_policy

pytestmark = pytest.mark.browser


@pytest.fixture
def experts(world):
    PolicyVersionFactory(
        region=world.region,
        name="柔性引才",
        effective_from=dt.date(2024, 1, 1),
        data=SEED_000_POLICY | seed_002_policy(),
    )
    make_expert(world.hospital, "高领衔")
    for i, name in enumerate(["成员甲", "成员乙", "成员丙"]):
        level = TitleLevel.SENIOR if i == 0 else TitleLevel.ASSOCIATE_SENIOR
        make_expert(world.hospital, name, level, Degree.MASTER)
    return world


def test_hr_forms_a_team_signs_records_visits_reviews_and_downloads(world, experts, browser_page, screenshot):
    page = browser_page
    page.goto("/login/")
    page.get_by_label("用户名").fill("hr")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="柔性引才").click()
    expect(page.get_by_role("heading", name="柔性引才合同")).to_be_visible()

    # A team.
    page.get_by_role("link", name="专家与团队").click()
    page.get_by_role("link", name="组建团队").click()
    page.get_by_label("登记单位").select_option(label="策勒县人民医院")
    page.get_by_label("团队名称").fill("消化内镜团队")
    page.get_by_label("领衔人").select_option(label="高领衔（内蒙古医科大学附属医院）")
    for name in ("成员甲", "成员乙", "成员丙"):
        page.get_by_label(re.compile(name)).check()
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("已组建团队消化内镜团队")
    screenshot("talent-01-team")

    # A contract within the fund, then signed.
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="柔性引才").click()
    page.get_by_role("link", name="新增合同").click()
    page.get_by_label("用人单位").select_option(label="策勒县人民医院")
    page.get_by_label("引进科室").select_option(label="策勒县人民医院·内科")
    page.get_by_label("或引进团队").select_option(label="消化内镜团队")
    page.get_by_label("引进方式").select_option(label="平台共建")
    page.get_by_label("共建平台").select_option(label="多学科会诊中心")
    page.get_by_label("起始日期").fill("2026-01-01")
    page.get_by_label("终止日期").fill("2026-12-31")
    page.get_by_label("约定每月到岗天数").fill("1")
    page.get_by_label("支持资金（元）").fill("1000001")
    page.get_by_label("年度津贴（元）").fill("60000")
    page.get_by_role("button", name="保存草拟合同").click()
    expect(page.locator(".has-error")).to_contain_text("剩余经费1000000")
    page.get_by_label("支持资金（元）").fill("400000")
    page.get_by_role("button", name="保存草拟合同").click()
    expect(page.locator(".messages")).to_contain_text("已草拟")
    page.locator("input[aria-label='签订日期']").fill("2026-01-01")
    page.get_by_role("button", name="签订合同").click()
    expect(page.locator(".messages")).to_contain_text("合同已签订")

    # Visits: 12 days in the year against 1 a month.
    for date in ("2026-02-10", "2026-05-12", "2026-09-15"):
        page.get_by_label("到岗日期").fill(date)
        page.get_by_label("工作天数").fill("4")
        page.get_by_label("诊疗人次").fill("30")
        page.get_by_role("button", name="记录到岗").click()
        expect(page.locator(".messages")).to_contain_text(f"已记录{date}到岗4天")
    expect(page.get_by_test_id("attendance-rate")).not_to_have_text("—")
    screenshot("talent-02-contract")

    # The annual review.
    page.get_by_role("link", name="年度考核").click()
    expect(page.get_by_label("评分标准")).to_contain_text("15%–20%（种子未规定，按政策数据）：0分")
    page.get_by_label("考核年度").fill("2026")
    page.get_by_label("上年科室诊疗人次").fill("1000")
    page.get_by_label("本年科室诊疗人次").fill("1180")  # 18%: the gap the policy decides
    page.get_by_label("上年科室总收入（元）").fill("1000000")
    page.get_by_label("本年科室总收入（元）").fill("1300000")
    page.get_by_label("申报院级新技术新项目数").fill("3")
    page.get_by_label("指导发表论文数").fill("2")
    page.get_by_label("医务人员满意度（%）").fill("88")
    page.get_by_label("患者满意度（%）").fill("93")
    page.get_by_label("“传、帮、带”效果（10分）").fill("8")
    page.locator("#id_manual_technique_pilot_1").check()
    page.locator("#id_manual_key_specialty_0").check()
    page.locator("#id_manual_research_1").check()
    page.get_by_label("服务能力评价（5分）").fill("4")
    screenshot("talent-03-review-form")
    page.get_by_role("button", name="计算并保存考核结果").click()
    # 0 (18%, policy gap) + 15 + 10 (12/12 days) + 8 + 8 + 10 + 0 + 5 + 5 + 3 (88%) + 4 = 68
    expect(page.get_by_role("heading", name=re.compile("2026年度考核：68分"))).to_be_visible()
    expect(page.get_by_test_id("review-result")).to_have_text("合格")
    expect(page.locator("table")).to_contain_text("15%–20%（种子未规定，按政策数据）")
    screenshot("talent-04-review-table")

    with page.expect_download() as info:
        page.get_by_role("link", name="下载 Excel").click()
    sheet = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).active
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "柔性引进人才使用考核表（2026年度）" in cells and "68" in cells
    with page.expect_download() as info:
        page.get_by_role("link", name="下载 PDF").click()
    assert Path(info.value.path()).read_bytes()[:4] == b"%PDF"
    assert info.value.suggested_filename.endswith(".pdf")

    review = AnnualReview.objects.get()
    assert review.total == 68 and review.stipend == 60000
    assert Contract.objects.get().status == "active"
