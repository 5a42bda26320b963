"""The rules a month's rota keeps, checked as a pure function of the rota (post key → clerk's username).

- **coverage**: every post has a clerk;
- **qualified**: the clerk may take the post (:func:`queue_server.rota.needs.qualified`: their own window, or
  skills that cover what the window serves), and is one the rota places (``role = "clerk"``);
- **overlap**: no clerk holds two posts at the same time;
- **days in a row**: no more than :data:`MAX_DAYS_IN_A_ROW` working days in a row, the last month's included;
- **rest after weekend**: the day after weekend or holiday duty is a rest day (调休);
- **time off**: no duty on a day of approved time off;
- **hours**: no more hours in a week (Monday to Sunday) than the clerk's contract (``hours_per_week``);
- **fairness**: evening, weekend and holiday duties (each kind apart, counted in days) within one of the mean.
  The mean is over the clerks who could take that kind of duty this month (a post of that kind they are
  qualified for, on a day they are not on leave), the window clerks and the back office apart (each shares its
  own posts); a clerk with fewer such days than the mean less one is held to taking all of them instead.

:func:`check` answers every breach as a :class:`Violation`, in Chinese and English, naming the clerk, the day and
the post. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Literal, get_args

from queue_server.core.holidays import day_kind
from queue_server.rota.needs import (
    FAIR_KINDS,
    KIND_NAMES,
    DutyKind,
    Month,
    Pool,
    pool,
    qualified,
    week_of,
    worked_minutes,
)

if TYPE_CHECKING:
    from queue_server.core.hall import Clerk

MAX_DAYS_IN_A_ROW = 6
FAIRNESS_BAND = 1.0  # duties either side of the mean
EPSILON = 1e-9

Rule = Literal[
    "coverage", "qualified", "overlap", "days_in_a_row", "rest_after_weekend", "time_off", "hours", "fairness",
    "unknown_post", "unknown_clerk",
]  # fmt: skip
RULE_NAMES: Mapping[Rule, tuple[str, str]] = {
    "coverage": ("岗位有人", "every post covered"),
    "qualified": ("具备资格", "qualified clerk"),
    "overlap": ("不重叠", "no two posts at once"),
    "days_in_a_row": ("连续工作不超过 6 天", "at most 6 days in a row"),
    "rest_after_weekend": ("周末值班后休息一天", "a rest day after weekend duty"),
    "time_off": ("已批准的休假", "approved time off"),
    "hours": ("合同工时", "contracted hours"),
    "fairness": ("值班均衡", "fair duty"),
    "unknown_post": ("岗位存在", "a known post"),
    "unknown_clerk": ("人员存在", "a known clerk"),
}


@dataclass(frozen=True)
class Violation:
    """One breach of a rule, said in Chinese (``message``) and English (``message_en``)."""

    rule: Rule
    message: str
    message_en: str
    clerk: str | None = None
    day: date | None = None
    post: str | None = None  # the post's key
    kind: DutyKind | None = None  # fairness: which kind of duty

    @property
    def key(self) -> tuple[str, str | None, str | None, str | None, str | None]:
        """What the breach is about, whatever its figures: an edit may not add a breach the rota did not have."""
        return (self.rule, self.clerk, self.day.isoformat() if self.day else None, self.post, self.kind)

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "rule_name": RULE_NAMES[self.rule][0],
            "rule_name_en": RULE_NAMES[self.rule][1],
            "message": self.message,
            "message_en": self.message_en,
            "clerk": self.clerk,
            "date": self.day.isoformat() if self.day else None,
            "post": self.post,
            "kind": self.kind,
        }


@dataclass(frozen=True)
class Share:
    """One clerk's duties of one kind in the month, and the band the rule allows them around ``mean``, the mean of
    the clerks they share duty with (:func:`queue_server.rota.needs.pool`)."""

    count: int
    days: int  # days of that kind the clerk could take a duty on
    low: float
    high: float
    mean: float

    @property
    def fair(self) -> bool:
        return self.low - EPSILON <= self.count <= self.high + EPSILON


@dataclass(frozen=True)
class Fairness:
    kind: DutyKind
    mean: float  # the window clerks'; the back office's is on each of its shares
    shares: Mapping[str, Share]  # by username, the clerks who could take that kind of duty only


def who(clerk: Clerk | None, username: str) -> str:
    name = (clerk.display_name or clerk.name) if clerk else username
    return f"{name}（{username}）"


def who_en(clerk: Clerk | None, username: str) -> str:
    name = (clerk.display_name or clerk.name) if clerk else username
    return f"{name} ({username})"


def day_zh(day: date) -> str:
    return f"{day.month}月{day.day}日"


def day_en(day: date) -> str:
    return f"{day:%d %b}"


def duty_days(month: Month, assignments: Mapping[str, str], kind: DutyKind) -> dict[str, set[date]]:
    """The days each clerk has a duty of ``kind``."""
    found: dict[str, set[date]] = {}
    for key, username in assignments.items():
        post = month.by_key.get(key)
        if post is not None and post.kind == kind:
            found.setdefault(username, set()).add(post.day)
    return found


def chances(month: Month, clerk: Clerk, kind: DutyKind) -> int:
    """The days the clerk could take a duty of ``kind``: a post of that kind they are qualified for, no leave."""
    return len(
        {
            p.day
            for p in month.posts
            if p.kind == kind and not month.on_leave(clerk.username, p.day) and qualified(clerk, p)
        }
    )


def fairness(month: Month, assignments: Mapping[str, str]) -> dict[DutyKind, Fairness]:
    """Each fair kind's mean and every eligible clerk's share of it."""
    tables: dict[DutyKind, Fairness] = {}
    for kind in FAIR_KINDS:
        days = duty_days(month, assignments, kind)
        shares: dict[str, Share] = {}
        means: dict[Pool, float] = {}
        for group in get_args(Pool):
            possible = {c.username: chances(month, c, kind) for c in month.clerks if pool(c) == group}
            eligible = [name for name, n in possible.items() if n > 0]
            if not eligible:
                continue
            mean = means[group] = sum(len(days.get(name, ())) for name in eligible) / len(eligible)
            for name in eligible:
                low = min(mean - FAIRNESS_BAND, possible[name])
                shares[name] = Share(len(days.get(name, ())), possible[name], low, mean + FAIRNESS_BAND, mean)
        tables[kind] = Fairness(kind, means.get("windows", 0.0), shares)
    return tables


def check(month: Month, assignments: Mapping[str, str]) -> list[Violation]:
    """Every breach of the rules by ``assignments`` (post key → username), in the order of the rules above."""
    found: list[Violation] = []
    clerks = {c.username: c for c in month.hall.clerks}
    for key, username in assignments.items():
        if key not in month.by_key:
            found.append(Violation("unknown_post", f"本月没有岗位 {key}。", f"The month has no post {key}.", post=key))
        if username not in clerks:
            found.append(
                Violation("unknown_clerk", f"没有工作人员 {username}。", f"No clerk {username!r}.", username, post=key)
            )
    for post in month.posts:
        if post.key not in assignments:
            zh, en = post.describe()
            found.append(
                Violation("coverage", f"{zh} 无人值守。", f"{en}: nobody on duty.", day=post.day, post=post.key)
            )
    found += _qualified(month, assignments, clerks)
    found += _overlaps(month, assignments, clerks)
    worked = worked_minutes(month, assignments)
    for username in sorted(set(worked) | set(month.before)):
        found += clerk_breaches(month, username, clerks.get(username), worked.get(username, {}))
    found += _unfair(month, assignments, clerks)
    return found


def clerk_breaches(month: Month, username: str, clerk: Clerk | None, mine: Mapping[date, int]) -> list[Violation]:
    """The rules of one clerk's month, by the minutes they work each day (``mine``): days in a row, the rest after
    weekend duty, time off and the week's hours."""
    found = _days_in_a_row(month, username, clerk, mine)
    found += _rest_after_weekend(month, username, clerk, mine)
    found += _time_off(month, username, clerk, mine)
    if clerk is not None:
        found += _hours(month, clerk, mine)
    return found


