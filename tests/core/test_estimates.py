"""How long a waiting visitor is told they will wait: staffed windows, paused ones, and a session not yet open."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from queue_server.config.loader import load_halls
from queue_server.core.estimates import estimated_wait_minutes, waiting_time
from queue_server.core.hall import Hall

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def halls(config_dir: Path) -> dict[str, Hall]:
    return load_halls(config_dir)


@pytest.mark.parametrize(
    ("hall", "moment", "service", "ahead", "paused", "minutes"),
    [
        ("demo", "2026-11-23 10:00", "A", 4, set(), 11),  # windows 1-3 serve ID cards (8 min): 4 × 8 ÷ 3
        ("demo", "2026-11-23 10:00", "A", 4, {1, 2}, 32),  # two of them paused: window 3 alone
        ("demo", "2026-11-23 12:30", "A", 4, set(), 32),  # lunch: only window 1 is staffed for ID cards
        ("demo", "2026-11-28 08:45", "A", 4, set(), 31),  # Saturday before 09:00: 15 min, then 4 × 8 ÷ 2 (1 and 3)
        ("demo", "2026-11-28 08:45", "A", 0, {3}, 15),  # the first in line waits for the doors; no one paused yet
        ("demo", "2026-11-24 17:30", "A", 2, set(), 6),  # after hours the line is finished now, not at 18:30
        ("demo", "2026-11-23 10:00", "Z", 1, set(), None),  # no such category
        ("allday", "2026-11-22 03:00", "A", 4, set(), 11),  # always open
        ("allday", "2026-11-22 03:00", "A", 4, {1, 2, 3}, None),  # nobody serves it: no honest estimate
    ],
)
def test_waiting_time(
    halls: dict[str, Hall], hall: str, moment: str, service: str, ahead: int, paused: set[int], minutes: int | None
) -> None:
    now = datetime.fromisoformat(moment).replace(tzinfo=SHANGHAI)
    assert waiting_time(now, halls[hall], service, ahead, paused) == minutes


def test_the_plain_estimate_rounds_up() -> None:
    assert estimated_wait_minutes(1, 8, 3) == 3
    assert estimated_wait_minutes(0, 8, 3) == 0
    assert estimated_wait_minutes(5, 8, 0) is None
