"""The Lua scripts against a real Redis: numbering, call order, every window action, events, idempotency."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, cast

import pytest
from redis.asyncio import Redis

from queue_server.core.errors import Conflict, InvalidRequest, UnknownTicket
from queue_server.core.hall import Hall
from queue_server.core.records import Ticket
from queue_server.store import keys
from queue_server.store.hall_store import HallStore
from tests.conftest import MORNING
from tests.records import called, serving

pytestmark = pytest.mark.asyncio


async def events(redis: Redis, hall: Hall) -> list[dict[str, Any]]:
    """The hall's stream as the screens will see it."""
    out = []
    entries = cast(list[tuple[str, dict[str, str]]], await redis.xrange(keys.events(hall.id)))
    for event_id, fields in entries:
        data = json.loads(fields["data"])
        assert data["type"] == fields["type"]
        out.append({"event_id": event_id, **data})
    return out


async def issue(store: HallStore, service: str, minutes: float = 0, priority: bool = False) -> Ticket:
    return (await store.issue(MORNING + timedelta(minutes=minutes), service, priority))["ticket"]


async def call(store: HallStore, window: int) -> Ticket | None:
    return (await store.call_next(MORNING, store.hall.window(window)))["ticket"]  # type: ignore[arg-type]


async def test_numbers_start_at_001_per_category(store: HallStore) -> None:
    numbers = [(await issue(store, code))["number"] for code in "AABAB"]
    assert numbers == ["A001", "A002", "B001", "A003", "B002"]


async def test_issue_answers_what_the_visitor_sees(store: HallStore) -> None:
    first = await issue(store, "A")
    second = await issue(store, "A")
    assert second["ahead"] == 1
    assert first["state"] == "waiting"
    assert first["business_day"] == "2026-11-23"
    assert first["issued_at"].startswith("2026-11-23T09:00:00")
    assert first["id"].startswith("t1.") and len(first["id"]) > 20
    assert first["id"] != second["id"]
    assert "seq" not in first


async def test_priority_visitors_are_ahead_of_everyone(store: HallStore) -> None:
    await issue(store, "A")
    await issue(store, "A")
    green = await issue(store, "A", priority=True)
    assert green["ahead"] == 0
    assert (await store.ticket(MORNING, (await issue(store, "A"))["id"]))["ahead"] == 3
    assert (await call(store, 1))["id"] == green["id"]  # type: ignore[index]


async def test_oldest_policy_takes_the_longest_wait_across_categories(store: HallStore) -> None:
    b = await issue(store, "B", minutes=0)
    a = await issue(store, "A", minutes=1)
    assert (await call(store, 3))["id"] == b["id"]  # type: ignore[index]
    assert (await call(store, 3))["id"] == a["id"]  # type: ignore[index]
    assert await call(store, 3) is None


async def test_order_policy_takes_the_first_category_with_anyone(store: HallStore) -> None:
    a = await issue(store, "A", minutes=0)
    b = await issue(store, "B", minutes=5)
    # window 4 serves B then A, in that order, whoever came first
    assert (await call(store, 4))["id"] == b["id"]  # type: ignore[index]
    assert (await call(store, 4))["id"] == a["id"]  # type: ignore[index]


async def test_priority_first_even_under_order_policy(store: HallStore) -> None:
    await issue(store, "B")
    green_a = await issue(store, "A", priority=True)
    assert (await call(store, 4))["id"] == green_a["id"]  # type: ignore[index]


async def test_a_window_calls_only_its_categories(store: HallStore) -> None:
    await issue(store, "B")
    await issue(store, "C")
    assert await call(store, 1) is None


async def test_call_next_completes_the_current_visitor(store: HallStore, redis: Redis, hall: Hall) -> None:
    a1 = await issue(store, "A")
    await issue(store, "A")
    await call(store, 1)
    await call(store, 1)
    assert (await store.ticket(MORNING, a1["id"]))["state"] == "served"
    snapshot = await store.snapshot(MORNING)
    window = snapshot["windows"][0]
    assert window["number"] == 1 and window["served_today"] == 1 and serving(window)["number"] == "A002"
    assert [e["type"] for e in await events(redis, hall)] == [
        "issued",
        "issued",
        "called",
        "completed",
        "called",
    ]


async def test_call_next_on_an_empty_line_frees_the_window(store: HallStore) -> None:
    a1 = await issue(store, "A")
    await call(store, 1)
    assert await call(store, 1) is None
    assert (await store.ticket(MORNING, a1["id"]))["state"] == "served"
    assert (await store.snapshot(MORNING))["windows"][0]["state"] == "idle"


async def test_called_event_carries_what_screens_and_announcers_need(
    store: HallStore, redis: Redis, hall: Hall
) -> None:
    ticket = await issue(store, "A")
    await call(store, 1)
    called = (await events(redis, hall))[-1]
    assert called["type"] == "called"
    assert {k: called[k] for k in ("ticket_id", "number", "service", "window")} == {
        "ticket_id": ticket["id"],
        "number": "A001",
        "service": "A",
        "window": 1,
    }
    assert called["at"].startswith("2026-11-23T09:00")
    snapshot = await store.snapshot(MORNING)
    assert snapshot["latest_calls"][0]["number"] == "A001"
    assert snapshot["last_event_id"] == called["event_id"]


