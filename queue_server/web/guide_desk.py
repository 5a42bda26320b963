"""The guide desk (导办台) at the hall's entrance: its staff issue tickets (绿色通道 priority tickets too), look a
ticket of today up by its number, move a waiting visitor to another category, and print tickets.

The desk signs in with a guide-desk account (``role = "guide"`` in the hall's ``[[clerks]]``), which has no
window: ``POST /api/halls/{hall}/guide/sign-in``. Its token (like a clerk's or the supervisors') is a staff
token: it may take priority tickets, look tickets up, move waiting ones and requeue skipped ones, but calls
nobody. The page is ``/guide/{hall}``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from queue_server.core.errors import InvalidRequest
from queue_server.core.records import SignedIn, Ticket, TicketResult
from queue_server.store.staff_desk import StaffDesk
from queue_server.web import auth
from queue_server.web.api import answer, service_code
from queue_server.web.bodies import GuideSignIn, Transfer, body_of, fingerprint
from queue_server.web.context import context, hall_store
from queue_server.web.openapi import documented
from queue_server.web.pages import NO_SUCH_HALL, not_found_page, page_hall, page_lang
from queue_server.web.responses import idempotency
from queue_server.web.templating import templates
from queue_server.web.window_queue import ticket_by_number


@documented(
    "post",
    "A guide-desk account (导办台, role guide) signs in; its token acts at no window",
    body=GuideSignIn,
    answers={200: SignedIn},
    errors=("bad_credentials", "wrong_window", "too_many_sign_ins"),
)
async def guide_sign_in(request: Request) -> JSONResponse:
    store = hall_store(request)
    body = await body_of(request, GuideSignIn)
    ctx = context(request)
    address = request.client.host if request.client else ""
    now = ctx.clock.now()
    return JSONResponse(await auth.sign_in(ctx.redis, store.hall, body.username, body.password, None, now, address))


@documented(
    "get",
    "Staff look a ticket of today up by its number (导办台, caller pads)",
    answers={200: Ticket},
    caller="clerk",
    query={"number": "today's ticket number, e.g. A012"},
    errors=("unknown_number", "invalid_number", "missing_field"),
)
async def find_ticket(request: Request) -> JSONResponse:
    store = hall_store(request)
    await auth.caller(request, store.hall)
    text = request.query_params.get("number")
    if text is None:
        raise InvalidRequest("请给出号码：?number=A012。", "Give the number: ?number=A012.", "missing_field")
    return JSONResponse(await ticket_by_number(StaffDesk(store), context(request).clock.now(), text))


@documented(
    "post",
    "导办台转移: staff send a waiting visitor to another category; the ticket keeps its number and arrival place",
    body=Transfer,
    answers={200: TicketResult},
    caller="clerk",
    idempotent=True,
    description="For a ticket that is waiting (a window moves its current visitor with …/windows/{n}/transfer). "
    "The `transferred` event has `from_service` and no `window`.",
    errors=("unknown_service", "unknown_ticket", "ticket_not_waiting", "ticket_from_another_day", "same_service"),
)
async def move_ticket(request: Request) -> JSONResponse:
    ticket_id = request.path_params["ticket_id"]
    ctx = context(request)
    store = ctx.store_for_ticket(ticket_id)
    await auth.caller(request, store.hall)
    body = await body_of(request, Transfer)
    service = service_code(store, body.service)
    key = idempotency(request, fingerprint(body))
    return answer(await StaffDesk(store).move_waiting(ctx.clock.now(), ticket_id, service, key))


@documented("get", "The guide desk (导办台): issue, look up, move and print tickets", answers={200: "text/html"})
async def guide_page(request: Request) -> Response:
    hall = page_hall(request)
    if hall is None:
        return not_found_page(NO_SUCH_HALL)
    lang = page_lang(request)
    config = {
        "hall": hall.id,
        "lang": lang,
        "categories": [{"code": s.code, "name": s.name, "name_en": s.name_en} for s in hall.services],
    }
    return templates.TemplateResponse(request, "guide.html", {"hall": hall, "lang": lang, "config": config})


routes: list[BaseRoute] = [
    Route("/api/halls/{hall}/guide/sign-in", guide_sign_in, methods=["POST"]),
    Route("/api/halls/{hall}/tickets", find_ticket, methods=["GET"]),
    Route("/api/tickets/{ticket_id}/transfer", move_ticket, methods=["POST"]),
    Route("/guide/{hall}", guide_page),
]
