"""The statistics page (统计) in a real Chromium against a real server, on a day played through the real scripts."""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from redis import Redis as SyncRedis
from redis.asyncio import Redis

from queue_server.config.loader import load_halls
from queue_server.store.hall_store import HallStore, Scripts
from queue_server.store.ratings import Ratings
from tests.conftest import SHANGHAI
from tests.server_process import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.process]

DAY = date(2026, 11, 20)  # a Friday
SCREEN: ViewportSize = {"width": 1920, "height": 1080}


async def play_day(redis_url: str, config_dir: Path) -> int:
    """The allday hall from 09:00 to 17:00, served until 17:45: visitors arrive (more mid-morning), free windows
    call the next one and finish after about the category's minutes; window 13 (tidal) is switched to A at 10:00,
    window 4 pauses 10:30-11:00. Returns how many tickets were issued."""
    redis = Redis.from_url(redis_url, decode_responses=True)
    hall = load_halls(config_dir)["allday"]
    store = HallStore(redis, Scripts(redis), hall)
    rng = random.Random(20261120)
    rated = random.Random(2019051)
    ratings = Ratings(store)
    busy_until: dict[int, int] = {}
    issued = 0
    for minute in range(9 * 60, 17 * 60 + 45):
        now = datetime.combine(DAY, time(minute // 60, minute % 60), tzinfo=SHANGHAI)
        for number, until in list(busy_until.items()):
            if until <= minute:
                done = (await store.complete(now, number))["ticket"]
                del busy_until[number]
                # 好差评: most visitors rate, a few poorly (a rng of its own keeps the day itself unchanged)
                if done is not None and rated.random() < 0.7:
                    level = rated.choice((5, 5, 5, 4, 4, 3, 2, 1))
                    reasons = ("long_wait",) if level <= 2 else ()
                    await ratings.rate(now, level=level, reasons=reasons, comment="", channel="window", window=number)
        if minute == 10 * 60:
            await store.tidal(now, 13, "A", manual=True, cause="manual", reason="上午户政人多")
        if minute in (10 * 60 + 30, 11 * 60):
            await (store.pause if minute == 10 * 60 + 30 else store.resume)(now, 4)
        rate = 0.9 if 10 * 60 <= minute < 11 * 60 else 0.45
        while minute < 17 * 60 and rng.random() < rate:
            await store.issue(now, rng.choice("AAABBCDEFG"))
            issued += 1
            rate /= 2
        for window in hall.windows:
            if window.number in busy_until or (window.number == 4 and 10 * 60 + 30 <= minute < 11 * 60):
                continue
            ticket = (await store.call_next(now, window))["ticket"]
            if ticket is not None:
                service = hall.service(ticket["service"])
                typical = service.minutes if service else 10
                busy_until[window.number] = minute + max(2, round(rng.uniform(0.5, 1.5) * typical))
    await redis.aclose()
    return issued


@pytest.fixture(scope="module")
def stats_server(tmp_path_factory: pytest.TempPathFactory, redis_url: str, config_dir: Path) -> Iterator[ServerProcess]:
    """A server whose clock stands at 18:00 on the played day, over a Redis holding that day."""
    client = SyncRedis.from_url(redis_url)
    client.flushall()
    client.close()
    # Playwright's sync API marks the main thread's event loop as running: the day is played in a thread of its own.
    counted: list[int] = []
    player = threading.Thread(target=lambda: counted.append(asyncio.run(play_day(redis_url, config_dir))))
    player.start()
    player.join(120)
    assert counted and counted[0] > 100, "the day was not played"
    clock = datetime.combine(DAY, time(18, 0), tzinfo=SHANGHAI).isoformat()
    with ServerProcess(tmp_path_factory.mktemp("var"), redis_url=redis_url, extra_args=("--clock", clock)) as server:
        yield server.ready()


@pytest.fixture(scope="module")
def config_dir() -> Path:
    return Path(__file__).resolve().parent.parent.parent / "config"


def open_stats(browser: Browser, server: ServerProcess, lang: str = "") -> Page:
    page = browser.new_page(viewport=SCREEN, accept_downloads=True)
    page.goto(f"{server.url}/stats/allday{'?lang=' + lang if lang else ''}")
    page.fill("#token", "supervisor-secret")
    page.click("#show")
    expect(page.locator("body")).to_have_attribute("data-loaded", "true")
    return page


def test_the_page_shows_the_day_in_tables_and_charts(
    browser: Browser, stats_server: ServerProcess, artifacts: Path
) -> None:
    page = open_stats(browser, stats_server)
    expect(page.locator("#period")).to_contain_text("2026-11-20")
    issued = int(page.locator("#k-issued").inner_text())
    assert issued > 100
    # Every chart is an SVG drawn by the server, titled in Chinese.
    for name, title in (
        ("arrivals", "每小时取号人数"),
        ("waiting", "每小时平均等候人数"),
        ("busy", "各窗口忙闲率"),
        ("waits", "各业务等候时间"),
    ):
        chart = page.locator(f"#chart-{name} svg")
        expect(chart).to_be_visible()
        expect(chart.locator("text").first).to_contain_text(title)
    # Windows 13 and 14 are tidal: their bars, and the legend's swatch, are orange.
    expect(page.locator("#chart-busy svg rect[fill='#e07b24']")).to_have_count(3)
    expect(page.locator("#categories tbody tr")).to_have_count(7)
    expect(page.locator("#windows tbody tr")).to_have_count(14)
    expect(page.locator("#windows tbody tr").nth(12)).to_contain_text("13 (潮汐)")
    # Window 13 was switched to A at 10:00: some visitors were served there while it was switched.
    assert int(page.locator("#windows tbody tr").nth(12).locator("td").nth(6).inner_text()) > 0
    # 好差评: a 满意率 per window and clerk, and the 差评 count
    expect(page.locator("#k-satisfaction")).to_contain_text("%")
    expect(page.locator("#ratings tbody tr").first).to_contain_text("窗口 1")
    assert int(page.locator("#k-poor").inner_text().split(" / ")[0]) > 0
    page.screenshot(path=artifacts / "stats-page.png", full_page=False)
    page.screenshot(path=artifacts / "stats-page-full.png", full_page=True)

    with page.expect_download() as download:
        page.click("#csv")
    saved = download.value.path()
    text = Path(saved).read_bytes().decode("utf-8")
    assert text.startswith("\ufeff统计 · statistics")
    assert download.value.suggested_filename == "stats-allday-2026-11-20.csv"
    page.close()


def test_the_page_in_english_and_with_a_wrong_token(browser: Browser, stats_server: ServerProcess) -> None:
    page = open_stats(browser, stats_server, "en")
    expect(page.locator("#chart-arrivals svg text").first).to_have_text("Tickets issued per hour")
    expect(page.locator("h1")).to_contain_text("Statistics")
    page.fill("#token", "wrong")
    page.click("#show")
    expect(page.locator("#message")).to_contain_text("The token was not accepted")
    page.close()
