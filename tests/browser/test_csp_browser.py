"""The Content-Security-Policy in Chromium: the main pages (dashboard with its charts, staff list,
roster upload and a roster import's live progress, score sheet, scheme editor, case page, progress
sheet) raise no `securitypolicyviolation` event and no console error, and their scripts still work:
the charts paint, the scheme editor's 添加考核项目 adds a row, the sheet's department select submits,
the roster progress polls and reloads.  Screenshots go to artifacts/screenshots/csp-*.png."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from playwright.sync_api import expect

from personnel.models import RosterImport
from tests.dashboard.conftest import build_dashboard_rows
from tests.security import conftest as security_fixtures

pytestmark = pytest.mark.browser
rich_world = security_fixtures.rich_world  # the crawl's data: a scheme, a month, a case, a round
SHANGHAI = ZoneInfo("Asia/Shanghai")

LISTEN = """(() => {
  window.__violations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
  });
})();"""
PAINTED = """(el) => {
  const canvas = el.querySelector('canvas');
  if (!canvas) return 0;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
  return painted;
}"""


def _sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


@pytest.fixture
def watched(browser_page):
    """The page with a violation listener installed before any script runs, and console errors kept."""
    errors: list[str] = []
    browser_page.add_init_script(LISTEN)
    browser_page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    browser_page.on("pageerror", lambda e: errors.append(str(e)))
    return browser_page, errors


def _violations(page) -> list[str]:
    found = page.evaluate("() => window.__violations")
    assert isinstance(found, list), "the violation listener is not installed on this page"
    return found


def test_the_main_pages_raise_no_policy_violation_and_their_scripts_work(
    rich_world, watched, live_server, screenshot, time_machine
):
    time_machine.move_to(dt.datetime(2026, 11, 25, 10, tzinfo=SHANGHAI), tick=True)
    build_dashboard_rows(rich_world)
    page, errors = watched
    _sign_in(page, live_server, rich_world.users["commission_admin"])
    from assessments.models import AssessmentPeriod, Scheme

    scheme = Scheme.objects.filter(region=rich_world.region).first()
    period = AssessmentPeriod.objects.filter(region=rich_world.region).first()
    seen = {}

    # Dashboard: every chart paints.
    page.goto("/dashboard/")
    charts = page.locator("[id^=chart-]")
    expect(charts.first).to_be_visible()
    for i in range(charts.count()):
        expect(charts.nth(i)).to_have_attribute("data-drawn", "1")
    painted = [charts.nth(i).evaluate(PAINTED) for i in range(charts.count())]
    assert painted and all(p > 0 for p in painted), painted
    screenshot("csp-01-dashboard")
    seen["dashboard"] = _violations(page)

    page.goto("/staff/")
    expect(page.locator("main")).to_contain_text("王芳")
    seen["staff list"] = _violations(page)

    page.goto("/roster/")
    expect(page.locator("input[type=file]")).to_be_visible()
    screenshot("csp-02-roster-upload")
    seen["roster upload"] = _violations(page)

    # Scheme editor: 添加考核项目 adds a row (static/js/scheme_rows.js).
    page.goto(f"/assessments/schemes/{scheme.pk}/")
    page.locator("a[data-opens=revise]").click()  # static/js/behaviours.js opens the editor
    expect(page.locator("#revise")).to_have_attribute("open", "")
    rows = page.locator("#item-rows tbody tr")
    before = rows.count()
    page.get_by_role("button", name="添加考核项目").click()
    expect(rows).to_have_count(before + 1)
    page.locator(f'input[name="items-{before}-max_points"]').fill("10")
    expect(page.locator("#weighted-total")).not_to_have_text("")
    screenshot("csp-03-scheme-editor")
    seen["scheme editor"] = _violations(page)

    # Score sheet: choosing a department submits the form (data-autosubmit, app.js).
    page.goto(f"/assessments/periods/{period.pk}/sheet/")
    select = page.locator("select#department")
    if select.count():
        option = select.locator("option").nth(select.locator("option").count() - 1).get_attribute("value")
        with page.expect_navigation():
            select.select_option(option)
        assert f"department={option}" in page.url
    screenshot("csp-04-score-sheet")
    seen["score sheet"] = _violations(page)

    page.goto("/assessments/progress/")
    with page.expect_navigation():
        page.locator("input#month").fill("2026-03")  # its change event submits (static/js/behaviours.js)
    page.wait_for_load_state()
    assert "month=2026-03" in page.url
    seen["progress sheet"] = _violations(page)

    page.goto(f"/demotions/{rich_world.case.pk}/")
    expect(page.locator("main")).to_contain_text("赵敏")
    screenshot("csp-05-case")
    seen["case page"] = _violations(page)

    # A roster import in progress: static/js/roster_progress.js polls, then reloads when it ends.
    record = RosterImport.objects.create(
        file_name="big.xlsx",
        source="web",
        status=RosterImport.Status.RUNNING,
        total_rows=10,
        dry_run=True,
        created_by=rich_world.users["commission_admin"],
        institution=rich_world.commission,
    )
    page.goto(f"/roster/{record.pk}/")
    expect(page.locator("#roster-progress")).to_be_visible()
    RosterImport.objects.filter(pk=record.pk).update(status=RosterImport.Status.FAILED, message="测试结束")
    expect(page.locator("#roster-file-error")).to_contain_text("测试结束", timeout=8000)
    seen["roster progress"] = _violations(page)

    print("\nviolations per page:", seen)
    assert {name: v for name, v in seen.items() if v} == {}
    assert [e for e in errors if "favicon" not in e] == []

    # The listener does hear a violation: an inline script added to the page is blocked and reported.
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1'; document.body.append(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__ran") is None
    assert any(v.startswith("script-src") for v in _violations(page)), _violations(page)
