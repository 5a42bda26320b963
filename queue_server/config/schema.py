"""What a hall file may hold, declared once as msgspec types: every table, key, type, range and default.

:func:`queue_server.config.reading.read` checks a parsed TOML document against these types and names the file, the
key and the fault in one line. What a type cannot say (a category named twice, a window that serves an unknown
category, a bad password hash) is checked after, by the loader. Each key may carry, in ``Meta(extra=...)``:

- ``what``: how to name the expected value in an error ("a number of minutes");
- ``fault``: the sentence for a value of the right type that breaks a range or pattern ("expected a window number
  from 1 to 999"); the error adds what was given.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import Meta, Struct

TIME = r"^([01]\d|2[0-3]):([0-5]\d)$"


def text(what: str = "a string") -> Any:
    """A string that must not be empty or blank."""
    return Meta(pattern=r"\S", extra={"what": what, "fault": "must not be empty"})


def minutes(low: float, high: float) -> Any:
    return Meta(
        ge=low, le=high, extra={"what": "a number of minutes", "fault": f"expected {low:g} to {high:g} minutes"}
    )


def whole(low: int, high: int, what: str = "a whole number") -> Any:
    return Meta(ge=low, le=high, extra={"what": what, "fault": f"expected {low} to {high}"})


def clock_time(example: str) -> Any:
    return Meta(pattern=TIME, extra={"what": f'a time like "{example}"', "fault": f'expected a time like "{example}"'})


Text = Annotated[str, text()]
Dates = Annotated[list[Any], Meta(extra={"what": 'a list of dates like 2026-10-01 or "2026-10-01..2026-10-07"'})]


class Table(Struct, kw_only=True, forbid_unknown_fields=True):
    """A TOML table: keys by name, unknown ones refused."""


class HallTable(Table, kw_only=True):
    id: Annotated[
        str,
        Meta(
            pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$",
            extra={"what": "a string", "fault": "use 1-32 lower-case letters, digits, '_' or '-'"},
        ),
    ]
    name: Text
    name_en: Text | None = None  # the id when unset
    timezone: Annotated[str, Meta(extra={"what": "a time zone name"})] = "Asia/Shanghai"
    rollover: Annotated[str, clock_time("03:00")] = "03:00"  # the business day starts here
    requeue_after: Annotated[int, whole(0, 100)] = 2  # 过号顺延: a returning visitor waits behind at most this many
    announcement: Text | None = None  # what the announcer says, with {number} and {window}
    announcement_en: Text | None = None
    # A demo hall (the shipped ones): its clerks' public password is accepted, with a loud warning.
    demo: Annotated[bool, Meta(extra={"what": "true or false"})] = False


class ServiceEntry(Table, kw_only=True):
    code: Annotated[
        str,
        Meta(
            pattern=r"^[A-Z]$",
            extra={"what": "a capital letter", "fault": "expected one capital letter A-Z (the ticket prefix)"},
        ),
    ]
    name: Text
    name_en: Text
    minutes: Annotated[
        float,
        Meta(
            gt=0,
            le=480,
            extra={"what": "a number of minutes", "fault": "expected minutes per visitor between 0 and 480"},
        ),
    ]


class WindowEntry(Table, kw_only=True):
    number: Annotated[
        int, Meta(ge=1, le=999, extra={"what": "a window number", "fault": "expected a window number from 1 to 999"})
    ]
    services: Annotated[
        list[str],
        Meta(
            min_length=1,
            extra={"what": "a list of category codes", "fault": "a window must serve at least one category"},
        ),
    ]
    policy: Annotated[
        Literal["oldest", "order"],
        Meta(extra={"what": "one of oldest, order", "fault": "expected one of oldest, order"}),
    ] = "oldest"
    tidal: Annotated[bool, Meta(extra={"what": "true or false"})] = False
    # The categories a tidal window may be switched to (its clerks are trained for them); unset: any category
    tidal_services: Annotated[list[str], Meta(extra={"what": "a list of category codes"})] = []
    # The sha256 of the token this window's 好差评 evaluator device sends (X-Device-Token): it rates this window only
    evaluator_token: (
        Annotated[str, Meta(pattern="^[0-9a-f]{64}$", extra={"fault": "expected the token's sha256, 64 hex digits"})]
        | None
    ) = None


class ClerkEntry(Table, kw_only=True):
    username: Annotated[
        str, Meta(pattern=r"^[A-Za-z0-9_.-]{1,32}$", extra={"fault": "use 1-32 letters, digits, '_', '.' or '-'"})
    ]
    name: Text
    password_hash: Text
    windows: Annotated[list[Any], Meta(extra={"what": "a list of window numbers"})] = []
    # What the window screen shows visitors (「王芳」, 「工号 01」): never the username, which signs in.
    display_name: Annotated[
        str, Meta(max_length=16, pattern=r"^(|.*\S.*)$", extra={"what": "a short name (at most 16 characters)"})
    ] = ""
    # "guide": a guide-desk account (导办台, /guide/{hall}): signs in without a window, issues priority tickets,
    # looks tickets up and moves waiting visitors; it calls nobody.
    # "reserve": back-office staff (后台力量) called forward to open a closed window; "supervisor": a 值班长 who
    # approves tidal switches and watches the console (/supervise/{hall}). Both sign in without a window.
    role: Annotated[
        Literal["clerk", "guide", "reserve", "supervisor"],
        Meta(
            extra={
                "what": "one of clerk, guide, reserve, supervisor",
                "fault": "expected one of clerk, guide, reserve, supervisor",
            }
        ),
    ] = "clerk"
    # The categories this clerk can serve (业务技能); unset: any. A tidal switch never sends a clerk elsewhere.
    skills: Annotated[list[str], Meta(extra={"what": "a list of category codes"})] = []
    # 合同工时: the most hours a week the rota (queue_server.rota) may give the clerk
    hours_per_week: Annotated[int, whole(1, 80, "a whole number of hours")] = 40


class SessionEntry(Table, kw_only=True):
    name: Text
    name_en: Text
    on: Annotated[str, Meta(extra={"what": "a string"})] | None = None  # "workdays" unless dates are listed
    weekdays: Annotated[list[Any], Meta(extra={"what": 'a list like ["mon", "wed", "fri"]'})] | None = None
    dates: Dates = []
    start: Annotated[str, clock_time("03:00")]
    end: Annotated[str, clock_time("03:00")]
    services: Annotated[list[Any], Meta(extra={"what": "a list of category codes"})] = []
    windows: Annotated[list[Any], Meta(extra={"what": "a list of window numbers"})] = []
    extension_minutes: Annotated[
        int, Meta(ge=0, le=240, extra={"what": "a whole number of minutes", "fault": "expected 0 to 240 minutes"})
    ] = 30
    appointments: Annotated[bool, Meta(extra={"what": "true or false"})] = False


class CalendarTable(Table, kw_only=True):
    holidays: Dates = []
    workdays: Dates = []
    closed: Dates = []


class SeasonEntry(Table, kw_only=True):
    name: Text
    service: Annotated[str, Meta(extra={"what": "a category code"})]
    start: Annotated[Any, Meta(extra={"what": "a date like 2026-03-01"})]
    end: Annotated[Any, Meta(extra={"what": "a date like 2026-03-01"})]
    windows: Annotated[list[Any], Meta(extra={"what": "a list of tidal window numbers"})]
    # Expected arrivals of the category in the season against the same days outside it (the forecast's factor)
    demand: Annotated[
        float, Meta(ge=0.1, le=20, extra={"what": "a factor like 1.5", "fault": "expected a factor from 0.1 to 20"})
    ] = 1.0


class TidalTable(Table, kw_only=True):
    open_at_minutes: Annotated[float, minutes(0, 1440)] | None = None
    open_after_minutes: Annotated[float, minutes(0, 1440)] | None = None
    close_below_minutes: Annotated[float, minutes(0, 1440)] | None = None
    close_after_minutes: Annotated[float, minutes(0, 1440)] | None = None
    min_between_switches_minutes: Annotated[float, minutes(0, 1440)] | None = None
    max_per_service: (
        Annotated[
            int,
            Meta(ge=0, extra={"what": "a whole number", "fault": "expected 0 or more tidal windows per category"}),
        ]
        | None
    ) = None
    # 均衡忙闲: how much less busy today (a share, 0.15 = 15 points) an idle window must be than a line's busiest
    # window to take that line short of congestion; unset or 0: only congestion switches
    balance_gap: Annotated[float, Meta(ge=0, le=1, extra={"what": "a share", "fault": "expected 0 to 1"})] | None = None
    # "auto": the controller switches by itself; "suggest": it proposes each switch for a supervisor to approve
    mode: (
        Annotated[
            Literal["auto", "suggest"],
            Meta(extra={"what": "one of auto, suggest", "fault": "expected one of auto, suggest"}),
        ]
        | None
    ) = None
    seasons: Annotated[list[SeasonEntry], Meta(extra={"what": "an array of tables ([[...]])"})] = []


class AppointmentsTable(Table, kw_only=True):
    slot_minutes: Annotated[int, whole(5, 240)] | None = None
    capacity: Annotated[int, whole(0, 1000)] | None = None
    grace_minutes: Annotated[int, whole(0, 240)] | None = None
    early_minutes: Annotated[int, whole(0, 240)] | None = None
    days_ahead: Annotated[int, whole(1, 366)] | None = None
    per_phone_per_day: Annotated[int, whole(1, 100)] | None = None
    per_phone_ahead: Annotated[int, whole(1, 1000)] | None = None
    per_address_per_day: Annotated[int, whole(1, 100_000)] | None = None
    capacities: (
        Annotated[dict[str, Any], Meta(extra={"what": "a table of category code = bookings per slot, like {C = 4}"})]
        | None
    ) = None
    close_time: Annotated[str, clock_time("16:00")] | None = None


Digest = Annotated[str, Meta(pattern="^[0-9a-f]{64}$", extra={"fault": "expected a sha256 digest, 64 hex digits"})]


Origin = Annotated[
    str, Meta(pattern=r"^https?://[^/\s]+$", extra={"fault": "expected an origin like https://portal.example.gov.cn"})
]


class AccessTable(Table, kw_only=True):
    """Who may take tickets how often: trusted devices (kiosks, guide desks) and anonymous clients (phones, web)."""

    networks: Annotated[list[str], Meta(extra={"what": 'a list of address ranges like ["10.8.0.0/16"]'})] = []
    device_tokens: Annotated[
        list[
            Annotated[
                str, Meta(pattern="^[0-9a-f]{64}$", extra={"fault": "expected the token's sha256, 64 hex digits"})
            ]
        ],
        Meta(extra={"what": "a list of sha256 hex digests"}),
    ] = []
    tickets_per_hour: Annotated[int, whole(1, 1000)] = 10  # anonymous tickets per client address, all categories
    # The share of what a session can still serve that only walk-ins at a kiosk may take, never anonymous clients
    walk_in_share: Annotated[
        float,
        Meta(ge=0, le=1, extra={"what": "a share like 0.3", "fault": "expected a share from 0 to 1, like 0.3"}),
    ] = 0.3
    # Live WebSocket channels (screens, phones following a ticket) one anonymous address may hold in one process
    channels_per_address: Annotated[int, whole(1, 10000)] = 20
    trusted_proxies: Annotated[list[str], Meta(extra={"what": 'a list of address ranges like ["127.0.0.1/32"]'})] = []
    # Other sites whose pages may post to this server (a city portal embedding the booking page)
    origins: Annotated[
        list[
            Annotated[
                str,
                Meta(
                    pattern=r"^https?://[^/\s]+$",
                    extra={"fault": "expected an origin like https://portal.example.gov.cn"},
                ),
            ]
        ],
        Meta(extra={"what": "a list of origins"}),
    ] = []


class RatingsTable(Table, kw_only=True):
    """好差评: how long after service a visitor may rate, and the working days a 差评's follow-up may take."""

    within_minutes: Annotated[int, whole(1, 1440, "a whole number of minutes")] | None = None
    verify_days: Annotated[int, whole(0, 60, "a whole number of working days")] | None = None
    revisit_days: Annotated[int, whole(0, 60, "a whole number of working days")] | None = None
    close_days: Annotated[int, whole(0, 60, "a whole number of working days")] | None = None


