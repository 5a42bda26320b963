"""Two server apps on one Redis, with their timers on: each hall's business-day keeper and tidal controller runs in
exactly one of them, the halls spread over both, and a stopping app hands its halls to the other at once."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from queue_server.config.loader import load_halls
from queue_server.server.app import create_app
from queue_server.server.cli import TEST_LEASE_MS
from queue_server.server.leased_work import Steward
from queue_server.store import keys
from tests.conftest import MORNING, StoppedClock, make_hall
from tests.redis_cluster import sync_client
from tests.server_process import ServerProcess

HALLS = {f"hall-{n}": make_hall(f"hall-{n}") for n in range(6)}  # each with a tidal window
DUTIES = {(hall, duty) for hall in HALLS for duty in ("business_day", "tidal")}
LEASE_MS = 600  # renewed every 200 ms


def server(redis_url: str) -> TestClient:
    return TestClient(create_app(HALLS, redis_url, clock=StoppedClock(MORNING), lease_ms=LEASE_MS))


def running(client: TestClient) -> set[tuple[str, str]]:
    """The duties whose task runs in this app (read from the test's thread while the app's own changes it)."""
    steward: Steward = client.app.state.steward  # type: ignore[attr-defined]
    while True:
        try:
            return {duty for duty, task in list(steward.running.items()) if not task.done()}
        except RuntimeError:  # changed while being read: read again
            continue


def token(client: TestClient) -> str:
    steward: Steward = client.app.state.steward  # type: ignore[attr-defined]
    return steward.crew.token


@pytest.fixture
def holders(redis_url: str) -> Iterator[dict[tuple[str, str], str | None]]:
    """Who holds each lease, as Redis says, read afresh at each look."""
    redis = sync_client(redis_url, decode_responses=True)
    redis.flushall()

    class Holders(dict[tuple[str, str], str | None]):
        def __getitem__(self, duty: tuple[str, str]) -> str | None:
            value = redis.get(keys.lease(*duty))
            return str(value) if value is not None else None

    yield Holders()
    redis.close()


def until(condition: object, timeout: float = 15) -> None:
    # Each look asks Redis, which paces the loop; the timeout only bounds a failure.
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the leases did not settle in time"


def settled(clients: list[TestClient], holders: dict[tuple[str, str], str | None]) -> bool:
    """Every duty runs in exactly the app that holds its lease in Redis, and in no other."""
    tokens = {token(c): running(c) for c in clients}
    held = {duty: holders[duty] for duty in DUTIES}
    return all(held[duty] in tokens and duty in tokens[held[duty] or ""] for duty in DUTIES) and sum(
        len(r) for r in tokens.values()
    ) == len(DUTIES)


def test_each_hall_duty_runs_in_one_app_and_the_halls_spread(
    redis_url: str, holders: dict[tuple[str, str], str | None]
) -> None:
    with server(redis_url) as first:
        until(lambda: settled([first], holders))
        assert running(first) == DUTIES  # alone, it runs every hall's keeper and controller
        with server(redis_url) as second:
            until(lambda: settled([first, second], holders) and running(first) and running(second))
            # Once both are up, each runs half the halls' duties, and nothing runs twice.
            assert len(running(first)) == len(running(second)) == len(DUTIES) // 2
            assert running(first).isdisjoint(running(second))
            by_second = running(second)
        # The second stopped and released its leases (tests/store/test_leases.py: taken up at once): the first
        # runs every hall's duties again.
        until(lambda: settled([first], holders))
        assert by_second <= running(first) == DUTIES


@pytest.mark.process
def test_a_killed_process_halls_pass_to_the_other(
    tmp_path: Path, redis_url: str, config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two real ``queue-server`` processes share the demo halls' duties; killed without a word (SIGKILL), one
    leaves its leases to run out, and the other then runs every hall's duties."""
    monkeypatch.setenv(TEST_LEASE_MS, "1000")  # the killed process's leases run out after 1 s instead of 45
    halls = load_halls(config_dir)
    expected = sum(
        1 + bool(h.sessions) + any(w.tidal for w in h.windows) + (h.appointments is not None) for h in halls.values()
    )
    redis = sync_client(redis_url, decode_responses=True)
    redis.flushall()

    def pids() -> list[int]:
        """The process holding each lease, by the pid in its value (``host:pid:random``)."""
        return [int(str(redis.get(key) or "0:0").split(":")[1]) for key in redis.keys("tq:*:lease")]

    with (
        ServerProcess(tmp_path / "a", redis_url=redis_url) as one,
        ServerProcess(tmp_path / "b", redis_url=redis_url) as two,
    ):
        one.ready(), two.ready()
        both = {one.process.pid, two.process.pid}
        until(lambda: len(held := pids()) == expected and set(held) == both, timeout=30)
        one.stop(signal.SIGKILL)
        until(lambda: pids() == [two.process.pid] * expected, timeout=30)
        two.wait_for("demo: this process now runs the tidal controller")
