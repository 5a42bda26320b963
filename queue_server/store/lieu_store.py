"""The time-off-in-lieu ledger (调休台账) in Redis, and what it is added up from (docs/rota.md).

- **Earned**: each month's time off in lieu from the overtime report (:func:`queue_server.core.overtime.overtime`
  over the month's tickets). A month that has ended never changes, so its figures are kept (``keys.lieu_earned``,
  one field a month) the first time they are counted: tickets are pruned after :data:`KEEP_DAYS` business days,
  the ledger's figures are not. A month is kept only while all its tickets still are; an ended month not kept by
  then is *unrecorded*, counted from what tickets remain, and said so. The current month is counted afresh.
- **Taken**: the days a supervisor entered (``keys.lieu_taken``, one hash a hall), and each working day of an
  approved 调休 request in the rota's time off (:mod:`queue_server.store.rota_store`, ``kind = "lieu"``).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from redis.asyncio import Redis

from queue_server.core.business_day import business_day
from queue_server.core.lieu_ledger import (
    MonthLine,
    TakenDay,
    first_day,
    last_day,
    ledger,
    ledger_months,
    lieu_request_days,
    month_of,
)
from queue_server.core.overtime import overtime
from queue_server.store import keys, rota_store
from queue_server.store.hall_store import KEEP_DAYS, HallStore
from queue_server.store.tickets import day_of_number


async def taken_entries(redis: Redis, hall: str) -> list[dict[str, Any]]:
    """Every entry of time off taken that a supervisor made, by date."""
    raw = cast(dict[str, str], await redis.hgetall(keys.lieu_taken(hall)))
    return sorted((json.loads(v) for v in raw.values()), key=lambda e: (e["date"], e["username"], e["id"]))


async def add_taken(redis: Redis, hall: str, entry: Mapping[str, Any]) -> dict[str, Any]:
    record = {"id": secrets.token_hex(6), **entry}
    await redis.hset(keys.lieu_taken(hall), record["id"], json.dumps(record, ensure_ascii=False))
    return record


async def remove_taken(redis: Redis, hall: str, entry_id: str) -> dict[str, Any] | None:
    """Delete the entry and answer it; None when there is no such entry."""
    key = keys.lieu_taken(hall)
    raw = await redis.hget(key, entry_id)
    if raw is None or not await redis.hdel(key, entry_id):
        return None
    return cast(dict[str, Any], json.loads(raw))


async def rota_lieu_days(store: HallStore) -> list[tuple[dict[str, Any], list[TakenDay]]]:
    """The approved 调休 requests of the rota's time off, each with the days it takes."""
    found = []
    for request in await rota_store.time_off_requests(store.redis, store.hall.id):
        if request.get("approved") and request.get("kind") == "lieu":
            first, last = date.fromisoformat(request["first"]), date.fromisoformat(request["last"])
            found.append((request, lieu_request_days(store.hall, request["username"], first, last)))
    return found


async def requested_on(store: HallStore, username: str, day: str) -> bool:
    """Whether an approved 调休 request of the rota already takes ``day`` (YYYY-MM-DD) for the clerk."""
    return any(
        d.username == username and d.day.isoformat() == day for _, days in await rota_lieu_days(store) for d in days
    )


async def _oldest_ticket_day(store: HallStore) -> date | None:
    oldest = cast(list[tuple[str, float]], await store.redis.zrange(keys.by_day(store.hall.id), 0, 0, withscores=True))
    if not oldest:
        return None
    return day_of_number(int(oldest[0][1]))


async def earned_by_month(
    store: HallStore, months: list[str], today: date
) -> tuple[dict[str, dict[str, float]], list[str]]:
    """Each month's minutes earned per clerk, and the ended months that were not kept before their tickets could
    be pruned (see the module's docstring)."""
    hall = store.hall
    current = month_of(today)
    oldest_kept = today - timedelta(days=KEEP_DAYS)
    kept = cast(list[str | None], await store.redis.hmget(keys.lieu_earned(hall.id), months)) if months else []
    oldest_ticket = await _oldest_ticket_day(store)
    earned: dict[str, dict[str, float]] = {}
    unrecorded: list[str] = []
    for month, raw in zip(months, kept, strict=True):
        if month > current:  # nothing served yet
            earned[month] = {}
            continue
        if raw is not None and month < current:
            earned[month] = json.loads(raw)
            continue
        first, last = first_day(month), last_day(month)
        if oldest_ticket is None or last < oldest_ticket:
            found = {}
        else:
            tickets = await store.tickets_of_days(first, last)
            found = {u: round(t.time_off, 1) for u, t in sorted(overtime(hall, tickets).items()) if t.time_off > 0}
        earned[month] = found
        if month < current:
            if first >= oldest_kept:
                await store.redis.hset(keys.lieu_earned(hall.id), month, json.dumps(found, ensure_ascii=False))
            else:
                unrecorded.append(month)
    return earned, unrecorded


@dataclass(frozen=True)
class MonthLedger:
    """The ledger up to one month: each clerk's line for every month from the ledger's first, the month's days
    taken (entries and the rota's 调休, as the API lists them), and the months whose earned time is not recorded."""

    months: list[str]
    lines: dict[str, list[MonthLine]]
    taken: list[dict[str, Any]]
    unrecorded: list[str]


async def ledger_start(store: HallStore) -> date | None:
    """Without ``[lieu] since``: the first day of the first month the ledger holds anything of (earned figures kept,
    or a day taken), a start that does not move as months pass; None while it holds nothing."""
    kept = cast(list[str], await store.redis.hkeys(keys.lieu_earned(store.hall.id)))
    taken = [e["date"][:7] for e in await taken_entries(store.redis, store.hall.id)]
    first = min([*kept, *taken], default=None)
    return first_day(first) if first else None


async def month_ledger(store: HallStore, month: str, now: datetime) -> MonthLedger:
    hall = store.hall
    today = business_day(now, hall.timezone, hall.rollover)
    months = ledger_months(month, month_of(today), hall.lieu.since or await ledger_start(store))
    earned, unrecorded = await earned_by_month(store, months, today)
    entries = await taken_entries(store.redis, hall.id)
    requests = await rota_lieu_days(store)
    days = [TakenDay(e["username"], date.fromisoformat(e["date"]), float(e["minutes"])) for e in entries]
    days += [d for _, taken in requests for d in taken]
    shown = [{"source": "entry", **e} for e in entries if e["date"].startswith(month)]
    for request, taken in requests:
        shown += [
            {
                "id": request["id"],
                "source": "rota",
                "username": d.username,
                "date": d.day.isoformat(),
                "minutes": d.minutes,
                "note": request.get("note", ""),
                "by": request.get("approved_by", request.get("by", "")),
                "at": request.get("approved_at", request.get("at", "")),
            }
            for d in taken
            if month_of(d.day) == month
        ]
    shown.sort(key=lambda e: (e["date"], e["username"], e["source"], e["id"]))
    return MonthLedger(months, ledger(earned, days, months, hall.lieu.warn_minutes), shown, unrecorded)


async def keep_last_month(store: HallStore, now: datetime) -> None:
    """Keep the earned figures of the month that ended last, while all its tickets still are (the business-day
    keeper does this on its rounds), so that no month goes unrecorded for want of someone reading the ledger."""
    today = business_day(now, store.hall.timezone, store.hall.rollover)
    await earned_by_month(store, [month_of(today.replace(day=1) - timedelta(days=1))], today)
