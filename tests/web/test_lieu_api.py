"""The time-off-in-lieu ledger (调休台账) over HTTP against a real Redis, on a stopped clock: visitors served after
hours and on weekends through the API earn time off, a supervisor's entry and an approved 调休 request take it, the
balance carries from month to month and is flagged past the hall's limit either way, an ended month's figures
outlive its pruned tickets, bad entries are refused with nothing saved, and the CSV says the same."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from starlette.testclient import TestClient

from queue_server.config.loader import load_halls
from queue_server.server.app import create_app
from queue_server.store import keys
from queue_server.store.hall_store import HallStore, Scripts
from queue_server.web.lieu_view import LieuAnswer, LieuEntry
from tests.conftest import SHANGHAI, StoppedClock
from tests.web.test_openapi import fits

ADMIN = {"Authorization": "Bearer supervisor-secret"}
CONFIG = Path(__file__).resolve().parent.parent.parent / "config"
# The demo hall, with a limit of 5 hours and the ledger from October 2026.
LIEU = '\n[lieu]\nwarn_minutes = 300\nsince = "2026-10"\n'
READ_AT = datetime(2026, 12, 7, 10, 0, tzinfo=SHANGHAI)  # a Monday morning; December is the current month


@pytest.fixture(scope="module")
def clock() -> StoppedClock:
    return StoppedClock(datetime(2026, 11, 23, 17, 55, tzinfo=SHANGHAI))


@pytest.fixture(scope="module")
def client(redis_url: str, clock: StoppedClock, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("halls")
    (folder / "demo.toml").write_text((CONFIG / "demo.toml").read_text(encoding="utf-8") + LIEU, encoding="utf-8")
    SyncRedis.from_url(redis_url).flushall()
    app = create_app(load_halls(folder), redis_url, clock, admin_token="supervisor-secret", background=False)
    with TestClient(app, client=("127.0.0.1", 50000)) as c:  # a kiosk of the hall: on its LAN
        yield c


def at(clock: StoppedClock, text: str) -> None:
    clock.moment = datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def token(client: TestClient, username: str, window: int | None = None) -> dict[str, str]:
    if window is None:
        signed = client.post("/api/halls/demo/guide/sign-in", json={"username": username, "password": "tidequeue"})
    else:
        body = {"username": username, "password": "tidequeue", "window": window}
        signed = client.post("/api/halls/demo/sign-in", json=body)
    assert signed.status_code == 200, signed.text
    return {"Authorization": f"Bearer {signed.json()['token']}"}


def serve(client: TestClient, clock: StoppedClock, clerk: str, window: int, taken: str, called: str, done: str) -> None:
    """A visitor of 社保 (B) takes a ticket, and ``clerk`` calls and serves them at ``window`` (times on one day)."""
    at(clock, taken)
    assert client.post("/api/halls/demo/tickets", json={"service": "B"}).status_code == 201
    signed = token(client, clerk, window)
    at(clock, called)
    call = client.post(f"/api/halls/demo/windows/{window}/call-next", headers=signed)
    assert call.status_code == 200 and call.json()["ticket"]["clerk"] == clerk, call.text
    at(clock, done)
    assert client.post(f"/api/halls/demo/windows/{window}/complete", headers=signed).status_code == 200


@pytest.fixture(scope="module")
def served(client: TestClient, clock: StoppedClock) -> None:
    """November: w04 serves 35 minutes past the Monday evening's 18:30 and a Saturday morning to 12:15 (195 minutes);
    w06 two weekend mornings (180 each). December: w04 a Saturday morning (180). Then the clock stops on Monday
    7 December."""
    serve(client, clock, "w04", 4, "2026-11-23 17:55", "2026-11-23 18:20", "2026-11-23 19:05")
    serve(client, clock, "w06", 6, "2026-11-28 11:20", "2026-11-28 11:20", "2026-11-28 11:30")
    serve(client, clock, "w04", 4, "2026-11-28 11:30", "2026-11-28 11:30", "2026-11-28 12:15")
    serve(client, clock, "w06", 6, "2026-11-29 09:10", "2026-11-29 09:10", "2026-11-29 09:30")
    serve(client, clock, "w04", 4, "2026-12-05 09:10", "2026-12-05 09:10", "2026-12-05 09:40")
    clock.moment = READ_AT


def ledger(client: TestClient, month: str) -> dict[str, Any]:
    answer = client.get(f"/api/halls/demo/lieu?month={month}", headers=ADMIN)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def line(answer: dict[str, Any], username: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in answer["clerks"] if c["username"] == username)
    return found


def figures(answer: dict[str, Any], username: str) -> tuple[float, float, float, float, float, str]:
    c = line(answer, username)
    return (
        c["earned_minutes"], c["taken_minutes"], c["net_minutes"], c["opening_minutes"], c["balance_minutes"], c["warn"]
    )  # fmt: skip


def test_served_after_hours_and_on_weekends_is_earned(client: TestClient, served: None) -> None:
    november = ledger(client, "2026-11")
    assert (november["month"], november["since"], november["warn_minutes"]) == ("2026-11", "2026-10", 300)
    assert figures(november, "w04") == (230, 0, 230, 0, 230, "")  # 35 + 195
    assert figures(november, "w06") == (360, 0, 360, 0, 360, "over")  # two weekend mornings, past 5 hours
    assert line(november, "w06")["warning"] == "调休结余 6 小时，超过上限 5 小时，请安排调休。"
    assert line(november, "w06")["warning_en"] == "Time off owed: 6 h, over the 5 h limit; schedule time off."
    assert november["warnings"] == 1 and line(november, "w04")["balance"] == "3:50"
    # the same minutes as the overtime report of the month
    report = client.get("/api/halls/demo/staff/overtime?month=2026-11", headers=ADMIN).json()
    reported = {c["username"]: c["time_off_minutes"] for c in report["clerks"]}
    assert (reported["w04"], reported["w06"]) == (230, 360)
    # every clerk and back-office clerk is listed, the guide desk and the supervisors are not
    listed = [c["username"] for c in november["clerks"]]
    assert {"w01", "z06", "b01"} <= set(listed) and not {"guide", "boss"} & set(listed)
    assert line(november, "w01")["earned_minutes"] == 0 and line(november, "w01")["day_minutes"] == 480
    # October ended before its tickets were all kept (62 days), and no ledger kept it: said so
    assert november["unrecorded_months"] == ["2026-10"]


def test_time_off_taken_lowers_the_balance_carried_into_december(client: TestClient, served: None) -> None:
    entered = client.post(
        "/api/halls/demo/lieu/taken",
        headers=ADMIN,
        json={"username": "w04", "date": "2026-12-03", "minutes": 120, "note": "下午调休"},
    )
    assert entered.status_code == 201, entered.text
    entry = entered.json()
    assert {k: entry[k] for k in ("source", "username", "date", "minutes", "note", "by")} == {
        "source": "entry", "username": "w04", "date": "2026-12-03", "minutes": 120, "note": "下午调休",
        "by": "supervisor",
    }  # fmt: skip
    assert entry["at"] == "2026-12-07T10:00:00+08:00"
    december = ledger(client, "2026-12")
    fits(LieuEntry, entry)
    fits(LieuAnswer, december)  # what the OpenAPI document declares
    assert figures(december, "w04") == (180, 120, 60, 230, 290, "")
    assert figures(december, "w06") == (0, 0, 0, 360, 360, "over")  # carried, still owed
    assert [(e["source"], e["id"]) for e in december["taken"]] == [("entry", entry["id"])]
    assert figures(ledger(client, "2026-11"), "w04")[4] == 230  # November is as it was


def test_an_approved_lieu_request_of_the_rota_takes_a_working_day_each(client: TestClient, served: None) -> None:
    # w04 asks for 调休 on Thursday and Friday; it counts once a supervisor approves it
    asked = client.post(
        "/api/halls/demo/time-off",
        headers=token(client, "w04", 4),
        json={"username": "w04", "first": "2026-12-10", "last": "2026-12-13", "kind": "lieu", "note": "调休两天"},
    )
    assert asked.status_code == 201 and asked.json()["kind"] == "lieu" and asked.json()["approved"] is False
    assert figures(ledger(client, "2026-12"), "w04")[1] == 120
    # leave (休假) approved, and a request of a kind there is not, never touch the balance
    leave = client.post(
        "/api/halls/demo/time-off",
        headers=ADMIN,
        json={"username": "w04", "first": "2026-12-15", "last": "2026-12-15", "approved": True},
    )
    assert leave.status_code == 201 and leave.json()["kind"] == "leave"
    odd = client.post(
        "/api/halls/demo/time-off",
        headers=ADMIN,
        json={"username": "w04", "first": "2026-12-16", "last": "2026-12-16", "kind": "comp"},
    )
    assert (odd.status_code, odd.json()["error"]) == (422, "invalid_field")
    approved = client.post(f"/api/halls/demo/time-off/{asked.json()['id']}/approve", headers=ADMIN)
    assert approved.status_code == 200
    december = ledger(client, "2026-12")
    # two working days of 8 hours (the weekend costs nothing): 120 + 960 taken; 230 + 180 − 1080 = −670
    assert figures(december, "w04") == (180, 1080, -900, 230, -670, "ahead")
    assert line(december, "w04")["balance"] == "-11:10"
    assert line(december, "w04")["warning"] == "已预支调休 11 小时 10 分钟，超过上限 5 小时。"
    rota_days = [(e["date"], e["minutes"], e["id"], e["by"]) for e in december["taken"] if e["source"] == "rota"]
    assert rota_days == [
        ("2026-12-10", 480, asked.json()["id"], "supervisor"),
        ("2026-12-11", 480, asked.json()["id"], "supervisor"),
    ]
    assert december["warnings"] == 2
    # the supervisor enters Thursday by hand too: refused, it would count twice
    twice = client.post(
        "/api/halls/demo/lieu/taken", headers=ADMIN, json={"username": "w04", "date": "2026-12-10", "minutes": 480}
    )
    assert (twice.status_code, twice.json()["error"]) == (422, "invalid_lieu_entry")
    assert "已有批准的调休申请" in twice.json()["message"] and ledger(client, "2026-12") == december


@pytest.mark.parametrize(
    ("body", "code", "says"),
    [
        ({"username": "nobody", "date": "2026-12-03", "minutes": 60}, "invalid_lieu_entry", "没有窗口工作人员"),
        ({"username": "guide", "date": "2026-12-03", "minutes": 60}, "invalid_lieu_entry", "没有窗口工作人员"),
        ({"username": "w04", "date": "2026-12-32", "minutes": 60}, "invalid_lieu_entry", "YYYY-MM-DD"),
        ({"username": "w04", "date": "3 Dec 2026", "minutes": 60}, "invalid_lieu_entry", "YYYY-MM-DD"),
        ({"username": "w04", "date": "2026-12-03", "minutes": 0}, "invalid_lieu_entry", "1 到 1440 分钟"),
        ({"username": "w04", "date": "2026-12-03", "minutes": 1441}, "invalid_lieu_entry", "1 到 1440 分钟"),
        ({"username": "w04", "date": "2026-12-03", "minutes": "60"}, "invalid_field", "minutes"),
        ({"username": "w04", "date": "2026-12-03", "minutes": 1.5}, "invalid_field", "minutes"),
        ({"username": "w04", "date": "2026-12-03"}, "missing_field", "minutes"),
        ({"username": "w04", "date": "2026-12-03", "minutes": 60, "hours": 1}, "unknown_field", "hours"),
    ],
)
def test_a_bad_entry_is_refused_and_nothing_is_saved(
    client: TestClient, served: None, body: dict[str, Any], code: str, says: str
) -> None:
    before = ledger(client, "2026-12")
    answer = client.post("/api/halls/demo/lieu/taken", headers=ADMIN, json=body)
    assert (answer.status_code, answer.json()["error"]) == (422, code)
    assert says in answer.json()["message"] and answer.json()["message_en"]
    assert ledger(client, "2026-12") == before


def test_who_may_read_and_what_month(client: TestClient, served: None) -> None:
    assert client.get("/api/halls/demo/lieu?month=2026-12").json()["error"] == "missing_token"
    refused = client.get("/api/halls/demo/lieu?month=2026-12", headers=token(client, "w04", 4))
    assert (refused.status_code, refused.json()["error"]) == (403, "supervisors_only")
    assert "查看调休台账" in refused.json()["message"]
    before = ledger(client, "2026-12")
    entering = client.post(
        "/api/halls/demo/lieu/taken",
        headers=token(client, "w04", 4),
        json={"username": "w04", "date": "2026-12-03", "minutes": 600},
    )
    assert (entering.status_code, entering.json()["error"]) == (403, "supervisors_only")
    assert ledger(client, "2026-12") == before  # the clerk's own entry was not saved
    boss = client.get("/api/halls/demo/lieu?month=2026-12", headers=token(client, "boss"))
    assert boss.status_code == 200 and line(boss.json(), "w04")["balance_minutes"] == -670
    for month in ("2026-13", "December", "", "1999-12", "2028-01"):
        bad = client.get(f"/api/halls/demo/lieu?month={month}", headers=ADMIN)
        assert (bad.status_code, bad.json()["error"]) == (422, "invalid_month"), month
    assert "最晚到 2027-12" in client.get("/api/halls/demo/lieu?month=2028-01", headers=ADMIN).json()["message"]
    # a month ahead shows the approved 调休 planned in it; one before the ledger's start stands alone
    assert ledger(client, "2027-12")["since"] == "2026-10"
    assert ledger(client, "2026-08")["since"] == "2026-08"


def test_the_month_as_csv(client: TestClient, served: None) -> None:
    answer = client.get("/api/halls/demo/lieu.csv?month=2026-12", headers=ADMIN)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert 'filename="lieu-demo-2026-12.csv"' in answer.headers["content-disposition"]
    text = answer.content.decode("utf-8")
    assert text.startswith("\ufeff月份 month,工作人员 clerk,姓名 name,本月获得（分钟） earned (min)")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    by_clerk = {r[1]: r for r in rows[1:]}
    assert len(rows) == 1 + len(ledger(client, "2026-12")["clerks"])
    assert by_clerk["w04"][:8] == ["2026-12", "w04", "刘洋", "180", "1080", "-900", "230", "-670"]
    assert by_clerk["w04"][8].startswith("已预支调休 11 小时 10 分钟") and "ahead of earning" in by_clerk["w04"][8]
    assert by_clerk["w06"][7] == "360" and by_clerk["w01"][3:9] == ["0", "0", "0", "0", "0", ""]
    # no text cell a spreadsheet would read as a formula; minutes are plain numbers
    for row in rows[1:]:
        assert all(float(cell) == float(cell) for cell in row[3:8])
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in (*row[:3], row[8]))
    assert client.get("/api/halls/demo/lieu.csv?month=2026-12").status_code == 401


def test_an_ended_month_outlives_its_pruned_tickets(client: TestClient, redis_url: str, served: None) -> None:
    sync = SyncRedis.from_url(redis_url, decode_responses=True)
    kept = sync.hkeys(keys.lieu_earned("demo"))
    assert kept == ["2026-11"]  # November, counted once; not the current month, nor October (unrecorded)

    async def prune() -> int:
        redis = Redis.from_url(redis_url, decode_responses=True)
        store = HallStore(redis, Scripts(redis), load_halls(CONFIG)["demo"])
        pruned = await store.prune(READ_AT, keep_days=7)  # every ticket before 30 November
        await redis.aclose()
        return pruned

    assert asyncio.run(prune()) == 4
    report = client.get("/api/halls/demo/staff/overtime?month=2026-11", headers=ADMIN).json()
    assert report["total_time_off_minutes"] == 0  # the tickets are gone
    november = ledger(client, "2026-11")
    assert figures(november, "w04")[0] == 230 and figures(november, "w06")[0] == 360  # the ledger is not
    assert figures(ledger(client, "2026-12"), "w04")[3] == 230
    sync.close()


def test_a_mistaken_entry_is_taken_back(client: TestClient, served: None) -> None:
    december = ledger(client, "2026-12")
    (entry,) = [e for e in december["taken"] if e["source"] == "entry"]
    removed = client.delete(f"/api/halls/demo/lieu/taken/{entry['id']}", headers=ADMIN)
    assert removed.status_code == 200 and removed.json()["id"] == entry["id"]
    assert figures(ledger(client, "2026-12"), "w04") == (180, 960, -780, 230, -550, "ahead")
    again = client.delete(f"/api/halls/demo/lieu/taken/{entry['id']}", headers=ADMIN)
    assert (again.status_code, again.json()["error"]) == (404, "unknown_lieu_entry")
    rota_day = next(e for e in december["taken"] if e["source"] == "rota")
    not_here = client.delete(f"/api/halls/demo/lieu/taken/{rota_day['id']}", headers=ADMIN)
    assert (not_here.status_code, not_here.json()["error"]) == (404, "unknown_lieu_entry")
    assert "排班" in not_here.json()["message"]
    assert figures(ledger(client, "2026-12"), "w04")[1] == 960
