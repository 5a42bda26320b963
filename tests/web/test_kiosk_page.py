"""The kiosk page (取号机) in a real Chromium against a real server: take a ticket, see it, print it."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
import segno
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.server_process import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.process]

PORTRAIT: ViewportSize = {"width": 1080, "height": 1920}
LANDSCAPE: ViewportSize = {"width": 1920, "height": 1080}


@pytest.fixture
def kiosk(browser: Browser, live_server: ServerProcess) -> Iterator[Page]:
    """The demo hall's kiosk in portrait, once it shows live waiting counts."""
    page = browser.new_page(viewport=PORTRAIT)
    page.goto(f"{live_server.url}/kiosk/demo")
    expect(count_of(page, "A")).to_have_text("0")
    yield page
    page.close()


def count_of(page: Page, code: str) -> Any:
    return page.locator(f'.category[data-code="{code}"] .count')


def snapshot(server: ServerProcess) -> dict[str, Any]:
    data: dict[str, Any] = httpx2.get(f"{server.url}/api/halls/demo").json()
    return data


def waiting(server: ServerProcess, code: str) -> int:
    return next(int(c["waiting"]) for c in snapshot(server)["categories"] if c["code"] == code)


def test_a_double_tap_gives_one_ticket_with_its_wait_and_a_qr_code(
    kiosk: Page, live_server: ServerProcess, artifacts: Path
) -> None:
    for _ in range(3):
        live_server.take("A", hall="demo")
    expect(count_of(kiosk, "A")).to_have_text("3")
    hall = snapshot(live_server)
    serving_a = sum(1 for w in hall["windows"] if "A" in w["services"] and w["state"] != "paused")
    minutes_a = next(c["minutes"] for c in hall["categories"] if c["code"] == "A")

    kiosk.locator('.category[data-code="A"]').dblclick()

    expect(kiosk.locator("#ticket-number")).to_have_text("A004")
    expect(kiosk.locator("#ticket-category")).to_contain_text("公安户政")
    expect(kiosk.locator("#ticket-ahead")).to_have_text("3 人")
    expect(kiosk.locator("#ticket-wait")).to_have_text(f"约 {math.ceil(3 * minutes_a / serving_a)} 分钟")
    qr = kiosk.locator("#ticket-qr")
    expect(qr).to_have_attribute("src", re.compile(r"^/qr/demo\.[\w-]+\.svg\?k=[\w-]+$"))
    expect(kiosk.locator("#ticket-qr")).not_to_have_js_property("naturalWidth", 0)  # the image has loaded
    kiosk.screenshot(path=artifacts / "kiosk-ticket-portrait.png")
    assert waiting(live_server, "A") == 4, "the double tap made two tickets"

    # The QR code is the server's SVG of the phone page's absolute address on the host the kiosk reached, with the
    # visitor's own key for the ticket, which only the kiosk's answer carried (their phone page may then rate).
    src = qr.get_attribute("src") or ""
    svg = httpx2.get(f"{live_server.url}{src}")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    path, _, key = src.partition(".svg?k=")
    ticket_id = path.removeprefix("/qr/")
    assert httpx2.get(f"{live_server.url}/api/tickets/{ticket_id}").json()["number"] == "A004"
    expected = io.BytesIO()
    phone_page = f"{live_server.url}/t/{ticket_id}?k={key}"
    segno.make(phone_page, error="m").save(expected, kind="svg", omitsize=True, xmldecl=False)
    assert svg.content == expected.getvalue()

    kiosk.get_by_role("button", name="完成").click()
    expect(kiosk.locator(".category").first).to_be_visible()
    expect(count_of(kiosk, "A")).to_have_text("4")


def test_a_qr_code_for_an_unknown_ticket_is_not_found(live_server: ServerProcess) -> None:
    assert httpx2.get(f"{live_server.url}/qr/demo.not-a-ticket.svg").status_code == 404
    assert httpx2.get(f"{live_server.url}/qr/nohall.abc.svg").status_code == 404


def test_waiting_counts_follow_tickets_taken_and_called_elsewhere(kiosk: Page, live_server: ServerProcess) -> None:
    live_server.take("B", hall="demo")
    live_server.take("B", hall="demo")
    expect(count_of(kiosk, "B")).to_have_text("2")
    called = live_server.act(4, hall="demo")
    assert called["ticket"]["number"] == "B001"
    expect(count_of(kiosk, "B")).to_have_text("1")
    expect(count_of(kiosk, "A")).to_have_text("0")


