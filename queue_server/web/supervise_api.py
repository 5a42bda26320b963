"""The supervisor console's read model (值班长控制台): ``GET /api/halls/{hall}/supervise``.

One answer with everything the console page shows: every window (state, tidal or reserve, where it is switched,
its clerk and visitor, busy time today), every category's line (waiting, windows serving, predicted wait, trend;
:mod:`queue_server.core.console`), the alerts, suggested switches and reserve staff of the tidal desk
(:mod:`queue_server.store.tidal_desk`), and today's busy-ratio spread and tidal share, from the same
:func:`~queue_server.core.statistics.summary.summarise` as the statistics API, so the two never disagree.

For a supervisor: the admin token or a ``role = "supervisor"`` account; anyone else is refused
``supervisors_only``. The page refetches it on every event of the hall's channel (at most about once a second),
so it reads only what Redis keeps and does the summary's arithmetic in a thread.
"""

from __future__ import annotations

import asyncio
import functools
from datetime import datetime
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from queue_server.core.business_day import business_day
from queue_server.core.console import Console, console_categories, console_windows, recent_minutes
from queue_server.core.hours import windows_staffed
from queue_server.core.statistics.summary import summarise
from queue_server.store import keys, tidal_desk
from queue_server.store.hall_store import HallStore
from queue_server.web import auth
from queue_server.web.context import context, hall_store
from queue_server.web.openapi import documented
from queue_server.web.stats.api import paused_time


async def console(store: HallStore, now: datetime) -> Console:
    """The console's figures for ``store``'s hall at ``now``."""
    hall = store.hall
    today = business_day(now, hall.timezone, hall.rollover)
    snapshot = await store.snapshot(now)
    tickets = await store.tickets_of_days(today, today)
    paused = await paused_time(store, today, today, now)
    handling = recent_minutes(cast(dict[str, str], await store.redis.hgetall(keys.handling_times(hall.id))))
    # The summary of a busy day costs a tenth of a second or so of CPU: in a thread, as the statistics API does.
    work = functools.partial(summarise, hall, tickets, today, today, paused_ms=paused, now=now)
    summary = await asyncio.to_thread(work)
    windows = console_windows(hall, snapshot["windows"], windows_staffed(now, hall), summary["windows"])
    categories = console_categories(hall, snapshot["categories"], windows, handling, tickets, now)
    return {
        "hall": {"id": hall.id, "name": hall.name, "name_en": hall.name_en},
        "business_day": today.isoformat(),
        "now": now.astimezone(hall.timezone).isoformat(timespec="seconds"),
        "mode": hall.tidal_policy.mode,
        "windows": windows,
        "categories": categories,
        "alerts": await tidal_desk.alerts(store),
        "suggestions": await tidal_desk.suggestions(store),
        "reserve_staff": await tidal_desk.reserve_staff(store, now),
        "busy_spread": summary["busy_spread"],
        "tidal_share": summary["tidal_share"],
    }


@documented(
    "get",
    "值班长控制台: every window and line now, alerts, suggested switches, reserve staff, today's busy spread",
    answers={200: Console},
    caller="supervisor",
    description="What /supervise/{hall} shows; it refetches this on each event of the hall's channel. Predicted "
    "wait = waiting × recent minutes per visitor ÷ windows serving; trend compares the last 15 minutes' arrivals "
    "with calls; busy_spread and tidal_share are today's, as GET …/stats counts them.",
)
async def supervise(request: Request) -> JSONResponse:
    store = hall_store(request)
    await auth.supervisor(request, store.hall, "查看值班长控制台", "read the supervisor console")
    answer: dict[str, Any] = dict(await console(store, context(request).clock.now()))
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})


routes: list[BaseRoute] = [Route("/api/halls/{hall}/supervise", supervise)]
