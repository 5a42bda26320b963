"""The phone page (手机查看排队进度) in a real Chromium at phone size against real server processes: the
visitor sees their place and estimate, is warned near the front, is told where to go within a second of the
call, understands finished states, and the page comes back by itself after the server went away."""

from __future__ import annotations

import math
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect

from tests.server_process import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.process]

ADMIN = {"Authorization": "Bearer supervisor-secret"}
PHONE: ViewportSize = {"width": 390, "height": 844}
RECONNECT_S = 10


def call_next(server: ServerProcess, window: int, expected: str) -> None:
    ticket = server.act(window, hall="demo")["ticket"]
    assert ticket is not None and ticket["number"] == expected


def estimate(server: ServerProcess, code: str, ahead: int) -> int:
    """What the hall's own figures say the wait is: minutes per visitor over the open windows serving it."""
    hall = httpx2.get(f"{server.url}/api/halls/demo").json()
    minutes: int = next(c["minutes"] for c in hall["categories"] if c["code"] == code)
    # a reserve window (后台力量) serves nobody until a back-office clerk opens it for a line
    serving = sum(
        1
        for w in hall["windows"]
        if code in w["services"] and w["state"] != "paused" and not (w["reserve"] and not w["switched_to"])
    )
    return math.ceil(ahead * minutes / serving)


