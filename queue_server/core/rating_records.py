"""The records of 好差评 (service ratings) that travel from the store to the web edge, declared once, like those of
:mod:`queue_server.core.records`: a rating, whether a ticket may still be rated, and the follow-up case of a 差评."""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

from queue_server.core.records import Code, Day, Moment


class Rating(TypedDict):
    """好差评: one visitor's rating of one served ticket. ``clerk`` (the username) and ``ticket_id`` are for
    supervisors only; the visitor's own page gets the rest."""

    ticket_id: NotRequired[str]
    number: str
    window: int | None
    clerk: NotRequired[str | None]
    service: Code
    business_day: Day
    served_at: NotRequired[Moment]
    channel: Literal["phone", "window"]
    level: int
    reasons: list[str]
    comment: str
    at: Moment
    case_number: NotRequired[str | None]  # the 办件编号 the clerk entered on completion
    case_id: NotRequired[str]  # the follow-up case a 差评 opened


class RatingState(TypedDict):
    """Whether a ticket's visitor may rate it now (``open``), until when, and the rating if given."""

    rating: Rating | None
    open: bool
    closes_at: Moment | None


class RatingCaseStep(TypedDict):
    state: str
    at: Moment
    day: Day
    by: str
    note: str


class RatingCase(TypedDict):
    """The follow-up of a 差评 (待核实 → 整改中 → 已回访 → 已办结): its steps, and the last business day of each state
    (``deadlines``, working days counted from the rating); ``overdue`` when the next step's deadline has passed."""

    id: str
    number: str
    window: int | None
    clerk: str | None
    service: Code
    business_day: Day
    level: int
    reasons: list[str]
    comment: str
    rated_at: Moment
    state: Literal["to_verify", "rectifying", "revisited", "closed"]
    next: str | None
    deadlines: dict[str, Day]
    overdue: bool
    closed_on_time: bool | None
    steps: list[RatingCaseStep]


class Rated(TypedDict):
    """The rating just given, and the case it opened when it was a 差评."""

    rating: Rating
    case: NotRequired[RatingCase | None]
