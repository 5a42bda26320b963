"""The server's timers: the business-day rollover, session starts and ends, who is on duty by the rota, the tidal
controller's ticks and the release of no-show bookings. Each runs forever under
:func:`queue_server.runtime.supervisor.supervise`; all but the duty keeper run in one process per hall, the one
holding the hall's lease for them (server/leased_work.py)."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from queue_server.core.business_day import next_rollover
from queue_server.core.hours import next_change
from queue_server.runtime.clock import Clock
from queue_server.store import lieu_store, rota_store
from queue_server.store.bookings import MISS_EVERY_SECONDS, Bookings
from queue_server.store.hall_store import HallStore
from queue_server.store.ratings import Ratings
from queue_server.store.recognition_store import keep_clerk_days
from queue_server.store.tidal_controller import TICK_SECONDS, TidalController

log = logging.getLogger("tidequeue.tasks")


async def keep_business_day(store: HallStore, clock: Clock) -> None:
    """Roll the hall over to the new business day on time, so yesterday's line expires even if nobody acts.

    Every script also rolls over on its way, so this only makes it punctual; two processes doing it at once
    (a lease passing on) is harmless. It also prunes finished tickets past the retention period, so Redis does not grow
    without bound.
    """
    hall = store.hall
    while True:
        now = clock.now()
        await store.roll_over(now)
        # What outlives the tickets is kept before they go; a failure there must not stop the pruning for good.
        for keep in (keep_clerk_days, lieu_store.keep_last_month):  # the quarter's tallies, last month's 调休
            try:
                await keep(store, now)
            except (RedisConnectionError, RedisTimeoutError):
                raise  # Redis is away, not a fault of the keeping: its supervisor says so in one line and retries
            except Exception:
                log.exception("%s: %s failed; pruning goes on", hall.id, keep.__name__)
        pruned = await store.prune(now)
        if pruned:
            log.info("%s: forgot %d finished tickets older than the retention period", hall.id, pruned)
        if forgotten := await Ratings(store).prune(now):  # 好差评 are kept longer (store.ratings.KEEP_RATING_DAYS)
            log.info("%s: forgot %d ratings older than their retention period", hall.id, forgotten)
        due = next_rollover(now, hall.timezone, hall.rollover)
        # Re-check at least hourly: the clock may be moved, and sleeping for a day is fragile.
        await clock.sleep(min((due - now).total_seconds() + 0.5, 3600))


async def keep_hours(store: HallStore, clock: Clock) -> None:
    """Announce each session start and end (an ``hours`` event) as it comes, so hall screens switch to
    「延时服务中」 and kiosks grey out closed categories on time. The store says each boundary once, even
    while a lease passes between two processes."""
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


async def keep_duty(store: HallStore, clock: Clock) -> None:
    """Every minute: who is on duty from yesterday to tomorrow, by the kept rotas (排班), so a rota another
    process keeps, and the turn of the day, reach this one's sign-ins, cut-offs and tidal controller.

    Not leased like the others: it writes nothing, it refreshes this process's own view of the rota, which every
    process needs for its own sign-ins, so every process runs it for every hall."""
    while True:
        await rota_store.load_duty(store, clock.now())
        await clock.sleep(rota_store.DUTY_EVERY_SECONDS)


async def keep_bookings(bookings: Bookings, clock: Clock, every: float = MISS_EVERY_SECONDS) -> None:
    """Every minute: bookings past their check-in deadline become no-shows (their places go to walk-ins), and
    once a day bookings older than the retention period are forgotten. Two processes doing it at once is
    harmless."""
    pruned_on: date | None = None
    while True:
        now = clock.now()
        missed = await bookings.miss(now)
        if missed:
            log.info("%s: %d bookings not checked in in time (no-shows)", bookings.hall.id, missed)
        if pruned_on != now.date():
            await bookings.prune(now)
            pruned_on = now.date()
        await clock.sleep(every)


async def run_controller(controller: TidalController, clock: Clock) -> None:
    """Tick forever; run only by the process holding the hall's ``tidal`` lease."""
    while True:
        await controller.tick(clock.now())
        await clock.sleep(TICK_SECONDS)
