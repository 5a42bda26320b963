"""Leases (租约): which server process runs each hall's background duties (the business-day keeper, the hours
keeper, the booking keeper, the tidal controller), so that each runs once per hall however many processes there are.

A lease is one key per (hall, duty), in the hall's slot, whose value is the holding process's token. It is taken
with ``SET NX PX``, renewed with a compare-and-expire and released with a compare-and-delete, so a process that
paused past the lease's end cannot renew or delete a lease another process has taken since. A process that dies
holds on only until the lease runs out; one that stops releases its leases at once.

Spread: each process beats in a sorted set of live processes (member: token, score: when its beat runs out, by
Redis's own clock so that machines' clocks need not agree) and takes a new lease only while it holds fewer than its
fair share, ⌈duties ÷ live processes⌉. A process holding more than that (it was alone when the others started)
hands the excess back at its next renewal, and the others take them up. The shares add up to at least every duty,
so every lease finds a holder once the beats of dead processes have run out.
"""

from __future__ import annotations

import os
import secrets
import socket

from redis.asyncio import Redis

from queue_server.store import keys

__all__ = ["BEAT", "LEASE_MS", "RELEASE", "RENEW", "Crew"]

LEASE_MS = 45_000  # renewed every third of it: three missed renewals, then another process takes the duty over
RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0"
RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"
# Beat, forget the processes whose beat has run out, and count those left (this one included).
BEAT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('ZCARD', KEYS[1])
"""

Duty = tuple[str, str]  # (hall, what runs there: "business_day", "hours", "bookings", "tidal")


class Crew:
    """This process among the live ones: the leases it holds, and how many it may hold."""

    def __init__(self, redis: Redis, duties_in_all: int, lease_ms: int = LEASE_MS) -> None:
        """``duties_in_all``: how many (hall, duty) leases there are; every process is assumed to run the same
        hall files, so they agree on it."""
        self.redis = redis
        self.total = duties_in_all
        self.lease_ms = lease_ms
        # The value of each lease it holds: which machine and process, for whoever looks at Redis.
        self.token = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.held: set[Duty] = set()
        self.live = 1

    @property
    def share(self) -> int:
        return -(-self.total // self.live)

    async def beat(self) -> int:
        """Say this process is alive; answer how many are."""
        self.live = max(1, int(await self.redis.eval(BEAT, 1, keys.processes(), self.token, self.lease_ms)))
        return self.live

    async def hold(self, hall: str, duty: str) -> bool:
        """Renew the lease of ``duty`` at ``hall`` if this process holds it, or take it if it is free and this
        process holds less than its share; False when another process holds it (or should)."""
        key = keys.lease(hall, duty)
        if (hall, duty) in self.held:
            if len(self.held) > self.share:  # more than its share since others started: hand this one over
                await self.release(hall, duty)
                return False
            if await self.redis.eval(RENEW, 1, key, self.token, self.lease_ms):
                return True
            self.held.discard((hall, duty))  # it ran out and another process took it: never steal it back
            return False
        if len(self.held) >= self.share:
            return False
        if await self.redis.set(key, self.token, nx=True, px=self.lease_ms):
            self.held.add((hall, duty))
            return True
        return False

    async def release(self, hall: str, duty: str) -> None:
        self.held.discard((hall, duty))
        await self.redis.eval(RELEASE, 1, keys.lease(hall, duty), self.token)

    async def leave(self) -> None:
        """Stopping: release every lease at once (another process takes them at its next round) and stop beating."""
        for hall, duty in list(self.held):
            await self.release(hall, duty)
        await self.redis.zrem(keys.processes(), self.token)
