"""Start-up on REDIS_URL says in one line, within seconds, when the Redis is not the kind the URL names: a cluster
URL at a single Redis or at nothing, a single-node URL at a node of a cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

from queue_server.store.embedded_redis import free_port
from tests.server_process import ServerProcess

pytestmark = pytest.mark.process


def start_and_fail(tmp_path: Path, redis_url: str) -> str:
    with ServerProcess(tmp_path / "var", redis_url=redis_url) as server:
        assert server.process.wait(30) == 1
    assert "Traceback" not in server.output
    lines = [line for line in server.output.splitlines() if line.startswith("queue-server: ")]
    assert len(lines) == 1, server.output
    return lines[0]


def test_a_cluster_url_at_a_single_redis_says_so(tmp_path: Path, single_redis_url: str) -> None:
    node = single_redis_url.removeprefix("redis://").split("/")[0]
    line = start_and_fail(tmp_path, f"redis+cluster://{node}")
    assert f"but {node} is a single Redis, not a cluster node; use REDIS_URL=redis://host:port" in line


def test_a_single_url_at_a_cluster_node_says_so(tmp_path: Path, cluster_redis_url: str) -> None:
    node = cluster_redis_url.removeprefix("redis+cluster://").split(",")[1]
    line = start_and_fail(tmp_path, f"redis://{node}/0")
    assert "is a node of a Redis Cluster; use REDIS_URL=redis+cluster://host:port" in line


def test_a_cluster_url_where_nothing_answers_says_so(tmp_path: Path) -> None:
    first, second = free_port(), free_port()
    line = start_and_fail(tmp_path, f"redis+cluster://127.0.0.1:{first},127.0.0.1:{second}")
    assert "cannot reach the Redis Cluster in REDIS_URL" in line
    assert f"127.0.0.1:{first}: Error 111" in line and f"127.0.0.1:{second}: Error 111" in line
