"""Runs a profile's day once per policy, each on a fresh hall state, and keeps what the report needs.

Each run uses its own hall id (``demo-sim-tidal-1a2b3c4d``), so it never sees another run's tickets nor any
real hall's, and its keys are deleted when it ends, whatever happens; no other key is touched. Without a Redis
URL, a throw-away embedded Redis is started in a temporary folder for the runs and stopped after.
"""

from __future__ import annotations

import json
import secrets
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

from redis.asyncio import Redis

from queue_server.core.forecast import History
from queue_server.core.hall import Hall
from queue_server.simulator.engine import DayLog, HallDay, Policy, Progress
from queue_server.simulator.profile import Profile
from queue_server.simulator.visitors import Visitor, draw_visitors, past_weeks
from queue_server.store import keys
from queue_server.store.embedded_redis import EmbeddedRedis
from queue_server.store.hall_store import HallStore, Scripts
from queue_server.store.tidal_controller import TidalController


@dataclass(frozen=True)
class Outcome:
    """One policy's day: the engine's log, and the day's tickets and bookings as the store kept them."""

    log: DayLog
    tickets: list[dict[str, Any]]
    bookings: list[dict[str, Any]]


@contextmanager
def embedded_redis() -> Iterator[str]:
    """A throw-away redis-server in a temporary folder; yields its URL."""
    with tempfile.TemporaryDirectory(prefix="tidequeue-sim-") as folder:
        server = EmbeddedRedis(Path(folder), persistent=False)
        try:
            yield server.start()
        finally:
            server.stop()


async def simulate(
    redis_url: str,
    hall: Hall,
    profile: Profile,
    day: date,
    policies: Sequence[Policy],
    seed: int,
    progress: Progress | None = None,
) -> dict[Policy, Outcome]:
    """Run the day of ``profile`` once per policy on the Redis at ``redis_url``."""
    profile.check_hall(hall)
    visitors = draw_visitors(profile, hall, day, seed)
    history = past_weeks(profile, hall, day, seed)
    redis = Redis.from_url(redis_url, decode_responses=True)
    try:
        scripts = Scripts(redis)
        return {
            p: await run_policy(redis, scripts, hall, visitors, day, p, profile, progress, history) for p in policies
        }
    finally:
        await redis.aclose()


async def run_policy(
    redis: Redis,
    scripts: Scripts,
    hall: Hall,
    visitors: Sequence[Visitor],
    day: date,
    policy: Policy,
    profile: Profile,
    progress: Progress | None = None,
    history: History | None = None,
) -> Outcome:
    """One policy's day; ``history``: the past weeks the tidal controller forecasts from (None: none)."""
    run_hall = replace(hall, id=f"{hall.id}-sim-{policy}-{secrets.token_hex(4)}")
    store = HallStore(redis, scripts, run_hall)
    controller = None
    if policy == "tidal":
        controller = TidalController(store, hall.tidal_policy, hall.seasons, history=history or {})
    try:
        engine = HallDay(
            store, visitors, day, policy, controller, progress, timedelta(seconds=profile.no_show_wait_seconds)
        )
        log = await engine.run()
        tickets = await store.tickets_of_days(day, day)
        raw = cast(list[str], await redis.hvals(keys.bookings(run_hall.id)))
        return Outcome(log, tickets, [json.loads(b) for b in raw])
    finally:
        await forget_hall(redis, run_hall.id)


async def forget_hall(redis: Redis, hall_id: str) -> int:
    """Delete every key of ``hall_id`` (they all start with the hall's hash-tagged prefix); returns how many."""
    pattern = keys.events(hall_id).removesuffix("events") + "*"
    deleted = 0
    batch: list[str] = []
    async for key in redis.scan_iter(match=pattern, count=500):
        batch.append(key)
        if len(batch) >= 500:
            deleted += await redis.delete(*batch)
            batch = []
    if batch:
        deleted += await redis.delete(*batch)
    return deleted
