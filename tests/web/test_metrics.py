"""``GET /metrics`` as Prometheus and whoever runs the halls see it: requests counted by route template and status,
script latencies, each hall's waiting line as the API tells it, live WebSocket channels, the embedded Redis dying
and coming back; refused to the internet; and the alerting rules shipped in docs/ only name what it shows."""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from prometheus_client.parser import text_string_to_metric_families
from redis import Redis
from starlette.applications import Starlette
from starlette.testclient import TestClient
from websockets.sync.client import connect

from queue_server.config.loader import load_halls
from queue_server.server.app import create_app
from queue_server.store.redis_keeper import RedisKeeper
from queue_server.web.prometheus import HALL_GAUGES_FRESH
from tests.conftest import MORNING, StoppedClock
from tests.server_process import ServerProcess
from tests.web.conftest import ADMIN, act, take

ALERTS = Path(__file__).resolve().parents[2] / "docs" / "prometheus-alerts.yml"
TICKETS = "/api/halls/{hall}/tickets"
WINDOW_ACTION = "/api/halls/{hall}/windows/{window}/{action}"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def clock() -> StoppedClock:
    return StoppedClock(MORNING)


@pytest.fixture
def app(sync_redis: Redis, redis_url: str, config_dir: Path, clock: StoppedClock) -> Starlette:
    return create_app(load_halls(config_dir), redis_url, clock, admin_token="supervisor-secret", background=False)


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    """A kiosk on the demo hall's LAN, which is also where the hall's Prometheus scrapes from."""
    with TestClient(app, client=("127.0.0.1", 50000)) as c:
        yield c


def samples_of(text: str) -> Samples:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def scrape(client: TestClient, **headers: str) -> Samples:
    answer = client.get("/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=")
    return samples_of(answer.text)


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def waiting_in_demo(client: TestClient) -> int:
    """What the hall's API says: everyone waiting, every category."""
    return sum(c["waiting"] for c in client.get("/api/halls/demo").json()["categories"])


def test_requests_are_counted_by_route_template_and_status(client: TestClient, clock: StoppedClock) -> None:
    for _ in range(3):
        take(client, "A")
    assert act(client, 1, "call-next").status_code == 200
    assert act(client, 99, "call-next").status_code == 404
    clock.moment += timedelta(seconds=90)
    samples = scrape(client)

    requests = "tidequeue_http_requests_total"
    assert value(samples, requests, route=TICKETS, method="POST", status="201") == 3
    assert value(samples, requests, route=WINDOW_ACTION, method="POST", status="200") == 1
    assert value(samples, requests, route=WINDOW_ACTION, method="POST", status="404") == 1
    assert value(samples, "tidequeue_http_request_duration_seconds_count", route=TICKETS, method="POST") == 3
    routes = {dict(labels)["route"] for name, labels in samples if name == requests}
    assert not any("demo" in route or "99" in route for route in routes)  # templates, never the raw paths

    assert value(samples, "tidequeue_script_duration_seconds_count", script="issue") == 3
    assert value(samples, "tidequeue_script_duration_seconds_count", script="call_next") == 1
    assert (value(samples, "tidequeue_script_duration_seconds_sum", script="issue") or 0) > 0

    # Two still wait, as the API says; the first in line took the ticket 90 s ago by the hall's clock.
    assert value(samples, "tidequeue_hall_waiting", hall="demo") == waiting_in_demo(client) == 2
    assert value(samples, "tidequeue_hall_longest_wait_seconds", hall="demo") == 90
    assert value(samples, "tidequeue_hall_waiting", hall="allday") == 0
    assert value(samples, "tidequeue_halls_followed") == 2


def test_the_waiting_gauges_are_read_again_after_a_few_seconds_not_at_every_scrape(
    client: TestClient, clock: StoppedClock
) -> None:
    take(client, "A")
    reads = "tidequeue_script_duration_seconds_count"
    first = scrape(client)
    assert value(first, "tidequeue_hall_waiting", hall="demo") == 1
    take(client, "B")
    again = scrape(client)
    # Scraped again at once: the gauges of the read just made, and no new read of any hall.
    assert value(again, "tidequeue_hall_waiting", hall="demo") == 1
    assert value(again, reads, script="waiting_now") == value(first, reads, script="waiting_now") == 2
    clock.moment += HALL_GAUGES_FRESH
    later = scrape(client)
    assert value(later, "tidequeue_hall_waiting", hall="demo") == waiting_in_demo(client) == 2
    assert value(later, reads, script="waiting_now") == 4  # one read per hall


def test_a_screen_and_a_phone_are_counted_while_connected_and_the_events_they_get(client: TestClient) -> None:
    ticket = take(client, "A")
    connections = "tidequeue_websocket_connections"
    with (
        client.websocket_connect("/ws/halls/demo") as screen,
        client.websocket_connect(f"/ws/tickets/{ticket['id']}") as phone,
    ):
        assert screen.receive_json()["type"] == "snapshot"
        assert phone.receive_json()["event"] == "snapshot"
        open_now = scrape(client)
        assert value(open_now, connections, kind="hall") == 1
        assert value(open_now, connections, kind="ticket") == 1

        assert act(client, 1, "call-next").status_code == 200
        called = screen.receive_json()
        assert called["type"] == "called"  # one event, to the screen and to the phone
        assert phone.receive_json()["ticket"]["state"] == "called"
        assert value(scrape(client), "tidequeue_events_fanned_out_total") == 2
    closed = scrape(client)
    assert value(closed, connections, kind="hall") == 0
    assert value(closed, connections, kind="ticket") == 0


