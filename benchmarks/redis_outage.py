"""What a Redis outage costs: how long tickets are refused, and how much the server logs meanwhile.

Starts ``queue-server`` on a free loopback port with the repository's halls, has ``--clients`` kiosks take tickets
in the ``allday`` hall (each waits for its answer, and retries a 503 or a lost connection with the same
Idempotency-Key after ``--retry-pause`` seconds, as a kiosk would), kills its Redis with SIGKILL after
``--before`` seconds, keeps loading for ``--after`` seconds, then stops the server and reports:

- the server's log from the kill to the end: bytes, lines and tracebacks, and bytes per minute;
- the seconds from the kill to the first ticket issued by a request sent after it (service back), and the 503s;
- tickets acknowledged, and any number acknowledged twice.

By default the server runs its embedded Redis (no ``REDIS_URL``) and the kill is of that child process, which the
server may restart. ``--shared`` starts a redis-server of this script's own instead, hands it to the server in
``REDIS_URL`` and kills it for good: an outage that lasts the whole ``--after``, for a shared Redis.

Run it from the repository root; ``PYTHONPATH=<another checkout>`` measures that checkout's server instead::

    .venv/bin/python benchmarks/redis_outage.py --after 60
    .venv/bin/python benchmarks/redis_outage.py --after 60 --shared
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench_server import free_port, get_json, server_command

REPO = Path(__file__).resolve().parent.parent
SERVICES = "ABCDEFG"  # the allday hall's categories


@dataclass
class Kiosk:
    """One client's record: (sent, answered, status) per request, and the numbers it was given."""

    requests: list[tuple[float, float, int]] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)


def kiosk(port: int, index: int, stop: threading.Event, pause: float, into: Kiosk) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    k = 0
    while not stop.is_set():
        body = json.dumps({"service": SERVICES[(index + k) % len(SERVICES)]})
        headers = {"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex}
        k += 1
        while not stop.is_set():  # the same ticket until it is issued
            sent = time.monotonic()
            try:
                connection.request("POST", "/api/halls/allday/tickets", body, headers)
                answer = connection.getresponse()
                data = answer.read()
                status = answer.status
            except (OSError, http.client.HTTPException):
                connection.close()
                status = 0
            into.requests.append((sent, time.monotonic(), status))
            if status == 201:
                into.numbers.append(json.loads(data)["number"])
                break
            stop.wait(pause)
    connection.close()


def redis_child(server_pid: int) -> int:
    for task in Path(f"/proc/{server_pid}/task").iterdir():
        for pid in (task / "children").read_text().split():
            if "redis-server" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                return int(pid)
    raise SystemExit("redis_outage: the server has no redis-server child")


def wait_for_ping(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"redis_outage: the server exited at start-up:\n{log.read_text(errors='replace')}")
        try:
            get_json("127.0.0.1", port, "/api/ping", timeout=1)
            return
        except (OSError, http.client.HTTPException, ValueError):
            time.sleep(0.1)  # polling a child that gives no other sign of readiness
    raise SystemExit("redis_outage: the server did not answer /api/ping within 30 s")


def wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"redis_outage: nothing listens on port {port} after 10 s") from None
            time.sleep(0.05)  # polling a child that gives no other sign of readiness


RECORD = re.compile(r"\d{4}-\d\d-\d\d [\d:,]+ (\w+) ([\w.]+): (.{0,60})")


def sources(lines: list[str]) -> Counter[tuple[str, str, str]]:
    """Log records by level, logger and the start of the message (numbers folded); traceback lines not counted."""
    found: Counter[tuple[str, str, str]] = Counter()
    for line in lines:
        if match := RECORD.match(line):
            found[(match[1], match[2], re.sub(r"\d+", "N", match[3]))] += 1
    return found


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="redis_outage.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="kiosks taking tickets (default 8)")
    parser.add_argument("--before", type=float, default=3.0, help="seconds of load before the kill (default 3)")
    parser.add_argument("--after", type=float, default=20.0, help="seconds of load after the kill (default 20)")
    parser.add_argument("--retry-pause", type=float, default=0.1, help="a kiosk's pause before a retry (default 0.1)")
    parser.add_argument("--shared", action="store_true", help="kill a shared REDIS_URL Redis for good instead")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 64 or not 0 < args.before <= 60 or not 0 < args.after <= 600:
        parser.error("--clients 1 to 64, --before up to 60 s, --after up to 600 s")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="tidequeue-outage-") as tmp:
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        env["QUEUE_ADMIN_TOKEN"] = secrets.token_urlsafe(24)
        shared: subprocess.Popen[bytes] | None = None
        if args.shared:
            redis_port = free_port()
            shared = subprocess.Popen(
                ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--dir", tmp, "--save", ""],
                stdout=subprocess.DEVNULL,
            )
            env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
            wait_for_port(redis_port)  # the server checks REDIS_URL once at start-up
        port = free_port()
        command = [*server_command(), "--port", str(port), "--data-dir", f"{tmp}/redis", "--config", f"{REPO}/config"]
        log = Path(tmp) / "server.log"
        with log.open("wb") as out:
            server = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        try:
            wait_for_ping(port, server, log)
            stop = threading.Event()
            kiosks = [Kiosk() for _ in range(args.clients)]
            threads = [
                threading.Thread(target=kiosk, args=(port, i, stop, args.retry_pause, kiosks[i]))
                for i in range(args.clients)
            ]
            for thread in threads:
                thread.start()
            time.sleep(args.before)  # load before the outage
            victim = shared.pid if shared is not None else redis_child(server.pid)
            log_at_kill = log.stat().st_size
            os.kill(victim, signal.SIGKILL)
            killed = time.monotonic()
            time.sleep(args.after)  # load during and after the outage
            stop.set()
            for thread in threads:
                thread.join(35)
            outage_log = log.read_bytes()[log_at_kill:].decode(errors="replace")
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(30)
            if shared is not None:
                shared.kill()
                shared.wait()
    requests = [r for k in kiosks for r in k.requests]
    back = min((done for sent, done, status in requests if sent > killed and status == 201), default=None)
    numbers = Counter(n for k in kiosks for n in k.numbers)
    lines = outage_log.splitlines()
    print(f"command: {shlex.join(sys.orig_argv)}")
    print(f"server: {shlex.join(command)}{' (REDIS_URL: a redis-server of this script)' if shared else ''}")
    print(f"load: {args.clients} kiosks, retry pause {args.retry_pause:g} s, {args.before:g} s before the kill, "
          f"{args.after:g} s after it")  # fmt: skip
    print(f"service back after the kill: {'never' if back is None else f'{back - killed:.2f} s'}")
    print(f"answers after the kill: {Counter(s for sent, _, s in requests if sent > killed)} (0: no answer)")
    print(f"tickets acknowledged: {sum(numbers.values())}; numbers acknowledged twice: "
          f"{sum(1 for n in numbers.values() if n > 1)}")  # fmt: skip
    size = len(outage_log.encode())
    print(f"server log from the kill on: {size} bytes, {len(lines)} lines, {outage_log.count('Traceback')} "
          f"tracebacks, {size * 60 / args.after:.0f} bytes/minute")  # fmt: skip
    for (level, logger, start), n in sources(lines).most_common(10):
        print(f"  {n:>6} x {level} {logger}: {start}…")
    return 0


if __name__ == "__main__":
    sys.exit(main())
