"""The performance recognition report (服务明星评选参考) over HTTP against a real Redis: clerks serve visitors through
the API on 国庆 and on a Monday (the server's clock fixed at each moment), visitors rate them, October's rota is made,
and the quarter's figures per clerk are what happened; a bad quarter, no token and a clerk's token are refused
plainly; the CSV has the same figures, with no cell a spreadsheet would run."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import msgspec
import pytest
from redis import Redis
from starlette.testclient import TestClient

from queue_server.config.loader import load_halls
from queue_server.core.hall import Hall
from queue_server.core.recognition_records import Recognition
from queue_server.server.app import create_app
from tests.conftest import SHANGHAI, StoppedClock
from tests.server_process import ROOT

ADMIN = {"Authorization": "Bearer supervisor-secret"}
HALL = "/api/halls/demo"
REPORT = f"{HALL}/staff/recognition?quarter=2026-Q4"
NATIONAL_DAY = datetime(2026, 10, 2, 9, 30, tzinfo=SHANGHAI)  # 国庆: the holiday session, 09:00–12:00
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
FORMULA = '=HYPERLINK("http://x")'  # a clerk's display name a spreadsheet would run


def demo_halls() -> dict[str, Hall]:
    """The shipped halls; w07's display name is a formula, which the CSV must keep as text."""
    halls = load_halls(ROOT / "config")
    demo = halls["demo"]
    clerks = tuple(dataclasses.replace(c, display_name=FORMULA) if c.username == "w07" else c for c in demo.clerks)
    return {**halls, "demo": dataclasses.replace(demo, clerks=clerks)}


@pytest.fixture(scope="module")
def clock() -> StoppedClock:
    return StoppedClock(NATIONAL_DAY)


@pytest.fixture(scope="module")
def halls() -> dict[str, Hall]:
    return demo_halls()


@pytest.fixture(scope="module")
def client(redis_url: str, clock: StoppedClock, halls: dict[str, Hall]) -> Iterator[TestClient]:
    Redis.from_url(redis_url).flushall()
    app = create_app(halls, redis_url, clock, admin_token="supervisor-secret", background=False)
    with TestClient(app, client=("127.0.0.1", 50000)) as c:
        yield c


def sign_in(client: TestClient, username: str, window: int) -> dict[str, str]:
    signed = client.post(f"{HALL}/sign-in", json={"username": username, "password": "tidequeue", "window": window})
    assert signed.status_code == 200, signed.text
    return {"Authorization": f"Bearer {signed.json()['token']}"}


def serve(
    client: TestClient, clock: StoppedClock, token: dict[str, str], window: int, service: str, minutes: int
) -> dict[str, Any]:
    """A visitor takes a ticket, the clerk calls them and finishes ``minutes`` later (the clock stays there)."""
    ticket: dict[str, Any] = client.post(f"{HALL}/tickets", json={"service": service}).json()
    called = client.post(f"{HALL}/windows/{window}/call-next", headers=token)
    assert called.status_code == 200 and called.json()["ticket"]["id"] == ticket["id"], called.text
    clock.moment += timedelta(minutes=minutes)
    assert client.post(f"{HALL}/windows/{window}/complete", headers=token).status_code == 200
    return ticket


def rate(client: TestClient, ticket: dict[str, Any], level: int, reasons: tuple[str, ...] = ()) -> None:
    answer = client.post(
        f"/api/tickets/{ticket['id']}/rating",
        json={"level": level, "reasons": list(reasons)},
        headers={"X-Ticket-Key": ticket["key"]},
    )
    assert answer.status_code == 201, answer.text


