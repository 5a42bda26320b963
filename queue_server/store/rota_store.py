"""The month's rota (排班) and the clerks' time-off requests in Redis, and what a rota is made from.

One key per hall and month holds the rota as JSON (``keys.rota``): who holds which post, how it was made (by the
solver, or edited by hand, by whom and when), and the minutes each clerk works each day, which the next month's
rota reads for days in a row, the rest after weekend duty and a week's hours across the turn of the month.
Time-off requests live in one hash per hall (``keys.time_off``). A month's facts (:func:`month_facts`) are the
hall's posts, widened where the day's staffing plan (Erlang C on the expected arrivals) wants more than the hall
file staffs, the approved time off, and the last days of the month before; the solver runs in a thread, since it
holds a core for seconds.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, cast

from redis.asyncio import Redis

from queue_server.core.day_forecast import basis_days, forecast_day
from queue_server.core.errors import Conflict
from queue_server.core.hall import DayDuty, Session
from queue_server.core.staffing_plan import StaffingPlan, staffing_plan
from queue_server.rota import duty
from queue_server.rota.needs import Month, TimeOff, month_days, month_of, worked_minutes
from queue_server.rota.rules import MAX_DAYS_IN_A_ROW
from queue_server.rota.solver import Solution, solve
from queue_server.store import keys
from queue_server.store.day_outlook import booked_by_hour, history_of, measured_minutes
from queue_server.store.hall_store import HallStore

DUTY_EVERY_SECONDS = 60  # how soon another process's rota edit reaches this one
PLAN_DAYS_AHEAD = 62  # a staffing plan further ahead would rest on weeks that old (docs/staffing.md)


async def stored(redis: Redis, hall: str, month: str) -> dict[str, Any] | None:
    raw = await redis.get(keys.rota(hall, month))
    return cast(dict[str, Any], json.loads(raw)) if raw else None


def rota_changed() -> Conflict:
    return Conflict(
        "排班刚被他人修改，请刷新后再改。",
        "The rota was changed by someone else meanwhile: reload it and make the change again.",
        "rota_changed",
    )


async def save(
    store: HallStore,
    facts: Month,
    assignments: Mapping[str, str],
    made: Mapping[str, Any],
    now: datetime,
    over: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Keep ``assignments`` as the month's rota, with how it was ``made`` (source, at, by, solver), in place of
    ``over`` (the rota it was made from: ``rota_changed`` if another was kept meanwhile; None: whatever is kept).
    A published rota stays published: this process goes by it at once, the others within
    :data:`DUTY_EVERY_SECONDS`."""
    key = keys.rota(store.hall.id, f"{facts.days[0]:%Y-%m}")
    worked = worked_minutes(facts, assignments)
    kept = await stored(store.redis, store.hall.id, f"{facts.days[0]:%Y-%m}") or {}
    if over is not None and kept.get("version", 0) != over.get("version", 0):
        raise rota_changed()
    record = {
        "month": f"{facts.days[0]:%Y-%m}",
        **made,
        "version": kept.get("version", 0) + 1,
        "published": kept.get("published"),  # who published it, and when; None: a draft
        "assignments": dict(sorted(assignments.items())),
        "worked": {name: {d.isoformat(): m for d, m in sorted(days.items())} for name, days in sorted(worked.items())},
        "duty": {d.isoformat(): day for d, day in sorted(duty.held_posts(facts, assignments).items())},
    }
    await _replace(store, key, kept.get("version", 0), record)
    await load_duty(store, now)
    return record


async def publish(store: HallStore, month: str, by: str | None, now: datetime) -> dict[str, Any] | None:
    """Publish the month's kept rota (``by`` None: withdraw it, back to a draft): from then on it decides who is
    on duty. None when no rota is kept."""
    record = await stored(store.redis, store.hall.id, month)
    if record is None:
        return None
    version = record.get("version", 0)
    record["published"] = {"by": by, "at": now.isoformat()} if by is not None else None
    record["version"] = version + 1
    await _replace(store, keys.rota(store.hall.id, month), version, record)
    await load_duty(store, now)
    return record


# KEYS[1] the month's rota; ARGV[1] the version it was read at, ARGV[2] the new record. Replaces it only if it is
# still at that version (0: none kept): a compare-and-set in one script, the same on one Redis and on a cluster.
REPLACE = """
local raw = redis.call('GET', KEYS[1])
local version = 0
if raw then version = cjson.decode(raw).version or 0 end
if version ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
"""


async def _replace(store: HallStore, key: str, version: int, record: Mapping[str, Any]) -> None:
    """Keep ``record`` under ``key`` if the rota kept there is still at ``version``; else ``rota_changed``."""
    script = store.redis.register_script(REPLACE)
    if not await script(keys=[key], args=[version, json.dumps(record, ensure_ascii=False)]):
        raise rota_changed()


