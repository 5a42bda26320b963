"""Clerks' time off in lieu (调休): minutes served past closing, and time on weekend and holiday sessions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from starlette.testclient import TestClient

from queue_server.config.loader import load_halls
from queue_server.core.hall import Hall
from queue_server.core.overtime import hall_stretches, overtime
from queue_server.runtime.clock import Clock
from queue_server.server.app import create_app
from queue_server.store.hall_store import HallStore, Scripts

SHANGHAI = ZoneInfo("Asia/Shanghai")
ADMIN = {"Authorization": "Bearer supervisor-secret"}


@pytest.fixture
def demo(config_dir: Path) -> Hall:
    return load_halls(config_dir)["demo"]


def visit(clerk: str, day: str, called: str, finished: str) -> dict[str, Any]:
    return {
        "clerk": clerk,
        "business_day": day,
        "called_at": f"{day}T{called}:00+08:00",
        "finished_at": f"{day}T{finished}:00+08:00",
    }


def test_the_days_stretches_merge_lunch_and_evening(demo: Hall) -> None:
    monday = datetime(2026, 11, 23).date()
    assert [(a.strftime("%H:%M"), b.strftime("%H:%M")) for a, b in hall_stretches(monday, demo)] == [
        ("09:00", "18:30")  # morning, lunch, afternoon and the Monday evening extension touch
    ]
    tuesday = monday + timedelta(days=1)
    assert [(a.strftime("%H:%M"), b.strftime("%H:%M")) for a, b in hall_stretches(tuesday, demo)] == [
        ("09:00", "17:00"),
        ("18:30", "20:30"),  # the ID-card night is a session of its own
    ]


ROLLOVER = "2026-11-25T03:00:00+08:00"

CASES = [
    # (visits, expected minutes per clerk: (after hours, rest days, holidays))
    ([visit("w01", "2026-11-24", "16:50", "17:25")], {"w01": (25, 0, 0)}),  # Tuesday: 25 minutes past 17:00
    (
        [visit("w01", "2026-11-24", "16:40", "16:55"), visit("w01", "2026-11-24", "17:05", "17:20")],
        {"w01": (20, 0, 0)},  # called after closing (the line served after hours): counts to the last finish
    ),
    ([visit("w01", "2026-11-24", "10:00", "10:10")], {}),  # regular hours only: nothing to claim
    (
        [visit("w02", "2026-11-24", "19:00", "20:45")],
        {"w02": (15, 0, 0)},  # the ID-card night is scheduled (错时); only its 15 minutes past 20:30 count
    ),
    (
        [visit("w01", "2026-11-24", "16:50", "17:10"), visit("w01", "2026-11-24", "20:20", "20:40")],
        {"w01": (20, 0, 0)},  # 10 past the afternoon and 10 past the night
    ),
    ([visit("w03", "2026-11-28", "09:10", "09:30")], {"w03": (0, 180, 0)}),  # a Saturday session: all 3 hours
    ([visit("w03", "2026-11-28", "11:50", "12:40")], {"w03": (0, 220, 0)}),  # ... and its 40 minutes past noon
    ([visit("w04", "2026-10-02", "10:00", "10:30")], {"w04": (0, 0, 180)}),  # National Day: a holiday
    ([visit("w05", "2026-02-14", "16:50", "17:30")], {"w05": (30, 0, 0)}),  # 调休 Saturday is a working day
    ([{**visit("w01", "2026-11-24", "16:50", "17:25"), "clerk": None}], {}),  # a supervisor's call: nobody's
    # a visitor w01 called and skipped, who never came back, is closed at the next day's rollover: no overtime
    (
        [
            {
                **visit("w01", "2026-11-24", "16:30", "16:32"),
                "finished_at": "2026-11-25T03:00:00+08:00",
                "state": "expired",
            }
        ],
        {},
    ),
]


@pytest.mark.parametrize(("visits", "expected"), CASES)
def test_overtime(demo: Hall, visits: list[dict[str, Any]], expected: dict[str, tuple[int, int, int]]) -> None:
    found = overtime(demo, visits)
    assert {c: (t.after_hours, t.rest_days, t.holidays) for c, t in found.items()} == expected
    for clerk, (after, rest, holiday) in expected.items():
        assert found[clerk].time_off == after + rest + holiday


def test_a_hall_open_at_all_times_has_no_overtime(config_dir: Path) -> None:
    allday = load_halls(config_dir)["allday"]
    assert overtime(allday, [visit("w01", "2026-11-24", "23:00", "23:50")]) == {}


@pytest.fixture
def api(redis_url: str, config_dir: Path) -> Iterator[TestClient]:
    SyncRedis.from_url(redis_url).flushall()
    # A fixed clock after the month the tests write, and no timers: the business-day keeper on the real clock
    # would roll the hall to today and file the tests' visits under today's date.
    clock = Clock(datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI))
    app = create_app(load_halls(config_dir), redis_url, clock, admin_token="supervisor-secret", background=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.mark.asyncio
async def test_the_monthly_report_of_a_hall(redis_url: str, config_dir: Path, api: TestClient) -> None:
    redis = Redis.from_url(redis_url, decode_responses=True)
    demo = load_halls(config_dir)["demo"]
    store = HallStore(redis, Scripts(redis), demo)
    window = demo.window(4)
    assert window is not None

    async def serve(clerk: str, issued: datetime, called: datetime, finished: datetime) -> None:
        await store.issue(issued, "B")
        assert (await store.call_next(called, window, clerk=clerk))["ticket"] is not None
        await store.complete(finished, window.number)

    tuesday = datetime(2026, 11, 24, 16, 50, tzinfo=SHANGHAI)
    await serve("w04", tuesday, tuesday + timedelta(minutes=5), tuesday + timedelta(minutes=40))  # to 17:30
    saturday = datetime(2026, 11, 28, 11, 30, tzinfo=SHANGHAI)
    await serve("w04", saturday, saturday, saturday + timedelta(minutes=45))  # 09:00 to 12:15
    december = datetime(2026, 12, 1, 16, 55, tzinfo=SHANGHAI)
    await serve("w05", december, december, december + timedelta(minutes=60))  # next month's
    await redis.aclose()

    answer = api.get("/api/halls/demo/staff/overtime?month=2026-11", headers=ADMIN)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    clerks = {c["username"]: c for c in report["clerks"]}
    assert clerks["w04"]["after_hours_minutes"] == 30
    assert clerks["w04"]["rest_day_minutes"] == 195
    assert clerks["w04"]["time_off_minutes"] == 225
    assert clerks["w04"]["days"] == [{"date": "2026-11-24", "minutes": 30}, {"date": "2026-11-28", "minutes": 195}]
    assert clerks["w05"]["time_off_minutes"] == 0  # December's hour is not November's
    assert report["total_time_off_minutes"] == 225
    assert len(report["clerks"]) == len(demo.clerks)  # everyone is listed


def test_the_clerk_who_called_is_on_the_ticket(api: TestClient) -> None:
    # Take a ticket in the always-open hall and call it as a signed-in clerk.
    api.post("/api/halls/allday/tickets", json={"service": "B"})
    signed = api.post("/api/halls/allday/sign-in", json={"username": "w04", "password": "tidequeue", "window": 4})
    token = {"Authorization": f"Bearer {signed.json()['token']}"}
    ticket = api.post("/api/halls/allday/windows/4/call-next", headers=token).json()["ticket"]
    assert ticket["clerk"] == "w04"


@pytest.mark.parametrize(
    ("query", "headers", "status", "code"),
    [
        ("?month=2026-11", {}, 401, "missing_token"),
        ("?month=2026-13", ADMIN, 422, "invalid_month"),
        ("?month=November", ADMIN, 422, "invalid_month"),
        ("", ADMIN, 422, "invalid_month"),
    ],
)
def test_overtime_report_errors(api: TestClient, query: str, headers: dict[str, str], status: int, code: str) -> None:
    answer = api.get(f"/api/halls/demo/staff/overtime{query}", headers=headers)
    assert (answer.status_code, answer.json()["error"]) == (status, code)


def test_a_clerk_may_not_read_the_staff_report(api: TestClient) -> None:
    signed = api.post("/api/halls/demo/sign-in", json={"username": "w04", "password": "tidequeue", "window": 4})
    answer = api.get(
        "/api/halls/demo/staff/overtime?month=2026-11", headers={"Authorization": f"Bearer {signed.json()['token']}"}
    )
    assert (answer.status_code, answer.json()["error"]) == (403, "supervisors_only")
