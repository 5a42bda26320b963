"""The back office (后台支援) as a reserve clerk (后台力量) uses it, in a real Chromium on a 1280×800 tablet: an alert
comes in live, they accept it, and the page sends them to the reserve window with the web caller pad signed in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.server_process import ServerProcess
from tests.web.test_supervise_page import raise_alert

TABLET: ViewportSize = {"width": 1280, "height": 800}
REASON = "拥堵预警：社保预计等候 40 分钟，潮汐窗口已用尽 / congested: 40 min predicted for social insurance"


@pytest.fixture
def office(browser: Browser, live_server: ServerProcess) -> Iterator[Page]:
    context = browser.new_context(viewport=TABLET, locale="zh-CN", timezone_id="America/New_York")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/backoffice/demo")
    yield page
    context.close()
    assert errors == [], "the page raised errors"


def sign_in(page: Page, username: str = "b01") -> None:
    page.fill("#username", username)
    page.fill("#password", "tidequeue")
    page.click("#sign-in-button")


@pytest.mark.browser
@pytest.mark.process
def test_an_alert_comes_in_live_and_accepting_it_opens_the_caller_pad_at_the_window(
    office: Page, live_server: ServerProcess, redis_url: str, artifacts: Path
) -> None:
    sign_in(office, "boss")  # the 值班长 has the console, not this page
    expect(office.locator("#sign-in-error")).to_have_text("此页面仅供后台支援人员账号使用。")
    sign_in(office)
    expect(office.locator("#who-text")).to_have_text("后台一（b01）")
    expect(office.locator("#no-alerts")).to_have_text("暂无支援请求")
    expect(office.locator("#assignment")).to_be_hidden()

    raise_alert(live_server, redis_url, 15, "B", REASON)
    alert = office.locator("#alerts li")
    expect(alert).to_have_count(1)
    expect(alert.locator(".what")).to_have_text("B社保15 号窗口")
    expect(alert.locator(".reason")).to_have_text("拥堵预警：社保预计等候 40 分钟，潮汐窗口已用尽")
    expect(alert.locator(".ago")).to_have_text("刚刚")
    expect(office.locator("#no-alerts")).to_be_hidden()
    office.screenshot(path=artifacts / "backoffice-alert.png")

    alert.get_by_role("button", name="接受").click()
    expect(office.locator("#go-to")).to_have_text("请到15号窗口")
    expect(office.locator("#go-detail")).to_contain_text("办理 B 社保 · 请于")
    expect(alert.locator(".taken")).to_have_text("您已接受")
    expect(alert.get_by_role("button", name="前往窗口")).to_be_visible()  # for a page that lost its token
    snapshot = httpx2.get(f"{live_server.url}/api/halls/demo").json()
    window = next(w for w in snapshot["windows"] if w["number"] == 15)
    assert (window["switched_to"]["service"], window["clerk"]) == ("B", "孙悦")  # open for 社保, with her at it
    office.screenshot(path=artifacts / "backoffice-zh.png")

    # the caller pad opens signed in at window 15, with the token the acceptance gave
    link = office.get_by_role("link", name="打开该窗口的叫号器")
    expect(link).to_have_attribute("href", "/caller/demo?window=15")
    link.click()
    expect(office.locator("#who-text")).to_have_text("15 号窗口 · 后台一（b01）")
    live_server.take("B", hall="demo")
    office.locator('.pad-action[data-action="call-next"]').click()
    expect(office.locator("#current-number")).to_have_text("B001")


@pytest.mark.browser
@pytest.mark.process
def test_the_english_page_offers_only_alerts_within_the_clerks_skills(
    browser: Browser, live_server: ServerProcess, redis_url: str
) -> None:
    page = browser.new_page(viewport=TABLET)
    page.goto(f"{live_server.url}/backoffice/demo?lang=en")
    sign_in(page, "b02")
    expect(page.locator("#no-alerts")).to_have_text("No alert for now")
    raise_alert(live_server, redis_url, 16, "A", REASON)
    alert = page.locator("#alerts li")
    expect(alert.locator(".reason")).to_have_text("congested: 40 min predicted for social insurance")
    # 郑强 (b02) cannot serve ID cards (公安户政): the alert is not his to accept
    expect(alert.locator(".taken")).to_have_text("Not one of your categories")
    expect(alert.get_by_role("button")).to_have_count(0)
    raise_alert(live_server, redis_url, 15, "C", REASON)
    expect(page.locator("#alerts li")).to_have_count(2)
    page.locator("#alerts li").nth(1).get_by_role("button", name="Accept").click()
    expect(page.locator("#go-to")).to_have_text("Please go to window 15")
    expect(page.locator("#go-detail")).to_contain_text("Serve C Real-estate registration · be there by")
    expect(page.get_by_role("link", name="Open the caller pad at that window")).to_have_attribute(
        "href", "/caller/demo?window=15&lang=en"
    )
    page.close()
