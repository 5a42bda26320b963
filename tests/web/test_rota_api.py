"""The rota over HTTP against a real Redis: the demo hall's December made and kept, a hand edit that keeps the rules
saved, one that breaks them refused with the rule named (nothing saved), the CSV and a clerk's iCalendar, and
time off that binds the next rota once approved."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from starlette.testclient import TestClient

from queue_server.config.loader import load_halls
from queue_server.rota.needs import month_of
from queue_server.rota.rules import check
from queue_server.runtime.clock import Clock
from queue_server.server.app import create_app
from tests.conftest import MORNING

ADMIN = {"Authorization": "Bearer supervisor-secret"}
ROTA = "/api/halls/demo/rota?month=2026-12"
CONFIG = Path(__file__).resolve().parent.parent.parent / "config"


@pytest.fixture(scope="module")
def client(redis_url: str) -> Iterator[TestClient]:
    """One server for the module: December is made once, then read, edited and exported."""
    Redis.from_url(redis_url).flushall()
    app = create_app(load_halls(CONFIG), redis_url, Clock(MORNING), admin_token="supervisor-secret", background=False)
    with TestClient(app, client=("127.0.0.1", 50000)) as c:
        yield c


@pytest.fixture(scope="module")
def december(client: TestClient) -> dict[str, Any]:
    answer = client.get(ROTA, headers=ADMIN)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def token(client: TestClient, username: str, window: int | None = None) -> dict[str, str]:
    if window is None:
        signed = client.post("/api/halls/demo/guide/sign-in", json={"username": username, "password": "tidequeue"})
    else:
        body = {"username": username, "password": "tidequeue", "window": window}
        signed = client.post("/api/halls/demo/sign-in", json=body)
    assert signed.status_code == 200, signed.text
    return {"Authorization": f"Bearer {signed.json()['token']}"}


def test_the_december_rota_is_made_once_and_keeps_every_rule(client: TestClient, december: dict[str, Any]) -> None:
    assert december["generated_now"] is True and december["source"] == "generated"
    assert december["ok"] is True and december["violations"] == [] and december["uncovered"] == []
    assert len(december["posts"]) == 919 + 100 and all(p["clerk"] for p in december["posts"])
    back_office = [p for p in december["posts"] if p["back_office"]]  # one back-office clerk each session
    assert len(back_office) == 100 and {p["clerk"] for p in back_office} == {"b01", "b02", "b03"}
    assert december["solver"]["status"] in ("optimal", "feasible") and december["solver"]["seconds"] < 60
    evening = next(f for f in december["fairness"] if f["kind"] == "evening")
    assert evening["mean"] == pytest.approx(7.4) and all(c["fair"] for c in evening["clerks"].values())
    night = [p for p in december["posts"] if p["session"] == "身份证夜间专场" and not p["back_office"]]
    assert len(night) == 20 and {p["window"] for p in night} == {1, 2} and {p["kind"] for p in night} == {"evening"}
    again = client.get(ROTA, headers=ADMIN).json()
    assert again["generated_now"] is False
    assert [p["clerk"] for p in again["posts"]] == [p["clerk"] for p in december["posts"]]


def test_only_a_supervisor_reads_the_rota(client: TestClient, december: dict[str, Any]) -> None:
    assert client.get(ROTA).json()["error"] == "missing_token"
    refused = client.get(ROTA, headers=token(client, "w04", 4))
    assert (refused.status_code, refused.json()["error"]) == (403, "supervisors_only")
    assert "查看和修改排班" in refused.json()["message"]
    assert client.get(ROTA, headers=token(client, "boss")).status_code == 200
    bad = client.get("/api/halls/demo/rota?month=2026-13", headers=ADMIN)
    assert (bad.status_code, bad.json()["error"]) == (422, "invalid_month")


def current(client: TestClient) -> dict[str, str]:
    return {p["key"]: p["clerk"] for p in client.get(ROTA, headers=ADMIN).json()["posts"] if p["clerk"]}


def test_a_hand_edit_that_keeps_the_rules_is_saved(client: TestClient, december: dict[str, Any]) -> None:
    # The whole month: z03 and z04 (the same skills and hours) swap every duty, which keeps every rule.
    swap = {"z03": "z04", "z04": "z03"}
    month = {key: swap.get(name, name) for key, name in current(client).items()}
    saved = client.put(ROTA, headers=ADMIN, json={"assignments": month})
    assert saved.status_code == 200, saved.text
    assert saved.json()["source"] == "edited" and saved.json()["by"] == "supervisor" and saved.json()["ok"]
    assert current(client) == month
    # One day: the first change of one post's clerk that the rules allow (found with the same pure check).
    facts = month_of(load_halls(CONFIG)["demo"], 2026, 12)
    for post in facts.posts:
        for other in (c.username for c in facts.clerks if c.username != month[post.key]):
            edited = {**month, post.key: other}
            if not check(facts, edited):
                break
        else:
            continue
        break
    day = post.day.isoformat()
    answer = client.put(ROTA, headers=ADMIN, json={"date": day, "assignments": {post.key: other}})
    assert answer.status_code == 200, answer.text
    assert current(client)[post.key] == other and answer.json()["ok"] is True


def test_a_hand_edit_that_breaks_a_rule_is_refused_and_nothing_is_saved(
    client: TestClient, december: dict[str, Any]
) -> None:
    before = current(client)
    post = next(p for p in december["posts"] if p["window"] == 2 and p["date"] == "2026-12-03")
    wrong = client.put(ROTA, headers=ADMIN, json={"date": "2026-12-03", "assignments": {post["key"]: "w01"}})
    assert (wrong.status_code, wrong.json()["error"]) == (422, "rota_violation")
    rules = [v["rule"] for v in wrong.json()["violations"]]
    assert "qualified" in rules
    assert (
        "王芳（w01） 不能值守 12月3日" in wrong.json()["message"] and "只能在 1 号窗口登录" in wrong.json()["message"]
    )
    assert "may sign in at windows 1 only" in wrong.json()["message_en"]
    open_post = client.put(ROTA, headers=ADMIN, json={"date": "2026-12-03", "assignments": {post["key"]: None}})
    assert open_post.status_code == 422
    (violation,) = open_post.json()["violations"]
    assert violation["rule"] == "coverage" and violation["rule_name"] == "岗位有人"
    assert violation["message"] == "12月3日 工作日上午 2号窗口（09:00–12:00） 无人值守。"
    elsewhere = client.put(
        ROTA, headers=ADMIN, json={"date": "2026-12-03", "assignments": {"2026-12-04 09:00 #2": "w02"}}
    )
    assert (elsewhere.status_code, elsewhere.json()["error"]) == (422, "invalid_field")
    assert current(client) == before


def test_the_month_as_csv(client: TestClient, december: dict[str, Any]) -> None:
    answer = client.get("/api/halls/demo/rota.csv?month=2026-12", headers=ADMIN)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert 'filename="rota-demo-2026-12.csv"' in answer.headers["content-disposition"]
    text = answer.content.decode("utf-8")
    assert text.startswith("\ufeff日期 date,星期 weekday,时段 session")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 1 + 919 + 100
    first = rows[1]
    assert first[:6] == ["2026-12-01", "二", "工作日上午", "09:00", "12:00", "1"]
    assert first[8] in {c["username"] for c in december["clerks"]} and first[9]
    market = [r for r in rows if "赶场日专场" in r[2]]
    assert {r[5] for r in market} == {"4", "6", "13", "后台 back office (15)"} and {r[7] for r in market} == {"周末"}
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_a_clerks_calendar(client: TestClient, december: dict[str, Any]) -> None:
    mine = client.get("/api/halls/demo/rota/w02.ics?month=2026-12", headers=token(client, "w02", 2))
    assert mine.status_code == 200 and mine.headers["content-type"].startswith("text/calendar")
    raw = mine.content
    assert raw.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    lines = raw.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(lines) and all(len(line) <= 75 for line in lines)  # RFC 5545: folded at 75 octets
    text = raw.decode("utf-8").replace("\r\n ", "")  # unfolded
    w02 = sorted((p for p in december["posts"] if p["clerk"] == "w02"), key=lambda p: (p["date"], p["start"]))
    events = re.findall(r"BEGIN:VEVENT\r\n(.*?)END:VEVENT", text, re.S)
    assert 0 < len(events) <= len(w02)
    night = next((p for p in w02 if p["session"] == "身份证夜间专场"), None)
    if night is not None:  # 18:30–20:30 in Shanghai is 10:30–12:30 UTC; joined to the afternoon when it ends at 18:30
        assert f"DTEND:{night['date'].replace('-', '')}T123000Z" in text
    assert (
        "SUMMARY:2号窗口 " in text
        and "LOCATION:滨江区政务服务中心（Binjiang District Government Service Centre）2号窗口" in text
    )
    assert re.search(r"DTSTAMP:20261123T01\d{4}Z", text)  # the server's clock (09:00 in Shanghai), in UTC
    assert "\\," in text  # a comma in text is escaped
    other = client.get("/api/halls/demo/rota/w01.ics?month=2026-12", headers=token(client, "w02", 2))
    assert (other.status_code, other.json()["error"]) == (403, "supervisors_only")
    assert client.get("/api/halls/demo/rota/w01.ics?month=2026-12", headers=ADMIN).status_code == 200
    nobody = client.get("/api/halls/demo/rota/guide.ics?month=2026-12", headers=ADMIN)
    assert (nobody.status_code, nobody.json()["error"]) == (404, "unknown_clerk")


def test_approved_time_off_binds_the_rota_made_again(client: TestClient, december: dict[str, Any]) -> None:
    asked = client.post(
        "/api/halls/demo/time-off",
        headers=token(client, "w06", 6),
        json={"username": "w06", "first": "2026-12-14", "last": "2026-12-16", "note": "年休假"},
    )
    assert asked.status_code == 201 and asked.json()["approved"] is False
    for_other = client.post(
        "/api/halls/demo/time-off",
        headers=token(client, "w06", 6),
        json={"username": "w07", "first": "2026-12-14", "last": "2026-12-14"},
    )
    assert (for_other.status_code, for_other.json()["error"]) == (403, "supervisors_only")
    backwards = client.post(
        "/api/halls/demo/time-off", headers=ADMIN, json={"username": "w06", "first": "2026-12-16", "last": "2026-12-14"}
    )
    assert (backwards.status_code, backwards.json()["error"]) == (422, "invalid_time_off")
    listed = client.get("/api/halls/demo/time-off?month=2026-12", headers=ADMIN).json()["requests"]
    assert [(r["username"], r["approved"]) for r in listed] == [("w06", False)]
    approved = client.post(f"/api/halls/demo/time-off/{asked.json()['id']}/approve", headers=ADMIN)
    assert approved.status_code == 200 and approved.json()["approved"] is True
    missing = client.post("/api/halls/demo/time-off/nope/approve", headers=ADMIN)
    assert (missing.status_code, missing.json()["error"]) == (404, "unknown_time_off")
    kept = client.get(ROTA, headers=ADMIN).json()  # the kept rota now breaks the leave where it gave w06 duty
    w06 = next(c for c in kept["clerks"] if c["username"] == "w06")
    assert w06["leave"] == ["2026-12-14", "2026-12-15", "2026-12-16"]
    remade = client.post("/api/halls/demo/rota/generate?month=2026-12", headers=ADMIN).json()
    assert remade["ok"] is True and remade["generated_now"] is True
    on_leave = {date(2026, 12, d).isoformat() for d in (14, 15, 16)}
    assert not [p for p in remade["posts"] if p["clerk"] == "w06" and p["date"] in on_leave]
