"""The hall's state in Redis: every change is one Lua script, called here with its keys and the time.

:class:`HallStore` is the only place that knows the scripts' KEYS/ARGV layout (described in
``scripts/_prelude.lua``). Each method takes ``now`` so that callers, and tests, control the clock.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from importlib import resources
from typing import Any, Literal, cast

from redis.asyncio import Redis
from redis.commands.core import AsyncScript

from queue_server.core.admission import walk_in_reserve
from queue_server.core.business_day import business_day
from queue_server.core.errors import UnknownTicket, from_script
from queue_server.core.hall import Hall, Window
from queue_server.core.hours import hall_hours, opening
from queue_server.core.records import Category, Hours, Snapshot, Ticket, TicketAnswer, TicketResult, WindowView
from queue_server.runtime.metrics import Metrics, untimed
from queue_server.store import keys
from queue_server.store.tickets import (
    STAFF_FIELDS,
    day_number,
    finished,
    new_ticket_id,
    new_ticket_key,
    public_ticket,
)

SCRIPT_NAMES = (
    "issue", "call_next", "recall", "skip", "complete", "transfer", "pause", "requeue", "status", "snapshot", "tidal",
    "hours",
    "book", "cancel_booking", "check_in", "miss_bookings", "clerk",
    "call_ticket", "window_queue", "move_waiting",
    "rate", "case_step",
    "tidal_desk", "reserve", "waiting_now",
)  # fmt: skip
KEEP_DAYS = 62  # finished tickets are kept this many business days (two months of statistics), then pruned
STREAM_MAX = 100_000  # events kept per hall: several busy days, for screens that resume and for statistics
IDEMPOTENCY_TTL = 24 * 3600


class Scripts:
    """The Lua scripts, registered once per Redis client (redis-py reloads them after a Redis restart)."""

    def __init__(self, redis: Redis) -> None:
        folder = resources.files("queue_server.store.scripts")
        prelude = folder.joinpath("_prelude.lua").read_text(encoding="utf-8")
        self.by_name: dict[str, AsyncScript] = {
            name: redis.register_script(prelude + folder.joinpath(f"{name}.lua").read_text(encoding="utf-8"))
            for name in SCRIPT_NAMES
        }


class HallStore:
    """One hall's tickets, windows and event stream."""

    def __init__(self, redis: Redis, scripts: Scripts, hall: Hall, metrics: Metrics | None = None) -> None:
        self.redis = redis
        self.hall = hall
        self._scripts = scripts.by_name
        self._timed: Callable[[str], AbstractContextManager[None]] = metrics.timed if metrics else untimed
        codes = hall.service_codes
        self._codes = list(codes)
        h = hall.id
        self._keys = [
            keys.events(h),
            keys.tickets(h),
            keys.windows(h),
            keys.business_day(h),
            keys.sequence(h),
            # KEYS[8], the idempotency record, is only read when the request carries a key
            keys.numbers(h),
            keys.recent_calls(h),
            keys.idempotency(h, ""),
            keys.served(h),
            keys.handling_times(h),
            keys.by_day(h),
            keys.bookings(h),
            keys.booking_slots(h),
            keys.booking_deadlines(h),
            keys.paused_time(h),
            keys.hours_announced(h),
            keys.holders(h),
        ]
        for code in codes:
            self._keys += [keys.waiting(h, code, False), keys.waiting(h, code, True)]

    async def run(
        self,
        name: str,
        now: datetime,
        args: Mapping[str, Any] | None = None,
        idempotency: tuple[str, str] | None = None,
        extra_keys: Sequence[str] = (),
    ) -> dict[str, Any]:
        """Run a script with its arguments by name (its header lists them); ``idempotency`` is (what the request
        asks, its Idempotency-Key) when it has one. Every script gets one JSON object as its only ARGV.
        ``extra_keys`` come after the standard ones, for a script with keys of its own (rate.lua)."""
        run_keys = [*self._keys, *extra_keys] if extra_keys else self._keys
        keys.of_one_hall(extra_keys, self.hall.id)
        fingerprint = ""
        if idempotency is not None:
            request, client_key = idempotency
            run_keys = list(run_keys)
            run_keys[7] = keys.idempotency(self.hall.id, client_key)
            fingerprint = hashlib.sha256(request.encode()).hexdigest()
        local = now.astimezone(self.hall.timezone)
        call = {
            "now_ms": int(now.timestamp() * 1000),
            "at": local.isoformat(timespec="milliseconds"),
            "day": business_day(now, self.hall.timezone, self.hall.rollover).isoformat(),
            "fingerprint": fingerprint,
            "idem_ttl": IDEMPOTENCY_TTL,
            "codes": self._codes,
            "stream_max": STREAM_MAX,
            "args": args or {},
        }
        with self._timed(name):  # its latency, and a failure to reach Redis, for /metrics
            raw = await self._scripts[name](keys=run_keys, args=[json.dumps(call, ensure_ascii=False)])
        answer: dict[str, Any] = json.loads(raw)
        if "error" in answer:
            raise from_script(answer["error"], answer.get("details"))
        if "ticket" in answer:
            answer["ticket"] = public_ticket(answer["ticket"])
        return answer

    async def _ticket_answer(
        self, name: str, now: datetime, args: Mapping[str, Any], idempotency: tuple[str, str] | None = None
    ) -> TicketAnswer:
        """``call_next``: the ticket called, or none when nobody waits."""
        return cast(TicketAnswer, await self.run(name, now, args, idempotency))

    async def _ticket_result(
        self, name: str, now: datetime, args: Mapping[str, Any], idempotency: tuple[str, str] | None = None
    ) -> TicketResult:
        """A script that acts on one ticket and answers it (or refuses with an error code)."""
        return cast(TicketResult, await self.run(name, now, args, idempotency))

    async def issue(
        self,
        now: datetime,
        service: str,
        priority: bool = False,
        idempotency: tuple[str, str] | None = None,
        max_waiting: int | None = None,
        anonymous: str = "",
    ) -> TicketResult:
        """取号: returns the new ticket with the number of people ahead.

        ``max_waiting`` is the issuing cut-off (see :func:`queue_server.core.hours.max_waiting`): the ticket is refused
        (``issuing_closed``) when more than that many already wait in the category; None issues regardless.
        ``anonymous`` is an anonymous client's address (empty for a trusted device): it may hold one live ticket
        per category (``ticket_held``) and may not take the places kept for walk-ins (``walk_ins_only``)."""
        reserved = walk_in_reserve(max_waiting, self.hall.access.walk_in_share) if anonymous else 0
        args = {
            "service": service,
            "priority": priority,
            "id": new_ticket_id(self.hall.id),
            "key": new_ticket_key(),
            "max_waiting": max_waiting,
            "reserved": reserved,
            "holder": keys.pseudonym(anonymous),
        }
        return await self._ticket_result("issue", now, args, idempotency)

    async def call_next(
        self, now: datetime, window: Window, idempotency: tuple[str, str] | None = None, clerk: str = ""
    ) -> TicketAnswer:
        """呼叫下一位: ``{"ticket": ...}``, the ticket being ``None`` when nobody waits for the window.
        ``clerk`` (the signed-in clerk's username) is kept on the ticket for the overtime report."""
        args = {"window": window.number, "services": window.services, "policy": window.policy, "clerk": clerk}
        return await self._ticket_answer("call_next", now, args, idempotency)

    async def recall(self, now: datetime, window: int, idempotency: tuple[str, str] | None = None) -> TicketResult:
        return await self._ticket_result("recall", now, {"window": window}, idempotency)

    async def skip(self, now: datetime, window: int, idempotency: tuple[str, str] | None = None) -> TicketResult:
        return await self._ticket_result("skip", now, {"window": window}, idempotency)

    async def complete(
        self, now: datetime, window: int, idempotency: tuple[str, str] | None = None, case_number: str = ""
    ) -> TicketResult:
        """办结; ``case_number`` (办件编号, '' for none) is kept on the ticket for the staff only."""
        args = {"window": window, "case_number": case_number}
        return await self._ticket_result("complete", now, args, idempotency)

    async def transfer(
        self, now: datetime, window: int, service: str, idempotency: tuple[str, str] | None = None
    ) -> TicketResult:
        return await self._ticket_result("transfer", now, {"window": window, "service": service}, idempotency)

    async def clerk_arrived(self, now: datetime, window: int, username: str, display_name: str) -> None:
        """A clerk signed in at ``window``: the window screen names them (``display_name``, never the username)."""
        await self.run("clerk", now, {"window": window, "action": "arrive", "username": username, "name": display_name})

    async def clerk_left(self, now: datetime, window: int, username: str) -> None:
        """A clerk signed out: the window screen stops naming them, unless another clerk signed in there since."""
        await self.run("clerk", now, {"window": window, "action": "leave", "username": username, "name": ""})

    async def pause(
        self, now: datetime, window: int, idempotency: tuple[str, str] | None = None, reason: str | None = None
    ) -> dict[str, Any]:
        """暂停: the window calls nobody new; ``reason`` (core.pauses) is what its screen tells visitors."""
        return await self.run("pause", now, {"window": window, "action": "pause", "reason": reason}, idempotency)

    async def resume(self, now: datetime, window: int, idempotency: tuple[str, str] | None = None) -> dict[str, Any]:
        return await self.run("pause", now, {"window": window, "action": "resume"}, idempotency)

    async def requeue(self, now: datetime, ticket_id: str, idempotency: tuple[str, str] | None = None) -> TicketResult:
        return await self._ticket_result(
            "requeue", now, {"id": ticket_id, "behind": self.hall.requeue_after}, idempotency
        )

    async def tidal(
        self,
        now: datetime,
        window: int,
        service: str | None,
        *,
        manual: bool,
        cause: str,
        reason: str,
        expected: str | None = None,
        idempotency: tuple[str, str] | None = None,
    ) -> dict[str, Any]:
        """潮汐窗口: switch a tidal window to ``service``, or back to its own categories with ``service=None``.

        ``expected`` is the category the caller saw the window switched to ('' for none); the switch is refused
        (``tidal_changed``) if that is no longer so. None skips the check (a supervisor's hand)."""
        args = {
            "window": window, "action": "open" if service else "close", "service": service or "", "manual": manual,
            "cause": cause, "reason": reason, "expected": "*" if expected is None else expected,
        }  # fmt: skip
        return await self.run("tidal", now, args, idempotency)

    async def ticket(self, now: datetime, ticket_id: str) -> Ticket:
        """One ticket as its visitor sees it (``GET /api/tickets/{id}``, the phone's channel): no staff fields."""
        ticket = (await self._ticket_result("status", now, {"id": ticket_id}))["ticket"]
        return cast(Ticket, {k: v for k, v in ticket.items() if k not in STAFF_FIELDS})

    async def holds_key(self, ticket_id: str, key: str) -> bool:
        """Whether ``key`` is the visitor's own secret of the ticket (compared in constant time); UnknownTicket for a
        ticket the hall does not have."""
        raw = await self.redis.hget(keys.tickets(self.hall.id), ticket_id)
        if raw is None:
            raise UnknownTicket("没有这张票。", "No such ticket.")
        stored = json.loads(raw).get("key")
        return isinstance(stored, str) and hmac.compare_digest(stored.encode(), key.encode())

    async def roll_over(self, now: datetime) -> None:
        """Start the new business day if it is due (the snapshot script does it on the way)."""
        await self.run("snapshot", now)

    async def announce_hours(self, now: datetime, boundary: datetime) -> bool:
        """Tell screens and kiosks that a session started or ended at ``boundary`` (an ``hours`` event with the
        hall's hours and each category's opening at ``now``); False if another process already did."""
        openings = {s.code: opening(now, self.hall, s.code, await self.waiting(s.code)) for s in self.hall.services}
        local = now.astimezone(self.hall.timezone).isoformat(timespec="milliseconds")
        event = {
            "type": "hours",
            "at": local,
            "hours": hall_hours(openings),
            "openings": {code: o.as_dict() for code, o in openings.items()},
        }
        args = {"boundary_ms": int(boundary.timestamp() * 1000), "data": json.dumps(event, ensure_ascii=False)}
        return bool((await self.run("hours", now, args))["announced"])

    async def waiting(self, service: str) -> int:
        """How many wait in ``service`` now, priority included."""
        h = self.hall.id
        counts = [await self.redis.zcard(keys.waiting(h, service, lane)) for lane in (False, True)]
        return sum(counts)

    async def paused_windows(self) -> set[int]:
        """The windows paused right now (暂停), which serve nobody and so count for no estimate."""
        return (await self.window_states())[0]

    async def window_states(self) -> tuple[set[int], dict[int, str]]:
        """The windows paused right now, and the tidal windows switched now with the category each was switched to:
        what a visitor's estimate counts."""
        raw = cast(dict[str, str], await self.redis.hgetall(keys.windows(self.hall.id)))
        states = {int(n): json.loads(text) for n, text in raw.items()}
        paused = {n for n, state in states.items() if state.get("state") == "paused"}
        return paused, {n: state["tidal"]["service"] for n, state in states.items() if state.get("tidal")}

    async def prune(self, now: datetime, keep_days: int = KEEP_DAYS) -> int:
        """Forget finished tickets older than ``keep_days`` business days; returns how many.

        Outside Lua on purpose: it walks the old days of the day index in small steps instead of blocking Redis.
        It is safe because a finished ticket of an old day never changes again; a ticket still at a window is kept.
        """
        oldest = business_day(now, self.hall.timezone, self.hall.rollover) - timedelta(days=keep_days)
        index, key = keys.by_day(self.hall.id), keys.tickets(self.hall.id)
        pruned, start = 0, 0
        while ids := await self._day_ids("-inf", f"({day_number(oldest)}", start, 500):
            tickets = cast(list[str | None], await self.redis.hmget(key, ids))
            done = [i for i, raw in zip(ids, tickets, strict=True) if raw is None or finished(raw)]
            if done:
                pruned += await self.redis.hdel(key, *done)
                await self.redis.zrem(index, *done)
            start += len(ids) - len(done)  # the kept ones stay in the index; step past them
        return pruned

    async def tickets_of_days(self, first: date, last: date) -> list[dict[str, Any]]:
        """Every ticket of the business days ``first`` to ``last`` (inclusive), as stored, in no set order."""
        key = keys.tickets(self.hall.id)
        found: list[dict[str, Any]] = []
        start = 0
        while ids := await self._day_ids(day_number(first), day_number(last), start, 2000):
            found += [json.loads(raw) for raw in cast(list[str | None], await self.redis.hmget(key, ids)) if raw]
            start += len(ids)
        return found

    async def _day_ids(self, low: int | str, high: int | str, start: int, num: int) -> list[str]:
        index = keys.by_day(self.hall.id)
        return cast(list[str], await self.redis.zrangebyscore(index, low, high, start=start, num=num))

    async def snapshot(self, now: datetime) -> Snapshot:
        """The hall as a screen shows it, with the id of the last event that the state includes."""
        raw = await self.run("snapshot", now)
        windows = raw["windows"] or {}
        served = raw["served"] or {}
        # Opening hours (延时错时服务): open now? issuing until when? next opening? Pure, from the config.
        openings = {s.code: opening(now, self.hall, s.code, sum(raw["waiting"][s.code])) for s in self.hall.services}
        categories: list[Category] = [
            {
                "code": s.code,
                "name": s.name,
                "name_en": s.name_en,
                "minutes": s.minutes,
                "waiting": sum(raw["waiting"][s.code]),
                "priority_waiting": raw["waiting"][s.code][1],
                "opening": openings[s.code].as_dict(),
            }
            for s in self.hall.services
        ]
        window_views: list[WindowView] = []
        for w in self.hall.windows:
            state = windows.get(str(w.number), {})
            ticket = public_ticket(state.get("ticket"), staff=False)
            status: Literal["idle", "serving", "paused"] = "serving" if ticket else "idle"
            if state.get("state") == "paused":
                status = "paused"
            switched = state.get("tidal")
            clerk = state.get("clerk") or {}
            window_views.append(
                {
                    "number": w.number,
                    # switched: that category first, then its own (a reserve window has none of its own)
                    "services": [
                        switched["service"],
                        *(c for c in w.services if c != switched["service"] and not w.reserve),
                    ]
                    if switched
                    else list(w.services),
                    "home_services": list(w.services),
                    "policy": w.policy,
                    "tidal": w.tidal,
                    "reserve": w.reserve,
                    "state": status,
                    "ticket": ticket,
                    "since": state.get("since"),
                    "served_today": served.get(str(w.number), 0),
                    "switched_to": switched,
                    # who serves there, as the hall names them to visitors (never the username); None: nobody named
                    "clerk": clerk.get("name") or None,
                    "pause_reason": state.get("pause_reason") if status == "paused" else None,
                }
            )
        now_open = hall_hours(openings)
        # 延时服务 (当日事当日毕): no session runs, but visitors who took a ticket in time are still being served.
        busy = any(c["waiting"] for c in categories) or any(w["ticket"] for w in window_views)
        hours: Hours = {**now_open, "extended": not now_open["open"] and busy}
        return {
            "hall": {
                "id": self.hall.id,
                "name": self.hall.name,
                "name_en": self.hall.name_en,
                "timezone": self.hall.timezone.key,
                "announcement": dict(self.hall.announcement),
            },
            "business_day": raw["business_day"],
            "now": now.astimezone(self.hall.timezone).isoformat(timespec="milliseconds"),  # screens show this time
            "hours": hours,
            "categories": categories,
            "windows": window_views,
            "latest_calls": raw["calls"] or [],
            # 过号: today's skipped numbers not back in line, newest first (cjson writes an empty list as {})
            "skipped": raw.get("skipped") or [],
            "last_event_id": raw["last_event_id"],
        }
