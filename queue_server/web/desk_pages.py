"""The supervisors' desk pages (排班, 调休台账, 服务表现季报, 到访预测与排班需求, the 值班长控制台 and the 后台):
one way to answer them. The hall comes from the path (a plain 404 page when there is none), the language from
``?lang=``, and the page's config, which its script reads before its first answer, starts with the hall and the
language; the page is never cached, since all it shows comes live from the API. Each page's own module says what
else its config holds (the period shown, the hall's business day) and documents its route."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from queue_server.core.business_day import business_day
from queue_server.core.hall import Hall
from queue_server.web.context import context
from queue_server.web.pages import NO_SUCH_HALL, not_found_page, page_hall, page_lang
from queue_server.web.staff_api import MONTH
from queue_server.web.templating import templates

PageConfig = Callable[[Request, Hall], dict[str, Any]]
"""What a page's config adds to the hall and the language, from the request and the hall."""


def desk_page(request: Request, template: str, config: PageConfig) -> Response:
    """A supervisor desk page: ``template`` with the hall, the language and the page's config, never cached."""
    hall = page_hall(request)
    if hall is None:
        return not_found_page(NO_SUCH_HALL)
    lang = page_lang(request)
    values = {"hall": hall, "lang": lang, "config": {"hall": hall.id, "lang": lang, **config(request, hall)}}
    return templates.TemplateResponse(request, template, values, headers={"Cache-Control": "no-store"})


def hall_today(request: Request, hall: Hall) -> date:
    """The hall's business day now, by the server's clock (which ``--clock`` may set)."""
    return business_day(context(request).clock.now(), hall.timezone, hall.rollover)


def asked_month(request: Request, today: date) -> str:
    """The month of ``?month=YYYY-MM`` when it is written so, else ``today``'s (the API checks the month itself)."""
    asked = request.query_params.get("month", "")
    return asked if MONTH.match(asked) else f"{today:%Y-%m}"
