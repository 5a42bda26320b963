"""What every handler shares: the context the app's lifespan makes (no module-level state), and the hall a
request's path names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import Redis
from starlette.requests import HTTPConnection

from queue_server.core.errors import UnknownHall, UnknownTicket
from queue_server.core.hall import Hall
from queue_server.feed.hub import EventHub
from queue_server.runtime.clock import Clock
from queue_server.runtime.metrics import Metrics
from queue_server.store.hall_store import HallStore
from queue_server.store.redis_keeper import RedisState
from queue_server.store.tickets import hall_of_ticket
from queue_server.web.access import ChannelCounts


@dataclass
class Context:
    """What the handlers share, made by the app's lifespan (no module-level state)."""

    halls: dict[str, Hall]
    stores: dict[str, HallStore]
    redis: Redis
    clock: Clock
    admin_token: str | None
    hub: EventHub
    limiter: MovingWindowRateLimiter  # anonymous clients' limits, counted in Redis (web.access)
    channels: ChannelCounts = field(default_factory=ChannelCounts)  # live channels per anonymous address
    redis_state: Callable[[], RedisState] | None = None  # the embedded Redis's keeper, for /api/health
    metrics: Metrics = field(default_factory=Metrics)  # this process's, for /metrics (web.prometheus)

    def store_for_ticket(self, ticket_id: str) -> HallStore:
        """The store of the hall a ticket id names; UnknownTicket for an id no hall could have made."""
        store = self.stores.get(hall_of_ticket(ticket_id))
        if store is None or len(ticket_id) > 100:
            raise UnknownTicket("没有这张票。", "No such ticket.")
        return store


def context(connection: HTTPConnection) -> Context:
    """The shared context, for a request or a WebSocket alike."""
    ctx: Context = connection.state.ctx
    return ctx


def hall_store(request: HTTPConnection) -> HallStore:
    hall_id = request.path_params["hall"]
    store = context(request).stores.get(hall_id)
    if store is None:
        raise UnknownHall(f"没有 {hall_id!r} 这个大厅。", f"No hall {hall_id!r}.")
    return store
