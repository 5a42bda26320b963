"""Bookings (预约) against a real Redis: capacity under concurrent booking, one booking per person, cancelling,
the cut-off, check-in to a priority ticket, no-shows and idempotent retries. The clock is fixed per call."""

from __future__ import annotations

import asyncio
import itertools
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from redis.asyncio import Redis

from display_client.announcer import announcement_for
from queue_server.config.loader import load_halls
from queue_server.core.booking_records import Booking
from queue_server.core.errors import QueueError, TooManyRequests
from queue_server.core.hall import Hall
from queue_server.store import keys
from queue_server.store.bookings import Bookings
from queue_server.store.hall_store import HallStore, Scripts
from tests.records import called

TZ = ZoneInfo("Asia/Shanghai")
FRIDAY = datetime(2026, 12, 4, 10, 0, tzinfo=TZ)  # booking for the weekend is open until 16:00
SATURDAY = date(2026, 12, 5)


def saturday_at(hhmm: str) -> datetime:
    return datetime.fromisoformat(f"2026-12-05T{hhmm}").replace(tzinfo=TZ)


@pytest.fixture
def demo(config_dir: Path) -> Hall:
    return load_halls(config_dir)["demo"]


@pytest.fixture
def hall_store(redis: Redis, demo: Hall) -> HallStore:
    return HallStore(redis, Scripts(redis), demo)


@pytest.fixture
def bookings(hall_store: HallStore) -> Bookings:
    return Bookings(hall_store)


PHONES = itertools.count(1000)


async def book(
    bookings: Bookings,
    name: str = "张三",
    service: str = "B",
    slot: str = "09:00",
    phone: str | None = None,
    now: datetime = FRIDAY,
    day: date = SATURDAY,
    key: tuple[str, str] | None = None,
    anonymous: str = "",
) -> Booking:
    """A booking; each with other phone digits unless ``phone`` says (a phone holds only a few bookings)."""
    digits = phone or f"{next(PHONES) % 10_000:04d}"
    return await bookings.book(now, service, day, slot, name, digits, key, anonymous=anonymous)


async def refused(call: Any) -> QueueError:
    with pytest.raises(QueueError) as caught:
        await call
    return caught.value


async def events(redis: Redis, hall: Hall) -> list[dict[str, Any]]:
    entries = cast(list[tuple[str, dict[str, str]]], await redis.xrange(keys.events(hall.id)))
    return [json.loads(fields["data"]) for _, fields in entries]


async def test_a_booking_holds_a_place_and_answers_a_code(bookings: Bookings, redis: Redis, demo: Hall) -> None:
    booking = await book(bookings, name="  Li   Lei ", phone="138 0013 8000")
    code = booking["code"]
    assert len(code) == 8 and code.isdigit()
    assert {k: booking[k] for k in ("service", "date", "slot", "slot_end", "name", "phone", "state")} == {
        "service": "B", "date": "2026-12-05", "slot": "09:00", "slot_end": "09:30", "name": "Li Lei",
        "phone": "8000", "state": "booked",
    }  # fmt: skip
    assert booking["booked_at"].startswith("2026-12-04T10:00:00")
    assert (booking["checked_in_at"], booking["ticket_id"]) == (None, None)
    assert (booking["check_in_opens"], booking["check_in_closes"]) == (
        "2026-12-05T08:30:00+08:00",
        "2026-12-05T09:15:00+08:00",
    )
    assert "who" not in booking and "deadline_ms" not in booking
    assert await bookings.held(SATURDAY, "B", ["09:00", "09:30"]) == [1, 0]

    # What the statistics read: the stored JSON, with the whole number never kept.
    stored = json.loads(await redis.hget(keys.bookings(demo.id), code) or "{}")
    statistics_fields = ("code", "service", "date", "slot", "slot_end", "name", "phone", "state", "booked_at")
    assert {k: stored[k] for k in statistics_fields} == {k: dict(booking)[k] for k in statistics_fields}
    assert "13800138000" not in json.dumps(stored) and "0013" not in json.dumps(stored)

    status = await bookings.status(code, "8000")
    assert (status["state"], status["name"]) == ("booked", "L*****")  # whoever holds the code sees part of it

    # The public hall channel learns that a slot filled, never who booked or the code.
    (event,) = await events(redis, demo)
    assert (event["type"], event["service"], event["date"], event["slot"], event["held"]) == (
        "booked", "B", "2026-12-05", "09:00", 1,
    )  # fmt: skip
    assert code not in json.dumps(event) and "Li" not in json.dumps(event)


