"""The business day rolls over at the hall's configured time in the hall's zone, not at midnight UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from queue_server.core.business_day import business_day, next_rollover

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("now", "tz", "rollover", "expected"),
    [
        (datetime(2026, 11, 23, 9, 0, tzinfo=SH), SH, time(3), date(2026, 11, 23)),
        # an evening session at 21:30 is still the same day
        (datetime(2026, 11, 23, 21, 30, tzinfo=SH), SH, time(3), date(2026, 11, 23)),
        # after midnight but before 03:00 belongs to the day before
        (datetime(2026, 11, 24, 2, 59, tzinfo=SH), SH, time(3), date(2026, 11, 23)),
        (datetime(2026, 11, 24, 3, 0, tzinfo=SH), SH, time(3), date(2026, 11, 24)),
        # the same instant given in UTC: 2026-11-23 17:00 UTC is 01:00 in Shanghai on the 24th
        (datetime(2026, 11, 23, 17, 0, tzinfo=UTC), SH, time(3), date(2026, 11, 23)),
        (datetime(2026, 11, 23, 19, 0, tzinfo=UTC), SH, time(3), date(2026, 11, 24)),
        # rollover at midnight behaves like the calendar
        (datetime(2026, 11, 24, 0, 0, tzinfo=SH), SH, time(0), date(2026, 11, 24)),
        # new year and a leap day
        (datetime(2027, 1, 1, 1, 0, tzinfo=SH), SH, time(3), date(2026, 12, 31)),
        (datetime(2028, 3, 1, 2, 0, tzinfo=SH), SH, time(3), date(2028, 2, 29)),
        # a zone with summer time: the night the clocks go back
        (datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN), BERLIN, time(3), date(2026, 10, 24)),
    ],
)
def test_business_day(now: datetime, tz: ZoneInfo, rollover: time, expected: date) -> None:
    assert business_day(now, tz, rollover) == expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 23, 9, 0, tzinfo=SH), datetime(2026, 11, 24, 3, 0, tzinfo=SH)),
        (datetime(2026, 11, 24, 2, 0, tzinfo=SH), datetime(2026, 11, 24, 3, 0, tzinfo=SH)),
        (datetime(2026, 11, 24, 3, 0, tzinfo=SH), datetime(2026, 11, 25, 3, 0, tzinfo=SH)),
    ],
)
def test_next_rollover(now: datetime, expected: datetime) -> None:
    assert next_rollover(now, SH, time(3)) == expected


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        business_day(datetime(2026, 11, 23, 9, 0), SH, time(3))
