"""Appointments (预约) in a real Chromium against real server processes whose clocks start at chosen moments: book a
slot on a phone and cancel it, check in at the kiosk with the code and get a ticket, and see closed categories
greyed out on the kiosk with their next opening and, where that session takes bookings, a way to book it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from redis import Redis as SyncRedis

from tests.server_process import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.process]

PHONE: ViewportSize = {"width": 390, "height": 844}
PORTRAIT: ViewportSize = {"width": 1080, "height": 1920}
FULL_HD: ViewportSize = {"width": 1920, "height": 1080}
FRIDAY = "2026-12-04T10:00+08:00"  # booking for Saturday 5 December is open until 16:00
FRIDAY_EVENING = "2026-12-04T19:00+08:00"  # everything closed; the weekend session (booked) is next
SATURDAY_CHECK_IN = "2026-12-05T08:50+08:00"  # check-in for the 09:00 slots is open; no session yet
SATURDAY_MORNING = "2026-12-05T10:00+08:00"  # the weekend session: no real-estate window (C)

ServerAt = Callable[[str], AbstractContextManager[ServerProcess]]


@pytest.fixture
def server_at(tmp_path: Path, redis_url: str) -> ServerAt:
    """Starts a queue-server whose clock starts at a moment; servers started one after another share the Redis
    (emptied once, here), so a booking made on Friday is there on Saturday."""
    client = SyncRedis.from_url(redis_url)
    client.flushall()
    client.close()

    @contextmanager
    def started(moment: str) -> Iterator[ServerProcess]:
        with ServerProcess(tmp_path / "var", redis_url=redis_url, extra_args=("--clock", moment)) as server:
            yield server.ready()

    return started


def api_book(server: ServerProcess, name: str, service: str = "B", slot: str = "09:00", phone: str = "1234") -> str:
    """A booking made through the API (the server runs on loopback: the demo hall's own device, no address limit)."""
    body = {"service": service, "date": "2026-12-05", "slot": slot, "name": name, "phone": phone}
    answer = httpx2.post(f"{server.url}/api/halls/demo/bookings", json=body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["code"])


def booking(server: ServerProcess, code: str, digits: str = "1234") -> dict[str, Any]:
    answer = httpx2.get(f"{server.url}/api/halls/demo/bookings/{code}", headers={"X-Phone-Last4": digits})
    data: dict[str, Any] = answer.json()
    return data


def free(server: ServerProcess, service: str, slot: str) -> int:
    data = httpx2.get(f"{server.url}/api/halls/demo/slots", params={"service": service, "date": "2026-12-05"}).json()
    return int(next(s["free"] for s in data["slots"] if s["slot"] == slot))


def watch_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_book_a_slot_on_a_phone_then_cancel_it(browser: Browser, server_at: ServerAt, artifacts: Path) -> None:
    with server_at(FRIDAY) as server:
        page = browser.new_page(viewport=PHONE)
        errors = watch_errors(page)
        page.goto(f"{server.url}/book/demo?service=B")

        # ?service=B preselects social insurance, and the soonest day with its free places.
        expect(page.locator('#services .choice[data-code="B"]')).to_have_attribute("aria-pressed", "true")
        expect(page.locator('#services .choice[data-code="C"]')).to_have_count(0)  # no real estate at weekends
        expect(page.locator("#days .choice").first).to_have_text("12月5日 周六")
        slot = page.locator('#slots .choice[data-slot="09:30"]')
        expect(slot).to_contain_text("09:30–10:00")
        expect(slot).to_contain_text("余 3")
        expect(page.locator("#closes")).to_have_text("这一天的预约将于 12月4日 周五 16:00 截止。")

        slot.click()
        expect(page.locator("#summary")).to_have_text("社保 · 12月5日 周六 · 09:30–10:00")
        page.locator("#name").fill("李雷")
        page.locator("#phone").fill("80")
        page.get_by_role("button", name="确认预约").click()
        expect(page.locator("#notice")).to_have_text("请填写手机号码后四位数字。")
        page.locator("#phone").fill("8000")
        page.get_by_role("button", name="确认预约").click()

        expect(page.locator("#booking-title")).to_have_text("预约成功")
        expect(page.locator("#code")).to_have_text(re.compile(r"^\d{4} \d{4}$"))
        code = (page.locator("#code").text_content() or "").replace(" ", "")
        expect(page.locator("#b-slot")).to_have_text("09:30–10:00")
        expect(page.locator("#b-name")).to_have_text("李雷")
        expect(page.locator("#check-in-hint")).to_contain_text("12月5日 周六 09:00–09:45")
        expect(page.locator("#code-qr")).not_to_have_js_property("naturalWidth", 0)  # the image has loaded
        assert f"code={code}" in page.url  # reloading the page shows the booking again
        page.screenshot(path=artifacts / "book-phone-booked.png", full_page=True)
        assert (booking(server, code, "8000")["state"], booking(server, code, "8000")["slot"]) == ("booked", "09:30")
        assert free(server, "B", "09:30") == 2

        # Reloading the booking's page (or scanning its QR code) asks for the phone's last 4 digits again.
        page.reload()
        expect(page.locator("#lookup")).to_be_visible()
        expect(page.locator("#lookup-code")).to_have_value(code)
        expect(page.locator("#booking-form")).to_be_hidden()
        page.locator("#lookup-phone").fill("8000")
        page.get_by_role("button", name="查询预约").click()
        expect(page.locator("#b-name")).to_have_text("李*")  # whoever holds the code sees only part of the name
        page.get_by_role("button", name="取消预约").click()
        page.get_by_role("button", name="确认取消").click()
        expect(page.locator("#b-state")).to_have_text("已取消")
        expect(page.locator("#booking-title")).to_have_text("预约已取消")
        page.screenshot(path=artifacts / "book-phone-cancelled.png", full_page=True)
        assert booking(server, code, "8000")["state"] == "cancelled" and free(server, "B", "09:30") == 3
        assert errors == []
        page.close()


def test_full_slots_and_a_second_booking_are_refused_plainly(
    browser: Browser, server_at: ServerAt, artifacts: Path
) -> None:
    with server_at(FRIDAY) as server:
        api_book(server, "甲", service="D")
        api_book(server, "乙", service="D")
        page = browser.new_page(viewport=PHONE)
        page.goto(f"{server.url}/book/demo?service=D")
        full = page.locator('#slots .choice[data-slot="09:00"]')
        expect(full).to_contain_text("已约满")
        expect(full).to_be_disabled()
        page.locator('#slots .choice[data-slot="10:00"]').click()
        page.locator("#name").fill("甲")
        page.locator("#phone").fill("1234")
        page.get_by_role("button", name="确认预约").click()
        expect(page.locator("#notice")).to_have_text("您已预约过当天的这项业务。")
        page.screenshot(path=artifacts / "book-phone-refused.png", full_page=True)
        page.close()

        english = browser.new_page(viewport=PHONE)
        english.goto(f"{server.url}/book/demo?service=A&lang=en")
        expect(english.locator("h1")).to_contain_text("Book a visit")
        expect(english.locator('#slots .choice[data-slot="09:00"]')).to_contain_text("4 left")
        expect(english.locator("#days .choice").first).to_have_text("Sat 5 Dec")
        english.screenshot(path=artifacts / "book-phone-en.png", full_page=True)
        english.close()


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("zh", {"open": "已预约？查询或取消预约", "look": "查询预约", "cancel": "取消预约", "yes": "确认取消",
                "unknown": "没有与该预约码和手机号后四位相符的预约，请核对。", "bad_code": "请填写 8 位数字的预约码。",
                "cancelled": "已取消"}),
        ("en", {"open": "Already booked? Look up or cancel", "look": "Look up", "cancel": "Cancel booking",
                "yes": "Yes, cancel it",
                "unknown": "No booking matches this code and these phone digits. Please check both.",
                "bad_code": "Please give the 8-digit booking code.", "cancelled": "Cancelled"}),
    ],
)  # fmt: skip
def test_look_up_and_cancel_a_booking_with_its_code_and_phone_digits(
    browser: Browser, server_at: ServerAt, artifacts: Path, lang: str, words: dict[str, str]
) -> None:
    """The visitor comes back another day with the code: the page asks for it and the phone's last 4 digits, sends
    the digits in a header (never in the address), and says what went wrong in the page's language."""
    with server_at(FRIDAY) as server:
        code = api_book(server, "王五", phone="13800004321")
        page = browser.new_page(viewport=PHONE)
        errors = watch_errors(page)
        sent: list[dict[str, str]] = []
        page.on("request", lambda r: sent.append({"url": r.url, **r.headers}) if "/bookings/" in r.url else None)
        page.goto(f"{server.url}/book/demo?lang={lang}")
        page.get_by_role("button", name=words["open"]).click()
        expect(page.locator("#lookup")).to_be_visible()
        expect(page.locator("#lookup-code")).to_be_focused()

        page.locator("#lookup-code").fill("1234")
        page.locator("#lookup-phone").fill("4321")
        page.get_by_role("button", name=words["look"]).click()
        expect(page.locator("#notice")).to_have_text(words["bad_code"])

        page.locator("#lookup-code").fill(f"{code[:4]} {code[4:]}")  # as the page shows codes
        page.locator("#lookup-phone").fill("1234")  # wrong digits
        page.get_by_role("button", name=words["look"]).click()
        expect(page.locator("#notice")).to_have_text(words["unknown"])
        page.screenshot(path=artifacts / f"book-phone-look-up-{lang}.png", full_page=True)
        box = page.locator("#lookup-submit").bounding_box()  # usable on a phone: the button in view and wide
        assert box is not None and box["y"] + box["height"] <= PHONE["height"] and box["width"] >= 300, box

        page.locator("#lookup-phone").fill("4321")
        page.get_by_role("button", name=words["look"]).click()
        expect(page.locator("#b-name")).to_have_text("王*")
        expect(page.locator("#code")).to_have_text(f"{code[:4]} {code[4:]}")
        page.get_by_role("button", name=words["cancel"]).click()
        page.get_by_role("button", name=words["yes"]).click()
        expect(page.locator("#b-state")).to_have_text(words["cancelled"])
        assert booking(server, code, "4321")["state"] == "cancelled"

        asked = [r for r in sent if code in r["url"]]
        assert [r.get("x-phone-last4") for r in asked] == ["1234", "4321", "4321"]  # wrong, right, cancel
        assert {r["url"] for r in asked} == {f"{server.url}/api/halls/demo/bookings/{code}"}  # the digits not in it
        assert errors == []
        page.close()


