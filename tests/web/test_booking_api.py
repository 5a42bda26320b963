"""The appointments API (预约) through the app, against a real Redis, with the server clock fixed at a moment:
see free slots, book, look, cancel, check in; every kind of bad input answers a clear JSON error."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from redis import Redis
from starlette.testclient import TestClient

from queue_server.config.loader import ConfigError, load_halls
from queue_server.runtime.clock import Clock
from queue_server.server.app import create_app

TZ = ZoneInfo("Asia/Shanghai")
FRIDAY = datetime(2026, 12, 4, 10, 0, tzinfo=TZ)  # booking for Saturday 5 December is open until 16:00
SATURDAY_0850 = datetime(2026, 12, 5, 8, 50, tzinfo=TZ)  # check-in for the 09:00 slots is open
BOOKINGS = "/api/halls/demo/bookings"
DIGITS = {"X-Phone-Last4": "1234"}  # the phone every booking of book() gives, unless told otherwise
KIOSK = ("127.0.0.1", 50000)  # the demo hall's LAN: a trusted device

ClientAt = Callable[..., contextlib.AbstractContextManager[TestClient]]


@pytest.fixture
def client_at(redis_url: str, config_dir: Path) -> ClientAt:
    """Opens the app with its clock at a moment; several may share the Redis, like a Friday and a Saturday."""
    client = Redis.from_url(redis_url)
    client.flushall()
    client.close()
    halls = load_halls(config_dir)

    @contextlib.contextmanager
    def opened(moment: datetime, client: tuple[str, int] = ("203.0.113.5", 40000)) -> Iterator[TestClient]:
        """An anonymous client (a visitor's phone) unless ``client`` is an address of the hall's LAN."""
        app = create_app(halls, redis_url, Clock(moment), admin_token="supervisor-secret", background=False)
        with TestClient(app, raise_server_exceptions=False, client=client) as c:
            yield c

    return opened


@pytest.fixture
def friday(client_at: ClientAt) -> Iterator[TestClient]:
    with client_at(FRIDAY) as c:
        yield c


def book(client: TestClient, name: str = "张三", **fields: Any) -> dict[str, Any]:
    body = {"service": "B", "date": "2026-12-05", "slot": "09:00", "name": name, "phone": "1234", **fields}
    response = client.post(BOOKINGS, json=body)
    assert response.status_code == 201, response.text
    booking: dict[str, Any] = response.json()
    return booking


def free(client: TestClient, service: str = "B", day: str = "2026-12-05") -> dict[str, int]:
    response = client.get(f"/api/halls/demo/slots?service={service}&date={day}")
    assert response.status_code == 200, response.text
    return {s["slot"]: s["free"] for s in response.json()["slots"]}


def test_see_free_slots_book_look_and_cancel(friday: TestClient) -> None:
    days = friday.get("/api/halls/demo/booking-days").json()
    assert [s["code"] for s in days["services"]] == ["A", "B", "D", "E", "F", "G"]  # no real estate at weekends
    b_days = next(s for s in days["services"] if s["code"] == "B")["days"]
    assert b_days[0] == {
        "date": "2026-12-05", "text": "12月5日 周六", "text_en": "Sat 5 Dec", "closes_at": "2026-12-04T16:00:00+08:00",
    }  # fmt: skip

    slots = friday.get("/api/halls/demo/slots?service=B&date=2026-12-05").json()
    assert (slots["service"], slots["date"], slots["bookable"]) == ("B", "2026-12-05", True)
    assert slots["closes_at"] == "2026-12-04T16:00:00+08:00"
    assert [s["slot"] for s in slots["slots"]] == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert slots["slots"][0] == {
        "slot": "09:00", "slot_end": "09:30", "session": "周末及节假日专场", "session_en": "Weekend & holiday session",
        "capacity": 3, "booked": 0, "free": 3, "check_in_opens": "2026-12-05T08:30:00+08:00",
        "check_in_closes": "2026-12-05T09:15:00+08:00",
    }  # fmt: skip

    booking = book(friday, name="李雷", phone="13800138000")
    assert len(booking["code"]) == 8 and booking["code"].isdigit()
    assert (booking["state"], booking["name"], booking["phone"], booking["slot_end"]) == (
        "booked",
        "李雷",
        "8000",
        "09:30",
    )
    assert free(friday)["09:00"] == 2

    digits = {"X-Phone-Last4": "8000"}
    status = friday.get(f"{BOOKINGS}/{booking['code']}", headers=digits)
    assert status.status_code == 200
    assert (status.json()["state"], status.json()["name"], status.json()["phone"]) == ("booked", "李*", "8000")

    cancelled = friday.delete(f"{BOOKINGS}/{booking['code']}", headers=digits)
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert free(friday)["09:00"] == 3
    again = friday.delete(f"{BOOKINGS}/{booking['code']}", headers=digits)
    assert (again.status_code, again.json()["error"]) == (409, "booking_cancelled")


BAD_BOOKINGS = [
    # (changes to a good booking, status, error code)
    ({"service": "Z"}, 404, "unknown_service"),
    ({"service": "C"}, 404, "no_appointments"),  # no real-estate window at weekends
    ({"date": "2026-12-04"}, 404, "no_appointments"),  # a Friday: walk-ins only
    ({"date": "2026-13-01"}, 422, "invalid_date"),
    ({"date": "5 Dec"}, 422, "invalid_date"),
    ({"date": "2026-12-26"}, 422, "too_far_ahead"),
    ({"slot": "09:15"}, 422, "unknown_slot"),
    ({"slot": "12:00"}, 422, "unknown_slot"),
    ({"name": ""}, 422, "invalid_name"),
    ({"name": "名" * 21}, 422, "invalid_name"),
    ({"name": None}, 422, "invalid_name"),
    ({"phone": "12"}, 422, "invalid_phone"),
    ({"phone": 1234}, 422, "invalid_phone"),
    ({"phone": "12ab"}, 422, "invalid_phone"),
    ({"extra": 1}, 422, "unknown_field"),
    ({"service": None}, 422, "missing_field"),
]


@pytest.mark.parametrize(("change", "status", "code"), BAD_BOOKINGS)
def test_bad_bookings_are_refused_clearly(friday: TestClient, change: dict[str, Any], status: int, code: str) -> None:
    body = {"service": "B", "date": "2026-12-05", "slot": "09:00", "name": "张三", "phone": "1234", **change}
    body = {k: v for k, v in body.items() if v is not None or k == "name"}
    response = friday.post(BOOKINGS, json=body)
    assert (response.status_code, response.json()["error"]) == (status, code), response.text
    assert response.json()["message"]
    assert free(friday)["09:00"] == 3  # nothing was booked


def test_errors_say_what_to_do_next(friday: TestClient) -> None:
    far = friday.post(
        BOOKINGS, json={"service": "B", "date": "2026-12-26", "slot": "09:00", "name": "a", "phone": "1234"}
    )
    assert far.json()["last_date"] == "2026-12-18"
    friday_only = friday.post(
        BOOKINGS, json={"service": "B", "date": "2026-12-04", "slot": "09:00", "name": "a", "phone": "1234"}
    )
    assert friday_only.json()["next_date"] == "2026-12-05"
    slot = friday.post(
        BOOKINGS, json={"service": "B", "date": "2026-12-05", "slot": "9:00", "name": "a", "phone": "1234"}
    )
    assert slot.json()["slots"][:2] == ["09:00", "09:30"]
    assert "没有" in slot.json()["message"] and "No slot" in slot.json()["message_en"]  # Chinese, and English


def test_a_full_slot_and_a_second_booking_are_conflicts(friday: TestClient) -> None:
    book(friday, name="甲", service="D")
    book(friday, name="乙", service="D", phone="2345")
    full = friday.post(
        BOOKINGS, json={"service": "D", "date": "2026-12-05", "slot": "09:00", "name": "丙", "phone": "0001"}
    )
    assert (full.status_code, full.json()["error"]) == (409, "slot_full")
    twice = friday.post(
        BOOKINGS, json={"service": "D", "date": "2026-12-05", "slot": "10:00", "name": "甲", "phone": "1234"}
    )
    assert (twice.status_code, twice.json()["error"]) == (409, "duplicate_booking")
    slots = friday.get("/api/halls/demo/slots?service=D&date=2026-12-05").json()["slots"]
    assert (slots[0]["booked"], slots[0]["free"]) == (2, 0)


def test_booking_closes_at_the_cut_off(client_at: ClientAt) -> None:
    with client_at(FRIDAY.replace(hour=16)) as late:
        response = late.post(
            BOOKINGS, json={"service": "B", "date": "2026-12-05", "slot": "09:00", "name": "a", "phone": "1234"}
        )
        assert (response.status_code, response.json()["error"]) == (409, "booking_closed")
        assert response.json()["closes_at"] == "2026-12-04T16:00:00+08:00"
        slots = late.get("/api/halls/demo/slots?service=B&date=2026-12-05").json()
        assert slots["bookable"] is False
        days = late.get("/api/halls/demo/booking-days").json()["services"][1]["days"]
        assert [d["date"] for d in days][:2] == ["2026-12-12", "2026-12-13"]  # this weekend has closed


def test_a_retried_booking_is_booked_once(friday: TestClient) -> None:
    body = {"service": "B", "date": "2026-12-05", "slot": "09:30", "name": "王五", "phone": "138 0013 8000"}
    first = friday.post(BOOKINGS, json=body, headers={"Idempotency-Key": "phone-1"})
    again = friday.post(BOOKINGS, json=body, headers={"Idempotency-Key": "phone-1"})
    assert first.status_code == again.status_code == 201
    assert again.json()["code"] == first.json()["code"] and again.headers["Idempotent-Replayed"] == "true"
    assert free(friday)["09:30"] == 2
    other = friday.post(BOOKINGS, json={**body, "slot": "10:00"}, headers={"Idempotency-Key": "phone-1"})
    assert (other.status_code, other.json()["error"]) == (422, "idempotency_key_reused")


def test_check_in_answers_a_priority_ticket_as_issuing_does(client_at: ClientAt) -> None:
    with client_at(FRIDAY) as friday:
        booking = book(friday, name="赵六")
        early = friday.post(f"{BOOKINGS}/{booking['code']}/check-in", headers=DIGITS)
        assert (early.status_code, early.json()["error"]) == (409, "not_today")
    with client_at(SATURDAY_0850, client=KIOSK) as saturday:
        response = saturday.post(f"{BOOKINGS}/{booking['code']}/check-in", headers={"Idempotency-Key": "kiosk-1"})
        assert response.status_code == 201, response.text
        ticket = response.json()
        assert {"id", "number", "service", "ahead", "issued_at", "business_day", "state"} <= set(ticket)
        assert (ticket["number"], ticket["priority"], ticket["booking"], ticket["ahead"]) == (
            "B001", True, booking["code"], 0,
        )  # fmt: skip
        retry = saturday.post(f"{BOOKINGS}/{booking['code']}/check-in", headers={"Idempotency-Key": "kiosk-1"})
        assert retry.json()["id"] == ticket["id"] and retry.headers["Idempotent-Replayed"] == "true"
        public = saturday.get(f"/api/tickets/{ticket['id']}").json()
        assert public["state"] == "waiting" and public["priority"] is True
        assert "booking" not in public  # the ticket's page is public: the booking code stays off it

        typed_again = saturday.post(f"{BOOKINGS}/{booking['code']}/check-in")
        assert (typed_again.status_code, typed_again.json()["error"]) == (409, "already_checked_in")
        assert typed_again.json()["ticket_number"] == "B001"
        status = saturday.get(f"{BOOKINGS}/{booking['code']}", headers=DIGITS).json()
        assert (status["state"], status["ticket_id"], status["ticket_number"]) == ("checked_in", ticket["id"], "B001")


def test_check_in_too_early_says_when(client_at: ClientAt) -> None:
    with client_at(FRIDAY) as friday:
        booking = book(friday, slot="11:30")
    with client_at(SATURDAY_0850) as saturday:
        response = saturday.post(f"{BOOKINGS}/{booking['code']}/check-in", headers=DIGITS)
        assert (response.status_code, response.json()["error"]) == (409, "too_early")
        assert response.json()["check_in_opens"] == "2026-12-05T11:00:00+08:00"
        assert response.json()["check_in_closes"] == "2026-12-05T11:45:00+08:00"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/halls/demo/slots?date=2026-12-05", 422, "missing_field"),
        ("GET", "/api/halls/demo/slots?service=B", 422, "invalid_date"),
        ("GET", "/api/halls/demo/slots?service=B&date=2026-12-5", 422, "invalid_date"),
        ("GET", "/api/halls/demo/slots?service=Z&date=2026-12-05", 404, "unknown_service"),
        ("GET", "/api/halls/allday/slots?service=A&date=2026-12-05", 404, "no_appointments"),
        ("GET", "/api/halls/nowhere/slots?service=A&date=2026-12-05", 404, "unknown_hall"),
        ("GET", "/api/halls/allday/booking-days", 404, "no_appointments"),
        ("GET", f"{BOOKINGS}/12345678", 404, "unknown_booking"),
        ("GET", f"{BOOKINGS}/not-a-code", 404, "unknown_booking"),
        ("DELETE", f"{BOOKINGS}/12345678", 404, "unknown_booking"),
        ("POST", f"{BOOKINGS}/12345678/check-in", 404, "unknown_booking"),
        ("PUT", f"{BOOKINGS}/12345678", 405, "method_not_allowed"),
        ("GET", "/qr/booking/demo/1234.svg", 404, "unknown_booking"),
    ],
)
def test_bad_requests_answer_json_errors(friday: TestClient, method: str, path: str, status: int, code: str) -> None:
    response = friday.request(method, path, headers=DIGITS)
    assert (response.status_code, response.json()["error"]) == (status, code), response.text


def test_a_check_in_body_must_be_empty(friday: TestClient) -> None:
    response = friday.post(f"{BOOKINGS}/12345678/check-in", json={"code": "1"})
    assert (response.status_code, response.json()["error"]) == (422, "unknown_field")


def test_guessing_booking_codes_is_refused_after_a_few_tries(friday: TestClient) -> None:
    """Guessing 8-digit codes found a live booking every couple of minutes; now an address that asks for 20
    unknown codes in an hour is refused every look-up, even of a real code, until the hour moves on."""
    real = book(friday)["code"]
    for n in range(20):
        guess = f"{10_000_000 + n:08d}"
        method = friday.get if n % 2 else friday.delete
        assert method(f"{BOOKINGS}/{guess}", headers=DIGITS).status_code == 404
    refused = friday.get(f"{BOOKINGS}/{real}", headers=DIGITS)
    assert (refused.status_code, refused.json()["error"]) == (429, "too_many_lookups")
    assert int(refused.headers["Retry-After"]) >= 1 and "查询预约码失败次数过多" in refused.json()["message"]
    assert friday.delete(f"{BOOKINGS}/{real}", headers=DIGITS).status_code == 429  # nor can it cancel one


def test_looking_up_or_cancelling_needs_the_phones_last_digits(friday: TestClient) -> None:
    """A code alone, found or guessed, neither shows nor cancels a booking: the phone's last 4 digits go with it,
    in a header (never the URL). Wrong digits answer exactly as an unknown code does."""
    code = book(friday, phone="13800138000")["code"]
    path = f"{BOOKINGS}/{code}"
    for method in ("GET", "DELETE"):
        missing = friday.request(method, path)
        assert (missing.status_code, missing.json()["error"]) == (422, "missing_phone_digits")
        assert "手机号码的后四位" in missing.json()["message"] and "X-Phone-Last4" in missing.json()["message_en"]
        for bad in ("800", "80000", "8o00", "８０００", ""):
            malformed = friday.request(method, path, headers={b"X-Phone-Last4": bad.encode()})
            assert (malformed.status_code, malformed.json()["error"]) == (422, "invalid_phone_digits"), bad
            assert "4 位数字" in malformed.json()["message"] and "4 digits" in malformed.json()["message_en"]

        wrong = friday.request(method, path, headers={"X-Phone-Last4": "0008"})
        unknown = friday.request(method, f"{BOOKINGS}/87654321", headers={"X-Phone-Last4": "0008"})
        assert wrong.status_code == unknown.status_code == 404
        assert wrong.json() == unknown.json()
        assert wrong.json()["error"] == "unknown_booking" and set(wrong.json()) == {"error", "message", "message_en"}
    assert free(friday)["09:00"] == 2  # the wrong digits cancelled nothing

    right = {"X-Phone-Last4": "8000"}
    assert friday.get(path, headers=right).json()["state"] == "booked"
    assert friday.delete(path, headers=right).json()["state"] == "cancelled"


def test_wrong_digits_count_as_failed_look_ups(friday: TestClient) -> None:
    """Guessing the 4 digits of a known code is guessing: 20 wrong tries an hour, then every look-up is refused."""
    code = book(friday)["code"]
    for n in range(20):
        method = friday.get if n % 2 else friday.delete
        assert method(f"{BOOKINGS}/{code}", headers={"X-Phone-Last4": f"{2000 + n}"}).status_code == 404
    refused = friday.get(f"{BOOKINGS}/{code}", headers=DIGITS)
    assert (refused.status_code, refused.json()["error"]) == (429, "too_many_lookups")


def test_a_hall_kiosk_checks_in_with_the_code_and_anyone_else_with_the_digits_too(client_at: ClientAt) -> None:
    with client_at(FRIDAY) as friday:
        first, second = book(friday, name="甲")["code"], book(friday, name="乙", phone="5678")["code"]
    with client_at(SATURDAY_0850) as phone:
        bare = phone.post(f"{BOOKINGS}/{first}/check-in")
        assert (bare.status_code, bare.json()["error"]) == (422, "missing_phone_digits")
        wrong = phone.post(f"{BOOKINGS}/{first}/check-in", headers={"X-Phone-Last4": "5678"})
        assert (wrong.status_code, wrong.json()["error"]) == (404, "unknown_booking")
        done = phone.post(f"{BOOKINGS}/{first}/check-in", headers=DIGITS)
        assert done.status_code == 201 and done.json()["number"] == "B001"
    with client_at(SATURDAY_0850, client=KIOSK) as kiosk:
        assert kiosk.post(f"{BOOKINGS}/{second}/check-in").json()["number"] == "B002"  # the visitor is at it
        third = kiosk.post(f"{BOOKINGS}/{second}/check-in", headers={"X-Phone-Last4": "0000"})
        assert (third.status_code, third.json()["error"]) == (404, "unknown_booking")  # digits given are checked


def test_a_phone_holds_two_bookings_a_day_and_four_ahead(friday: TestClient) -> None:
    for name, service in (("甲", "A"), ("乙", "B")):
        book(friday, name=name, service=service)
    third = friday.post(
        BOOKINGS, json={"service": "D", "date": "2026-12-05", "slot": "09:00", "name": "丙", "phone": "1234"}
    )
    assert (third.status_code, third.json()["error"]) == (409, "phone_day_limit")
    assert third.json()["message"] == "尾号 1234 的手机号在 12月5日 周六 已有 2 个预约，每个手机号每天最多预约 2 个。"
    assert third.json()["message_en"].startswith("The phone ending 1234 already has 2 bookings on Sat 5 Dec")
    for name, service in (("甲", "A"), ("乙", "B")):
        book(friday, name=name, service=service, date="2026-12-06")
    fifth = friday.post(
        BOOKINGS, json={"service": "A", "date": "2026-12-12", "slot": "09:00", "name": "丁", "phone": "1234"}
    )
    assert (fifth.status_code, fifth.json()["error"]) == (409, "phone_ahead_limit")
    assert (fifth.json()["held"], fifth.json()["limit"]) == (4, 4)


def test_an_address_books_ten_a_day_and_a_hall_device_more(client_at: ClientAt) -> None:
    slots = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    with client_at(FRIDAY) as phone:
        for n in range(10):
            book(phone, name=f"刷号{n}", service="AB"[n // 6], slot=slots[n % 6], phone=f"{3000 + n}")
        refused = phone.post(
            BOOKINGS, json={"service": "D", "date": "2026-12-05", "slot": "09:00", "name": "又一个", "phone": "3999"}
        )
        assert (refused.status_code, refused.json()["error"]) == (429, "too_many_bookings")
        assert refused.headers["Retry-After"] == str(14 * 3600)  # until the hall's midnight
        assert "请明天再约" in refused.json()["message"] and "tomorrow" in refused.json()["message_en"]
    with client_at(FRIDAY, client=("203.0.113.6", 40000)) as neighbour:
        book(neighbour, name="邻居", service="D", phone="3998")
    with client_at(FRIDAY, client=KIOSK) as desk:  # the guide desk books for whoever asks
        for n in range(3):
            book(desk, name=f"窗口{n}", service="D" if n < 1 else "E", slot=slots[n], phone=f"{4000 + n}")
    with client_at(datetime(2026, 12, 5, 10, 0, tzinfo=TZ)) as phone:  # the next calendar day
        book(phone, name="第二天", date="2026-12-12", phone="3997")


def test_the_limits_are_set_per_hall(redis_url: str, config_dir: Path, tmp_path: Path) -> None:
    limits = "per_phone_per_day = 1\nper_phone_ahead = 1\nper_address_per_day = 2"
    text = (config_dir / "demo.toml").read_text(encoding="utf-8")
    text = text.replace("days_ahead = 14", f"days_ahead = 14\n{limits}")
    (tmp_path / "demo.toml").write_text(text, encoding="utf-8")
    rules = load_halls(tmp_path)["demo"].appointments
    assert rules is not None
    assert (rules.per_phone_per_day, rules.per_phone_ahead, rules.per_address_per_day) == (1, 1, 2)
    Redis.from_url(redis_url).flushall()
    app = create_app(load_halls(tmp_path), redis_url, Clock(FRIDAY), admin_token="supervisor-secret", background=False)
    with TestClient(app, raise_server_exceptions=False, client=("203.0.113.5", 40000)) as phone:
        book(phone, name="甲")
        again = phone.post(
            BOOKINGS, json={"service": "A", "date": "2026-12-06", "slot": "09:00", "name": "甲", "phone": "1234"}
        )
        assert (again.status_code, again.json()["error"]) == (409, "phone_ahead_limit")
        book(phone, name="乙", phone="2222")
        third = {"service": "A", "date": "2026-12-05", "slot": "09:00", "name": "丙", "phone": "3333"}
        assert phone.post(BOOKINGS, json=third).json()["error"] == "too_many_bookings"

    (tmp_path / "demo.toml").write_text(text.replace("per_phone_ahead = 1", "per_phone_ahead = 0"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"appointments\.per_phone_ahead: expected 1 to 1000"):
        load_halls(tmp_path)
    (tmp_path / "demo.toml").write_text(text.replace("per_phone_per_day = 1", "per_phone_per_day = 2"), "utf-8")
    with pytest.raises(ConfigError, match=r"per_phone_ahead: must be at least per_phone_per_day \(2\)"):
        load_halls(tmp_path)


def test_a_bookings_qr_code_never_says_whether_the_code_exists(friday: TestClient) -> None:
    code = book(friday)["code"]
    booked, made_up = friday.get(f"/qr/booking/demo/{code}.svg"), friday.get("/qr/booking/demo/87654321.svg")
    assert booked.status_code == made_up.status_code == 200
    assert booked.headers["content-type"] == made_up.headers["content-type"] == "image/svg+xml"
