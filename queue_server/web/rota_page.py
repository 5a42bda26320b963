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

from queue_server.core.hall import Hall
from queue_server.web.desk_pages import asked_month, desk_page, hall_today
from queue_server.web.openapi import documented


def _config(request: Request, hall: Hall) -> dict[str, Any]:
    today = hall_today(request, hall)
    return {
        "month": asked_month(request, today),
        "today": today.isoformat(),  # where the time-off form's days start, in the current month
        "categories": [{"code": s.code, "name": s.name, "name_en": s.name_en} for s in hall.services],
    }


@documented(
    "get",
    "The rota page (排班): the month's duties, fair-duty counts, uncovered sessions, hand edits, time-off requests",
    answers={200: "text/html"},
)
async def rota_page(request: Request) -> Response:
    return desk_page(request, "rota.html", _config)


routes: list[BaseRoute] = [Route("/rota/{hall}", rota_page)]