async def test_recall(store: HallStore, redis: Redis, hall: Hall) -> None:
    await issue(store, "A")
    with pytest.raises(Conflict) as error:
        await store.recall(MORNING, 1)
    assert error.value.code == "no_current_ticket"
    await call(store, 1)
    ticket = (await store.recall(MORNING, 1))["ticket"]
    assert ticket["recalls"] == 1 and ticket["state"] == "called"
    last = (await events(redis, hall))[-1]
    assert (last["type"], last["number"], last["window"]) == ("recalled", "A001", 1)


async def test_skip_then_requeue_behind_two(store: HallStore, redis: Redis, hall: Hall) -> None:
    first = await issue(store, "A")
    others = [await issue(store, "A") for _ in range(4)]
    await call(store, 1)
    skipped = (await store.skip(MORNING, 1))["ticket"]
    assert skipped["state"] == "skipped"
    assert (await store.snapshot(MORNING))["windows"][0]["state"] == "idle"
    back = (await store.requeue(MORNING, first["id"]))["ticket"]
    assert back["state"] == "waiting" and back["number"] == "A001" and back["ahead"] == 2
    order = [(await call(store, 1))["id"] for _ in range(5)]  # type: ignore[index]
    assert order == [others[0]["id"], others[1]["id"], first["id"], others[2]["id"], others[3]["id"]]
    assert "requeued" in [e["type"] for e in await events(redis, hall)]


async def test_requeue_into_a_short_line_goes_to_its_end(store: HallStore) -> None:
    first = await issue(store, "A")
    await call(store, 1)
    await store.skip(MORNING, 1)
    other = await issue(store, "A")
    assert (await store.requeue(MORNING, first["id"]))["ticket"]["ahead"] == 1
    assert (await call(store, 1))["id"] == other["id"]  # type: ignore[index]


async def test_only_a_skipped_ticket_can_be_requeued(store: HallStore) -> None:
    ticket = await issue(store, "A")
    with pytest.raises(Conflict) as error:
        await store.requeue(MORNING, ticket["id"])
    assert error.value.code == "ticket_not_skipped"
    with pytest.raises(UnknownTicket):
        await store.requeue(MORNING, "t1.nosuchticket")


async def test_complete(store: HallStore, redis: Redis, hall: Hall) -> None:
    await issue(store, "A")
    await call(store, 1)
    done = (await store.complete(MORNING, 1))["ticket"]
    assert done["state"] == "served"
    with pytest.raises(Conflict):
        await store.complete(MORNING, 1)
    assert (await events(redis, hall))[-1]["type"] == "completed"
    assert (await store.snapshot(MORNING))["windows"][0]["served_today"] == 1


async def test_transfer_keeps_the_number_and_the_arrival_place(store: HallStore, redis: Redis, hall: Hall) -> None:
    a = await issue(store, "A", minutes=0)
    b_later = await issue(store, "B", minutes=5)
    await call(store, 1)
    moved = (await store.transfer(MORNING, 1, "B"))["ticket"]
    assert (moved["number"], moved["service"], moved["state"], moved["transferred_from"]) == (
        "A001",
        "B",
        "waiting",
        "A",
    )
    assert moved["ahead"] == 0
    assert (await call(store, 2))["id"] == a["id"]  # type: ignore[index]
    assert (await call(store, 2))["id"] == b_later["id"]  # type: ignore[index]
    transferred = [e for e in await events(redis, hall) if e["type"] == "transferred"]
    assert transferred[0]["from_service"] == "A" and transferred[0]["service"] == "B"


async def test_transfer_to_the_same_category_is_refused(store: HallStore) -> None:
    await issue(store, "A")
    await call(store, 1)
    with pytest.raises(InvalidRequest):
        await store.transfer(MORNING, 1, "A")
    assert (await store.snapshot(MORNING))["windows"][0]["state"] == "serving"


async def test_a_paused_window_calls_nobody(store: HallStore, redis: Redis, hall: Hall) -> None:
    await issue(store, "A")
    await store.pause(MORNING, 1)
    with pytest.raises(Conflict) as error:
        await call(store, 1)
    assert error.value.code == "window_paused"
    with pytest.raises(Conflict):
        await store.pause(MORNING, 1)
    assert (await store.snapshot(MORNING))["windows"][0]["state"] == "paused"
    await store.resume(MORNING, 1)
    with pytest.raises(Conflict):
        await store.resume(MORNING, 1)
    assert (await call(store, 1))["number"] == "A001"  # type: ignore[index]
    assert [e["type"] for e in await events(redis, hall)][-3:] == ["paused", "resumed", "called"]


async def test_pausing_keeps_the_current_visitor(store: HallStore) -> None:
    await issue(store, "A")
    await call(store, 1)
    await store.pause(MORNING, 1)
    assert (await store.complete(MORNING, 1))["ticket"]["state"] == "served"