@pytest.fixture(scope="module")
def quarter(client: TestClient, clock: StoppedClock) -> dict[str, Any]:
    """国庆 (2 October): 王芳 (w01) serves two ID-card visitors at window 1, in 12 and 6 minutes, rated 5 and 2 (差评).
    Monday 23 November: 张伟 (w03) serves one exit-entry visitor in 9 minutes at window 3, and calls one who does not
    come. Then October's rota is made. Returns the rota as the rota API answered it."""
    w01 = sign_in(client, "w01", 1)
    first = serve(client, clock, w01, 1, "A", 12)
    rate(client, first, 5)
    second = serve(client, clock, w01, 1, "A", 6)
    rate(client, second, 2, ("long_wait",))
    clock.moment = MONDAY
    w03 = sign_in(client, "w03", 3)
    serve(client, clock, w03, 3, "E", 9)
    client.post(f"{HALL}/tickets", json={"service": "A"})
    assert client.post(f"{HALL}/windows/3/call-next", headers=w03).status_code == 200
    assert client.post(f"{HALL}/windows/3/skip", headers=w03).status_code == 200
    made = client.post(f"{HALL}/rota/generate?month=2026-10", headers=ADMIN)
    assert client.post(f"{HALL}/rota/publish?month=2026-10", headers=ADMIN).status_code == 200
    assert made.status_code == 200, made.text
    rota: dict[str, Any] = made.json()
    return rota


def clerk(report: dict[str, Any], username: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in report["clerks"] if c["username"] == username)
    return found


def test_the_quarter_per_clerk_is_what_happened(
    client: TestClient, quarter: dict[str, Any], halls: dict[str, Hall]
) -> None:
    answer = client.get(REPORT, headers=ADMIN)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    msgspec.convert(report, Recognition)  # the answer is the type the OpenAPI document declares
    assert (report["quarter"], report["first"], report["last"]) == ("2026-Q4", "2026-10-01", "2026-12-31")

    w01 = clerk(report, "w01")
    assert (w01["name"], w01["served"], w01["no_shows"], w01["services"]) == ("王芳", 2, 0, {"A": 2})
    assert (w01["handling_mean_minutes"], w01["handling_median_minutes"]) == (9.0, 9.0)
    assert (w01["rated"], w01["mean_level"], w01["very_satisfied_share"], w01["satisfaction"]) == (2, 3.5, 0.5, 0.5)
    assert w01["poor"] == 1
    assert (w01["holiday_minutes"], w01["rest_day_minutes"]) == (180.0, 0.0)  # the holiday session worked

    w03 = clerk(report, "w03")
    assert (w03["served"], w03["no_shows"], w03["handling_mean_minutes"], w03["services"]) == (1, 1, 9.0, {"E": 1})
    assert (w03["rated"], w03["mean_level"], w03["holiday_minutes"]) == (0, None, 0.0)

    # Duty days: October's posts of each kind, as the rota holds them, per clerk; November and December have none.
    for kind in ("holiday", "weekend", "evening"):
        expected: dict[str, set[str]] = {}
        for post in quarter["posts"]:
            if post["kind"] == kind and post["clerk"]:
                expected.setdefault(post["clerk"], set()).add(post["date"])
        assert expected, kind  # October has posts of every kind: 国庆, its weekends, its evenings
        for row in report["clerks"]:
            assert row["duty_dates"][kind] == sorted(expected.get(row["username"], ())), (kind, row["username"])
            assert row[f"{kind}_duty_days"] == len(expected.get(row["username"], ()))
    assert [(m["month"], m["kept"], m["source"]) for m in report["rotas"]] == [
        ("2026-10", True, "generated"),
        ("2026-11", False, None),
        ("2026-12", False, None),
    ]

    # Every clerk and back-office account is listed, those with nothing to show too; nobody else.
    serving = [c.username for c in halls["demo"].clerks if c.role not in ("guide", "supervisor")]
    assert [c["username"] for c in report["clerks"]] == serving
    b01 = clerk(report, "b01")
    assert (b01["served"], b01["rated"], b01["satisfaction"], b01["handling_median_minutes"]) == (0, 0, None, None)
    assert (report["totals"]["served"], report["totals"]["no_shows"], report["totals"]["rated"]) == (3, 1, 2)


