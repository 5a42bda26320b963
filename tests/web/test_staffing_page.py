"""The forecast and staffing plan page (到访预测与排班需求) as a 值班长 reads it, in a real Chromium against a real
server whose clock stands on Friday 20 November 2026: two past Mondays' tickets are taken first through the real
scripts (as tests/web/test_staffing_api.py takes them), so Monday the 23rd has history and its morning is short of
ID-card windows. Sign in, read the plan and the hourly forecast, step to a day without history, switch to English,
and meet a date the API refuses; on a 1366×768 office screen and a 1920×1080 desk monitor, never scrolling
sideways."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect
from redis import Redis as SyncRedis
from starlette.testclient import TestClient

from queue_server.config.loader import load_halls
from queue_server.server.app import create_app
from tests.conftest import StoppedClock
from tests.server_process import ROOT, ServerProcess
from tests.web.test_staffing_api import FRIDAY, at, take

OFFICE: ViewportSize = {"width": 1366, "height": 768}
FULL_HD: ViewportSize = {"width": 1920, "height": 1080}
MONDAY = "2026-11-23"

pytestmark = [pytest.mark.browser, pytest.mark.process]


def take_history(redis_url: str) -> None:
    """The Mondays of 16 and 9 November: 40 and 36 ID-card visitors (A) between ten and eleven, 2 and 4 real-estate
    visitors (C), taken at the kiosk at those moments through an app of its own on the same Redis."""
    clock = StoppedClock(FRIDAY)
    app = create_app(load_halls(ROOT / "config"), redis_url, clock, "supervisor-secret", background=False)
    with TestClient(app, client=("127.0.0.1", 50000)) as client:  # one of the hall's kiosks
        take(client, clock, at(16, 10, 5), "A", 40)
        take(client, clock, at(16, 10, 30), "C", 2)
        take(client, clock, at(9, 10, 10), "A", 36)
        take(client, clock, at(9, 10, 40), "C", 4)


@pytest.fixture
def server(tmp_path: Path, redis_url: str) -> Iterator[ServerProcess]:
    """A real queue-server on the test Redis with the Mondays' tickets, its clock starting on the Friday."""
    client = SyncRedis.from_url(redis_url)
    client.flushall()
    client.close()
    take_history(redis_url)
    with ServerProcess(tmp_path / "var", redis_url=redis_url, extra_args=("--clock", FRIDAY.isoformat())) as process:
        yield process.ready()


