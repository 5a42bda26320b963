"""Who is taking a ticket: a trusted device of the hall, or an anonymous client held to a limit.

Kiosks and guide desks are trusted devices: they sit on the hall's LAN (``[access] networks``) or send a device
token (``X-Device-Token``, whose sha256 is listed in ``[access] device_tokens``). Everyone else (phones, the web)
is an anonymous client, known by its address, and may take ``tickets_per_hour`` tickets an hour, counted in a
moving window in Redis that every server process shares (the ``limits`` library). Behind a reverse proxy the
address comes from ``X-Forwarded-For``, but only when the request came through one of ``trusted_proxies``:
anyone else could write that header. An anonymous address may also hold only ``channels_per_address`` live
WebSocket channels in one process, so a client cannot pile up connections (each costs the server memory).
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv6Address, ip_address

from limits import RateLimitItem, RateLimitItemPerHour
from limits.aio.strategies import MovingWindowRateLimiter
from starlette.requests import HTTPConnection

from queue_server.core.errors import QueueError, TooManyRequests
from queue_server.core.hall import Access, Hall

DEVICE_HEADER = "x-device-token"


@dataclass(frozen=True)
class Caller:
    """Who sent a request: its address (as the hall sees it) and whether it is a trusted device."""

    address: str
    trusted: bool

    @property
    def anonymous(self) -> str:
        """The address the limits of anonymous clients count; empty for the hall's own devices."""
        return "" if self.trusted else self.address or "unknown"


def _parse(text: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(text.strip())
    except ValueError:
        return None


def _within(address: IPv4Address | IPv6Address | None, networks: tuple[object, ...]) -> bool:
    return address is not None and any(address in net for net in networks)  # type: ignore[operator]


def client_address(connection: HTTPConnection, access: Access) -> str:
    """The client's address: the peer's, or behind trusted proxies the last address they did not add."""
    peer = connection.client.host if connection.client else ""
    if not _within(_parse(peer), access.trusted_proxies):
        return peer
    hops = [h.strip() for h in connection.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):  # the nearest hop first; each trusted proxy appended the address it saw
        if not _within(_parse(hop), access.trusted_proxies):
            return hop
    return hops[0] if hops else peer


def caller(connection: HTTPConnection, hall: Hall) -> Caller:
    access = hall.access
    address = client_address(connection, access)
    token = connection.headers.get(DEVICE_HEADER)
    device = token is not None and hashlib.sha256(token.encode()).hexdigest() in access.device_tokens
    return Caller(address, device or _within(_parse(address), access.networks))


async def _seconds_left(limiter: MovingWindowRateLimiter, limit: RateLimitItem, identity: tuple[str, ...]) -> int:
    """Until the moving window lets ``identity`` through again (the Retry-After), at least 1 s."""
    stats = await limiter.get_window_stats(limit, *identity)
    return max(1, math.ceil(stats.reset_time - time.time()))


LOOKUP_FAILURES_PER_HOUR = 20  # a visitor mistypes a code a few times; a guesser needs thousands


@contextlib.asynccontextmanager
async def guessing_guarded(limiter: MovingWindowRateLimiter, hall: Hall, who: Caller) -> AsyncIterator[None]:
    """Around a look-up by booking code: past LOOKUP_FAILURES_PER_HOUR unknown codes from one address in an hour,
    every look-up from it is refused (429 too_many_lookups) until the window moves on. Trusted devices (the
    kiosk where visitors type their code) are not held to it."""
    limit = RateLimitItemPerHour(LOOKUP_FAILURES_PER_HOUR)
    identity = (f"{{{hall.id}}}", "unknown-codes", who.address)
    if not who.trusted and not await limiter.test(limit, *identity):
        wait = await _seconds_left(limiter, limit, identity)
        raise TooManyRequests(
            f"查询预约码失败次数过多，请 {wait} 秒后再试。",
            f"Too many unknown booking codes from this address; try again in {wait} s.",
            "too_many_lookups",
            retry_after=wait,
        )
    try:
        yield
    except QueueError as unknown:
        if unknown.code == "unknown_booking" and not who.trusted:
            await limiter.hit(limit, *identity)
        raise


async def take_ticket_allowed(limiter: MovingWindowRateLimiter, hall: Hall, who: Caller) -> None:
    """Count an anonymous client's ticket; ``TooManyRequests`` with the wait when over its hourly limit."""
    if who.trusted:
        return
    limit = RateLimitItemPerHour(hall.access.tickets_per_hour)
    identity = (f"{{{hall.id}}}", "tickets", who.address)  # the hall's hash tag keeps it in the hall's slot
    if await limiter.hit(limit, *identity):
        return
    wait = await _seconds_left(limiter, limit, identity)
    raise TooManyRequests(
        f"取号过于频繁：每个网络地址每小时最多取 {limit.amount} 张号，请 {wait} 秒后再试，或到大厅取号机取号。",
        f"Too many tickets from this address: {limit.amount} an hour. Try again in {wait} s, or use a hall kiosk.",
        "too_many_tickets",
        retry_after=wait,
    )


class ChannelCounts:
    """The live WebSocket channels each anonymous address holds in this process (screens on the hall's LAN are
    trusted devices and not counted). Per process because what it protects, memory, is per process."""

    def __init__(self) -> None:
        self._open: Counter[tuple[str, str]] = Counter()

    @contextlib.contextmanager
    def holding(self, hall: Hall, who: Caller) -> Iterator[None]:
        """Around one channel; ``TooManyRequests`` when the address already holds its limit."""
        if who.trusted:
            yield
            return
        key, limit = (hall.id, who.address), hall.access.channels_per_address
        if self._open[key] >= limit:
            raise TooManyRequests(
                f"该网络地址打开的实时连接过多（最多 {limit} 个），请关闭其他页面后再试。",
                f"Too many live connections from this address (at most {limit}); close other pages and try again.",
                "too_many_channels",
                retry_after=30,
            )
        self._open[key] += 1
        try:
            yield
        finally:
            self._open[key] -= 1
            if not self._open[key]:
                del self._open[key]
