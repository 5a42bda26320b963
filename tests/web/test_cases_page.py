"""The 差评 follow-up page (好差评工单) in a real Chromium against a real server: overdue cases first and
highlighted, and a supervisor moving a case on, signed in with the supervisors' token like the statistics page."""

from __future__ import annotations

import asyncio
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

DESK: ViewportSize = {"width": 1280, "height": 800}
MONDAY = date(2026, 11, 23)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


async def seed(redis_url: str, config_dir: Path) -> None:
    """Two 差评 of the allday hall: one from last Thursday, never verified (overdue on Monday), one from Monday."""
    redis = Redis.from_url(redis_url, decode_responses=True)
    store = HallStore(redis, Scripts(redis), load_halls(config_dir)["allday"])
    ratings = Ratings(store)
    for now, service, window, level, reasons, comment in (
        (at(date(2026, 11, 19), 9), "A", 1, 1, ("attitude",), "窗口人员态度生硬"),
        (at(MONDAY, 9, 30), "B", 4, 2, ("long_wait", "unclear_materials"), ""),
    ):
        await store.issue(now, service)
        await store.call_next(now, store.hall.window(window))  # type: ignore[arg-type]
        await store.complete(now, window)
        await ratings.rate(now, level=level, reasons=reasons, comment=comment, channel="window", window=window)
    await redis.aclose()


@pytest.fixture(scope="module")
def config_dir() -> Path:
    return Path(__file__).resolve().parent.parent.parent / "config"


@pytest.fixture(scope="module")
def cases_server(tmp_path_factory: pytest.TempPathFactory, redis_url: str, config_dir: Path) -> Iterator[ServerProcess]:
    client = SyncRedis.from_url(redis_url)
    client.flushall()
    client.close()
    # Playwright's sync API keeps the main thread's loop marked running: seed in a thread of its own.
    seeder = threading.Thread(target=lambda: asyncio.run(seed(redis_url, config_dir)))
    seeder.start()
    seeder.join(60)
    clock = at(MONDAY, 10).isoformat()
    with ServerProcess(tmp_path_factory.mktemp("var"), redis_url=redis_url, extra_args=("--clock", clock)) as server:
        yield server.ready()


def open_cases(browser: Browser, server: ServerProcess, lang: str = "") -> Page:
    page = browser.new_page(viewport=DESK)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server.url}/cases/allday{'?lang=' + lang if lang else ''}")
    page.fill("#token", "supervisor-secret")
    page.click("#show")
    expect(page.locator(".case")).to_have_count(2)
    assert errors == []
    return page


def test_overdue_cases_come_first_and_a_supervisor_moves_one_on(
    browser: Browser, cases_server: ServerProcess, artifacts: Path
) -> None:
    page = open_cases(browser, cases_server)
    first, second = page.locator(".case").nth(0), page.locator(".case").nth(1)
    expect(first).to_have_class("case overdue")
    expect(first.locator(".flag")).to_have_text("已超期")
    expect(first).to_contain_text("非常不满意")
    expect(first).to_contain_text("服务态度差")
    expect(first).to_contain_text("窗口人员态度生硬")
    expect(first.locator(".deadlines")).to_contain_text("整改中 时限 2026-11-20")
    expect(second).to_have_class("case")
    expect(second).to_contain_text("等待时间长、材料要求不清")
    page.screenshot(path=artifacts / "cases-page.png")

    page.fill("#by", "王科长")
    first.locator("textarea").fill("已核实：态度问题属实，已约谈当事人")
    first.locator("button", has_text="转为：整改中").click()
    expect(page.locator("#message")).to_contain_text("已转为「整改中」")
    moved = page.locator(".case", has_text="窗口人员态度生硬")
    expect(moved.locator(".state")).to_have_text("整改中")
    expect(moved.locator(".history")).to_contain_text("经办 王科长 — 已核实：态度问题属实，已约谈当事人")
    expect(moved.locator(".flag")).to_have_count(0)  # verified late, but its next deadline is still ahead
    page.screenshot(path=artifacts / "cases-page-moved.png")
    page.close()


def test_the_page_in_english_and_with_a_wrong_token(
    browser: Browser, cases_server: ServerProcess, artifacts: Path
) -> None:
    page = open_cases(browser, cases_server, "en")
    expect(page.locator("h1")).to_contain_text("Poor-rating cases")
    expect(page.locator(".case").first).to_contain_text("Very dissatisfied")
    page.screenshot(path=artifacts / "cases-page-en.png")
    page.fill("#token", "not-the-token")
    page.click("#show")
    expect(page.locator("#message")).to_be_visible()
    page.close()
