"""Every Redis key name the ticket server uses, in one place.

All keys of one hall carry the hash tag ``{hall}`` so that a Redis Cluster keeps them in one slot and the
Lua scripts may touch them together.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

PREFIX = "tq"


def _hall(hall: str) -> str:
    return f"{PREFIX}:{{{hall}}}"


def hash_tag(key: str) -> str | None:
    """The part of ``key`` a Redis Cluster hashes to choose its slot: what lies between the first ``{`` and the
    next ``}``, when that is not empty; None when the whole key is hashed. ``tq:{demo}:events`` -> ``demo``."""
    start = key.find("{")
    if start < 0:
        return None
    end = key.find("}", start + 1)
    return key[start + 1 : end] if end > start + 1 else None


def of_one_hall(names: Iterable[str], hall: str) -> None:
    """Refuse a key of a script that is not the hall's: a script runs on the one node that holds its hall's slot,
    and a key of another slot would break a cluster."""
    names = list(names)
    if any(hash_tag(name) != hall for name in names):
        raise ValueError(f"every key of a script must carry the hash tag {{{hall}}}: {names}")


def events(hall: str) -> str:
    """The hall's event stream: every state change appends one entry."""
    return f"{_hall(hall)}:events"


def tickets(hall: str) -> str:
    """Hash ticket id → ticket JSON."""
    return f"{_hall(hall)}:tickets"


def windows(hall: str) -> str:
    """Hash window number → window JSON (open/paused, current ticket)."""
    return f"{_hall(hall)}:windows"


def business_day(hall: str) -> str:
    """The business day the hall's state belongs to; moving it forward expires yesterday's line."""
    return f"{_hall(hall)}:day"


def sequence(hall: str) -> str:
    """Hall-wide counter that orders tickets of all categories by arrival."""
    return f"{_hall(hall)}:seq"


def numbers(hall: str) -> str:
    """Hash service code → last number issued this business day; cleared when the day rolls over."""
    return f"{_hall(hall)}:numbers"


def served(hall: str) -> str:
    """Hash window number → visitors completed this business day; cleared when the day rolls over."""
    return f"{_hall(hall)}:served"


def handling_times(hall: str) -> str:
    """Hash service code → JSON list of the minutes its last visitors took at a window, newest first."""
    return f"{_hall(hall)}:handling"


def by_day(hall: str) -> str:
    """Sorted set of every ticket id, scored by its business day as a number (20261123): a day's tickets
    for statistics and the overtime report without walking the whole ticket hash."""
    return f"{_hall(hall)}:by_day"


def bookings(hall: str) -> str:
    """Hash booking code → booking JSON (预约)."""
    return f"{_hall(hall)}:bookings"


def booking_slots(hall: str) -> str:
    """Hash "date|category|HH:MM" → bookings held in that slot, "who|date|category" → the code of a person's
    booking, "phone|date|last 4 digits" → a phone's live bookings that day, and "address|day|pseudonym" → the
    bookings an anonymous address made that day: so a slot is never overbooked, nobody books the same category
    twice on a day, and the hall's booking limits are counted in the same script."""
    return f"{_hall(hall)}:booking_slots"


def booking_deadlines(hall: str) -> str:
    """Sorted set of booking codes not yet checked in, scored by the last moment (ms) they may check in."""
    return f"{_hall(hall)}:booking_deadlines"


def paused_time(hall: str) -> str:
    """Hash "business day|window" → milliseconds the window spent paused that day (for its busy ratio)."""
    return f"{_hall(hall)}:paused_ms"


def hours_announced(hall: str) -> str:
    """The last session boundary (ms since the epoch) announced with an ``hours`` event, so that of several
    server processes only the first says it."""
    return f"{_hall(hall)}:hours_announced"


def pseudonym(address: str) -> str:
    """What Redis keeps of an anonymous client's address (its limits are counted by it): a hash, never the address
    itself; '' for none (the hall's own devices)."""
    return hashlib.sha256(address.encode()).hexdigest()[:24] if address else ""


def holders(hall: str) -> str:
    """Hash "holder|category" → the ticket an anonymous client took today (the holder is a pseudonym of its
    address), so it holds one live ticket per category; cleared when the day rolls over."""
    return f"{_hall(hall)}:holders"


def ratings(hall: str) -> str:
    """Hash ticket id → its rating JSON (好差评), at most one per ticket; kept longer than tickets (store.ratings)."""
    return f"{_hall(hall)}:ratings"


