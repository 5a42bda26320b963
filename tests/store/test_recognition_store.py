"""The recognition report's store side against a real Redis: a quarter still counts the days whose tickets were
pruned (each clerk's tally is kept first), the tallies go after a year and a month, and duty days are read from a
rota's post keys."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from redis.asyncio import Redis

from queue_server.config.loader import load_halls
from queue_server.core.hall import Hall
from queue_server.core.recognition import quarter_of
from queue_server.store import keys
from queue_server.store.hall_store import HallStore, Scripts
from queue_server.store.ratings import Ratings
from queue_server.store.recognition_store import duty_dates, keep_clerk_days, quarter_report
from tests.conftest import SHANGHAI

NATIONAL_DAY = datetime(2026, 10, 2, 10, 0, tzinfo=SHANGHAI)  # 国庆: the holiday session runs 09:00–12:00
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def demo(config_dir: Path) -> Hall:
    return load_halls(config_dir)["demo"]


@pytest.fixture
def demo_store(redis: Redis, demo: Hall) -> HallStore:
    return HallStore(redis, Scripts(redis), demo)


async def serve(store: HallStore, at: datetime, window: int, clerk: str, minutes: int, service: str = "A") -> str:
    ticket = (await store.issue(at, service))["ticket"]
    await store.call_next(at, store.hall.window(window), clerk=clerk)  # type: ignore[arg-type]
    await store.complete(at + timedelta(minutes=minutes), window)
    return str(ticket["id"])


async def test_the_quarter_counts_days_whose_tickets_were_pruned(demo_store: HallStore, redis: Redis) -> None:
    first = await serve(demo_store, NATIONAL_DAY, 1, "w01", 12)
    await serve(demo_store, NATIONAL_DAY + timedelta(minutes=20), 1, "w01", 8)
    await Ratings(demo_store).rate(
        NATIONAL_DAY + timedelta(minutes=15), level=5, reasons=(), comment="", channel="phone", ticket_id=first
    )
    await serve(demo_store, MONDAY, 4, "w04", 10, service="B")
    quarter = quarter_of("2026-Q4")
    before = await quarter_report(demo_store, quarter)
    w01 = next(c for c in before["clerks"] if c["username"] == "w01")
    assert (w01["served"], w01["handling_mean_minutes"], w01["rated"], w01["mean_level"]) == (2, 10.0, 1, 5.0)
    assert w01["holiday_minutes"] == 180.0  # the whole 09:00–12:00 holiday session

    # Early January: October's tickets are past the 62 business days kept. Each clerk's day is kept, then pruned.
    january = datetime(2027, 1, 10, 10, 0, tzinfo=SHANGHAI)
    assert await keep_clerk_days(demo_store, january) == 1  # 2 October; 23 November's tickets are still kept
    assert await demo_store.prune(january) == 2
    assert await demo_store.tickets_of_days(quarter.first, quarter.last) != []  # November's
    assert await quarter_report(demo_store, quarter) == before
    assert await keep_clerk_days(demo_store, january) == 0  # kept once, whoever asks again

    # A year and a month on, the day's tally is forgotten, like the ratings.
    later = datetime(2027, 11, 10, 10, 0, tzinfo=SHANGHAI)
    await keep_clerk_days(demo_store, later)
    assert "2026-10-02" not in await redis.hkeys(keys.clerk_days(demo_store.hall.id))
    assert "2026-11-23" in await redis.hkeys(keys.clerk_days(demo_store.hall.id))


def test_duty_days_come_from_the_rotas_post_keys(demo: Hall) -> None:
    assignments = {
        "2026-10-02 09:00 #1": "w01",  # 国庆
        "2026-10-03 09:00 #1": "w01",
        "2026-10-17 09:00 #4": "w04",  # a Saturday
        "2026-10-10 09:00 #4": "w04",  # a 调休 Saturday: a working day, regular duty
        "2026-11-23 17:00 #1": "w01",  # Monday's evening extension
        "2026-11-23 13:30 #1": "w01",  # the afternoon: regular
        "not a post": "w02",
    }
    assert duty_dates(demo, assignments) == {
        "w01": {"holiday": {"2026-10-02", "2026-10-03"}, "evening": {"2026-11-23"}},
        "w04": {"weekend": {"2026-10-17"}},
    }