def type_code(kiosk: Page, code: str) -> None:
    for digit in code:
        kiosk.locator(f'.key[data-key="{digit}"]').click()


def test_check_in_at_the_kiosk_with_the_booking_code(browser: Browser, server_at: ServerAt, artifacts: Path) -> None:
    with server_at(FRIDAY) as friday:
        # The hall screen goes on calling while bookings are made and cancelled (events it does not know).
        screen = browser.new_page(viewport=FULL_HD)
        screen_errors = watch_errors(screen)
        screen.goto(f"{friday.url}/display/demo")
        code = api_book(friday, "预约的人")
        later = api_book(friday, "十一点半", slot="11:30")
        cancelled = api_book(friday, "不来了", service="A", phone="5678")
        gone = httpx2.delete(f"{friday.url}/api/halls/demo/bookings/{cancelled}", headers={"X-Phone-Last4": "5678"})
        assert gone.status_code == 200
        friday.take("A", hall="demo")
        friday.act(1, hall="demo")
        expect(screen.locator("#call-main")).to_contain_text("A001", timeout=5000)
        assert screen_errors == []
        screen.close()

    with server_at(SATURDAY_CHECK_IN) as saturday:
        kiosk = browser.new_page(viewport=PORTRAIT)
        errors = watch_errors(kiosk)
        kiosk.goto(f"{saturday.url}/kiosk/demo")
        # 08:50: nothing is open yet; booked visitors check in already.
        expect(kiosk.locator('.category[data-code="B"] .note')).to_have_text("下次开放 今天 09:00")
        kiosk.get_by_role("button", name=re.compile("预约签到")).click()
        expect(kiosk.locator("#checkin-submit")).to_be_disabled()

        type_code(kiosk, "99999999")
        kiosk.get_by_role("button", name="签到取号").click()
        expect(kiosk.locator("#error-title")).to_have_text("签到没有成功")
        expect(kiosk.locator("#error-text")).to_have_text("没有这个预约码，请核对后重新输入。")
        kiosk.get_by_role("button", name="重试").click()
        expect(kiosk.locator("#checkin-code .digit.filled")).to_have_count(8)  # kept, to correct a digit

        kiosk.locator('.key[data-key="clear"]').click()
        type_code(kiosk, later)
        kiosk.get_by_role("button", name="签到取号").click()
        expect(kiosk.locator("#error-text")).to_have_text("您预约的是 11:30，11:00 起可以签到，请稍后再来。")
        kiosk.get_by_role("button", name="返回").click()

        kiosk.get_by_role("button", name=re.compile("预约签到")).click()
        type_code(kiosk, code[:7] + "0")
        kiosk.locator('.key[data-key="back"]').click()
        type_code(kiosk, code[7])
        expect(kiosk.locator("#checkin-code")).to_have_text(code)
        kiosk.screenshot(path=artifacts / "kiosk-check-in-keypad.png")
        kiosk.get_by_role("button", name="签到取号").click()

        expect(kiosk.locator("#ticket-number")).to_have_text("B001")
        expect(kiosk.locator("#ticket-booked")).to_be_visible()
        expect(kiosk.locator("#ticket-ahead")).to_have_text("0 人")
        expect(kiosk.locator("#ticket-qr")).not_to_have_js_property("naturalWidth", 0)  # the image has loaded
        kiosk.screenshot(path=artifacts / "kiosk-check-in-ticket.png")
        status = booking(saturday, code)
        assert (status["state"], status["ticket_number"]) == ("checked_in", "B001")
        ticket = httpx2.get(f"{saturday.url}/api/tickets/{status['ticket_id']}").json()
        assert (ticket["priority"], ticket["state"]) == (True, "waiting")
        assert "booking" not in ticket  # the ticket's public view never carries the booking code
        assert errors == []
        kiosk.close()


