"""The day's forecast and staffing plan for supervisors (GET /api/halls/{hall}/forecast and …/staffing), end to end
on a real Redis: past Mondays' and Saturdays' tickets are taken through the real scripts at fixed moments of those
days, a booking is made for a coming Saturday, a visitor is served to measure A's minutes; then a supervisor asks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from starlette.testclient import TestClient

from queue_server.config.loader import load_halls
from queue_server.core.staffing_records import ForecastAnswer, StaffingAnswer
from queue_server.server.app import create_app
from tests.conftest import SHANGHAI, StoppedClock
from tests.web.test_openapi import fits

ADMIN = {"Authorization": "Bearer supervisor-secret"}
FRIDAY = datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)  # "today": the Monday asked about is 23 November


def at(day: int, hh: int, mm: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hh, mm, tzinfo=SHANGHAI)


@pytest.fixture
def clock() -> StoppedClock:
    return StoppedClock(FRIDAY)


@pytest.fixture
def client(sync_redis: Redis, redis_url: str, config_dir: Path, clock: StoppedClock) -> Iterator[TestClient]:
    app = create_app(load_halls(config_dir), redis_url, clock, "supervisor-secret", background=False)
    # one of the hall's kiosks (the demo hall trusts this machine): no anonymous limit on tickets
    with TestClient(app, raise_server_exceptions=False, client=("127.0.0.1", 50000)) as c:
        yield c


def take(client: TestClient, clock: StoppedClock, moment: datetime, service: str, n: int) -> None:
    """``n`` tickets of ``service`` taken at the kiosk at ``moment``, a second apart."""
    for i in range(n):
        clock.moment = moment + timedelta(seconds=i)
        answer = client.post("/api/halls/demo/tickets", json={"service": service})
        assert answer.status_code == 201, answer.text
    clock.moment = FRIDAY


def ask(client: TestClient, what: str, day: str, headers: dict[str, str] = ADMIN) -> dict[str, Any]:
    answer = client.get(f"/api/halls/demo/{what}?date={day}", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body: dict[str, Any] = answer.json()
    return body


def category(body: dict[str, Any], code: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in body["categories"] if c["code"] == code)
    return found


def hour(figures: dict[str, Any], at_hour: int) -> dict[str, Any]:
    found: dict[str, Any] = next(h for h in figures["hours"] if h["hour"] == at_hour)
    return found


@pytest.fixture
def mondays(client: TestClient, clock: StoppedClock) -> None:
    """Two past Mondays at the demo hall: 40 and 36 ID-card visitors (A) between ten and eleven, 2 and 4 real-estate
    visitors (C); and a busy Tuesday, which a Monday's forecast must leave out."""
    take(client, clock, at(16, 10, 5), "A", 40)
    take(client, clock, at(16, 10, 30), "C", 2)
    take(client, clock, at(9, 10, 10), "A", 36)
    take(client, clock, at(9, 10, 40), "C", 4)
    take(client, clock, at(17, 10, 5), "A", 30)


@pytest.mark.usefixtures("mondays")
def test_a_mondays_forecast_from_the_mondays_before(client: TestClient) -> None:
    body = ask(client, "forecast", "2026-11-23")
    fits(ForecastAnswer, body)
    assert (body["date"], body["day_kind"]) == ("2026-11-23", "workday")
    # the two Mondays the hall has tickets of; the Tuesday is not among them
    assert body["basis"] == {"rule": "weekday", "days": ["2026-11-16", "2026-11-09"]}
    a = category(body, "A")
    # A is served on a demo Monday from 09:00 to the evening extension's 18:30
    assert [h["hour"] for h in a["hours"]] == list(range(9, 19))
    ten = hour(a, 10)
    assert ten["expected"] == 38.0
    assert ten["low"] < 38 < ten["high"]
    assert hour(a, 9) == {"hour": 9, "expected": 0.0, "low": 0.0, "high": 0.0, "booked": 0}
    assert (a["expected"], a["name"], a["name_en"]) == (38.0, "公安户政", "ID cards & household registration")
    assert hour(category(body, "C"), 10)["expected"] == 3.0


