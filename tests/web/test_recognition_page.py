"""The performance recognition page (服务明星评选参考) as a 值班长 reads it, in a real Chromium against a real server
whose clerks served and were rated this morning and whose month has a rota: sign in, read each clerk's quarter
sorted by name, sort by a column and back, download the CSV, go to the quarter before, and read it in English; on
a 1366×768 laptop and a 1920×1080 desk monitor, the table fits without scrolling sideways."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.server_process import ServerProcess

LAPTOP: ViewportSize = {"width": 1366, "height": 768}
FULL_HD: ViewportSize = {"width": 1920, "height": 1080}
ADMIN = {"Authorization": "Bearer supervisor-secret"}
MADE_S = 60  # the month's rota is made by the solver: seconds on two busy cores, with room to spare

pytestmark = [pytest.mark.browser, pytest.mark.process]


def serve(server: ServerProcess, token: str, window: int, service: str, minutes: int, level: int | None) -> None:
    """A visitor is called to ``window``, served in ``minutes`` (the server's clock moved on) and rates it."""
    ticket = server.take(service, hall="demo")
    called = server.act(window, "call-next", hall="demo", token=token)
    assert called["ticket"]["id"] == ticket["id"]
    server.move_clock(minutes * 60)
    server.act(window, "complete", hall="demo", token=token)
    if level is not None:
        body = {"level": level, "reasons": ["slow"] if level <= 2 else []}
        rated = httpx2.post(
            f"{server.url}/api/tickets/{ticket['id']}/rating", json=body, headers={"X-Ticket-Key": ticket["key"]}
        )
        assert rated.status_code == 201, rated.text


def sign_in(server: ServerProcess, username: str, window: int) -> str:
    body = {"username": username, "password": "tidequeue", "window": window}
    answer = httpx2.post(f"{server.url}/api/halls/demo/sign-in", json=body)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["token"])


@pytest.fixture
def morning(live_server: ServerProcess) -> Iterator[dict[str, Any]]:
    """王芳 (w01) serves three ID-card visitors (6, 8 and 10 minutes; rated 5, 5, 4), 张伟 (w03) one exit-entry visitor
    (12 minutes, rated 2: a 差评), 刘洋 (w04) one social-insurance visitor; then the month's rota is made and
    published (withdrawn afterwards, since the server is shared and a published rota decides who signs in).
    Yields the quarter and the month as the server sees them."""
    w01, w03, w04 = sign_in(live_server, "w01", 1), sign_in(live_server, "w03", 3), sign_in(live_server, "w04", 4)
    for minutes, level in ((6, 5), (8, 5), (10, 4)):
        serve(live_server, w01, 1, "A", minutes, level)
    serve(live_server, w03, 3, "E", 12, 2)
    serve(live_server, w04, 4, "B", 5, None)
    now = live_server.move_clock(0)
    month = f"{now:%Y-%m}"
    made = httpx2.post(f"{live_server.url}/api/halls/demo/rota/generate?month={month}", headers=ADMIN, timeout=MADE_S)
    assert made.status_code == 200, made.text
    publish = f"{live_server.url}/api/halls/demo/rota/publish?month={month}"
    assert httpx2.post(publish, headers=ADMIN).status_code == 200
    yield {"now": now, "quarter": f"{now.year}-Q{(now.month - 1) // 3 + 1}", "month": month, "rota": made.json()}
    assert httpx2.delete(publish, headers=ADMIN).status_code == 200


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=LAPTOP, locale="zh-CN", accept_downloads=True)
    shown = context.new_page()
    errors: list[str] = []
    shown.on("pageerror", lambda error: errors.append(str(error)))
    yield shown
    context.close()
    assert errors == [], "the page raised errors"


def sign_in_page(page: Page, server: ServerProcess, query: str = "") -> None:
    page.goto(f"{server.url}/recognition/demo{query}")
    page.fill("#username", "boss")
    page.fill("#password", "tidequeue")
    page.click("#sign-in-button")


def fits_sideways(page: Page) -> bool:
    return bool(page.locator("#figures").evaluate("(t) => t.parentElement.scrollWidth <= t.parentElement.clientWidth"))


def row_names(page: Page) -> list[str]:
    return [name.split("\n")[0] for name in page.locator("#clerks th.clerk").all_inner_texts()]


