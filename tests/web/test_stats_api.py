"""The statistics API (统计) as a supervisor uses it: JSON, the CSV download, the SVG charts, and bad input."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from starlette.testclient import TestClient

from queue_server.config.loader import load_halls
from queue_server.server.app import create_app
from queue_server.web.stats.export import cell
from tests.conftest import MORNING, StoppedClock

ADMIN = {"Authorization": "Bearer supervisor-secret"}
STATS = "/api/halls/allday/stats"


@pytest.fixture
def clock() -> StoppedClock:
    return StoppedClock(MORNING)


@pytest.fixture
def client(redis_url: str, config_dir: Path, clock: StoppedClock) -> Iterator[TestClient]:
    sync = Redis.from_url(redis_url)
    sync.flushall()
    sync.close()
    app = create_app(load_halls(config_dir), redis_url, clock, "supervisor-secret", background=False)
    with TestClient(app, raise_server_exceptions=False, client=("127.0.0.1", 50000)) as c:
        yield c


@pytest.fixture
def busy_client(client: TestClient, clock: StoppedClock) -> TestClient:
    """The allday hall from 09:00: A001, A002, B001 issued at 09:00, 09:02, 09:04; window 1 calls A001 at 09:06
    and completes it at 09:16; window 2 calls A002 at 09:20; it is 09:30 now."""
    for minute, service in ((0, "A"), (2, "A"), (4, "B")):
        clock.moment = MORNING + timedelta(minutes=minute)
        assert client.post("/api/halls/allday/tickets", json={"service": service}).status_code == 201
    for minute, window, action in ((6, 1, "call-next"), (16, 1, "complete"), (20, 2, "call-next")):
        clock.moment = MORNING + timedelta(minutes=minute)
        assert client.post(f"/api/halls/allday/windows/{window}/{action}", headers=ADMIN).status_code == 200
    clock.moment = MORNING + timedelta(minutes=30)
    return client


def get(client: TestClient, path: str = STATS, headers: dict[str, str] = ADMIN, **params: str) -> Any:
    return client.get(path, params=params, headers=headers)


def test_a_supervisor_reads_today_by_default(busy_client: TestClient) -> None:
    response = get(busy_client)
    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["period"]["first"] == summary["period"]["last"] == "2026-11-23"
    overall = summary["overall"]
    assert (overall["issued"], overall["served"], overall["at_window"], overall["still_waiting"]) == (3, 1, 1, 1)
    categories = {c["code"]: c for c in summary["categories"]}
    assert (categories["A"]["issued"], categories["B"]["issued"], categories["B"]["waiting_now"]) == (2, 1, 1)
    # Waits: A001 6 min, A002 18 min. The allday hall has no sessions: window 1 was open from its call to the
    # finish (10 min, all serving), window 2 since its call (10 min until now, all serving).
    assert (overall["wait_p50"], overall["wait_max"], overall["mean_handling"]) == (6.0, 18.0, 10.0)
    windows = {w["number"]: w for w in summary["windows"]}
    assert [(w["open_minutes"], w["busy_ratio"], w["served"]) for w in (windows[1], windows[2])] == [
        (10.0, 1.0, 1),
        (10.0, 1.0, 0),
    ]
    assert summary["arrivals_per_hour"]["09"] == 3
    # Waiting in hour 09 up to 09:30: A001 6 + A002 18 + B001 26 (still waiting) = 50 visitor-minutes over 30.
    assert summary["waiting_per_hour"]["09"] == round(50 / 30, 4)
    assert get(busy_client, date="2026-11-23").json()["overall"] == overall


def test_only_a_supervisor_may_read_the_statistics(client: TestClient) -> None:
    signed_in = client.post(
        "/api/halls/allday/sign-in", json={"username": "w01", "password": "tidequeue", "window": 1}
    ).json()
    clerk = {"Authorization": f"Bearer {signed_in['token']}"}
    for path in (STATS, f"{STATS}.csv", f"{STATS}/charts/busy.svg"):
        refused = get(client, path, clerk)
        assert (refused.status_code, refused.json()["error"]) == (403, "supervisors_only"), path
        missing = get(client, path, {})
        assert (missing.status_code, missing.json()["error"]) == (401, "missing_token"), path
    assert get(client, headers={"Authorization": "Bearer guess"}).status_code == 401


def csv_sections(text: str) -> dict[str, list[dict[str, str]]]:
    """The CSV download's sections: title → rows as dicts of the header row's names."""
    sections: dict[str, list[dict[str, str]]] = {}
    rows = list(csv.reader(io.StringIO(text)))
    i = 0
    while i < len(rows):
        title, header = rows[i][0], rows[i + 1]
        i += 2
        sections[title] = []
        while i < len(rows) and rows[i]:
            sections[title].append(dict(zip(header, rows[i], strict=True)))
            i += 1
        i += 1
    return sections


@pytest.mark.parametrize("path", [f"{STATS}.csv", f"{STATS}?format=csv"])
def test_the_csv_download_says_what_the_json_says(busy_client: TestClient, path: str) -> None:
    summary = get(busy_client).json()
    response = busy_client.get(path, headers=ADMIN)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="stats-allday-2026-11-23.csv"')
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel reads the Chinese names as UTF-8
    sections = csv_sections(response.content.decode("utf-8-sig"))

    def expect(title: str, rows: list[dict[str, Any]]) -> None:
        found = sections[title]
        assert found == [{name: cell(row.get(name)) for name in found[0]} for row in rows]

    expect("业务类别 · categories", summary["categories"])
    expect("全部 · overall", [summary["overall"]])
    expect("窗口 · windows", summary["windows"])
    expect("忙闲率差异 · busy spread", [summary["busy_spread"]])
    expect("潮汐窗口 · tidal share", [summary["tidal_share"]])
    expect("预约 · appointments", [summary["appointments"]])
    hours = [
        {"hour": h, "arrivals": n, "waiting": summary["waiting_per_hour"][h]}
        for h, n in summary["arrivals_per_hour"].items()
    ]
    expect("每小时 · per hour", hours)
    assert sections["业务类别 · categories"][0]["name"] == "公安户政"
    assert sections["统计 · statistics"][0]["first"] == "2026-11-23"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"date": "2026-13-01"}, "bad_date"),
        ({"date": "23.11.2026"}, "bad_date"),
        ({"date": "2026-11-23T09:00"}, "bad_date"),
        ({"from": "2026-11-23", "to": "2026-11-01"}, "bad_range"),
        ({"to": "2026-11-23"}, "bad_range"),
        ({"date": "2026-11-23", "from": "2026-11-01"}, "bad_range"),
        ({"from": "2026-01-01", "to": "2026-11-23"}, "range_too_long"),
        ({"session": "工作日上午"}, "unknown_session"),  # the allday hall has no sessions
        ({"format": "xml"}, "bad_format"),
    ],
)
def test_bad_queries_are_refused_plainly(client: TestClient, params: dict[str, str], code: str) -> None:
    response = get(client, STATS, ADMIN, **params)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == code
    assert body["message"]


def test_a_range_of_62_days_and_a_session_are_accepted(client: TestClient) -> None:
    summary = get(client, STATS, ADMIN, **{"from": "2026-09-23", "to": "2026-11-23"}).json()
    assert summary["period"]["days"] == 62
    # Friday 2026-11-20 in the demo hall: the morning staffs all 14 windows 09:00-12:00, lunch five of them; the
    # reserve windows 15 and 16 stay closed, as nobody called the back office forward.
    morning = get(client, "/api/halls/demo/stats", date="2026-11-20", session="工作日上午").json()
    assert morning["period"]["session"] == "工作日上午"
    assert {w["number"]: w["open_minutes"] for w in morning["windows"]} == {n: 180.0 for n in range(1, 15)} | {
        15: 0.0,
        16: 0.0,
    }
    lunch = get(client, "/api/halls/demo/stats", date="2026-11-20", session="Lunch-time service").json()
    assert [w["number"] for w in lunch["windows"] if w["open_minutes"] == 90.0] == [1, 6, 7, 10, 12]
    assert lunch["busy_spread"] == {"windows": 5, "max": 0.0, "min": 0.0, "max_minus_min": 0.0, "stdev": 0.0}


def test_unknown_halls_and_charts_are_not_found(client: TestClient) -> None:
    assert get(client, "/api/halls/nowhere/stats").json()["error"] == "unknown_hall"
    assert get(client, f"{STATS}/charts/pie.svg").json()["error"] == "unknown_chart"


@pytest.mark.parametrize("name", ["arrivals", "waiting", "busy", "waits"])
def test_the_charts_are_svg_with_escaped_text(busy_client: TestClient, name: str) -> None:
    for lang, title in (("zh", "<title>"), ("en", "<title>")):
        response = get(busy_client, f"{STATS}/charts/{name}.svg", lang=lang)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("image/svg+xml")
        root = ET.fromstring(response.text)  # well-formed: every text was escaped
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert title in response.text
    chinese = get(busy_client, f"{STATS}/charts/waits.svg").text
    assert "公安户政" in chinese
    english = get(busy_client, f"{STATS}/charts/waits.svg", lang="en").text
    assert "ID cards &amp; house" in english


def test_the_page_is_served_for_known_halls_only(client: TestClient) -> None:
    page = client.get("/stats/demo")
    assert page.status_code == 200
    assert "<title>统计 · 滨江区政务服务中心</title>" in page.text
    assert '<option value="工作日上午">工作日上午</option>' in page.text  # the hall's sessions to choose from
    assert "<title>Statistics · Binjiang" in client.get("/stats/demo?lang=en").text
    assert client.get("/stats/nowhere").status_code == 404
