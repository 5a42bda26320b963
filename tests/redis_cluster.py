"""A real 3-master Redis Cluster on loopback for tests, from Debian's ``redis-server``, and clients for either kind.

Each master is a ``redis-server`` child with ``cluster-enabled yes`` on a free port, its ``nodes.conf`` in a
temporary folder. The slots are assigned by hand (``CLUSTER ADDSLOTSRANGE``, a third to each) and the nodes
introduced with ``CLUSTER MEET``: quicker than ``redis-cli --cluster create``, which waits a second or more on
its own. Ready when every node says ``cluster_state:ok``, polled with a deadline.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import redis
from redis.cluster import ClusterNode
from redis.cluster import RedisCluster as SyncRedisCluster

from queue_server.store.embedded_redis import _die_with_parent, find_redis_server, free_port
from queue_server.store.redis_client import cluster_address, is_cluster

MASTERS = 3
SLOTS = 16384


class RedisClusterProcesses:
    """Three cluster-enabled ``redis-server`` children holding all 16384 slots between them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ports: list[int] = []
        self.processes: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{port}" for port in self.ports)

    def start(self, timeout: float = 20.0) -> str:
        try:
            for _ in range(MASTERS):
                self._launch()
            self._form(timeout)
        except BaseException:
            self.stop()
            raise
        return self.url

    def _launch(self) -> None:
        port = cluster_port()
        folder = self.folder / str(port)
        folder.mkdir(parents=True)
        args = [
            find_redis_server(), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
            "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "5000",
            "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", str(folder / "redis.log"),
        ]  # fmt: skip
        # Stopped by the kernel too if the test run dies without stopping it (as the embedded Redis is).
        process = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, preexec_fn=_die_with_parent()
        )
        self.processes.append(process)
        self.ports.append(port)

    def _form(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        clients = [redis.Redis(port=port, socket_timeout=2, decode_responses=True) for port in self.ports]
        try:
            for client, process, port in zip(clients, self.processes, self.ports, strict=True):
                _until(
                    deadline, lambda c=client, p=process, n=port: self._answers(c, p, n), "each node answers", process
                )
            share = SLOTS // MASTERS
            for i, client in enumerate(clients):
                last = SLOTS - 1 if i == MASTERS - 1 else (i + 1) * share - 1
                client.cluster("ADDSLOTSRANGE", i * share, last)
            for port in self.ports[1:]:
                clients[0].cluster("MEET", "127.0.0.1", port)
            for client in clients:
                ok = lambda c=client: c.cluster("INFO")["cluster_state"] == "ok"  # noqa: E731
                _until(deadline, ok, "cluster_state:ok", self.processes[0])
        finally:
            for client in clients:
                client.close()

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()

    def _answers(self, client: redis.Redis, process: subprocess.Popen[bytes], port: int) -> bool:
        if process.poll() is not None:
            log = (self.folder / str(port) / "redis.log").read_text(errors="replace").splitlines()[-5:]
            raise AssertionError("a test Redis Cluster node exited at start-up:\n" + "\n".join(log))
        try:
            return bool(client.ping())
        except (redis.ConnectionError, OSError):
            return False


def cluster_port() -> int:
    """A free loopback port for a cluster node: at most 55535, with its cluster bus port (10000 higher) free too."""
    while True:
        port = free_port()
        if port <= 55535:
            with socket.socket() as bus:
                try:
                    bus.bind(("127.0.0.1", port + 10000))
                except OSError:
                    continue
            return port


def _until(deadline: float, condition: Any, what: str, node: subprocess.Popen[bytes]) -> None:
    """Wait for ``condition``, which Redis announces no other way, looking again every 20 ms: the wait between
    looks is on the node's own exit, so a node that dies is seen at once (the next look says why)."""
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"the test Redis Cluster did not reach {what} in time")
        with contextlib.suppress(subprocess.TimeoutExpired):
            node.wait(timeout=0.02)


def sync_client(url: str, **options: Any) -> redis.Redis:
    """A blocking client for either kind of REDIS_URL (tests set up and look at Redis with it)."""
    if is_cluster(url):
        where = cluster_address(url)
        nodes = [ClusterNode(host, port) for host, port in where.nodes]  # type: ignore[no-untyped-call]
        cluster = SyncRedisCluster(startup_nodes=nodes, username=where.username, password=where.password, **options)
        return cluster  # type: ignore[return-value]  # answers the commands the tests send, like one Redis
    return redis.Redis.from_url(url, **options)


# The kinds of Redis a test folder may run on: its conftest parametrizes ``redis_url`` over them.
REDIS_KINDS = ["single", "cluster"]


def node_clients(url: str) -> list[redis.Redis]:
    """A plain client for each node REDIS_URL names (one for a single Redis), for what must reach every node."""
    if is_cluster(url):
        where = cluster_address(url)
        return [
            redis.Redis(host=host, port=port, username=where.username, password=where.password)
            for host, port in where.nodes
        ]
    return [redis.Redis.from_url(url)]
