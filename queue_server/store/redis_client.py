"""REDIS_URL made into the server's Redis client: one Redis, or a Redis Cluster.

- ``redis://``, ``rediss://``, ``unix://``: one Redis, through a bounded pool that makes a request wait for a free
  connection rather than fail under a burst.
- ``redis+cluster://[user:password@]host:port[,host:port…]``: a Redis Cluster, through redis-py's
  ``RedisCluster``. The nodes listed are where it starts; it learns the others (and who owns which slot) from
  them, and follows the cluster when slots move.

Every key of a hall carries the hash tag ``{hall}`` (:mod:`queue_server.store.keys`), so a hall lives in one slot
of one master: each Lua script, which touches only its hall's keys, runs there atomically, and each hall's
stream is read with one ``XREAD`` on the node that holds it. The rest of the server uses the client it is
given and never asks which kind it is: ``RedisCluster`` answers every command the server sends (it is typed as
``Redis`` for that reason). It has no blocking pool: a node's full pool fails a request instead of making it wait.

:func:`check` is what start-up asks first: whether the Redis answers and is the kind the URL says, within
seconds, with one line that says what is wrong.
"""

from __future__ import annotations

import re
import time
from typing import NamedTuple, cast
from urllib.parse import quote, unquote, urlsplit

import redis
from limits.aio.storage import RedisClusterStorage, RedisStorage, Storage
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.backoff import NoBackoff
from redis.retry import Retry

CLUSTER_SCHEME = "redis+cluster"
CHECK_SECONDS = 8.0  # start-up's check of REDIS_URL gives up after this, whatever the nodes do
PASSWORD_IN_URL = re.compile(r"(\b[a-z+]+://[^:/@\s]*:)[^@\s]*@")
NO_RETRY = Retry(NoBackoff(), 0)  # a check says at once what it found; the server's own client retries
LIMITS_CONNECTIONS = 32  # per node, for the rate limiter's own cluster client


class RedisUnavailable(Exception):
    """REDIS_URL names a Redis that does not answer, or not the kind it says (a single node, a cluster)."""


def is_cluster(url: str) -> bool:
    return url.split("://", 1)[0].lower() == CLUSTER_SCHEME


class ClusterAddress(NamedTuple):
    """What a ``redis+cluster://`` URL says: where to start, and who to be."""

    nodes: list[tuple[str, int]]
    username: str | None = None
    password: str | None = None


def cluster_address(url: str) -> ClusterAddress:
    """The startup nodes of a ``redis+cluster://`` URL, and its username and password (when it gives them)."""
    parts = urlsplit(url)
    credentials, _, hosts = parts.netloc.rpartition("@")
    nodes: list[tuple[str, int]] = []
    for item in hosts.split(","):
        host, sep, port = item.strip().rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ValueError(f"{CLUSTER_SCHEME}:// lists nodes as host:port[,host:port…], not {item.strip()!r}")
        nodes.append((host.strip("[]"), int(port)))
    user, sep, password = credentials.partition(":")
    return ClusterAddress(nodes, unquote(user) or None, unquote(password) if sep else None)


async def connect(url: str, max_connections: int) -> Redis:
    """The async client for REDIS_URL, answering strings; ``max_connections`` bounds the pool (per node on a
    cluster). Closing the client (``aclose``) closes its connections too.

    A cluster client learns the slots before it is handed out: redis-py sends the commands it gets before that
    to any node, and the redirections (MOVED) that follow make it close connections other requests still use,
    which it then retries, so a script could run twice."""
    if is_cluster(url):
        where = cluster_address(url)
        cluster = RedisCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in where.nodes],
            username=where.username,
            password=where.password,
            max_connections=max_connections,
            decode_responses=True,
            # On MOVED, patch the slot it names instead of closing every connection (in use or not) every 5th time.
            reinitialize_steps=0,
        )
        await cluster.initialize()
        return cast(Redis, cluster)
    pool = BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=10, decode_responses=True, health_check_interval=30
    )
    return Redis.from_pool(pool)