async def load_duty(store: HallStore, now: datetime) -> None:
    """Give the store's hall who is on duty from yesterday to tomorrow (:attr:`Hall.duty`), by the published
    rotas, against the hall file and the approved time off as they are now: each process does this on start,
    every :data:`DUTY_EVERY_SECONDS`, at a sign-in, and after it keeps or publishes a rota itself."""
    hall = store.hall
    today = now.astimezone(hall.timezone).date()
    days = [today + timedelta(days=n) for n in (-1, 0, 1)]
    found: dict[date, DayDuty] = {}
    away = time_off_of([r for r in await time_off_requests(store.redis, hall.id) if r.get("approved")])
    for month in sorted({f"{d:%Y-%m}" for d in days}):
        record = await stored(store.redis, hall.id, month)
        if not record or not record.get("published"):
            continue
        for text, kept in (record.get("duty") or {}).items():
            day = date.fromisoformat(text)
            if day in days and "held" in kept:
                found[day] = duty.day_duty(kept, hall, {t.username for t in away if t.covers(day)})
    if found != store.hall.duty:
        store.hall = replace(store.hall, duty=found)


async def generate(store: HallStore, facts: Month, now: datetime, by: str) -> tuple[dict[str, Any], Solution]:
    """Solve the month (in a thread) and keep its rota."""
    solution = await asyncio.to_thread(solve, facts)
    made = {
        "source": "generated",
        "at": now.isoformat(),
        "by": by,
        "solver": {"status": solution.status, "seconds": round(solution.seconds, 2)},
    }
    return await save(store, facts, solution.assignments, made, now), solution


async def time_off_requests(redis: Redis, hall: str) -> list[dict[str, Any]]:
    """Every time-off request of the hall, by first day."""
    raw = cast(dict[str, str], await redis.hgetall(keys.time_off(hall)))
    return sorted((json.loads(v) for v in raw.values()), key=lambda r: (r["first"], r["username"], r["id"]))


async def request_time_off(redis: Redis, hall: str, entry: Mapping[str, Any]) -> dict[str, Any]:
    record = {"id": secrets.token_hex(6), **entry}
    await redis.hset(keys.time_off(hall), record["id"], json.dumps(record, ensure_ascii=False))
    return record


async def approve_time_off(redis: Redis, hall: str, request_id: str, by: str, now: datetime) -> dict[str, Any] | None:
    """Mark the request approved; None when there is no such request."""
    raw = await redis.hget(keys.time_off(hall), request_id)
    if raw is None:
        return None
    record = {**json.loads(raw), "approved": True, "approved_by": by, "approved_at": now.isoformat()}
    await redis.hset(keys.time_off(hall), request_id, json.dumps(record, ensure_ascii=False))
    return record


def time_off_of(records: list[dict[str, Any]]) -> list[TimeOff]:
    return [
        TimeOff(r["username"], date.fromisoformat(r["first"]), date.fromisoformat(r["last"]), bool(r["approved"]))
        for r in records
    ]


async def month_facts(store: HallStore, year: int, month: int, today: date) -> Month:
    """What the month's rota is made for and checked against (see the module's docstring)."""
    hall = store.hall
    days = month_days(year, month)
    first = days[0]
    previous = await stored(store.redis, hall.id, f"{first - timedelta(days=1):%Y-%m}")
    before: dict[str, dict[date, int]] = {}
    for name, worked in (previous or {}).get("worked", {}).items():
        for text, minutes in worked.items():
            day = date.fromisoformat(text)
            if first - timedelta(days=MAX_DAYS_IN_A_ROW + 1) <= day < first:
                before.setdefault(name, {})[day] = int(minutes)
    time_off = time_off_of(await time_off_requests(store.redis, hall.id))
    plan = await month_plan(store, days, today)
    return month_of(hall, year, month, time_off, before, plan)


class MonthPlan:
    """The staffing plans of a month's days, as the rota reads them (:class:`queue_server.rota.needs.StaffingPlan`)."""

    def __init__(self, plans: Mapping[date, StaffingPlan]) -> None:
        self.plans = plans

    def clerks(self, day: date, session: Session) -> dict[str, int] | None:
        plan = self.plans.get(day)
        return plan.clerks(day, session) if plan is not None else None


async def month_plan(store: HallStore, days: list[date], today: date) -> MonthPlan:
    """The staffing plan of each of ``days`` within :data:`PLAN_DAYS_AHEAD` of ``today``, from the tickets of the
    days their forecasts rest on (read once for the month)."""
    hall = store.hall
    near = [d for d in days if abs((d - today).days) <= PLAN_DAYS_AHEAD]
    basis = sorted({b for d in near for b in basis_days(d, hall.calendar, today)[0]})
    if not near or not basis:
        return MonthPlan({})
    history = await history_of(store, basis)
    if not history:
        return MonthPlan({})
    handling = await measured_minutes(store)
    plans = {}
    for day in near:
        forecast = forecast_day(day, hall, history, await booked_by_hour(store, day), today=today)
        plans[day] = staffing_plan(hall, day, forecast, handling)
    return MonthPlan(plans)
