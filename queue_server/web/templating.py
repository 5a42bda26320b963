"""One Jinja environment and the static folders for every page the server serves.

The kiosk, phone, booking and statistics pages live here in ``web/templates`` and ``web/static``; the hall
screen's and the web caller pad's live with their clients, in ``display_client/`` and ``caller_pad/``. Those
folders are found on disk without importing the clients' Python, so the server never depends on their code.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

HERE = Path(__file__).resolve().parent
CLIENTS = ("display_client", "caller_pad")


def client_folder(package: str) -> Path:
    """Where a client package lies, found without running its ``__init__``."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the {package} package is not installed beside queue_server")
    return Path(next(iter(spec.submodule_search_locations)))


templates = Jinja2Templates(directory=[HERE / "templates", *(client_folder(c) / "templates" for c in CLIENTS)])

# /static/queue_server/… for the server's own pages, /static/<client>/… for the clients' pages.
static_routes: list[BaseRoute] = [
    Mount(f"/static/{name}", StaticFiles(directory=folder / "static"), name=f"{name}_static")
    for name, folder in (("queue_server", HERE), *((c, client_folder(c)) for c in CLIENTS))
]