class Phone:
    """A visitor's phone showing their ticket page."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.number = page.locator("#number")
        self.category = page.locator("#category")
        self.state = page.locator("#state")
        self.ahead = page.locator("#ahead")
        self.wait = page.locator("#wait")
        self.near = page.locator("#near")
        self.called = page.locator("#called")
        self.called_text = page.locator("#called-text")
        self.final = page.locator("#final")
        self.offline = page.locator("#offline")
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def open(self, server: ServerProcess, ticket_id: str, query: str = "") -> Phone:
        self.page.goto(f"{server.url}/t/{ticket_id}{query}")
        return self

    def shot(self, artifacts: Path, name: str) -> None:
        self.page.screenshot(path=artifacts / name)

    def visible(self, locator: Locator, text: str, timeout: float = 1000) -> None:
        expect(locator).to_be_visible(timeout=timeout)
        expect(locator).to_contain_text(text, timeout=timeout)


@pytest.fixture
def phone(browser: Browser) -> Iterator[Phone]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN")
    shown = Phone(context.new_page())
    yield shown
    context.close()
    assert shown.errors == [], "the page raised errors"


def test_from_waiting_to_near_the_front_to_called_to_served(
    phone: Phone, live_server: ServerProcess, artifacts: Path
) -> None:
    tickets = [live_server.take("A", hall="demo") for _ in range(5)]
    mine = tickets[-1]
    phone.open(live_server, mine["id"])
    expect(phone.number).to_have_text("A005")
    expect(phone.category).to_have_text("公安户政")
    expect(phone.state).to_have_text("等候中")
    expect(phone.ahead).to_have_text("4 人")
    expect(phone.wait).to_have_text(f"约 {estimate(live_server, 'A', 4)} 分钟")
    expect(phone.near).to_be_hidden()
    expect(phone.called).to_be_hidden()
    phone.shot(artifacts, "phone-waiting.png")

    call_next(live_server, 1, "A001")
    expect(phone.ahead).to_have_text("3 人", timeout=1000)
    phone.visible(phone.near, "即将轮到您，请留意叫号")
    expect(phone.wait).to_have_text(f"约 {estimate(live_server, 'A', 3)} 分钟")
    phone.shot(artifacts, "phone-near-front.png")

    call_next(live_server, 2, "A002")
    call_next(live_server, 3, "A003")
    call_next(live_server, 1, "A004")
    expect(phone.ahead).to_have_text("0 人", timeout=1000)
    phone.visible(phone.near, "下一位就是您")

    call_next(live_server, 2, "A005")
    phone.visible(phone.called_text, "请到 2 号窗口办理")
    expect(phone.page.locator("#called-number")).to_have_text("A005")
    expect(phone.page).to_have_title("A005 · 请到 2 号窗口")
    phone.shot(artifacts, "phone-called.png")

    live_server.act(2, "recall", hall="demo")
    phone.visible(phone.page.locator("#called-recall"), "再次呼叫")

    live_server.act(2, "complete", hall="demo")
    phone.visible(phone.final, "业务已办结")
    expect(phone.called).to_be_hidden()
    expect(phone.state).to_have_text("已办结")
    phone.shot(artifacts, "phone-served.png")


def test_a_missed_call_is_explained_and_rejoining_the_line_shows(phone: Phone, live_server: ServerProcess) -> None:
    ticket = live_server.take("B", hall="demo")
    phone.open(live_server, ticket["id"])
    expect(phone.ahead).to_have_text("0 人")

    call_next(live_server, 4, "B001")
    phone.visible(phone.called_text, "请到 4 号窗口办理")
    live_server.act(4, "skip", hall="demo")
    phone.visible(phone.final, "您的号码已过号")
    expect(phone.final).to_contain_text("可重新排队")
    expect(phone.state).to_have_text("已过号")
    expect(phone.called).to_be_hidden()

    requeued = httpx2.post(f"{live_server.url}/api/tickets/{ticket['id']}/requeue", headers=ADMIN)
    assert requeued.status_code == 200, requeued.text
    expect(phone.state).to_have_text("等候中", timeout=1000)
    expect(phone.final).to_be_hidden()


def test_a_transfer_keeps_the_visitor_informed(phone: Phone, live_server: ServerProcess) -> None:
    ticket = live_server.take("A", hall="demo")
    phone.open(live_server, ticket["id"])
    call_next(live_server, 1, "A001")
    phone.visible(phone.called_text, "请到 1 号窗口办理")

    live_server.act(1, "transfer", hall="demo", body={"service": "B"})
    expect(phone.called).to_be_hidden(timeout=1000)
    expect(phone.category).to_have_text("社保")
    expect(phone.number).to_have_text("A001")
    phone.visible(phone.page.locator("#transferred"), "从「公安户政」转到「社保」")


def test_the_estimate_follows_paused_windows(phone: Phone, live_server: ServerProcess) -> None:
    live_server.take("G", hall="demo")
    ticket = live_server.take("G", hall="demo")  # G is served at windows 6 and 13
    phone.open(live_server, ticket["id"])
    expect(phone.wait).to_have_text(f"约 {estimate(live_server, 'G', 1)} 分钟")

    live_server.act(6, "pause", hall="demo")
    expect(phone.wait).to_have_text(f"约 {estimate(live_server, 'G', 1)} 分钟", timeout=1000)
    live_server.act(13, "pause", hall="demo")
    expect(phone.wait).to_have_text("暂无法估计", timeout=1000)
    live_server.act(13, "resume", hall="demo")
    expect(phone.wait).to_have_text(f"约 {estimate(live_server, 'G', 1)} 分钟", timeout=1000)


def test_unknown_tickets_get_a_clear_message(phone: Phone, live_server: ServerProcess, artifacts: Path) -> None:
    for made_up in ("demo.no-such-ticket", "nowhere.abc", "garbage"):
        answer = httpx2.get(f"{live_server.url}/t/{made_up}")
        assert answer.status_code == 404
        assert "找不到这张排队号" in answer.text
    phone.open(live_server, "demo.no-such-ticket")
    expect(phone.page.locator("#unknown")).to_be_visible()
    expect(phone.page.locator("#unknown")).to_contain_text("请检查链接是否完整")
    phone.shot(artifacts, "phone-unknown.png")
    phone.open(live_server, "demo.no-such-ticket", "?lang=en")
    expect(phone.page.locator("#unknown")).to_contain_text("We cannot find this ticket")


def test_english_page(phone: Phone, live_server: ServerProcess, artifacts: Path) -> None:
    live_server.take("E", hall="demo")
    ticket = live_server.take("E", hall="demo")
    phone.open(live_server, ticket["id"], "?lang=en")
    expect(phone.category).to_have_text("Exit & entry")
    expect(phone.state).to_have_text("Waiting")
    expect(phone.ahead).to_have_text("1")
    phone.visible(phone.near, "Almost your turn")

    call_next(live_server, 3, "E001")
    call_next(live_server, 3, "E002")
    phone.visible(phone.called_text, "Please go to window 3")
    expect(phone.page.locator("#called-sub")).to_have_text("请到 3 号窗口办理")
    phone.shot(artifacts, "phone-called-en.png")


def test_the_phone_comes_back_by_itself_after_the_server_went_away(
    phone: Phone, live_server: ServerProcess, redis_url: str, tmp_path: Path
) -> None:
    ticket = live_server.take("G", hall="demo")
    phone.open(live_server, ticket["id"])
    expect(phone.state).to_have_text("等候中")
    expect(phone.offline).to_be_hidden()

    with ServerProcess(tmp_path / "other", redis_url=redis_url) as other:
        other.ready()
        live_server.stop(signal.SIGKILL)  # a crash: the hall screen's tests cover a graceful stop
        phone.visible(phone.offline, "连接中断，正在重连…", timeout=RECONNECT_S * 1000)
        call_next(other, 13, "G001")  # while this phone cannot hear about it

        with ServerProcess(tmp_path / "again", redis_url=redis_url, port=live_server.port) as again:
            again.ready()
            expect(phone.offline).to_be_hidden(timeout=RECONNECT_S * 1000)
            phone.visible(phone.called_text, "请到 13 号窗口办理")


def serve(server: ServerProcess, service: str, window: int) -> dict[str, Any]:
    """A ticket taken and served at ``window`` with the supervisors' token."""
    ticket = server.take(service, hall="demo")
    call_next(server, window, ticket["number"])
    server.act(window, "complete", hall="demo")
    return ticket


