"""Hall configuration: TOML files under ``config/``, checked at start-up into the core's hall model.

A hall file describes one 政务服务中心: its service categories (业务类别), its numbered windows (窗口), the clerks
who may sign in at them, its sessions, calendar, tidal windows and appointments. Its shape (keys, types, ranges,
defaults) is declared once in :mod:`queue_server.config.schema`; this module checks what a type cannot say
(duplicates, references between tables, time zones, password hashes, templates) and builds the
:class:`~queue_server.core.hall.Hall`. A file that is wrong stops the server with a :class:`ConfigError` that names
the file, the key and the fault.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from queue_server.config import schema
from queue_server.config.appointments import parse_appointments
from queue_server.config.reading import fail, load_toml, read
from queue_server.config.tidal import parse_reserve, parse_tidal
from queue_server.core.announcement import TemplateError, check_template
from queue_server.core.hall import (
    SESSION_DAYS,
    WEEKDAYS,
    Access,
    Calendar,
    Clerk,
    Hall,
    LieuPolicy,
    RatingPolicy,
    Seasonal,
    Service,
    Session,
    StaffingTarget,
    TidalPolicy,
    Window,
)
from queue_server.core.passwords import parse_hash


class ConfigError(Exception):
    """A hall file is missing, unreadable or wrong; the message says where and what."""


class _Faults:
    """Raises the faults of one file, each naming the file and the key."""

    def __init__(self, source: str) -> None:
        self.source = source

    def __call__(self, key: str, fault: str) -> Exception:
        return fail(ConfigError, self.source, key, fault)


def clock_time(text: str) -> time:
    """``"09:30"`` (already checked against the schema's pattern)."""
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _unique(fault: _Faults, where: str, field: str, values: list[Any], what: str) -> None:
    for i, value in enumerate(values):
        if value in values[:i]:
            raise fault(f"{where}[{i}].{field}", f"{what} {value!r} is defined twice")


def _known(fault: _Faults, key: str, items: Iterable[Any], known: Iterable[Any], what: str) -> None:
    known = set(known)
    for item in items:
        if isinstance(item, bool) or item not in known:
            listing = f" (known: {', '.join(sorted(map(str, known)))})" if what == "category" else ""
            raise fault(key, f"unknown {what} {item!r}{listing}")


def parse_dates(fault: _Faults, key: str, items: Iterable[Any]) -> frozenset[date]:
    """TOML dates (2026-10-01) or ranges written as strings ("2026-10-01..2026-10-07")."""
    days: set[date] = set()
    for item in items:
        if isinstance(item, date) and not isinstance(item, datetime):
            days.add(item)
            continue
        first, _, last = item.partition("..") if isinstance(item, str) else ("", "", "")
        try:
            start, end = date.fromisoformat(first), date.fromisoformat(last or first)
        except ValueError:
            example = '2026-10-01 or "2026-10-01..2026-10-07"'
            raise fault(key, f"expected dates like {example}, got {item!r}") from None
        if end < start or (end - start).days > 366:
            raise fault(key, f"the range {item!r} ends before it starts or spans over a year")
        days.update(start + timedelta(days=i) for i in range((end - start).days + 1))
    return frozenset(days)


def _window(fault: _Faults, i: int, entry: schema.WindowEntry, codes: list[str]) -> Window:
    key = f"windows[{i}].services"
    _known(fault, key, entry.services, codes, "category")
    if len(set(entry.services)) != len(entry.services):
        raise fault(key, "a category is listed twice")
    _known(fault, f"windows[{i}].tidal_services", entry.tidal_services, codes, "category")
    if entry.tidal_services and not entry.tidal:
        raise fault(f"windows[{i}].tidal_services", "only a tidal window (tidal = true) is switched")
    return Window(
        entry.number,
        tuple(entry.services),
        entry.policy,
        entry.tidal,
        entry.evaluator_token,
        tidal_services=tuple(entry.tidal_services),
    )


def _clerk(fault: _Faults, i: int, entry: schema.ClerkEntry, numbers: list[int], codes: list[str]) -> Clerk:
    try:
        parse_hash(entry.password_hash)
    except ValueError as e:
        raise fault(f"clerks[{i}].password_hash", str(e)) from None
    _known(fault, f"clerks[{i}].windows", entry.windows, numbers, "window")
    if entry.role != "clerk" and entry.windows:
        raise fault(f"clerks[{i}].windows", f'a {entry.role} account (role = "{entry.role}") signs in at no window')
    _known(fault, f"clerks[{i}].skills", entry.skills, codes, "category")
    return Clerk(
        entry.username,
        entry.name,
        entry.password_hash,
        tuple(entry.windows),
        entry.display_name.strip(),
        entry.role,
        tuple(entry.skills),
        entry.hours_per_week,
    )


def _session(
    fault: _Faults, i: int, entry: schema.SessionEntry, windows: Mapping[int, Window], codes: list[str]
) -> Session:
    at = f"sessions[{i}]"
    start, end = clock_time(entry.start), clock_time(entry.end)
    if end <= start:
        raise fault(f"{at}.end", f"must be after start {start:%H:%M} (overnight sessions are not supported)")
    on = entry.on or ("dates" if entry.dates else "workdays")
    if on not in SESSION_DAYS:
        raise fault(f"{at}.on", f"expected one of {', '.join(SESSION_DAYS)}, got {on!r}")
    dates = parse_dates(fault, f"{at}.dates", entry.dates)
    if (on == "dates") != bool(dates):
        raise fault(f"{at}.dates", 'list the dates of an on = "dates" session, and only of one')
    weekdays = None
    if entry.weekdays is not None:
        names = entry.weekdays
        if on == "dates" or not names or any(n not in WEEKDAYS for n in names):
            raise fault(f"{at}.weekdays", f"expected some of {', '.join(WEEKDAYS)} (not with dates), got {names!r}")
        weekdays = frozenset(WEEKDAYS.index(n) for n in names)
    _known(fault, f"{at}.windows", entry.windows, windows, "window")
    if any(windows[n].reserve for n in entry.windows):
        raise fault(f"{at}.windows", "a [reserve] window is opened by back-office staff, not a session")
    staffed = [windows[n] for n in entry.windows] if entry.windows else [w for w in windows.values() if not w.reserve]
    for code in entry.services:
        if not isinstance(code, str) or code not in codes:
            raise fault(f"{at}.services", f"unknown category {code!r} (known: {', '.join(sorted(codes))})")
        if not any(code in w.services for w in staffed):
            raise fault(f"{at}.services", f"no staffed window of this session serves category {code!r}")
    return Session(
        name=entry.name,
        name_en=entry.name_en,
        start=start,
        end=end,
        on=on,
        weekdays=weekdays,
        dates=dates,
        services=tuple(entry.services),
        windows=tuple(entry.windows),
        extension_minutes=entry.extension_minutes,
        appointments=entry.appointments,
    )


def _calendar(fault: _Faults, table: schema.CalendarTable) -> Calendar:
    calendar = Calendar(
        *(parse_dates(fault, f"calendar.{name}", getattr(table, name)) for name in ("holidays", "workdays", "closed"))
    )
    if both := sorted(calendar.holidays & calendar.workdays):
        raise fault("calendar.workdays", f"{both[0]} is also listed as a holiday")
    return calendar


def _networks(fault: _Faults, key: str, ranges: list[str]) -> tuple[IPv4Network | IPv6Network, ...]:
    found = []
    for text in ranges:
        try:
            found.append(ip_network(text, strict=False))
        except ValueError:
            raise fault(key, f"expected address ranges like 10.8.0.0/16, got {text!r}") from None
    return tuple(found)


def _access(fault: _Faults, table: schema.AccessTable | None) -> Access:
    if table is None:
        return Access()
    return Access(
        networks=_networks(fault, "access.networks", table.networks),
        device_tokens=frozenset(table.device_tokens),
        tickets_per_hour=table.tickets_per_hour,
        walk_in_share=table.walk_in_share,
        channels_per_address=table.channels_per_address,
        trusted_proxies=_networks(fault, "access.trusted_proxies", table.trusted_proxies),
        origins=tuple(table.origins),
    )


def _ratings(fault: _Faults, table: schema.RatingsTable | None) -> RatingPolicy:
    """The ``[ratings]`` table (好差评); a hall without one rates with the defaults of :class:`RatingPolicy`."""
    if table is None:
        return RatingPolicy()
    given = {k: v for k in ("within_minutes", "verify_days", "revisit_days", "close_days")
             if (v := getattr(table, k)) is not None}  # fmt: skip
    try:
        return RatingPolicy(**given)
    except ValueError as e:
        raise fault("ratings", str(e)) from None


def _lieu(fault: _Faults, table: schema.LieuTable | None) -> LieuPolicy:
    """The ``[lieu]`` table (调休台账); the schema checks the limit's range and the month's form."""
    if table is None:
        return LieuPolicy()
    since = None
    if table.since is not None:
        since = date(int(table.since[:4]), int(table.since[5:]), 1)
        if since.year < 2000:
            raise fault("lieu.since", f"expected a month from 2000-01 on, not {table.since!r}")
    return LieuPolicy(warn_minutes=table.warn_minutes, since=since)


def parse_hall(source: str, data: Mapping[str, Any]) -> Hall:
    """Build a :class:`Hall` from one parsed TOML document; ``source`` names it in errors."""
    fault = _Faults(source)
    file = read(source, data, schema.HallFile, ConfigError)
    head = file.hall
    try:
        tz = ZoneInfo(head.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise fault("hall.timezone", f"unknown time zone {head.timezone!r} (e.g. Asia/Shanghai)") from None
    announcement: dict[str, str] = {}
    for key, lang, template in (
        ("announcement", "zh", head.announcement),
        ("announcement_en", "en", head.announcement_en),
    ):
        if template is not None:
            try:
                announcement[lang] = check_template(template)
            except TemplateError as e:
                raise fault(f"hall.{key}", str(e)) from None

    if not file.services:
        raise fault("services", "a hall needs at least one [[services]] category")
    codes = [s.code for s in file.services]
    for i, code in enumerate(codes):
        if code in codes[:i]:
            raise fault(f"services[{i}].code", f"category {code!r} is defined twice")
    services = [Service(s.code, s.name, s.name_en, s.minutes) for s in file.services]

    if not file.windows:
        raise fault("windows", "a hall needs at least one [[windows]] entry")
    _unique(fault, "windows", "number", [w.number for w in file.windows], "window")
    windows = [_window(fault, i, w, codes) for i, w in enumerate(file.windows)]
    numbers = [w.number for w in windows]

    _unique(fault, "clerks", "username", [c.username for c in file.clerks], "clerk")
    clerks = [_clerk(fault, i, c, numbers, codes) for i, c in enumerate(file.clerks)]
    reserve = None
    if file.reserve is not None:
        reserve = parse_reserve(fault, file.reserve, windows, clerks)
        windows = [replace(w, tidal=True, reserve=True) if w.number in reserve.windows else w for w in windows]

    by_number = {w.number: w for w in windows}
    sessions = [_session(fault, i, s, by_number, codes) for i, s in enumerate(file.sessions)]
    calendar = Calendar()
    if file.calendar is not None:
        if not sessions:
            raise fault("calendar", "a hall without [[sessions]] is open at all times; add sessions first")
        calendar = _calendar(fault, file.calendar)

    policy, seasons = TidalPolicy(), tuple[Seasonal, ...]()
    if file.tidal is not None:
        tidal = {w.number for w in windows if w.tidal and not w.reserve}  # a season never takes a reserve window
        policy, seasons = parse_tidal(fault, file.tidal, set(codes), tidal)

    return Hall(
        id=head.id,
        name=head.name,
        name_en=head.name_en or head.id,
        timezone=tz,
        rollover=clock_time(head.rollover),
        services=tuple(services),
        windows=tuple(windows),
        clerks=tuple(clerks),
        requeue_after=head.requeue_after,
        announcement=announcement,
        sessions=tuple(sessions),
        calendar=calendar,
        tidal_policy=policy,
        seasons=seasons,
        appointments=parse_appointments(fault, file.appointments, sessions, set(codes)),
        demo=head.demo,
        access=_access(fault, file.access),
        ratings=_ratings(fault, file.ratings),
        reserve=reserve,
        # 服务目标: the types above keep both in range, so the target never refuses them
        staffing=StaffingTarget(file.staffing.target_share, file.staffing.target_minutes)
        if file.staffing
        else StaffingTarget(),
        lieu=_lieu(fault, file.lieu),
    )


def load_hall_file(path: Path) -> Hall:
    return parse_hall(str(path), load_toml(path, ConfigError))


def load_halls(directory: Path) -> dict[str, Hall]:
    """Load every ``*.toml`` in ``directory``; hall ids must be unique."""
    if not directory.is_dir():
        raise ConfigError(f"{directory}: configuration directory not found (use --config DIR)")
    halls: dict[str, Hall] = {}
    origin: dict[str, Path] = {}
    for path in sorted(directory.glob("*.toml")):
        hall = load_hall_file(path)
        if hall.id in halls:
            raise ConfigError(f"{path}: hall.id: {hall.id!r} is already defined in {origin[hall.id]}")
        halls[hall.id], origin[hall.id] = hall, path
    if not halls:
        raise ConfigError(f"{directory}: no hall files (*.toml) found")
    return halls
