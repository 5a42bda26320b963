"""The hall screen (大厅显示屏) in a real Chromium at 1920×1080 against real server processes: calls appear
within a second, each call of a burst gets its turn, counts follow the hall, and the screen survives the
server going away and catches up by itself."""

from __future__ import annotations

import re
import signal
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from playwright.sync_api import expect
from redis import Redis as SyncRedis

from queue_server.store import keys
from tests.clients.conftest import RECONNECT_S, SHANGHAI, Screen, call_next
from tests.server_process import OPEN_MOMENT, ServerProcess, clock_now

pytestmark = [pytest.mark.browser, pytest.mark.process]


def test_a_call_is_highlighted_within_a_second_then_settles(
    screen: Screen, live_server: ServerProcess, artifacts: Path
) -> None:
    live_server.take("A", hall="demo")
    live_server.take("B", hall="demo")
    screen.page.clock.install()
    screen.open(live_server)
    expect(screen.waiting("A")).to_have_text("1 人")
    expect(screen.call_text).to_have_text("欢迎光临，请取号等候")

    call_next(live_server, 4, "B001")

    expect(screen.call_text).to_contain_text("请 B001 号 到 4 号窗口", timeout=1000)
    expect(screen.call).to_have_attribute("data-state", "fresh")
    expect(screen.window(4)).to_contain_text("B001")
    expect(screen.recent.first).to_contain_text("B001")
    expect(screen.waiting("B")).to_have_text("0 人")
    screen.page.screenshot(path=artifacts / "hall-screen-highlight.png")
    page_size = "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    assert screen.page.evaluate(page_size) == [1920, 1080], "the screen scrolls at 1920×1080"

    # Eight seconds later the call settles but stays readable as the latest one.
    screen.page.clock.fast_forward(8500)
    expect(screen.call).to_have_attribute("data-state", "settled")
    expect(screen.call_text).to_contain_text("请 B001 号 到 4 号窗口")


def test_each_call_of_a_burst_gets_its_turn(screen: Screen, live_server: ServerProcess, artifacts: Path) -> None:
    for code in "AAAB":
        live_server.take(code, hall="demo")
    screen.page.clock.install()
    screen.open(live_server)
    expect(screen.waiting("A")).to_have_text("3 人")
    # Record every call the big box shows, to prove that none is skipped.
    screen.page.evaluate(
        """() => {
            window.shownCalls = [];
            const box = document.getElementById("call-main");
            new MutationObserver(() => shownCalls.push(box.textContent)).observe(box, {childList: true});
        }"""
    )

    call_next(live_server, 1, "A001")
    call_next(live_server, 2, "A002")
    call_next(live_server, 4, "B001")
    call_next(live_server, 3, "A003")

    # Every call is at its window and in the list at once, newest first.
    expect(screen.recent).to_have_count(4, timeout=1000)
    expect(screen.recent).to_contain_text(["A003", "B001", "A002", "A001"])
    for window, number in [(1, "A001"), (2, "A002"), (4, "B001"), (3, "A003")]:
        expect(screen.window(window)).to_contain_text(number)
    expect(screen.waiting("A")).to_have_text("0 人")
    # The big box takes them in order, a few seconds each.
    expect(screen.call_text).to_contain_text("A001")
    for number, window in [("A002", 2), ("B001", 4), ("A003", 3)]:
        screen.page.clock.fast_forward(3100)
        expect(screen.call_text).to_contain_text(f"请 {number} 号 到 {window} 号窗口")
        expect(screen.call).to_have_attribute("data-state", "fresh")
    screen.page.clock.fast_forward(8100)
    expect(screen.call).to_have_attribute("data-state", "settled")
    shown = screen.page.evaluate("shownCalls.filter((text, i, all) => text !== all[i - 1])")
    assert shown == [
        "请 A001 号 到 1 号窗口",
        "请 A002 号 到 2 号窗口",
        "请 B001 号 到 4 号窗口",
        "请 A003 号 到 3 号窗口",
    ]
    screen.page.screenshot(path=artifacts / "hall-screen-after-burst.png")