class ReserveTable(Table, kw_only=True):
    """后台力量: back-office staff called forward to open closed windows when a line is congested."""

    windows: Annotated[list[Any], Meta(min_length=1, extra={"what": "a list of window numbers"})]
    clerks: Annotated[list[str], Meta(min_length=1, extra={"what": "a list of usernames of [[clerks]]"})]
    arrive_minutes: Annotated[float, minutes(0, 120)] = 5.0
    # back-office clerks the rota puts on duty in each session (at most one per reserve window); 0: not rostered
    on_duty: Annotated[int, Meta(ge=0, le=20)] = 1


class StaffingTable(Table, kw_only=True):
    """服务目标: the staffing plan asks for enough windows that target_share of visitors wait at most target_minutes."""

    target_share: Annotated[
        float, Meta(ge=0.01, le=0.99, extra={"what": "a share", "fault": "expected a share from 0.01 to 0.99"})
    ] = 0.8
    target_minutes: Annotated[float, minutes(0, 240)] = 15.0


class LieuTable(Table, kw_only=True):
    """调休台账: a clerk's balance past warn_minutes (either way) is flagged; the ledger counts from the month since."""

    warn_minutes: Annotated[int, whole(1, 100_000, "a whole number of minutes")] = 2400
    since: (
        Annotated[
            str,
            Meta(
                pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$",
                extra={"what": 'a month like "2026-01"', "fault": 'expected a month like "2026-01"'},
            ),
        ]
        | None
    ) = None


