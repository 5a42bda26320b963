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
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import msgspec
from msgspec import Meta, Struct

from queue_server.config.reading import fail, load_toml, read

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


def share(high: float = 1) -> Any:
    return Meta(ge=0, le=high, extra={"what": "a number", "fault": f"expected 0 to {high:g}"})


class _Table(Struct, kw_only=True, forbid_unknown_fields=True):
    """A TOML table of a profile: keys by name, unknown ones refused."""


class ProfileTable(_Table, kw_only=True):
    hall: Annotated[str, Meta(pattern=r"\S", extra={"fault": "missing: the id of the hall this profile is for"})]
    name: str | None = None  # the file's name when unset
    date: (
        Annotated[date, Meta(extra={"what": "a date like 2026-11-23", "fault": "expected a date like 2026-11-23"})]
        | None
    ) = None


class VisitorsTable(_Table, kw_only=True):
    no_show_share: Annotated[float, share()] = 0.05
    priority_share: Annotated[float, share()] = 0.02
    appointment_share: Annotated[float, share()] = 0.0
    handling_sigma: Annotated[float, share(2)] = 0.45
    no_show_wait_seconds: Annotated[float, share(1800)] = 90.0


class ProfileFile(_Table, kw_only=True):
    """A simulator profile, declared once: what each table may hold."""

    profile: Annotated[ProfileTable, Meta(extra={"what": "a [profile] table"})]
    visitors: Annotated[VisitorsTable, Meta(extra={"what": "a [visitors] table"})] = msgspec.field(
        default_factory=VisitorsTable
    )
    # category -> mean handling minutes; checked below, where the category can be named in the error
    handling: Annotated[dict[str, Any], Meta(extra={"what": "a table like {C = 18}"})] = {}
    # "hours" and one list per category, checked below
    arrivals: Annotated[dict[str, Any], Meta(extra={"what": "an [arrivals] table"})]


def parse_profile(source: str, data: Mapping[str, Any]) -> Profile:
    """A :class:`Profile` from one parsed TOML document; ``source`` names it in errors."""
    file = read(source, data, ProfileFile, ProfileError)
    minutes: dict[str, float] = {}
    for code, value in file.handling.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0.1 <= value <= 480:
            raise fail(ProfileError, source, f"handling.{code}", f"expected 0.1 to 480 minutes, got {value!r}")
        minutes[code] = float(value)
    visitors = file.visitors
    return Profile(
        source=source,
        hall=file.profile.hall,
        name=file.profile.name or Path(source).stem,
        day=file.profile.date,
        arrivals=_arrivals(source, file.arrivals),
        minutes=minutes,
        no_show_share=visitors.no_show_share,
        priority_share=visitors.priority_share,
        appointment_share=visitors.appointment_share,
        handling_sigma=visitors.handling_sigma,
        no_show_wait_seconds=visitors.no_show_wait_seconds,
    )


def _arrivals(source: str, table: Mapping[str, Any]) -> dict[str, dict[int, float]]:
    def fault(key: str, what: str) -> Exception:
        return fail(ProfileError, source, f"arrivals.{key}", what)

    hours = table.get("hours")
    if not isinstance(hours, list) or not hours:
        raise fault("hours", "missing: a list of hours of the day, like [9, 10, 11]")
    for h in hours:
        if isinstance(h, bool) or not isinstance(h, int) or not 0 <= h <= 23:
            raise fault("hours", f"expected hours 0 to 23, got {h!r}")
    if len(set(hours)) != len(hours):
        raise fault("hours", "an hour is listed twice")
    arrivals: dict[str, dict[int, float]] = {}
    for code, counts in table.items():
        if code == "hours":
            continue
        if not isinstance(counts, list) or len(counts) != len(hours):
            raise fault(code, f"expected a list of {len(hours)} numbers, one per hour in hours")
        for c in counts:
            if isinstance(c, bool) or not isinstance(c, int | float) or not 0 <= c <= MAX_PER_HOUR:
                raise fault(code, f"expected arrivals per hour from 0 to {MAX_PER_HOUR:g}, got {c!r}")
        arrivals[code] = {h: float(c) for h, c in zip(hours, counts, strict=True)}
    if not arrivals:
        raise fault("hours", "no category listed: add a line like A = [40, 55, 48]")
    return arrivals


def load_profile(path: Path) -> Profile:
    return parse_profile(str(path), load_toml(path, ProfileError, "the profile"))