Opener = Callable[..., Page]


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Opener]:
    """Opens pages in browser contexts of their own (a viewport and a locale each); none may raise an error."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def opened(viewport: ViewportSize = OFFICE, locale: str = "zh-CN") -> Page:
        context = browser.new_context(viewport=viewport, locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield opened
    for context in contexts:
        context.close()
    assert errors == [], "a page raised errors"


def sign_in(page: Page, server: ServerProcess, query: str) -> None:
    page.goto(f"{server.url}/staffing/demo{query}")
    page.fill("#username", "boss")
    page.fill("#password", "tidequeue")
    page.click("#sign-in-button")


def scrolls_sideways(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth"))


def test_a_supervisor_reads_the_mondays_plan(open_page: Opener, server: ServerProcess, artifacts: Path) -> None:
    page = open_page()
    sign_in(page, server, f"?date={MONDAY}")
    expect(page.locator("#status")).to_have_text("现排窗口有 1 处达不到服务目标。")
    expect(page.locator("#day-input")).to_have_value(MONDAY)
    expect(page.locator("#day-label")).to_have_text("星期一 · 工作日")
    expect(page.locator("#target")).to_have_text("服务目标：80% 的办事群众取号后 15 分钟内被叫号。")
    expect(page.locator("#basis")).to_have_text("预测依据：此前各周的同一星期几（2 天）：2026-11-16、2026-11-09。")

    # The morning is short of ID-card windows, and says so; the lunch-time session is not.
    morning = page.locator('.session[data-session="工作日上午"]')
    expect(morning).to_have_class("session short")
    a = morning.locator('tr[data-code="A"]')
    expect(a).to_have_class("short")
    expect(a.locator("td.need")).to_have_text("6")
    expect(a.locator("td.staffed")).to_have_text("3")
    expect(a.locator("td.gap")).to_have_text("3")
    expect(a.locator("td.peak")).to_contain_text("10 时 · 38 人")
    expect(a.locator("td.reach")).to_have_text("0%")
    expect(morning.locator(".counts")).to_contain_text("14 现排")
    expect(page.locator('.session[data-session="午间不间断"]')).to_have_class("session")
    expect(page.locator("#shortfalls li")).to_have_count(1)
    expect(page.locator("#shortfalls li")).to_contain_text("工作日上午「公安户政」需 6 个窗口，现排 3 个，缺 3 个")

    # A's hours: drawn, with the figures in the bar's tooltip and in the table
    chart = page.locator('.chart[data-code="A"]')
    expect(chart.locator("figcaption")).to_contain_text("公安户政")
    ten = chart.locator('g.hour[data-hour="10"]')
    expect(ten.locator("text.value")).to_have_text("38")
    expect(ten.locator("title")).to_contain_text("A 10:00–10:59 预计 38 人，范围")
    expect(chart.locator("g.hour")).to_have_count(10)  # 09:00 to the evening extension's 18:30
    cell = page.locator('#hours tr[data-code="A"] td[data-hour="10"]')
    expect(cell.locator("b")).to_have_text("38")
    low, high = (float(x) for x in cell.locator("small").inner_text().split("–"))
    assert low < 38 < high
    expect(page.locator('#hours tr[data-code="A"] td[data-hour="9"] b')).to_have_text("0")

    expect(page.locator("#rota-link")).to_have_attribute("href", "/rota/demo?month=2026-11")
    assert not scrolls_sideways(page)
    page.screenshot(path=str(artifacts / "staffing-zh-1366.png"), full_page=True)

    wide = open_page(FULL_HD)
    sign_in(wide, server, f"?date={MONDAY}")
    expect(wide.locator('.session.short[data-session="工作日上午"]')).to_be_visible()
    sessions = wide.locator(".session")
    expect(sessions).to_have_count(4)
    tops = {round(box["y"]) for box in (sessions.nth(i).bounding_box() for i in range(4)) if box}
    assert len(tops) == 1  # the day's four sessions side by side on a desk monitor
    assert not scrolls_sideways(wide)
    wide.screenshot(path=str(artifacts / "staffing-zh-1920.png"), full_page=True)


def test_another_day_and_english(open_page: Opener, server: ServerProcess, artifacts: Path) -> None:
    page = open_page(locale="en-GB")
    sign_in(page, server, f"?date={MONDAY}")
    expect(page.locator("#status")).to_have_text("现排窗口有 1 处达不到服务目标。")
    # The next day, a Tuesday: no Tuesday behind it has a ticket, and the page says what the plan rests on instead.
    page.click("#day-next")
    expect(page.locator("#day-input")).to_have_value("2026-11-24")
    expect(page.locator("#basis")).to_have_text(
        "没有可依据的历史数据：本计划仅依据当天已有的预约和大厅配置文件（窗口和业务办理时长）。"
    )
    expect(page.locator("#status")).to_have_text("现排窗口均可达到服务目标（80% 的办事群众 15 分钟内叫号）。")
    expect(page.locator("#charts")).to_have_text("当天没有预计到访：既无历史数据，也无预约。")
    expect(page.locator(".session.short")).to_have_count(0)
    assert "date=2026-11-24" in page.url

    page.click("#lang-link")  # the session is kept in the tab: English at once
    expect(page.locator("h1")).to_contain_text("Forecast & staffing")
    expect(page.locator("#basis")).to_have_text(
        "No history to rest on: the plan rests only on the day's bookings and the hall file (its windows and "
        "handling minutes)."
    )
    assert "date=2026-11-24" in page.url and "lang=en" in page.url
    page.fill("#day-input", MONDAY)
    expect(page.locator("#status")).to_have_text("The hall file's staffing falls short of the target in 1 place.")
    expect(page.locator("#day-label")).to_have_text("Monday · working day")
    expect(page.locator("#target")).to_have_text(
        "Service target: 80% of visitors called within 15 minutes of taking their ticket."
    )
    expect(page.locator("#shortfalls li")).to_contain_text(
        "Weekday morning, ID cards & household registration: 6 windows needed, 3 staffed, 3 short"
    )
    expect(page.locator('.session.short[data-session="工作日上午"] h3')).to_contain_text("Weekday morning")
    expect(page.locator('.chart[data-code="A"] g.hour[data-hour="10"] title')).to_contain_text("38 expected")
    expect(page.locator("#rota-link")).to_have_attribute("href", "/rota/demo?month=2026-11&lang=en")
    page.click("#day-back")
    page.click("#day-back")
    expect(page.locator("#day-input")).to_have_value("2026-11-21")
    expect(page.locator("#day-label")).to_have_text("Saturday · rest day")
    expect(page.locator(".session")).to_have_count(1)  # the weekend morning
    assert not scrolls_sideways(page)
    page.screenshot(path=str(artifacts / "staffing-en-1366.png"), full_page=True)


def test_a_date_the_api_refuses_is_said_in_the_pages_language(
    open_page: Opener, server: ServerProcess, artifacts: Path
) -> None:
    page = open_page()
    sign_in(page, server, "?date=2026-02-30")
    error = page.locator("#error")
    expect(error).to_have_text("日期应写作 YYYY-MM-DD（如 2026-11-23），收到 '2026-02-30'。")
    expect(page.locator("#plan")).to_be_hidden()
    page.screenshot(path=str(artifacts / "staffing-bad-date-zh.png"))
    page.click("#lang-link")
    expect(error).to_have_text("The date must be written YYYY-MM-DD (e.g. 2026-11-23), not '2026-02-30'.")
    page.screenshot(path=str(artifacts / "staffing-bad-date-en.png"))

    page.goto(f"{server.url}/staffing/demo?date=2027-06-01&lang=en")
    expect(error).to_have_text(
        "Only dates within 62 days of today (2026-11-20) can be forecast: 2026-09-19 to 2027-01-21."
    )
    page.click("#lang-link")
    expect(error).to_have_text("只能预测今天（2026-11-20）前后 62 天内的日期：2026-09-19 至 2027-01-21。")
    # From a date that is none, the day before is today's
    page.goto(f"{server.url}/staffing/demo?date=soon")
    expect(error).to_contain_text("收到 'soon'")
    page.click("#day-back")
    expect(page.locator("#day-input")).to_have_value("2026-11-19")
    expect(error).to_be_hidden()
    expect(page.locator("#status")).to_have_text("现排窗口均可达到服务目标（80% 的办事群众 15 分钟内叫号）。")


def test_only_a_supervisor_reads_it(open_page: Opener, server: ServerProcess) -> None:
    page = open_page()
    page.goto(f"{server.url}/staffing/demo?date={MONDAY}")
    page.fill("#username", "guide")
    page.fill("#password", "tidequeue")
    page.click("#sign-in-button")
    expect(page.locator("#sign-in-error")).to_have_text("此页面仅供值班长账号使用。")
    expect(page.locator("#staffing-desk")).to_be_hidden()

    # A tab still holding a guide desk's session (say, from before a role changed) hears the API's refusal.
    body = {"username": "guide", "password": "tidequeue"}
    guide = httpx2.post(f"{server.url}/api/halls/demo/guide/sign-in", json=body).json()
    kept = json.dumps({**guide, "role": "supervisor"})
    page.evaluate("(kept) => sessionStorage.setItem('tidequeue.staffing.demo', kept)", kept)
    page.reload()
    expect(page.locator("#error")).to_have_text("只有值班长可以查看排班需求。")