def test_the_kiosk_greys_out_closed_categories(browser: Browser, server_at: ServerAt, artifacts: Path) -> None:
    with server_at(SATURDAY_MORNING) as server:
        for _ in range(17):  # 出入境 has one window at the weekend: 17 waiting could not all be served in time
            server.take("E", hall="demo")
        kiosk = browser.new_page(viewport=PORTRAIT)
        errors = watch_errors(kiosk)
        kiosk.goto(f"{server.url}/kiosk/demo")
        closed = kiosk.locator('.category[data-code="C"]')
        expect(closed.locator(".note")).to_have_text("下次开放 周一 09:00")
        expect(closed).to_have_class(re.compile(r"\bclosed\b"))
        expect(kiosk.locator('.category[data-code="E"] .note')).to_have_text("今日已停止取号")
        expect(kiosk.locator('.category[data-code="A"]')).not_to_have_class(re.compile(r"\bclosed\b"))
        expect(kiosk.locator('.category[data-code="A"] .note')).to_be_hidden()
        expect(kiosk.locator('.category[data-code="A"] .count')).to_have_text("0")
        kiosk.screenshot(path=artifacts / "kiosk-closed-categories.png")
        last = kiosk.locator("#checkin-open").bounding_box()
        assert last is not None and last["y"] + last["height"] <= 1920, last

        closed.click()
        expect(kiosk.locator("#closed-title")).to_have_text("该业务现在不能取号")
        expect(kiosk.locator("#closed-text")).to_contain_text("不动产")
        expect(kiosk.locator("#closed-text")).to_contain_text("12月7日 周一 09:00")
        expect(kiosk.locator("#closed-booking")).to_be_hidden()  # Monday's session takes walk-ins
        kiosk.get_by_role("button", name="返回").click()
        kiosk.locator('.category[data-code="E"]').click()
        expect(kiosk.locator("#closed-title")).to_have_text("该业务今日已停止取号")
        kiosk.get_by_role("button", name="返回").click()
        assert errors == []
        kiosk.close()

        english = browser.new_page(viewport=FULL_HD)
        english.goto(f"{server.url}/kiosk/demo?lang=en")
        expect(english.locator('.category[data-code="C"] .note')).to_have_text("Opens Mon 09:00")
        english.screenshot(path=artifacts / "kiosk-closed-categories-landscape-en.png")
        for i in range(english.locator(".category").count()):
            box = english.locator(".category").nth(i).bounding_box()
            assert box is not None and box["y"] + box["height"] <= 1080, box
        english.close()


