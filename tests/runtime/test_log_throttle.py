"""An outage of Redis costs a few lines of log: the throttle, and the supervisor that uses it."""

from __future__ import annotations

import asyncio
import logging

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from queue_server.runtime.log_throttle import LogThrottle
from queue_server.runtime.supervisor import supervise


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_first_failure_is_logged_then_one_per_period_with_the_count_of_the_rest() -> None:
    time = FakeTime()
    throttle = LogThrottle(60, time)
    assert throttle.admit() == 0
    assert [throttle.admit() for _ in range(500)] == [None] * 500
    time.now += 59.9
    assert throttle.admit() is None
    time.now += 0.1
    assert throttle.admit() == 501
    time.now += 3600  # a later outage starts with a line of its own
    assert throttle.admit() == 0


async def test_background_tasks_that_cannot_reach_redis_log_one_line_without_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, "tidequeue.tasks")
    throttle = LogThrottle(60, FakeTime())
    failed = 0
    enough = asyncio.Event()

    async def reader() -> None:
        nonlocal failed
        failed += 1
        if failed == 50:
            enough.set()
        raise RedisConnectionError("Error 111 connecting to unix socket: redis.sock. Connection refused.")

    tasks = [asyncio.create_task(supervise(f"reader {n}", reader, backoff=0, outage=throttle)) for n in range(3)]
    async with asyncio.timeout(10):
        await enough.wait()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    lines = [r for r in caplog.records if r.name == "tidequeue.tasks"]
    assert [(r.levelname, r.exc_info) for r in lines] == [("WARNING", None)]
    assert lines[0].getMessage() == (
        "reader 0 cannot reach Redis (Error 111 connecting to unix socket: redis.sock. Connection refused.); "
        "retrying every 0 s"
    )
