"""What the performance recognition report (服务明星评选参考) reads from Redis, and the tallies it keeps.

A quarter is longer than tickets are kept (``KEEP_DAYS``, 62 business days), so before a day's tickets are pruned
:func:`keep_clerk_days` keeps each clerk's tally of that day (:func:`queue_server.core.recognition.day_tallies`) in
one hash per hall (``keys.clerk_days``), for :data:`KEEP_TALLY_DAYS` like the ratings. A quarter's figures read
the kept tallies, and the tickets of the days that have none yet. Ratings outlive their tickets on their own
(:mod:`queue_server.store.ratings`); duty days come from the months' kept rotas (:mod:`queue_server.store.rota_store`),
each post's kind by :func:`queue_server.rota.needs.duty_kind`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import cast

from queue_server.core.business_day import business_day
from queue_server.core.hall import Hall
from queue_server.core.recognition import DUTY_KINDS, ClerkDay, DayTallies, Quarter, day_tallies, recognition
from queue_server.core.recognition_records import Recognition, RotaMonth
from queue_server.rota.needs import duty_kind
from queue_server.store import keys, rota_store
from queue_server.store.hall_store import KEEP_DAYS, HallStore
from queue_server.store.ratings import KEEP_RATING_DAYS, Ratings
from queue_server.store.tickets import day_number, day_of_number

KEEP_TALLY_DAYS = KEEP_RATING_DAYS  # a whole year's figures can be read after it ends, as with the ratings
POST_KEY = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2}) ([0-9]{2}):([0-9]{2}) #[0-9]+$")  # rota.needs.post_key


def _encoded(tallies: Mapping[str, ClerkDay]) -> str:
    return json.dumps({name: tally.as_dict() for name, tally in sorted(tallies.items())}, ensure_ascii=False)


async def keep_clerk_days(store: HallStore, now: datetime, keep_days: int = KEEP_DAYS) -> int:
    """Keep the tally of every business day whose tickets :meth:`HallStore.prune` is about to forget (older than
    ``keep_days``) and that has none kept yet, then forget tallies older than :data:`KEEP_TALLY_DAYS`; returns how
    many days it kept. Call it before the prune; several processes doing it at once keep each day once."""
    hall, redis = store.hall, store.redis
    today = business_day(now, hall.timezone, hall.rollover)
    before = f"({day_number(today - timedelta(days=keep_days))}"
    index, tallies = keys.by_day(hall.id), keys.clerk_days(hall.id)
    kept, low = 0, "-inf"
    # one step a business day: the lowest day left below the cut-off, then past it
    while found := cast(
        list[tuple[str, float]], await redis.zrangebyscore(index, low, before, start=0, num=1, withscores=True)
    ):
        number = int(found[0][1])
        day = day_of_number(number)
        if not await redis.hexists(tallies, day.isoformat()):
            tickets = await store.tickets_of_days(day, day)
            tally = day_tallies(hall, tickets).get(day.isoformat(), {})
            kept += int(await redis.hsetnx(tallies, day.isoformat(), _encoded(tally)))
        low = f"({number}"
    oldest = (today - timedelta(days=KEEP_TALLY_DAYS)).isoformat()
    stale = [d for d in cast(list[str], await redis.hkeys(tallies)) if d < oldest]
    if stale:
        await redis.hdel(tallies, *stale)
    return kept


async def clerk_days(store: HallStore, first: date, last: date) -> DayTallies:
    """Each clerk's tally on each business day from ``first`` to ``last``: kept, or else from the day's tickets."""
    days = [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
    raws = cast(list[str | None], await store.redis.hmget(keys.clerk_days(store.hall.id), days))
    kept: DayTallies = {
        day: {name: ClerkDay.of(raw) for name, raw in json.loads(text).items()}
        for day, text in zip(days, raws, strict=True)
        if text is not None
    }
    tickets = [t for t in await store.tickets_of_days(first, last) if t.get("business_day") not in kept]
    return {**day_tallies(store.hall, tickets), **kept}


def duty_dates(hall: Hall, assignments: Mapping[str, str]) -> dict[str, dict[str, set[str]]]:
    """username → duty kind (holiday, weekend, evening) → the dates with a post of that kind, from a rota's
    assignments (post key → username)."""
    found: dict[str, dict[str, set[str]]] = {}
    for key, username in assignments.items():
        match = POST_KEY.match(key)
        if match is None or not username:
            continue
        try:
            day, start = date.fromisoformat(match[1]), time(int(match[2]), int(match[3]))
        except ValueError:
            continue
        kind = duty_kind(day, start, hall.calendar)
        if kind in DUTY_KINDS:
            found.setdefault(username, {}).setdefault(kind, set()).add(match[1])
    return found


async def quarter_duties(store: HallStore, quarter: Quarter) -> tuple[dict[str, dict[str, set[str]]], list[RotaMonth]]:
    """The duty dates of the quarter's published rotas, and which months have one (a draft decided nothing)."""
    duties: dict[str, dict[str, set[str]]] = {}
    months: list[RotaMonth] = []
    for month in quarter.months:
        record = await rota_store.stored(store.redis, store.hall.id, month)
        if record is not None and not record.get("published"):
            record = None
        source = record.get("source") if record else None
        months.append(
            {
                "month": month,
                "kept": record is not None,
                "source": source if source in ("generated", "edited") else None,
            }
        )
        for username, kinds in duty_dates(store.hall, (record or {}).get("assignments", {})).items():
            for kind, dates in kinds.items():
                duties.setdefault(username, {}).setdefault(kind, set()).update(dates)
    return duties, months


async def quarter_report(store: HallStore, quarter: Quarter) -> Recognition:
    """The quarter's figures per clerk (:func:`queue_server.core.recognition.recognition`)."""
    hall = store.hall
    days = await clerk_days(store, quarter.first, quarter.last)
    ratings = await Ratings(store).ratings_of_days(quarter.first, quarter.last)
    duties, months = await quarter_duties(store, quarter)
    clerks, totals = recognition(hall, days, ratings, duties)
    return {
        "hall": hall.id,
        "quarter": quarter.name,
        "first": quarter.first.isoformat(),
        "last": quarter.last.isoformat(),
        "categories": [{"code": s.code, "name": s.name, "name_en": s.name_en} for s in hall.services],
        "clerks": clerks,
        "totals": totals,
        "rotas": months,
    }
