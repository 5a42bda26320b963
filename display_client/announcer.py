"""The voice announcer (语音叫号): follows a hall's event channel and speaks every call, in order, once.

Two tasks share one queue. The reader keeps the WebSocket open (reconnecting with backoff and ``?since=`` the
last event it read) and turns each ``called``/``recalled`` event into an announcement; every other event goes
into the queue as a bare checkpoint. The speaker task takes one item at a time and hands announcements to a
single worker thread, so speech never blocks the reader and no announcement cuts off another. A failed
announcement stays at the head of the queue and is tried again; the cause is reported once. With a state file,
the id of the last item finished is kept on disk, so a restarted announcer resumes after it instead of
repeating.

A ``snapshot`` (the server could not resume from our id, or we had none) moves us to its event id and says
nothing: the calls it lists happened while we were away, and announcing them late would send people to windows
that have moved on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote, urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus, WebSocketException

from display_client.speaker import Speaker, SpeechError
from queue_server.core.announcement import alert_text, announcement_text, tidal_text, wav_name

log = logging.getLogger("tidequeue.announcer")

SILENCE_LIMIT = 45  # seconds without a message (the server sends a heartbeat every 15 s): the link is dead
OPEN_TIMEOUT = 10
RETRY_SPEECH_SECONDS = 5.0
ANNOUNCED = ("called", "recalled")
TIDAL = ("tidal_opened", "tidal_closed")  # 潮汐窗口 switches are announced too
ALERT = "alert"  # and the call for back-office staff (后台力量) to open a reserve window


class UnknownHall(Exception):
    """The server does not have the hall: no retry will help."""


def channel_url(server: str, hall: str, since: str | None) -> str:
    """``http://host:8000`` → ``ws://host:8000/ws/halls/demo?since=…`` (https → wss; ws/wss kept)."""
    parts = urlsplit(server)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    path = f"{parts.path.rstrip('/')}/ws/halls/{quote(hall, safe='')}"
    return urlunsplit((scheme, parts.netloc, path, f"since={since}" if since else "", ""))


def fetch_hall(server: str, hall: str) -> dict[str, Any]:
    """The hall's snapshot over HTTP, or {} when the server cannot be asked."""
    parts = urlsplit(server)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    url = urlunsplit((scheme, parts.netloc, f"{parts.path.rstrip('/')}/api/halls/{quote(hall, safe='')}", "", ""))
    try:
        with urllib.request.urlopen(url, timeout=OPEN_TIMEOUT) as response:
            snapshot = json.load(response)
    except (OSError, ValueError):
        return {}
    return snapshot if isinstance(snapshot, dict) else {}


def hall_templates(server: str, hall: str, snapshot: dict[str, Any] | None = None) -> dict[str, str]:
    """The announcement templates the hall's config sets (language → template); {} when the hall sets none or
    the server cannot be asked."""
    snapshot = fetch_hall(server, hall) if snapshot is None else snapshot
    templates = (snapshot.get("hall") or {}).get("announcement", {})
    return {str(k): str(v) for k, v in templates.items()} if isinstance(templates, dict) else {}


def service_names(snapshot: dict[str, Any], lang: str) -> dict[str, str]:
    """Category code → its name in the announcer's language, for announcing tidal windows."""
    key = "name_en" if lang == "en" else "name"
    return {str(c["code"]): str(c.get(key) or c["code"]) for c in snapshot.get("categories", []) if "code" in c}


def backoff(attempt: int) -> float:
    """Seconds to wait before reconnect attempt ``attempt`` (0, 1, …): 0.5, 1, 2, 4, 8, then 10."""
    return min(10.0, 0.5 * 2.0 ** min(attempt, 8))


@dataclass
class Announcement:
    event_id: str
    kind: str  # called | recalled
    number: str
    window: int
    at: datetime
    recalls: int
    text: str
    wav: Path | None = None  # chosen at the first attempt and kept for retries