def test_metrics_are_refused_to_the_internet_in_both_languages(app: Starlette) -> None:
    with TestClient(app, client=("203.0.113.7", 40000)) as outsider:
        refused = outsider.get("/metrics")
        assert refused.status_code == 403
        body = refused.json()
        assert body["error"] == "metrics_forbidden"
        assert "大厅内网" in body["message"] and "trusted networks" in body["message_en"]
        assert "tidequeue_" not in refused.text
        assert outsider.get("/metrics", headers={"Authorization": "Bearer guessed"}).status_code == 403
        assert outsider.get("/metrics", headers=ADMIN).status_code == 200  # the supervisors' token opens it
        documented = outsider.get("/openapi.json").json()["paths"]["/metrics"]["get"]
        assert "metrics_forbidden" in documented["responses"]["403"]["content"]["application/json"]["examples"]
    with TestClient(app, client=("127.0.0.1", 40000)) as proxy:
        # A proxy on this machine the halls do not trust, passing on someone from the internet: not local.
        assert proxy.get("/metrics", headers={"X-Forwarded-For": "198.51.100.4"}).status_code == 403
        assert proxy.get("/metrics").status_code == 200  # this machine itself


def test_the_embedded_redis_dying_and_coming_back_is_counted(keeper: RedisKeeper, config_dir: Path) -> None:
    clock = StoppedClock(MORNING)
    app = create_app(load_halls(config_dir), keeper.redis.url, clock, background=False, redis_state=keeper.state)
    errors, reconnects = "tidequeue_redis_errors_total", "tidequeue_redis_reconnects_total"
    with TestClient(app, raise_server_exceptions=False, client=("127.0.0.1", 50000)) as client:
        assert value(scrape(client), "tidequeue_hall_waiting", hall="demo") == 0
        good = list(keeper.redis._args)
        keeper.redis._args = [*good, "--no-such-option", "yes"]  # its restarts fail until the test says
        assert keeper.redis.process is not None
        os.kill(keeper.redis.process.pid, signal.SIGKILL)
        assert keeper.wait(lambda state: state.attempts >= 1, 10), keeper.state()

        clock.moment += HALL_GAUGES_FRESH  # past the last read of the halls
        down = scrape(client)  # /metrics still answers while Redis is down: that is when it matters
        assert value(down, errors, source="embedded_redis") == 1
        assert value(down, reconnects, source="embedded_redis") == 0
        assert value(down, "tidequeue_hall_waiting", hall="demo") is None  # left out rather than shown stale

        keeper.redis._args = good
        assert keeper.wait(lambda state: state.up, 15), keeper.state()
        back = scrape(client)
        assert value(back, errors, source="embedded_redis") == 1
        assert value(back, reconnects, source="embedded_redis") == 1
        assert value(back, "tidequeue_hall_waiting", hall="demo") == 0


def test_the_shipped_alerting_rules_are_yaml_and_name_only_metrics_the_server_shows(client: TestClient) -> None:
    yaml: Any = pytest.importorskip("yaml")  # PyYAML, when the environment has it (not a dependency of ours)
    take(client, "A")
    act(client, 1, "call-next")
    shown = {name for name, _ in scrape(client)}
    rules = [rule for group in yaml.safe_load(ALERTS.read_text(encoding="utf-8"))["groups"] for rule in group["rules"]]
    assert len(rules) >= 5
    watched: set[str] = set()
    for rule in rules:
        assert {"alert", "expr", "labels", "annotations"} <= set(rule), rule
        assert rule["labels"]["severity"] in ("page", "ticket"), rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        named = set(re.findall(r"\b(?:tidequeue|process)_[a-z_]+", rule["expr"]))
        assert named <= shown, f"{rule['alert']}: {sorted(named - shown)} not in /metrics"
        watched |= named
    assert {"tidequeue_redis_errors_total", "tidequeue_hall_longest_wait_seconds"} <= watched


@pytest.mark.process
def test_a_real_server_process_counts_its_own_channels(live_server: ServerProcess) -> None:
    ticket = live_server.take("A")

    def connections() -> float | None:
        answer = httpx2.get(f"{live_server.url}/metrics")
        assert answer.status_code == 200
        return value(samples_of(answer.text), "tidequeue_websocket_connections", kind="ticket")

    ws_url = live_server.url.replace("http://", "ws://") + f"/ws/tickets/{ticket['id']}"
    with connect(ws_url, open_timeout=10) as phone:
        assert '"snapshot"' in str(phone.recv(timeout=10))
        assert connections() == 1
    # The server notices the phone has gone on its own time: ask until it has, or give up after a while.
    deadline = time.monotonic() + 10
    while connections() != 0:
        assert time.monotonic() < deadline, "the closed channel is still counted"