async def test_concurrent_bookings_never_overbook_a_slot(bookings: Bookings, demo: Hall) -> None:
    capacity = demo.appointments.capacity_of("B") if demo.appointments else 0
    assert capacity == 3
    results = await asyncio.gather(
        *(book(bookings, name=f"访客{i}", phone=f"{1000 + i}") for i in range(20)), return_exceptions=True
    )
    booked = [r for r in results if isinstance(r, dict)]
    full = [r for r in results if isinstance(r, QueueError)]
    assert len(booked) == capacity and len({b["code"] for b in booked}) == capacity
    assert {(e.code, e.status) for e in full} == {("slot_full", 409)} and len(full) == 20 - capacity
    assert await bookings.held(SATURDAY, "B", ["09:00"]) == [capacity]


async def test_one_person_books_a_category_once_a_day(bookings: Bookings) -> None:
    await book(bookings, name="Li Lei", slot="09:00", phone="1234")
    again = await refused(book(bookings, name="li  lei", slot="10:00", phone="1234"))
    assert (again.code, again.status) == ("duplicate_booking", 409)
    await book(bookings, name="Li Lei", service="A", slot="10:00", phone="1234")  # another category
    await book(bookings, name="Li Lei", day=SATURDAY + timedelta(days=1), phone="1234")  # another day
    await book(bookings, name="Li Lei", phone="9999", slot="10:00")  # another person of that name


async def test_cancelling_frees_the_place_and_the_person(bookings: Bookings, redis: Redis, demo: Hall) -> None:
    first = await book(bookings, name="甲", service="D", phone="1111")
    await book(bookings, name="乙", service="D")
    full = await refused(book(bookings, name="丙", service="D"))
    assert full.code == "slot_full"

    cancelled = await bookings.cancel(FRIDAY, first["code"], "1111")
    assert cancelled["state"] == "cancelled" and cancelled["cancelled_at"].startswith("2026-12-04T10:00")
    assert await bookings.held(SATURDAY, "D", ["09:00"]) == [1]
    await book(bookings, name="丙", service="D")  # the place is free again
    await book(bookings, name="甲", service="D", slot="09:30", phone="1111")  # and 甲 may book again

    twice = await refused(bookings.cancel(FRIDAY, first["code"], "1111"))
    assert (twice.code, twice.status) == ("booking_cancelled", 409)
    check_in = await refused(bookings.check_in(saturday_at("09:00"), first["code"]))
    assert check_in.code == "booking_cancelled"
    assert [e["type"] for e in await events(redis, demo)].count("booking_cancelled") == 1


async def test_unknown_codes(bookings: Bookings) -> None:
    calls = (
        bookings.cancel(FRIDAY, "12345678", "1234"),
        bookings.check_in(FRIDAY, "1234"),
        bookings.status("abc", "1234"),
    )
    for call in calls:
        error = await refused(call)
        assert (error.code, error.status) == ("unknown_booking", 404)


async def test_booking_for_the_weekend_closes_on_friday_at_16_00(bookings: Bookings) -> None:
    await book(bookings, name="赶在截止前", now=FRIDAY.replace(hour=15, minute=59, second=59))
    late = await refused(book(bookings, name="晚了一秒", now=FRIDAY.replace(hour=16)))
    assert (late.code, late.status, late.details) == ("booking_closed", 409, {"closes_at": "2026-12-04T16:00:00+08:00"})


async def test_a_retry_after_the_cut_off_still_gets_its_booking(bookings: Bookings) -> None:
    key = ("POST /api/halls/demo/bookings {...}", "phone-retry-1")
    first = await book(bookings, now=FRIDAY.replace(hour=15, minute=59, second=59), key=key, phone="1234")
    retry = await book(bookings, now=FRIDAY.replace(hour=16, second=1), key=key, phone="1234")
    assert retry["code"] == first["code"] and retry.get("replayed") is True
    assert await bookings.held(SATURDAY, "B", ["09:00"]) == [1]


