"""The performance recognition page (服务明星评选参考, ``/recognition/{hall}?quarter=YYYY-Qn``), Chinese first,
``?lang=en``: a supervisor signs in (desk-session.js) and reads each clerk's quarter as a table, sorted by name and
by any column on a click, with the CSV a click away (recognition.js, on :mod:`queue_server.web.recognition_api`).
It says on the page that it is for the supervisors' review, not a public ranking."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from queue_server.core.hall import Hall
from queue_server.core.recognition import QUARTER, quarter_containing
from queue_server.web.desk_pages import desk_page, hall_today
from queue_server.web.openapi import documented


def _config(request: Request, hall: Hall) -> dict[str, Any]:
    asked = request.query_params.get("quarter", "").upper()
    return {"quarter": asked if QUARTER.match(asked) else quarter_containing(hall_today(request, hall)).name}


@documented(
    "get",
    "The performance recognition page (服务明星评选参考): each clerk's quarter, for the supervisors",
    answers={200: "text/html"},
)
async def recognition_page(request: Request) -> Response:
    return desk_page(request, "recognition.html", _config)


routes: list[BaseRoute] = [Route("/recognition/{hall}", recognition_page)]
