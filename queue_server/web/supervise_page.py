"""The pages of the hall's tidal desk: the supervisor console (值班长控制台, ``/supervise/{hall}``) and the back office
(后台, ``/backoffice/{hall}``), Chinese first, ``?lang=en``.

The console is one live page for the hall's 值班长: supervise.js signs in with a supervisor account (or the admin
token), follows the hall's channel and refetches ``GET …/supervise`` (:mod:`queue_server.web.supervise_api`) on
its events. The back office is where reserve clerks (后台力量, ``role = "reserve"``) see the alerts asking for them
and accept one; backoffice.js then hands the returned window token to the web caller pad. Neither page holds
figures of its own.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from queue_server.core.hall import Hall
from queue_server.web.desk_pages import desk_page
from queue_server.web.openapi import documented


def _config(request: Request, hall: Hall) -> dict[str, Any]:
    """What the scripts need before their first answer, so the page is never blank."""
    return {
        "timezone": hall.timezone.key,
        "categories": [{"code": s.code, "name": s.name, "name_en": s.name_en} for s in hall.services],
        "open_at_minutes": hall.tidal_policy.open_at_minutes,
        "close_below_minutes": hall.tidal_policy.close_below_minutes,
        "arrive_minutes": hall.reserve.arrive_minutes if hall.reserve else None,
    }


@documented(
    "get",
    "The supervisor console (值班长控制台): windows, lines, alerts, suggested switches",
    answers={200: "text/html"},
)
async def supervise_page(request: Request) -> Response:
    return desk_page(request, "supervise.html", _config)


@documented(
    "get",
    "The back office (后台): reserve clerks see and accept alerts for a reserve window",
    answers={200: "text/html"},
)
async def backoffice_page(request: Request) -> Response:
    return desk_page(request, "backoffice.html", _config)


routes: list[BaseRoute] = [
    Route("/supervise/{hall}", supervise_page),
    Route("/backoffice/{hall}", backoffice_page),
]