def rate_limit_storage(url: str, client: Redis) -> Storage:
    """Where the ``limits`` library keeps its moving windows: on one Redis, the server's own pool; on a cluster, a
    cluster client of its own (limits makes it; close it with :func:`close_rate_limit_storage`). Each limit is
    one key, so its scripts fit a cluster."""
    if is_cluster(url):
        where = cluster_address(url)
        credentials = ""
        if where.username or where.password:
            credentials = f"{quote(where.username or '')}:{quote(where.password or '')}@"
        locations = ",".join(f"{host}:{port}" for host, port in where.nodes)
        return RedisClusterStorage(
            f"async+redis+cluster://{credentials}{locations}",
            implementation="redispy",
            max_connections=LIMITS_CONNECTIONS,
            reinitialize_steps=0,  # as the server's own client (see connect)
        )
    # (limits types its options as scalars, but passes connection_pool on to redis-py as documented)
    return RedisStorage(
        "async+redis://pool:6379",  # ignored: the pool is used
        implementation="redispy",
        connection_pool=client.connection_pool,  # type: ignore[arg-type]
    )


async def close_rate_limit_storage(storage: Storage) -> None:
    """Close the cluster client that limits made for itself (nothing to do on one Redis: the pool is the server's)."""
    if isinstance(storage, RedisClusterStorage):
        own = getattr(storage.bridge, "storage", None)  # limits keeps its client there and offers no close
        if isinstance(own, RedisCluster):
            await own.aclose()


def check(url: str, timeout: float = CHECK_SECONDS) -> str:
    """Ask the Redis of REDIS_URL whether it answers and is the kind the URL says; what it is (for the log).
    Raises :class:`RedisUnavailable` with one line that says what is wrong, within about ``timeout`` seconds."""
    try:
        if is_cluster(url):
            return _check_cluster(url, timeout)
        return _check_single(url, timeout)
    except RedisUnavailable:
        raise
    except (redis.RedisError, ValueError, OSError) as e:
        raise RedisUnavailable(f"cannot reach the Redis in REDIS_URL ({redacted(url)}): {_one_line(e)}") from None


def _check_single(url: str, timeout: float) -> str:
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout, retry=NO_RETRY)
    try:
        client.ping()
        cluster = client.info("cluster").get("cluster_enabled")
    finally:
        client.close()
    if str(cluster) == "1":
        # A node of a cluster holds only some halls: the others would fail with MOVED at every read.
        raise RedisUnavailable(
            f"the Redis in REDIS_URL ({redacted(url)}) is a node of a Redis Cluster; "
            f"use REDIS_URL={CLUSTER_SCHEME}://host:port[,host:port…]"
        )
    return f"Redis at {redacted(url)}"


def _check_cluster(url: str, timeout: float) -> str:
    where = cluster_address(url)
    deadline = time.monotonic() + timeout
    failures: list[str] = []
    for host, port in where.nodes:  # the first that answers as a cluster node tells about the whole cluster
        left = deadline - time.monotonic()
        if left <= 0:
            failures.append(f"{host}:{port}: no time left")
            continue
        client = redis.Redis(
            host=host,
            port=port,
            username=where.username,
            password=where.password,
            socket_connect_timeout=left,
            socket_timeout=left,
            retry=NO_RETRY,
            decode_responses=True,
        )
        try:
            if str(client.info("cluster").get("cluster_enabled")) != "1":
                raise RedisUnavailable(
                    f"REDIS_URL ({redacted(url)}) names a Redis Cluster, but {host}:{port} is a single Redis, not a "
                    "cluster node; use REDIS_URL=redis://host:port for it"
                )
            info = client.cluster("INFO")
        except (redis.RedisError, OSError) as e:
            failures.append(f"{host}:{port}: {_one_line(e)}")
            continue
        finally:
            client.close()
        state = info.get("cluster_state")
        if state != "ok":
            raise RedisUnavailable(
                f"the Redis Cluster at {host}:{port} (REDIS_URL {redacted(url)}) is not serving: cluster_state is "
                f"{state!r}, not 'ok' (are all 16384 slots assigned, and are its masters up?)"
            )
        return f"Redis Cluster at {redacted(url)} ({info.get('cluster_size', '?')} masters)"
    raise RedisUnavailable(f"cannot reach the Redis Cluster in REDIS_URL ({redacted(url)}): {'; '.join(failures)}")


def _one_line(error: BaseException) -> str:
    return redacted(" ".join(str(error).split()))


def redacted(text: str) -> str:
    """``text`` with the password of any Redis URL in it replaced by ``***``, for logs and errors."""
    return PASSWORD_IN_URL.sub(r"\1***@", text)
