"""The time-off-in-lieu ledger page (调休台账) as the 值班长 uses it, in a real Chromium against a real server: a
visitor served past closing earns w04 time off; the supervisor signs in, sees every clerk's month, enters a day off
and then two more, sees the balance fall and the clerk flagged past the limit, takes an entry back, moves to the next
month with the balance carried, and switches to English; on a 1366×768 office screen (what the browser leaves of
it) and on a 1920×1080 monitor."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from queue_server.config.loader import load_halls
from queue_server.core.business_day import business_day
from queue_server.core.lieu_ledger import hours_minutes
from queue_server.core.overtime import hall_stretches
from queue_server.web.lieu_view import EARNING_ROLES
from tests.server_process import ROOT, ServerProcess

OFFICE: ViewportSize = {"width": 1366, "height": 650}  # a 1366×768 screen less the taskbar and the browser's bars
FULL_HD: ViewportSize = {"width": 1920, "height": 1080}
ADMIN = {"Authorization": "Bearer supervisor-secret"}
DEMO = load_halls(ROOT / "config")["demo"]

pytestmark = [pytest.mark.browser, pytest.mark.process]


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=OFFICE, locale="zh-CN")
    shown = context.new_page()
    errors: list[str] = []
    shown.on("pageerror", lambda error: errors.append(str(error)))
    yield shown
    context.close()
    assert errors == [], "the page raised errors"


def serve_past_closing(server: ServerProcess) -> str:
    """w04 calls a 社保 visitor at window 4 and finishes 45 minutes after the day's open stretch ends; answer the
    month of the server's business day."""
    now = server.move_clock(0)
    day = business_day(now, DEMO.timezone, DEMO.rollover)
    end = next(end for start, end in hall_stretches(day, DEMO) if start <= now < end)
    server.take("B", hall="demo")
    signed = httpx2.post(
        f"{server.url}/api/halls/demo/sign-in", json={"username": "w04", "password": "tidequeue", "window": 4}
    )
    clerk = signed.json()["token"]
    assert server.act(4, "call-next", hall="demo", token=clerk)["ticket"]["clerk"] == "w04"
    server.move_clock((end + timedelta(minutes=45) - now).total_seconds())
    server.act(4, "complete", hall="demo", token=clerk)
    return f"{day:%Y-%m}"


def ledger(server: ServerProcess, month: str) -> dict[str, Any]:
    answer: dict[str, Any] = httpx2.get(f"{server.url}/api/halls/demo/lieu?month={month}", headers=ADMIN).json()
    return answer


def balance(server: ServerProcess, month: str, username: str) -> float:
    found: float = next(c for c in ledger(server, month)["clerks"] if c["username"] == username)["balance_minutes"]
    return found


def enter(page: Page, date: str, hours: int | None = None) -> None:
    page.fill("#take-date", date)
    if hours is None:
        page.click("#take-day")  # the clerk's contracted day
    else:
        page.fill("#take-hours", str(hours))
        page.fill("#take-minutes", "0")
    page.click("#take-save")


