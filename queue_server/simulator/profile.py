"""A day's profile for the simulator: who comes when, how long they take, how many never show up.

A profile is a TOML file (see ``config/profiles/`` and ``docs/simulator.md``)::

    [profile]
    hall = "demo"                # the hall it is written for
    name = "Busy weekday"
    date = 2026-11-23            # the day simulated unless --date says otherwise

    [visitors]
    no_show_share = 0.05         # called, never come to the window (过号)
    priority_share = 0.02        # 绿色通道 tickets
    appointment_share = 0.0      # come with a booking (预约) for a session that takes them
    handling_sigma = 0.45        # spread of the lognormal handling time (0: always the mean)
    no_show_wait_seconds = 90    # a clerk recalls once, then skips after this long

    [handling]                   # optional: mean minutes per visitor; default the hall's minutes
    C = 18

    [arrivals]                   # expected arrivals per hour (Poisson), for each hour listed
    hours = [9, 10, 11]
    A     = [40, 55, 48]

Every error names the file and the key. Pure: no Redis; :func:`load_profile` reads one file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from queue_server.config.table import Table, load_toml

if TYPE_CHECKING:
    from queue_server.core.hall import Hall

MAX_PER_HOUR = 2000.0  # far above any hall; a typo like 4000 instead of 40 is caught


class ProfileError(Exception):
    """A profile file is missing or wrong; the message names the file and the key."""


@dataclass(frozen=True)
class Profile:
    source: str
    hall: str
    name: str
    day: date | None
    arrivals: Mapping[str, Mapping[int, float]]  # category -> hour of the day -> expected arrivals in that hour
    minutes: Mapping[str, float] = field(default_factory=dict)  # category -> mean handling minutes (override)
    no_show_share: float = 0.05
    priority_share: float = 0.02
    appointment_share: float = 0.0
    handling_sigma: float = 0.45
    no_show_wait_seconds: float = 90.0

    @property
    def expected_arrivals(self) -> float:
        return sum(sum(hours.values()) for hours in self.arrivals.values())

    def mean_minutes(self, hall: Hall, code: str) -> float:
        """A category's mean handling time: the profile's, else the hall's typical minutes."""
        if code in self.minutes:
            return self.minutes[code]
        service = hall.service(code)
        if service is None:
            raise ProfileError(f"{self.source}: arrivals.{code}: hall {hall.id!r} has no category {code!r}")
        return service.minutes

    def check_hall(self, hall: Hall) -> None:
        """Every category the profile names must be one of the hall's."""
        known = set(hall.service_codes)
        for section, codes in (("arrivals", self.arrivals), ("handling", self.minutes)):
            for code in codes:
                if code not in known:
                    raise ProfileError(
                        f"{self.source}: {section}.{code}: hall {hall.id!r} has no category {code!r} "
                        f"(known: {', '.join(sorted(known))})"
                    )


class _Table(Table):
    error = ProfileError

    def number(self, name: str, default: float, low: float, high: float) -> float:
        value = self.data.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(name, f"expected a number, got {value!r}")
        if not low <= value <= high:
            raise self.fail(name, f"expected {low:g} to {high:g}, got {value!r}")
        return float(value)


def parse_profile(source: str, data: Mapping[str, Any]) -> Profile:
    """A :class:`Profile` from one parsed TOML document; ``source`` names it in errors."""
    root = _Table(source, "", data)
    root.check_known("profile", "visitors", "handling", "arrivals")
    head = root.table("profile")
    head.check_known("hall", "name", "date")
    hall = head.data.get("hall")
    if not isinstance(hall, str) or not hall:
        raise head.fail("hall", "missing: the id of the hall this profile is for")
    name = head.data.get("name", Path(source).stem)
    if not isinstance(name, str):
        raise head.fail("name", f"expected a string, got {name!r}")
    day = head.data.get("date")
    if day is not None and (not isinstance(day, date) or isinstance(day, datetime)):
        raise head.fail("date", f"expected a date like 2026-11-23, got {day!r}")

    visitors = root.table("visitors")
    visitors.check_known(
        "no_show_share", "priority_share", "appointment_share", "handling_sigma", "no_show_wait_seconds"
    )
    handling = root.table("handling")
    minutes = {code: handling.number(code, 0, 0.1, 480) for code in handling.data}
    return Profile(
        source=source,
        hall=hall,
        name=name,
        day=day,
        arrivals=_arrivals(root.table("arrivals")),
        minutes=minutes,
        no_show_share=visitors.number("no_show_share", 0.05, 0, 1),
        priority_share=visitors.number("priority_share", 0.02, 0, 1),
        appointment_share=visitors.number("appointment_share", 0.0, 0, 1),
        handling_sigma=visitors.number("handling_sigma", 0.45, 0, 2),
        no_show_wait_seconds=visitors.number("no_show_wait_seconds", 90, 0, 1800),
    )


def _arrivals(table: _Table) -> dict[str, dict[int, float]]:
    hours = table.data.get("hours")
    if not isinstance(hours, list) or not hours:
        raise table.fail("hours", "missing: a list of hours of the day, like [9, 10, 11]")
    for h in hours:
        if isinstance(h, bool) or not isinstance(h, int) or not 0 <= h <= 23:
            raise table.fail("hours", f"expected hours 0 to 23, got {h!r}")
    if len(set(hours)) != len(hours):
        raise table.fail("hours", "an hour is listed twice")
    arrivals: dict[str, dict[int, float]] = {}
    for code, counts in table.data.items():
        if code == "hours":
            continue
        if not isinstance(counts, list) or len(counts) != len(hours):
            raise table.fail(code, f"expected a list of {len(hours)} numbers, one per hour in hours")
        for c in counts:
            if isinstance(c, bool) or not isinstance(c, int | float) or not 0 <= c <= MAX_PER_HOUR:
                raise table.fail(code, f"expected arrivals per hour from 0 to {MAX_PER_HOUR:g}, got {c!r}")
        arrivals[code] = {h: float(c) for h, c in zip(hours, counts, strict=True)}
    if not arrivals:
        raise table.fail("hours", "no category listed: add a line like A = [40, 55, 48]")
    return arrivals


def load_profile(path: Path) -> Profile:
    return parse_profile(str(path), load_toml(path, ProfileError, "the profile"))