def _qualified(month: Month, assignments: Mapping[str, str], clerks: Mapping[str, Clerk]) -> list[Violation]:
    found = []
    for key, username in assignments.items():
        post, clerk = month.by_key.get(key), clerks.get(username)
        if post is None or clerk is None or qualified(clerk, post):
            continue
        zh, en = post.describe()
        if clerk.role != "clerk":
            role = {"guide": "导办台", "reserve": "后台", "supervisor": "值班长"}.get(clerk.role, clerk.role)
            why, why_en = f"{role}账号不排窗口班", f"a {clerk.role} account is not rostered at windows"
        elif clerk.windows:
            allowed = "、".join(str(n) for n in clerk.windows)
            why, why_en = f"只能在 {allowed} 号窗口登录", f"may sign in at windows {allowed} only"
        else:
            missing = "、".join(c for c in post.services if not clerk.can_serve(c))
            why, why_en = f"技能不含 {missing}", f"skills lack {missing}"
        found.append(
            Violation(
                "qualified",
                f"{who(clerk, username)} 不能值守 {zh}：{why}。",
                f"{who_en(clerk, username)} may not take {en}: {why_en}.",
                username,
                post.day,
                key,
            )
        )
    return found


def _overlaps(month: Month, assignments: Mapping[str, str], clerks: Mapping[str, Clerk]) -> list[Violation]:
    held: dict[str, list[str]] = {}
    for key, username in sorted(assignments.items()):
        if key in month.by_key:
            held.setdefault(username, []).append(key)
    found = []
    for username, keys in held.items():
        posts = [month.by_key[k] for k in keys]
        for i, first in enumerate(posts):
            for second in posts[i + 1 :]:
                if first.overlaps(second):
                    clerk = clerks.get(username)
                    found.append(
                        Violation(
                            "overlap",
                            f"{who(clerk, username)} {day_zh(first.day)} 同时排在 {first.window} 号和 "
                            f"{second.window} 号窗口（{max(first.start, second.start):%H:%M} 起）。",
                            f"{who_en(clerk, username)} is at windows {first.window} and {second.window} at once "
                            f"on {day_en(first.day)} (from {max(first.start, second.start):%H:%M}).",
                            username,
                            first.day,
                            second.key,
                        )
                    )
    return found


