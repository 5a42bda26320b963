"""好差评 over HTTP, as visitors, evaluator devices and supervisors use it."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from starlette.testclient import TestClient

from queue_server.config.loader import load_halls
from queue_server.core.hall import Hall
from queue_server.server.app import create_app
from tests.conftest import MORNING, StoppedClock

ADMIN = {"Authorization": "Bearer supervisor-secret"}
HALL = "/api/halls/allday"
EVALUATOR = "evaluator-of-window-1"


def with_evaluator(halls: dict[str, Hall]) -> dict[str, Hall]:
    """The allday hall, window 1 with an evaluator device."""
    hall = halls["allday"]
    digest = hashlib.sha256(EVALUATOR.encode()).hexdigest()
    windows = tuple(dataclasses.replace(w, evaluator_token=digest) if w.number == 1 else w for w in hall.windows)
    return {**halls, "allday": dataclasses.replace(hall, windows=windows)}


@pytest.fixture
def clock() -> StoppedClock:
    return StoppedClock(MORNING)


@pytest.fixture
def client(redis_url: str, config_dir: Path, clock: StoppedClock) -> Iterator[TestClient]:
    sync = Redis.from_url(redis_url)
    sync.flushall()
    sync.close()
    halls = with_evaluator(load_halls(config_dir))
    app = create_app(halls, redis_url, clock, "supervisor-secret", background=False)
    with TestClient(app, raise_server_exceptions=False, client=("127.0.0.1", 50000)) as c:
        yield c


def serve(client: TestClient, window: int = 1, service: str = "A", headers: dict[str, str] = ADMIN) -> dict[str, Any]:
    ticket: dict[str, Any] = client.post(f"{HALL}/tickets", json={"service": service}).json()
    for action in ("call-next", "complete"):
        assert client.post(f"{HALL}/windows/{window}/{action}", headers=headers).status_code == 200
    return ticket


def rate(client: TestClient, ticket: dict[str, Any], **body: Any) -> Any:
    """The visitor rates from the phone page their ticket's QR code opened, which knows the ticket's key."""
    return client.post(f"/api/tickets/{ticket['id']}/rating", json=body, headers=key_of(ticket))


def key_of(ticket: dict[str, Any]) -> dict[str, str]:
    return {"X-Ticket-Key": ticket["key"]}


def test_the_visitor_rates_from_the_phone_once_and_sees_it_rated(client: TestClient) -> None:
    ticket = serve(client)
    before = client.get(f"/api/tickets/{ticket['id']}/rating", headers=key_of(ticket)).json()
    assert before["open"] and before["rating"] is None and before["closes_at"].startswith("2026-11-23T09:30")
    answer = rate(client, ticket, level=4, comment="  办得快  ")
    assert answer.status_code == 201, answer.text
    rating = answer.json()["rating"]
    assert (rating["level"], rating["number"], rating["window"], rating["comment"]) == (
        4,
        ticket["number"],
        1,
        "办得快",
    )
    assert "clerk" not in rating and "ticket_id" not in rating
    after = client.get(f"/api/tickets/{ticket['id']}/rating", headers=key_of(ticket)).json()
    assert not after["open"] and after["rating"]["level"] == 4
    again = rate(client, ticket, level=5)
    assert again.status_code == 409 and again.json()["error"] == "already_rated"


def test_a_ticket_not_served_or_too_old_is_refused(client: TestClient, clock: StoppedClock) -> None:
    waiting = client.post(f"{HALL}/tickets", json={"service": "B"}).json()
    refused = rate(client, waiting, level=5)
    assert refused.status_code == 409 and refused.json()["error"] == "not_served"
    ticket = serve(client)
    clock.moment = MORNING + timedelta(minutes=31)
    late = rate(client, ticket, level=5)
    assert late.status_code == 409 and late.json()["error"] == "rating_closed"
    assert client.get(f"/api/tickets/{ticket['id']}/rating", headers=key_of(ticket)).json()["open"] is False
    assert client.post("/api/tickets/allday.nosuchticket/rating", json={"level": 5}).status_code == 404


def test_only_the_visitor_with_the_tickets_key_rates_or_reads_its_rating(client: TestClient) -> None:
    """Every hall screen sees a ticket's id, so the id is no proof: the visitor's own key, which only the answer
    to whoever took the ticket carries (and its printed QR code), is."""
    ticket = serve(client)
    url = f"/api/tickets/{ticket['id']}/rating"
    for headers in ({}, {"X-Ticket-Key": "not-this-tickets-key"}, key_of(serve(client))):
        refused = client.post(url, json={"level": 1, "reasons": ["attitude"]}, headers=headers)
        assert (refused.status_code, refused.json()["error"]) == (403, "bad_ticket_key")
        assert "二维码" in refused.json()["message"] and "QR code" in refused.json()["message_en"]
        assert client.get(url, headers=headers).status_code == 403
    assert client.get(f"{HALL}/rating-cases", headers=ADMIN).json() == []  # nobody was blamed
    assert rate(client, ticket, level=5).status_code == 201
    # The key is in no public view of the ticket.
    assert "key" not in client.get(f"/api/tickets/{ticket['id']}").json()
    assert ticket["key"] not in client.get(HALL).text


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"level": 6}, "invalid_level"),
        ({"level": "5"}, "invalid_level"),
        ({"level": 2}, "reason_required"),
        ({"level": 1, "reasons": ["rude_weather"]}, "unknown_reason"),
        ({"level": 5, "reasons": ["long_wait"]}, "reasons_not_allowed"),
        ({"level": 5, "comment": "很" * 201}, "comment_too_long"),
    ],
)
def test_a_bad_rating_is_refused_and_says_why(client: TestClient, body: dict[str, Any], code: str) -> None:
    ticket = serve(client)
    refused = rate(client, ticket, **body)
    assert refused.status_code == 422 and refused.json()["error"] == code
    assert refused.json()["message"] and refused.json()["message_en"]
    assert rate(client, ticket, level=5).status_code == 201  # nothing was kept of the refused one


def test_the_evaluator_device_rates_only_its_windows_last_visitor(client: TestClient, clock: StoppedClock) -> None:
    missing = client.post(f"{HALL}/windows/1/rating", json={"level": 5})
    assert missing.status_code == 401 and missing.json()["error"] == "missing_device_token"
    wrong = client.post(f"{HALL}/windows/2/rating", json={"level": 5}, headers={"X-Device-Token": EVALUATOR})
    assert wrong.status_code == 403 and wrong.json()["error"] == "wrong_device_token"
    nobody = client.post(f"{HALL}/windows/1/rating", json={"level": 5}, headers={"X-Device-Token": EVALUATOR})
    assert nobody.status_code == 409 and nobody.json()["error"] == "nothing_to_rate"
    serve(client, 1)
    clock.moment += timedelta(minutes=5)
    last = serve(client, 1)
    device = {"X-Device-Token": EVALUATOR}
    rated = client.post(f"{HALL}/windows/1/rating", json={"level": 1, "reasons": ["attitude"]}, headers=device)
    assert rated.status_code == 201, rated.text
    assert rated.json()["rating"]["number"] == last["number"] and rated.json()["rating"]["channel"] == "window"
    again = client.post(f"{HALL}/windows/1/rating", json={"level": 5}, headers=device)
    assert again.status_code == 409 and again.json()["error"] == "already_rated"


def test_supervisors_list_and_export_the_ratings(client: TestClient) -> None:
    good = serve(client)
    signed = client.post(f"{HALL}/sign-in", json={"username": "w01", "password": "tidequeue", "window": 1}).json()
    bad = serve(client, headers={"Authorization": f"Bearer {signed['token']}"})
    rate(client, good, level=5)
    rate(client, bad, level=2, reasons=["long_wait", "slow"], comment="等太久")
    assert client.get(f"{HALL}/ratings").status_code == 401
    listed = client.get(f"{HALL}/ratings", params={"date": "2026-11-23"}, headers=ADMIN)
    assert listed.status_code == 200
    assert [(r["number"], r["level"], r["clerk"]) for r in listed.json()] == [
        (good["number"], 5, None),
        (bad["number"], 2, "w01"),
    ]
    export = client.get(f"{HALL}/ratings.csv", params={"from": "2026-11-23", "to": "2026-11-23"}, headers=ADMIN)
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert export.content.startswith("\ufeff".encode())  # Excel reads the Chinese right
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0][0] == "评价时间 at" and len(rows) == 3
    assert "不满意" in rows[2] and "等待时间长、办事效率低" in rows[2] and "等太久" in rows[2]
    same = client.get(f"{HALL}/ratings", params={"date": "2026-11-23", "format": "csv"}, headers=ADMIN)
    assert same.content == export.content


def test_a_comment_never_becomes_a_spreadsheet_formula(client: TestClient) -> None:
    formula = '=HYPERLINK("http://evil.example","详情")'
    assert rate(client, serve(client), level=1, reasons=["other"], comment=formula).status_code == 201
    export = client.get(f"{HALL}/ratings.csv", params={"date": "2026-11-23"}, headers=ADMIN)
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert "'" + formula in rows[1] and formula not in rows[1]  # shown as the text it is, never run


def test_a_poor_rating_becomes_a_case_the_supervisors_follow_up(client: TestClient, clock: StoppedClock) -> None:
    rate(client, serve(client), level=1, reasons=["attitude"], comment="态度生硬")
    cases = client.get(f"{HALL}/rating-cases", headers=ADMIN).json()
    [case] = cases
    assert case["state"] == "to_verify" and case["deadlines"]["rectifying"] == "2026-11-24" and not case["overdue"]
    clock.moment = MORNING + timedelta(days=2)  # Wednesday: not verified by Tuesday
    assert [c["id"] for c in client.get(f"{HALL}/rating-cases?overdue=true", headers=ADMIN).json()] == [case["id"]]
    steps = f"{HALL}/rating-cases/{case['id']}/steps"
    skipped = client.post(steps, json={"to": "closed"}, headers=ADMIN)
    assert skipped.status_code == 409 and skipped.json()["error"] == "step_out_of_order"
    assert client.post(steps, json={"to": "done"}, headers=ADMIN).json()["error"] == "unknown_state"
    moved = client.post(steps, json={"to": "rectifying", "note": "已核实", "by": "王科长"}, headers=ADMIN)
    assert moved.status_code == 200, moved.text
    assert moved.json()["steps"][-1] == {
        "state": "rectifying", "at": "2026-11-25T09:00:00.000+08:00", "day": "2026-11-25", "by": "王科长",
        "note": "已核实",
    }  # fmt: skip
    assert client.get(f"{HALL}/rating-cases?state=rectifying", headers=ADMIN).json()[0]["id"] == case["id"]
    assert client.get(f"{HALL}/rating-cases?state=closed", headers=ADMIN).json() == []
    unknown = client.post(f"{HALL}/rating-cases/2026-11-23-A999/steps", json={"to": "rectifying"}, headers=ADMIN)
    assert unknown.status_code == 404 and unknown.json()["error"] == "unknown_case"


def test_a_clerk_may_not_read_or_follow_up_ratings(client: TestClient) -> None:
    signed = client.post(f"{HALL}/sign-in", json={"username": "w01", "password": "tidequeue", "window": 1})
    if signed.status_code != 200:
        pytest.skip("the allday hall has no clerk w01")
    clerk = {"Authorization": f"Bearer {signed.json()['token']}"}
    refused = client.get(f"{HALL}/rating-cases", headers=clerk)
    assert refused.status_code == 403 and refused.json()["error"] == "supervisors_only"


def test_the_case_number_entered_on_completion_goes_with_the_rating(client: TestClient) -> None:
    ticket = client.post(f"{HALL}/tickets", json={"service": "A"}).json()
    client.post(f"{HALL}/windows/1/call-next", headers=ADMIN)
    done = client.post(f"{HALL}/windows/1/complete", headers=ADMIN, json={"case_number": "GA-2026-001234"})
    if done.status_code != 200:
        pytest.skip("complete takes no case_number yet")
    rate(client, ticket, level=2, reasons=["slow"])
    [rating] = client.get(f"{HALL}/ratings", headers=ADMIN).json()
    assert rating["case_number"] == "GA-2026-001234"
    [case] = client.get(f"{HALL}/rating-cases", headers=ADMIN).json()
    assert case["case_number"] == "GA-2026-001234"
