"""The tidal desk's records (store/tidal_desk.py, web/tidal_api.py): the switches the controller suggests in
``suggest`` mode, the alerts that call back-office staff (后台力量) forward, and where each reserve clerk is.

Declared once, as :mod:`queue_server.core.records` declares the rest, so the store, the API and the OpenAPI
document agree. All of it is for staff: usernames appear here, never on the public channel's events.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

from queue_server.core.records import ClerkName, Code, Moment

SuggestionKind = Literal["open", "close", "reserve"]
Outcome = Literal["approved", "declined", "expired"]


class Suggestion(TypedDict):
    """A switch the tidal controller would make, waiting for a supervisor (suggest mode): ``open`` switches a tidal
    window to ``service``, ``close`` sends it back (a reserve window: its clerk returns to the back office),
    ``reserve`` asks the back office to open reserve window ``window`` for ``service``. Made again on the next
    tick, it keeps its ``id`` and ``at``."""

    id: str
    kind: SuggestionKind
    window: int
    service: Code
    cause: str
    reason: str
    at: Moment


class SuggestionList(TypedDict):
    mode: Literal["auto", "suggest"]
    suggestions: list[Suggestion]


class SuggestionAnswer(TypedDict):
    """What became of a suggestion a supervisor approved or declined."""

    suggestion: Suggestion
    outcome: Outcome


class Alert(TypedDict):
    """拥堵预警, 后台支援: back-office staff are wanted at reserve window ``window`` for ``service``. ``open`` until
    a reserve clerk accepts it (then ``accepted``, with who and by when they will be seated); an open alert nobody
    accepts expires after a quarter of an hour."""

    id: str
    service: Code
    window: int
    reason: str
    at: Moment
    state: Literal["open", "accepted"]
    clerk: NotRequired[str]  # accepted: the clerk's username
    clerk_name: NotRequired[str]  # accepted: the name the window screen shows ('' when none)
    accepted_at: NotRequired[Moment]
    arrive_by: NotRequired[Moment]


class ReserveClerk(TypedDict):
    """A back-office clerk: in the back office, ``called`` (accepted an alert, on the way until ``arrive_by``) or
    ``at_window``."""

    username: str
    name: str
    skills: list[Code]  # empty: any category
    state: Literal["back_office", "called", "at_window", "off_duty"]  # off_duty: not on the day's rota
    window: int | None
    service: Code | None
    arrive_by: Moment | None


class AlertList(TypedDict):
    alerts: list[Alert]
    reserve_staff: list[ReserveClerk]


class ReserveAccepted(TypedDict):
    """An accepted alert: the clerk's token for the window (the same fields as a sign-in's, so the web caller pad
    takes it as its session), the alert, and the caller pad's address for that window."""

    token: str
    expires_in: int
    clerk: ClerkName
    window: int
    role: Literal["reserve"]
    alert: Alert
    arrive_by: Moment
    caller: str
