"""The tidal desk (潮汐调度台): what the tidal controller leaves to people, in Redis.

- **Suggestions** (``[tidal] mode = "suggest"``): each switch the controller would make waits for a supervisor
  (值班长), who approves it (:func:`approve`: it is made at once, through the same path as the controller's own)
  or declines it (:func:`decline`: not suggested again for that window and category for
  ``min_between_switches``). Stored in ``tq:{hall}:tidal:suggestions``, a hash "kind|window|service" → JSON
  {id, kind, window, service, cause, reason, at, expected}, so the same suggestion made again keeps its id; the
  declines in ``tq:{hall}:tidal:declined``, "window|service" → until (ms).
- **Alerts** (拥堵预警, 后台支援): the controller asks the back office to open a reserve window for a congested
  category (:func:`raise_alert`). Stored in ``tq:{hall}:tidal:alerts``, alert id → JSON {id, service, window,
  reason, at, at_ms, state open|accepted, and once accepted clerk, clerk_name, accepted_at, arrive_by}. An open
  alert nobody accepts within :data:`ALERT_MINUTES` expires; an accepted one lasts until its window is released
  (:mod:`queue_server.store.reserve_desk`).

Every change is one step of ``scripts/tidal_desk.lua`` (or ``reserve.lua``) with its event: ``tidal_suggested``,
``tidal_suggestion_closed`` (approved, declined, expired), ``alert``, ``alert_closed`` (expired, withdrawn),
``reserve_accepted``, ``reserve_released``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, cast, get_args

from queue_server.core.errors import Conflict, QueueError, from_script
from queue_server.core.tidal import Action, Cause
from queue_server.core.tidal_records import Alert, Outcome, Suggestion, SuggestionAnswer
from queue_server.store import keys, reserve_desk, tidal_memory
from queue_server.store.hall_store import HallStore
from queue_server.store.reserve_desk import accept, alert_view, release, reserve_staff, stored_alert

__all__ = [
    "accept", "alert", "alerts", "apply", "approve", "close_alert", "decline", "declined", "expire_alerts",
    "propose", "raise_alert", "release", "reserve_staff", "suggestions",
]  # fmt: skip

log = logging.getLogger("tidequeue.tidal")

ALERT_MINUTES = 15  # an alert nobody accepts in this time expires; the controller may raise a new one
SUGGESTION_FIELDS = ("id", "kind", "window", "service", "cause", "reason", "at")


def extra_keys(hall_id: str) -> list[str]:
    return [keys.tidal_suggestions(hall_id), keys.tidal_declined(hall_id), keys.tidal_alerts(hall_id)]


def suggestion_view(stored: Mapping[str, Any]) -> Suggestion:
    return cast(Suggestion, {k: stored[k] for k in SUGGESTION_FIELDS})


async def _all(store: HallStore, key: str) -> list[dict[str, Any]]:
    raw = cast(dict[str, str], await store.redis.hgetall(key))
    return [json.loads(text) for text in raw.values()]


async def suggestions(store: HallStore) -> list[Suggestion]:
    """The switches waiting for a supervisor, oldest first."""
    found = await _all(store, keys.tidal_suggestions(store.hall.id))
    return [suggestion_view(s) for s in sorted(found, key=lambda s: (s["at"], s["window"], s["kind"]))]


async def alerts(store: HallStore) -> list[Alert]:
    """The open and accepted alerts, oldest first."""
    found = await _all(store, keys.tidal_alerts(store.hall.id))
    return [alert_view(a) for a in sorted(found, key=lambda a: (a["at_ms"], a["window"]))]


async def declined(store: HallStore, now: datetime) -> set[tuple[int, str]]:
    """The (window, category) pairs a supervisor declined a suggestion for, not to be suggested again yet."""
    raw = cast(dict[str, str], await store.redis.hgetall(keys.tidal_declined(store.hall.id)))
    now_ms = int(now.timestamp() * 1000)
    pairs = set()
    for field, until in raw.items():
        window, _, service = field.partition("|")
        if int(float(until)) > now_ms:
            pairs.add((int(window), service))
    return pairs


async def _desk(store: HallStore, now: datetime, args: Mapping[str, Any]) -> dict[str, Any]:
    return await store.run("tidal_desk", now, args, extra_keys=extra_keys(store.hall.id))


async def propose(
    store: HallStore, now: datetime, actions: Iterable[Action], expected: Mapping[int, str]
) -> list[Suggestion]:
    """Make ``actions`` the suggestions waiting now (the controller's, in suggest mode); any other suggestion
    expires. ``expected``: each window's category as the controller saw it ('' none), checked on approval.
    Returns the suggestions that are new."""
    items = [
        {
            "key": f"{a.kind}|{a.window}|{a.service}",
            "id": secrets.token_hex(5),
            "kind": a.kind,
            "window": a.window,
            "service": a.service,
            "cause": a.cause,
            "reason": a.reason,
            "expected": expected.get(a.window, ""),
        }
        for a in actions
    ]
    answer = await _desk(store, now, {"action": "suggest", "suggestions": items})
    made = answer["made"] or []  # cjson writes an empty list as {}
    return [suggestion_view(s) for s in made]


async def _stored_suggestion(store: HallStore, suggestion_id: str) -> dict[str, Any]:
    for s in await _all(store, keys.tidal_suggestions(store.hall.id)):
        if s["id"] == suggestion_id:
            return s
    raise from_script("unknown_suggestion")


async def _close(store: HallStore, now: datetime, suggestion_id: str, outcome: Outcome) -> dict[str, Any]:
    until = now + store.hall.tidal_policy.min_between_switches
    args = {"action": "close_suggestion", "id": suggestion_id, "outcome": outcome, "until_ms": _ms(until)}
    suggestion: dict[str, Any] = (await _desk(store, now, args))["suggestion"]
    return suggestion


async def approve(store: HallStore, now: datetime, suggestion_id: str, by: str) -> SuggestionAnswer:
    """A supervisor approves a suggestion: it is applied at once (:func:`apply`). ``unknown_suggestion``; a window
    that changed since it was suggested refuses (``tidal_changed`` and the like) and the suggestion expires."""
    stored = await _stored_suggestion(store, suggestion_id)
    cause = cast(Cause, stored["cause"] if stored["cause"] in get_args(Cause) else "congested")
    action = Action(stored["kind"], int(stored["window"]), stored["service"], cause, stored["reason"])
    try:
        await apply(store, now, action, stored.get("expected", ""))
    except Conflict:
        with contextlib.suppress(QueueError):  # gone meanwhile: the refusal says enough
            await _close(store, now, suggestion_id, "expired")
        raise
    closed = await _close(store, now, suggestion_id, "approved")
    await tidal_memory.remember_switch(store, now, action.window, action.service, calm=action.kind == "close")
    log.info("%s: %s approved: window %d %s %s", store.hall.id, by, action.window, action.kind, action.service)
    return {"suggestion": suggestion_view(closed), "outcome": "approved"}


async def decline(store: HallStore, now: datetime, suggestion_id: str, by: str) -> SuggestionAnswer:
    """A supervisor declines a suggestion: nothing changes, and the controller does not suggest that window and
    category again for ``min_between_switches``."""
    closed = await _close(store, now, suggestion_id, "declined")
    log.info("%s: %s declined: window %s %s %s", store.hall.id, by, closed["window"], closed["kind"], closed["service"])
    return {"suggestion": suggestion_view(closed), "outcome": "declined"}


async def apply(store: HallStore, now: datetime, action: Action, expected: str) -> None:
    """Take one decision: a tidal switch (refused ``tidal_changed`` when the window is no longer on ``expected``),
    an alert for a reserve window (``alert_out`` when one is out already), or a reserve window handed back: its
    alert withdrawn while nobody has accepted it, else its clerk sent back (:func:`reserve_desk.release`)."""
    window = store.hall.window(action.window)
    if action.kind == "reserve":
        await raise_alert(store, now, action.window, action.service, action.reason)
    elif action.kind == "close" and window is not None and window.reserve:
        waiting = [a for a in await alerts(store) if a["window"] == action.window and a["state"] == "open"]
        if waiting:
            await close_alert(store, now, waiting[0]["id"], "withdrawn")
        else:
            await reserve_desk.release(store, now, action.window, action.cause, action.reason)
    else:
        service = action.service if action.kind == "open" else None
        await store.tidal(
            now, action.window, service, manual=False, cause=action.cause, reason=action.reason, expected=expected
        )


async def raise_alert(store: HallStore, now: datetime, window: int, service: str, reason: str) -> Alert:
    """Ask the back office to open reserve ``window`` for ``service`` (an ``alert`` event)."""
    args = {"action": "alert", "id": secrets.token_hex(5), "window": window, "service": service, "reason": reason}
    return alert_view((await _desk(store, now, args))["alert"])


async def close_alert(store: HallStore, now: datetime, alert_id: str, outcome: str) -> Alert:
    """Take back an alert nobody has accepted: ``expired`` or ``withdrawn`` (the line went calm)."""
    args = {"action": "close_alert", "id": alert_id, "outcome": outcome}
    return alert_view((await _desk(store, now, args))["alert"])


async def expire_alerts(store: HallStore, now: datetime) -> list[Alert]:
    """Close the open alerts nobody accepted within :data:`ALERT_MINUTES`; returns them."""
    oldest = _ms(now - timedelta(minutes=ALERT_MINUTES))
    expired = []
    for a in await _all(store, keys.tidal_alerts(store.hall.id)):
        if a["state"] == "open" and a["at_ms"] <= oldest:
            with contextlib.suppress(QueueError):  # accepted at the last moment: it stays
                expired.append(await close_alert(store, now, a["id"], "expired"))
    return expired


async def alert(store: HallStore, alert_id: str) -> Alert | None:
    found = await stored_alert(store, alert_id)
    return alert_view(found) if found else None


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
