"""The hall's calendar: public holidays (法定节假日), adjusted working days (调休) and closed dates.

Chinese calendars move days around: a Saturday or Sunday can be an official working day (调休上班), and
weekdays inside a holiday block are rest days. A date the hall lists as closed (闭厅) overrides everything.
Pure: no I/O, no clock.
"""

from __future__ import annotations

from datetime import date

from queue_server.core.hall import Calendar, DayKind


def day_kind(day: date, calendar: Calendar) -> DayKind:
    """Whether ``day`` is a working day, a rest day (weekend or holiday) or closed, in ``calendar``."""
    if day in calendar.closed:
        return "closed"
    if day in calendar.workdays:
        return "workday"
    if day in calendar.holidays or day.weekday() >= 5:
        return "restday"
    return "workday"
