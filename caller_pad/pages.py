"""The caller pad (叫号器) page for clerks, mounted by the server."""

from __future__ import annotations

from importlib import resources

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from queue_server.api import Context

templates = Jinja2Templates(directory=str(resources.files("caller_pad") / "templates"))


async def caller_page(request: Request) -> Response:
    """``/caller/{hall}``: sign in at a window, then call, recall, skip, complete, transfer and pause."""
    ctx: Context = request.state.ctx
    hall = ctx.halls.get(request.path_params["hall"])
    if hall is None:
        body = "<!doctype html><meta charset=utf-8><title>404</title><p>没有这个大厅 · No such hall.</p>"
        return HTMLResponse(body, status_code=404)
    lang = "en" if request.query_params.get("lang") == "en" else "zh"
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
