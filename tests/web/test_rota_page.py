"""The rota page (排班) as the 值班长 uses it, in a real Chromium against a real server: sign in, see December with
every duty, the fair-duty counts and the rules check, change a cell and see the rule it would break; at a desk
monitor's 1920×1080, on a 1280×800 tablet and in English."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.server_process import ServerProcess

FULL_HD: ViewportSize = {"width": 1920, "height": 1080}
TABLET: ViewportSize = {"width": 1280, "height": 800}
MADE_S = 60  # the rota is made on the first visit: seconds on two busy cores, with room to spare

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


def sign_in(page: Page, server: ServerProcess, query: str = "?month=2026-12") -> None:
    page.goto(f"{server.url}/rota/demo{query}")
    page.fill("#username", "boss")
    page.fill("#password", "tidequeue")
    page.click("#sign-in-button")


def test_a_supervisor_sees_the_month_and_a_refused_change(
    page: Page, live_server: ServerProcess, artifacts: Path
) -> None:
    sign_in(page, live_server)
    expect(page.locator("#status")).to_have_text("全部岗位有人值守，符合全部排班规则。", timeout=MADE_S * 1000)
    expect(page.locator("#month-label")).to_have_text("2026-12")
    expect(page.locator("#made")).to_contain_text("由求解器生成")
    expect(page.locator("#uncovered-card")).to_be_hidden()
    # 31 days, then the evening and weekend counts and the hours
    head = page.locator("#grid thead th")
    expect(head).to_have_count(1 + 31 + 2 + 1)
    expect(head.nth(32)).to_have_text("晚间")
    w01 = page.locator('#grid tr[data-clerk="w01"]')
    expect(w01.locator("th")).to_contain_text("王芳")
    # the ID-card night: windows 1 and 2's 18:30–20:30 are someone's, every Tuesday and Thursday, and the back office's
    tuesday = page.locator('#grid td[data-date="2026-12-01"] .duty.evening')
    expect(tuesday).to_have_count(3)
    expect(tuesday.filter(has_text="后台")).to_have_count(1)
    expect(page.locator("#grid td.count.unfair")).to_have_count(0)
    page.screenshot(path=str(artifacts / "rota-zh.png"), full_page=True)

    # Take w01's first duty away on the 3rd: the post would be open, which the server refuses.
    cell = w01.locator('td[data-date="2026-12-03"]')
    if cell.locator(".duty").count() == 0:
        cell = page.locator('#grid td[data-date="2026-12-03"]:has(.duty)').first
    cell.click()
    editor = page.locator("#editor")
    expect(editor).to_be_visible()
    checked = editor.locator("input[type=checkbox]:checked")
    expect(checked.first).to_be_visible()
    checked.first.uncheck()
    page.click("#editor-save")
    result = page.locator("#editor-result")
    expect(result).to_contain_text("未保存，违反排班规则：")
    expect(result).to_contain_text("无人值守")
    page.screenshot(path=str(artifacts / "rota-refused-zh.png"))
    page.click("#editor-close")
    expect(page.locator("#status")).to_have_text("全部岗位有人值守，符合全部排班规则。")


def test_the_tablet_and_english(browser: Browser, live_server: ServerProcess, artifacts: Path) -> None:
    context = browser.new_context(viewport=TABLET, locale="en-GB")
    page = context.new_page()
    sign_in(page, live_server, "?month=2026-12&lang=en")
    expect(page.locator("#status")).to_have_text("Every post covered; every rule kept.", timeout=MADE_S * 1000)
    expect(page.locator("h1")).to_contain_text("Rota")
    scroll = page.locator(".grid-scroll")
    assert scroll.evaluate("(e) => e.scrollWidth > e.clientWidth")  # the month scrolls sideways on a tablet
    name = page.locator('#grid tr[data-clerk="w01"] th')
    scroll.evaluate("(e) => { e.scrollLeft = e.scrollWidth; }")
    box = name.bounding_box()
    assert box is not None and 0 <= box["x"] < 200  # the clerks' names stay in view
    page.click("#month-next")
    expect(page.locator("#month-label")).to_have_text("2027-01")
    assert "month=2027-01" in page.url and "lang=en" in page.url
    expect(page.locator("#grid")).to_be_empty()  # December's duties are not shown under January's name
    # January 2027 follows December's kept rota (days in a row, the rest after the last Sunday, the week's hours)
    expect(page.locator("#status")).to_have_text("Every post covered; every rule kept.", timeout=MADE_S * 1000)
    expect(page.locator('#grid thead th[data-date="2027-01-31"]')).to_be_visible()
    page.screenshot(path=str(artifacts / "rota-en-tablet.png"))
    context.close()


def test_a_draft_is_published_and_withdrawn(page: Page, live_server: ServerProcess) -> None:
    """The month is a draft (it decides nothing) until the supervisor publishes it; withdrawing asks first."""
    sign_in(page, live_server)
    expect(page.locator("#status")).to_have_text("全部岗位有人值守，符合全部排班规则。", timeout=MADE_S * 1000)
    expect(page.locator("#published")).to_have_text("草稿：发布前不决定谁上岗。")
    expect(page.locator("#withdraw")).to_be_hidden()
    page.click("#publish")
    # published by the supervisor, at the hall's time by the server's clock
    hour = f"{live_server.move_clock(0).astimezone(ZoneInfo('Asia/Shanghai')):%Y-%m-%d %H}:"
    expect(page.locator("#published")).to_have_text(re.compile(rf"^已由 boss 于 {hour}\d\d 发布"))
    expect(page.locator("#publish")).to_be_hidden()
    page.once("dialog", lambda dialog: dialog.dismiss())  # asked, and the supervisor thinks again
    page.click("#withdraw")
    expect(page.locator("#published")).to_contain_text("已由 boss 于")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#withdraw")
    expect(page.locator("#published")).to_have_text("草稿：发布前不决定谁上岗。")
    expect(page.locator("#publish")).to_be_visible()
