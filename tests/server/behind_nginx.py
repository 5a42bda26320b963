"""Real server processes behind a real nginx (Debian's) running the site the docs ship (docs/nginx.conf), on a
test's free ports and in a folder of its own; and what nginx says it did with each request it passed on.

A test marks a request with an ``X-Probe`` header; nginx logs, on its standard error, each marked request's
status and the processes it tried (``$upstream_addr``: "a, b" when it passed the request on from a to b, with
``$upstream_status`` "502, 200"). A WebSocket's line comes when the channel closes.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from redis import Redis

from queue_server.store.embedded_redis import free_port
from tests.server_process import ROOT, LineReadingProcess, ServerProcess

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
# The shipped upstream's lines, one per process: a test puts one line per process of its own in their place.
SHIPPED_SERVERS = ("server 127.0.0.1:8000;", "server 127.0.0.1:8001;")
PROBE_LOG = 'log_format probes "probe=$http_x_probe status=$status upstreams=$upstream_addr answers=$upstream_status";'
PROBE_LINE = re.compile(
    r"probe=(?P<probe>\S+) status=(?P<status>\d+) upstreams=(?P<upstreams>.*) answers=(?P<answers>.*)"
)


def proxied_site(backends: list[int], port: int) -> str:
    """docs/nginx.conf listening on ``port``, its upstream one line per server process on ``backends``."""
    lines = (ROOT / "docs" / "nginx.conf").read_text(encoding="utf-8").splitlines()
    for shipped in ("listen 80;", *SHIPPED_SERVERS):
        assert [line.strip() for line in lines].count(shipped) == 1, f"docs/nginx.conf no longer says {shipped!r} once"
    site: list[str] = []
    for line in lines:
        indent = line[: len(line) - len(line.lstrip())]
        if line.strip() == "listen 80;":
            site.append(f"{indent}listen 127.0.0.1:{port};")
        elif line.strip() == SHIPPED_SERVERS[0]:
            site += [f"{indent}server 127.0.0.1:{backend};" for backend in backends]
        elif line.strip() not in SHIPPED_SERVERS:
            site.append(line)
    return "\n".join(site) + "\n"


def proxied_config(backends: list[int], port: int, folder: Path) -> Path:
    """The site inside a main configuration that keeps everything in ``folder`` and logs marked requests."""
    (folder / "tidequeue.conf").write_text(proxied_site(backends, port), encoding="utf-8")
    temp = " ".join(
        f"{kind}_temp_path {folder}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = folder / "nginx.conf"
    main.write_text(
        f"daemon off;\nworker_processes 1;\npid {folder}/nginx.pid;\nerror_log stderr notice;\n"
        f"user root;\nevents {{ worker_connections 256; }}\n"
        f"http {{ {PROBE_LOG} access_log /dev/stderr probes if=$http_x_probe; {temp} "
        f"include {folder}/tidequeue.conf; }}\n",
        encoding="utf-8",
    )
    return main


@dataclass(frozen=True)
class Landing:
    """Where nginx sent a marked request: the ports of the processes it tried, in order, and the answers."""

    status: int
    upstreams: list[int]
    answers: list[str]

    @property
    def served_by(self) -> int:
        return self.upstreams[-1]


class Nginx(LineReadingProcess):
    name = "nginx"

    def __init__(self, folder: Path, backends: list[int]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        folder.mkdir()
        super().__init__([NGINX, "-p", str(folder), "-c", str(proxied_config(backends, self.port, folder))])
        self.landings: dict[str, Landing] = {}

    def ready(self) -> Nginx:
        # nginx opens its listening sockets before it starts its workers, and says so on standard error.
        self.wait_for("start worker process", timeout=10)
        return self

    def landed(self, probe: str, timeout: float = 10) -> Landing:
        """Where the request marked ``probe`` went (waiting for nginx's line about it, which comes once it is done)."""
        while probe not in self.landings:
            found = PROBE_LINE.search(self.next_line(f"nginx's line for {probe!r}", timeout))
            if found:
                self.landings[found["probe"]] = Landing(
                    int(found["status"]),
                    [int(address.rsplit(":", 1)[1]) for address in found["upstreams"].split(", ")],
                    found["answers"].split(", "),
                )
        return self.landings[probe]

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        # Stopped, not killed, whatever happened: the master then stops its worker, which holds standard error too
        # (a killed master would leave it running, and the test waiting on it).
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.stop(timeout=10)
        super().__exit__(kind, value, tb)


@dataclass
class ProxiedHall:
    """The demo hall on ``servers`` (one Redis), behind ``nginx``; visitors use ``url``."""

    servers: list[ServerProcess]
    nginx: Nginx

    @property
    def url(self) -> str:
        return self.nginx.url

    def server_on(self, port: int) -> ServerProcess:
        return next(server for server in self.servers if server.port == port)


@contextlib.contextmanager
def proxied_hall(folder: Path, redis_url: str, processes: int) -> Iterator[ProxiedHall]:
    """The demo hall behind nginx on ``processes`` server processes sharing ``redis_url``: it trusts only nginx's
    forwarded addresses, no LAN (everyone is an anonymous client), and 2 tickets per address an hour."""
    with Redis.from_url(redis_url) as redis:
        redis.flushall()
    halls = folder / "halls"
    halls.mkdir()
    text = (ROOT / "config" / "demo.toml").read_text(encoding="utf-8")
    shipped = 'networks = ["127.0.0.0/8", "::1/128"]'
    assert text.count(shipped) == 1
    text = text.replace(shipped, 'networks = []\ntrusted_proxies = ["127.0.0.1/32"]')
    (halls / "demo.toml").write_text(text.replace("tickets_per_hour = 10", "tickets_per_hour = 2"), encoding="utf-8")
    with contextlib.ExitStack() as stack:
        # Started together, then waited for: they start in parallel.
        servers = [
            stack.enter_context(ServerProcess(folder / f"var{n}", redis_url=redis_url, config=halls))
            for n in range(processes)
        ]
        for server in servers:
            server.ready()
        nginx = stack.enter_context(Nginx(folder / "nginx", [server.port for server in servers]))
        nginx.ready()
        yield ProxiedHall(servers, nginx)
