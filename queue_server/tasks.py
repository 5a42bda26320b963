"""Background tasks that must never die silently: each runs under a supervisor that logs and restarts it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from .business_day import next_rollover
from .clock import Clock
from .hours import next_change
from .store import HallStore

log = logging.getLogger("tidequeue.tasks")


async def supervise(name: str, run: Callable[[], Awaitable[None]], backoff: float = 1.0) -> None:
    """Run ``run`` forever: log every failure or unexpected return, then restart it after ``backoff`` s."""
    while True:
        try:
            await run()
            log.warning("%s returned; restarting it", name)
        except asyncio.CancelledError:
            raise
        except Exception:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                # A library turned our cancellation into another error (redis-py's read timeout does): stop.
                raise asyncio.CancelledError from None
            log.exception("%s failed; restarting in %.0f s", name, backoff)
        await asyncio.sleep(backoff)


async def cancel_and_wait(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel the tasks and wait until they are done, cancelling again if one swallows its cancellation
    (redis-py does, when it arrives while a connection is being set up)."""
    while pending := [t for t in tasks if not t.done()]:
        for task in pending:
            task.cancel()
        await asyncio.wait(pending, timeout=0.1)


async def keep_business_day(store: HallStore, clock: Clock) -> None:
    """Roll the hall over to the new business day on time, so yesterday's line expires even if nobody acts.

    Every script also rolls over on its way, so this only makes it punctual; several processes doing it
    at once is harmless. It also prunes finished tickets past the retention period, so Redis does not grow
    without bound.
    """
    hall = store.hall
    while True:
        now = clock.now()
        await store.roll_over(now)
        pruned = await store.prune(now)
        if pruned:
            log.info("%s: forgot %d finished tickets older than the retention period", hall.id, pruned)
        due = next_rollover(now, hall.timezone, hall.rollover)
        # Re-check at least hourly: the clock may be moved, and sleeping for a day is fragile.
        await clock.sleep(min((due - now).total_seconds() + 0.5, 3600))


async def keep_hours(store: HallStore, clock: Clock) -> None:
    """Announce each session start and end (an ``hours`` event) as it comes, so hall screens switch to
    「延时服务中」 and kiosks grey out closed categories on time. Every process runs one; the store says each
    boundary once."""
    while True:
        now = clock.now()
        change = next_change(now, store.hall)
        if change is None:
            await clock.sleep(3600)
            continue
        # Re-check at least hourly: the clock may be moved, and a long sleep is fragile.
        await clock.sleep_until(min(change, now + timedelta(hours=1)))
        now = clock.now()
        if now >= change:
            await store.announce_hours(now, change)
