"""The supervisors' 差评 follow-up page (好差评工单): ``/cases/{hall}``, Chinese first, ``?lang=en``.

Like the statistics page it holds no data itself: cases.js asks ``/api/halls/{hall}/rating-cases`` with the
supervisor's token, lists the cases (overdue first, highlighted) and posts each case's next step.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from queue_server.core.ratings import CASE_STATE_LABELS, CASE_STATES, LEVELS, REASONS
from queue_server.web.openapi import documented
from queue_server.web.pages import NO_SUCH_HALL, not_found_page, page_hall, page_lang
from queue_server.web.templating import templates


@documented("get", "The 差评 follow-up page for supervisors (好差评工单)", answers={200: "text/html"})
async def cases_page(request: Request) -> Response:
    hall = page_hall(request)
    if hall is None:
        return not_found_page(NO_SUCH_HALL)
    lang = page_lang(request)
    config = {
        "hall": hall.id,
        "lang": lang,
        "states": [{"code": s, "zh": CASE_STATE_LABELS[s][0], "en": CASE_STATE_LABELS[s][1]} for s in CASE_STATES],
        "levels": {str(level.value): {"zh": level.zh, "en": level.en} for level in LEVELS},
        "reasons": {r.code: {"zh": r.zh, "en": r.en} for r in REASONS},
        "windows": {str(w.number): w.number for w in hall.windows},
        "services": {s.code: {"zh": s.name, "en": s.name_en} for s in hall.services},
    }
    values = {"hall": hall, "lang": lang, "config": config, "policy": hall.ratings}
    return templates.TemplateResponse(request, "cases.html", values, headers={"Cache-Control": "no-store"})


routes: list[BaseRoute] = [Route("/cases/{hall}", cases_page)]
