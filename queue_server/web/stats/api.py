"""Statistics over HTTP (统计), for supervisors: the summary as JSON or CSV, and its charts as SVG.

    GET /api/halls/{hall}/stats?date=2026-11-23              one business day (default: today's)
    GET /api/halls/{hall}/stats?from=2026-11-01&to=2026-11-30  a range of at most MAX_DAYS days
        &session=<name>   one session only;   &format=csv   a CSV download (also /stats.csv)
    GET /api/halls/{hall}/stats/charts/{name}.svg?...        arrivals, waiting, busy or waits; &lang=en

:func:`load_statistics` gathers what the store keeps (the period's tickets, the windows' paused time, the
bookings) and hands it to the pure :func:`queue_server.core.statistics.summary.summarise`.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, cast
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from queue_server.core.business_day import business_day
from queue_server.core.errors import InvalidRequest, NotFound
from queue_server.core.records import Statistics
from queue_server.core.statistics.ratings import rating_statistics
from queue_server.core.statistics.summary import sessions_named, summarise
from queue_server.store import keys
from queue_server.store.hall_store import KEEP_DAYS, HallStore
from queue_server.store.ratings import Ratings
from queue_server.web import auth
from queue_server.web.bodies import calendar_day
from queue_server.web.context import context, hall_store
from queue_server.web.openapi import documented
from queue_server.web.stats.charts import CHARTS, render_chart
from queue_server.web.stats.export import statistics_csv

MAX_DAYS = KEEP_DAYS  # tickets are kept this many business days; a longer range would only show gaps
FORMATS = ("json", "csv")


async def load_statistics(
    store: HallStore, first: date, last: date, now: datetime, session: str | None = None
) -> dict[str, Any]:
    """The hall's statistics for business days ``first`` to ``last`` as of ``now``, from what Redis keeps."""
    tickets = await store.tickets_of_days(first, last)
    paused = await paused_time(store, first, last, now)
    bookings = await stored_bookings(store)
    # A busy day takes a tenth of a second or so of CPU (docs/performance.md), a long range more: in a thread,
    # so that the event loop keeps feeding the hall screens meanwhile.
    work = functools.partial(summarise, paused_ms=paused, bookings=bookings, session=session, now=now)
    summary = await asyncio.to_thread(work, store.hall, tickets, first, last)
    summary["ratings"] = await rating_summary(store, first, last, now)
    return summary


async def rating_summary(store: HallStore, first: date, last: date, now: datetime) -> dict[str, Any]:
    """好差评 of the period (queue_server.core.statistics.ratings): ratings and 差评 cases of its business days."""
    ratings = Ratings(store)
    low, high = first.isoformat(), last.isoformat()
    cases = [c for c in await ratings.cases(now) if low <= str(c.get("business_day")) <= high]
    return rating_statistics(await ratings.ratings_of_days(first, last), cases)


async def paused_time(store: HallStore, first: date, last: date, now: datetime) -> dict[str, int]:
    """Milliseconds each window spent paused on each day of the period ("YYYY-MM-DD|n" → ms).

    The pause script adds a pause's length when the window resumes; a window paused right now is counted up to
    ``now`` here, on the day its pause began, as the script will count it."""
    h = store.hall.id
    low, high = first.isoformat(), last.isoformat()
    found: dict[str, int] = {}
    for key, value in cast(dict[str, str], await store.redis.hgetall(keys.paused_time(h))).items():
        if low <= key.partition("|")[0] <= high and value.lstrip("-").isdigit():
            found[key] = int(value)
    now_ms = int(now.timestamp() * 1000)
    for number, raw in cast(dict[str, str], await store.redis.hgetall(keys.windows(h))).items():
        window = _json_object(raw)
        since, day = window.get("paused_ms"), window.get("paused_day")
        if window.get("state") == "paused" and isinstance(since, int) and isinstance(day, str) and low <= day <= high:
            key = f"{day}|{number}"
            found[key] = found.get(key, 0) + max(0, now_ms - since)
    return found


async def stored_bookings(store: HallStore) -> list[dict[str, Any]]:
    """Every booking (预约) the hall keeps; one that is not a JSON object is left out."""
    raw = cast(dict[str, str], await store.redis.hgetall(keys.bookings(store.hall.id)))
    return [booking for value in raw.values() if (booking := _json_object(value))]


