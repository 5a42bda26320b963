"""``GET /metrics``: this process's metrics in Prometheus's text format (:mod:`queue_server.runtime.metrics`).

Not for the internet: it is answered to the halls' trusted networks (``[access] networks``, the address read as
:func:`queue_server.web.access.client_address` reads it) and to this machine, or to whoever sends the supervisors'
token (``Authorization: Bearer <QUEUE_ADMIN_TOKEN>``); anyone else gets 403 ``metrics_forbidden``. A request that
came through a proxy the halls do not trust (it carries ``X-Forwarded-For`` or ``Forwarded``) is not taken for a
local one: behind such a proxy on the same machine, everyone would look local.

Each hall's waiting count and longest wait are read at scrape time, with one ``waiting_now`` script call per hall
(it looks at the head of each line only, so its cost does not grow with the lines), and kept for
HALL_GAUGES_FRESH of the server's clock. Why not from what the process already has: a process keeps no hall's
state, only the events going past, and counting waiting visitors from those would drift at every restart, missed
event or day roll-over. The cache bounds what scrapes cost Redis to one call per hall every few seconds, however
many Prometheus servers scrape and however often; the calls run one after the other, so a scrape holds one
connection of the pool at a time and never crowds out the requests.
"""

from __future__ import annotations

import asyncio
import hmac
from datetime import timedelta
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from queue_server.core.errors import Forbidden
from queue_server.runtime.metrics import CONTENT_TYPE, REDIS_ERRORS, SCRIPT
from queue_server.store.waiting_now import waiting_now
from queue_server.web import access
from queue_server.web.context import Context, context
from queue_server.web.openapi import documented

HALL_GAUGES_FRESH = timedelta(seconds=5)  # each hall's waiting gauges are read again after this, at the earliest
HALL_GAUGES_TIMEOUT = 3.0  # seconds for reading every hall's; past it, the hall gauges are left out of the scrape


def _address(text: str) -> IPv4Address | IPv6Address | None:
    try:
        address = ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:127.0.0.1 from a dual-stack socket is 127.0.0.1
    return address


def _within(text: str, networks: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    address = _address(text)
    return address is not None and any(address in network for network in networks)


def _supervisor(request: Request, admin_token: str | None) -> bool:
    """Whether the request carries the supervisors' token (compared in constant time)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    if not admin_token or not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(token.encode(), admin_token.encode())


def may_scrape(request: Request, ctx: Context) -> bool:
    """From this machine directly, from a hall's trusted network, or with the supervisors' token."""
    if _supervisor(request, ctx.admin_token):
        return True
    peer = request.client.host if request.client else ""
    forwarded = "x-forwarded-for" in request.headers or "forwarded" in request.headers
    local = _address(peer)
    if local is not None and local.is_loopback and not forwarded:
        return True
    for hall in ctx.halls.values():
        if forwarded and not _within(peer, hall.access.trusted_proxies):
            continue  # a proxy this hall does not trust: the address it reached us from says nothing
        if _within(access.client_address(request, hall.access), hall.access.networks):
            return True
    return False


async def read_hall_gauges(ctx: Context) -> None:
    """Each hall's waiting count and longest wait into the gauges, unless read less than HALL_GAUGES_FRESH ago.
    When Redis cannot tell (down, or too slow), the hall gauges are left out rather than shown stale."""
    metrics = ctx.metrics
    async with metrics.halls_reading:  # scrapes at the same moment share one read
        now = ctx.clock.now()
        last = metrics.halls_read_at
        if last is not None and last <= now < last + HALL_GAUGES_FRESH:
            return
        state = ctx.redis_state() if ctx.redis_state is not None else None
        try:
            if state is not None and not state.up:
                raise ConnectionError("the embedded Redis is down")  # known already: no need to wait for it
            async with asyncio.timeout(HALL_GAUGES_TIMEOUT):
                for hall_id, store in ctx.stores.items():
                    found = await waiting_now(store, now)
                    metrics.hall_waiting.labels(hall_id).set(found.waiting)
                    metrics.hall_longest_wait.labels(hall_id).set(found.longest_seconds)
        except (ConnectionError, TimeoutError, *REDIS_ERRORS) as failed:
            if isinstance(failed, TimeoutError):  # a script cut short is not counted by the store
                metrics.redis_errors.labels(SCRIPT).inc()
            metrics.hall_waiting.clear()
            metrics.hall_longest_wait.clear()
            metrics.halls_read_at = None
            return
        metrics.halls_read_at = now


@documented(
    "get",
    "This process's metrics for Prometheus: requests, scripts, channels, events, Redis, each hall's waiting",
    answers={200: CONTENT_TYPE},
    errors=("metrics_forbidden",),
    description="Answered to the halls' trusted networks ([access] networks) and to this machine, or with "
    "'Authorization: Bearer <QUEUE_ADMIN_TOKEN>'. Each process counts its own: scrape every process. "
    "docs/operations.md says what to watch.",
)
async def metrics_text(request: Request) -> Response:
    ctx = context(request)
    if not may_scrape(request, ctx):
        raise Forbidden(
            "运行指标只对大厅内网和本机开放，其他地址请带上值班长令牌（管理员令牌）。",
            "Metrics are served to the halls' trusted networks and this machine only; from elsewhere, send the "
            "supervisors' token.",
            "metrics_forbidden",
        )
    await read_hall_gauges(ctx)
    ctx.metrics.halls_followed.set(ctx.hub.followed)
    if ctx.redis_state is not None:
        state = ctx.redis_state()
        ctx.metrics.embedded_redis(state.restarts + (0 if state.up else 1), state.restarts)
    return Response(ctx.metrics.exposition(), media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})


routes = [Route("/metrics", metrics_text)]