async def test_a_checked_in_visitor_is_called_before_earlier_walk_ins(
    bookings: Bookings, hall_store: HallStore, demo: Hall
) -> None:
    booking = await book(bookings, name="预约的人")
    walk_ins = [(await hall_store.issue(saturday_at("08:59"), "B"))["ticket"] for _ in range(2)]

    answer = await bookings.check_in(saturday_at("09:05"), booking["code"])
    ticket = answer["ticket"]
    assert (ticket["number"], ticket["service"], ticket["priority"], ticket["ahead"]) == ("B003", "B", True, 0)
    assert ticket["booking"] == booking["code"] and ticket["state"] == "waiting"
    assert answer["booking"]["state"] == "checked_in" and answer["booking"]["ticket_id"] == ticket["id"]
    status = await bookings.status(booking["code"], booking["phone"])
    assert (str(status["checked_in_at"])[:16], status["ticket_number"]) == ("2026-12-05T09:05", "B003")
    # The hall's public channel says the ticket is a booked one, but never the booking's code.
    events = cast(list[tuple[str, dict[str, str]]], await hall_store.redis.xrange(keys.events(demo.id)))
    issued = [json.loads(fields["data"]) for _, fields in events if fields["type"] == "issued"]
    assert issued[-1]["number"] == "B003" and issued[-1]["booked"] is True
    assert all(booking["code"] not in json.dumps(event) for event in issued)

    window = demo.window(4)
    assert window is not None
    calls = [called(await hall_store.call_next(saturday_at("09:06"), window))["number"] for _ in range(3)]
    assert calls == ["B003", walk_ins[0]["number"], walk_ins[1]["number"]]


@pytest.mark.parametrize(
    ("moment", "code"),
    [
        ("2026-12-04T10:00", "not_today"),  # the Friday before
        ("2026-12-05T08:29:59", "too_early"),  # check-in opens 30 min before 09:00
        ("2026-12-05T09:15", "too_late"),  # and closes 15 min after (exclusive)
        ("2026-12-06T09:00", "not_today"),  # the Sunday after, before any no-show run
    ],
)
async def test_check_in_only_in_its_window(bookings: Bookings, moment: str, code: str) -> None:
    booking = await book(bookings)
    error = await refused(bookings.check_in(datetime.fromisoformat(moment).replace(tzinfo=TZ), booking["code"]))
    assert (error.code, error.status) == (code, 409)
    assert error.details["check_in_opens"] == "2026-12-05T08:30:00+08:00"
    assert error.details["check_in_closes"] == "2026-12-05T09:15:00+08:00"
    assert error.details["date"] == "2026-12-05" and error.details["slot"] == "09:00"


async def test_check_in_at_the_edges_of_the_window(bookings: Bookings) -> None:
    first, second = await book(bookings, name="早"), await book(bookings, name="晚")
    assert (await bookings.check_in(saturday_at("08:30"), first["code"]))["ticket"]["priority"] is True
    assert (await bookings.check_in(saturday_at("09:14:59"), second["code"]))["ticket"]["number"] == "B002"


async def test_a_retried_check_in_gives_the_same_ticket(bookings: Bookings, hall_store: HallStore) -> None:
    booking = await book(bookings)
    key = ("POST check-in", "kiosk-abc")
    first = await bookings.check_in(saturday_at("08:50"), booking["code"], key)
    retry = await bookings.check_in(saturday_at("08:51"), booking["code"], key)
    assert retry["ticket"]["id"] == first["ticket"]["id"] and retry.get("replayed") is True
    assert (await hall_store.snapshot(saturday_at("08:51")))["categories"][1]["priority_waiting"] == 1

    again = await refused(bookings.check_in(saturday_at("08:52"), booking["code"]))  # a new key: typed again
    assert (again.code, again.status) == ("already_checked_in", 409)
    assert again.details["ticket_number"] == first["ticket"]["number"]
    cancel = await refused(bookings.cancel(saturday_at("08:53"), booking["code"], booking["phone"]))
    assert cancel.code == "already_checked_in"


