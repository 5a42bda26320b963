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

from queue_server.core.hall import Hall
from queue_server.web.desk_pages import desk_page, hall_today
from queue_server.web.openapi import documented

ASKED_MAX = 40  # characters of ?date= passed on: enough for the API to quote a wrong one back


def _config(request: Request, hall: Hall) -> dict[str, Any]:
    today = hall_today(request, hall)
    asked = request.query_params.get("date")
    return {
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
    return desk_page(request, "staffing.html", _config)


routes: list[BaseRoute] = [Route("/staffing/{hall}", staffing_page)]
