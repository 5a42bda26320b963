"""The city overview page (全市大厅概览) as a city supervisor uses it, in a real Chromium against a real server: sign
in with the admin token, see the halls in needs-help order, watch a hall's numbers change on the next refresh,
switch to English, read it on a 1366×768 monitor and a phone, and see it say so when the server is gone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.server_process import ServerProcess

FULL_HD: ViewportSize = {"width": 1920, "height": 1080}
LAPTOP: ViewportSize = {"width": 1366, "height": 768}
PHONE: ViewportSize = {"width": 412, "height": 915}
REFRESH_MS = 20_000  # the page polls every 5 s; this leaves room for a slow machine

pytestmark = [pytest.mark.browser, pytest.mark.process]


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=FULL_HD, locale="zh-CN")
    shown = context.new_page()
    errors: list[str] = []
    shown.on("pageerror", lambda error: errors.append(str(error)))
    yield shown
    context.close()
    assert errors == [], "the page raised errors"


def test_a_city_supervisor_sees_who_needs_help_and_it_refreshes(
    page: Page, live_server: ServerProcess, artifacts: Path
) -> None:
    for _ in range(2):
        live_server.take("A", hall="demo")  # two wait in demo and nobody is at a window there
    page.goto(f"{live_server.url}/city")
    expect(page.locator("h1")).to_contain_text("全市大厅概览")
    page.fill("#token", "not-the-token")
    page.click("#token-button")
    expect(page.locator("#sign-in-error")).to_have_text(
        "只有全市值班长（管理员令牌 QUEUE_ADMIN_TOKEN）可以查看全市概览。"
    )
    page.fill("#token", "supervisor-secret")
    page.click("#token-button")

    rows = page.locator("#hall-rows tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_attribute("data-hall", "demo")  # people wait at no open window: on top
    expect(rows.nth(1)).to_have_attribute("data-hall", "allday")
    demo = page.locator('#hall-rows tr[data-hall="demo"]')
    expect(demo.locator(".waiting")).to_have_text("2")
    expect(demo.locator(".state .badge")).to_have_text("营业中")
    expect(demo.locator(".windows-open")).to_have_text("0 / 16")
    expect(demo).to_have_class(re.compile(r"\bover-target\b"))
    expect(demo.locator(".name a")).to_have_attribute("href", "/supervise/demo")
    expect(page.locator("#updated")).to_have_text(re.compile(r"^更新于 \d\d:\d\d:\d\d$"))
    expect(page.locator("#summary")).to_have_text("共 2 个大厅 · 2 人等候 · 1 个大厅超出服务目标")
    page.screenshot(path=str(artifacts / "city-zh.png"), full_page=True)

    # a visitor takes a ticket: the next refresh shows it, without reloading the page
    live_server.take("A", hall="demo")
    expect(demo.locator(".waiting")).to_have_text("3", timeout=REFRESH_MS)
    expect(page.locator("#summary")).to_contain_text("3 人等候")

    # the English switch keeps the tab's sign-in
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_contain_text("City overview")
    expect(demo.locator(".state .badge")).to_have_text("Open")
    expect(page.locator("#updated")).to_have_text(re.compile(r"^Updated \d\d:\d\d:\d\d$"))
    page.set_viewport_size(LAPTOP)
    expect(demo.locator(".waiting")).to_have_text("3")
    # every column fits a 1366-pixel monitor: nothing to scroll sideways
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(artifacts / "city-en-1366.png"), full_page=True)
    page.set_viewport_size(PHONE)
    expect(page.locator("#halls thead")).to_be_hidden()  # cards, each figure labelled
    expect(demo.locator(".waiting")).to_be_visible()
    page.screenshot(path=str(artifacts / "city-en-phone.png"), full_page=True)
    page.set_viewport_size(FULL_HD)

    # the server goes away: the page says so and keeps the last figures
    live_server.stop()
    offline = page.locator("#offline")
    expect(offline).to_be_visible(timeout=REFRESH_MS)
    expect(offline).to_contain_text("Cannot reach the server")
    expect(demo.locator(".waiting")).to_have_text("3")
    page.screenshot(path=str(artifacts / "city-offline-en.png"))
