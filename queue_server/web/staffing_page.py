"""The day's forecast and staffing plan page (到访预测与排班需求, ``/staffing/{hall}?date=YYYY-MM-DD``), Chinese
first, ``?lang=en``: a supervisor signs in (desk-session.js) and reads, for one day, the hall's service target and
what the forecast rests on, each session's windows needed against those the hall file staffs (short ones marked),
and each category's expected arrivals per hour with the band (staffing.js, on :mod:`queue_server.web.staffing_api`).
The page holds no figures of its own: a date the API refuses is shown with the API's own words."""

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
from queue_server.web.templating import templates

ASKED_MAX = 40  # characters of ?date= passed on: enough for the API to quote a wrong one back


def _config(request: Request, hall: Hall, lang: str) -> dict[str, Any]:
    today = business_day(context(request).clock.now(), hall.timezone, hall.rollover)
    asked = request.query_params.get("date")
    return {
        "hall": hall.id,
        "lang": lang,
        # as asked, even when it is no date: the API says plainly what is wrong with it
        "date": asked[:ASKED_MAX] if asked is not None else today.isoformat(),
        "today": today.isoformat(),
    }


@documented(
    "get",
    "The forecast and staffing plan page (到访预测与排班需求): a day's windows needed per session, hourly arrivals",
    answers={200: "text/html"},
)
async def staffing_page(request: Request) -> Response:
    hall = page_hall(request)
    if hall is None:
        return not_found_page(NO_SUCH_HALL)
    lang = page_lang(request)
    values = {"hall": hall, "lang": lang, "config": _config(request, hall, lang)}
    return templates.TemplateResponse(request, "staffing.html", values, headers={"Cache-Control": "no-store"})


routes: list[BaseRoute] = [Route("/staffing/{hall}", staffing_page)]
