"""A window's waiting list and 特呼 (calling one waiting ticket by name), for the clerk of that window.

``GET /api/halls/{hall}/windows/{n}/queue?limit=10``: the next visitors the window would call, in call-next's
order, with how long each has waited, and today's skipped visitors (过号) of its categories.
``POST /api/halls/{hall}/windows/{n}/call`` ``{"ticket_id"}`` or ``{"number": "A012"}``: call that ticket now.
"""

from __future__ import annotations

import re
from datetime import datetime

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from queue_server.core.errors import InvalidRequest, NotFound
from queue_server.core.records import Ticket, TicketResult, WindowQueue
from queue_server.store.staff_desk import StaffDesk
from queue_server.web import auth
from queue_server.web.api import answer, window_of
from queue_server.web.bodies import CallTicket, body_of, fingerprint
from queue_server.web.context import context, hall_store
from queue_server.web.openapi import documented
from queue_server.web.responses import idempotency

NUMBER = re.compile(r"[A-Za-z0-9]{1,12}")
LIMIT = (1, 50)  # how many of the next visitors a list may ask for


def ticket_number(text: str) -> str:
    """A ticket number as typed at a desk or a pad ("a012" is A012); InvalidRequest if it cannot be one."""
    if not NUMBER.fullmatch(text):
        raise InvalidRequest(
            f"号码 {text!r} 不对：应为业务字母加数字，如 A012。",
            f"{text!r} is not a ticket number: a category letter and digits, e.g. A012.",
            "invalid_number",
        )
    return text.upper()


async def ticket_by_number(desk: StaffDesk, now: datetime, text: str) -> Ticket:
    """Today's ticket with that number; 404 unknown_number when there is none."""
    number = ticket_number(text)
    ticket = await desk.find_number(now, number)
    if ticket is None:
        raise NotFound(f"今天没有 {number} 号。", f"No ticket {number} today.", "unknown_number")
    return ticket


@documented(
    "get",
    "The next visitors a window would call (priority first, then its policy), with their waits, and today's "
    "skipped visitors (过号) of its categories",
    answers={200: WindowQueue},
    caller="clerk",
    query={"limit": "how many of the next visitors (1 to 50, default 10)"},
    errors=("wrong_window", "unknown_window", "invalid_field"),
)
async def window_queue(request: Request) -> JSONResponse:
    store = hall_store(request)
    window = window_of(store, request.path_params["window"])
    principal = await auth.caller(request, store.hall)
    principal.check_window(window.number)
    text = request.query_params.get("limit", "10")
    if not (text.isascii() and text.isdigit() and LIMIT[0] <= int(text) <= LIMIT[1]):
        raise InvalidRequest(
            f"limit 应为 {LIMIT[0]} 到 {LIMIT[1]} 的整数。",
            f"limit must be a whole number from {LIMIT[0]} to {LIMIT[1]}.",
            "invalid_field",
        )
    data = await StaffDesk(store).window_queue(context(request).clock.now(), window, int(text))
    return JSONResponse(data)


@documented(
    "post",
    '特呼: call one waiting ticket to the window now, by {"ticket_id"} or today\'s {"number"}',
    body=CallTicket,
    answers={200: TicketResult},
    caller="clerk",
    idempotent=True,
    description="Completes the window's current visitor first, as call-next does, and emits the same `called` "
    "event with `special: true`. Refused: a ticket that is not waiting (409 ticket_not_waiting), of another "
    "business day (409 ticket_from_another_day), or of a category the window does not serve (409 "
    "not_served_here: transfer it first).",
    errors=(
        "wrong_window",
        "unknown_window",
        "unknown_ticket",
        "unknown_number",
        "invalid_number",
        "ticket_number_mismatch",
        "window_paused",
        "ticket_not_waiting",
        "ticket_from_another_day",
        "not_served_here",
    ),
)
async def call_ticket(request: Request) -> JSONResponse:
    store = hall_store(request)
    window = window_of(store, request.path_params["window"])
    principal = await auth.caller(request, store.hall)
    principal.check_window(window.number)
    body = await body_of(request, CallTicket)
    now = context(request).clock.now()
    desk = StaffDesk(store)
    ticket_id = await chosen_ticket(desk, body, now)
    key = idempotency(request, fingerprint(body))
    clerk = principal.name if principal.window else ""
    return answer(await desk.call_ticket(now, window, ticket_id, key, clerk=clerk))


async def chosen_ticket(desk: StaffDesk, body: CallTicket, now: datetime) -> str:
    """The id of the ticket a 特呼 names: by id, by today's number, or by both when they agree."""
    if body.number is None:
        if body.ticket_id is None:
            raise InvalidRequest(
                "请给出要特呼的号码（number）或票的标识（ticket_id）。",
                "Give the ticket to call: its number or its ticket_id.",
                "missing_field",
            )
        return body.ticket_id
    found = await ticket_by_number(desk, now, body.number)
    if body.ticket_id is not None and body.ticket_id != found["id"]:
        raise InvalidRequest(
            f"ticket_id 与号码 {found['number']} 不是同一张票。",
            f"The ticket_id and the number {found['number']} name different tickets.",
            "ticket_number_mismatch",
        )
    return found["id"]


routes = [
    Route("/api/halls/{hall}/windows/{window}/queue", window_queue),
    Route("/api/halls/{hall}/windows/{window}/call", call_ticket, methods=["POST"]),
]