def test_a_supervisor_enters_time_off_and_sees_the_balance(
    page: Page, live_server: ServerProcess, artifacts: Path
) -> None:
    month = serve_past_closing(live_server)
    page.goto(f"{live_server.url}/lieu/demo")
    expect(page.locator("h1")).to_contain_text("调休台账")
    page.fill("#username", "boss")
    page.fill("#password", "tidequeue")
    page.click("#sign-in-button")
    expect(page.locator("#status")).to_have_text("全部人员的调休结余都在上限之内。")
    expect(page.locator("#month-label")).to_have_text(month)
    assert f"month={month}" in page.url
    rows = page.locator("#ledger tbody tr")
    expect(rows).to_have_count(sum(1 for c in DEMO.clerks if c.role in EARNING_ROLES))
    w04 = page.locator('#ledger tr[data-clerk="w04"]')
    expect(w04.locator("th")).to_contain_text("刘洋")
    expect(w04.locator("td.earned")).to_have_text(re.compile(r"^0:4[5-9]$"))  # 45 minutes past closing
    earned = balance(live_server, month, "w04")
    expect(w04.locator("td.balance")).to_have_text(hours_minutes(earned))
    # the office screen: the table and the form side by side, nothing wider than the window
    table, form = page.locator(".ledger-card").bounding_box(), page.locator(".entry-card").bounding_box()
    assert table is not None and form is not None and table["x"] + table["width"] <= form["x"]
    assert page.evaluate("document.documentElement.scrollWidth") <= OFFICE["width"]
    assert page.locator(".ledger-scroll").evaluate("(e) => e.scrollWidth <= e.clientWidth")

    # A whole day off for w04 (chosen by clicking the row): the contracted day, 8 hours
    w04.locator("th").click()
    expect(page.locator("#take-clerk")).to_have_value("w04")
    enter(page, f"{month}-10")
    expect(page.locator("#take-result")).to_have_text(f"已登记：刘洋（w04），{month}-10，8:00。")
    expect(w04.locator("td.taken")).to_have_text("8:00")
    expect(w04.locator("td.balance")).to_have_text(hours_minutes(earned - 480))
    expect(page.locator("#taken li")).to_have_count(1)

    # Two more days of 24 hours: past 40 hours ahead of what w04 earned, the row is flagged
    enter(page, f"{month}-11", 24)
    expect(page.locator("#taken li")).to_have_count(2)
    enter(page, f"{month}-12", 24)
    expect(page.locator("#taken li")).to_have_count(3)
    expect(w04).to_have_class(re.compile(r"\bwarn\b.*\bahead\b"))
    expect(w04.locator("td.balance")).to_have_text(hours_minutes(earned - 3360))
    expect(w04.locator("td.warning")).to_contain_text("已预支调休 55 小时")
    expect(w04.locator("td.warning")).to_contain_text("超过上限 40 小时")
    expect(page.locator("#status")).to_have_text("有 1 人超过上限（已标出）。")
    assert balance(live_server, month, "w04") == earned - 3360
    page.screenshot(path=str(artifacts / "lieu-zh-office.png"), full_page=True)

    # A mistake: take one 24-hour entry back (a second click confirms); the flag goes
    remove = page.locator("#taken li", has_text=f"{month[5:]}-11").locator("button.remove")
    remove.click()
    expect(remove).to_have_text("确认删除？")
    remove.click()
    expect(page.locator("#taken li")).to_have_count(2)
    expect(w04.locator("td.balance")).to_have_text(hours_minutes(earned - 1920))
    expect(w04).not_to_have_class(re.compile(r"\bwarn\b"))
    expect(page.locator("#status")).to_have_text("全部人员的调休结余都在上限之内。")

    # A bad entry says why, and changes nothing
    page.fill("#take-hours", "0")
    page.fill("#take-minutes", "0")
    page.click("#take-save")
    expect(page.locator("#take-result")).to_have_text("请填写时长：1 分钟到 24 小时。")
    expect(page.locator("#taken li")).to_have_count(2)

    # The next month carries the balance
    page.click("#month-next")
    expect(page.locator("#month-label")).not_to_have_text(month)
    expect(w04.locator("td.opening")).to_have_text(hours_minutes(earned - 1920))
    expect(w04.locator("td.taken")).to_have_text("0:00")
    expect(page.locator("#taken li")).to_have_text("本月没有调休记录。")

    # In English on a desk monitor, still signed in
    page.click("#month-back")
    expect(w04.locator("td.taken")).to_have_text("32:00")
    page.click("#lang-link")
    expect(page.locator("h1")).to_contain_text("Time off in lieu")
    expect(page.locator("#ledger thead")).to_contain_text("Balance")
    page.set_viewport_size(FULL_HD)
    expect(page.locator("#status")).to_have_text("Every balance is within the limit.")
    expect(page.locator("#taken")).to_contain_text("by boss")  # who entered it
    page.screenshot(path=str(artifacts / "lieu-en-desk.png"))


def test_the_csv_downloads(page: Page, live_server: ServerProcess, artifacts: Path) -> None:
    page.goto(f"{live_server.url}/lieu/demo?month=2026-12")
    page.click("summary")
    page.fill("#token", "supervisor-secret")
    page.click("#token-button")
    expect(page.locator("#month-label")).to_have_text("2026-12")
    expect(page.locator('#ledger tr[data-clerk="w01"] td.balance')).to_have_text("0:00")
    with page.expect_download() as download:
        page.click("#export-csv")
    assert download.value.suggested_filename == "lieu-demo-2026-12.csv"
    text = Path(download.value.path()).read_bytes().decode("utf-8")
    assert text.startswith("\ufeff月份 month,工作人员 clerk") and "\r\n2026-12,w01," in text
