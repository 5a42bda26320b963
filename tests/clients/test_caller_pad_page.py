"""The caller pad page (叫号器) in a real Chromium against a real server, and the path kiosk → pad → hall."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.server_process import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.process]

DESK: ViewportSize = {"width": 1280, "height": 900}
NARROW: ViewportSize = {"width": 800, "height": 1000}
PORTRAIT: ViewportSize = {"width": 1080, "height": 1920}


def sign_in(page: Page, username: str, password: str, window: int) -> None:
    page.fill("#username", username)
    page.fill("#password", password)
    page.select_option("#window-number", str(window))
    page.click("#sign-in-button")


@pytest.fixture
def pad(browser: Browser, live_server: ServerProcess) -> Iterator[Page]:
    """The demo hall's caller pad, signed in as w01 at window 1 and following the hall."""
    page = browser.new_page(viewport=DESK)
    page.goto(f"{live_server.url}/caller/demo")
    sign_in(page, "w01", "tidequeue", 1)
    expect(page.locator("#who-text")).to_contain_text("1 号窗口")
    expect(page.locator("#waiting-count")).to_have_text("0")
    yield page
    page.close()


def snapshot(server: ServerProcess) -> dict[str, Any]:
    data: dict[str, Any] = httpx2.get(f"{server.url}/api/halls/demo").json()
    return data


def window(server: ServerProcess, number: int) -> dict[str, Any]:
    return next(w for w in snapshot(server)["windows"] if w["number"] == number)


def ticket(server: ServerProcess, ticket_id: str) -> dict[str, Any]:
    data: dict[str, Any] = httpx2.get(f"{server.url}/api/tickets/{ticket_id}").json()
    return data


def test_the_call_button_brings_the_next_visitor_to_window_1(
    pad: Page, live_server: ServerProcess, artifacts: Path
) -> None:
    live_server.take("A", hall="demo")
    expect(pad.locator("#waiting-count")).to_have_text("1")

    pad.get_by_role("button", name="呼叫下一位").click()

    expect(pad.locator("#current-number")).to_have_text("A001")
    expect(pad.locator("#current-detail")).to_have_text("公安户政")
    expect(pad.locator("#window-state")).to_have_text("办理中")
    expect(pad.locator("#waiting-count")).to_have_text("0")
    current = window(live_server, 1)
    assert (current["state"], current["ticket"]["number"]) == ("serving", "A001")
    pad.screenshot(path=artifacts / "caller-pad-serving.png")


def test_keyboard_shortcuts_call_and_count_the_served(pad: Page, live_server: ServerProcess) -> None:
    live_server.take("A", hall="demo")
    live_server.take("E", hall="demo")  # window 1 serves A only: not counted for it
    live_server.take("A", hall="demo")
    expect(pad.locator("#waiting-count")).to_have_text("2")

    pad.keyboard.press("n")
    expect(pad.locator("#message")).to_have_text("已呼叫 A001。")
    pad.keyboard.press(" ")
    expect(pad.locator("#current-number")).to_have_text("A002")
    expect(pad.locator("#served-count")).to_have_text("1")
    expect(pad.locator("#waiting-count")).to_have_text("0")
    assert window(live_server, 1)["served_today"] == 1


