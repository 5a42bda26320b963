"""Leases: each hall's background duty is run by one process at a time, passes on when that process dies or stops,
and the halls spread over the processes. Runs on one Redis and on a 3-master cluster (the halls lie in other slots).

A dead process is one that stops calling; its lease runs out by Redis's clock, so these tests use leases of a few
hundred milliseconds and wait for the hand-over as a condition, with a timeout."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from queue_server.store import keys
from queue_server.store.leases import Crew

HALLS = ("chengdu-tianfu", "chengdu-jinjiang", "pixian")
DUTIES = [(hall, duty) for hall in HALLS for duty in ("business_day", "tidal")]


async def holder(redis: Redis, hall: str, duty: str) -> str | None:
    value = await redis.get(keys.lease(hall, duty))
    return value.decode() if isinstance(value, bytes) else value


async def test_one_of_two_processes_takes_a_lease(redis: Redis) -> None:
    first, second = Crew(redis, 1), Crew(redis, 1)
    await first.beat(), await second.beat()
    assert await first.hold("pixian", "tidal")
    assert not await second.hold("pixian", "tidal")
    assert await first.hold("pixian", "tidal")  # renewing
    assert await holder(redis, "pixian", "tidal") == first.token


async def test_renewing_keeps_the_lease(redis: Redis) -> None:
    crew = Crew(redis, 1, lease_ms=60_000)
    await crew.beat()
    assert await crew.hold("pixian", "business_day")
    await redis.pexpire(keys.lease("pixian", "business_day"), 100)  # as if most of its time had gone by
    assert await crew.hold("pixian", "business_day")
    assert await redis.pttl(keys.lease("pixian", "business_day")) > 50_000


async def test_a_dead_process_lease_passes_on_when_it_runs_out(redis: Redis) -> None:
    dead, survivor = Crew(redis, 1, lease_ms=300), Crew(redis, 1, lease_ms=300)
    await dead.beat(), await survivor.beat()
    assert await dead.hold("pixian", "tidal")
    assert not await survivor.hold("pixian", "tidal")
    # The dead process neither renews nor releases; the survivor keeps beating and asking, as its loop does.
    async with asyncio.timeout(10):
        while not await survivor.hold("pixian", "tidal"):
            await survivor.beat()
    assert await holder(redis, "pixian", "tidal") == survivor.token
    assert not await dead.hold("pixian", "tidal")  # it came back too late: it must not take the lease back
    assert await holder(redis, "pixian", "tidal") == survivor.token


async def test_a_stopping_process_hands_its_leases_over_at_once(redis: Redis) -> None:
    stopping, other = Crew(redis, len(DUTIES)), Crew(redis, len(DUTIES))
    await stopping.beat()
    assert all([await stopping.hold(*duty) for duty in DUTIES])  # alone: it takes everything
    await other.beat()
    assert not any([await other.hold(*duty) for duty in DUTIES])
    await stopping.leave()
    assert await other.beat() == 1  # it is alone now
    assert all([await other.hold(*duty) for duty in DUTIES])
    assert {await holder(redis, *duty) for duty in DUTIES} == {other.token}


async def test_the_halls_spread_over_the_processes(redis: Redis) -> None:
    first, second = Crew(redis, len(DUTIES)), Crew(redis, len(DUTIES))
    await first.beat()
    for duty in DUTIES:
        await first.hold(*duty)  # started first: alone, it takes every hall
    await second.beat()
    for _ in range(2):  # two rounds of each: the first hands over what exceeds its share, the second takes it
        await first.beat(), await second.beat()
        for duty in DUTIES:
            await first.hold(*duty)
        for duty in DUTIES:
            await second.hold(*duty)
    holders = [await holder(redis, *duty) for duty in DUTIES]
    assert holders.count(first.token) == holders.count(second.token) == len(DUTIES) // 2
    assert first.held.isdisjoint(second.held) and first.held | second.held == set(DUTIES)


async def test_a_lease_left_by_nobody_is_taken_by_any(redis: Redis) -> None:
    """Three processes, two leases: the shares (one each) still cover every lease."""
    crews = [Crew(redis, 2) for _ in range(3)]
    for crew in crews + crews:  # twice: each has then seen all three beat
        await crew.beat()
    for crew in crews:
        for duty in DUTIES[:2]:
            await crew.hold(*duty)
    assert all([await holder(redis, *duty) for duty in DUTIES[:2]])
    assert sorted(len(crew.held) for crew in crews) == [0, 1, 1]
