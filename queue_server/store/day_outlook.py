"""What the day's forecast and staffing plan read from Redis (:mod:`queue_server.core.day_forecast`,
:mod:`queue_server.core.staffing_plan`): the walk-ins of the basis days, the date's bookings per slot hour, and the
handling minutes measured at the windows lately (the list the tidal controller reads too).

Reads only: a forecast looks at four past days' tickets (a few thousand at most) and one hash scan."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import cast

from queue_server.core.console import recent_minutes
from queue_server.core.day_forecast import DayForecast, basis_days, forecast_day
from queue_server.core.forecast import History, arrivals_by_hour
from queue_server.core.staffing_plan import StaffingPlan, staffing_plan
from queue_server.store import keys
from queue_server.store.hall_store import HallStore


async def history_of(store: HallStore, days: Iterable[date]) -> History:
    """Walk-ins per day, category and hour on ``days`` (a day with no ticket at all is left out)."""
    tickets = []
    for day in days:
        tickets += await store.tickets_of_days(day, day)
    return arrivals_by_hour(tickets, store.hall)


async def booked_by_hour(store: HallStore, day: date) -> dict[str, dict[int, int]]:
    """The live bookings (booked or checked in) of ``day`` per category and slot hour, from the slots' counts the
    book script keeps ("date|category|HH:MM" → bookings held)."""
    booked: dict[str, dict[int, int]] = {}
    match = f"{day.isoformat()}|*"
    async for field, value in store.redis.hscan_iter(keys.booking_slots(store.hall.id), match=match, count=500):
        parts = cast(str, field).split("|")
        if len(parts) != 3 or len(parts[2]) != 5:
            continue
        try:
            hour, held = int(parts[2][:2]), int(value)
        except ValueError:
            continue
        if held > 0:
            hours = booked.setdefault(parts[1], {})
            hours[hour] = hours.get(hour, 0) + held
    return booked


async def measured_minutes(store: HallStore) -> dict[str, float]:
    """The mean of each category's last handling times at the windows (categories with none are left out)."""
    raw = cast(dict[str, str], await store.redis.hgetall(keys.handling_times(store.hall.id)))
    return recent_minutes(raw)


async def day_forecast(store: HallStore, day: date, today: date) -> DayForecast:
    """The forecast of ``day`` as the hall knows it on business day ``today``."""
    days, _ = basis_days(day, store.hall.calendar, today)
    history = await history_of(store, days)
    return forecast_day(day, store.hall, history, await booked_by_hour(store, day), today=today)


async def day_plan(store: HallStore, day: date, today: date) -> tuple[DayForecast, StaffingPlan]:
    """The forecast of ``day`` and the staffing plan built on it."""
    forecast = await day_forecast(store, day, today)
    return forecast, staffing_plan(store.hall, day, forecast, await measured_minutes(store))
