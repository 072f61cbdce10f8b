"""Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

The live server needs a transactional database: requesting `live_server` makes the `world`
fixture's database transactional too, and `django_db_serialized_rollback` restores the data
the migrations seed (post grades) which a transactional test's flush would otherwise remove.

Order matters: Playwright's sync API runs an event loop in this thread, and from then on Django
hands this thread a different database connection object (asgiref's context-local storage).
So the browser starts per test, after the database fixtures (a test asks for its data fixtures
before `browser_page`), and stops before their teardown.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def chromium(monkeypatch):
    if not CHROMIUM.exists():
        pytest.skip("未安装 Debian 的 Chromium（/usr/bin/chromium），跳过浏览器测试。")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; Django's ORM (the test body's
    # queries) would otherwise refuse to run next to it.  Only while the browser runs.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # Close the connections the test opened beside the loop, or PostgreSQL refuses to drop
        # the test database ("being accessed by other users").
        connections.close_all()


@pytest.fixture
def browser_page(chromium, live_server, django_db_serialized_rollback):
    context = chromium.new_context(
        base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1366, "height": 860}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(browser_page):
    """`screenshot("03-staff-list")` saves the whole page to artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        browser_page.screenshot(path=str(path), full_page=True)
        return path

    return take
