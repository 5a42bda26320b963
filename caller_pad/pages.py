"""The caller pad (叫号器) page for clerks, mounted by the server."""

from __future__ import annotations

from importlib import resources

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from queue_server.pages import NO_SUCH_HALL, not_found_page, page_hall, page_lang

templates = Jinja2Templates(directory=str(resources.files("caller_pad") / "templates"))


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


routes: list[BaseRoute] = [
    Mount("/static/caller_pad", StaticFiles(packages=[("caller_pad", "static")]), name="caller_pad_static"),
    Route("/caller/{hall}", caller_page),
]
