"""后台力量: back-office clerks called forward to a reserve window, and sent back again.

A reserve window stays closed until the tidal controller raises an alert for it (:mod:`queue_server.store.tidal_desk`)
and a reserve clerk accepts it. Accepting (:func:`accept`) is one step of ``scripts/reserve.lua``: the window is
resumed, switched to the alert's category (a tidal switch, cause ``reserve``), the clerk is named on it as a sign-in
names a clerk, and the clerk gets a token for that window, which the web caller pad takes as its session. Handing
it back (:func:`release`, when the line has gone calm, or the clerk signs out there) sends the switch back, pauses
the window and, once the visitor at the window is done, ends the clerk's token there and takes their name off.

The window's record in the windows hash carries the seat while a reserve clerk holds it: ``reserve`` = {clerk
(username), alert, service, since, arrive_by, sessions (the keys of the tokens given), releasing (handed back,
waiting for the visitor at the window)}.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from queue_server.core.errors import Forbidden, from_script
from queue_server.core.hall import Clerk, Hall
from queue_server.core.hours import reserve_on_duty
from queue_server.core.tidal_records import Alert, ReserveAccepted, ReserveClerk
from queue_server.store import keys
from queue_server.store.hall_store import HallStore

# A token from an accepted alert lasts as long as a sign-in's (web.auth.SESSION_SECONDS): a long working day
SESSION_SECONDS = 16 * 3600
ALERT_FIELDS = ("id", "service", "window", "reason", "at", "state", "clerk", "clerk_name", "accepted_at", "arrive_by")


def alert_view(stored: dict[str, Any]) -> Alert:
    """An alert as staff see it: without the fields only the store needs."""
    return cast(Alert, {k: stored[k] for k in ALERT_FIELDS if k in stored})


async def stored_alert(store: HallStore, alert_id: str) -> dict[str, Any] | None:
    raw = await store.redis.hget(keys.tidal_alerts(store.hall.id), alert_id) if len(alert_id) <= 64 else None
    return json.loads(raw) if raw else None


async def window_records(store: HallStore) -> dict[int, dict[str, Any]]:
    """Every window's stored record (open/paused, current ticket, clerk, tidal switch, reserve seat), by number."""
    raw = cast(dict[str, str], await store.redis.hgetall(keys.windows(store.hall.id)))
    return {int(n): json.loads(text) for n, text in raw.items()}


def reserve_only() -> Forbidden:
    return Forbidden(
        "只有后台工作人员（后台力量）可以接受支援请求。",
        "Only back-office staff (后台力量) may accept an alert.",
        "reserve_only",
    )


def reserve_clerk(hall: Hall, username: str, now: datetime | None = None) -> Clerk:
    """The hall's back-office clerk of that name, on duty at ``now`` (by the day's rota, else the hall file), or
    ``reserve_only`` (``off_duty`` when the rota has them off then)."""
    clerk = hall.clerk(username)
    if clerk is None or clerk.role != "reserve" or hall.reserve is None or username not in hall.reserve.clerks:
        raise reserve_only()
    if now is not None and username not in reserve_on_duty(now, hall):
        raise Forbidden(
            "排班表上您此时不在后台值班，不能接受支援请求。",
            "The rota does not have you on back-office duty now, so you cannot accept an alert.",
            "off_duty",
        )
    return clerk