def rated_by_day(hall: str) -> str:
    """Sorted set of rated ticket ids, scored by the ticket's business day as a number (20261123)."""
    return f"{_hall(hall)}:ratings:by_day"


def clerk_days(hall: str) -> str:
    """Hash business day → JSON of each clerk's tally that day (served, handling, no-shows, holiday minutes), kept
    when the day's tickets are pruned so a quarter's recognition report still counts them (store.recognition_store)."""
    return f"{_hall(hall)}:clerk-days"


def rating_cases(hall: str) -> str:
    """Hash case id ("2026-11-23-A003") → the follow-up case a 差评 opened, with its steps and deadlines."""
    return f"{_hall(hall)}:ratings:cases"


def tidal_memory(hall: str) -> str:
    """What the hall's tidal controller remembers between ticks (congested/calm since, last switches)."""
    return f"{_hall(hall)}:tidal:memory"


def lease(hall: str, duty: str) -> str:
    """Which server process runs ``duty`` at the hall (store/leases.py); expires unless renewed. The tidal
    controller's is ``tq:{hall}:tidal:lease``, as before leases were general."""
    return f"{_hall(hall)}:{duty}:lease"


def processes() -> str:
    """Sorted set: the live server processes' tokens, scored by when their beat runs out (store/leases.py). Not a
    hall's key: it is only ever touched alone."""
    return f"{PREFIX}:processes"


def tidal_suggestions(hall: str) -> str:
    """Hash "kind|window|service" → a switch the controller suggests in suggest mode, waiting for a supervisor."""
    return f"{_hall(hall)}:tidal:suggestions"


def tidal_declined(hall: str) -> str:
    """Hash "window|service" → until when (ms) a declined suggestion for them is not made again."""
    return f"{_hall(hall)}:tidal:declined"


def tidal_alerts(hall: str) -> str:
    """Hash alert id → an alert calling back-office staff (后台力量) to a reserve window, open or accepted."""
    return f"{_hall(hall)}:tidal:alerts"


def recent_calls(hall: str) -> str:
    """List of the latest calls, newest first, for the hall snapshot."""
    return f"{_hall(hall)}:calls"


def waiting(hall: str, service: str, priority: bool) -> str:
    """Sorted set of waiting ticket ids of one category, scored by arrival order."""
    lane = "priority" if priority else "normal"
    return f"{_hall(hall)}:waiting:{service}:{lane}"


def idempotency(hall: str, client_key: str) -> str:
    """Where the first answer to a request with an ``Idempotency-Key`` is kept.

    The client's key is hashed so that any string the client sends makes a short, safe key name.
    """
    digest = hashlib.sha256(client_key.encode()).hexdigest()[:32]
    return f"{_hall(hall)}:idem:{digest}"


def clerk_session(hall: str, token: str) -> str:
    """A signed-in clerk's session; the token itself is never stored, only its hash."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    return f"{_hall(hall)}:session:{digest}"


def sign_in_failures(hall: str, who: str) -> str:
    """Recent failed sign-ins of one username or one client address (``who``: ``user:…`` or ``addr:…``)."""
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]
    return f"{_hall(hall)}:sign-in:failures:{digest}"


def sign_in_wait(hall: str, who: str) -> str:
    """Set while ``who`` must wait before trying to sign in again; its TTL is the wait."""
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]
    return f"{_hall(hall)}:sign-in:wait:{digest}"


def rota(hall: str, month: str) -> str:
    """The hall's rota (排班) of one month (``2026-12``) as JSON: who holds which post (queue_server.rota)."""
    return f"{_hall(hall)}:rota:{month}"


def time_off(hall: str) -> str:
    """Hash request id → a clerk's time-off request (休假) as JSON, approved or not."""
    return f"{_hall(hall)}:time-off"


def lieu_taken(hall: str) -> str:
    """Hash entry id → time off in lieu (调休) a supervisor entered as taken: clerk, date, minutes, note."""
    return f"{_hall(hall)}:lieu:taken"


def lieu_earned(hall: str) -> str:
    """Hash month (``2026-11``) → JSON of each clerk's minutes of time off in lieu earned in that month, kept once
    the month has ended (its tickets never change again, and are pruned after two months)."""
    return f"{_hall(hall)}:lieu:earned"
