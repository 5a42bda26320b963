"""The window screen (窗口屏) and evaluator (评价器) in a real Chromium at 1280×400 and 1280×800 against a real
server process: it names the clerk signed in there, shows the number served and the window's state, follows a
tidal switch, and after 办结 asks the visitor for a rating, then goes back by itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.server_process import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.process]

STRIP: ViewportSize = {"width": 1280, "height": 400}
TABLET: ViewportSize = {"width": 1280, "height": 800}
SUPERVISOR = {"Authorization": "Bearer supervisor-secret"}


def sign_in(server: ServerProcess, username: str, window: int) -> str:
    answer = httpx2.post(
        f"{server.url}/api/halls/demo/sign-in",
        json={"username": username, "password": "tidequeue", "window": window},
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["token"]
    return token


def sign_out(server: ServerProcess, token: str) -> None:
    answer = httpx2.post(f"{server.url}/api/halls/demo/sign-out", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text


def serve_one(server: ServerProcess, window: int, service: str) -> dict[str, Any]:
    """A visitor takes a ticket and is called to ``window``; answers the ticket."""
    server.take(service, hall="demo")
    ticket: dict[str, Any] = server.act(window, hall="demo")["ticket"]
    assert ticket is not None
    return ticket


class WindowScreen:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.clerk = page.locator("#clerk")
        self.state = page.locator("#state")
        self.ticket = page.locator("#ticket")
        self.services = page.locator("#services")
        self.question = page.locator("#rate .question")
        self.levels = page.locator("#levels button")
        self.reasons = page.locator("#reason-list button")
        self.thanks = page.locator("#thanks")

    def open(self, server: ServerProcess, window: int, query: str = "") -> WindowScreen:
        self.page.goto(f"{server.url}/window/demo/{window}{query}")
        return self

    def fits(self) -> None:
        size = self.page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
        viewport = self.page.viewport_size
        assert viewport is not None
        assert size == [viewport["width"], viewport["height"]], "the window screen scrolls"


@pytest.fixture
def opened(browser: Browser) -> Iterator[Any]:
    contexts = []

    def open_screen(viewport: ViewportSize = STRIP, locale: str = "zh-CN") -> WindowScreen:
        context = browser.new_context(viewport=viewport, locale=locale)
        contexts.append(context)
        return WindowScreen(context.new_page())

    yield open_screen
    for context in contexts:
        context.close()


def test_the_screen_names_the_clerk_and_follows_the_window(
    opened: Any, live_server: ServerProcess, artifacts: Path
) -> None:
    screen = opened().open(live_server, 3)
    expect(screen.state).to_have_text("空闲")
    expect(screen.clerk).to_be_hidden()
    expect(screen.services).to_contain_text("公安户政")

    token = sign_in(live_server, "w03", 3)
    expect(screen.clerk).to_contain_text("张伟")
    expect(screen.clerk).not_to_contain_text("w03")
    ticket = serve_one(live_server, 3, "A")
    expect(screen.ticket).to_have_text(ticket["number"])
    expect(screen.state).to_have_text("正在办理")
    screen.fits()
    screen.page.screenshot(path=artifacts / "window-screen-serving.png")

    live_server.act(3, "pause", hall="demo", body={"reason": "meal"})
    expect(screen.state).to_have_text("暂停服务 · 用餐时间")  # the reason the clerk picked
    screen.page.screenshot(path=artifacts / "window-screen-paused.png")
    live_server.act(3, "resume", hall="demo")
    expect(screen.state).to_have_text("正在办理")
    live_server.act(3, "pause", hall="demo")
    expect(screen.state).to_have_text("暂停服务")  # no reason given: none shown, not the last one
    live_server.act(3, "resume", hall="demo")

    sign_out(live_server, token)
    expect(screen.clerk).to_be_hidden()
    assert screen.errors == []


def test_in_english_on_a_tablet_after_a_tidal_switch(opened: Any, live_server: ServerProcess, artifacts: Path) -> None:
    screen = opened(TABLET, "en-GB").open(live_server, 13, "?lang=en")
    sign_in(live_server, "w13", 13)
    expect(screen.clerk).to_contain_text("马超")
    expect(screen.services).to_contain_text("Services: G")

    switched = httpx2.post(
        f"{live_server.url}/api/halls/demo/windows/13/tidal", headers=SUPERVISOR, json={"service": "B"}
    )
    assert switched.status_code == 200, switched.text
    expect(screen.services).to_contain_text("now serving Social insurance")
    ticket = serve_one(live_server, 13, "B")
    expect(screen.ticket).to_have_text(ticket["number"])
    expect(screen.state).to_have_text("Now serving")
    screen.fits()
    screen.page.screenshot(path=artifacts / "window-screen-tablet-en.png")
    assert screen.errors == []


def test_after_completion_it_asks_for_a_rating_and_goes_back_when_nobody_answers(
    opened: Any, live_server: ServerProcess, artifacts: Path
) -> None:
    screen = opened()
    screen.page.clock.install()
    screen.open(live_server, 1)
    sign_in(live_server, "w01", 1)
    serve_one(live_server, 1, "A")
    expect(screen.state).to_have_text("正在办理")

    live_server.act(1, "complete", hall="demo")
    expect(screen.question).to_have_text("请您对本次服务进行评价")
    expect(screen.levels).to_have_text(["非常满意", "满意", "基本满意", "不满意", "非常不满意"])
    screen.fits()
    screen.page.screenshot(path=artifacts / "window-screen-rate.png")

    # A 差评 asks why; the choice can wait, but not for ever.
    screen.levels.nth(3).click()
    expect(screen.reasons.first).to_be_visible()
    screen.reasons.nth(0).click()
    screen.reasons.nth(2).click()
    expect(screen.reasons.nth(2)).to_have_attribute("aria-pressed", "true")
    screen.page.screenshot(path=artifacts / "window-screen-reasons.png")
    screen.page.clock.fast_forward(61_000)
    expect(screen.state).to_have_text("空闲")
    expect(screen.question).to_be_hidden()
    assert screen.errors == []


def test_the_next_call_ends_an_unanswered_rating(opened: Any, live_server: ServerProcess, artifacts: Path) -> None:
    screen = opened(TABLET, "en-GB").open(live_server, 2, "?lang=en")
    serve_one(live_server, 2, "A")
    live_server.act(2, "complete", hall="demo")
    expect(screen.question).to_have_text("How was our service today?")
    expect(screen.levels.first).to_have_text("Very satisfied")
    screen.page.screenshot(path=artifacts / "window-screen-rate-en-tablet.png")
    ticket = serve_one(live_server, 2, "A")
    expect(screen.question).to_be_hidden()
    expect(screen.ticket).to_have_text(ticket["number"])
    assert screen.errors == []


def test_a_visitor_completed_by_calling_the_next_one_may_still_rate(opened: Any, live_server: ServerProcess) -> None:
    """呼叫下一位 completes the visitor at the window and calls the next in one step: the departing visitor is
    still asked, not cut short by the call that came with their own 办结."""
    screen = opened().open(live_server, 2)
    serve_one(live_server, 2, "A")
    live_server.take("A", hall="demo")
    called = live_server.act(2, "call-next", hall="demo")["ticket"]
    expect(screen.ticket).to_have_text(called["number"])  # both events have arrived
    expect(screen.question).to_be_visible()
    expect(screen.question).to_have_text("请您对本次服务进行评价")
    assert screen.errors == []


# The rating itself, against the real ratings API: the device proves it is window 1's evaluator with its token.

EVALUATOR = "demo-window-1"  # the shipped demo hall's token for window 1's evaluator (config/demo.toml)


@pytest.fixture
def rated_hall(live_server: ServerProcess) -> ServerProcess:
    """The shipped halls, whose demo window 1 has an evaluator device."""
    return live_server


def test_a_visitor_rates_the_service_and_is_thanked(opened: Any, rated_hall: ServerProcess, artifacts: Path) -> None:
    screen = opened()
    screen.page.clock.install()
    screen.open(rated_hall, 1, f"?device={EVALUATOR}")
    serve_one(rated_hall, 1, "A")
    rated_hall.act(1, "complete", hall="demo")

    # A 差评 with two reasons reaches the server as such.
    screen.levels.filter(has_text="非常不满意").click()
    screen.reasons.filter(has_text="等待时间长").click()
    screen.reasons.filter(has_text="服务态度差").click()
    with screen.page.expect_response(lambda r: r.url.endswith("/windows/1/rating")) as sent:
        screen.page.get_by_role("button", name="提交评价").click()
    assert sent.value.status == 201, sent.value.text()
    rating = sent.value.json()["rating"]
    assert (rating["level"], sorted(rating["reasons"])) == (1, ["attitude", "long_wait"]), rating
    expect(screen.thanks).to_have_text("感谢您的评价")
    screen.fits()
    screen.page.screenshot(path=artifacts / "window-screen-thanks.png")
    screen.page.clock.fast_forward(5_500)
    expect(screen.state).to_have_text("空闲")

    # The next visitor is pleased: one tap, no reasons asked. The token was kept from the first address.
    screen.open(rated_hall, 1)
    serve_one(rated_hall, 1, "A")
    rated_hall.act(1, "complete", hall="demo")
    with screen.page.expect_response(lambda r: r.url.endswith("/windows/1/rating")) as sent:
        screen.levels.filter(has_text="满意").first.click()
    assert sent.value.status == 201, sent.value.text()
    assert sent.value.json()["rating"]["level"] == 5
    expect(screen.thanks).to_have_text("感谢您的评价")
    assert screen.errors == []


def test_a_device_that_is_not_the_evaluator_says_so(opened: Any, rated_hall: ServerProcess, artifacts: Path) -> None:
    screen = opened(TABLET, "en-GB").open(rated_hall, 1, "?lang=en&device=not-the-token")
    serve_one(rated_hall, 1, "A")
    rated_hall.act(1, "complete", hall="demo")
    screen.levels.filter(has_text="Satisfied").first.click()
    expect(screen.thanks).to_contain_text("Your rating could not be saved")
    expect(screen.page.locator("#rate-error")).to_have_text("This device is not the evaluator of window 1.")
    screen.page.screenshot(path=artifacts / "window-screen-not-evaluator-en.png")
    assert screen.errors == []
