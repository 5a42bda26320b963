"""The hall screen (大厅显示屏) page, mounted by the server.

``/display/{hall}`` (``?lang=en`` for English first) is a page for a 1920×1080 screen seen from across the
hall. The page itself is static; its script follows the hall's WebSocket channel with feed.js.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from queue_server.config import Hall
from queue_server.pages import NO_SUCH_HALL, not_found_page, page_hall, page_lang

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
    hall = page_hall(request)
    if hall is None:
        return not_found_page(NO_SUCH_HALL)
    lang = page_lang(request)
    context = {"hall": hall, "lang": lang, "config": screen_config(hall, lang)}
    return templates.TemplateResponse(request, "hall.html", context)


routes: list[BaseRoute] = [
    Route("/display/{hall}", hall_screen),
    Mount("/static/display_client", StaticFiles(packages=[("display_client", "static")]), name="display_static"),
]
