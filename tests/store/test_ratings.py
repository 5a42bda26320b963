"""好差评 in Redis: one rating per served ticket in time, atomically; a 差评's case and its steps in order."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta
from typing import Any, cast

import pytest
from redis.asyncio import Redis

from queue_server.core.errors import Conflict, NotFound, QueueError, UnknownTicket
from queue_server.core.records import Ticket
from queue_server.store import keys
from queue_server.store.hall_store import HallStore
from queue_server.store.ratings import Ratings
from tests.conftest import MORNING

pytestmark = pytest.mark.asyncio


async def served(store: HallStore, window: int = 1, service: str = "A", minutes: float = 0) -> Ticket:
    """A ticket served at ``window`` by clerk w01, ``minutes`` after MORNING."""
    at = MORNING + timedelta(minutes=minutes)
    ticket = (await store.issue(at, service))["ticket"]
    await store.call_next(at, store.hall.window(window), clerk="w01")  # type: ignore[arg-type]
    await store.complete(at, window)
    return ticket


async def rated_events(redis: Redis, hall_id: str) -> list[dict[str, Any]]:
    entries = cast(list[tuple[str, dict[str, str]]], await redis.xrange(keys.events(hall_id)))
    return [json.loads(fields["data"]) for _, fields in entries if fields["type"] == "rated"]


async def test_a_served_visitor_rates_once_and_the_screens_hear_only_public_fields(
    store: HallStore, redis: Redis
) -> None:
    ticket = await served(store)
    rating, case = await Ratings(store).rate(
        MORNING + timedelta(minutes=5), level=5, reasons=(), comment="很好", channel="phone", ticket_id=ticket["id"]
    )
    assert case is None
    assert rating["number"] == "A001" and rating["window"] == 1 and rating["clerk"] == "w01"
    assert rating["service"] == "A" and rating["business_day"] == "2026-11-23" and rating["channel"] == "phone"
    assert rating["level"] == 5 and rating["reasons"] == [] and rating["comment"] == "很好"
    [event] = await rated_events(redis, store.hall.id)
    assert {k: event[k] for k in ("number", "window", "level")} == {"number": "A001", "window": 1, "level": 5}
    assert "clerk" not in event and "comment" not in event and "ticket_id" not in event
    with pytest.raises(Conflict) as refused:
        await Ratings(store).rate(MORNING, level=4, reasons=(), comment="", channel="phone", ticket_id=ticket["id"])
    assert refused.value.code == "already_rated"


async def test_two_ratings_at_once_give_one_rating(store: HallStore) -> None:
    ticket = await served(store)
    ratings = Ratings(store)
    results = await asyncio.gather(
        *(
            ratings.rate(MORNING, level=level, reasons=(), comment="", channel="phone", ticket_id=ticket["id"])
            for level in (5, 4, 3, 5)
        ),
        return_exceptions=True,
    )
    refusals = [r for r in results if isinstance(r, QueueError)]
    assert len(refusals) == 3 and {r.code for r in refusals} == {"already_rated"}
    assert len(await ratings.ratings_of_days(date(2026, 11, 23), date(2026, 11, 23))) == 1


async def test_only_a_served_ticket_in_time_can_be_rated(store: HallStore) -> None:
    ratings = Ratings(store)
    waiting = (await store.issue(MORNING, "B"))["ticket"]
    with pytest.raises(Conflict) as refused:
        await ratings.rate(MORNING, level=5, reasons=(), comment="", channel="phone", ticket_id=waiting["id"])
    assert refused.value.code == "not_served"
    ticket = await served(store)
    late = MORNING + timedelta(minutes=store.hall.ratings.within_minutes, seconds=1)
    with pytest.raises(Conflict) as refused:
        await ratings.rate(late, level=5, reasons=(), comment="", channel="phone", ticket_id=ticket["id"])
    assert refused.value.code == "rating_closed" and "30" in refused.value.message
    with pytest.raises(UnknownTicket):
        await ratings.rate(MORNING, level=5, reasons=(), comment="", channel="phone", ticket_id="t1.nope")


async def test_the_evaluator_rates_its_own_windows_last_visitor_once(store: HallStore) -> None:
    ratings = Ratings(store)
    with pytest.raises(Conflict) as refused:
        await ratings.rate(MORNING, level=5, reasons=(), comment="", channel="window", window=1)
    assert refused.value.code == "nothing_to_rate"
    await served(store, window=1, minutes=0)
    second = await served(store, window=1, minutes=3)
    await served(store, window=2, service="B", minutes=4)
    rating, _ = await ratings.rate(
        MORNING + timedelta(minutes=4), level=4, reasons=(), comment="", channel="window", window=1
    )
    assert rating["ticket_id"] == second["id"] and rating["number"] == "A002" and rating["channel"] == "window"
    with pytest.raises(Conflict) as refused:
        await ratings.rate(MORNING + timedelta(minutes=5), level=1, reasons=("slow",), comment="", channel="window",
                           window=1)  # fmt: skip
    assert refused.value.code == "already_rated"


async def test_a_poor_rating_opens_a_case_with_working_day_deadlines(store: HallStore) -> None:
    ticket = await served(store)
    rating, case = await Ratings(store).rate(
        MORNING, level=2, reasons=("long_wait",), comment="等了很久", channel="phone", ticket_id=ticket["id"]
    )
    assert case is not None and rating["case_id"] == case["id"] == "2026-11-23-A001"
    assert case["state"] == "to_verify" and case["next"] == "rectifying" and not case["overdue"]
    # Monday 23 November: verified by Tuesday, revisited by the 14th working day, closed by the 15th
    assert case["deadlines"] == {"rectifying": "2026-11-24", "revisited": "2026-12-11", "closed": "2026-12-14"}
    assert case["reasons"] == ["long_wait"] and case["comment"] == "等了很久" and case["clerk"] == "w01"


async def test_case_steps_follow_the_order_and_overdue_cases_are_flagged(store: HallStore) -> None:
    ratings = Ratings(store)
    ticket = await served(store)
    _, case = await ratings.rate(MORNING, level=1, reasons=("attitude",), comment="", channel="phone",
                                 ticket_id=ticket["id"])  # fmt: skip
    assert case is not None
    wednesday = MORNING + timedelta(days=2)
    [late] = await ratings.cases(wednesday)
    assert late["overdue"]  # not verified by Tuesday
    with pytest.raises(Conflict) as refused:
        await ratings.step(wednesday, case["id"], "revisited", "王科长", "")
    assert refused.value.code == "step_out_of_order"
    moved = await ratings.step(wednesday, case["id"], "rectifying", "王科长", "已核实，窗口人员已批评教育")
    assert moved["state"] == "rectifying" and not moved["overdue"]
    assert [s["state"] for s in moved["steps"]] == ["to_verify", "rectifying"]
    assert moved["steps"][1]["by"] == "王科长" and moved["steps"][1]["day"] == "2026-11-25"
    await ratings.step(wednesday, case["id"], "revisited", "王科长", "电话回访，群众满意")
    closed = await ratings.step(wednesday, case["id"], "closed", "王科长", "办结")
    assert closed["closed_on_time"] is True and not closed["overdue"] and closed["next"] is None
    with pytest.raises(NotFound):
        await ratings.step(wednesday, "2026-11-23-Z999", "rectifying", "王科长", "")


async def test_two_supervisors_taking_the_same_step_move_the_case_once(store: HallStore) -> None:
    ratings = Ratings(store)
    ticket = await served(store)
    _, case = await ratings.rate(MORNING, level=2, reasons=("slow",), comment="", channel="phone",
                                 ticket_id=ticket["id"])  # fmt: skip
    assert case is not None
    results = await asyncio.gather(
        *(ratings.step(MORNING, case["id"], "rectifying", who, "") for who in ("甲", "乙")), return_exceptions=True
    )
    assert sum(isinstance(r, QueueError) and r.code == "step_out_of_order" for r in results) == 1
    assert len((await ratings.case(case["id"]))["steps"]) == 2


async def test_ratings_outlive_their_tickets_and_open_cases_are_never_pruned(store: HallStore) -> None:
    ratings = Ratings(store)
    good = await served(store)
    bad = await served(store, minutes=1)
    await ratings.rate(MORNING, level=5, reasons=(), comment="", channel="phone", ticket_id=good["id"])
    await ratings.rate(MORNING, level=1, reasons=("other",), comment="", channel="phone", ticket_id=bad["id"])
    later = MORNING + timedelta(days=100)
    assert await store.prune(later) == 2  # the tickets are gone
    assert len(await ratings.ratings_of_days(date(2026, 11, 23), date(2026, 11, 23))) == 2
    assert await ratings.prune(MORNING + timedelta(days=500)) == 1  # the 差评's case is still open
    [kept] = await ratings.ratings_of_days(date(2026, 11, 23), date(2026, 11, 23))
    assert kept["level"] == 1
