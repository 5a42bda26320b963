"""The embedded Redis's keeper against a real redis-server: killed, it comes back on the same address with its data;
stopped, it stays stopped; failing to start, it backs off and says so once."""

from __future__ import annotations

import logging
import os
import signal

import pytest
from redis import Redis

from queue_server.store.embedded_redis import EmbeddedRedis
from queue_server.store.redis_keeper import RedisKeeper, RedisState, how_it_ended, restart_delay
from tests.server_process import wait_until_gone


def pid_of(keeper: RedisKeeper) -> int:
    process = keeper.redis.process
    assert process is not None
    return process.pid


def test_restarts_back_off_up_to_a_cap() -> None:
    assert [restart_delay(n) for n in range(8)] == [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0]
    assert restart_delay(10_000) == 5.0
    assert how_it_ended(-9) == "signal 9, SIGKILL"
    assert how_it_ended(1) == "exit status 1"


def test_a_killed_redis_comes_back_on_the_same_address_with_its_data(
    keeper: RedisKeeper, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "tidequeue")
    url = keeper.redis.url
    client = Redis.from_url(url, decode_responses=True)
    client.set("ticket", "A001")
    first = pid_of(keeper)
    os.kill(first, signal.SIGKILL)
    assert keeper.wait(lambda state: state.up and state.restarts == 1, 10), keeper.state()
    assert keeper.redis.url == url
    assert client.get("ticket") == "A001"  # the same client: its connection pool reconnects by itself
    with pytest.raises(ChildProcessError):
        os.waitpid(first, os.WNOHANG)  # reaped already: no zombie left behind
    assert pid_of(keeper) != first
    state = keeper.state()
    assert (state.up, state.restarts, state.last_exit) == (True, 1, "signal 9, SIGKILL")
    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "tidequeue"]
    assert said[0] == ("WARNING", "embedded Redis exited (signal 9, SIGKILL); restarting from its append-only file")
    assert said[1][0] == "INFO" and said[1][1].startswith("embedded Redis is back after ")
    assert len(said) == 2
    client.close()


def test_stop_restarts_nothing_and_frees_the_data_dir(keeper: RedisKeeper) -> None:
    pid = pid_of(keeper)
    keeper.stop()
    assert wait_until_gone(pid, 5)
    assert keeper.redis.process is None
    assert keeper.state().restarts == 0
    again = EmbeddedRedis(keeper.redis.data_dir)  # the lock was released
    again.start()
    again.stop()


def test_a_stopping_server_does_not_restart_a_redis_that_the_same_signal_stopped(keeper: RedisKeeper) -> None:
    pid = pid_of(keeper)
    keeper.stopping()
    os.kill(pid, signal.SIGTERM)
    assert keeper._thread is not None
    keeper._thread.join(10)  # the keeper's thread ends once Redis has: it has nothing left to do
    assert not keeper._thread.is_alive()
    assert keeper.redis.process is not None and keeper.redis.process.poll() is not None
    assert (keeper.state().attempts, keeper.state().restarts) == (0, 0)


def test_a_redis_that_cannot_start_is_retried_with_backoff_and_reported_once(
    keeper: RedisKeeper, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, "tidequeue")
    good = list(keeper.redis._args)
    keeper.redis._args = [*good, "--no-such-option", "yes"]  # redis-server refuses to start
    os.kill(pid_of(keeper), signal.SIGKILL)

    def failing(state: RedisState) -> bool:
        return not state.up and state.attempts >= 4

    assert keeper.wait(failing, 15), keeper.state()  # 0.1 + 0.2 + 0.4 + 0.8 s of backoff, and the failures
    state = keeper.state()
    assert state.down_for >= 0.7 and state.last_exit == "signal 9, SIGKILL"
    keeper.redis._args = good
    assert keeper.wait(lambda state: state.up and state.restarts == 1, 15), keeper.state()
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 2, warnings  # the death, and the first failed restart with its reason
    assert "did not restart (attempt 1" in warnings[1] and "no-such-option" in warnings[1]
