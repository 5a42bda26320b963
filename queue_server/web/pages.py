"""The visitor-facing pages the server owns: the kiosk (取号机) and the phone page that follows one ticket."""

from __future__ import annotations

import io
from typing import Any

import segno
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from queue_server.core.errors import UnknownTicket
from queue_server.core.hall import Hall
from queue_server.core.ratings import BAD_UP_TO, COMMENT_MAX, LEVELS, REASONS
from queue_server.web.context import context
from queue_server.web.openapi import documented
from queue_server.web.templating import static_routes, templates


def page_lang(request: Request) -> str:
    """Chinese first; ``?lang=en`` for English."""
    return "en" if request.query_params.get("lang") == "en" else "zh"


def page_hall(request: Request) -> Hall | None:
    """The hall named in the page's path, or None."""
    return context(request).halls.get(request.path_params["hall"])


NO_SUCH_HALL = "没有这个大厅 · No such hall."


def not_found_page(text: str) -> HTMLResponse:
    """A plain page for a person at a screen, where the API would answer JSON."""
    return HTMLResponse(f"<!doctype html><meta charset=utf-8><title>404</title><p>{text}</p>", status_code=404)


# --- kiosk (取号机) ---------------------------------------------------------------------------------------


@documented("get", "The kiosk (取号机): take a ticket on a touch screen, print it", answers={200: "text/html"})
async def kiosk(request: Request) -> Response:
    hall = page_hall(request)
    if hall is None:
        return not_found_page(NO_SUCH_HALL)
    categories: list[dict[str, Any]] = [
        {"code": s.code, "name": s.name, "name_en": s.name_en, "minutes": s.minutes} for s in hall.services
    ]
    config = {
        "hall": hall.id,
        "lang": page_lang(request),
        "categories": categories,
        "windows": [{"number": w.number, "services": list(w.services)} for w in hall.windows],
    }
    values = {"hall": hall, "lang": page_lang(request), "config": config}
    return templates.TemplateResponse(request, "kiosk.html", values)


@documented("get", "A QR code of a ticket's phone page, printed on the ticket", answers={200: "image/svg+xml"})
async def ticket_qr(request: Request) -> Response:
    """``/qr/{ticket_id}.svg``: the QR code a kiosk shows and prints, pointing at the ticket's phone page."""
    ticket_id = request.path_params["ticket_id"]
    ctx = context(request)
    store = ctx.store_for_ticket(ticket_id)
    await store.ticket(ctx.clock.now(), ticket_id)  # raises UnknownTicket: no codes for made-up ids
    svg = io.BytesIO()
    # Absolute, from the host the kiosk itself reached, so a phone on the hall's network gets there too.
    # The visitor's key (from the kiosk's own answer) rides along, so their phone page may rate the service.
    key = visitor_key_of(request)
    qr = segno.make(f"{request.base_url}t/{ticket_id}" + (f"?k={key}" if key else ""), error="m")
    qr.save(svg, kind="svg", border=4, omitsize=True, xmldecl=False)
    # The ticket id never points anywhere else, so the code may be cached for the day.
    headers = {"Cache-Control": "private, max-age=86400"}
    return Response(svg.getvalue(), media_type="image/svg+xml", headers=headers)


def visitor_key_of(request: Request) -> str | None:
    """The visitor's own ticket key from ``?k=`` (see records.Ticket.key), when it is one the server could have made;
    the ratings API checks that it is the ticket's."""
    key = request.query_params.get("k", "")
    return key if key.isascii() and 8 <= len(key) <= 40 and all(c.isalnum() or c in "-_" for c in key) else None


kiosk_routes: list[BaseRoute] = [
    Route("/kiosk/{hall}", kiosk),
    Route("/qr/{ticket_id}.svg", ticket_qr),
]

# --- phone page (手机查看排队进度) --------------------------------------------------------------------------


@documented("get", "The phone page that follows one ticket", answers={200: "text/html"})
async def phone(request: Request) -> Response:
    """``/t/{ticket_id}``: one visitor's ticket, followed live by phone.js over ``/ws/tickets/{id}``."""
    ticket_id = request.path_params["ticket_id"]
    ctx = context(request)
    lang = page_lang(request)
    try:
        store = ctx.store_for_ticket(ticket_id)
        await store.ticket(ctx.clock.now(), ticket_id)
    except UnknownTicket:
        # A person followed a link: tell them plainly, in a page rather than JSON.
        values: dict[str, Any] = {"hall": None, "lang": lang, "unknown": True, "config": {"lang": lang}}
        return templates.TemplateResponse(request, "phone.html", values, status_code=404)
    hall = store.hall
    categories = {s.code: {"name": s.name, "name_en": s.name_en} for s in hall.services}
    config = {
        "ticket_id": ticket_id,
        "key": visitor_key_of(request),
        "lang": lang,
        "categories": categories,
        "rating": rating_choices(),
    }
    values = {"hall": hall, "lang": lang, "unknown": False, "config": config}
    # The page shows a live state, so a cached copy would only ever be stale.
    return templates.TemplateResponse(request, "phone.html", values, headers={"Cache-Control": "no-store"})


def rating_choices() -> dict[str, Any]:
    """What the phone page offers a served visitor to rate with (好差评, queue_server.core.ratings)."""
    return {
        "levels": [level._asdict() for level in LEVELS],
        "reasons": [reason._asdict() for reason in REASONS],
        "bad_up_to": BAD_UP_TO,
        "comment_max": COMMENT_MAX,
    }


phone_routes: list[BaseRoute] = [Route("/t/{ticket_id}", phone)]

routes: list[BaseRoute] = [
    *static_routes,
    *kiosk_routes,
    *phone_routes,
]
