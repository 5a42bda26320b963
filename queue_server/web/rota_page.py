"""The rota page (排班, ``/rota/{hall}?month=YYYY-MM``), Chinese first, ``?lang=en``: a supervisor signs in
(desk-session.js), sees the month as a grid of clerks and days with each duty, the fair-duty counts and the
uncovered sessions, and changes a cell, which the server checks against the rules (rota.js, on
:mod:`queue_server.web.rota_api`); below the grid, approves the month's time-off requests and records new ones
(rota_time_off.js). The page holds no rota of its own."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from queue_server.core.business_day import business_day
from queue_server.core.hall import Hall
from queue_server.web.context import context
from queue_server.web.openapi import documented
from queue_server.web.pages import NO_SUCH_HALL, not_found_page, page_hall, page_lang
from queue_server.web.staff_api import MONTH
from queue_server.web.templating import templates


def _config(request: Request, hall: Hall, lang: str) -> dict[str, Any]:
    asked = request.query_params.get("month", "")
    today = business_day(context(request).clock.now(), hall.timezone, hall.rollover)
    return {
        "hall": hall.id,
        "lang": lang,
        "month": asked if MONTH.match(asked) else f"{today:%Y-%m}",
        "today": today.isoformat(),  # where the time-off form's days start, in the current month
        "categories": [{"code": s.code, "name": s.name, "name_en": s.name_en} for s in hall.services],
    }


@documented(
    "get",
    "The rota page (排班): the month's duties, fair-duty counts, uncovered sessions, hand edits, time-off requests",
    answers={200: "text/html"},
)
async def rota_page(request: Request) -> Response:
    hall = page_hall(request)
    if hall is None:
        return not_found_page(NO_SUCH_HALL)
    lang = page_lang(request)
    values = {"hall": hall, "lang": lang, "config": _config(request, hall, lang)}
    return templates.TemplateResponse(request, "rota.html", values, headers={"Cache-Control": "no-store"})


routes: list[BaseRoute] = [Route("/rota/{hall}", rota_page)]