def parse_at(value: object, now: datetime) -> datetime:
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return now
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def announcement_for(
    event: dict[str, Any],
    template: str | None,
    lang: str,
    now: datetime,
    max_age: float,
    names: dict[str, str] | None = None,
) -> Announcement | None:
    """The announcement an event asks for, or None: not a call, a tidal switch or an alert to the back office, or
    older than ``max_age`` seconds."""
    kind = event.get("type")
    if kind not in ANNOUNCED and kind not in TIDAL and kind != ALERT:
        return None
    window = int(event["window"])
    # A tidal switch or an alert has no ticket number; its file and log name it after the category instead.
    number = str(event["number"]) if kind in ANNOUNCED else f"{'alert' if kind == ALERT else 'tidal'}{event['service']}"
    at = parse_at(event.get("at"), now)
    if max_age and now - at > timedelta(seconds=max_age):
        log.warning("not announcing %s at window %s: it was called at %s, too long ago", number, window, at)
        return None
    name = (names or {}).get(str(event.get("service")), str(event.get("service")))
    if kind == ALERT:
        text = alert_text(window, name, lang)
    elif kind in TIDAL:
        text = tidal_text(window, name, kind == "tidal_opened", lang)
    else:
        text = announcement_text(template, number, window, lang)
    return Announcement(str(event["event_id"]), event["type"], number, window, at, int(event.get("recalls", 0)), text)