async def test_evening_tickets_stay_on_the_same_business_day(store: HallStore) -> None:
    evening = MORNING.replace(hour=22, minute=30)
    after_midnight = MORNING + timedelta(hours=17, minutes=30)  # 02:30 on the next calendar day
    assert (await store.issue(evening, "A"))["ticket"]["number"] == "A001"
    late = (await store.issue(after_midnight, "A"))["ticket"]
    assert (late["number"], late["business_day"]) == ("A002", "2026-11-23")


async def test_rollover_expires_the_waiting_with_events_and_restarts_numbers(
    store: HallStore, redis: Redis, hall: Hall
) -> None:
    waiting = [await issue(store, code) for code in "AAB"]
    green = await issue(store, "A", priority=True)
    await call(store, 1)  # the green-channel ticket is being served
    await store.skip(MORNING, 1)
    next_day = MORNING + timedelta(days=1)
    fresh = (await store.issue(next_day, "A"))["ticket"]
    assert (fresh["number"], fresh["business_day"]) == ("A001", "2026-11-24")
    for ticket in waiting:
        assert (await store.ticket(next_day, ticket["id"]))["state"] == "expired"
    expired = [e for e in await events(redis, hall) if e["type"] == "expired"]
    assert sorted(e["ticket_id"] for e in expired) == sorted(t["id"] for t in waiting)
    assert all(e["business_day"] == "2026-11-23" for e in expired)
    snapshot = await store.snapshot(next_day)
    assert [c["waiting"] for c in snapshot["categories"]] == [1, 0, 0]
    assert snapshot["latest_calls"] == []
    # yesterday's skipped visitor cannot come back today
    with pytest.raises(Conflict) as error:
        await store.requeue(next_day, green["id"])
    assert error.value.code == "ticket_from_another_day"


async def test_a_clock_behind_never_moves_the_day_back(store: HallStore) -> None:
    await store.issue(MORNING + timedelta(days=1), "A")
    stale = (await store.issue(MORNING, "A"))["ticket"]
    assert (stale["number"], stale["business_day"]) == ("A002", "2026-11-24")


async def test_rollover_with_nobody_acting(store: HallStore, redis: Redis, hall: Hall) -> None:
    ticket = await issue(store, "A")
    await store.roll_over(MORNING + timedelta(days=1))
    assert (await events(redis, hall))[-1]["type"] == "day_started"
    assert (await store.ticket(MORNING + timedelta(days=1), ticket["id"]))["state"] == "expired"


async def test_a_retried_issue_returns_the_first_ticket(store: HallStore, redis: Redis, hall: Hall) -> None:
    request = ("POST /tickets A", "key-1")
    first = await store.issue(MORNING, "A", idempotency=request)
    again = await store.issue(MORNING, "A", idempotency=request)
    assert again.pop("replayed") is True
    assert again == first
    assert [e["type"] for e in await events(redis, hall)] == ["issued"]
    with pytest.raises(InvalidRequest) as error:
        await store.issue(MORNING, "B", idempotency=("POST /tickets B", "key-1"))
    assert error.value.code == "idempotency_key_reused"


async def test_a_retried_call_next_does_not_call_twice(store: HallStore) -> None:
    await issue(store, "A")
    await issue(store, "A")
    window = store.hall.window(1)
    assert window is not None
    first = await store.call_next(MORNING, window, ("call 1", "k"))
    again = await store.call_next(MORNING, window, ("call 1", "k"))
    assert called(first)["number"] == called(again)["number"] == "A001"
    assert (await store.snapshot(MORNING))["categories"][0]["waiting"] == 1


async def test_every_state_change_is_one_event(store: HallStore, redis: Redis, hall: Hall) -> None:
    await issue(store, "A")
    await issue(store, "A")
    await call(store, 1)
    await store.recall(MORNING, 1)
    await store.skip(MORNING, 1)
    await call(store, 1)
    await store.transfer(MORNING, 1, "B")
    await store.pause(MORNING, 2)
    await store.resume(MORNING, 2)
    types = [e["type"] for e in await events(redis, hall)]
    assert types == [
        "issued",
        "issued",
        "called",
        "recalled",
        "skipped",
        "called",
        "transferred",
        "paused",
        "resumed",
    ]


async def test_old_finished_tickets_are_pruned(store: HallStore, redis: Redis, hall: Hall) -> None:
    served = await issue(store, "A")
    at_window = await issue(store, "A")
    await call(store, 1)
    await call(store, 2 + 1)  # window 3 still holds the second visitor
    await store.complete(MORNING, 1)
    later = MORNING + timedelta(days=70)
    assert await store.prune(later, keep_days=62) == 1
    with pytest.raises(UnknownTicket):
        await store.ticket(later, served["id"])
    assert (await store.ticket(later, at_window["id"]))["state"] == "called"
    assert await store.prune(MORNING + timedelta(days=5), keep_days=62) == 0