def _json_object(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _day(params: Mapping[str, str], name: str) -> date:
    text = params[name]
    day = calendar_day(text)
    if day is None:
        raise InvalidRequest(
            f"日期应写作 YYYY-MM-DD，{name}={text[:40]!r} 无法识别。",
            f"The {name!r} date must be written YYYY-MM-DD.",
            "bad_date",
        )
    return day


def period_of(params: Mapping[str, str], today: date) -> tuple[date, date]:
    """The business days a query asks for: ``date``, or ``from`` (and ``to``, default today); default today."""
    if "date" in params and ("from" in params or "to" in params):
        raise InvalidRequest("请只给出 date，或 from 与 to。", "Give either date, or from and to.", "bad_range")
    if "date" in params:
        return _day(params, "date"), _day(params, "date")
    if "to" in params and "from" not in params:
        raise InvalidRequest("给出 to 时也需给出 from。", "Give from together with to.", "bad_range")
    if "from" not in params:
        return today, today
    first = _day(params, "from")
    last = _day(params, "to") if "to" in params else today
    if last < first:
        raise InvalidRequest(f"结束日期 {last} 早于开始日期 {first}。", "The range ends before it starts.", "bad_range")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidRequest(
            f"一次最多统计 {MAX_DAYS} 天。",
            f"At most {MAX_DAYS} days at a time (tickets are kept that long).",
            "range_too_long",
        )
    return first, last


async def _query(request: Request) -> tuple[HallStore, dict[str, Any], str]:
    """Authorise a supervisor, read the query, load the statistics; also returns the asked format."""
    store = hall_store(request)
    ctx = context(request)
    await auth.supervisor(request, store.hall, "查看统计", "read the statistics")
    params = request.query_params
    now = ctx.clock.now()
    first, last = period_of(params, business_day(now, store.hall.timezone, store.hall.rollover))
    session = params.get("session") or None
    if session is not None:
        try:
            sessions_named(store.hall, session)
        except ValueError:
            known = "、".join(dict.fromkeys(s.name for s in store.hall.sessions)) or "无 none"
            raise InvalidRequest(
                f"没有名为 {session[:40]!r} 的办理时段（可选：{known}）。",
                "No such session in this hall.",
                "unknown_session",
            ) from None
    fmt = params.get("format", "json")
    if fmt not in FORMATS:
        raise InvalidRequest(
            "format 只能是 json 或 csv。", f"format must be json or csv, not {fmt[:20]!r}.", "bad_format"
        )
    return store, await load_statistics(store, first, last, now, session), fmt


def _csv_response(summary: Mapping[str, Any]) -> Response:
    period = summary["period"]
    name = f"stats-{summary['hall']['id']}-{period['first']}"
    name += f"-{period['last']}" if period["last"] != period["first"] else ""
    name += f"-{period['session']}" if period["session"] else ""
    ascii_name = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in name)
    disposition = f"attachment; filename=\"{ascii_name}.csv\"; filename*=UTF-8''{quote(name)}.csv"
    return Response(
        statistics_csv(summary).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


STATS_QUERY = {
    "date": "one day, YYYY-MM-DD (default: today)",
    "from": "first day of a range",
    "to": "last day of a range",
    "session": "only this session's hours",
    "format": "json or csv",
    "lang": "zh or en (charts)",
}
STATS_ERRORS = (
    "bad_date", "bad_range", "range_too_long", "unknown_session", "bad_format", "supervisors_only",
    "missing_token", "bad_token",
)  # fmt: skip


@documented(
    "get",
    "统计: statistics of a day, a session or a range",
    answers={200: Statistics},
    caller="supervisor",
    query=STATS_QUERY,
    errors=STATS_ERRORS,
)
async def hall_statistics(request: Request) -> Response:
    _, summary, fmt = await _query(request)
    if fmt == "csv":
        return _csv_response(summary)
    return JSONResponse(summary, headers={"Cache-Control": "no-store"})


@documented(
    "get",
    "统计: the same statistics as CSV",
    answers={200: "text/csv"},
    caller="supervisor",
    query=STATS_QUERY,
    errors=STATS_ERRORS,
)
async def hall_statistics_csv(request: Request) -> Response:
    _, summary, _ = await _query(request)
    return _csv_response(summary)


@documented(
    "get",
    "统计: a chart as SVG (arrivals, waiting, busy, waits)",
    answers={200: "image/svg+xml"},
    caller="supervisor",
    query=STATS_QUERY,
    errors=(*STATS_ERRORS, "unknown_chart"),
)
async def statistics_chart(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in CHARTS:
        raise NotFound(
            f"没有 {name[:40]!r} 这张图（可选：{'、'.join(CHARTS)}）。",
            f"No chart {name[:40]!r} (charts: {', '.join(CHARTS)}).",
            "unknown_chart",
        )
    _, summary, _ = await _query(request)
    lang = "en" if request.query_params.get("lang") == "en" else "zh"
    svg = render_chart(name, summary, lang)
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


routes = [
    Route("/api/halls/{hall}/stats", hall_statistics),
    Route("/api/halls/{hall}/stats.csv", hall_statistics_csv),
    Route("/api/halls/{hall}/stats/charts/{name}.svg", statistics_chart),
]
