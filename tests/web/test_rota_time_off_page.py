"""The rota page's time-off requests (休假与调休申请) as the 值班长 uses them, in a real Chromium against a real server:
record a 调休 request for a clerk who has duties those days, see it pending, approve it, see it approved and the grid
mark the days off with the rule the rota now breaks, and make the rota again; a last day before the first is refused
in the server's words and nothing typed is lost, in Chinese and in English; on a 1920×1080 monitor and a 1366×768
office screen."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.server_process import ServerProcess

FULL_HD: ViewportSize = {"width": 1920, "height": 1080}
OFFICE: ViewportSize = {"width": 1366, "height": 650}  # a 1366×768 screen less the taskbar and the browser's bars
MADE_S = 60  # the rota is made on the first visit: seconds on two busy cores, with room to spare
ADMIN = {"Authorization": "Bearer supervisor-secret"}
EVERY_RULE = "全部岗位有人值守，符合全部排班规则。"

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
    expect(page.locator("#status")).to_have_text(EVERY_RULE, timeout=MADE_S * 1000)


def kept_rota(server: ServerProcess) -> dict[str, Any]:
    answer: dict[str, Any] = httpx2.get(f"{server.url}/api/halls/demo/rota?month=2026-12", headers=ADMIN).json()
    return answer


def at_a_window(rota: dict[str, Any], day: str) -> tuple[str, str]:
    """A clerk the kept rota has at a window on ``day``, and how the page names them: 「王芳（w01）」."""
    username = next(p["clerk"] for p in rota["posts"] if p["date"] == day and p["clerk"] and not p["back_office"])
    clerk = next(c for c in rota["clerks"] if c["username"] == username)
    return username, f"{clerk['display_name'] or clerk['name']}（{username}）"


def test_a_supervisor_records_a_lieu_request_and_approves_it(
    page: Page, live_server: ServerProcess, artifacts: Path
) -> None:
    sign_in(page, live_server)
    username, name = at_a_window(kept_rota(live_server), "2026-12-15")
    panel = page.locator("#time-off")
    expect(panel.locator("summary")).to_contain_text("休假与调休申请")
    expect(page.locator("#time-off-count")).to_have_text("本月没有申请")
    expect(page.locator("#time-off-pending")).to_be_hidden()
    panel.locator("summary").click()
    expect(page.locator("#time-off-table tbody")).to_have_text("本月没有休假或调休申请。")

    # 调休 for the 15th and 16th, not yet approved
    page.select_option("#time-off-clerk", username)
    page.fill("#time-off-first", "2026-12-15")
    page.fill("#time-off-last", "2026-12-16")
    page.check("#time-off-kind-lieu")
    page.fill("#time-off-note", "11月加班调休")
    expect(page.locator("#time-off-approved")).not_to_be_checked()
    page.click("#time-off-save")
    expect(page.locator("#time-off-said")).to_have_text(f"已登记：{name}，12-15 至 12-16（2 天），调休，待批准。")
    row = page.locator(f'#time-off-table tr[data-clerk="{username}"]')
    expect(row).to_have_class(re.compile(r"\bpending\b"))
    expect(row.locator("th")).to_have_text(name)
    expect(row.locator("td.days")).to_have_text("12-15 至 12-16（2 天）")
    expect(row.locator("td.kind")).to_have_text("调休")
    expect(row.locator("td.note")).to_have_text("11月加班调休")
    expect(row.locator(".badge")).to_have_text("待批准")
    expect(page.locator("#time-off-count")).to_have_text("本月 1 条，1 条待批准")
    expect(page.locator("#time-off-pending")).to_have_text("1 条休假申请待批准")  # in the toolbar, above the grid
    cell = page.locator(f'#grid tr[data-clerk="{username}"] td[data-date="2026-12-15"]')
    expect(cell.locator(".leave")).to_have_count(0)  # pending: the rota need not keep it
    expect(cell.locator(".duty").first).to_be_visible()
    page.screenshot(path=str(artifacts / "rota-time-off-pending-zh.png"), full_page=True)

    # Approved: the grid marks the days off, the rota now breaks a rule, and the page says to make it again
    row.locator("button.approve").click()
    expect(row.locator(".badge")).to_have_text("已批准")
    expect(row.locator("td.state")).to_contain_text("批准人 boss")
    expect(row.locator("button.approve")).to_have_count(0)
    said = page.locator("#time-off-said")
    expect(said).to_contain_text(f"已批准：{name}，12-15 至 12-16（2 天），调休。")
    expect(said).to_contain_text("排班须重新生成或手工修改，才能遵守这次调休。")
    expect(said).to_contain_text("调休结余")
    expect(page.locator("#time-off-count")).to_have_text("本月 1 条")
    expect(page.locator("#time-off-pending")).to_be_hidden()
    expect(cell.locator(".leave")).to_have_text("休")
    expect(page.locator("#violations")).to_contain_text(f"（{username}） 12月15日 已批准休假，不能排班。")
    expect(page.locator("#status")).to_contain_text("违反排班规则")
    page.screenshot(path=str(artifacts / "rota-time-off-approved-zh.png"), full_page=True)

    # Made again from the panel: the clerk is off on both days
    page.click("#time-off-remake")
    expect(page.locator("#status")).not_to_have_text("正在生成排班…", timeout=MADE_S * 1000)
    expect(said).to_be_hidden()
    for day in ("2026-12-15", "2026-12-16"):
        off = page.locator(f'#grid tr[data-clerk="{username}"] td[data-date="{day}"]')
        expect(off.locator(".leave")).to_have_text("休")
        expect(off.locator(".duty")).to_have_count(0)
    expect(page.locator("#violations")).not_to_contain_text("已批准休假")
    expect(row.locator(".badge")).to_have_text("已批准")


def test_a_bad_range_is_refused_and_nothing_typed_is_lost(
    page: Page, live_server: ServerProcess, artifacts: Path
) -> None:
    page.set_viewport_size(OFFICE)
    sign_in(page, live_server)
    page.locator("#time-off > summary").click()
    expect(page.locator("#time-off-clerk option")).to_have_count(1 + len(kept_rota(live_server)["clerks"]))
    page.select_option("#time-off-clerk", "w05")
    page.fill("#time-off-first", "2026-12-20")
    page.fill("#time-off-last", "2026-12-18")
    page.check("#time-off-kind-lieu")
    page.fill("#time-off-note", "家中有事")
    page.check("#time-off-approved")
    page.click("#time-off-save")
    error = page.locator("#time-off-error")
    expect(error).to_have_text("休假申请无效：结束日期应不早于开始日期，且不超过一年。")
    expect(page.locator("#time-off-clerk")).to_have_value("w05")
    expect(page.locator("#time-off-first")).to_have_value("2026-12-20")
    expect(page.locator("#time-off-last")).to_have_value("2026-12-18")
    expect(page.locator("#time-off-kind-lieu")).to_be_checked()
    expect(page.locator("#time-off-note")).to_have_value("家中有事")
    expect(page.locator("#time-off-approved")).to_be_checked()
    expect(page.locator("#time-off-table tbody")).to_have_text("本月没有休假或调休申请。")  # nothing saved
    # the office screen: the requests beside the form, nothing wider than the window
    listed, form = page.locator(".time-off-list").bounding_box(), page.locator("#time-off-form").bounding_box()
    assert listed is not None and form is not None and listed["x"] + listed["width"] <= form["x"]
    assert page.evaluate("document.documentElement.scrollWidth") <= OFFICE["width"]
    page.locator("#time-off-form").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "rota-time-off-refused-zh-office.png"))

    # Put right, it is recorded: approved at once
    page.fill("#time-off-last", "2026-12-21")
    page.click("#time-off-save")
    expect(page.locator("#time-off-said")).to_contain_text("已登记并批准：陈静（w05），12-20 至 12-21（2 天），调休。")
    expect(error).to_be_hidden()
    expect(page.locator('#time-off-table tr[data-clerk="w05"] .badge')).to_have_text("已批准")

    # In English, still signed in: the server's words in English, and the request in English
    page.click("#lang-link")
    expect(page.locator("h1")).to_contain_text("Rota")
    expect(page.locator("#time-off > summary")).to_contain_text("Time-off requests")
    page.locator("#time-off > summary").click()
    w05 = page.locator('#time-off-table tr[data-clerk="w05"]')
    expect(w05.locator("td.kind")).to_have_text("Time off in lieu", timeout=MADE_S * 1000)
    expect(w05.locator(".badge")).to_have_text("Approved")
    page.select_option("#time-off-clerk", "w05")
    page.fill("#time-off-first", "2026-12-28")
    page.fill("#time-off-last", "2026-12-27")
    page.fill("#time-off-note", "family matters")
    page.click("#time-off-save")
    expect(error).to_have_text(
        "The time-off request is not valid: the last day is not before the first, within a year."
    )
    expect(page.locator("#time-off-note")).to_have_value("family matters")
    assert page.evaluate("document.documentElement.scrollWidth") <= OFFICE["width"]
    page.locator("#time-off-form").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "rota-time-off-en-office.png"))
