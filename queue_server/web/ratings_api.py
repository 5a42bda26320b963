"""好差评 over HTTP: a visitor rates a served ticket (from the phone page, or the window's evaluator device), and
supervisors read the ratings and follow every 差评's case up.

    POST /api/tickets/{id}/rating                      the visitor's phone: the unguessable ticket id is the proof
    GET  /api/tickets/{id}/rating                      may it be rated now, and the rating once given
    POST /api/halls/{hall}/windows/{n}/rating          the evaluator device of window n (X-Device-Token)
    GET  /api/halls/{hall}/ratings[.csv]?date=…        supervisors: the ratings of a day or a range
    GET  /api/halls/{hall}/rating-cases?state=&overdue= supervisors: the 差评 cases, overdue first
    POST /api/halls/{hall}/rating-cases/{id}/steps     supervisors: the case's next step
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from queue_server.core.errors import Forbidden, InvalidRequest, Unauthorized
from queue_server.core.hall import Window
from queue_server.core.rating_records import Rated, Rating, RatingCase, RatingState
from queue_server.core.ratings import CASE_STATES, CaseState, check_rating, rating_closes
from queue_server.store.hall_store import HallStore
from queue_server.store.ratings import Ratings, public_rating
from queue_server.web import auth
from queue_server.web.access import DEVICE_HEADER
from queue_server.web.api import window_of
from queue_server.web.bodies import CaseStep, Rate, body_of
from queue_server.web.context import context, hall_store
from queue_server.web.openapi import documented
from queue_server.web.ratings_export import ratings_csv
from queue_server.web.stats.api import period_of

NO_STORE = {"Cache-Control": "no-store"}
TICKET_KEY_HEADER = "X-Ticket-Key"
TICKET_KEY_TEXT = "The visitor's own key for the ticket: the k of the phone page's link (/t/{id}?k=…) on the ticket"

RATE_ERRORS = ("invalid_level", "unknown_reason", "reason_required", "reasons_not_allowed", "comment_too_long")


async def _rate(request: Request, store: HallStore, **where: Any) -> JSONResponse:
    body = await body_of(request, Rate)
    level, reasons, comment = check_rating(body.level, body.reasons, body.comment)
    now = context(request).clock.now()
    rating, _ = await Ratings(store).rate(now, level=level, reasons=reasons, comment=comment, **where)
    return JSONResponse({"rating": public_rating(rating)}, status_code=201, headers=NO_STORE)


@documented(
    "post",
    "好差评: the visitor rates the service of their served ticket (from their phone)",
    body=Rate,
    answers={201: Rated},
    description="Once per ticket, within the hall's [ratings] within_minutes of its service. A 差评 (level 2 or 1) "
    "needs a reason and opens a case for the supervisors.",
    headers={TICKET_KEY_HEADER: TICKET_KEY_TEXT},
    errors=(*RATE_ERRORS, "unknown_ticket", "bad_ticket_key", "not_served", "already_rated", "rating_closed"),
)
@documented(
    "get",
    "好差评: whether the ticket may be rated now, and its rating once given",
    answers={200: RatingState},
    headers={TICKET_KEY_HEADER: TICKET_KEY_TEXT},
    errors=("unknown_ticket", "bad_ticket_key"),
)
async def ticket_rating(request: Request) -> Response:
    ticket_id = request.path_params["ticket_id"]
    store = context(request).store_for_ticket(ticket_id)
    # The ticket id is no proof (every hall screen sees it): the visitor's own key, from their ticket's QR code, is.
    key = request.headers.get(TICKET_KEY_HEADER, "")
    if not key.isascii() or not await store.holds_key(ticket_id, key):
        raise Forbidden(
            "请用号票上的二维码打开本页，再进行评价。",
            "Open this page from the QR code on your ticket to rate the service.",
            "bad_ticket_key",
        )
    if request.method == "POST":
        return await _rate(request, store, channel="phone", ticket_id=ticket_id)
    now = context(request).clock.now()
    ticket = await store.ticket(now, ticket_id)
    rating = await Ratings(store).rating_of(ticket_id)
    closes = _closes(store, ticket.get("finished_at")) if ticket.get("state") == "served" else None
    state: RatingState = {
        "rating": public_rating(rating) if rating else None,  # type: ignore[typeddict-item]
        "open": rating is None and closes is not None and now <= closes,
        "closes_at": closes.isoformat(timespec="seconds") if closes else None,
    }
    return JSONResponse(state, headers=NO_STORE)


def _closes(store: HallStore, served_at: Any) -> datetime | None:
    if not isinstance(served_at, str):
        return None
    try:
        return rating_closes(datetime.fromisoformat(served_at), store.hall.ratings)
    except ValueError:
        return None


def evaluator_of(request: Request, window: Window) -> None:
    """The request must come from ``window``'s evaluator device: its token's sha256 is the window's."""
    token = request.headers.get(DEVICE_HEADER)
    if not token:
        raise Unauthorized(
            "评价器需要发送设备令牌（X-Device-Token）。",
            "The evaluator device must send its token (X-Device-Token).",
            "missing_device_token",
        )
    digest = hashlib.sha256(token.encode()).hexdigest()
    if window.evaluator_token is None or not hmac.compare_digest(digest, window.evaluator_token):
        raise Forbidden(
            f"这个设备不是 {window.number} 号窗口的评价器。",
            f"This device is not the evaluator of window {window.number}.",
            "wrong_device_token",
        )


