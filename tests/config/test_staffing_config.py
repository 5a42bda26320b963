"""The hall file's ``[staffing]`` table (服务目标): the staffing plan's target, 80% within 15 minutes unless the hall
says otherwise, and its mistakes named with the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from queue_server.config.loader import ConfigError, load_hall_file, load_halls
from queue_server.core.hall import StaffingTarget
from tests.config.test_config import GOOD, write


def test_without_the_table_the_target_is_80_percent_within_15_minutes(tmp_path: Path, config_dir: Path) -> None:
    assert load_hall_file(write(tmp_path, GOOD)).staffing == StaffingTarget(0.8, 15.0)
    halls = load_halls(config_dir)
    assert halls["demo"].staffing == halls["allday"].staffing == StaffingTarget(0.8, 15.0)


def test_a_hall_sets_its_own_target(tmp_path: Path) -> None:
    hall = load_hall_file(write(tmp_path, GOOD + "\n[staffing]\ntarget_share = 0.9\ntarget_minutes = 10\n"))
    assert hall.staffing == StaffingTarget(0.9, 10.0)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("target_share = 1", "staffing.target_share: expected a share from 0.01 to 0.99"),
        ("target_share = 80", "staffing.target_share: expected a share from 0.01 to 0.99"),
        ("target_minutes = -5", "staffing.target_minutes: expected 0 to 240 minutes"),
        ('target_minutes = "15"', "staffing.target_minutes: expected a number of minutes"),
        ("target_wait = 15", "staffing.target_wait: unknown key"),
    ],
)
def test_a_mistake_in_the_target_is_named(tmp_path: Path, table: str, message: str) -> None:
    path = write(tmp_path, GOOD + f"\n[staffing]\n{table}\n")
    with pytest.raises(ConfigError) as error:
        load_hall_file(path)
    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value)


def test_the_model_refuses_a_target_nobody_can_meet() -> None:
    with pytest.raises(ValueError, match="target_share"):
        StaffingTarget(1.0, 15)
    with pytest.raises(ValueError, match="target_minutes"):
        StaffingTarget(0.8, -1)