def test_no_estimate_when_every_window_of_the_category_is_paused(kiosk: Page, live_server: ServerProcess) -> None:
    serving_g = [w["number"] for w in snapshot(live_server)["windows"] if "G" in w["services"]]
    for number in serving_g:
        live_server.act(number, "pause", hall="demo")
    live_server.take("G", hall="demo")
    expect(count_of(kiosk, "G")).to_have_text("1")

    kiosk.locator('.category[data-code="G"]').click()

    expect(kiosk.locator("#ticket-number")).to_have_text("G002")
    expect(kiosk.locator("#ticket-wait")).to_have_text("暂无窗口办理")


def test_the_printed_ticket_fits_an_80_mm_receipt(kiosk: Page, live_server: ServerProcess, artifacts: Path) -> None:
    live_server.take("C", hall="demo")
    kiosk.locator('.category[data-code="C"]').click()
    expect(kiosk.locator("#ticket-number")).to_have_text("C002")
    expect(kiosk.locator("#p-qr")).not_to_have_js_property("naturalWidth", 0)  # the image has loaded

    kiosk.set_viewport_size({"width": 302, "height": 600})  # 80 mm at 96 px per inch
    kiosk.emulate_media(media="print")

    printed = kiosk.locator("#print-ticket")
    expect(printed).to_be_visible()
    expect(kiosk.locator("#choose")).to_be_hidden()
    expect(kiosk.locator("#ticket")).to_be_hidden()
    expect(printed).to_contain_text("滨江区政务服务中心")
    expect(kiosk.locator("#p-number")).to_have_text("C002")
    expect(kiosk.locator("#p-ahead")).to_have_text("前面还有 1 人")
    expect(kiosk.locator("#p-time")).to_have_text(re.compile(r"^取号时间 \d{4}-\d\d-\d\d \d\d:\d\d$"))
    box = printed.bounding_box()
    assert box is not None and box["width"] <= 303, box
    kiosk.screenshot(path=artifacts / "kiosk-print-80mm.png", full_page=True)


def test_landscape_and_english(browser: Browser, live_server: ServerProcess, artifacts: Path) -> None:
    page = browser.new_page(viewport=LANDSCAPE)
    page.goto(f"{live_server.url}/kiosk/demo?lang=en")
    expect(page.locator("#choose-title")).to_contain_text("Choose a service")
    expect(count_of(page, "F")).to_have_text("0")
    page.screenshot(path=artifacts / "kiosk-buttons-landscape-en.png")
    buttons = page.locator(".category")
    for i in range(buttons.count()):
        box = buttons.nth(i).bounding_box()
        assert box is not None and box["height"] >= 120 and box["y"] + box["height"] <= 1080, box

    page.locator('.category[data-code="F"]').click()
    expect(page.locator("#ticket-number")).to_have_text("F001")
    expect(page.locator("#ticket-wait")).to_have_text("You are next")
    expect(page.get_by_role("button", name="Done")).to_be_in_viewport()
    page.screenshot(path=artifacts / "kiosk-ticket-landscape-en.png")
    page.close()


def test_portrait_buttons(kiosk: Page, artifacts: Path) -> None:
    kiosk.screenshot(path=artifacts / "kiosk-buttons-portrait.png")
    last = kiosk.locator(".category").last.bounding_box()
    assert last is not None and last["y"] + last["height"] <= 1920, last


def test_an_unreachable_server_is_said_plainly(kiosk: Page, live_server: ServerProcess, artifacts: Path) -> None:
    live_server.stop()
    expect(kiosk.locator("#feed-status")).to_contain_text("连接中断")
    kiosk.locator('.category[data-code="D"]').click()
    expect(kiosk.locator("#error-text")).to_contain_text("无法连接取号服务器", timeout=15_000)
    expect(kiosk.get_by_role("button", name="重试")).to_be_visible()
    kiosk.screenshot(path=artifacts / "kiosk-error.png")


def test_an_unknown_hall_is_a_plain_404_page(live_server: ServerProcess) -> None:
    answer = httpx2.get(f"{live_server.url}/kiosk/nowhere")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "No such hall" in answer.text


def test_the_kiosk_returns_to_the_buttons_by_itself(browser: Browser, live_server: ServerProcess) -> None:
    page = browser.new_page(viewport=PORTRAIT)
    page.clock.install()  # the page's own timers, moved on by the test instead of waited for
    page.goto(f"{live_server.url}/kiosk/demo")
    expect(count_of(page, "E")).to_have_text("0")
    page.locator('.category[data-code="E"]').click()
    expect(page.locator("#ticket-number")).to_have_text("E001")
    expect(page.locator("#ticket-countdown")).to_have_text("20 秒后自动返回")

    page.clock.run_for("00:19")
    expect(page.locator("#ticket-countdown")).to_have_text("1 秒后自动返回")
    page.clock.run_for("00:02")
    expect(page.locator("#choose")).to_be_visible()
    expect(count_of(page, "E")).to_have_text("1")
    page.close()