def _days_in_a_row(month: Month, username: str, clerk: Clerk | None, mine: Mapping[date, int]) -> list[Violation]:
    days = sorted(set(mine) | {d for d, m in month.before.get(username, {}).items() if m > 0})
    found = []
    run: list[date] = []
    for day in [*days, None]:
        if day is not None and run and day == run[-1] + timedelta(days=1):
            run.append(day)
            continue
        if len(run) > MAX_DAYS_IN_A_ROW and run[-1] >= month.days[0]:
            first, last = run[0], run[-1]
            found.append(
                Violation(
                    "days_in_a_row",
                    f"{who(clerk, username)} {day_zh(first)}至{day_zh(last)} 连续上班 {len(run)} 天，"
                    f"最多 {MAX_DAYS_IN_A_ROW} 天。",
                    f"{who_en(clerk, username)} works {len(run)} days in a row, {day_en(first)} to {day_en(last)}; "
                    f"at most {MAX_DAYS_IN_A_ROW}.",
                    username,
                    max(run[MAX_DAYS_IN_A_ROW], month.days[0]),  # the first day too many, in this month
                )
            )
        run = [day] if day is not None else []
    return found


def _rest_after_weekend(month: Month, username: str, clerk: Clerk | None, mine: Mapping[date, int]) -> list[Violation]:
    worked = set(mine) | {d for d, m in month.before.get(username, {}).items() if m > 0}
    found = []
    for day in sorted(worked):
        after = day + timedelta(days=1)
        if after in mine and day_kind(day, month.hall.calendar) == "restday":
            found.append(
                Violation(
                    "rest_after_weekend",
                    f"{who(clerk, username)} {day_zh(day)} 周末或节假日值班，{day_zh(after)} 应休息。",
                    f"{who_en(clerk, username)} is on weekend or holiday duty on {day_en(day)}, so "
                    f"{day_en(after)} must be a rest day.",
                    username,
                    after,
                )
            )
    return found


def _time_off(month: Month, username: str, clerk: Clerk | None, mine: Mapping[date, int]) -> list[Violation]:
    return [
        Violation(
            "time_off",
            f"{who(clerk, username)} {day_zh(day)} 已批准休假，不能排班。",
            f"{who_en(clerk, username)} has approved time off on {day_en(day)}, and may not be on duty.",
            username,
            day,
        )
        for day in sorted(mine)
        if month.on_leave(username, day)
    ]


def _hours(month: Month, clerk: Clerk, mine: Mapping[date, int]) -> list[Violation]:
    by_week: dict[date, int] = {}
    for day, minutes in [*month.before.get(clerk.username, {}).items(), *mine.items()]:
        by_week[week_of(day)] = by_week.get(week_of(day), 0) + minutes
    found = []
    for monday in sorted({week_of(d) for d in month.days}):
        minutes = by_week.get(monday, 0)
        if minutes > clerk.hours_per_week * 60:
            hours = f"{minutes / 60:g}"
            found.append(
                Violation(
                    "hours",
                    f"{who(clerk, clerk.username)} {day_zh(monday)}起的一周排班 {hours} 小时，"
                    f"超过合同工时 {clerk.hours_per_week} 小时。",
                    f"{who_en(clerk, clerk.username)} has {hours} hours in the week of {day_en(monday)}, over "
                    f"the contracted {clerk.hours_per_week}.",
                    clerk.username,
                    max(monday, month.days[0]),
                )
            )
    return found


def _unfair(month: Month, assignments: Mapping[str, str], clerks: Mapping[str, Clerk]) -> list[Violation]:
    found = []
    for kind, table in fairness(month, assignments).items():
        zh_kind, en_kind = KIND_NAMES[kind]
        for username, share in table.shares.items():
            if share.fair:
                continue
            clerk = clerks.get(username)
            band = f"{max(share.low, 0):.1f}–{share.high:.1f}"
            found.append(
                Violation(
                    "fairness",
                    f"{who(clerk, username)} 本月{zh_kind}值班 {share.count} 天，平均 {share.mean:.1f} 天，"
                    f"应在 {band} 天之间。",
                    f"{who_en(clerk, username)} has {share.count} {en_kind} duties this month; the mean is "
                    f"{share.mean:.1f}, so {band}.",
                    username,
                    kind=kind,
                )
            )
    return found
