"""Hall configuration: TOML files under ``config/``, validated at start-up.

A hall file describes one 政务服务中心: its service categories (业务类别), its numbered windows (窗口) and the
clerks who may sign in at them. A file that is wrong stops the server with a :class:`ConfigError` that names
the file, the key and what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from queue_server.config.appointments import parse_appointments
from queue_server.config.table import Table, load_toml
from queue_server.config.tidal import parse_tidal
from queue_server.core.announcement import TemplateError, check_template
from queue_server.core.hall import (
    SESSION_DAYS,
    WEEKDAYS,
    Calendar,
    Clerk,
    Hall,
    Seasonal,
    Service,
    Session,
    TidalPolicy,
    Window,
)
from queue_server.core.passwords import parse_hash

HALL_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
SERVICE_CODE = re.compile(r"^[A-Z]$")
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
POLICIES = ("oldest", "order")


class ConfigError(Exception):
    """A hall file is missing, unreadable or wrong; the message says where and what."""


class _Table(Table):
    error = ConfigError


def _parse_time(table: _Table, name: str, default: Any = ...) -> time:
    text = table.get(name, str, default, 'a time like "03:00"')
    match = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)", text)
    if not match:
        raise table.fail(name, f'expected a time like "03:00", got {text!r}')
    return time(int(match[1]), int(match[2]))


def _parse_service(table: _Table) -> Service:
    table.check_known("code", "name", "name_en", "minutes")
    code = table.get("code", str, what="a capital letter")
    if not SERVICE_CODE.match(code):
        raise table.fail("code", f"expected one capital letter A-Z (the ticket prefix), got {code!r}")
    minutes = table.get("minutes", (int, float), what="a number of minutes")
    if not 0 < minutes <= 480:
        raise table.fail("minutes", f"expected minutes per visitor between 0 and 480, got {minutes}")
    return Service(code, table.text("name"), table.text("name_en"), float(minutes))


def _parse_window(table: _Table, codes: set[str]) -> Window:
    table.check_known("number", "services", "policy", "tidal")
    number = table.get("number", int, what="a window number")
    if not 1 <= number <= 999:
        raise table.fail("number", f"expected a window number from 1 to 999, got {number}")
    services = table.get("services", list, what="a list of category codes")
    if not services:
        raise table.fail("services", "a window must serve at least one category")
    for code in services:
        if code not in codes:
            raise table.fail("services", f"unknown category {code!r} (known: {', '.join(sorted(codes))})")
    if len(set(services)) != len(services):
        raise table.fail("services", "a category is listed twice")
    policy = table.get("policy", str, "oldest", "a string")
    if policy not in POLICIES:
        raise table.fail("policy", f"expected one of {', '.join(POLICIES)}, got {policy!r}")
    return Window(number, tuple(services), policy, table.get("tidal", bool, False, "true or false"))


def _parse_clerk(table: _Table, numbers: set[int]) -> Clerk:
    table.check_known("username", "name", "password_hash", "windows")
    username = table.text("username")
    if not USERNAME.match(username):
        raise table.fail("username", "use 1-32 letters, digits, '_', '.' or '-'")
    password_hash = table.text("password_hash")
    try:
        parse_hash(password_hash)
    except ValueError as e:
        raise table.fail("password_hash", str(e)) from None
    windows = table.get("windows", list, [], "a list of window numbers")
    for n in windows:
        if isinstance(n, bool) or not isinstance(n, int) or n not in numbers:
            raise table.fail("windows", f"unknown window {n!r}")
    return Clerk(username, table.text("name"), password_hash, tuple(windows))


def _parse_session(table: _Table, hall_windows: Mapping[int, Window], codes: set[str]) -> Session:
    table.check_known(
        "name", "name_en", "on", "weekdays", "dates", "start", "end", "services", "windows", "extension_minutes",
        "appointments",
    )  # fmt: skip
    start, end = _parse_time(table, "start"), _parse_time(table, "end")
    if end <= start:
        raise table.fail("end", f"must be after start {start:%H:%M} (overnight sessions are not supported)")
    on = table.get("on", str, "dates" if "dates" in table.data else "workdays", "a string")
    if on not in SESSION_DAYS:
        raise table.fail("on", f"expected one of {', '.join(SESSION_DAYS)}, got {on!r}")
    dates = _parse_dates(table, "dates")
    if (on == "dates") != bool(dates):
        raise table.fail("dates", 'list the dates of an on = "dates" session, and only of one')
    weekdays = None
    if "weekdays" in table.data:
        names = table.get("weekdays", list, what='a list like ["mon", "wed", "fri"]')
        if on == "dates" or not names or any(n not in WEEKDAYS for n in names):
            raise table.fail("weekdays", f"expected some of {', '.join(WEEKDAYS)} (not with dates), got {names!r}")
        weekdays = frozenset(WEEKDAYS.index(n) for n in names)
    services = table.get("services", list, [], "a list of category codes")
    windows = table.get("windows", list, [], "a list of window numbers")
    for n in windows:
        if isinstance(n, bool) or not isinstance(n, int) or n not in hall_windows:
            raise table.fail("windows", f"unknown window {n!r}")
    staffed = [hall_windows[n] for n in windows] if windows else list(hall_windows.values())
    for code in services:
        if not isinstance(code, str) or code not in codes:
            raise table.fail("services", f"unknown category {code!r} (known: {', '.join(sorted(codes))})")
        if not any(code in w.services for w in staffed):
            raise table.fail("services", f"no staffed window of this session serves category {code!r}")
    extension = table.get("extension_minutes", int, 30, "a whole number of minutes")
    if not 0 <= extension <= 240:
        raise table.fail("extension_minutes", f"expected 0 to 240 minutes, got {extension}")
    return Session(
        name=table.text("name"),
        name_en=table.text("name_en"),
        start=start,
        end=end,
        on=on,
        weekdays=weekdays,
        dates=dates,
        services=tuple(services),
        windows=tuple(windows),
        extension_minutes=extension,
        appointments=table.get("appointments", bool, False, "true or false"),
    )


def _parse_dates(table: _Table, name: str) -> frozenset[date]:
    """A list of TOML dates (2026-10-01) or ranges written as strings ("2026-10-01..2026-10-07")."""
    days: set[date] = set()
    for item in table.get(name, list, [], "a list of dates"):
        if isinstance(item, date) and not isinstance(item, datetime):
            days.add(item)
            continue
        first, _, last = str(item).partition("..") if isinstance(item, str) else ("", "", "")
        try:
            start, end = date.fromisoformat(first), date.fromisoformat(last or first)
        except ValueError:
            example = '2026-10-01 or "2026-10-01..2026-10-07"'
            raise table.fail(name, f"expected dates like {example}, got {item!r}") from None
        if end < start or (end - start).days > 366:
            raise table.fail(name, f"the range {item!r} ends before it starts or spans over a year")
        days.update(start + timedelta(days=i) for i in range((end - start).days + 1))
    return frozenset(days)


def _parse_calendar(table: _Table) -> Calendar:
    table.check_known("holidays", "workdays", "closed")
    calendar = Calendar(*(_parse_dates(table, name) for name in ("holidays", "workdays", "closed")))
    if both := sorted(calendar.holidays & calendar.workdays):
        raise table.fail("workdays", f"{both[0]} is also listed as a holiday")
    return calendar


def parse_hall(source: str, data: Mapping[str, Any]) -> Hall:
    """Build a :class:`Hall` from one parsed TOML document; ``source`` names it in errors."""
    root = _Table(source, "", data)
    root.check_known("hall", "services", "windows", "clerks", "sessions", "calendar", "tidal", "appointments")
    head = _Table(source, "hall", root.get("hall", dict, what="a [hall] table"))
    head.check_known(
        "id", "name", "name_en", "timezone", "rollover", "requeue_after", "announcement", "announcement_en"
    )
    hall_id = head.get("id", str, what="a string")
    if not HALL_ID.match(hall_id):
        raise head.fail("id", f"use 1-32 lower-case letters, digits, '_' or '-', got {hall_id!r}")
    tz_name = head.get("timezone", str, "Asia/Shanghai", "a time zone name")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise head.fail("timezone", f"unknown time zone {tz_name!r} (e.g. Asia/Shanghai)") from None
    announcement: dict[str, str] = {}
    for key, lang in (("announcement", "zh"), ("announcement_en", "en")):
        if key in head.data:
            try:
                announcement[lang] = check_template(head.text(key))
            except TemplateError as e:
                raise head.fail(key, str(e)) from None
    requeue_after = head.get("requeue_after", int, 2, "a whole number")
    if not 0 <= requeue_after <= 100:
        raise head.fail("requeue_after", f"expected 0 to 100, got {requeue_after}")

    services = [_parse_service(t) for t in root.tables("services")]
    if not services:
        raise root.fail("services", "a hall needs at least one [[services]] category")
    codes = [s.code for s in services]
    for i, code in enumerate(codes):
        if code in codes[:i]:
            raise root.fail(f"services[{i}].code", f"category {code!r} is defined twice")

    windows = [_parse_window(t, set(codes)) for t in root.tables("windows")]
    if not windows:
        raise root.fail("windows", "a hall needs at least one [[windows]] entry")
    numbers = [w.number for w in windows]
    for i, n in enumerate(numbers):
        if n in numbers[:i]:
            raise root.fail(f"windows[{i}].number", f"window {n} is defined twice")

    clerks = [_parse_clerk(t, set(numbers)) for t in root.tables("clerks")]
    names = [c.username for c in clerks]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise root.fail(f"clerks[{i}].username", f"clerk {name!r} is defined twice")

    sessions = [_parse_session(t, {w.number: w for w in windows}, set(codes)) for t in root.tables("sessions")]
    calendar = Calendar()
    if "calendar" in root.data:
        if not sessions:
            raise root.fail("calendar", "a hall without [[sessions]] is open at all times; add sessions first")
        calendar = _parse_calendar(_Table(source, "calendar", root.get("calendar", dict, what="a [calendar] table")))

    policy = TidalPolicy()
    seasons: tuple[Seasonal, ...] = ()
    if "tidal" in root.data:
        tidal_table = _Table(source, "tidal", root.get("tidal", dict, what="a [tidal] table"))
        policy, seasons = parse_tidal(tidal_table, set(codes), {w.number for w in windows if w.tidal})

    return Hall(
        id=hall_id,
        name=head.text("name"),
        name_en=head.text("name_en", hall_id),
        timezone=tz,
        rollover=_parse_time(head, "rollover", "03:00"),
        services=tuple(services),
        windows=tuple(windows),
        clerks=tuple(clerks),
        requeue_after=requeue_after,
        announcement=announcement,
        sessions=tuple(sessions),
        calendar=calendar,
        tidal_policy=policy,
        seasons=seasons,
        appointments=parse_appointments(root, sessions, set(codes)),
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
