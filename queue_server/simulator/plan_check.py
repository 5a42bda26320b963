"""Checking the staffing plan (:mod:`queue_server.core.staffing_plan`) in the simulator: does the staffing it asks for
meet the hall's service target on a simulated day?

For one seed of a profile: the forecast is made as the live server makes it, from the past weeks the profile would
have given (:func:`~queue_server.simulator.visitors.past_weeks`, never the day itself) and the day's bookings,
which are known ahead; the handling minutes are the profile's, as the windows would have measured them. The plan
is then staffed literally in a copy of the hall: each session of the day gets, for each category, as many windows
as the plan needs, each serving that category alone (new window numbers: the 1st session's from 101, the 2nd's from
201, …). The day runs in the ``static`` policy, nothing switched, and the share of visitors called within the
target minutes is counted from the stored tickets (a ticket never called counts as not within; so does a visitor
turned away at the cut-off). The hall's own staffing can run the same day for comparison.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal

from redis.asyncio import Redis

from queue_server.core.day_forecast import DayForecast, forecast_day
from queue_server.core.hall import Hall, Session, Window
from queue_server.core.staffing_plan import StaffingPlan, staffing_plan
from queue_server.simulator.profile import Profile
from queue_server.simulator.runner import run_policy
from queue_server.simulator.trial import without_reserve
from queue_server.simulator.visitors import Visitor, draw_visitors, past_weeks
from queue_server.store.hall_store import Scripts

Staffing = Literal["plan", "hall"]


@dataclass(frozen=True)
class CheckResult:
    """One simulated day: how many visitors of each category were called within the target minutes."""

    seed: int
    staffing: Staffing
    target_share: float
    target_minutes: float
    windows: Mapping[str, int]  # session name -> windows it staffed
    within: Mapping[str, int]  # category -> visitors called within the target
    visitors: Mapping[str, int]  # category -> tickets issued, plus those turned away

    @property
    def share(self) -> float:
        total = sum(self.visitors.values())
        return sum(self.within.values()) / total if total else 1.0

    def share_of(self, code: str) -> float:
        return self.within.get(code, 0) / self.visitors[code] if self.visitors.get(code) else 1.0

    @property
    def met(self) -> bool:
        """The target met over the day, and for every category alone."""
        return self.share >= self.target_share and all(self.share_of(c) >= self.target_share for c in self.visitors)


def booked_by_hour(visitors: Iterable[Visitor]) -> dict[str, dict[int, int]]:
    """The day's bookings per category and slot hour: what the hall's book holds the evening before."""
    counts: Counter[tuple[str, int]] = Counter(
        (v.service, int(v.slot.split(":")[0])) for v in visitors if v.slot is not None
    )
    booked: dict[str, dict[int, int]] = {}
    for (code, hour), n in counts.items():
        booked.setdefault(code, {})[hour] = n
    return booked


def handling_of(profile: Profile, hall: Hall) -> dict[str, float]:
    """The minutes per visitor the windows would have measured on days like the profile's."""
    return {code: profile.mean_minutes(hall, code) for code in hall.service_codes}


def plan_for(hall: Hall, profile: Profile, day: date, seed: int) -> tuple[DayForecast, StaffingPlan]:
    """The forecast and plan the hall would have made for the day of ``seed``."""
    visitors = draw_visitors(profile, hall, day, seed)
    forecast = forecast_day(day, hall, past_weeks(profile, hall, day, seed), booked_by_hour(visitors), today=day)
    return forecast, staffing_plan(hall, day, forecast, handling_of(profile, hall))


def planned_hall(hall: Hall, plan: StaffingPlan) -> Hall:
    """A copy of ``hall`` staffed as ``plan`` says: the day's sessions only, each at windows of its own, as many per
    category as the plan needs, each serving that category alone. No reserve, no tidal windows."""
    windows: list[Window] = []
    sessions: list[Session] = []
    for i, s in enumerate(plan.sessions):
        if s.session is None:
            raise ValueError("a hall without sessions has no session to staff")
        numbers: list[int] = []
        for need in s.categories:
            for _ in range(need.needed):
                number = 100 * (i + 1) + len(numbers) + 1
                numbers.append(number)
                windows.append(Window(number, (need.code,)))
        sessions.append(replace(s.session, windows=tuple(numbers)))
    return replace(without_reserve(hall), windows=tuple(windows), sessions=tuple(sessions), seasons=())


def called_within(tickets: Sequence[Mapping[str, Any]], minutes: float) -> Counter[str]:
    """Tickets per category called within ``minutes`` of being issued (a booked visitor's: of checking in)."""
    within: Counter[str] = Counter()
    for t in tickets:
        called = t.get("called_at")
        if called is None:
            continue
        waited = datetime.fromisoformat(called) - datetime.fromisoformat(t["issued_at"])
        if waited <= timedelta(minutes=minutes):
            within[t["service"]] += 1
    return within


async def check(redis_url: str, hall: Hall, profile: Profile, day: date, seed: int, staffing: Staffing) -> CheckResult:
    """Run the day of ``seed`` in the static policy, staffed as the plan says (``plan``) or as the hall file does
    (``hall``), on the Redis at ``redis_url`` (each run under a hall id of its own, deleted after)."""
    profile.check_hall(hall)
    _, plan = plan_for(hall, profile, day, seed)
    run_hall = planned_hall(hall, plan) if staffing == "plan" else without_reserve(hall)
    visitors = draw_visitors(profile, hall, day, seed)
    redis = Redis.from_url(redis_url, decode_responses=True)
    try:
        outcome = await run_policy(redis, Scripts(redis), run_hall, visitors, day, "static", profile)
    finally:
        await redis.aclose()
    target = hall.staffing
    counts: Counter[str] = Counter(t["service"] for t in outcome.tickets)
    counts.update(outcome.log.turned_away)
    regular = tuple(w.number for w in run_hall.windows if not w.reserve)
    sessions = {s.name: len(s.windows or regular) for s in run_hall.sessions if s.runs_on(day, plan.kind)}
    return CheckResult(
        seed=seed,
        staffing=staffing,
        target_share=target.share,
        target_minutes=target.minutes,
        windows=sessions if staffing == "hall" else {s.name: s.needed for s in plan.sessions},
        within=dict(called_within(outcome.tickets, target.minutes)),
        visitors=dict(counts),
    )
