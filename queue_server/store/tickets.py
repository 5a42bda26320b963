"""A ticket as the store keeps it and as the API shows it: its id (unguessable, naming its hall), the fields the
public may see and those kept for the staff, and the business day as the day index scores it."""

from __future__ import annotations

import json
import secrets
from datetime import date
from typing import Any, cast

from queue_server.core.errors import UnknownTicket
from queue_server.core.records import Ticket

# Fields that only the store needs; the API shows the rest, these first.
# ``key`` is the visitor's own secret (new_ticket_key): only whoever took the ticket gets it, in that answer.
PRIVATE_FIELDS = ("seq", "issued_ms", "called_ms", "key")
# Kept on the ticket for the staff (the overtime report, the clerk's own answers) but never shown in public views
# (the hall screen, the phone page, GET /api/tickets/{id}): who called, and a booked visitor's booking code, which
# with a look-up would give the visitor's masked name and phone digits; and the case number (办件编号) entered at
# completion, which names the visitor's business.
STAFF_FIELDS = ("clerk", "booking", "case_number")
FINAL_STATES = ("served", "skipped", "expired")
LEADING_FIELDS = (
    "id",
    "number",
    "service",
    "priority",
    "state",
    "ahead",
    "window",
    "business_day",
    "issued_at",
)


def day_number(day: date) -> int:
    """A business day as the day index scores it: 2026-11-23 → 20261123."""
    return day.year * 10000 + day.month * 100 + day.day


def day_of_number(number: int) -> date:
    """The business day a day index score stands for: 20261123 → 2026-11-23."""
    return date(number // 10000, number // 100 % 100, number % 100)


def finished(raw: str) -> bool:
    """Whether a stored ticket (its JSON) is done with: served, skipped for good, or expired."""
    return bool(json.loads(raw)["state"] in FINAL_STATES)


def new_ticket_id(hall_id: str) -> str:
    """An unguessable ticket id (128 random bits) that also says which hall it belongs to."""
    return f"{hall_id}.{secrets.token_urlsafe(16)}"


def new_ticket_key() -> str:
    """The visitor's own secret for a ticket (96 random bits), printed in the ticket's QR code for their phone
    page: the ticket id alone is no proof, as the hall channel shows it to every screen."""
    return secrets.token_urlsafe(12)


def hall_of_ticket(ticket_id: str) -> str:
    hall_id, sep, token = ticket_id.partition(".")
    if not sep or not token:
        raise UnknownTicket("没有这张票。", "No such ticket.")
    return hall_id


def public_ticket(ticket: dict[str, Any] | None, staff: bool = True) -> Ticket | None:
    """A stored ticket as the API shows it: its leading fields first, the store's own bookkeeping left out, and
    unless ``staff``, who called it and its booking code too."""
    if ticket is None:
        return None
    hidden = PRIVATE_FIELDS if staff else PRIVATE_FIELDS + STAFF_FIELDS
    view: dict[str, Any] = {k: ticket.get(k) for k in LEADING_FIELDS if k in ticket or k == "window"}
    view.update((k, v) for k, v in ticket.items() if k not in hidden and k not in view)
    return cast(Ticket, view)
