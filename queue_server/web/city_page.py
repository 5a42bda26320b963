"""The city overview page (全市大厅概览, ``/city``), Chinese first, ``?lang=en``: a city supervisor signs in with the
admin token (QUEUE_ADMIN_TOKEN), and city.js shows every hall from ``GET /api/city``
(:mod:`queue_server.web.city_api`), the hall that needs help most on top, each linking to its supervisor console.

It polls the API every few seconds rather than following each hall's channel: a city has hundreds of halls, and a
WebSocket per hall per screen would hold that many feeds open in every server process for one table; one poll,
answered from the process's short cache, costs the same whoever else is looking. The page holds no figures of its
own."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from queue_server.web.city_api import FRESH
from queue_server.web.openapi import documented
from queue_server.web.pages import page_lang
from queue_server.web.templating import templates

POLL_SECONDS = 5  # longer than the API's cache (city_api.FRESH), so each poll brings a fresh answer


@documented(
    "get",
    "The city overview page (全市大厅概览): every hall, the one that needs help first",
    answers={200: "text/html"},
)
async def city_page(request: Request) -> Response:
    lang = page_lang(request)
    config = {"lang": lang, "poll_seconds": max(POLL_SECONDS, int(FRESH.total_seconds()) + 1)}
    values = {"lang": lang, "config": config}
    return templates.TemplateResponse(request, "city.html", values, headers={"Cache-Control": "no-store"})


routes: list[BaseRoute] = [Route("/city", city_page)]
