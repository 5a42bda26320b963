"""The time-off-in-lieu ledger page (调休台账, ``/lieu/{hall}?month=YYYY-MM``), Chinese first, ``?lang=en``: a
supervisor signs in (desk-session.js) and sees each clerk's minutes earned and taken in the month and the running
balance, the ones past the hall's limit flagged, enters time off taken or takes a mistaken entry back, and
downloads the CSV (lieu.js, on :mod:`queue_server.web.lieu_api`). The page holds no figures of its own."""

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
        "today": today.isoformat(),
    }


@documented(
    "get",
    "The time-off-in-lieu ledger page (调休台账): earned, taken and the running balance per clerk; enter time off",
    answers={200: "text/html"},
)
async def lieu_page(request: Request) -> Response:
    hall = page_hall(request)
    if hall is None:
        return not_found_page(NO_SUCH_HALL)
    lang = page_lang(request)
    values = {"hall": hall, "lang": lang, "config": _config(request, hall, lang)}
    return templates.TemplateResponse(request, "lieu.html", values, headers={"Cache-Control": "no-store"})


routes: list[BaseRoute] = [Route("/lieu/{hall}", lieu_page)]
