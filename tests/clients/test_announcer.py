"""The voice announcer against a real server: every call heard in order, once, through restarts and failures."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import queue
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo

import httpx2
import pytest

from display_client.announcer import Announcer, announcement_for, backoff, channel_url
from display_client.speaker import Speaker
from queue_server.store.embedded_redis import free_port
from tests.clients.test_speech import assert_chime_first, assert_level, assert_speech
from tests.server_process import LineReadingProcess, ServerProcess

pytestmark = [pytest.mark.process, pytest.mark.speech]

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 22, 9, 30, tzinfo=SHANGHAI)
LINE = re.compile(r"announced (\w+) at window (\d+) \((called|recalled \d+)\)(?:: (.+))?")


# Pure parts.


@pytest.mark.parametrize(
    ("server", "since", "url"),
    [
        ("http://127.0.0.1:8000", None, "ws://127.0.0.1:8000/ws/halls/demo"),
        ("http://127.0.0.1:8000/", "1700000000000-3", "ws://127.0.0.1:8000/ws/halls/demo?since=1700000000000-3"),
        ("https://queue.example.gov.cn/tq", None, "wss://queue.example.gov.cn/tq/ws/halls/demo"),
        ("ws://10.0.0.5:8000", "5-0", "ws://10.0.0.5:8000/ws/halls/demo?since=5-0"),
    ],
)
def test_channel_url(server: str, since: str | None, url: str) -> None:
    assert channel_url(server, "demo", since) == url


def test_reconnects_back_off_to_ten_seconds() -> None:
    assert [backoff(n) for n in range(7)] == [0.5, 1, 2, 4, 8, 10, 10]
    assert backoff(10_000) == 10


def call_event(kind: str = "called", at: datetime = NOW, **extra: Any) -> dict[str, Any]:
    event = {"type": kind, "event_id": "9-0", "at": at.isoformat(), "number": "A023", "service": "A", "window": 5}
    return event | extra


@pytest.mark.parametrize(
    ("event", "max_age", "expected"),
    [
        (call_event(), 300, ("called", "A023", 5, 0, "请 A 0 2 3 号到 5 号窗口办理")),
        (call_event("recalled", recalls=2), 300, ("recalled", "A023", 5, 2, "请 A 0 2 3 号到 5 号窗口办理")),
        (call_event(at=NOW - timedelta(seconds=299)), 300, ("called", "A023", 5, 0, "请 A 0 2 3 号到 5 号窗口办理")),
        (call_event(at=NOW - timedelta(minutes=10)), 300, None),  # missed long ago while offline
        (call_event(at=NOW - timedelta(minutes=10)), 0, ("called", "A023", 5, 0, "请 A 0 2 3 号到 5 号窗口办理")),
        ({"type": "issued", "event_id": "9-0", "number": "A024", "service": "A"}, 300, None),
        ({"type": "completed", "event_id": "9-0", "number": "A023", "window": 5}, 300, None),
    ],
)
def test_which_events_are_announced(event: dict[str, Any], max_age: float, expected: tuple[Any, ...] | None) -> None:
    announcement = announcement_for(event, None, "zh", NOW, max_age)
    if expected is None:
        assert announcement is None
    else:
        assert announcement is not None
        got = (announcement.kind, announcement.number, announcement.window, announcement.recalls, announcement.text)
        assert got == expected


# The announcer as a real process.


@dataclass(frozen=True)
class Heard:
    number: str
    window: int
    kind: str
    wav: Path


class AnnouncerProcess(LineReadingProcess):
    """``display-client announce`` as a process: announcements on standard output, its log on standard error."""

    name = "the announcer"

    def __init__(self, *args: str) -> None:
        super().__init__([sys.executable, "-m", "display_client.cli", "announce", *args], stdout=True)

    def heard(self, timeout: float = 30) -> Heard:
        """The next announcement the announcer reports on standard output."""
        line = self.next_line("announcement", timeout, stdout=True)
        match = LINE.fullmatch(line)
        assert match, f"not an announcement line: {line!r}"
        return Heard(match[1], int(match[2]), match[3], Path(match[4]))

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        super().__exit__(kind, value, tb)
        assert not any("Traceback" in line for line in self.err), self.output


def take(server: ServerProcess, service: str) -> str:
    return str(server.take(service, hall="demo")["number"])


def clerk(server: ServerProcess, window: int, action: str = "call-next") -> str:
    return str(server.act(window, action, hall="demo")["ticket"]["number"])


def names(heard: list[Heard]) -> list[tuple[str, int, str]]:
    return [(h.number, h.window, h.kind) for h in heard]


def test_calls_are_announced_in_order_once_across_restarts(
    live_server: ServerProcess, redis_url: str, tmp_path: Path, artifacts: Path
) -> None:
    wav_dir, state = tmp_path / "wav", tmp_path / "announcer.state"
    args = ("--server", live_server.url, "--hall", "demo", "--wav-dir", str(wav_dir), "--state-file", str(state))
    with AnnouncerProcess(*args) as announcer:
        announcer.wait_for("following hall demo from event")
        assert [take(live_server, s) for s in "AAB"] == ["A001", "A002", "B001"]
        assert [clerk(live_server, 1), clerk(live_server, 2), clerk(live_server, 4)] == ["A001", "A002", "B001"]
        assert clerk(live_server, 1, "recall") == "A001"
        heard = [announcer.heard() for _ in range(4)]
        assert names(heard) == [
            ("A001", 1, "called"),
            ("A002", 2, "called"),
            ("B001", 4, "called"),
            ("A001", 1, "recalled 1"),
        ]
        patterns = [r"A001_w1", r"A002_w2", r"B001_w4", r"A001_w1_r1"]
        lengths = []
        for h, pattern in zip(heard, patterns, strict=True):
            assert re.fullmatch(rf"\d{{8}}-\d{{6}}_{pattern}\.wav", h.wav.name), h.wav.name
            assert h.wav.parent == wav_dir
            lengths.append(assert_speech(h.wav, 1.5, 9).seconds)
            assert_level(h.wav)  # the announcer's WAV files carry the default chime at a safe level
            assert_chime_first(h.wav)
        assert max(lengths) - min(lengths) < 0.3, lengths  # one sentence, one steady speed
        assert sorted(wav_dir.iterdir()) == sorted(h.wav for h in heard)
        shutil.copy(heard[0].wav, artifacts / "announcer_A001_w1.wav")

        # The server restarts on the same port and Redis; the announcer resumes where it was.
        assert live_server.stop() == 0
        announcer.wait_for("lost the connection")
        # Read now: once the new server is up, the announcer may resume and move its state on at any moment.
        resume_from = state.read_text().strip()
        with ServerProcess(tmp_path / "var2", redis_url=redis_url, port=live_server.port) as server:
            server.ready()
            # Made at once, so most likely while the announcer is still waiting to reconnect.
            assert (take(server, "A"), clerk(server, 2)) == ("A003", "A003")
            announcer.wait_for(f"resuming after event {resume_from}")
            fifth = announcer.heard()  # had any earlier call been repeated, it would come here
            assert names([fifth]) == [("A003", 2, "called")]
            assert (take(server, "B"), clerk(server, 5)) == ("B002", "B002")
            assert names([announcer.heard()]) == [("B002", 5, "called")]
            last_event = httpx2.get(f"{server.url}/api/halls/demo").json()["last_event_id"]
            assert len(list(wav_dir.glob("*.wav"))) == 6
            assert announcer.stop() == 0
            assert state.read_text().strip() == last_event
            assert all(LINE.fullmatch(line) for line in announcer.out), announcer.output  # no "Audio saved to"
            assert not any("could not resume" in line for line in announcer.err), announcer.output

            # A restarted announcer picks up after its state file and repeats nothing.
            with AnnouncerProcess(*args) as again:
                again.wait_for(f"resuming after event {last_event}")
                assert (take(server, "A"), clerk(server, 1)) == ("A004", "A004")
                assert names([again.heard()]) == [("A004", 1, "called")]
                assert again.stop() == 0
    assert len(list(wav_dir.glob("*.wav"))) == 7


def test_an_announcer_started_before_the_server_waits_for_it(redis_url: str, tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with AnnouncerProcess("--server", url, "--hall", "demo", "--wav-dir", str(tmp_path / "wav")) as announcer:
        assert "retrying in 0.5 s" in announcer.wait_for("offline: cannot reach")
        assert "retrying in 1 s" in announcer.wait_for("offline: cannot reach")
        with ServerProcess(tmp_path / "var", redis_url=redis_url, port=port) as server:
            server.ready()
            announcer.wait_for("following hall demo from event")
            number = take(server, "D")
            assert clerk(server, 9) == number
            heard = announcer.heard()
            assert (heard.number, heard.window) == (number, 9)
            assert_speech(heard.wav, 1.5, 8)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--hall", "nowhere"), "has no hall 'nowhere'"),
        (("--hall", "demo", "--template", "请 {name} 号"), "bad template"),
        (("--hall", "demo", "--chime", "/nonexistent/ding.wav"), "cannot read the chime"),
    ],
)
def test_a_wrong_setting_stops_with_a_plain_message(
    live_server: ServerProcess, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "display_client.cli", "announce", "--server", live_server.url, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done
    assert message in done.stderr
    assert "Traceback" not in done.stderr


# Speech failures, with the announcer in this process (on an event loop of its own, in a thread) so the test
# can mend the voice.


class LogWatch(logging.Handler):
    """The announcer's log records, for waiting on one."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.arrived: queue.Queue[None] = queue.Queue()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.arrived.put(None)

    def count(self, text: str) -> int:
        return sum(text in record.getMessage() for record in self.records)

    def wait(self, text: str, times: int = 1, timeout: float = 30) -> None:
        while self.count(text) < times:
            try:
                self.arrived.get(timeout=timeout)
            except queue.Empty:
                messages = "\n".join(r.getMessage() for r in self.records)
                raise AssertionError(f"no {text!r} within {timeout} s:\n{messages}") from None