def read_state(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return None
    return text or None


def write_state(path: Path, event_id: str) -> None:
    part = path.with_name(f".{path.name}.part")
    part.write_text(event_id + "\n")
    os.replace(part, path)  # a crash leaves the old id or the new one, never half a line


class Announcer:
    """Follows one hall and announces its calls; ``run()`` until cancelled."""

    def __init__(
        self,
        server: str,
        hall: str,
        speaker: Speaker,
        *,
        template: str | None = None,
        lang: str = "zh",
        wav_dir: Path | None = None,
        play: bool = True,
        state_file: Path | None = None,
        max_age: float = 300,
        retry_seconds: float = RETRY_SPEECH_SECONDS,
        clock: Callable[[], datetime] | None = None,
        out: TextIO | None = None,
    ) -> None:
        self.server, self.hall, self.speaker = server, hall, speaker
        self.template, self.lang, self.wav_dir, self.play = template, lang, wav_dir, play
        self.hall_template: str | None = None  # the hall config's, used when no --template is given
        self.names: dict[str, str] = {}  # category code -> name, for tidal window announcements
        self.state_file, self.max_age, self.retry_seconds = state_file, max_age, retry_seconds
        # How far the server's clock is from ours (a server on --clock for a demo or a test): an event's age
        # is judged on the server's time, so its calls are not dropped as too old.
        self.skew = timedelta(0)
        self.clock = clock or (lambda: datetime.now(UTC) + self.skew)
        self.out = out or sys.stdout  # held now: the speech thread hides pyttsx3's own prints
        self.last_seen = read_state(state_file)  # the newest event read from the channel
        self.queue: asyncio.Queue[Announcement | str] = asyncio.Queue()
        self.failing: set[str] = set()  # kinds of speech failure already reported
        self.state_failing = False

    async def run(self) -> None:
        """Follow the hall and announce until cancelled (or the hall turns out not to exist)."""
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="speech") as worker:
            try:
                async with asyncio.TaskGroup() as group:
                    group.create_task(self.follow())
                    group.create_task(self.announce_all(worker))
            except BaseExceptionGroup as failed:
                unknown = failed.subgroup(UnknownHall)
                if unknown is not None:
                    raise unknown.exceptions[0] from None
                raise

    # The reader.

    async def follow(self) -> None:
        attempt = 0
        while True:
            url = channel_url(self.server, self.hall, self.last_seen)
            online = False
            try:
                async with connect(url, open_timeout=OPEN_TIMEOUT, max_size=2**24) as websocket:
                    online, attempt = True, 0
                    # The hall's own wording and category names may have changed while we were away.
                    snapshot = await asyncio.to_thread(fetch_hall, self.server, self.hall)
                    with contextlib.suppress(KeyError, TypeError, ValueError):  # an older server sends no time
                        self.skew = datetime.fromisoformat(snapshot["now"]) - datetime.now(UTC)
                    self.hall_template = hall_templates(self.server, self.hall, snapshot).get(self.lang)
                    self.names = service_names(snapshot, self.lang) or self.names
                    if self.last_seen:
                        log.info("following hall %s at %s, resuming after event %s", self.hall, url, self.last_seen)
                    await self.read(websocket)
            except (OSError, TimeoutError, WebSocketException, json.JSONDecodeError) as error:
                if isinstance(error, InvalidStatus) and error.response.status_code == 404:
                    raise UnknownHall(f"{self.server} has no hall channel at {url}") from None
                delay = backoff(attempt)
                attempt += 1
                if online:
                    log.warning("lost the connection to %s (%s); reconnecting in %g s", url, describe(error), delay)
                else:
                    log.warning(
                        "offline: cannot reach %s (%s); retrying in %g s", url, describe(error, OPEN_TIMEOUT), delay
                    )
                await asyncio.sleep(delay)

    async def read(self, websocket: ClientConnection) -> None:
        first = True
        while True:
            async with asyncio.timeout(SILENCE_LIMIT):
                raw = await websocket.recv()
            message = json.loads(raw)
            # Events that happened together come as one array, in order.
            for item in message if isinstance(message, list) else [message]:
                if isinstance(item, dict):
                    self.receive(item, first)
                    first = False

    def receive(self, message: dict[str, Any], first: bool) -> None:
        kind = message.get("type")
        if kind == "error":
            if message.get("error") == "unknown_hall":
                raise UnknownHall(f"the server has no hall {self.hall!r}")
            log.warning("the server says: %s", message.get("message") or message)
            return
        event_id = message.get("event_id")
        if not event_id:
            return  # a heartbeat
        if kind == "snapshot":
            if not first:
                log.warning("fell behind the hall and started again from a snapshot: some calls were not announced")
            elif self.last_seen:
                log.warning("could not resume after event %s: calls made meanwhile are not announced", self.last_seen)
            else:
                log.info("following hall %s from event %s", self.hall, event_id)
            self.last_seen = str(event_id)
            self.queue.put_nowait(self.last_seen)
            return
        self.last_seen = str(event_id)
        try:
            template = self.template or self.hall_template
            announcement = announcement_for(message, template, self.lang, self.clock(), self.max_age, self.names)
        except (KeyError, TypeError, ValueError) as error:
            log.warning("ignoring a %s event the announcer does not understand (%r): %s", kind, error, message)
            announcement = None
        self.queue.put_nowait(announcement or self.last_seen)

    # The speaker.

    async def announce_all(self, worker: ThreadPoolExecutor) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(worker, self.speaker.check)
        except SpeechError as error:
            self.report(error)
        while True:
            item = await self.queue.get()
            if isinstance(item, Announcement):
                await self.announce_until_done(item, worker)
            self.save_state(item if isinstance(item, str) else item.event_id)

    def save_state(self, event_id: str) -> None:
        if self.state_file is None:
            return
        try:
            write_state(self.state_file, event_id)
        except OSError as error:
            if not self.state_failing:
                log.error("cannot keep the last event in %s (%s): a restart may repeat calls", self.state_file, error)
            self.state_failing = True
        else:
            self.state_failing = False

    async def announce_until_done(self, item: Announcement, worker: ThreadPoolExecutor) -> None:
        while True:
            if await self.announce(item, worker):
                return
            log.debug("trying %s at window %s again in %g s", item.number, item.window, self.retry_seconds)
            await asyncio.sleep(self.retry_seconds)

    async def announce(self, item: Announcement, worker: ThreadPoolExecutor) -> bool:
        """Speak (and/or write) one announcement; False when it failed and should be tried again."""
        try:
            await asyncio.get_running_loop().run_in_executor(worker, self.speak, item)
        except SpeechError as error:
            self.report(error)
            return False
        except Exception as error:  # a fault in the speech stack must not end the announcer
            self.report(SpeechError(type(error).__name__, f"speech failed: {error!r}"))
            return False
        if self.failing:
            log.warning("speech works again")
            self.failing.clear()
        recall = f" {item.recalls}" if item.kind == "recalled" and item.recalls else ""
        written = f": {item.wav}" if item.wav else ""
        print(f"announced {item.number} at window {item.window} ({item.kind}{recall}){written}", file=self.out)
        self.out.flush()
        return True

    def speak(self, item: Announcement) -> None:
        """Runs in the speech thread."""
        if self.wav_dir is None:
            self.speaker.speak(item.text)
            return
        if item.wav is None:
            item.wav = unused(self.wav_dir / wav_name(item.at, item.number, item.window, item.recalls))
        self.speaker.render(item.text, item.wav)
        if self.play:
            self.speaker.play(item.wav)

    def report(self, error: SpeechError) -> None:
        if error.kind not in self.failing:
            self.failing.add(error.kind)
            log.error("cannot announce: %s (announcements wait and are tried again)", error)


def unused(path: Path) -> Path:
    """``path``, or ``name-2.wav``, ``name-3.wav`` … if a file of that name is already there."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def describe(error: BaseException, waited: float = SILENCE_LIMIT) -> str:
    if isinstance(error, TimeoutError):
        return f"no answer for {waited:g} s"
    return str(error) or type(error).__name__
