"""What the tests of the clients' pages share: the hall screen (大厅显示屏) as a person in the hall looks at it, in a
real Chromium at 1920×1080, and the calls they watch for."""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Locator, Page, ViewportSize

from tests.server_process import ServerProcess

FULL_HD: ViewportSize = {"width": 1920, "height": 1080}
SHANGHAI = ZoneInfo("Asia/Shanghai")
RECONNECT_S = 10  # the screen retries at least every ~5 s; this leaves room for a slow machine


def call_next(server: ServerProcess, window: int, expected: str) -> None:
    ticket = server.act(window, hall="demo")["ticket"]
    assert ticket is not None and ticket["number"] == expected


class Screen:
    """The hall screen page, with the parts a person in the hall looks at."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.call = page.locator("#call")
        self.call_text = page.locator("#call-main")
        self.recent = page.locator("#recent li")
        self.offline = page.locator("#offline")
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def open(self, server: ServerProcess, query: str = "") -> Screen:
        self.page.goto(f"{server.url}/display/demo{query}")
        return self

    def window(self, number: int) -> Locator:
        return self.page.locator(f'.window[data-window="{number}"]')

    def waiting(self, code: str) -> Locator:
        return self.page.locator(f'#waiting li[data-service="{code}"] .waiting-count')


@pytest.fixture
def screen(browser: Browser) -> Iterator[Screen]:
    # A browser in another zone than the hall's, so the clock must use the hall's zone to be right.
    context = browser.new_context(viewport=FULL_HD, locale="zh-CN", timezone_id="America/New_York")
    shown = Screen(context.new_page())
    yield shown
    context.close()
    assert shown.errors == [], "the page raised errors"
