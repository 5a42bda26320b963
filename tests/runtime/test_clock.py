"""The server's clock: shifted for demos, moved forward by tests, and the timers that wait on it."""

from __future__ import annotations

import ast
import asyncio
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from queue_server.config.loader import load_halls
from queue_server.runtime.clock import Clock
from queue_server.server.app import create_app
from tests.server_process import LineReadingProcess, run_start

START = datetime(2026, 11, 24, 16, 59, 50, tzinfo=UTC)


def test_a_shifted_clock_runs_from_its_start() -> None:
    clock = Clock(START)
    assert clock.shifted
    assert timedelta(0) <= clock.now() - START < timedelta(seconds=5)
    with pytest.raises(ValueError, match="UTC offset"):
        Clock(datetime(2026, 11, 24, 17, 0))


def test_the_clock_moves_forward_only() -> None:
    clock = Clock(START)
    moved = clock.advance(timedelta(minutes=10))
    assert moved - START >= timedelta(minutes=10)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(timedelta(seconds=-1))


async def test_a_timer_wakes_when_the_clock_is_moved_past_its_end() -> None:
    clock = Clock(START)
    woke = asyncio.Event()

    async def timer() -> None:
        await clock.sleep(3600)  # an hour of the clock's time
        woke.set()

    task = asyncio.create_task(timer())
    await asyncio.sleep(0)
    clock.advance(timedelta(minutes=30))
    await asyncio.sleep(0)
    assert not woke.is_set()  # half an hour is not enough: it sleeps on
    clock.advance(timedelta(minutes=31))
    await asyncio.wait_for(woke.wait(), 5)
    await task


async def test_a_timer_runs_out_in_real_time_too() -> None:
    clock = Clock(START)
    await asyncio.wait_for(clock.sleep(0.01), 5)
    await asyncio.wait_for(clock.sleep_until(START - timedelta(days=1)), 5)  # already past: at once


def test_the_test_hook_is_absent_unless_asked_for(redis_url: str, config_dir: Path) -> None:
    halls = load_halls(config_dir)
    app = create_app(halls, redis_url, Clock(START), background=False)
    with TestClient(app) as client:
        assert client.post("/_test/clock", json={"seconds": 60}).status_code == 404
    app = create_app(halls, redis_url, Clock(START), background=False, test_hooks=True)
    with TestClient(app) as client:
        moved = client.post("/_test/clock", json={"seconds": 600})
        assert moved.status_code == 200
        assert datetime.fromisoformat(moved.json()["now"]) - START >= timedelta(minutes=10)
        for bad in ({"seconds": -5}, {"seconds": "soon"}, {}, {"seconds": float("inf")}):
            refused = client.post("/_test/clock", content=json.dumps(bad))
            assert (refused.status_code, refused.json()["error"]) == (422, "invalid_body")


def test_the_server_refuses_test_hooks_on_a_public_address(tmp_path: Path) -> None:
    env = {**os.environ, "TIDEQUEUE_TEST_HOOKS": "1"}
    args = [sys.executable, "-m", "queue_server.server.cli", "--host", "0.0.0.0", "--data-dir", str(tmp_path)]
    with LineReadingProcess(args, env=env) as server:
        assert server.process.wait(30) == 2
        assert "TIDEQUEUE_TEST_HOOKS=1 is for tests on loopback" in server.output


def test_the_run_start_moves_with_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIDEQUEUE_TEST_NOW", "2026-12-01T02:59:50+08:00")
    assert run_start().isoformat() == "2026-12-01T02:59:50+08:00"
    monkeypatch.setenv("TIDEQUEUE_TEST_NOW", "2026-12-01T02:59:50")
    with pytest.raises(ValueError, match="UTC offset"):
        run_start()


def test_no_test_reads_the_real_clock_but_through_the_run_start() -> None:
    """The moved-clock runs in CI only prove something if every test's "now" comes from ``run_start``."""
    tests = Path(__file__).resolve().parent.parent
    readers = []
    for path in sorted(tests.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = ast.unparse(node.func)
            bare_clock = name == "Clock" and not node.args and not node.keywords
            if bare_clock or name in ("datetime.now", "date.today", "time.time", "datetime.utcnow"):
                readers.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
    assert readers == []