@pytest.fixture
def log_watch() -> Iterator[LogWatch]:
    watch = LogWatch()
    logger = logging.getLogger("tidequeue.announcer")
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(watch)
    yield watch
    logger.removeHandler(watch)
    logger.setLevel(level)


@contextlib.contextmanager
def running(announcer: Announcer) -> Iterator[None]:
    """``announcer.run()`` on its own event loop in a thread, cancelled on the way out."""
    started: queue.Queue[tuple[asyncio.AbstractEventLoop, asyncio.Task[None]]] = queue.Queue()

    async def main() -> None:
        task = asyncio.current_task()
        assert task is not None
        started.put((asyncio.get_running_loop(), task))
        with contextlib.suppress(asyncio.CancelledError):
            await announcer.run()

    thread = threading.Thread(target=asyncio.run, args=(main(),), name="announcer")
    thread.start()
    loop, task = started.get(timeout=10)
    try:
        yield
    finally:
        loop.call_soon_threadsafe(task.cancel)
        thread.join(30)
        assert not thread.is_alive()


def test_a_speech_failure_is_reported_once_and_the_call_waits_for_speech(
    live_server: ServerProcess, tmp_path: Path, log_watch: LogWatch
) -> None:
    speaker = Speaker("no-such-voice")
    out = io.StringIO()
    announcer = Announcer(live_server.url, "demo", speaker, wav_dir=tmp_path, play=False, retry_seconds=0.05, out=out)
    with running(announcer):
        log_watch.wait("cannot announce: espeak-ng has no voice 'no-such-voice'")
        log_watch.wait("following hall demo from event")
        number = take(live_server, "A")
        assert clerk(live_server, 1) == number
        log_watch.wait(f"trying {number} at window 1 again", times=3)
        assert out.getvalue() == ""
        assert list(tmp_path.iterdir()) == []

        speaker.voice = "sit/cmn-latn-pinyin"  # what an operator's corrected setting would give
        log_watch.wait("speech works again")
    errors = [record.getMessage() for record in log_watch.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1, errors
    [line] = out.getvalue().splitlines()
    match = LINE.fullmatch(line)
    assert match and (match[1], match[2], match[3]) == (number, "1", "called"), line
    assert_speech(Path(match[4]), 1.5, 8)
