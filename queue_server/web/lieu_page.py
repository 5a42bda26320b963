"""The time-off-in-lieu ledger page (调休台账, ``/lieu/{hall}?month=YYYY-MM``), Chinese first, ``?lang=en``: a
supervisor signs in (desk-session.js) and sees each clerk's minutes earned and taken in the month and the running
balance, the ones past the hall's limit flagged, enters time off taken or takes a mistaken entry back, and
downloads the CSV (lieu.js, on :mod:`queue_server.web.lieu_api`). The page holds no figures of its own."""

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
    return {"month": asked_month(request, today), "today": today.isoformat()}


@documented(
    "get",
    "The time-off-in-lieu ledger page (调休台账): earned, taken and the running balance per clerk; enter time off",
    answers={200: "text/html"},
)
async def lieu_page(request: Request) -> Response:
    return desk_page(request, "lieu.html", _config)


routes: list[BaseRoute] = [Route("/lieu/{hall}", lieu_page)]