def test_recall_skip_complete_and_pause_reach_the_server(
    pad: Page, live_server: ServerProcess, artifacts: Path
) -> None:
    first, second = live_server.take("A", hall="demo"), live_server.take("A", hall="demo")
    # Each answer is awaited (its message shows) before the next key: keys pressed while a request is on its
    # way are ignored on purpose.
    pad.keyboard.press("n")
    expect(pad.locator("#message")).to_have_text("已呼叫 A001。")

    pad.keyboard.press("r")
    expect(pad.locator("#message")).to_have_text("已重呼 A001。")
    expect(pad.locator("#current-detail")).to_contain_text("已重呼 1 次")
    assert ticket(live_server, first["id"])["recalls"] == 1

    pad.get_by_role("button", name="过号").click()
    expect(pad.locator("#current-number")).to_have_text("—")
    expect(pad.locator("#message")).to_have_text("A001 已过号。")
    assert ticket(live_server, first["id"])["state"] == "skipped"

    pad.keyboard.press("n")
    expect(pad.locator("#message")).to_have_text("已呼叫 A002。")
    pad.keyboard.press("c")
    expect(pad.locator("#message")).to_have_text("A002 已办结。")
    expect(pad.locator("#served-count")).to_have_text("1")
    assert ticket(live_server, second["id"])["state"] == "served"

    pad.locator("#pause-reason").select_option(label="工间休息")  # the window screen tells visitors why
    pad.keyboard.press("p")
    expect(pad.locator("#message")).to_have_text("窗口已暂停，不再叫新号。")
    expect(pad.locator("#window-state")).to_have_text("已暂停")
    expect(pad.get_by_role("button", name="恢复")).to_be_visible()
    assert (window(live_server, 1)["state"], window(live_server, 1)["pause_reason"]) == ("paused", "break")

    live_server.take("A", hall="demo")
    pad.get_by_role("button", name="呼叫下一位").click()
    expect(pad.locator("#message")).to_contain_text("窗口已暂停，请先恢复")
    expect(pad.locator("#message")).not_to_contain_text("409")
    assert window(live_server, 1)["ticket"] is None
    pad.screenshot(path=artifacts / "caller-pad-paused-error.png")

    pad.get_by_role("button", name="恢复").click()
    expect(pad.locator("#window-state")).to_have_text("空闲")
    assert window(live_server, 1)["state"] == "idle"


def test_transfer_moves_the_visitor_to_the_chosen_category(
    pad: Page, live_server: ServerProcess, artifacts: Path
) -> None:
    visitor = live_server.take("A", hall="demo")
    pad.keyboard.press("n")
    expect(pad.locator("#message")).to_have_text("已呼叫 A001。")

    pad.keyboard.press("t")
    chooser = pad.locator("#transfer-chooser")
    expect(chooser).to_be_visible()
    expect(chooser.locator('[data-service="A"]')).to_be_hidden()  # not to where it already is
    pad.screenshot(path=artifacts / "caller-pad-transfer.png")
    pad.keyboard.press("b")

    expect(pad.locator("#message")).to_have_text("A001 已转到「社保」（前面 0 人）。")
    expect(chooser).to_be_hidden()
    expect(pad.locator("#current-number")).to_have_text("—")
    moved = ticket(live_server, visitor["id"])
    assert (moved["service"], moved["state"], moved["transferred_from"]) == ("B", "waiting", "A")


def test_a_double_click_calls_one_visitor_and_buttons_wait_for_the_answer(
    pad: Page, live_server: ServerProcess
) -> None:
    live_server.take("A", hall="demo")
    live_server.take("A", hall="demo")
    expect(pad.locator("#waiting-count")).to_have_text("2")
    disabled_while_sent = pad.evaluate(
        """() => {
            document.querySelector('[data-action="call-next"]').click();
            return document.querySelector('[data-action="recall"]').disabled;
        }"""
    )
    assert disabled_while_sent is True
    expect(pad.locator("#current-number")).to_have_text("A001")
    expect(pad.locator('[data-action="recall"]')).to_be_enabled()

    pad.get_by_role("button", name="呼叫下一位").dblclick()
    expect(pad.locator("#current-number")).to_have_text("A002")
    expect(pad.locator('[data-action="call-next"]')).to_be_enabled()
    assert window(live_server, 1)["ticket"]["number"] == "A002"
    assert window(live_server, 1)["served_today"] == 1


def test_a_wrong_password_or_window_is_refused_plainly(
    browser: Browser, live_server: ServerProcess, artifacts: Path
) -> None:
    page = browser.new_page(viewport=DESK)
    page.goto(f"{live_server.url}/caller/demo")
    sign_in(page, "w01", "not-the-password", 1)
    expect(page.locator("#sign-in-error")).to_contain_text("用户名或密码错误")
    expect(page.locator("#pad")).to_be_hidden()
    page.screenshot(path=artifacts / "caller-pad-wrong-password.png")

    sign_in(page, "w01", "tidequeue", 2)
    expect(page.locator("#sign-in-error")).to_contain_text("不能在这个窗口操作")
    page.close()


def stored_token(pad: Page) -> str:
    token: str = pad.evaluate("() => JSON.parse(sessionStorage.getItem('tidequeue.caller.demo')).token")
    return token


