"""The hall file's ``[lieu]`` table (调休台账): the ledger flags a balance past 2400 minutes (five 8-hour days) either
way and counts from 12 months back unless the hall says otherwise; its mistakes are named with the file and the
key."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from queue_server.config.loader import ConfigError, load_hall_file, load_halls
from queue_server.core.hall import LieuPolicy
from tests.config.test_config import GOOD, write


def test_without_the_table_the_limit_is_five_days_and_no_start_is_set(tmp_path: Path, config_dir: Path) -> None:
    assert load_hall_file(write(tmp_path, GOOD)).lieu == LieuPolicy(2400, None)
    assert load_halls(config_dir)["demo"].lieu == LieuPolicy(2400, None)


def test_a_hall_sets_its_own_limit_and_start(tmp_path: Path) -> None:
    hall = load_hall_file(write(tmp_path, GOOD + '\n[lieu]\nwarn_minutes = 960\nsince = "2026-03"\n'))
    assert hall.lieu == LieuPolicy(960, date(2026, 3, 1))


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("warn_minutes = 0", "lieu.warn_minutes: expected 1 to 100000"),
        ('warn_minutes = "40h"', "lieu.warn_minutes: expected a whole number of minutes"),
        ("warn_minutes = 2400.5", "lieu.warn_minutes: expected a whole number of minutes"),
        ('since = "2026-13"', 'lieu.since: expected a month like "2026-01"'),
        ('since = "2026-3"', 'lieu.since: expected a month like "2026-01"'),
        ("since = 2026-03-01", 'lieu.since: expected a month like "2026-01"'),
        ('since = "1999-12"', "lieu.since: expected a month from 2000-01 on"),
        ("limit = 2400", "lieu.limit: unknown key"),
    ],
)
def test_a_mistake_in_the_table_is_named(tmp_path: Path, table: str, message: str) -> None:
    path = write(tmp_path, GOOD + f"\n[lieu]\n{table}\n")
    with pytest.raises(ConfigError) as error:
        load_hall_file(path)
    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value)