@documented(
    "post",
    "好差评: the window's evaluator device rates the window's last served visitor",
    body=Rate,
    answers={201: Rated},
    headers={"X-Device-Token": "the evaluator's token, whose sha256 is the window's evaluator_token"},
    description="Rates the ticket the window served last today, once, within [ratings] within_minutes.",
    errors=(
        *RATE_ERRORS,
        "missing_device_token",
        "wrong_device_token",
        "nothing_to_rate",
        "not_served",
        "already_rated",
        "rating_closed",
    ),
)
async def window_rating(request: Request) -> Response:
    store = hall_store(request)
    window = window_of(store, request.path_params["window"])
    evaluator_of(request, window)
    return await _rate(request, store, channel="window", window=window.number)


async def _supervisor(request: Request) -> tuple[HallStore, datetime]:
    store = hall_store(request)
    await auth.supervisor(request, store.hall, "查看和处理好差评", "read and follow up the ratings")
    return store, context(request).clock.now()


LIST_QUERY = {
    "date": "one business day, YYYY-MM-DD (default: today)",
    "from": "first day of a range",
    "to": "last day of a range",
    "format": "json or csv",
}


@documented(
    "get",
    "好差评: the ratings of a day or a range, for supervisors (JSON, or CSV with format=csv)",
    answers={200: list[Rating]},
    caller="supervisor",
    query=LIST_QUERY,
    errors=("bad_date", "bad_range", "range_too_long", "bad_format"),
)
async def hall_ratings(request: Request) -> Response:
    store, now = await _supervisor(request)
    ratings = Ratings(store)
    first, last = period_of(request.query_params, ratings.today(now))
    found = await ratings.ratings_of_days(first, last)
    fmt = "csv" if request.url.path.endswith(".csv") else request.query_params.get("format", "json")
    if fmt == "csv":
        name = f"ratings-{store.hall.id}-{first}" + (f"-{last}" if last != first else "")
        ascii_name = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in name)
        return Response(
            ratings_csv(found).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f"attachment; filename=\"{ascii_name}.csv\"; filename*=UTF-8''{quote(name)}.csv",
                **NO_STORE,
            },
        )
    if fmt != "json":
        raise InvalidRequest("format 只能是 json 或 csv。", "format must be json or csv.", "bad_format")
    return JSONResponse(found, headers=NO_STORE)


def _state(text: str) -> CaseState:
    for state in CASE_STATES:
        if state == text:
            return state
    raise InvalidRequest(
        f"没有 {text[:20]!r} 这个工单状态（可选：{'、'.join(CASE_STATES)}）。",
        f"No case state {text[:20]!r} (states: {', '.join(CASE_STATES)}).",
        "unknown_state",
    )


@documented(
    "get",
    "好差评: the 差评 cases and their deadlines, overdue first, for supervisors",
    answers={200: list[RatingCase]},
    caller="supervisor",
    query={"state": "only cases in this state", "overdue": "true: only overdue cases"},
    errors=("unknown_state",),
)
async def rating_cases(request: Request) -> Response:
    store, now = await _supervisor(request)
    cases = await Ratings(store).cases(now)
    if "state" in request.query_params:
        state = _state(request.query_params["state"])
        cases = [c for c in cases if c["state"] == state]
    if request.query_params.get("overdue") in ("true", "1"):
        cases = [c for c in cases if c["overdue"]]
    return JSONResponse(cases, headers=NO_STORE)


@documented(
    "post",
    "好差评: the case's next step (to_verify → rectifying → revisited → closed), for supervisors",
    body=CaseStep,
    answers={200: RatingCase},
    caller="supervisor",
    errors=("unknown_state", "unknown_case", "step_out_of_order"),
)
async def case_step(request: Request) -> Response:
    store, now = await _supervisor(request)
    body = await body_of(request, CaseStep)
    to = _state(body.to)
    by = body.by.strip() or "值班长"
    case = await Ratings(store).step(now, request.path_params["case_id"], to, by, body.note.strip())
    return JSONResponse(case, headers=NO_STORE)


routes = [
    Route("/api/tickets/{ticket_id}/rating", ticket_rating, methods=["GET", "POST"]),
    Route("/api/halls/{hall}/windows/{window}/rating", window_rating, methods=["POST"]),
    Route("/api/halls/{hall}/ratings", hall_ratings),
    Route("/api/halls/{hall}/ratings.csv", hall_ratings),
    Route("/api/halls/{hall}/rating-cases", rating_cases),
    Route("/api/halls/{hall}/rating-cases/{case_id}/steps", case_step, methods=["POST"]),
]
