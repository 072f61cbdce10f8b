"""The commission's dashboard in Chromium: every chart draws on its canvas, a click on the
over-quota bar opens the appointments behind it, and the monthly PDF downloads and renders.
Screenshots (each chart, the drill-down, the PDF's first pages) go to artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from dashboard.figures import FIGURE_RESOURCES
from tests.browser.conftest import SCREENSHOTS
from tests.conftest import PASSWORD
from tests.dashboard.conftest import build_dashboard_rows

pytestmark = pytest.mark.browser
SHANGHAI = ZoneInfo("Asia/Shanghai")

# Non-blank pixels of a chart's canvas (ECharts draws on a transparent canvas).
PAINTED = """(el) => {
  const canvas = el.querySelector('canvas');
  if (!canvas) return 0;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
  return painted;
}"""

# The pixel of the middle of bar j of series i, from ECharts' own layout of the drawn bar.
BAR_PIXEL = """(el, [i, j]) => {
  const chart = echarts.getInstanceByDom(el);
  const bar = chart.getModel().getSeriesByIndex(i).getData().getItemLayout(j);
  return [bar.x + bar.width / 2, bar.y + bar.height / 2];
}"""


def test_the_commission_sees_every_chart_drills_into_a_bar_and_downloads_the_monthly_pdf(
    world, browser_page, screenshot, time_machine
):
    time_machine.move_to(dt.datetime(2026, 11, 25, 10, tzinfo=SHANGHAI))
    build_dashboard_rows(world)
    page = browser_page
    page.goto("/login/")
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto("/dashboard/")
    expect(page.get_by_role("heading", name="统计看板")).to_be_visible()

    for key in FIGURE_RESOURCES:
        chart = page.locator(f"#chart-{key}")
        expect(chart).to_have_attribute("data-drawn", "1")
        assert chart.evaluate(PAINTED) > 500, key
        chart.screenshot(path=str(SCREENSHOTS / f"dashboard-chart-{key}.png"))
    screenshot("dashboard-01-commission")

    # The hospital's grade-8 quota of 1 holds 3 appointments: its 已聘 bar is red; click it.
    quota = page.locator("#chart-quota_use")
    categories = page.evaluate(
        "() => JSON.parse(document.getElementById('dashboard-data').textContent)"
        ".find(f => f.key === 'quota_use').categories"
    )
    j = next(i for i, c in enumerate(categories) if c == "策勒县人民医院·8级")
    quota.scroll_into_view_if_needed()
    x, y = quota.evaluate(BAR_PIXEL, [1, j])
    box = quota.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    expect(page.get_by_role("heading", name="2026年占用岗位的聘任")).to_be_visible()
    rows = page.get_by_role("table", name="2026年占用岗位的聘任").locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator(".pager-info")).to_contain_text("共 3 条")
    screenshot("dashboard-02-drill-quota")

    # The monthly PDF with its charts.
    page.goto("/dashboard/")
    with page.expect_download() as info:
        page.get_by_role("link", name="月度报告 PDF").click()
    download = info.value
    assert download.suggested_filename == "策勒县2026-11月度人事统计报告.pdf"
    pdf = SCREENSHOTS / "dashboard-monthly-report.pdf"
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm") is None:
        pytest.skip("未安装 pdftoppm，无法把 PDF 渲染为图片检查。")
    subprocess.run(  # noqa: S603
        ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "2", str(pdf), str(SCREENSHOTS / "dashboard-report")],  # noqa: S607
        check=True,
    )
    assert (SCREENSHOTS / "dashboard-report-1.png").stat().st_size > 20_000


def test_the_commission_sees_the_grassroots_indicators_and_their_trend(world, browser_page, screenshot, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 25, 10, tzinfo=SHANGHAI))
    build_dashboard_rows(world)
    page = browser_page
    page.goto("/login/")
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto("/dashboard/")
    page.get_by_role("link", name="强基指标").click()
    expect(page.get_by_role("heading", name="基层卫生人才强基指标")).to_be_visible()
    trend = page.locator("#chart-trend")
    expect(trend).to_have_attribute("data-drawn", "1")
    assert trend.evaluate(PAINTED) > 500
    row = page.get_by_role("table", name="各乡镇指标").get_by_role("row", name=re.compile("策勒乡卫生院"))
    expect(row).to_contain_text("20000")
    expect(row).to_contain_text("2.00")  # 4 workers per 20,000 residents, against 35
    screenshot("dashboard-03-indicators")
    row.get_by_role("link", name="4").click()
    expect(page.get_by_role("heading", name="在岗基层卫生人员")).to_be_visible()
    expect(page.locator(".pager-info")).to_contain_text("共 4 条")
