"""The kiosk's 长辈模式 (适老化) in a real Chromium against a real server: larger type, four big choices a page,
each read aloud where the browser can speak, and back to the standard kiosk after a minute alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.server_process import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.process]

PORTRAIT: ViewportSize = {"width": 1080, "height": 1920}
LANDSCAPE: ViewportSize = {"width": 1920, "height": 1080}

# Keeps what the page asks the browser to say; the browser's own speech still runs (headless Chromium has the
# API but no voices, so nothing is heard).
RECORD_SPEECH = """
window.spoken = [];
if (window.speechSynthesis) {
  const speak = window.speechSynthesis.speak.bind(window.speechSynthesis);
  window.speechSynthesis.speak = (utterance) => { window.spoken.push(utterance.text); speak(utterance); };
}
"""
NO_SPEECH = "Object.defineProperty(window, 'speechSynthesis', {value: undefined, configurable: true});"


@pytest.fixture
def open_kiosk(browser: Browser, live_server: ServerProcess) -> Iterator[Any]:
    pages: list[Page] = []
    errors: list[str] = []

    def opened(viewport: ViewportSize = PORTRAIT, lang: str = "", script: str = RECORD_SPEECH) -> Page:
        page = browser.new_page(viewport=viewport)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.add_init_script(script)
        page.clock.install()  # the minute alone is moved on by the test, not waited for
        page.goto(f"{live_server.url}/kiosk/demo{lang}")
        expect(page.locator('.category[data-code="A"] .count')).to_have_text("0")
        pages.append(page)
        return page

    yield opened
    for page in pages:
        page.close()
    assert errors == [], "the kiosk raised errors"


def visible_codes(page: Page) -> list[str]:
    codes: list[str] = page.locator(".category:visible").evaluate_all("(all) => all.map((b) => b.dataset.code)")
    return codes


def spoken(page: Page) -> list[str]:
    said: list[str] = page.evaluate("window.spoken")
    return said


def test_elder_mode_shows_four_large_choices_a_page_and_reads_them(
    open_kiosk: Any, live_server: ServerProcess, artifacts: Path
) -> None:
    live_server.take("B", hall="demo")
    page = open_kiosk()
    standard = page.locator('.category[data-code="A"] .name').evaluate(
        "(n) => parseFloat(getComputedStyle(n).fontSize)"
    )
    toggle = page.get_by_role("button", name="长辈模式")
    toggle.click()
    expect(page.locator("#elder-toggle")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#elder-page")).to_have_text("第 1 / 2 页")
    assert visible_codes(page) == ["A", "B", "C", "D"]

    # Larger type with room between the lines (≥ 1.3), and the four buttons fill the portrait screen.
    name = page.locator('.category[data-code="A"] .name')
    size, line = name.evaluate(
        "(n) => [parseFloat(getComputedStyle(n).fontSize), parseFloat(getComputedStyle(n).lineHeight)]"
    )
    assert size > standard * 1.3, (size, standard)
    assert line >= 1.3 * size - 0.5, (line, size)
    boxes = [page.locator(f'.category[data-code="{c}"]').bounding_box() for c in "AD"]
    assert boxes[0] is not None and boxes[1] is not None
    assert boxes[1]["y"] + boxes[1]["height"] - boxes[0]["y"] > 1920 * 0.5, "the choices do not use the height"
    pager = page.locator("#elder-pager").bounding_box()
    assert pager is not None and pager["y"] + pager["height"] <= 1920
    page.screenshot(path=artifacts / "kiosk-elder-portrait.png")

    # Each choice on the page is read aloud, with its waiting count.
    expect(page.locator("#elder-page")).to_be_visible()
    said = spoken(page)
    assert said[0] == "请选择业务。"
    assert "B，社保，等候 1 人" in said and any(s.startswith("D，税务") for s in said)

    page.get_by_role("button", name="下一页 ▶").click()
    assert visible_codes(page) == ["E", "F", "G"]
    expect(page.get_by_role("button", name="下一页 ▶")).to_be_disabled()
    assert any(s.startswith("G，公积金") for s in spoken(page))

    # Taking a ticket works as always, and the number is read out too.
    page.locator('.category[data-code="G"]').click()
    expect(page.locator("#ticket-number")).to_have_text("G001")
    expect(page.locator("#ticket-ahead")).to_have_text("0 人")
    assert "您的号码是 G001，前面还有 0 人。" in spoken(page)


def test_a_minute_without_a_touch_returns_to_the_standard_kiosk(open_kiosk: Any) -> None:
    page = open_kiosk()
    page.get_by_role("button", name="长辈模式").click()
    page.clock.run_for("00:45")
    page.get_by_role("button", name="下一页 ▶").click()  # a touch: another minute from here
    page.clock.run_for("00:45")
    expect(page.locator("body")).to_have_class("kiosk elder")
    page.clock.run_for("00:16")
    expect(page.locator("body")).to_have_class("kiosk")
    expect(page.locator("#elder-toggle")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#elder-pager")).to_be_hidden()
    assert visible_codes(page) == list("ABCDEFG")


def test_without_speech_synthesis_the_mode_still_works(open_kiosk: Any) -> None:
    page = open_kiosk(script=NO_SPEECH)
    assert page.evaluate("window.speechSynthesis === undefined")
    page.get_by_role("button", name="长辈模式").click()
    assert visible_codes(page) == ["A", "B", "C", "D"]
    page.get_by_role("button", name="下一页 ▶").click()
    page.locator('.category[data-code="E"]').click()
    expect(page.locator("#ticket-number")).to_have_text("E001")


@pytest.mark.parametrize(("viewport", "name"), [(LANDSCAPE, "landscape"), (PORTRAIT, "portrait")])
def test_elder_mode_in_english(open_kiosk: Any, artifacts: Path, viewport: ViewportSize, name: str) -> None:
    page = open_kiosk(viewport, "?lang=en")
    page.get_by_role("button", name="Senior mode · 长辈模式").click()
    expect(page.locator("#elder-page")).to_have_text("Page 1 of 2")
    assert visible_codes(page) == ["A", "B", "C", "D"]
    assert "B, Social insurance, 0 waiting" in spoken(page)
    # Everything fits the screen: the four choices, the pager and the check-in button below them.
    for part in ['.category[data-code="A"]', '.category[data-code="D"]', "#elder-pager", "#checkin-open"]:
        box = page.locator(part).bounding_box()
        assert box is not None and box["y"] + box["height"] <= viewport["height"], (part, box)
    page.screenshot(path=artifacts / f"kiosk-elder-{name}-en.png")


def test_elder_mode_landscape_in_chinese(open_kiosk: Any, artifacts: Path) -> None:
    page = open_kiosk(LANDSCAPE)
    page.get_by_role("button", name="长辈模式").click()
    assert visible_codes(page) == ["A", "B", "C", "D"]
    page.screenshot(path=artifacts / "kiosk-elder-landscape.png")
