"""What staff do beyond a window's basic buttons: 特呼 (calling one waiting ticket by name), a window's waiting
list and today's skipped visitors, looking a ticket up by its number, and moving a waiting visitor to another
category at the guide desk (导办台).

The changes are Lua scripts run through :meth:`HallStore.run` with the standard keys (``call_ticket``,
``move_waiting``), so each is atomic with its event and exactly once like call-next. The waiting list is the
read-only ``window_queue`` script; the day's skipped tickets and the look-up by number read the day index with
plain reads (numbers are never reused within a day, so a look-up cannot race with anything that matters: the
script that acts on the ticket checks its state again).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, cast

from queue_server.core.business_day import business_day
from queue_server.core.hall import Window
from queue_server.core.records import Ticket, TicketResult
from queue_server.store import keys
from queue_server.store.hall_store import HallStore
from queue_server.store.tickets import day_number, public_ticket

SLICE = 500  # ticket ids read per HMGET while walking a day's tickets
SKIPPED_SHOWN = 30  # today's skipped tickets a window's list shows, newest first


class StaffDesk:
    """One hall's staff actions and look-ups, over its :class:`HallStore`."""

    def __init__(self, store: HallStore) -> None:
        self.store = store
        self.hall = store.hall

    def today(self, now: datetime) -> date:
        return business_day(now, self.hall.timezone, self.hall.rollover)

    async def call_ticket(
        self, now: datetime, window: Window, ticket_id: str, idempotency: tuple[str, str] | None = None, clerk: str = ""
    ) -> TicketResult:
        """特呼: call ``ticket_id`` (waiting, today's, in one of the window's categories) to ``window``, completing
        the window's current visitor first, as call-next does."""
        args = {"window": window.number, "services": list(window.services), "id": ticket_id, "clerk": clerk}
        return cast(TicketResult, await self.store.run("call_ticket", now, args, idempotency))

    async def move_waiting(
        self, now: datetime, ticket_id: str, service: str, idempotency: tuple[str, str] | None = None
    ) -> TicketResult:
        """导办台转移: a waiting visitor joins ``service``'s line at their original arrival place."""
        args = {"id": ticket_id, "service": service}
        return cast(TicketResult, await self.store.run("move_waiting", now, args, idempotency))

    async def window_queue(self, now: datetime, window: Window, limit: int) -> dict[str, Any]:
        """The next ``limit`` visitors ``window`` would call, in call-next's order, each with ``waited_minutes``;
        and today's skipped tickets (过号) of the categories it serves, newest first."""
        args = {"window": window.number, "services": list(window.services), "policy": window.policy, "limit": limit}
        raw = await self.store.run("window_queue", now, args)
        # cjson writes an empty list as {}
        next_up = [public_ticket(t) for t in (raw["next"] or [])]
        services = set(raw["services"] or []) | set(window.services)
        skipped = [t for t in await self._today_in_state(now, "skipped") if t["service"] in services]
        skipped.sort(key=lambda t: t.get("skipped_at", ""), reverse=True)
        return {
            "window": window.number,
            "services": list(raw["services"] or window.services),
            "policy": window.policy,
            "next": next_up,
            "skipped": [public_ticket(t) for t in skipped[:SKIPPED_SHOWN]],
        }

    async def find_number(self, now: datetime, number: str) -> Ticket | None:
        """Today's ticket with ``number`` (staff view, with ``ahead`` while it waits), or None."""
        wanted = f'"number":"{number}"'
        found = [t for t in await self._today_tickets(now, wanted) if t.get("number") == number]
        if not found:
            return None
        # a category code that ends in a digit could make two numbers alike: the later ticket is the one asked about
        ticket = max(found, key=lambda t: t.get("seq", 0))
        status = await self.store.run("status", now, {"id": ticket["id"]})
        return public_ticket(status["ticket"])

    async def _today_in_state(self, now: datetime, state: str) -> list[dict[str, Any]]:
        return [t for t in await self._today_tickets(now, f'"state":"{state}"') if t.get("state") == state]

    async def _today_tickets(self, now: datetime, contains: str) -> list[dict[str, Any]]:
        """Today's stored tickets whose JSON contains ``contains``: only those are decoded, so a busy day costs
        a substring search per ticket."""
        score = day_number(self.today(now))
        index, table = keys.by_day(self.hall.id), keys.tickets(self.hall.id)
        redis = self.store.redis
        found: list[dict[str, Any]] = []
        start = 0
        while ids := cast(list[str], await redis.zrangebyscore(index, score, score, start=start, num=SLICE)):
            raws = cast(list[str | None], await redis.hmget(table, ids))
            found += [json.loads(raw) for raw in raws if raw and contains in raw]
            start += len(ids)
        return found
