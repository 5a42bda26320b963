"""The queue-server a benchmark measures: starting and stopping one, reading its log, and plain HTTP to it.

A server of the benchmark's own runs ``queue-server`` (or a launcher's command with the same options) on a free
loopback port, with a temporary data dir, no ``REDIS_URL`` (so it starts its own embedded redis-server) and a
random ``QUEUE_ADMIN_TOKEN``. It counts as ready once it answers ``GET /api/ping``, is stopped with SIGTERM, and
writes its output to a log file that the report scans for errors. A server given by URL must be on a loopback
address: a benchmark never loads another machine.

``prog`` in the signatures is the script's name, which starts every message these functions print or exit with.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import ipaddress
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

READY_TIMEOUT = 30.0  # seconds a server may take to answer /api/ping after it was started


@dataclass
class Server:
    host: str
    port: int
    token: str
    pid: int | None = None  # for /proc: the process this script started, or the one given with --server-pid
    process: subprocess.Popen[bytes] | None = None  # only when this script started it
    command: list[str] = field(default_factory=list)
    log: Path | None = None
    gc_log: Path | None = None  # a launcher's record of the server's garbage collections

    @property
    def hall_url(self) -> str:
        return f"ws://{self.host}:{self.port}/ws/halls/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def kiosk_config(source: Path, dest: Path, hall: str) -> str:
    """Copy the hall files in ``source`` to ``dest``, the hall ``hall`` trusting one new device token (a kiosk's)
    and no longer this machine's address, so that tickets go through the token check; returns the token."""
    token = secrets.token_urlsafe(24)
    digest = hashlib.sha256(token.encode()).hexdigest()
    dest.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        if tomllib.loads(text).get("hall", {}).get("id") == hall:
            text, found = re.subn(r"(?m)^\[access\]\n", "[access]\n", text)
            if not found:
                text += "\n[access]\n"
            text = re.sub(r"(?m)^networks\s*=.*\n", "", text)
            text = text.replace("[access]\n", f'[access]\ndevice_tokens = ["{digest}"]\n', 1)
        (dest / path.name).write_text(text, encoding="utf-8")
    return token


def server_command() -> list[str]:
    """``queue-server`` as installed beside this Python, or its module when the script is missing."""
    script = Path(sys.executable).with_name("queue-server")
    return [str(script)] if script.exists() else [sys.executable, "-m", "queue_server.server.cli"]


def start_server(
    prog: str,
    data_dir: Path,
    config: Path,
    log_level: str | None,
    grace: float,
    launcher: Sequence[str] = (),
    gc_log: Path | None = None,
) -> Server:
    """Start ``launcher`` (default: ``queue-server``) with a port, data dir and config; return once it is ready.

    Its log goes to ``data_dir/server.log``, its Redis data under ``data_dir/redis``. ``grace``: how long it
    may take to stop should it not become ready (see ``stop_server``).
    """
    port = free_port()
    token = secrets.token_urlsafe(24)
    command = [*(launcher or server_command()), "--port", str(port), "--data-dir", str(data_dir / "redis")]
    command += ["--config", str(config)]
    if log_level:
        command += ["--log-level", log_level]
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["QUEUE_ADMIN_TOKEN"] = token
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    server = Server("127.0.0.1", port, token, process.pid, process, command, log, gc_log)
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        if process.poll() is not None:
            raise SystemExit(f"{prog}: the server exited at start-up:\n{tail(log)}")
        with contextlib.suppress(OSError, http.client.HTTPException, ValueError):
            if get_json(server.host, server.port, "/api/ping", timeout=1) == {"pong": True}:
                return server
        if time.monotonic() > deadline:
            stop_server(server, prog, grace)
            raise SystemExit(f"{prog}: the server did not answer /api/ping within {READY_TIMEOUT:g} s:\n{tail(log)}")
        time.sleep(0.1)  # polling a child that gives no other sign of readiness


def stop_server(server: Server, prog: str, grace: float) -> int | None:
    """SIGTERM the server this script started, killing it after ``grace`` seconds; its exit status."""
    process = server.process
    if process is None:
        return None
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            print(f"{prog}: the server ignored SIGTERM for {grace:g} s; killing it", file=sys.stderr)
            process.kill()
            process.wait()
    return process.returncode


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def logged_errors(log: Path | None, start: int = 0, end: int | None = None, limit: int = 5) -> dict[str, int]:
    """The most frequent ERROR/CRITICAL messages (numbers folded) in bytes ``start:end`` of the server's log.

    A message followed by a traceback gets the traceback's last line (the exception) appended.
    """
    counts: Counter[str] = Counter()
    try:
        lines = log.read_bytes()[start:end].decode(errors="replace").splitlines() if log else []
    except OSError:
        return {}
    record = re.compile(r"\d{4}-\d\d-\d\d |[A-Z]+:")  # how a line of either of the server's log formats starts
    message = exception = ""
    for line in [*lines, "END:"]:
        if message and not record.match(line):
            exception = line.strip() or exception
            continue
        if message:
            # one entry for all windows, ports, ...
            counts[re.sub(r"\d+", "N", message + (f" -- {exception}" if exception else ""))] += 1
        level = " ERROR " if " ERROR " in line else " CRITICAL " if " CRITICAL " in line else ""
        message = exception = ""
        if level or line.startswith(("ERROR:", "CRITICAL:")):
            message = line.partition(level)[2].strip() if level else line.strip()
    return dict(counts.most_common(limit))


def get_json(host: str, port: int, path: str, timeout: float = 10) -> Any:
    client = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        client.request("GET", path)
        answer = client.getresponse()
        body = answer.read()
        if answer.status != 200:
            raise ValueError(f"GET {path} answered {answer.status}: {body[:200]!r}")
        return json.loads(body)
    finally:
        client.close()


def loopback_address(prog: str, url: str) -> tuple[str, int]:
    """(address, port) of a ``--server`` URL; exits unless every address it resolves to is a loopback one."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise SystemExit(f"{prog}: --server must be an http:// URL, not {url!r}")
    host = parts.hostname
    infos = socket.getaddrinfo(host, parts.port or 80, type=socket.SOCK_STREAM)
    address = str(infos[0][4][0])
    if not all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos):
        raise SystemExit(f"{prog}: only loopback servers may be loaded; {host} is {address}")
    return address, parts.port or 80