def test_a_served_visitor_rates_the_service_and_is_thanked(
    phone: Phone, live_server: ServerProcess, artifacts: Path
) -> None:
    ticket = serve(live_server, "A", 1)
    # A link without the ticket's key (shared, or made from the id every hall screen shows) offers no rating.
    phone.open(live_server, ticket["id"])
    expect(phone.state).to_have_text("已办结")
    expect(phone.page.locator("#rating")).to_be_hidden()
    phone.open(live_server, ticket["id"], f"?k={ticket['key']}")  # the ticket's own QR code
    rating = phone.page.locator("#rating")
    phone.visible(rating, "请您对本次服务进行评价")
    levels = rating.locator(".level")
    expect(levels).to_have_text(["非常满意", "满意", "基本满意", "不满意", "非常不满意"])
    phone.shot(artifacts, "phone-rating.png")

    levels.filter(has_text="非常不满意").click()
    phone.visible(phone.page.locator("#rating-reasons"), "等待时间长")
    phone.page.locator("#rating-submit").click()
    phone.visible(phone.page.locator("#rating-error"), "请至少选择一项原因")
    phone.page.get_by_label("一次性告知不到位").check()
    phone.page.locator("#rating-comment").fill("材料清单没有一次说清楚")
    phone.shot(artifacts, "phone-rating-poor.png")
    phone.page.locator("#rating-submit").click()
    phone.visible(phone.page.locator("#rating-thanks"), "感谢您的评价")
    expect(phone.page.locator("#rating-given")).to_have_text("您的评价：「非常不满意」。")
    expect(phone.page.locator("#rating-form")).to_be_hidden()
    phone.shot(artifacts, "phone-rating-thanks.png")

    cases = httpx2.get(f"{live_server.url}/api/halls/demo/rating-cases", headers=ADMIN).json()
    assert [(c["number"], c["reasons"], c["comment"]) for c in cases] == [
        (ticket["number"], ["not_told_once"], "材料清单没有一次说清楚")
    ]
    phone.open(live_server, ticket["id"], f"?k={ticket['key']}")  # come back later: thanked, not asked again
    phone.visible(phone.page.locator("#rating-thanks"), "感谢您的评价")
    expect(phone.page.locator("#rating-form")).to_be_hidden()


def test_the_rating_in_english(phone: Phone, live_server: ServerProcess, artifacts: Path) -> None:
    ticket = serve(live_server, "A", 2)
    phone.open(live_server, ticket["id"], f"?lang=en&k={ticket['key']}")
    phone.visible(phone.page.locator("#rating"), "Please rate the service you received")
    phone.page.locator("#rating .level", has_text="Fairly satisfied").click()
    expect(phone.page.locator("#rating-reasons")).to_be_hidden()
    phone.shot(artifacts, "phone-rating-en.png")
    phone.page.locator("#rating-submit").click()
    phone.visible(phone.page.locator("#rating-thanks"), "Thank you for your rating")
    expect(phone.page.locator("#rating-given")).to_have_text("You rated it “Fairly satisfied”.")
    phone.shot(artifacts, "phone-rating-thanks-en.png")
    waiting = live_server.take("A", hall="demo")
    phone.open(live_server, waiting["id"], f"?lang=en&k={waiting['key']}")
    expect(phone.state).to_have_text("Waiting")
    expect(phone.page.locator("#rating")).to_be_hidden()
