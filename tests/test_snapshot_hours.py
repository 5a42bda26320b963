"""The hall snapshot says which session is running, or that the hall is closed and when it opens."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from redis.asyncio import Redis

from queue_server.config import load_halls
from queue_server.store import HallStore, Scripts

from .conftest import MORNING

pytestmark = pytest.mark.asyncio
SHANGHAI = ZoneInfo("Asia/Shanghai")


async def test_a_weekday_morning_in_the_demo_hall(redis: Redis, config_dir: Path) -> None:
    store = HallStore(redis, Scripts(redis), load_halls(config_dir)["demo"])
    monday = datetime(2026, 11, 23, 9, 30, tzinfo=SHANGHAI)
    snapshot = await store.snapshot(monday)
    assert snapshot["hours"] == {
        "open": True, "sessions": ["工作日上午"], "sessions_en": ["Weekday morning"], "next_opening": None,
    }  # fmt: skip
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
    assert snapshot["hours"] == {"open": True, "sessions": [], "sessions_en": [], "next_opening": None}
    assert all(c["opening"]["issuing"] for c in snapshot["categories"])
