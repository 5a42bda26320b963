"""The hall screen (大厅显示屏) page, mounted by the server.

``/display/{hall}`` (``?lang=en`` for English first) is a page for a 1920×1080 screen seen from across the
hall. The page itself is static; its script follows the hall's WebSocket channel with feed.js.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from queue_server.api import Context
from queue_server.config import Hall

templates = Jinja2Templates(directory=str(resources.files("display_client") / "templates"))


def screen_config(hall: Hall, lang: str) -> dict[str, Any]:
    """What the script needs before the first snapshot arrives, so the screen is never blank."""
    return {
        "hall": {"id": hall.id, "name": hall.name, "name_en": hall.name_en, "timezone": hall.timezone.key},
        "lang": lang,
        "categories": [{"code": s.code, "name": s.name, "name_en": s.name_en, "waiting": None} for s in hall.services],
        "windows": [
            {"number": w.number, "services": list(w.services), "tidal": w.tidal, "state": "idle", "ticket": None}
            for w in hall.windows
        ],
    }


async def hall_screen(request: Request) -> Response:
    ctx: Context = request.state.ctx
    hall = ctx.halls.get(request.path_params["hall"])
    if hall is None:
        page = "<!doctype html><meta charset=utf-8><title>404</title><p>没有这个大厅 · No such hall.</p>"
        return HTMLResponse(page, status_code=404)
    lang = "en" if request.query_params.get("lang") == "en" else "zh"
    context = {"hall": hall, "lang": lang, "config": screen_config(hall, lang)}
    return templates.TemplateResponse(request, "hall.html", context)


routes: list[BaseRoute] = [
    Route("/display/{hall}", hall_screen),
    Mount("/static/display_client", StaticFiles(packages=[("display_client", "static")]), name="display_static"),
]
