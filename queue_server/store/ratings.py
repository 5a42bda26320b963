"""Ratings (好差评) and the follow-up cases of 差评 in Redis.

A rating and, for a 差评, its case are written by one script (``scripts/rate.lua``) that also checks "served, not
yet rated, still in time" and appends the public ``rated`` event; a case moves on by ``scripts/case_step.lua``.
Both scripts take the standard keys of :class:`HallStore` and three of their own appended after them
(:data:`extra_keys`): the ratings, their day index, and the cases. The prelude's key layout is unchanged.

Retention: a rating copies what it needs of its ticket (number, window, clerk, category, day), so it outlives the
ticket, which is pruned after ``KEEP_DAYS`` (62) business days. Ratings are kept :data:`KEEP_RATING_DAYS` calendar
days — a year and a month, so that a whole year's 好差评 can be reported after it ends — and a 差评 whose case is
not closed is kept until it is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, cast

from queue_server.core.business_day import business_day
from queue_server.core.errors import from_script
from queue_server.core.ratings import (
    CaseState,
    Channel,
    case_deadlines,
    closed_on_time,
    is_bad,
    is_overdue,
    next_state,
)
from queue_server.store import keys
from queue_server.store.hall_store import HallStore
from queue_server.store.tickets import day_number

KEEP_RATING_DAYS = 400
# What a visitor's own page may see of a rating: never who served, nor the ticket id's twin in other views.
PUBLIC_FIELDS = ("number", "window", "service", "business_day", "channel", "level", "reasons", "comment", "at")


def extra_keys(hall_id: str) -> list[str]:
    return [keys.ratings(hall_id), keys.rated_by_day(hall_id), keys.rating_cases(hall_id)]


def _lists(record: dict[str, Any]) -> dict[str, Any]:
    # Lua's cjson writes an empty list as {} and leaves out what is nil; the API answers lists, and every field
    for name in ("reasons", "steps"):
        if name in record and not record[name]:
            record[name] = []
    for name in ("clerk", "case_number", "window"):
        record.setdefault(name, None)
    return record


def public_rating(rating: dict[str, Any]) -> dict[str, Any]:
    return {k: rating.get(k) for k in PUBLIC_FIELDS}


class Ratings:
    """One hall's ratings and cases."""

    def __init__(self, store: HallStore) -> None:
        self.store = store
        self.hall = store.hall
        self._extra = extra_keys(store.hall.id)

    def today(self, now: datetime) -> date:
        return business_day(now, self.hall.timezone, self.hall.rollover)

    async def rate(
        self,
        now: datetime,
        *,
        level: int,
        reasons: Iterable[str],
        comment: str,
        channel: Channel,
        ticket_id: str = "",
        window: int = 0,
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Rate ``ticket_id``, or the last ticket served at ``window`` today; the rating and the case it opened.
        The level, reasons and comment must have been checked (:func:`queue_server.core.ratings.check_rating`)."""
        policy = self.hall.ratings
        deadlines = case_deadlines(self.today(now), policy, self.hall.calendar)
        args = {
            "id": ticket_id,
            "window": window,
            "channel": channel,
            "within_ms": policy.within_minutes * 60_000,
            "within_minutes": policy.within_minutes,
            "level": level,
            "reasons": list(reasons),
            "comment": comment,
            "bad": is_bad(level),
            "deadlines": {state: day.isoformat() for state, day in deadlines.items()},
        }
        answer = await self.store.run("rate", now, args, extra_keys=self._extra)
        case = answer.get("case")
        return _lists(answer["rating"]), self.case_view(case, now) if case else None

    async def rating_of(self, ticket_id: str) -> dict[str, Any] | None:
        raw = await self.store.redis.hget(keys.ratings(self.hall.id), ticket_id)
        return _lists(json.loads(raw)) if raw else None

    async def ratings_of_days(self, first: date, last: date) -> list[dict[str, Any]]:
        """Every rating of tickets of the business days ``first`` to ``last``, oldest first."""
        redis = self.store.redis
        ids = cast(
            list[str], await redis.zrangebyscore(keys.rated_by_day(self.hall.id), day_number(first), day_number(last))
        )
        if not ids:
            return []
        raws = cast(list[str | None], await redis.hmget(keys.ratings(self.hall.id), ids))
        found = [_lists(json.loads(raw)) for raw in raws if raw]
        return sorted(found, key=lambda r: (str(r.get("at")), str(r.get("served_at")), str(r.get("number"))))

    async def step(self, now: datetime, case_id: str, to: CaseState, by: str, note: str) -> dict[str, Any]:
        """Move a case to ``to``, which must be the state after its current one (else ``step_out_of_order``)."""
        current = await self.case(case_id)
        state = cast(CaseState, current["state"])
        if next_state(state) != to:
            raise from_script("step_out_of_order", {"state": state})
        args = {"case": case_id, "from": state, "to": to, "by": by, "note": note}
        answer = await self.store.run("case_step", now, args, extra_keys=self._extra)
        return self.case_view(answer["case"], now)

    async def case(self, case_id: str) -> dict[str, Any]:
        raw = await self.store.redis.hget(keys.rating_cases(self.hall.id), case_id)
        if raw is None:
            raise from_script("unknown_case")
        return _lists(json.loads(raw))

    async def cases(self, now: datetime) -> list[dict[str, Any]]:
        """Every case the hall keeps, as :meth:`case_view` shows it: overdue first, then the oldest."""
        raw = cast(dict[str, str], await self.store.redis.hgetall(keys.rating_cases(self.hall.id)))
        views = [self.case_view(_lists(json.loads(v)), now) for v in raw.values()]
        return sorted(views, key=lambda c: (not c["overdue"], c["state"] == "closed", c["rated_at"]))

    def case_view(self, case: dict[str, Any], now: datetime) -> dict[str, Any]:
        """A case with what follows from its deadlines today: its next state, whether it is overdue, and once
        closed, whether it was closed on time."""
        state = cast(CaseState, case["state"])
        today = self.today(now)
        view = dict(case)
        view["next"] = next_state(state)
        view["overdue"] = is_overdue(state, case["deadlines"], today)
        closed = next((s for s in case.get("steps", []) if s.get("state") == "closed"), None)
        closed_day = date.fromisoformat(closed["day"]) if closed else None
        view["closed_on_time"] = (
            closed_on_time(closed_day, date.fromisoformat(case["deadlines"]["closed"])) if closed else None
        )
        return view

    async def prune(self, now: datetime, keep_days: int = KEEP_RATING_DAYS) -> int:
        """Forget ratings older than ``keep_days`` calendar days, except a 差评 whose case is still open."""
        h = self.hall.id
        redis = self.store.redis
        oldest = self.today(now) - timedelta(days=keep_days)
        ids = cast(list[str], await redis.zrangebyscore(keys.rated_by_day(h), "-inf", f"({day_number(oldest)}"))
        gone = 0
        for ticket_id in ids:
            rating = await self.rating_of(ticket_id)
            case_id = rating.get("case_id") if rating else None
            if case_id:
                raw = await redis.hget(keys.rating_cases(h), case_id)
                if raw and json.loads(raw).get("state") != "closed":
                    continue
                await redis.hdel(keys.rating_cases(h), case_id)
            gone += await redis.hdel(keys.ratings(h), ticket_id)
            await redis.zrem(keys.rated_by_day(h), ticket_id)
        return gone