def test_a_supervisor_account_reads_it_and_nobody_else(client: TestClient, quarter: dict[str, Any]) -> None:
    missing = client.get(REPORT)
    assert (missing.status_code, missing.json()["error"]) == (401, "missing_token")
    w04 = sign_in(client, "w04", 4)
    refused = client.get(REPORT, headers=w04)
    assert (refused.status_code, refused.json()["error"]) == (403, "supervisors_only")
    assert refused.json()["message"] == "只有值班长可以查看服务表现报表。"
    assert refused.json()["message_en"] == "Only a supervisor may read the performance report."
    csv_refused = client.get(f"{HALL}/staff/recognition.csv?quarter=2026-Q4", headers=w04)
    assert (csv_refused.status_code, csv_refused.json()["error"]) == (403, "supervisors_only")
    boss = client.post(f"{HALL}/guide/sign-in", json={"username": "boss", "password": "tidequeue"})
    headers = {"Authorization": f"Bearer {boss.json()['token']}"}
    assert client.get(REPORT, headers=headers).status_code == 200


@pytest.mark.parametrize("asked", ["2026-Q5", "2026-10", "Q4", ""])
def test_a_bad_quarter_says_how_to_write_it(client: TestClient, asked: str) -> None:
    for path in ("recognition", "recognition.csv"):
        bad = client.get(f"{HALL}/staff/{path}?quarter={asked}", headers=ADMIN)
        assert (bad.status_code, bad.json()["error"]) == (422, "invalid_quarter")
        assert "?quarter=YYYY-Qn（如 2026-Q4）" in bad.json()["message"]
        assert "?quarter=YYYY-Qn (e.g. 2026-Q4)" in bad.json()["message_en"]
    nothing = client.get(f"{HALL}/staff/recognition", headers=ADMIN)
    assert (nothing.status_code, nothing.json()["error"]) == (422, "invalid_quarter")


def test_the_quarter_as_csv(client: TestClient, quarter: dict[str, Any]) -> None:
    answer = client.get(f"{HALL}/staff/recognition.csv?quarter=2026-Q4", headers=ADMIN)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert 'filename="recognition-demo-2026-Q4.csv"' in answer.headers["content-disposition"]
    text = answer.content.decode("utf-8")
    assert text.startswith("\ufeff工作人员 clerk,姓名 name,办结 served,过号 no_shows,")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert header[-7:] == [
        "办结·公安户政 served_A", "办结·社保 served_B", "办结·不动产 served_C", "办结·税务 served_D",
        "办结·出入境 served_E", "办结·营业执照 served_F", "办结·公积金 served_G",
    ]  # fmt: skip
    report = client.get(REPORT, headers=ADMIN).json()
    assert [r[0] for r in body] == [c["username"] for c in report["clerks"]]
    w01 = dict(zip(header, next(r for r in body if r[0] == "w01"), strict=True))
    assert (w01["姓名 name"], w01["办结 served"], w01["平均办理分钟 handling_mean_minutes"]) == ("王芳", "2", "9.0")
    assert (w01["满意率 satisfaction"], w01["差评 poor"], w01["节假日工作分钟 holiday_minutes"]) == (
        "0.5",
        "1",
        "180.0",
    )
    assert w01["节假日值班天数 holiday_duty_days"] == str(clerk(report, "w01")["holiday_duty_days"])
    assert w01["办结·公安户政 served_A"] == "2"
    w03 = dict(zip(header, next(r for r in body if r[0] == "w03"), strict=True))
    assert (w03["过号 no_shows"], w03["平均评价 mean_level"], w03["办结·出入境 served_E"]) == ("1", "", "1")
    assert next(r for r in body if r[0] == "w07")[1] == "'" + FORMULA  # text, not a formula
    assert (total[0], total[2], total[3]) == ("合计 total", "3", "1")
    holidays = sum(c["holiday_duty_days"] for c in report["clerks"])
    assert (total[11], total[14], total[-7], total[-3]) == (str(holidays), "180.0", "2", "1")  # days, minutes, A, E
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