def test_a_closed_category_points_to_booking_its_next_session(
    browser: Browser, server_at: ServerAt, artifacts: Path
) -> None:
    with server_at(FRIDAY_EVENING) as server:
        kiosk = browser.new_page(viewport=PORTRAIT)
        kiosk.goto(f"{server.url}/kiosk/demo")
        button = kiosk.locator('.category[data-code="A"]')
        expect(button.locator(".note")).to_have_text("下次开放 明天 09:00")
        button.click()
        expect(kiosk.locator("#closed-text")).to_contain_text("该时段可预约")
        expect(kiosk.locator("#closed-link")).to_have_text(f"{server.url}/book/demo?service=A")
        expect(kiosk.locator("#closed-qr")).not_to_have_js_property("naturalWidth", 0)  # the image has loaded
        kiosk.screenshot(path=artifacts / "kiosk-closed-book-instead.png")
        qr = httpx2.get(f"{server.url}/qr/book/demo.svg?service=A")
        assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
        kiosk.close()


def test_the_kiosk_opens_categories_when_the_session_starts(browser: Browser, server_at: ServerAt) -> None:
    """No ticket event says that 09:00 has come: the server's ``hours`` event does, and the buttons follow it."""
    with server_at("2026-12-05T08:59:45+08:00") as server:
        kiosk = browser.new_page(viewport=PORTRAIT)
        errors = watch_errors(kiosk)
        kiosk.goto(f"{server.url}/kiosk/demo")
        button = kiosk.locator('.category[data-code="B"]')
        expect(button.locator(".note")).to_have_text("下次开放 今天 09:00")
        server.move_clock(20)  # past 09:00
        expect(button).not_to_have_class(re.compile(r"\bclosed\b"), timeout=5000)
        expect(button.locator(".note")).to_be_hidden()
        expect(kiosk.locator('.category[data-code="C"] .note')).to_have_text("下次开放 周一 09:00")
        assert errors == []
        kiosk.close()