def test_waiting_counts_recalls_and_paused_windows_follow_the_hall(
    screen: Screen, live_server: ServerProcess, artifacts: Path
) -> None:
    screen.open(live_server)
    expect(screen.waiting("A")).to_have_text("0 人")
    expect(screen.page.locator("#hall-name")).to_have_text("滨江区政务服务中心")

    for code in "AAC":
        live_server.take(code, hall="demo")
    expect(screen.waiting("A")).to_have_text("2 人", timeout=1000)
    expect(screen.waiting("C")).to_have_text("1 人")

    call_next(live_server, 1, "A001")
    expect(screen.waiting("A")).to_have_text("1 人", timeout=1000)
    live_server.act(1, "recall", hall="demo")
    # The recall waits for the call's own few seconds in the big box, then shows marked as a recall.
    recall = screen.page.locator("#call-recall")
    expect(recall).to_be_visible(timeout=5000)
    expect(recall).to_have_text("重呼")
    expect(screen.call_text).to_have_text("请 A001 号 到 1 号窗口")

    live_server.act(1, "pause", hall="demo")
    expect(screen.window(1)).to_contain_text("暂停", timeout=1000)
    expect(screen.window(1)).to_contain_text("A001")
    screen.page.screenshot(path=artifacts / "hall-screen-paused-window.png")
    live_server.act(1, "complete", hall="demo")
    expect(screen.window(1)).not_to_contain_text("A001", timeout=1000)
    live_server.act(1, "resume", hall="demo")
    expect(screen.window(1)).not_to_contain_text("暂停", timeout=1000)


def test_the_clock_shows_the_halls_time_not_the_browsers(screen: Screen, live_server: ServerProcess) -> None:
    # The browser believes it is in New York in 2025; the screen shows the server's time in Shanghai (the test
    # server's clock starts at a weekday 10:00, see server_process.open_moment).
    screen.page.clock.install(time=datetime(2025, 1, 1, 1, 30, 5, tzinfo=UTC))

    def server_time() -> datetime:
        return datetime.fromisoformat(clock_now()).astimezone(SHANGHAI).replace(tzinfo=None)

    screen.open(live_server)
    expect(screen.page.locator("#date")).to_contain_text(f"{OPEN_MOMENT:%Y}年{OPEN_MOMENT.month}月{OPEN_MOMENT.day}日")
    before = server_time()
    shown = screen.page.locator("#time").text_content() or ""
    after = server_time()
    shown_time = datetime.combine(before.date(), time.fromisoformat(shown))
    # Whole seconds, and the snapshot's time is a little old when it arrives (seconds, on a loaded machine): allow
    # for both, not for New York's hours or for 2025.
    assert before - timedelta(seconds=10) <= shown_time <= after + timedelta(seconds=1), (shown, before, after)
    expect(screen.page.locator("#time")).not_to_have_text(shown, timeout=3000)  # and it ticks


def test_the_screen_shows_the_session_and_extended_service_after_closing(
    screen: Screen, redis_url: str, tmp_path: Path, artifacts: Path
) -> None:
    """延时错时服务: the session line changes at 17:00 with no ticket event; those who took a ticket in time are
    still called (「延时服务中」) until the last one has been served."""
    SyncRedis.from_url(redis_url).flushall()
    tuesday = ("--clock", "2026-11-24T16:59:50+08:00")
    with ServerProcess(tmp_path / "var", redis_url=redis_url, extra_args=tuesday) as server:
        server.ready()
        server.take("B", hall="demo")
        screen.open(server)
        hours = screen.page.locator("#hours")
        expect(hours).to_have_text("工作日下午 · 办理中")
        expect(hours).to_have_attribute("data-mode", "open")
        server.move_clock(15)  # past 17:00
        expect(hours).to_have_text("延时服务中 · 已取号的群众都将办结", timeout=5000)
        expect(hours).to_have_attribute("data-mode", "extended")
        call_next(server, 4, "B001")
        expect(screen.call_text).to_have_text("请 B001 号 到 4 号窗口", timeout=1000)
        screen.page.screenshot(path=artifacts / "hall-screen-extended.png")
        server.act(4, "complete", hall="demo")
        expect(hours).to_have_text(re.compile(r"^休息中 · 下次开放 11月24日.*18:30$"), timeout=1000)
        expect(hours).to_have_attribute("data-mode", "closed")


def test_english_screen(screen: Screen, live_server: ServerProcess, artifacts: Path) -> None:
    live_server.take("E", hall="demo")
    screen.open(live_server, "?lang=en")
    expect(screen.page.locator("#hall-name")).to_have_text("Binjiang District Government Service Centre")
    expect(screen.waiting("E")).to_have_text("1")
    call_next(live_server, 3, "E001")
    expect(screen.call_text).to_have_text("E001 → Window 3", timeout=1000)
    expect(screen.page.locator("#call-line")).to_have_text("Ticket E001, please go to window 3")
    expect(screen.page.locator("#call-sub")).to_have_text("请 E001 号 到 3 号窗口")
    # The whole header is readable: the hall's name is not cut off, and the date, the time and the session fit.
    name = screen.page.locator("#hall-name")
    assert name.evaluate("(h) => h.scrollWidth <= h.clientWidth"), "the English hall name is cut off"
    for part in ["#hours", "#date", "#time"]:
        box = screen.page.locator(part).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1920, part
    screen.page.screenshot(path=artifacts / "hall-screen-en.png")


