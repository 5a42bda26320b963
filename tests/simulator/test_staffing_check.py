"""The simulator's check of the staffing plan (queue_server.simulator.plan_check): on the shipped profiles, the day
staffed as the plan says calls at least 80% of the visitors within 15 minutes, over the day and in every category,
in the static policy; the hall's own staffing of the same busy Monday does not, so the check can fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from queue_server.config.loader import load_halls
from queue_server.core.hall import Hall
from queue_server.simulator.plan_check import check, plan_for, planned_hall
from queue_server.simulator.profile import Profile, load_profile

CONFIG = Path(__file__).resolve().parent.parent.parent / "config"


def shipped(name: str) -> tuple[Hall, Profile]:
    profile = load_profile(CONFIG / "profiles" / f"{name}.toml")
    return load_halls(CONFIG)[profile.hall], profile


@pytest.mark.parametrize(("name", "seeds"), [("demo-weekday", (1, 2)), ("demo-weekend", (1, 2, 3))])
async def test_the_plans_staffing_meets_the_target_in_the_simulator(
    redis_url: str, name: str, seeds: tuple[int]
) -> None:
    hall, profile = shipped(name)
    assert profile.day is not None
    for seed in seeds:
        result = await check(redis_url, hall, profile, profile.day, seed, "plan")
        assert (result.target_share, result.target_minutes) == (0.8, 15.0)
        assert sum(result.visitors.values()) > 100
        shares = {code: round(result.share_of(code), 3) for code in result.visitors}
        assert result.met, f"seed {seed}: {result.share:.1%} within 15 min overall, by category {shares}"


async def test_the_halls_own_staffing_of_the_busy_monday_misses_it(redis_url: str) -> None:
    hall, profile = shipped("demo-weekday")
    assert profile.day is not None
    result = await check(redis_url, hall, profile, profile.day, 1, "hall")
    assert result.windows == {"工作日上午": 14, "午间不间断": 5, "工作日下午": 14, "晚间延时": 7}
    assert not result.met
    assert min(result.share_of(code) for code in result.visitors) < 0.8


def test_the_planned_hall_seats_one_category_per_window_as_many_as_the_plan_needs() -> None:
    hall, profile = shipped("demo-weekend")
    assert profile.day is not None
    _, plan = plan_for(hall, profile, profile.day, 1)
    (session,) = plan.sessions
    staffed = planned_hall(hall, plan)
    (weekend,) = staffed.sessions
    assert weekend.name == "周末及节假日专场" and weekend.appointments
    assert len(weekend.windows) == session.needed
    for need in session.categories:
        serving = [n for n in weekend.windows if (w := staffed.window(n)) is not None and w.services == (need.code,)]
        assert len(serving) == need.needed
    assert staffed.reserve is None and not any(w.tidal for w in staffed.windows)