class HallFile(Table, kw_only=True):
    """One hall file (``config/*.toml``): one 政务服务中心."""

    hall: Annotated[HallTable, Meta(extra={"what": "a [hall] table"})]
    services: Annotated[list[ServiceEntry], Meta(extra={"what": "an array of tables ([[...]])"})] = []
    windows: Annotated[list[WindowEntry], Meta(extra={"what": "an array of tables ([[...]])"})] = []
    clerks: Annotated[list[ClerkEntry], Meta(extra={"what": "an array of tables ([[...]])"})] = []
    sessions: Annotated[list[SessionEntry], Meta(extra={"what": "an array of tables ([[...]])"})] = []
    calendar: Annotated[CalendarTable, Meta(extra={"what": "a [calendar] table"})] | None = None
    tidal: Annotated[TidalTable, Meta(extra={"what": "a [tidal] table"})] | None = None
    appointments: Annotated[AppointmentsTable, Meta(extra={"what": "an [appointments] table"})] | None = None
    access: Annotated[AccessTable, Meta(extra={"what": "an [access] table"})] | None = None
    ratings: Annotated[RatingsTable, Meta(extra={"what": "a [ratings] table"})] | None = None
    reserve: Annotated[ReserveTable, Meta(extra={"what": "a [reserve] table"})] | None = None
    staffing: Annotated[StaffingTable, Meta(extra={"what": "a [staffing] table"})] | None = None
    lieu: Annotated[LieuTable, Meta(extra={"what": "a [lieu] table"})] | None = None