async def accept(store: HallStore, now: datetime, alert_id: str, username: str) -> ReserveAccepted:
    """A back-office clerk takes the alert: its window opens for its category with them at it, and they get a
    token for that window. Refused: ``reserve_only`` (not a reserve clerk), ``unknown_alert``, ``missing_skill``
    (the clerk cannot serve its category), ``alert_taken`` (a colleague was first), ``reserve_busy`` (the clerk
    sits at another reserve window). The clerk who took it asking again gets a fresh token for the same window."""
    hall = store.hall
    clerk = reserve_clerk(hall, username, now)
    found = await stored_alert(store, alert_id)
    if found is None:
        raise from_script("unknown_alert")
    if not clerk.can_serve(found["service"]):
        name = hall.service(found["service"])
        label, label_en = (name.name, name.name_en) if name else (found["service"], found["service"])
        raise Forbidden(
            f"您的业务技能不含{label}，请由其他同事接受。",
            f"Your skills do not cover {label_en}; a colleague who can serve it should accept.",
            "missing_skill",
        )
    assert hall.reserve is not None  # reserve_clerk checked it
    token = secrets.token_urlsafe(32)
    session_key = keys.clerk_session(hall.id, token)
    window = int(found["window"])
    arrive_by = (now + timedelta(minutes=hall.reserve.arrive_minutes)).astimezone(hall.timezone)
    arrive_text = arrive_by.isoformat(timespec="seconds")
    session = {
        "username": clerk.username,
        "name": clerk.name,
        "window": window,
        "role": "reserve",
        "signed_in_at": now.isoformat(),
    }
    args = {
        "action": "accept",
        "id": alert_id,
        "username": clerk.username,
        "name": clerk.display_name,
        "session": json.dumps(session),
        "ttl": SESSION_SECONDS,
        "arrive_by": arrive_text,
        "windows": list(hall.reserve.windows),
    }
    answer = await store.run("reserve", now, args, extra_keys=[keys.tidal_alerts(hall.id), session_key])
    alert = alert_view(answer["alert"])
    return {
        "token": token,
        "expires_in": SESSION_SECONDS,
        "clerk": {"username": clerk.username, "name": clerk.name},
        "window": window,
        "role": "reserve",
        "alert": alert,
        "arrive_by": alert.get("arrive_by", arrive_text),
        "caller": f"/caller/{hall.id}?window={window}",
    }


async def release(
    store: HallStore, now: datetime, window: int, cause: str, reason: str, force: bool = False, clerk: str = ""
) -> bool:
    """Send the reserve clerk at ``window`` back to the back office: the switch goes back and the window pauses at
    once (it calls nobody new); the clerk's token there ends and their name comes off once no visitor is at the
    window, or at once with ``force`` (they signed out). True when released now, False when it waits for the
    visitor (the controller's next tick finishes it). ``not_reserved`` when no reserve clerk (or not ``clerk``, a
    username, when given) sits there."""
    record = (await window_records(store)).get(window, {})
    sessions = list((record.get("reserve") or {}).get("sessions") or [])
    args = {"action": "release", "window": window, "cause": cause, "reason": reason, "force": force, "clerk": clerk}
    extra = [keys.tidal_alerts(store.hall.id), *sessions]
    answer = await store.run("reserve", now, args, extra_keys=extra)
    return bool(answer["released"])


async def reserve_staff(store: HallStore, now: datetime) -> list[ReserveClerk]:
    """Each back-office clerk of the hall: in the back office, called (on the way, until ``arrive_by``) or at a
    window, with the window and the category they serve there; ``off_duty`` when the day's rota has them off."""
    hall = store.hall
    if hall.reserve is None:
        return []
    seated = {
        str(record["reserve"]["clerk"]): (n, record["reserve"])
        for n, record in (await window_records(store)).items()
        if record.get("reserve")
    }
    staff: list[ReserveClerk] = []
    on_duty = reserve_on_duty(now, hall)
    for username in hall.reserve.clerks:
        clerk = hall.clerk(username)
        if clerk is None:
            continue
        row: ReserveClerk = {
            "username": username,
            "name": clerk.name,
            "skills": list(clerk.skills),
            "state": "back_office",
            "window": None,
            "service": None,
            "arrive_by": None,
        }
        if username in seated:
            n, seat = seated[username]
            on_way = now < datetime.fromisoformat(seat["arrive_by"])
            row["window"], row["service"], row["arrive_by"] = n, seat["service"], seat["arrive_by"]
            row["state"] = "called" if on_way else "at_window"
        elif username not in on_duty:
            row["state"] = "off_duty"
        staff.append(row)
    return staff