def test_the_session_survives_a_reload_and_ends_at_sign_out(pad: Page, live_server: ServerProcess) -> None:
    pad.reload()
    expect(pad.locator("#who-text")).to_contain_text("1 号窗口")
    expect(pad.locator("#waiting-count")).to_have_text("0")

    # The session ended elsewhere: the reopened pad says so before the clerk presses anything.
    ended = httpx2.post(
        f"{live_server.url}/api/halls/demo/sign-out", headers={"Authorization": f"Bearer {stored_token(pad)}"}
    )
    assert ended.status_code == 200
    pad.reload()
    expect(pad.locator("#sign-in-error")).to_contain_text("登录已失效，请重新登录")
    expect(pad.locator("#pad")).to_be_hidden()

    sign_in(pad, "w01", "tidequeue", 1)
    expect(pad.locator("#who")).to_be_visible()
    token = stored_token(pad)
    pad.get_by_role("button", name="退出登录").click()
    expect(pad.locator("#sign-in-form")).to_be_visible()
    expect(pad.locator("#sign-in-error")).to_have_text("已退出登录。")
    headers = {"Authorization": f"Bearer {token}"}
    refused = httpx2.post(f"{live_server.url}/api/halls/demo/windows/1/call-next", headers=headers)
    assert refused.status_code == 401


def test_english_pad(browser: Browser, live_server: ServerProcess, artifacts: Path) -> None:
    page = browser.new_page(viewport=NARROW)
    page.goto(f"{live_server.url}/caller/demo?lang=en")
    sign_in(page, "floater", "tidequeue", 14)
    expect(page.locator("#who-text")).to_contain_text("Window 14")
    live_server.take("F", hall="demo")
    expect(page.locator("#waiting-count")).to_have_text("1")
    page.get_by_role("button", name="Call next").click()
    expect(page.locator("#current-number")).to_have_text("F001")
    expect(page.locator("#message")).to_have_text("Called F001.")
    page.screenshot(path=artifacts / "caller-pad-en-narrow.png", full_page=True)
    page.close()


def test_an_unknown_hall_is_a_plain_404_page(live_server: ServerProcess) -> None:
    answer = httpx2.get(f"{live_server.url}/caller/nowhere")
    assert answer.status_code == 404 and "No such hall" in answer.text


def test_kiosk_to_caller_pad_to_hall_screen(browser: Browser, live_server: ServerProcess, artifacts: Path) -> None:
    kiosk = browser.new_page(viewport=PORTRAIT)
    kiosk.goto(f"{live_server.url}/kiosk/demo")
    expect(kiosk.locator('.category[data-code="A"] .count')).to_have_text("0")
    kiosk.locator('.category[data-code="A"]').click()
    expect(kiosk.locator("#ticket-number")).to_have_text("A001")
    qr = kiosk.locator("#ticket-qr").get_attribute("src") or ""  # /qr/{id}.svg?k=…
    ticket_id = qr.removeprefix("/qr/").partition(".svg")[0]

    pad = browser.new_page(viewport=DESK)
    pad.goto(f"{live_server.url}/caller/demo")
    sign_in(pad, "w01", "tidequeue", 1)
    expect(pad.locator("#waiting-count")).to_have_text("1")
    pad.keyboard.press("n")
    expect(pad.locator("#current-number")).to_have_text("A001")
    expect(kiosk.locator('.category[data-code="A"] .count')).to_have_text("0")

    latest = snapshot(live_server)["latest_calls"][0]
    assert (latest["ticket_id"], latest["number"], latest["window"]) == (ticket_id, "A001", 1)
    assert ticket(live_server, ticket_id)["state"] == "called"
    pad.screenshot(path=artifacts / "caller-pad-after-kiosk.png")
    kiosk.close()
    pad.close()


# --- the waiting list, 特呼, requeue and the case number -------------------------------------------------------

STAFF = {"Authorization": "Bearer supervisor-secret"}


