"""The supervisors' statistics page (统计): ``/stats/{hall}``, Chinese first, ``?lang=en``.

The page itself holds no figures: stats.js asks the statistics API with the supervisor's token and shows the
tables, the server's SVG charts and a CSV download.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from queue_server.core.business_day import business_day
from queue_server.web.context import context
from queue_server.web.openapi import documented
from queue_server.web.pages import NO_SUCH_HALL, not_found_page, page_hall, page_lang
from queue_server.web.stats.api import MAX_DAYS
from queue_server.web.templating import templates


@documented("get", "The statistics page for supervisors (统计)", answers={200: "text/html"})
async def stats_page(request: Request) -> Response:
    hall = page_hall(request)
    if hall is None:
        return not_found_page(NO_SUCH_HALL)
    lang = page_lang(request)
    today = business_day(context(request).clock.now(), hall.timezone, hall.rollover)
    sessions = list({s.name: {"name": s.name, "name_en": s.name_en} for s in hall.sessions}.values())
    config = {"hall": hall.id, "lang": lang, "today": today.isoformat(), "max_days": MAX_DAYS, "sessions": sessions}
    values = {"hall": hall, "lang": lang, "config": config, "sessions": sessions, "today": today.isoformat()}
    return templates.TemplateResponse(request, "stats.html", values, headers={"Cache-Control": "no-store"})


routes: list[BaseRoute] = [Route("/stats/{hall}", stats_page)]