async def test_a_booking_not_checked_in_in_time_is_released_as_a_no_show(
    bookings: Bookings, redis: Redis, demo: Hall
) -> None:
    kept = await book(bookings, name="来了", service="D")
    missed = await book(bookings, name="没来", service="D")
    later = await book(bookings, name="十点的", service="D", slot="10:00")
    await bookings.check_in(saturday_at("09:10"), kept["code"])
    assert await bookings.held(SATURDAY, "D", ["09:00", "10:00"]) == [2, 1]

    assert await bookings.miss(saturday_at("09:14:59")) == 0
    assert await bookings.miss(saturday_at("09:15")) == 1
    assert await bookings.miss(saturday_at("09:16")) == 0  # once only
    assert await bookings.held(SATURDAY, "D", ["09:00", "10:00"]) == [1, 1]  # the no-show's place is released
    states = {b["code"]: (await bookings.get(b["code"]))["state"] for b in (kept, missed, later)}
    assert states == {kept["code"]: "checked_in", missed["code"]: "no_show", later["code"]: "booked"}
    assert (await bookings.get(missed["code"]))["missed_at"].startswith("2026-12-05T09:15")

    late = await refused(bookings.check_in(saturday_at("09:20"), missed["code"]))
    assert (late.code, late.status) == ("booking_missed", 409)
    kinds = [e["type"] for e in await events(redis, demo)]
    assert kinds.count("booking_missed") == 1


async def test_many_no_shows_are_handled_in_batches(bookings: Bookings) -> None:
    for i in range(5):
        await book(bookings, name=f"没来{i}", service="A", slot=f"{9 + i // 4:02d}:{30 * (i % 2):02d}")
    assert await bookings.miss(saturday_at("12:00"), batch=2) == 5


async def test_old_bookings_are_forgotten(bookings: Bookings, redis: Redis, demo: Hall) -> None:
    old = await book(bookings)
    await bookings.miss(saturday_at("12:00"))
    assert await bookings.prune(datetime(2027, 1, 20, tzinfo=TZ)) == 0  # kept for two months, like tickets
    assert await bookings.prune(datetime(2027, 2, 10, tzinfo=TZ)) == 1
    assert await redis.hlen(keys.bookings(demo.id)) == 0 and await redis.hlen(keys.booking_slots(demo.id)) == 0
    assert (await refused(bookings.status(old["code"], old["phone"]))).code == "unknown_booking"


@pytest.mark.parametrize("kind", ["booked", "booking_cancelled", "booking_missed"])
def test_the_announcer_passes_over_booking_events(kind: str) -> None:
    event = {"type": kind, "event_id": "1-0", "service": "B", "date": "2026-12-05", "slot": "09:00", "at": "x"}
    assert announcement_for(event, None, "zh", FRIDAY, 0) is None


async def test_a_code_with_the_wrong_phone_digits_is_an_unknown_code(bookings: Bookings) -> None:
    booking = await book(bookings, phone="8000")
    code = booking["code"]
    for call in (
        bookings.status(code, "0008"),
        bookings.cancel(FRIDAY, code, "8001"),
        bookings.check_in(saturday_at("08:50"), code, digits="0000"),
    ):
        error = await refused(call)
        assert (error.code, error.status, error.message_en) == ("unknown_booking", 404, "No booking with that code.")
    assert (await bookings.get(code))["state"] == "booked"  # nothing was cancelled or checked in
    assert (await bookings.status(code, "8000"))["state"] == "booked"
    answer = await bookings.check_in(saturday_at("08:50"), code, digits="8000")
    assert answer["ticket"]["priority"] is True