def test_the_waiting_list_follows_the_hall_and_calls_a_visitor_by_name(
    pad: Page, live_server: ServerProcess, artifacts: Path
) -> None:
    live_server.take("A", hall="demo")
    live_server.take("A", hall="demo")
    green = httpx2.post(
        f"{live_server.url}/api/halls/demo/tickets", json={"service": "A", "priority": True}, headers=STAFF
    )
    assert green.status_code == 201
    live_server.take("B", hall="demo")  # window 1 serves A only: not in its list
    rows = pad.locator("#queue-next li")
    expect(rows).to_have_count(3)
    # priority (绿色通道) first, as call-next would take them
    expect(rows.nth(0)).to_contain_text("A003")
    expect(rows.nth(0)).to_contain_text("绿色通道")
    expect(rows.nth(1)).to_contain_text("A001")
    expect(rows.nth(1)).to_contain_text("已等 0 分钟")

    pad.get_by_role("button", name="特呼 A002").click()
    expect(pad.locator("#current-number")).to_have_text("A002")
    expect(pad.locator("#message")).to_have_text("已特呼 A002。")
    expect(rows).to_have_count(2)
    assert window(live_server, 1)["ticket"]["number"] == "A002"
    pad.screenshot(path=artifacts / "caller-pad-waiting-list.png", full_page=True)

    # by number, typed; a number of another category is refused in words, not with a status code
    pad.fill("#special-number", "b001")
    pad.get_by_role("button", name="特呼", exact=True).click()
    expect(pad.locator("#message")).to_contain_text("不在本窗口办理范围内")
    expect(pad.locator("#message")).not_to_contain_text("409")
    expect(pad.locator("#current-number")).to_have_text("A002")
    pad.fill("#special-number", "a001")
    pad.keyboard.press("Enter")
    expect(pad.locator("#current-number")).to_have_text("A001")
    assert window(live_server, 1)["served_today"] == 1  # A002 was completed by the special call


def test_a_skipped_visitor_is_put_back_in_line_from_the_pad(pad: Page, live_server: ServerProcess) -> None:
    live_server.take("A", hall="demo")
    live_server.take("A", hall="demo")
    pad.keyboard.press("n")
    expect(pad.locator("#message")).to_have_text("已呼叫 A001。")
    pad.keyboard.press("s")
    skipped = pad.locator("#queue-skipped li")
    expect(skipped).to_have_count(1)
    expect(skipped.first).to_contain_text("A001")
    pad.get_by_role("button", name="A001 重新排队").click()
    # the demo hall puts a returning visitor behind at most 2 of those waiting (过号顺延): here A002
    expect(pad.locator("#message")).to_have_text("A001 已重新排队（前面 1 人）。")
    expect(skipped).to_have_count(0)
    expect(pad.locator("#queue-next li").last).to_contain_text("A001")


def test_the_case_number_goes_with_complete_and_a_bad_one_is_explained(pad: Page, live_server: ServerProcess) -> None:
    live_server.take("A", hall="demo")
    pad.keyboard.press("n")
    expect(pad.locator("#current-number")).to_have_text("A001")
    pad.fill("#case-number", "办件 12")
    pad.get_by_role("button", name="办结").click()
    expect(pad.locator("#message")).to_contain_text("办件编号应为 1 到 40 个英文字母、数字或")
    expect(pad.locator("#current-number")).to_have_text("A001")
    pad.fill("#case-number", "GA-2026-001234")
    pad.get_by_role("button", name="办结").click()
    expect(pad.locator("#message")).to_have_text("A001 已办结，办件编号 GA-2026-001234。")
    expect(pad.locator("#case-number")).to_have_value("")
    found = httpx2.get(f"{live_server.url}/api/halls/demo/tickets?number=A001", headers=STAFF).json()
    assert found["case_number"] == "GA-2026-001234"


def test_english_pad_with_its_waiting_list(browser: Browser, live_server: ServerProcess, artifacts: Path) -> None:
    page = browser.new_page(viewport=DESK)
    page.goto(f"{live_server.url}/caller/demo?lang=en")
    sign_in(page, "w03", "tidequeue", 3)
    for code in ("E", "A", "A"):
        live_server.take(code, hall="demo")
    rows = page.locator("#queue-next li")
    expect(rows).to_have_count(3)
    expect(rows.nth(2)).to_contain_text("E001")  # window 3 takes A before E ("order")
    page.fill("#special-number", "Z9")
    page.get_by_role("button", name="Call", exact=True).click()
    expect(page.locator("#message")).to_have_text("No ticket Z9 today.")
    page.screenshot(path=artifacts / "caller-pad-waiting-list-en.png", full_page=True)
    page.close()
