"""The hall snapshot says which session is running, or that the hall is closed and when it opens."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

import pytest
from redis.asyncio import Redis

from queue_server.config.loader import load_halls
from queue_server.store.hall_store import HallStore, Scripts
from tests.conftest import MORNING

pytestmark = pytest.mark.asyncio
SHANGHAI = ZoneInfo("Asia/Shanghai")


async def test_a_weekday_morning_in_the_demo_hall(redis: Redis, config_dir: Path) -> None:
    store = HallStore(redis, Scripts(redis), load_halls(config_dir)["demo"])
    monday = datetime(2026, 11, 23, 9, 30, tzinfo=SHANGHAI)
    snapshot = await store.snapshot(monday)
    assert snapshot["hours"] == {
        "open": True, "sessions": ["工作日上午"], "sessions_en": ["Weekday morning"], "next_opening": None,
        "extended": False,
    }  # fmt: skip
    assert snapshot["now"] == "2026-11-23T09:30:00.000+08:00"
    estate = next(c for c in snapshot["categories"] if c["code"] == "C")["opening"]
    assert (estate["open"], estate["issuing"], estate["session"]) == (True, True, "工作日上午")


async def test_the_demo_hall_at_night_says_when_it_opens(redis: Redis, config_dir: Path) -> None:
    store = HallStore(redis, Scripts(redis), load_halls(config_dir)["demo"])
    monday_night = datetime(2026, 11, 23, 23, 0, tzinfo=SHANGHAI)
    snapshot = await store.snapshot(monday_night)
    assert snapshot["hours"]["open"] is False
    assert snapshot["hours"]["next_opening"] == "2026-11-24T09:00:00+08:00"
    estate = next(c for c in snapshot["categories"] if c["code"] == "C")["opening"]
    assert (estate["open"], estate["issuing"], estate["next_opening"]) == (False, False, "2026-11-24T09:00:00+08:00")


async def test_a_hall_without_sessions_is_always_open(store: HallStore) -> None:
    snapshot = await store.snapshot(MORNING.replace(hour=3, minute=30))
    assert snapshot["hours"] == {
        "open": True, "sessions": [], "sessions_en": [], "next_opening": None, "extended": False,
    }  # fmt: skip
    assert all(c["opening"]["issuing"] for c in snapshot["categories"])


async def test_after_closing_the_line_is_still_served(redis: Redis, config_dir: Path) -> None:
    """延时服务: at 17:00 on a Tuesday the sessions end; those who took a ticket in time are still served, and the
    snapshot says so until the last one has left the window."""
    store = HallStore(redis, Scripts(redis), load_halls(config_dir)["demo"])
    before = datetime(2026, 11, 24, 16, 55, tzinfo=SHANGHAI)
    after = datetime(2026, 11, 24, 17, 5, tzinfo=SHANGHAI)
    await store.issue(before, "B")
    await store.issue(before, "B")
    hours = (await store.snapshot(after))["hours"]
    assert (hours["open"], hours["extended"], hours["next_opening"]) == (False, True, "2026-11-24T18:30:00+08:00")
    window = store.hall.window(4)
    assert window is not None
    await store.call_next(after, window)
    assert (await store.snapshot(after))["hours"]["extended"] is True  # one waits, one at the window
    await store.call_next(after, window)
    await store.complete(after, 4)
    assert (await store.snapshot(after))["hours"]["extended"] is False  # everyone served: the hall is closed


async def test_a_session_boundary_is_announced_once(redis: Redis, config_dir: Path) -> None:
    """Every server process runs an hours keeper; the screens hear each session start or end once."""
    hall = load_halls(config_dir)["demo"]
    one, two = HallStore(redis, Scripts(redis), hall), HallStore(redis, Scripts(redis), hall)
    boundary = datetime(2026, 11, 24, 17, 0, tzinfo=SHANGHAI)
    assert await one.announce_hours(boundary, boundary) is True
    assert await two.announce_hours(boundary.replace(second=1), boundary) is False
    events = cast(list[tuple[str, dict[str, str]]], await redis.xrange(f"tq:{{{hall.id}}}:events"))
    assert [fields["type"] for _, fields in events] == ["hours"]
    data = json.loads(events[0][1]["data"])
    assert data["hours"] == {
        "open": False, "sessions": [], "sessions_en": [], "next_opening": "2026-11-24T18:30:00+08:00",
    }  # fmt: skip
    assert data["openings"]["A"]["next_opening"] == "2026-11-24T18:30:00+08:00"
    assert data["openings"]["B"]["next_opening"] == "2026-11-25T09:00:00+08:00"