async def test_concurrent_bookings_never_pass_a_phones_limits(bookings: Bookings) -> None:
    """Two requests at once cannot both slip past a phone's limit: the book script counts and books in one step."""
    slots = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    results = await asyncio.gather(
        *(book(bookings, name=f"访客{i}", service="A", slot=slots[i % 6], phone="6666") for i in range(12)),
        return_exceptions=True,
    )
    booked = [r for r in results if isinstance(r, dict)]
    over = [r for r in results if isinstance(r, QueueError)]
    assert len(booked) == 2 and {(e.code, e.status) for e in over} == {("phone_day_limit", 409)}
    error = over[0]
    assert error.details == {"date": "2026-12-05", "held": 2, "limit": 2}
    assert "尾号 6666 的手机号在 12月5日 周六 已有 2 个预约" in error.message
    assert "already has 2 bookings on Sat 5 Dec" in error.message_en

    sunday = SATURDAY + timedelta(days=1)
    await book(bookings, name="周日一", day=sunday, phone="6666")
    await book(bookings, name="周日二", day=sunday, phone="6666")
    next_saturday = SATURDAY + timedelta(days=7)
    ahead = await refused(book(bookings, name="下周", day=next_saturday, phone="6666"))
    assert (ahead.code, ahead.status, ahead.details) == ("phone_ahead_limit", 409, {"held": 4, "limit": 4})
    assert "已有 4 个尚未办理的预约" in ahead.message and "4 upcoming bookings" in ahead.message_en
    await book(bookings, name="下周", day=next_saturday, phone="7777")  # another phone may


async def test_cancelling_or_missing_a_booking_gives_the_phone_its_place_back(
    bookings: Bookings, redis: Redis, demo: Hall
) -> None:
    first = await book(bookings, name="甲", phone="5555")
    await book(bookings, name="乙", service="A", phone="5555")
    assert (await refused(book(bookings, name="丙", service="D", phone="5555"))).code == "phone_day_limit"
    await bookings.cancel(FRIDAY, first["code"], "5555")
    await book(bookings, name="丙", service="D", phone="5555")
    counted = ("phone|2026-12-05|5555",)
    assert await redis.hmget(keys.booking_slots(demo.id), counted) == ["2"]

    assert await bookings.miss(saturday_at("12:00")) == 2  # two no-shows give theirs back too
    assert await redis.hmget(keys.booking_slots(demo.id), counted) == [None]


async def test_an_anonymous_address_books_its_daily_share_and_a_hall_device_more(bookings: Bookings) -> None:
    results = await asyncio.gather(
        *(book(bookings, name=f"刷号{i}", service="A", slot="10:00", anonymous="203.0.113.9") for i in range(4)),
        *(book(bookings, name=f"刷号{i}", slot=f"{9 + i // 2:02d}:{30 * (i % 2):02d}", anonymous="203.0.113.9")
          for i in range(6)),
        *(book(bookings, name=f"刷号{i}", service="D", slot="11:00", anonymous="203.0.113.9") for i in range(2)),
        return_exceptions=True,
    )  # fmt: skip
    booked = [r for r in results if isinstance(r, dict)]
    over = [r for r in results if isinstance(r, QueueError)]
    assert len(booked) == 10 and {(e.code, e.status) for e in over} == {("too_many_bookings", 429)}
    error = over[0]
    assert isinstance(error, TooManyRequests) and error.retry_after == 14 * 3600  # Friday 10:00 until midnight
    assert "每天最多 10 次" in error.message and "book again tomorrow" in error.message_en

    await book(bookings, name="别人", service="D", slot="11:30", anonymous="203.0.113.10")
    await book(bookings, name="服务台", service="E", slot="11:30")  # the guide desk, a trusted device
    saturday = await book(bookings, name="第二天", day=SATURDAY + timedelta(days=7), now=saturday_at("10:00"),
                          anonymous="203.0.113.9")  # fmt: skip
    assert saturday["state"] == "booked"  # a new calendar day


async def test_what_an_address_booked_is_forgotten_the_next_day(bookings: Bookings, redis: Redis, demo: Hall) -> None:
    async def fields() -> set[str]:
        return set(cast(list[str], await redis.hkeys(keys.booking_slots(demo.id))))

    await book(bookings, anonymous="203.0.113.9", phone="4321")
    address = {f for f in await fields() if f.startswith("address|")}
    assert len(address) == 1 and "203.0.113.9" not in next(iter(address))  # a pseudonym, never the address
    assert "phone|2026-12-05|4321" in await fields()
    await bookings.prune(FRIDAY)
    assert address <= await fields()  # today's count stays
    await bookings.prune(saturday_at("00:00"))
    assert not address & await fields()
    assert "phone|2026-12-05|4321" in await fields()  # kept as long as its booking