def test_unknown_hall_is_a_plain_not_found_page(live_server: ServerProcess) -> None:
    answer = httpx2.get(f"{live_server.url}/display/nowhere")
    assert answer.status_code == 404
    assert "没有这个大厅" in answer.text and answer.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    ("stop", "trim_stream"),
    [
        # A graceful restart: the screen asks for what it missed (?since=) and is sent the missed events.
        pytest.param(signal.SIGTERM, False, id="restart-replays-missed-events"),
        # A crash, and the stream no longer reaches back to the screen's last event: it is sent a snapshot
        # instead and must still show the calls it missed.
        pytest.param(signal.SIGKILL, True, id="crash-then-snapshot"),
    ],
)
def test_the_screen_rides_out_a_server_restart_and_shows_the_calls_it_missed(
    screen: Screen,
    live_server: ServerProcess,
    redis_url: str,
    tmp_path: Path,
    artifacts: Path,
    stop: signal.Signals,
    trim_stream: bool,
) -> None:
    for _ in range(3):
        live_server.take("A", hall="demo")
    screen.open(live_server)
    expect(screen.waiting("A")).to_have_text("3 人")
    expect(screen.offline).to_be_hidden()
    screen.page.evaluate("window.notReloaded = true")

    # A second server process on the same Redis stays up, as in a hall with two.
    with ServerProcess(tmp_path / "other", redis_url=redis_url) as other:
        other.ready()
        live_server.stop(stop)
        expect(screen.offline).to_be_visible(timeout=RECONNECT_S * 1000)
        expect(screen.offline).to_have_text("连接中断，正在重连…")
        screen.page.screenshot(path=artifacts / f"hall-screen-offline-{stop.name}.png")

        # Clerks keep calling while the screen's server is gone.
        call_next(other, 1, "A001")
        call_next(other, 2, "A002")
        if trim_stream:
            keep_only_the_newest_event(redis_url, "demo")

        with ServerProcess(tmp_path / "again", redis_url=redis_url, port=live_server.port) as again:
            again.ready()
            expect(screen.offline).to_be_hidden(timeout=RECONNECT_S * 1000)
            expect(screen.recent).to_contain_text(["A002", "A001"])
            expect(screen.window(1)).to_contain_text("A001")
            expect(screen.window(2)).to_contain_text("A002")
            expect(screen.waiting("A")).to_have_text("1 人")
            # Both missed calls get their turn in the big box, oldest first.
            expect(screen.call_text).to_contain_text("请 A001 号 到 1 号窗口")
            expect(screen.call_text).to_contain_text("请 A002 号 到 2 号窗口", timeout=5000)

            # And it is live again.
            call_next(again, 3, "A003")
            expect(screen.window(3)).to_contain_text("A003", timeout=1000)
    assert screen.page.evaluate("window.notReloaded") is True


def keep_only_the_newest_event(redis_url: str, hall: str) -> None:
    """What Redis does to a long stream (MAXLEN): the oldest entries are gone."""
    client = SyncRedis.from_url(redis_url, decode_responses=True)
    try:
        stream = keys.events(hall)
        newest: Any = client.xrevrange(stream, count=1)
        client.xtrim(stream, minid=newest[0][0], approximate=False)
        assert client.xlen(stream) == 1
    finally:
        client.close()


def test_a_silent_connection_is_given_up_after_40_seconds(screen: Screen, live_server: ServerProcess) -> None:
    """A frozen server keeps the connection open but sends nothing, not even heartbeats: the screen must not
    trust it for ever."""
    screen.page.clock.install()
    screen.open(live_server)
    expect(screen.waiting("A")).to_have_text("0 人")
    live_server.process.send_signal(signal.SIGSTOP)
    try:
        screen.page.clock.fast_forward(39_000)
        expect(screen.offline).to_be_hidden()
        screen.page.clock.fast_forward(2_000)
        expect(screen.offline).to_be_visible()
    finally:
        live_server.process.send_signal(signal.SIGCONT)
    expect(screen.offline).to_be_hidden(timeout=RECONNECT_S * 1000)
    live_server.take("A", hall="demo")
    expect(screen.waiting("A")).to_have_text("1 人", timeout=1000)
