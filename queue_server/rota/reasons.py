"""What a rota leaves uncovered, said plainly: each session of each day that is short of clerks, by how many,
at which windows, and why nobody could take the posts: no clerk is qualified, or each qualified one is on leave,
at another window at that time, or held back by a rule (a seventh day in a row, the rest after weekend duty, the
week's contracted hours). Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from queue_server.rota.needs import Month, Post, qualified, worked_minutes
from queue_server.rota.rules import clerk_breaches, who, who_en

if TYPE_CHECKING:
    from queue_server.core.hall import Clerk

MAX_NAMED = 6  # clerks named in one reason; the rest are counted

BLOCKED: Mapping[str, tuple[str, str]] = {
    "days_in_a_row": ("将连续上班超过 6 天", "would work a seventh day in a row"),
    "rest_after_weekend": ("周末值班后须休息", "rests after weekend duty"),
    "hours": ("将超出合同工时", "would pass the contracted hours"),
    "time_off": ("休假", "on approved time off"),
}


@dataclass(frozen=True)
class Shortage:
    """A session of a day that is short of clerks."""

    day: date
    session: str
    session_en: str
    start: str
    end: str
    windows: tuple[int, ...]
    short: int
    reason: str
    reason_en: str

    def as_dict(self) -> dict[str, object]:
        return {
            "date": self.day.isoformat(),
            "session": self.session,
            "session_en": self.session_en,
            "start": self.start,
            "end": self.end,
            "windows": list(self.windows),
            "short": self.short,
            "reason": self.reason,
            "reason_en": self.reason_en,
        }


def shortages(month: Month, assignments: Mapping[str, str]) -> list[Shortage]:
    """Every session of every day with posts nobody holds, in order of day and start."""
    open_posts: dict[tuple[date, str, str], list[Post]] = {}
    for post in month.posts:
        if post.key not in assignments:
            open_posts.setdefault((post.day, f"{post.start:%H:%M}", post.name), []).append(post)
    worked = worked_minutes(month, assignments)
    held: dict[tuple[str, date], list[Post]] = {}
    for key, username in assignments.items():
        if (taken := month.by_key.get(key)) is not None:
            held.setdefault((username, taken.day), []).append(taken)
    found = []
    for (day, start, _), posts in sorted(open_posts.items()):
        first = posts[0]
        zh, en = _why(month, first, worked, held)
        found.append(
            Shortage(
                day,
                first.name,
                first.name_en,
                start,
                f"{max(p.end for p in posts):%H:%M}",
                tuple(p.window for p in posts),
                len(posts),
                f"缺 {len(posts)} 人：{zh}",
                f"{len(posts)} short: {en}",
            )
        )
    return found


def _why(
    month: Month,
    post: Post,
    worked: Mapping[str, Mapping[date, int]],
    held: Mapping[tuple[str, date], list[Post]],
) -> tuple[str, str]:
    able = [c for c in month.clerks if qualified(c, post)]
    if not able:
        skills = "、".join(post.services)
        return (
            f"没有人具备资格（{post.window}号窗口的本窗口人员，或具备 {skills} 技能的人员）。",
            f"no clerk is qualified (window {post.window}'s own clerks, or skills in {skills}).",
        )
    reasons = [_blocker(month, post, clerk, worked, held) for clerk in able]
    named = reasons[:MAX_NAMED]
    more = len(reasons) - len(named)
    zh = "；".join(f"{who(c, c.username)}{r[0]}" for c, r in zip(able, named, strict=False))
    en = "; ".join(f"{who_en(c, c.username)} {r[1]}" for c, r in zip(able, named, strict=False))
    if more:
        zh += f"；另有 {more} 人同样不能"
        en += f"; {more} more likewise"
    return f"没有具备资格的人员空闲（{zh}）。", f"no qualified clerk is free ({en})."


def _blocker(
    month: Month,
    post: Post,
    clerk: Clerk,
    worked: Mapping[str, Mapping[date, int]],
    held: Mapping[tuple[str, date], list[Post]],
) -> tuple[str, str]:
    """Why ``clerk`` does not take ``post``, in a few words."""
    if month.on_leave(clerk.username, post.day):
        return "：休假", "is on approved time off"
    busy = [p for p in held.get((clerk.username, post.day), []) if p.overlaps(post)]
    if busy:
        return f"：同时在 {busy[0].window} 号窗口", f"is at window {busy[0].window} then"
    mine = dict(worked.get(clerk.username, {}))
    before = clerk_breaches(month, clerk.username, clerk, mine)
    mine[post.day] = mine.get(post.day, 0) + post.minutes
    known = {v.key for v in before}
    added = [v for v in clerk_breaches(month, clerk.username, clerk, mine) if v.key not in known]
    if added and added[0].rule in BLOCKED:
        zh, en = BLOCKED[added[0].rule]
        return f"：{zh}", en
    return "：可以值守，但排班时限内未排上", "could take it, but the solver ran out of time"
