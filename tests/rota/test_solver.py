"""The solver on the demo hall's December 2026 (evening extensions, weekend and holiday mornings, ID-card nights,
the market-day Sunday): a rota that keeps every rule, made in under 10 s; and a month that cannot be covered,
which says what is short and why."""

from __future__ import annotations

import os
from collections import Counter
from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from queue_server.config.loader import load_halls
from queue_server.core.hall import Clerk, Hall, Service, Session, Window
from queue_server.rota.needs import TimeOff, month_of
from queue_server.rota.reasons import shortages
from queue_server.rota.rules import check, fairness
from queue_server.rota.solver import solve

CONFIG = Path(__file__).resolve().parent.parent.parent / "config"


def test_the_demo_december_keeps_every_rule() -> None:
    # How long it takes is measured by hand (docs/rota.md), not asserted here: this machine is shared and noisy.
    demo = load_halls(CONFIG)["demo"]
    hours = {c.username: c.hours_per_week for c in demo.clerks}
    assert (hours["z05"], hours["z06"], hours["w01"]) == (32, 32, 40)  # [[clerks]] hours_per_week, 40 unless given
    time_off = [
        TimeOff("w05", date(2026, 12, 8), date(2026, 12, 8)),  # window 5's own clerk away: someone else sits there
        TimeOff("z03", date(2026, 12, 21), date(2026, 12, 23)),
        TimeOff("w01", date(2026, 12, 24), date(2026, 12, 31), approved=False),  # asked, not approved: no bearing
    ]
    december = month_of(demo, 2026, 12, time_off)
    kinds = Counter(p.kind for p in december.posts if not p.back_office)
    assert kinds == {"regular": 759, "evening": 111, "weekend": 49}  # 13 evenings × 7, 10 ID nights × 2, 8 × 6 + 1
    # the back office: one clerk a session, every session of every day (23 evening sessions, 8 weekend, 69 regular)
    back = Counter(p.kind for p in december.posts if p.back_office)
    assert back == {"regular": 69, "evening": 23, "weekend": 8}
    assert any("赶场日专场" in p.sessions for p in december.posts if p.day == date(2026, 12, 13))
    solution = solve(december)
    load = os.getloadavg()[0] / (os.cpu_count() or 1)
    print(f"\ndemo December 2026: {solution.status} in {solution.seconds:.2f} s (load {load:.2f} per core)")
    assert check(december, solution.assignments) == []
    assert solution.uncovered == () and shortages(december, solution.assignments) == []
    assert all(solution.assignments.get(p.key) != "w05" for p in december.posts if p.day == date(2026, 12, 8))
    tables = fairness(december, solution.assignments)
    assert all(share.fair for table in tables.values() for share in table.shares.values())
    # the back office shares its own duty: b01, b02 and b03 split its 23 evenings, apart from the window clerks
    evening = tables["evening"].shares
    assert evening["b01"].mean == pytest.approx(23 / 3) and evening["w01"].mean == pytest.approx(7.4)
    assert all(solution.assignments[p.key] in ("b01", "b02", "b03") for p in december.posts if p.back_office)


def test_a_month_that_cannot_be_covered_says_what_is_short_and_why() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    hall = Hall(
        id="short",
        name="短缺中心",
        name_en="Short Centre",
        timezone=shanghai,
        rollover=time(3, 0),
        services=(Service("A", "户政", "ID", 8), Service("C", "不动产", "Real estate", 20)),
        windows=(Window(1, ("A",)), Window(2, ("C",))),
        clerks=(
            Clerk("ann", "一号", "x", windows=(1,), display_name="王芳"),
            Clerk("cat", "综合", "x", skills=("A",), display_name="张伟"),
        ),
        sessions=(Session("上午", "Morning", time(9), time(12)),),
    )
    february = month_of(hall, 2027, 2, [TimeOff("cat", date(2027, 2, 1), date(2027, 2, 28))])
    solution = solve(february, seconds=5)
    # window 1: ann (cat is away all month), 15 hours a week; window 2 (real estate): nobody is qualified.
    assert solution.status == "optimal"
    short = shortages(february, solution.assignments)
    assert {s.windows for s in short} == {(2,)}
    assert len(short) == 20  # every working day of February 2027
    assert short[0].reason == "缺 1 人：没有人具备资格（2号窗口的本窗口人员，或具备 C 技能的人员）。"
    assert [v.rule for v in check(february, solution.assignments) if v.rule != "coverage"] == []
