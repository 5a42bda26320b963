"""The booking page (预约) a visitor opens on a phone, and the QR codes that lead to it.

``/book/{hall}`` lets a visitor choose a category, a day and a slot, book with a name and the last four digits of
a phone number, keep the code (shown big, with a QR code of the booking's own page) and cancel; or look a booking
up (to see or cancel it) with its code and the same four digits. ``?service=B`` preselects a category,
``?code=12345678`` opens the look-up with that code, ``?lang=en`` English. The page talks to the
appointments API (booking_api.py) from book.js.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

import segno
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from queue_server.store.bookings import unknown_booking, valid_code
from queue_server.web.openapi import documented
from queue_server.web.pages import NO_SUCH_HALL, not_found_page, page_hall, page_lang
from queue_server.web.templating import templates


@documented("get", "The booking page (预约), for phones", answers={200: "text/html"})
async def book_page(request: Request) -> Response:
    hall = page_hall(request)
    if hall is None:
        return not_found_page(NO_SUCH_HALL)
    lang = page_lang(request)
    if hall.appointments is None:
        return not_found_page("本大厅不接受预约 · This hall takes no appointments.")
    rules = hall.appointments
    config: dict[str, Any] = {
        "hall": hall.id,
        "lang": lang,
        "service": request.query_params.get("service", ""),
        "code": request.query_params.get("code", ""),
        "early_minutes": rules.early_minutes,
        "grace_minutes": rules.grace_minutes,
    }
    values = {"hall": hall, "lang": lang, "config": config}
    # What the page shows (free places, a booking's state) changes all the time: never from a cache.
    return templates.TemplateResponse(request, "book.html", values, headers={"Cache-Control": "no-store"})


def qr_svg(text: str, cache: str) -> Response:
    svg = io.BytesIO()
    segno.make(text, error="m").save(svg, kind="svg", border=4, omitsize=True, xmldecl=False)
    return Response(svg.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": cache})


@documented(
    "get",
    "A QR code of the booking page, for the kiosk",
    answers={200: "image/svg+xml"},
    query={"service": "preselect a category"},
)
async def booking_page_qr(request: Request) -> Response:
    """``/qr/book/{hall}.svg[?service=B][&lang=en]``: the booking page, shown by a kiosk for a closed category."""
    hall = page_hall(request)
    if hall is None or hall.appointments is None:
        return not_found_page(NO_SUCH_HALL)
    service = request.query_params.get("service", "")
    query = [f"service={quote(service)}"] if hall.service(service) else []
    query += ["lang=en"] if page_lang(request) == "en" else []
    address = f"{request.base_url}book/{quote(hall.id)}" + (f"?{'&'.join(query)}" if query else "")
    return qr_svg(address, "public, max-age=3600")


@documented("get", "A QR code of one booking's code, to show at the kiosk", answers={200: "image/svg+xml"})
async def booking_qr(request: Request) -> Response:
    """``/qr/booking/{hall}/{code}.svg``: the booking's own page, for the visitor to keep. Drawn for any
    well-formed code without looking it up: an answer that differed for a booked code would tell a guesser, with
    no phone digits and past the look-up guard, which codes exist (the page it leads to asks for the digits)."""
    hall = page_hall(request)
    if hall is None or hall.appointments is None:
        return not_found_page(NO_SUCH_HALL)
    code = request.path_params["code"]
    if not valid_code(code):
        raise unknown_booking()
    return qr_svg(f"{request.base_url}book/{quote(hall.id)}?code={quote(code)}", "private, max-age=86400")


routes: list[BaseRoute] = [
    Route("/book/{hall}", book_page),
    Route("/qr/book/{hall}.svg", booking_page_qr),
    Route("/qr/booking/{hall}/{code}.svg", booking_qr),
]
