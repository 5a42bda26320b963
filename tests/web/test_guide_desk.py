"""The guide desk (导办台): its account signs in without a window, issues priority tickets, looks numbers up and
moves waiting visitors — over HTTP, and on the page in a real Chromium at a desk monitor's size."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from starlette.testclient import TestClient

from tests.server_process import ServerProcess
from tests.web.conftest import act, sign_in, take

DESK_MONITOR: ViewportSize = {"width": 1366, "height": 768}


def guide_token(client: TestClient) -> dict[str, str]:
    response = client.post("/api/halls/demo/guide/sign-in", json={"username": "guide", "password": "tidequeue"})
    assert response.status_code == 200, response.text
    assert (response.json()["window"], response.json()["role"]) == (None, "guide")
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_the_guide_account_signs_in_at_the_desk_only_and_calls_nobody(client: TestClient) -> None:
    guide = guide_token(client)
    assert client.get("/api/halls/demo/whoami", headers=guide).json() == {
        "name": "guide", "window": None, "supervisor": False, "guide": True, "role": "guide",
    }  # fmt: skip
    refused = act(client, 1, "call-next", guide)
    assert (refused.status_code, refused.json()["error"]) == (403, "wrong_window")
    assert client.get("/api/halls/demo/stats", headers=guide).json()["error"] == "supervisors_only"
    # the guide account is not a window account, and a window account is not the desk's
    assert sign_in(client, "guide", 1).json()["error"] == "wrong_window"
    desk = client.post("/api/halls/demo/guide/sign-in", json={"username": "w01", "password": "tidequeue"})
    assert desk.json()["error"] == "wrong_window"
    wrong = client.post("/api/halls/demo/guide/sign-in", json={"username": "guide", "password": "nope"})
    assert (wrong.status_code, wrong.json()["error"]) == (401, "bad_credentials")
    assert client.post("/api/halls/demo/sign-out", headers=guide).json() == {"signed_out": True}


def test_the_desk_issues_priority_tickets_looks_them_up_and_moves_them(client: TestClient) -> None:
    guide = guide_token(client)
    take(client, "A")
    green = client.post("/api/halls/demo/tickets", json={"service": "A", "priority": True}, headers=guide).json()
    assert (green["priority"], green["ahead"]) == (True, 0)
    found = client.get(f"/api/halls/demo/tickets?number={green['number'].lower()}", headers=guide).json()
    assert (found["id"], found["state"], found["ahead"]) == (green["id"], "waiting", 0)
    assert client.get("/api/halls/demo/tickets?number=A001").status_code == 401  # staff only
    assert client.get("/api/halls/demo/tickets?number=Z099", headers=guide).json()["error"] == "unknown_number"
    assert client.get("/api/halls/demo/tickets?number=A-1", headers=guide).json()["error"] == "invalid_number"

    moved = client.post(f"/api/tickets/{green['id']}/transfer", json={"service": "B"}, headers=guide)
    assert moved.status_code == 200, moved.text
    ticket: dict[str, Any] = moved.json()["ticket"]
    assert (ticket["number"], ticket["service"], ticket["transferred_from"]) == (green["number"], "B", "A")
    counts = {c["code"]: c["waiting"] for c in client.get("/api/halls/demo").json()["categories"]}
    assert (counts["A"], counts["B"]) == (1, 1)
    # window 4 (B) now calls it; then it is no longer waiting and cannot be moved
    assert act(client, 4, "call-next").json()["ticket"]["id"] == green["id"]
    again = client.post(f"/api/tickets/{green['id']}/transfer", json={"service": "C"}, headers=guide)
    assert (again.status_code, again.json()["error"]) == (409, "ticket_not_waiting")
    assert client.post(f"/api/tickets/{green['id']}/transfer", json={"service": "C"}).status_code == 401


# --- the page ------------------------------------------------------------------------------------------------


@pytest.fixture
def desk(browser: Browser, live_server: ServerProcess) -> Iterator[Page]:
    page = browser.new_page(viewport=DESK_MONITOR)
    page.goto(f"{live_server.url}/guide/demo")
    yield page
    page.close()


def sign_in_at_desk(page: Page, password: str = "tidequeue") -> None:
    page.fill("#username", "guide")
    page.fill("#password", password)
    page.click("#sign-in-button")


@pytest.mark.browser
@pytest.mark.process
def test_the_desk_page_issues_a_priority_ticket_looks_up_and_moves(
    desk: Page, live_server: ServerProcess, artifacts: Path
) -> None:
    sign_in_at_desk(desk, "wrong")
    expect(desk.locator("#sign-in-error")).to_have_text("用户名或密码错误。")
    sign_in_at_desk(desk)
    expect(desk.locator("#who-text")).to_contain_text("导办台")

    desk.get_by_label("绿色通道（老年人、残疾人、孕妇）").check()
    desk.locator('.category[data-code="B"]').click()
    expect(desk.locator("#issued-number")).to_have_text("B001")
    expect(desk.locator("#issued-detail")).to_contain_text("绿色通道")
    expect(desk.locator("#p-number")).to_have_text("B001")  # ready to print
    expect(desk.get_by_label("绿色通道（老年人、残疾人、孕妇）")).not_to_be_checked()
    assert httpx2.get(f"{live_server.url}/api/halls/demo").json()["categories"][1]["priority_waiting"] == 1

    desk.fill("#look-up-number", "b001")
    desk.keyboard.press("Enter")
    expect(desk.locator("#found-detail")).to_contain_text("等候中")
    desk.select_option("#move-to", "C")
    desk.get_by_role("button", name="转移").click()
    expect(desk.locator("#message")).to_have_text("B001 已转到「不动产」（前面 0 人），排队位置不变。")
    desk.screenshot(path=artifacts / "guide-desk.png")

    desk.fill("#look-up-number", "A404")
    desk.keyboard.press("Enter")
    expect(desk.locator("#message")).to_have_text("今天没有 A404 号。")

    desk.emulate_media(media="print")
    desk.screenshot(path=artifacts / "guide-desk-print-80mm.png")


@pytest.mark.browser
@pytest.mark.process
def test_the_english_desk_puts_a_skipped_visitor_back_in_line(
    browser: Browser, live_server: ServerProcess, artifacts: Path
) -> None:
    page = browser.new_page(viewport=DESK_MONITOR)
    page.goto(f"{live_server.url}/guide/demo?lang=en")
    sign_in_at_desk(page)
    live_server.take("A", hall="demo")
    live_server.act(1, "call-next", hall="demo")
    live_server.act(1, "skip", hall="demo")
    page.fill("#look-up-number", "A001")
    page.get_by_role("button", name="Look up").click()
    expect(page.locator("#found-detail")).to_contain_text("skipped (no-show)")
    page.get_by_role("button", name="Back in line (过号重排)").click()
    expect(page.locator("#message")).to_have_text("A001 is back in line (0 ahead).")
    page.locator('.category[data-code="A"]').click()
    expect(page.locator("#issued-number")).to_have_text("A002")
    page.screenshot(path=artifacts / "guide-desk-en.png")
    page.close()
