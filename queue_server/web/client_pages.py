"""The hall screen (大厅显示屏), the window screen (窗口屏) and the web caller pad (叫号器): the server's routes for
the clients' pages.

``/display/{hall}`` (``?lang=en`` for English first) is a page for a 1920×1080 screen seen from across the hall;
its script follows the hall's WebSocket channel with feed.js. ``/window/{hall}/{n}`` is the small screen at window
n (1280×400 or a 1280×800 tablet): who serves there, the number served, and the visitor's rating (好差评) after
each 办结; opened once with ``?device=<token>``, the window's evaluator token, which it keeps. ``/caller/{hall}``
is where a clerk signs in at a window, then calls, recalls, skips, completes, transfers and pauses. Their templates
and scripts live in ``display_client/`` and ``caller_pad/`` (see :mod:`queue_server.web.templating`).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from queue_server.core.hall import Hall
from queue_server.core.pauses import PAUSE_REASONS
from queue_server.core.ratings import BAD_UP_TO, LEVELS, REASONS
from queue_server.web.openapi import documented
from queue_server.web.pages import NO_SUCH_HALL, not_found_page, page_hall, page_lang
from queue_server.web.templating import templates

# Why a window pauses (暂停服务): the window screen tells visitors, the caller pad lets the clerk pick one.
PAUSE_REASONS_SHOWN = [{"code": r.code, "zh": r.zh, "en": r.en} for r in PAUSE_REASONS]


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


@documented("get", "The window screen (窗口屏) and evaluator (评价器) at window n", answers={200: "text/html"})
async def window_screen(request: Request) -> Response:
    """``/window/{hall}/{n}``: the window's number, clerk and visitor; after 办结 it asks for a rating."""
    hall = page_hall(request)
    if hall is None:
        return not_found_page(NO_SUCH_HALL)
    raw = request.path_params["n"]
    window = hall.window(int(raw)) if raw.isdigit() and len(raw) < 5 else None
    if window is None:
        return not_found_page("没有这个窗口 · No such window.")
    lang = page_lang(request)
    config = screen_config(hall, lang)
    config["window"] = window.number
    config["windows"] = [w for w in config["windows"] if w["number"] == window.number]
    # The 好差评 levels best first, and the reasons a 差评 picks from: one list, shared with the ratings API.
    config["levels"] = [{"value": v.value, "zh": v.zh, "en": v.en} for v in LEVELS]
    config["reasons"] = [{"code": r.code, "zh": r.zh, "en": r.en} for r in REASONS]
    config["bad_up_to"] = BAD_UP_TO
    config["pause_reasons"] = PAUSE_REASONS_SHOWN
    values = {"hall": hall, "lang": lang, "window": window, "config": config}
    return templates.TemplateResponse(request, "window.html", values)


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
        "pause_reasons": PAUSE_REASONS_SHOWN,
    }
    return templates.TemplateResponse(request, "caller.html", {"hall": hall, "lang": lang, "config": config})


routes: list[BaseRoute] = [
    Route("/display/{hall}", hall_screen),
    Route("/window/{hall}/{n}", window_screen),
    Route("/caller/{hall}", caller_page),
]
