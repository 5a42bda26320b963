"""The city overview's read model (全市大厅概览): ``GET /api/city``.

Every hall of the process in one answer: its state (open, extended 延时服务, closed with its next opening), how many
wait and the longest wait, windows open, tidal windows switched and today's served count, sorted by who needs help
(:mod:`queue_server.core.city` says how the score is made).

Who may read it: only the supervisors' admin token (``QUEUE_ADMIN_TOKEN``). A hall's own 值班长 account is a session
of that hall only and already has the hall's console (``/supervise/{hall}``); the city is the city supervisors'.
No token: 401; any other token: 403 ``supervisors_only``.

Cost: two script calls per hall (its snapshot, and ``waiting_now`` for the longest wait), :data:`READ_AT_ONCE`
halls at a time. A city of 500 halls makes that 1,000 round trips, tens of milliseconds on one node and more on a
cluster; a wall of supervisors' screens each polling every few seconds would multiply it. So each process keeps
the answer for :data:`FRESH` (by the server's clock) and computes it once for all the requests that arrive
meanwhile (one lock, like the /metrics hall gauges). The snapshot and ``waiting_now`` are two reads: a ticket taken
between them may show in one and not the other, for one refresh.
"""

from __future__ import annotations

import asyncio
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from queue_server.core.city import City, CityHall, city_hall, help_order
from queue_server.core.errors import Forbidden
from queue_server.store.hall_store import HallStore
from queue_server.store.waiting_now import waiting_now
from queue_server.web.auth import bearer_token
from queue_server.web.context import Context, context
from queue_server.web.openapi import documented

READ_AT_ONCE = 8  # halls read concurrently: a few of the process's Redis connections, never the whole pool
FRESH = timedelta(seconds=3)  # an answer is reused this long; the page polls every 5 s, so each poll sees a new one


@dataclass
class CityCache:
    """This process's last answer and when it was made (kept on the app's state, not in the module)."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    made_at: datetime | None = None
    answer: City | None = None


async def hall_line(store: HallStore, now: datetime) -> CityHall:
    snapshot = await store.snapshot(now)
    found = await waiting_now(store, now)
    return city_hall(snapshot, found.longest_seconds / 60, store.hall.staffing.minutes)


async def city(ctx: Context, now: datetime) -> City:
    """Every hall of ``ctx`` at ``now``, the one that needs help most first."""
    lanes = asyncio.Semaphore(READ_AT_ONCE)

    async def read(store: HallStore) -> CityHall:
        async with lanes:
            return await hall_line(store, now)

    lines = await asyncio.gather(*(read(store) for store in ctx.stores.values()))
    return {"now": now.isoformat(timespec="seconds"), "halls": help_order(lines)}


async def cached_city(request: Request) -> City:
    ctx = context(request)
    state = request.app.state
    if not hasattr(state, "city_cache"):
        state.city_cache = CityCache()
    cache = cast(CityCache, state.city_cache)
    async with cache.lock:  # requests that arrive while it is being read share that one read
        now = ctx.clock.now()
        made = cache.made_at
        if cache.answer is None or made is None or not made <= now < made + FRESH:
            cache.answer, cache.made_at = await city(ctx, now), now
        return cache.answer


def check_city_supervisor(request: Request) -> None:
    """Only the admin token reads the city: 401 without a token, 403 with any other."""
    token = bearer_token(request.headers.get("authorization"))
    admin = context(request).admin_token
    if not admin or not hmac.compare_digest(token.encode(), admin.encode()):
        raise Forbidden(
            "只有全市值班长（管理员令牌 QUEUE_ADMIN_TOKEN）可以查看全市概览。",
            "Only the city's supervisors (the admin token, QUEUE_ADMIN_TOKEN) may read the city overview.",
            "supervisors_only",
        )


@documented(
    "get",
    "全市大厅概览: every hall's state, waiting, longest wait, windows open, tidal switches, served today",
    answers={200: City},
    caller="supervisor",
    description="For the admin token only. Sorted by needs_help: the longest wait divided by the hall's own "
    "[staffing] target_minutes, plus 1 when visitors wait and no window is open; ties by waiting per open window, "
    "then id. Each process reuses its answer for 3 s, so many screens polling cost one read of every hall.",
)
async def city_overview(request: Request) -> JSONResponse:
    check_city_supervisor(request)
    answer: dict[str, Any] = dict(await cached_city(request))
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})


routes: list[BaseRoute] = [Route("/api/city", city_overview)]
