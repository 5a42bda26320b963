"""Service ratings (政务服务「好差评」, 国办发〔2019〕51号): the five levels, the reasons of a 差评, and the rules of
the follow-up every 差评 opens.

A visitor who was served rates that one service once, soon after (``[ratings] within_minutes``), from their phone
page or the window's evaluator device. Levels 2 and 1 (不满意, 非常不满意) are 差评: they need at least one reason
from :data:`REASONS` and open a case (:data:`CASE_STATES`) that is verified, rectified, answered (回访) and closed,
each step by a deadline counted in the hall's working days from the rated business day.

The 满意率 follows the 好差评 practice: (非常满意 + 满意 + 基本满意) / all ratings, i.e. levels 3 to 5 count as
satisfied.

Pure: no Redis, no clock; the store side is :mod:`queue_server.store.ratings`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any, Literal, NamedTuple

from queue_server.core.errors import InvalidRequest
from queue_server.core.hall import Calendar, RatingPolicy
from queue_server.core.holidays import day_kind


class Level(NamedTuple):
    value: int
    zh: str
    en: str


class Reason(NamedTuple):
    code: str
    zh: str
    en: str


# Best first, as evaluators and the phone page show them.
LEVELS: tuple[Level, ...] = (
    Level(5, "非常满意", "Very satisfied"),
    Level(4, "满意", "Satisfied"),
    Level(3, "基本满意", "Fairly satisfied"),
    Level(2, "不满意", "Dissatisfied"),
    Level(1, "非常不满意", "Very dissatisfied"),
)
LEVEL_VALUES = frozenset(level.value for level in LEVELS)
SATISFIED_FROM = 3  # 满意率 counts 基本满意 and better
BAD_UP_TO = 2  # 差评: 不满意 and 非常不满意

REASONS: tuple[Reason, ...] = (
    Reason("long_wait", "等待时间长", "Long wait"),
    Reason("slow", "办事效率低", "Slow service"),
    Reason("attitude", "服务态度差", "Poor attitude"),
    Reason("not_told_once", "一次性告知不到位", "Not told everything needed at once"),
    Reason("unclear_materials", "材料要求不清", "Unclear document requirements"),
    Reason("other", "其他", "Other"),
)
REASON_CODES = frozenset(reason.code for reason in REASONS)
COMMENT_MAX = 200  # characters; a 差评's comment is read by a person, not a form to fill

Channel = Literal["phone", "window"]
CHANNELS: tuple[Channel, ...] = ("phone", "window")

CaseState = Literal["to_verify", "rectifying", "revisited", "closed"]
# The order every case goes through; a step may only go to the next state.
CASE_STATES: tuple[CaseState, ...] = ("to_verify", "rectifying", "revisited", "closed")
CASE_STATE_LABELS: Mapping[CaseState, tuple[str, str]] = {
    "to_verify": ("待核实", "To verify"),
    "rectifying": ("整改中", "Rectifying"),
    "revisited": ("已回访", "Revisited"),
    "closed": ("已办结", "Closed"),
}
WORKDAY_SEARCH = 400  # a deadline farther than this many calendar days means a calendar with no working days


def level_of(value: int) -> Level | None:
    return next((level for level in LEVELS if level.value == value), None)


def is_bad(level: int) -> bool:
    """差评: 不满意 or 非常不满意."""
    return level <= BAD_UP_TO


def is_satisfied(level: int) -> bool:
    """Counts towards the 满意率: 基本满意 or better."""
    return level >= SATISFIED_FROM


def check_rating(level: object, reasons: Iterable[str], comment: str | None) -> tuple[int, tuple[str, ...], str]:
    """The rating as it is kept (level, reasons without repeats in :data:`REASONS` order, trimmed comment), or
    :class:`InvalidRequest` saying what is wrong."""
    if isinstance(level, bool) or not isinstance(level, int) or level not in LEVEL_VALUES:
        raise InvalidRequest(
            "评价等级须为 1 到 5。", "The level must be 1 to 5.", "invalid_level", details={"levels": [5, 4, 3, 2, 1]}
        )
    given = list(reasons)
    unknown = [code for code in given if code not in REASON_CODES]
    if unknown:
        raise InvalidRequest(
            f"未知的差评原因：{'、'.join(unknown)}。",
            f"Unknown reason: {', '.join(unknown)}.",
            "unknown_reason",
            details={"reasons": [r.code for r in REASONS]},
        )
    kept = tuple(r.code for r in REASONS if r.code in given)
    if is_bad(level) and not kept:
        raise InvalidRequest("差评请至少选择一项原因。", "A poor rating needs at least one reason.", "reason_required")
    if not is_bad(level) and kept:
        raise InvalidRequest(
            "只有差评需要选择原因。", "Reasons are only given with a poor rating.", "reasons_not_allowed"
        )
    text = (comment or "").strip()
    if len(text) > COMMENT_MAX:
        raise InvalidRequest(
            f"意见不能超过 {COMMENT_MAX} 个字。",
            f"The comment may be at most {COMMENT_MAX} characters.",
            "comment_too_long",
        )
    return level, kept, text


def rating_closes(served_at: datetime, policy: RatingPolicy) -> datetime:
    """The moment after which a ticket served at ``served_at`` can no longer be rated."""
    return served_at + timedelta(minutes=policy.within_minutes)


def next_state(state: CaseState) -> CaseState | None:
    at = CASE_STATES.index(state)
    return CASE_STATES[at + 1] if at + 1 < len(CASE_STATES) else None


def is_working_day(day: date, calendar: Calendar) -> bool:
    return day_kind(day, calendar) == "workday"


def add_working_days(day: date, count: int, calendar: Calendar) -> date:
    """The ``count``-th working day after ``day`` (``day`` itself not counted); 0 gives ``day``."""
    found = day
    for _ in range(count):
        for _ in range(WORKDAY_SEARCH):
            found += timedelta(days=1)
            if is_working_day(found, calendar):
                break
        else:
            raise ValueError("the calendar has no working day ahead")
    return found


def case_deadlines(rated_day: date, policy: RatingPolicy, calendar: Calendar) -> dict[CaseState, date]:
    """The last business day by which a 差评 rated on ``rated_day`` must reach each later state."""
    return {
        "rectifying": add_working_days(rated_day, policy.verify_days, calendar),
        "revisited": add_working_days(rated_day, policy.revisit_days, calendar),
        "closed": add_working_days(rated_day, policy.close_days, calendar),
    }


def is_overdue(state: CaseState, deadlines: Mapping[Any, str | date], today: date) -> bool:
    """Whether a case in ``state`` missed the deadline of its next step (its deadline day has ended)."""
    upcoming = next_state(state)
    if upcoming is None:
        return False
    deadline = deadlines[upcoming]
    return today > (date.fromisoformat(deadline) if isinstance(deadline, str) else deadline)


def closed_on_time(closed_day: date | None, deadline: date) -> bool:
    return closed_day is not None and closed_day <= deadline
