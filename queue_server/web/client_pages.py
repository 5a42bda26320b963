"""The hall screen (大厅显示屏) and the web caller pad (叫号器): the server's routes for the clients' pages.

``/display/{hall}`` (``?lang=en`` for English first) is a page for a 1920×1080 screen seen from across the hall;
its script follows the hall's WebSocket channel with feed.js. ``/caller/{hall}`` is where a clerk signs in at a
window, then calls, recalls, skips, completes, transfers and pauses. Their templates and scripts live in
``display_client/`` and ``caller_pad/`` (see :mod:`queue_server.web.templating`).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from queue_server.core.hall import Hall
from queue_server.web.openapi import documented
from queue_server.web.pages import NO_SUCH_HALL, not_found_page, page_hall, page_lang
from queue_server.web.templating import templates


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


@documented("get", "The hall screen (大厅显示屏), 1920×1080", answers={200: "text/html"})
async def hall_screen(request: Request) -> Response:
    hall = page_hall(request)
    if hall is None:
        return not_found_page(NO_SUCH_HALL)
    lang = page_lang(request)
    values = {"hall": hall, "lang": lang, "config": screen_config(hall, lang)}
    return templates.TemplateResponse(request, "hall.html", values)


@documented("get", "The caller pad (叫号器) for a clerk at a window", answers={200: "text/html"})
async def caller_page(request: Request) -> Response:
    """``/caller/{hall}``: sign in at a window, then call, recall, skip, complete, transfer and pause."""
    hall = page_hall(request)
    if hall is None:
        return not_found_page(NO_SUCH_HALL)
    lang = page_lang(request)
    config = {
        "hall": hall.id,
        "lang": lang,
        "categories": [{"code": s.code, "name": s.name, "name_en": s.name_en} for s in hall.services],
        "windows": [{"number": w.number, "services": list(w.services)} for w in hall.windows],
    }
    return templates.TemplateResponse(request, "caller.html", {"hall": hall, "lang": lang, "config": config})


routes: list[BaseRoute] = [Route("/display/{hall}", hall_screen), Route("/caller/{hall}", caller_page)]
