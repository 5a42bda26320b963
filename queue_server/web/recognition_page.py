"""The performance recognition page (服务明星评选参考, ``/recognition/{hall}?quarter=YYYY-Qn``), Chinese first,
``?lang=en``: a supervisor signs in (desk-session.js) and reads each clerk's quarter as a table, sorted by name and
by any column on a click, with the CSV a click away (recognition.js, on :mod:`queue_server.web.recognition_api`).
It says on the page that it is for the supervisors' review, not a public ranking."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from queue_server.core.business_day import business_day
from queue_server.core.hall import Hall
from queue_server.core.recognition import QUARTER, quarter_containing
from queue_server.web.context import context
from queue_server.web.openapi import documented
from queue_server.web.pages import NO_SUCH_HALL, not_found_page, page_hall, page_lang
from queue_server.web.templating import templates


def _config(request: Request, hall: Hall, lang: str) -> dict[str, Any]:
    asked = request.query_params.get("quarter", "").upper()
    today = business_day(context(request).clock.now(), hall.timezone, hall.rollover)
    return {
        "hall": hall.id,
        "lang": lang,
        "quarter": asked if QUARTER.match(asked) else quarter_containing(today).name,
    }


@documented(
    "get",
    "The performance recognition page (服务明星评选参考): each clerk's quarter, for the supervisors",
    answers={200: "text/html"},
)
async def recognition_page(request: Request) -> Response:
    hall = page_hall(request)
    if hall is None:
        return not_found_page(NO_SUCH_HALL)
    lang = page_lang(request)
    values = {"hall": hall, "lang": lang, "config": _config(request, hall, lang)}
    return templates.TemplateResponse(request, "recognition.html", values, headers={"Cache-Control": "no-store"})


routes: list[BaseRoute] = [Route("/recognition/{hall}", recognition_page)]
