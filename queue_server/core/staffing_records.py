"""The day's forecast and staffing plan as the API answers them (``GET …/forecast``, ``GET …/staffing``), declared
once as types for the handlers and the OpenAPI document, and the plain words a supervisor reads: where the hall's
staffing falls short of the plan, in Chinese and English. Pure."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, TypedDict

from queue_server.core.records import Code, Day

if TYPE_CHECKING:
    from queue_server.core.day_forecast import DayForecast, HourForecast
    from queue_server.core.hall import Hall
    from queue_server.core.staffing_plan import CategoryNeed, SessionPlan, StaffingPlan

Kind = Literal["workday", "restday", "closed"]


class HourFigures(TypedDict):
    """Expected arrivals in one hour (``hour``:00 to ``hour``:59) with the band; ``booked`` of them booked ahead."""

    hour: int
    expected: float
    low: float
    high: float
    booked: int


class CategoryFigures(TypedDict):
    code: Code
    name: str
    name_en: str
    expected: float  # the day's total, with its own band
    low: float
    high: float
    booked: int
    hours: list[HourFigures]


class Basis(TypedDict):
    """The past days the forecast rests on: the same weekday of past weeks (``weekday``), or, for a date the
    calendar moves (a holiday on a weekday, a 调休 working Saturday), the latest days of its kind (``day_kind``)."""

    rule: Literal["weekday", "day_kind"]
    days: list[Day]


class ForecastAnswer(TypedDict):
    """全天到访预测: expected arrivals per category and hour of a date, with a band that about 8 hours in 10 fall
    inside (mean ± z·sd over the basis days, sd at least a Poisson count's)."""

    hall: str
    date: Day
    day_kind: Kind
    basis: Basis
    z: float
    categories: list[CategoryFigures]


class HourPlan(TypedDict):
    hour: int
    arrivals: float
    load: float  # erlangs
    windows: int
    share: float  # called within the target with that many windows


class CategoryPlan(TypedDict):
    code: Code
    name: str
    name_en: str
    minutes: float
    minutes_from: Literal["measured", "hall"]
    busiest_hour: int | None
    needed: int
    staffed: int
    short: int
    share_staffed: float  # called within the target in the busiest hour with the windows staffed now
    hours: list[HourPlan]


class SessionFigures(TypedDict):
    name: str
    name_en: str
    start: str  # HH:MM
    end: str  # HH:MM; "24:00" for a hall open all day
    windows: list[int]
    needed: int
    staffed: int  # windows the session staffs now
    categories: list[CategoryPlan]


class Shortfall(TypedDict):
    """Where the hall staffs fewer windows than the plan needs: one category of a session (``code`` set), or a
    session as a whole (``code`` null)."""

    session: str
    session_en: str
    code: Code | None
    needed: int
    staffed: int
    short: int
    message: str
    message_en: str


class Target(TypedDict):
    share: float
    minutes: float


class StaffingAnswer(TypedDict):
    """排班需求: windows needed per session and category to meet the hall's target (Erlang C on the forecast), what
    the hall file staffs now, and where that falls short."""

    hall: str
    date: Day
    day_kind: Kind
    target: Target
    hall_windows: int
    basis: Basis
    sessions: list[SessionFigures]
    shortfalls: list[Shortfall]
    message: str
    message_en: str


def forecast_record(hall: Hall, forecast: DayForecast) -> ForecastAnswer:
    categories: list[CategoryFigures] = []
    for c in forecast.categories:
        service = hall.service(c.code)
        total = c.total
        categories.append(
            {
                "code": c.code,
                "name": service.name if service else c.code,
                "name_en": service.name_en if service else c.code,
                "expected": round(total.expected, 2),
                "low": round(total.low, 2),
                "high": round(total.high, 2),
                "booked": total.booked,
                "hours": [_hour(h) for h in c.hours],
            }
        )
    return {
        "hall": hall.id,
        "date": forecast.day.isoformat(),
        "day_kind": forecast.kind,
        "basis": basis_record(forecast),
        "z": forecast.z,
        "categories": categories,
    }


def basis_record(forecast: DayForecast) -> Basis:
    return {"rule": forecast.rule, "days": [d.isoformat() for d in forecast.basis]}


def plan_record(hall: Hall, plan: StaffingPlan, forecast: DayForecast) -> StaffingAnswer:
    shortfalls = [s for session in plan.sessions for s in shortfalls_of(hall, plan, session)]
    if not plan.sessions:
        message, message_en = "当天不办公，无需排班。", "The hall is closed that day: nobody to staff."
    elif shortfalls:
        message = f"{len(shortfalls)} 处现排窗口不足以达到服务目标，见 shortfalls。"
        message_en = f"The hall's staffing falls short of the target in {len(shortfalls)} places: see shortfalls."
    else:
        message = f"现排窗口均可达到服务目标（{_target_zh(plan)}）。"
        message_en = f"The hall's staffing meets the target everywhere ({_target_en(plan)})."
    return {
        "hall": hall.id,
        "date": plan.day.isoformat(),
        "day_kind": plan.kind,
        "target": {"share": plan.target.share, "minutes": plan.target.minutes},
        "hall_windows": plan.hall_windows,
        "basis": basis_record(forecast),
        "sessions": [_session(hall, s) for s in plan.sessions],
        "shortfalls": shortfalls,
        "message": message,
        "message_en": message_en,
    }


def shortfalls_of(hall: Hall, plan: StaffingPlan, session: SessionPlan) -> list[Shortfall]:
    """Each category of ``session`` staffed below the plan, then the session as a whole when it needs more windows
    than it staffs (or than the hall has)."""
    found: list[Shortfall] = []
    for c in session.shortfalls:
        service = hall.service(c.code)
        name, name_en = (service.name, service.name_en) if service else (c.code, c.code)
        found.append(
            {
                "session": session.name,
                "session_en": session.name_en,
                "code": c.code,
                "needed": c.needed,
                "staffed": c.staffed,
                "short": c.short,
                "message": f"{session.name}「{name}」需 {c.needed} 个窗口，现排 {c.staffed} 个，缺 {c.short} 个："
                f"{c.busiest_hour} 时预计 {_peak(c)} 人、每人约 {c.minutes:.1f} 分钟，"
                f"按现排窗口仅 {c.share_staffed:.0%} 可在 {plan.target.minutes:g} 分钟内叫号。",
                "message_en": f"{session.name_en}, {name_en}: {c.needed} windows needed, {c.staffed} staffed, "
                f"{c.short} short: {_peak(c)} expected at {c.busiest_hour}:00, about {c.minutes:.1f} min "
                f"each; with the windows staffed now only {c.share_staffed:.0%} are called within "
                f"{plan.target.minutes:g} min.",
            }
        )
    staffed = len(session.windows)
    if session.needed > staffed:
        beyond = session.needed > plan.hall_windows
        found.append(
            {
                "session": session.name,
                "session_en": session.name_en,
                "code": None,
                "needed": session.needed,
                "staffed": staffed,
                "short": session.needed - staffed,
                "message": f"{session.name}共需 {session.needed} 个窗口（每个窗口只办一类业务），现排 {staffed} 个"
                + (f"，超过大厅全部 {plan.hall_windows} 个窗口。" if beyond else "。"),
                "message_en": f"{session.name_en} needs {session.needed} windows in all (one category each), "
                f"{staffed} staffed" + (f", more than the hall's {plan.hall_windows} windows." if beyond else "."),
            }
        )
    return found


def _session(hall: Hall, s: SessionPlan) -> SessionFigures:
    return {
        "name": s.name,
        "name_en": s.name_en,
        "start": s.start.strftime("%H:%M"),
        "end": s.end.strftime("%H:%M") if s.end else "24:00",
        "windows": list(s.windows),
        "needed": s.needed,
        "staffed": len(s.windows),
        "categories": [_category(hall, c) for c in s.categories],
    }


def _category(hall: Hall, c: CategoryNeed) -> CategoryPlan:
    service = hall.service(c.code)
    return {
        "code": c.code,
        "name": service.name if service else c.code,
        "name_en": service.name_en if service else c.code,
        "minutes": round(c.minutes, 2),
        "minutes_from": "measured" if c.measured else "hall",
        "busiest_hour": c.busiest_hour,
        "needed": c.needed,
        "staffed": c.staffed,
        "short": c.short,
        "share_staffed": round(c.share_staffed, 3),
        "hours": [
            {
                "hour": h.hour,
                "arrivals": round(h.arrivals, 2),
                "load": round(h.load, 3),
                "windows": h.windows,
                "share": round(h.share, 3),
            }
            for h in c.hours
        ],
    }


def _hour(h: HourForecast) -> HourFigures:
    return {
        "hour": h.hour,
        "expected": round(h.expected, 2),
        "low": round(h.low, 2),
        "high": round(h.high, 2),
        "booked": h.booked,
    }


def _peak(c: CategoryNeed) -> str:
    """The busiest hour's expected arrivals, as a whole number of people."""
    busiest = next((h for h in c.hours if h.hour == c.busiest_hour), None)
    return f"{busiest.arrivals:.0f}" if busiest else "0"


def _target_zh(plan: StaffingPlan) -> str:
    return f"{plan.target.share:.0%} 的办事群众 {plan.target.minutes:g} 分钟内叫号"


def _target_en(plan: StaffingPlan) -> str:
    return f"{plan.target.share:.0%} of visitors called within {plan.target.minutes:g} min"
