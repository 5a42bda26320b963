"""One Jinja environment, the static folders for every page the server serves, and the one palette.

The kiosk, phone, booking and statistics pages live here in ``web/templates`` and ``web/static``; the hall
screen's and the web caller pad's live with their clients, in ``display_client/`` and ``caller_pad/``. Those
folders are found on disk without importing the clients' Python, so the server never depends on their code.
Every page extends ``templates/base.html``, which links ``static/theme.css``: the palette that the pages' stylesheets
name with ``var(--…)`` and that :func:`theme` reads for what the server draws itself (the statistics' SVG charts).
"""

from __future__ import annotations

import importlib.util
import re
from functools import cache
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


THEME_CSS = HERE / "static" / "theme.css"
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_PROPERTY = re.compile(r"--([\w-]+)\s*:\s*([^;{}]+);")
_REFERENCE = re.compile(r"var\(--([\w-]+)\)")


def parse_theme(css: str) -> dict[str, str]:
    """The custom properties of a theme stylesheet, ``var(--…)`` resolved: ``{"brand": "#0b6e78", …}``."""
    raw = {name: " ".join(value.split()) for name, value in _PROPERTY.findall(_COMMENT.sub("", css))}

    def resolve(name: str, seen: tuple[str, ...] = ()) -> str:
        if name in seen:
            raise ValueError(f"theme.css: --{name} refers to itself through {' → '.join(seen)}")
        if name not in raw:
            raise ValueError(f"theme.css: --{name} is used but not defined")
        return _REFERENCE.sub(lambda m: resolve(m.group(1), (*seen, name)), raw[name])

    return {name: resolve(name) for name in raw}


@cache
def theme() -> dict[str, str]:
    """theme.css's palette (and font stack), resolved: the single source of every colour the server draws."""
    return parse_theme(THEME_CSS.read_text(encoding="utf-8"))
