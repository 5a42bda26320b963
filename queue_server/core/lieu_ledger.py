"""The time-off-in-lieu ledger (调休台账): what each clerk earned and took, month by month, and the balance carried.

Minutes **earned** in a month are the month's time off in lieu from the overtime report
(:func:`queue_server.core.overtime.overtime`, ``ClerkTime.time_off``: after hours, rest days and holidays). Minutes
**taken** are the days off a supervisor entered, and each working day of an approved 调休 request in the rota's
time off, at the clerk's contracted day (``hours_per_week`` × 60 ÷ 5). For every month from the ledger's first to
the month asked, per clerk:

- ``net`` = earned − taken, the month's change;
- ``opening`` = the balance carried from the month before (0 in the ledger's first month);
- ``balance`` = opening + net, the running balance.

A balance above the hall's ``[lieu] warn_minutes`` is flagged ``over`` (time off owed piles up), one below minus
that limit ``ahead`` (time off taken before it was earned): halls that match time off precisely (Ordos) act on
both. Months are ``"YYYY-MM"`` strings. Pure: the earned minutes and the days taken come in as arguments.
"""

from __future__ import annotations

import calendar
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Literal

from queue_server.core.holidays import day_kind

if TYPE_CHECKING:
    from queue_server.core.hall import Hall

Warn = Literal["", "over", "ahead"]
LEDGER_MONTHS = 12  # without [lieu] since, the ledger starts this many months before the current one
WORKING_DAYS_A_WEEK = 5


def month_of(day: date) -> str:
    return f"{day:%Y-%m}"


def first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def last_day(month: str) -> date:
    start = first_day(month)
    return start.replace(day=calendar.monthrange(start.year, start.month)[1])


def month_shift(month: str, by: int) -> str:
    """The month ``by`` months after ``month`` (before, when negative)."""
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_from(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last``, both included; none when ``last`` comes first."""
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = month_shift(month, 1)
    return months


def ledger_months(asked: str, current: str, since: date | None) -> list[str]:
    """The months the ledger adds up to show ``asked``: from ``since``'s month (or :data:`LEDGER_MONTHS` before the
    ``current`` month, so that every month read this month carries the same balances), or from ``asked`` itself
    when that comes earlier."""
    start = month_of(since) if since is not None else month_shift(current, -LEDGER_MONTHS)
    return months_from(min(start, asked), asked)


@dataclass(frozen=True)
class TakenDay:
    """Minutes of time off in lieu a clerk took on one day."""

    username: str
    day: date
    minutes: float


def contracted_day(hours_per_week: int) -> float:
    """A clerk's working day in minutes: a day of 调休 is worth this much."""
    return hours_per_week * 60 / WORKING_DAYS_A_WEEK


def lieu_request_days(hall: Hall, username: str, first: date, last: date) -> list[TakenDay]:
    """The days an approved 调休 request from ``first`` to ``last`` takes: each working day of the hall's calendar
    (weekends, holidays and closed days cost nothing), at the clerk's contracted day."""
    clerk = hall.clerk(username)
    minutes = contracted_day(clerk.hours_per_week if clerk is not None else 40)
    days = (first + timedelta(days=i) for i in range((last - first).days + 1))
    return [TakenDay(username, d, minutes) for d in days if day_kind(d, hall.calendar) == "workday"]


def _tenth(minutes: float) -> float:
    return round(minutes, 1) + 0.0  # no -0.0


@dataclass(frozen=True)
class MonthLine:
    """One clerk's month in the ledger (minutes, to a tenth, as the overtime report counts them)."""

    month: str
    earned: float
    taken: float
    opening: float
    warn: Warn

    @property
    def net(self) -> float:
        return _tenth(self.earned - self.taken)

    @property
    def balance(self) -> float:
        return _tenth(self.opening + self.earned - self.taken)


def warn_of(balance: float, limit: float) -> Warn:
    if balance > limit:
        return "over"
    if balance < -limit:
        return "ahead"
    return ""


def ledger(
    earned: Mapping[str, Mapping[str, float]], taken: Iterable[TakenDay], months: Sequence[str], warn_minutes: float
) -> dict[str, list[MonthLine]]:
    """Each clerk's line for every one of ``months`` (in order, consecutive): ``earned`` maps a month to each
    clerk's minutes earned in it; ``taken`` days outside ``months`` do not count. Every clerk who earned or took
    anything in those months has a line for each."""
    took: dict[tuple[str, str], float] = defaultdict(float)
    for t in taken:
        took[(t.username, month_of(t.day))] += t.minutes
    wanted = set(months)
    clerks = {u for m in months for u in earned.get(m, {})} | {u for u, m in took if m in wanted}
    lines: dict[str, list[MonthLine]] = {}
    for username in sorted(clerks):
        balance = 0.0
        lines[username] = []
        for month in months:
            got, gone = _tenth(earned.get(month, {}).get(username, 0.0)), _tenth(took[(username, month)])
            closing = _tenth(balance + got - gone)
            lines[username].append(MonthLine(month, got, gone, balance, warn_of(closing, warn_minutes)))
            balance = closing
    return lines


def _nearest(minutes: float) -> int:
    """To the nearest minute, a half up (as the page's JavaScript rounds, so both show the same)."""
    return math.floor(minutes + 0.5)


def hours_minutes(minutes: float) -> str:
    """``52:30``, ``-1:05``: minutes as hours and minutes, to the nearest minute."""
    whole = _nearest(minutes)
    hours, rest = divmod(abs(whole), 60)
    return f"{'-' if whole < 0 else ''}{hours}:{rest:02d}"


def duration(minutes: float) -> tuple[str, str]:
    """``52 小时 30 分钟`` / ``52 h 30 min`` (the size only; the sign is the sentence's)."""
    hours, rest = divmod(abs(_nearest(minutes)), 60)
    zh = (f"{hours} 小时" if hours else "") + (f" {rest} 分钟" if rest or not hours else "")
    en = (f"{hours} h" if hours else "") + (f" {rest} min" if rest or not hours else "")
    return zh.strip(), en.strip()


def warning(line: MonthLine, limit: float) -> tuple[str, str]:
    """What the flag says, in Chinese and English; empty strings when the balance is within the limit."""
    balance, most = duration(line.balance), duration(limit)
    if line.warn == "over":
        return (
            f"调休结余 {balance[0]}，超过上限 {most[0]}，请安排调休。",
            f"Time off owed: {balance[1]}, over the {most[1]} limit; schedule time off.",
        )
    if line.warn == "ahead":
        return (
            f"已预支调休 {balance[0]}，超过上限 {most[0]}。",
            f"Time off taken ahead of earning: {balance[1]}, past the {most[1]} limit.",
        )
    return "", ""