def test_a_supervisor_reads_the_quarter_by_clerk(
    page: Page, live_server: ServerProcess, morning: dict[str, Any], artifacts: Path
) -> None:
    sign_in_page(page, live_server)
    quarter = morning["quarter"]
    expect(page.locator("#quarter-label")).to_have_text(quarter)
    expect(page.locator("#status")).to_contain_text(f"{quarter}：")
    expect(page.locator("#status")).to_contain_text("共办结 5 人次")
    expect(page.locator("#review-note")).to_contain_text("不是排名，不对外公布")
    w01 = page.locator('#clerks tr[data-clerk="w01"]')
    expect(w01.locator("th")).to_contain_text("王芳")
    expect(w01.locator('td[data-key="served"]')).to_have_text("3")
    expect(w01.locator('td[data-key="handling_mean_minutes"]')).to_have_text("8.0")
    expect(w01.locator('td[data-key="mean_level"]')).to_have_text("4.67")
    expect(w01.locator('td[data-key="very_satisfied_share"]')).to_have_text("66.7%")
    expect(w01.locator('td[data-key="satisfaction"]')).to_have_text("100.0%")
    w03 = page.locator('#clerks tr[data-clerk="w03"]')
    expect(w03.locator('td[data-key="poor"]')).to_have_text("1")
    expect(page.locator('#clerks tr[data-clerk="w04"] td[data-key="mean_level"]')).to_have_text("–")  # not rated
    expect(page.locator('#services tr[data-clerk="w03"] td').nth(4)).to_have_text("1")  # 出入境 (E)
    # The month's rota: each clerk's evening duty days as the rota holds them; the quarter's other months have none.
    evenings: dict[str, set[str]] = {}
    for post in morning["rota"]["posts"]:
        if post["kind"] == "evening" and post["clerk"]:
            evenings.setdefault(post["clerk"], set()).add(post["date"])
    busiest = max(evenings, key=lambda name: len(evenings[name]))
    cell = page.locator(f'#clerks tr[data-clerk="{busiest}"] td[data-key="evening_duty_days"]')
    expect(cell).to_have_text(str(len(evenings[busiest])))
    expect(page.locator("#rota-note")).to_contain_text("尚无已发布的排班")
    expect(page.locator("#rota-note")).not_to_contain_text(morning["month"])

    # By name, as Chinese sorts names (by pinyin); a click on 办结 sorts by it, most first, again the other way.
    names = row_names(page)
    assert names == page.evaluate("(n) => n.slice().sort(new Intl.Collator('zh-CN').compare)", names)
    assert len(names) > 20 and names[0] != "王芳"
    assert fits_sideways(page)  # 1366×768: the whole table without scrolling sideways
    page.screenshot(path=str(artifacts / "recognition-zh-1366.png"), full_page=True)
    served = page.locator('#figures th[data-key="served"]')
    served.locator("button").click()
    expect(served).to_have_attribute("aria-sort", "descending")
    expect(page.locator("#clerks tr").first).to_have_attribute("data-clerk", "w01")
    served.locator("button").click()
    expect(served).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("#clerks tr").last).to_have_attribute("data-clerk", "w01")
    page.locator('#figures th[data-key="name"] button').click()
    assert row_names(page) == names

    with page.expect_download() as download:
        page.click("#export-csv")
    saved = download.value
    assert saved.suggested_filename == f"recognition-demo-{quarter}.csv"
    text = Path(saved.path()).read_text(encoding="utf-8")
    assert text.startswith("\ufeff工作人员 clerk,姓名 name,办结 served")
    assert "\nw01,王芳,3,0,8.0,8.0,3,4.67,0.6667,1.0,0," in text

    page.click("#quarter-back")
    expect(page.locator("#quarter-label")).not_to_have_text(quarter)
    assert "quarter=" in page.url and quarter not in page.url
    expect(page.locator("#status")).to_contain_text("共办结 0 人次")
    expect(page.locator('#clerks tr[data-clerk="w01"] td[data-key="served"]')).to_have_text("0")


def test_the_desk_monitor_and_english(
    browser: Browser, live_server: ServerProcess, morning: dict[str, Any], artifacts: Path
) -> None:
    context = browser.new_context(viewport=FULL_HD, locale="en-GB")
    page = context.new_page()
    sign_in_page(page, live_server, f"?quarter={morning['quarter']}&lang=en")
    expect(page.locator("#status")).to_contain_text("5 visitors served")
    expect(page.locator("h1")).to_contain_text("Performance recognition")
    expect(page.locator("#review-note")).to_contain_text("not a ranking, and not for the public")
    expect(page.locator('#figures th[data-key="served"]')).to_contain_text("Served")
    expect(page.locator('#clerks tr[data-clerk="w01"] td[data-key="served"]')).to_have_text("3")
    names = row_names(page)  # the names are Chinese: by pinyin in English too
    assert names == page.evaluate("(n) => n.slice().sort(new Intl.Collator('zh-CN').compare)", names)
    assert fits_sideways(page)
    page.screenshot(path=str(artifacts / "recognition-en-1920.png"), full_page=True)
    page.click("#lang-link")
    expect(page.locator("h1")).to_contain_text("服务表现季报")
    assert f"quarter={morning['quarter']}" in page.url
    context.close()


def test_a_clerk_cannot_read_it(page: Page, live_server: ServerProcess) -> None:
    page.goto(f"{live_server.url}/recognition/demo")
    page.fill("#username", "guide")
    page.fill("#password", "tidequeue")
    page.click("#sign-in-button")
    expect(page.locator("#sign-in-error")).to_have_text("此页面仅供值班长账号使用。")
    expect(page.locator("#recognition-desk")).to_be_hidden()


def test_the_quarter_in_the_address_starts_today_when_it_is_not_one(page: Page, live_server: ServerProcess) -> None:
    now = datetime.fromisoformat(httpx2.get(f"{live_server.url}/api/halls/demo").json()["now"])
    page.goto(f"{live_server.url}/recognition/demo?quarter=2026-Q9")
    expect(page.locator("#quarter-label")).to_have_text(f"{now.year}-Q{(now.month - 1) // 3 + 1}")
