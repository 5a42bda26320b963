"""The Starlette application: routes, error handlers, and a lifespan that owns Redis and background tasks."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from limits.aio.strategies import MovingWindowRateLimiter
from starlette.applications import Starlette
from starlette.middleware import Middleware

from queue_server.core.hall import Hall
from queue_server.feed.hub import EventHub
from queue_server.runtime.clock import Clock
from queue_server.runtime.metrics import Metrics
from queue_server.runtime.supervisor import cancel_and_wait, supervise
from queue_server.server.leased_work import Steward, Work
from queue_server.server.tasks import keep_bookings, keep_business_day, keep_duty, keep_hours, run_controller
from queue_server.store import rota_store
from queue_server.store.bookings import Bookings
from queue_server.store.hall_store import HallStore, Scripts
from queue_server.store.leases import LEASE_MS, Crew, Duty
from queue_server.store.redis_client import close_rate_limit_storage, connect, rate_limit_storage
from queue_server.store.redis_keeper import RedisState
from queue_server.store.tidal_controller import TidalController
from queue_server.web import (
    api,
    booking_api,
    booking_pages,
    cases_page,
    city_api,
    city_page,
    client_pages,
    clock_hook,
    guide_desk,
    lieu_api,
    lieu_page,
    openapi,
    pages,
    prometheus,
    ratings_api,
    recognition_api,
    recognition_page,
    rota_api,
    rota_page,
    sign_in_api,
    staff_api,
    staffing_api,
    staffing_page,
    supervise_api,
    supervise_page,
    tidal_api,
    window_queue,
)
from queue_server.web import channels as ws
from queue_server.web.context import Context
from queue_server.web.headers import SecurityHeaders
from queue_server.web.origin import SameOrigin
from queue_server.web.request_metrics import RequestMetrics
from queue_server.web.responses import EXCEPTION_HANDLERS
from queue_server.web.stats import api as stats_api
from queue_server.web.stats import page as stats_page

REDIS_CONNECTIONS = 256  # per process (per node on a cluster); each request holds one only while its script runs


def create_app(
    halls: Mapping[str, Hall],
    redis_url: str,
    clock: Clock | None = None,
    admin_token: str | None = None,
    background: bool = True,
    test_hooks: bool = False,
    redis_state: Callable[[], RedisState] | None = None,
    lease_ms: int = LEASE_MS,
) -> Starlette:
    """The server for ``halls`` on the Redis at ``redis_url``; ``background=False`` leaves out the timers,
    ``test_hooks=True`` mounts the route that moves the clock (acceptance tests only), and ``redis_state`` says
    how the embedded Redis is doing (its keeper's, for /api/health); ``lease_ms``: how long a dead process keeps
    its halls' background duties (store/leases.py; tests shorten it)."""
    clock = clock or Clock()
    metrics = Metrics()  # this process's, for GET /metrics

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        # One Redis or a Redis Cluster, as REDIS_URL says (store/redis_client.py); the rest never asks which.
        redis = await connect(redis_url, REDIS_CONNECTIONS)
        scripts = Scripts(redis)
        stores = {hall_id: HallStore(redis, scripts, hall, metrics) for hall_id, hall in halls.items()}
        hub = EventHub(redis, list(halls), clock.now, metrics)
        await hub.start()
        # The limits library's moving windows live in Redis too, shared by every process.
        limits_storage = rate_limit_storage(redis_url, redis)
        limiter = MovingWindowRateLimiter(limits_storage)
        ctx = Context(dict(halls), stores, redis, clock, admin_token or None, hub, limiter, redis_state=redis_state)
        ctx.metrics = metrics
        tasks: list[asyncio.Task[None]] = []
        for store in stores.values():  # who is on duty today, by the kept rota, before the first request
            await rota_store.load_duty(store, clock.now())
        steward: Steward | None = None
        if background:
            duties: dict[Duty, Work] = {}
            for hall_id, store in stores.items():
                duties[hall_id, "business_day"] = (
                    "business day keeper",
                    functools.partial(keep_business_day, store, clock),
                )
                if store.hall.sessions:
                    # Every process keeps its own view of who is on duty: not a leased duty (see keep_duty).
                    name = f"duty keeper of {hall_id}"
                    keeper = functools.partial(keep_duty, store, clock)
                    tasks.append(asyncio.create_task(supervise(name, keeper), name=name))
                    duties[hall_id, "hours"] = ("hours keeper", functools.partial(keep_hours, store, clock))
                if any(w.tidal for w in store.hall.windows):
                    controller = TidalController(store, store.hall.tidal_policy, store.hall.seasons)
                    duties[hall_id, "tidal"] = (
                        "tidal controller",
                        functools.partial(run_controller, controller, clock),
                    )
                if store.hall.appointments is not None:  # 预约: no-shows are released every minute
                    keeper = functools.partial(keep_bookings, Bookings(store), clock)
                    duties[hall_id, "bookings"] = ("booking keeper", keeper)
            # Once per hall across all processes: each duty runs where its lease is (server/leased_work.py).
            steward = Steward(Crew(redis, len(duties), lease_ms), duties)
            steward.start()
        app.state.steward = steward  # which duties this process runs, for tests and whoever debugs
        # What start-up made lives as long as the server: keep the collector from walking it again and again.
        gc.freeze()
        try:
            yield {"ctx": ctx}
        finally:
            if steward is not None:
                await steward.stop()
            await cancel_and_wait(tasks)
            await hub.stop()
            await close_rate_limit_storage(limits_storage)
            await redis.aclose()

    # The hot paths first (Starlette tries routes in order), and the window actions' catch-all {action} last.
    routes = [*api.routes, *ws.routes, *booking_api.routes, *window_queue.routes, *sign_in_api.routes]
    routes += [*ratings_api.routes, *guide_desk.routes, *cases_page.routes, *pages.routes, *booking_pages.routes]
    routes += client_pages.routes
    routes += [*stats_api.routes, *stats_page.routes, *staff_api.routes]
    routes += [*supervise_api.routes, *supervise_page.routes]  # 值班长控制台 and 后台
    routes += tidal_api.routes  # suggested switches, back-office alerts
    routes += staffing_api.routes  # the day's forecast and staffing plan
    routes += staffing_page.routes  # the same, as a page for supervisors
    routes += [*rota_api.routes, *rota_page.routes]  # 排班 and 休假
    routes += [*recognition_api.routes, *recognition_page.routes]  # 服务明星评选参考
    routes += [*lieu_api.routes, *lieu_page.routes]  # 调休台账
    routes += [*city_api.routes, *city_page.routes]  # 全市大厅概览, for the city's supervisors
    routes += prometheus.routes  # GET /metrics, for Prometheus
    if test_hooks:
        routes += clock_hook.routes
    routes += [*openapi.routes, *api.window_actions]
    return Starlette(
        routes=routes,
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
        middleware=[
            Middleware(RequestMetrics, metrics=metrics),  # outermost: it counts what the others answer too
            Middleware(SecurityHeaders),
            Middleware(SameOrigin, origins=[o for hall in halls.values() for o in hall.access.origins]),
        ],
    )