@pytest.mark.usefixtures("mondays")
def test_the_staffing_plan_says_where_the_monday_falls_short(client: TestClient, clock: StoppedClock) -> None:
    body = ask(client, "staffing", "2026-11-23")
    fits(StaffingAnswer, body)
    assert body["target"] == {"share": 0.8, "minutes": 15.0}
    assert body["hall_windows"] == 14
    assert [s["name"] for s in body["sessions"]] == ["工作日上午", "午间不间断", "工作日下午", "晚间延时"]
    morning = body["sessions"][0]
    a = category(morning, "A")
    # 38 an hour at the hall file's 8 minutes: 5.1 erlangs against the three windows that serve A (1, 2, 3)
    assert (a["minutes"], a["minutes_from"], a["busiest_hour"], a["staffed"]) == (8.0, "hall", 10, 3)
    # the line would grow all hour at three windows; six call 89% within 15 minutes
    assert (a["needed"], a["short"], a["share_staffed"]) == (6, 3, 0.0)
    assert hour(a, 10) == {"hour": 10, "arrivals": 38.0, "load": 5.067, "windows": 6, "share": 0.894}
    short = next(s for s in body["shortfalls"] if s["code"] == "A")
    assert short["message"].startswith("工作日上午「公安户政」需 6 个窗口，现排 3 个，缺 3 个")
    assert short["message_en"].startswith("Weekday morning, ID cards & household registration: 6 windows needed")
    assert body["message_en"].startswith("The hall's staffing falls short of the target")

    # A visitor served today in 4 minutes at window 1: the plan now uses the measured minutes, and at half the
    # time per visitor the three windows A has are enough
    take(client, clock, FRIDAY, "A", 1)
    assert client.post("/api/halls/demo/windows/1/call-next", headers=ADMIN).status_code == 200
    clock.moment = FRIDAY + timedelta(minutes=4)
    assert client.post("/api/halls/demo/windows/1/complete", headers=ADMIN).status_code == 200
    a = category(ask(client, "staffing", "2026-11-23")["sessions"][0], "A")
    assert (a["minutes"], a["minutes_from"], a["needed"], a["short"]) == (4.0, "measured", 3, 0)


def test_a_saturdays_forecast_counts_its_bookings(client: TestClient, clock: StoppedClock) -> None:
    take(client, clock, at(14, 9, 20), "B", 3)  # the weekend session (周末及节假日专场) of the last two Saturdays
    take(client, clock, at(7, 9, 20), "B", 5)
    booking = client.post(
        "/api/halls/demo/bookings",
        json={"service": "B", "date": "2026-11-28", "slot": "09:30", "name": "张三", "phone": "13800001234"},
    )
    assert booking.status_code == 201, booking.text
    body = ask(client, "forecast", "2026-11-28")
    assert (body["day_kind"], body["basis"]["days"]) == ("restday", ["2026-11-14", "2026-11-07"])
    b = category(body, "B")
    assert [h["hour"] for h in b["hours"]] == [9, 10, 11]  # the weekend morning only
    nine = hour(b, 9)
    assert (nine["expected"], nine["booked"]) == (5.0, 1)  # 4 walk-ins on average, and the booked visitor
    assert nine["low"] >= 1  # a booking is certain: the band never goes below it
    # C (不动产) is not offered at the weekend: nothing to forecast
    assert "C" not in [c["code"] for c in body["categories"]]
    plan = ask(client, "staffing", "2026-11-28")
    assert [s["name"] for s in plan["sessions"]] == ["周末及节假日专场"]
    assert category(plan["sessions"][0], "B")["hours"][0]["arrivals"] == 5.0


def test_only_supervisors_may_read_them(client: TestClient) -> None:
    for what in ("forecast", "staffing"):
        missing = client.get(f"/api/halls/demo/{what}?date=2026-11-23")
        assert (missing.status_code, missing.json()["error"]) == (401, "missing_token")
        signed = client.post("/api/halls/demo/sign-in", json={"username": "w01", "password": "tidequeue", "window": 1})
        clerk = {"Authorization": f"Bearer {signed.json()['token']}"}
        refused = client.get(f"/api/halls/demo/{what}?date=2026-11-23", headers=clerk)
        assert (refused.status_code, refused.json()["error"]) == (403, "supervisors_only")
        assert "值班长" in refused.json()["message"]
        boss = client.post("/api/halls/demo/guide/sign-in", json={"username": "boss", "password": "tidequeue"})
        ask(client, what, "2026-11-23", {"Authorization": f"Bearer {boss.json()['token']}"})


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "missing_field"),
        ("?date=", "invalid_date"),
        ("?date=2026-11-31", "invalid_date"),
        ("?date=23/11/2026", "invalid_date"),
        ("?date=2027-06-01", "date_out_of_range"),
        ("?date=2026-09-18", "date_out_of_range"),  # 63 days before today
    ],
)
def test_a_bad_or_far_date_is_refused_plainly(client: TestClient, query: str, code: str) -> None:
    for what in ("forecast", "staffing"):
        answer = client.get(f"/api/halls/demo/{what}{query}", headers=ADMIN)
        assert answer.status_code == 422
        body = answer.json()
        assert body["error"] == code
        assert body["message"] and body["message_en"]
        if code == "date_out_of_range":
            assert (body["earliest"], body["latest"]) == ("2026-09-19", "2027-01-21")
            assert "2026-09-19" in body["message_en"] and "2027-01-21" in body["message"]


def test_a_holiday_and_a_day_with_no_history(client: TestClient) -> None:
    body = ask(client, "staffing", "2026-10-01")  # 国庆: the demo hall's holiday mornings run the weekend session
    assert [s["name"] for s in body["sessions"]] == ["周末及节假日专场"]
    assert body["day_kind"] == "restday"
    assert body["basis"]["rule"] == "day_kind"  # a holiday Thursday: forecast from the rest days before it
    none = ask(client, "staffing", "2026-11-24")  # no ticket anywhere yet: nothing expected, nobody needed
    assert all(c["needed"] == 0 for s in none["sessions"] for c in s["categories"])
    assert none["message"].startswith("现排窗口均可达到服务目标")
