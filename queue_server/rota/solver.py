"""A month's rota that keeps the rules of :mod:`queue_server.rota.rules`, made by OR-Tools' CP-SAT solver.

A greedy rule (fill each day's posts in turn) paints itself into corners a month is full of: Sunday's clerks must
rest on Monday, when every window opens again; the few clerks of a window that serves in the evening must share
the evenings with the rest; a clerk who took Saturday must not run past six days in a row. So the month is one
model. Each (clerk, post) the clerk is qualified for and not on leave is a yes/no choice; the hard constraints are
the rules themselves (no two posts at once, at most six days in a row with the last month's days counted, a rest
day after weekend or holiday duty, approved time off, contracted hours per week). Coverage and fairness are kept
as penalised slack instead, so a month that cannot be covered still gets the best rota there is, and says what
is short: an uncovered post costs far more than any unfairness, and unfairness more than nothing.

The solver runs on ``workers`` threads for at most ``seconds`` in all. Its first pass stops as soon as it proves
the rota that breaks the fewest rules (for the demo hall's December, every rule kept, in about 3 s on two busy
cores); the second keeps that and spends what is left, ``polish`` seconds at most, on the clerks: fewer, fuller
days at one window. docs/rota.md has the measured times.
"""

from __future__ import annotations

import math
import time as clock
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from ortools.sat.python import cp_model

from queue_server.core.holidays import day_kind
from queue_server.rota.needs import FAIR_KINDS, DutyKind, Month, Post, pool, qualified, week_of
from queue_server.rota.rules import EPSILON, FAIRNESS_BAND, MAX_DAYS_IN_A_ROW, chances

# The first pass is limited by CP-SAT's deterministic time (work done, the same whatever else the machine runs), so
# a busy machine makes the same rota, later, rather than a worse one in time: the demo December proves every rule
# kept after about 0.4 units, 2-3 s on two idle cores. A wall-clock limit only guards against the pathological.
WORK_LIMIT = 3.0  # deterministic time of the first pass
TIME_LIMIT_S = 60.0  # whatever the load, a month is made within this
POLISH_S = 5.0  # then at most this long (and POLISH_WORK) for the clerks' comforts, once the rules are met
POLISH_WORK = 1.0
COVER_WEIGHT = 10_000  # one uncovered post, against ...
FAIR_WEIGHT = 100  # ... a duty of one kind beyond the band of one clerk


@dataclass(frozen=True)
class Solution:
    """A rota (post key → username) and how it was found."""

    assignments: dict[str, str]
    status: str  # "optimal": no rota breaks fewer rules; "feasible": the best found in time; "none": nothing found
    seconds: float
    uncovered: tuple[str, ...]  # the keys of the posts left without a clerk
    work: float = 0.0  # the first pass's deterministic time (CP-SAT's measure of work, whatever the load)


def solve(
    month: Month,
    seconds: float = TIME_LIMIT_S,
    polish: float = POLISH_S,
    workers: int = 2,
    seed: int = 1,
    work: float = WORK_LIMIT,
) -> Solution:
    """The best rota for ``month`` found within ``seconds``: first the rota that breaks the fewest rules (no
    uncovered post, no unfair share where it can be had), then, for at most ``polish`` seconds of what is left,
    the same rota made kinder to the clerks (fewer, fuller days; one window a day)."""
    started = clock.perf_counter()
    model = cp_model.CpModel()
    built = _Built(model, month)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.max_deterministic_time = work
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    model.minimize(built.penalty)
    status = solver.solve(model)
    work = solver.deterministic_time
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Solution({}, "none", clock.perf_counter() - started, tuple(p.key for p in month.posts))
    assignments = built.assignments(solver)
    left = seconds - (clock.perf_counter() - started)
    if min(left, polish) > 0.2 and built.comfort:
        # Keep what the first pass reached on the rules; spend the rest on the clerks, from its rota.
        model.add(built.penalty <= round(solver.objective_value))
        for var in built.choice.values():
            model.add_hint(var, solver.boolean_value(var))
        model.minimize(sum(built.comfort))
        solver.parameters.max_time_in_seconds = min(left, polish)
        solver.parameters.max_deterministic_time = POLISH_WORK
        if solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            assignments = built.assignments(solver)
    uncovered = tuple(p.key for p in month.posts if p.key not in assignments)
    took = clock.perf_counter() - started
    found = "optimal" if status == cp_model.OPTIMAL else "feasible"
    return Solution(assignments, found, took, uncovered, work)


class _Built:
    """The model of one month: the choices, the rules as constraints, the penalties for what the rota cannot
    keep, and the comforts the second pass looks for."""

    def __init__(self, model: cp_model.CpModel, month: Month) -> None:
        self.model = model
        self.month = month
        self.choice: dict[tuple[str, str], cp_model.IntVar] = {}
        self.by_clerk_day: dict[tuple[str, date], list[tuple[Post, cp_model.IntVar]]] = {}
        penalties: list[cp_model.LinearExprT] = []
        for post in month.posts:
            takers = []
            for clerk in month.clerks:
                if month.on_leave(clerk.username, post.day) or not qualified(clerk, post):
                    continue
                var = model.new_bool_var(f"{clerk.username}@{post.key}")
                self.choice[(clerk.username, post.key)] = var
                self.by_clerk_day.setdefault((clerk.username, post.day), []).append((post, var))
                takers.append(var)
            short = model.new_bool_var(f"short@{post.key}")
            model.add(sum(takers) + short == 1)
            penalties.append(COVER_WEIGHT * short)
        self.work: dict[tuple[str, date], cp_model.IntVar] = {}
        self.comfort: list[cp_model.LinearExprT] = []
        for (username, day), held in self.by_clerk_day.items():
            self._no_overlap(held)
            worked = model.new_bool_var(f"{username}:{day}")
            model.add_max_equality(worked, [var for _, var in held])
            self.work[(username, day)] = worked
            self.comfort.append(worked)
            self._one_window(username, day, held)
        for clerk in month.clerks:
            self._days_in_a_row(clerk.username)
            self._rest_after_weekend(clerk.username)
            self._hours(clerk.username, clerk.hours_per_week)
        for kind in FAIR_KINDS:
            penalties += self._fair(kind)
        self.penalty: cp_model.LinearExprT = sum(penalties)

    def assignments(self, solver: cp_model.CpSolver) -> dict[str, str]:
        return {key: username for (username, key), var in self.choice.items() if solver.boolean_value(var)}

    def _one_window(self, username: str, day: date, held: list[tuple[Post, cp_model.IntVar]]) -> None:
        """A comfort: each window a clerk moves to in a day beyond the first costs one."""
        windows = sorted({post.window for post, _ in held})
        if len(windows) < 2:
            return
        for number in windows:
            used = self.model.new_bool_var(f"{username}:{day}:#{number}")
            self.model.add_max_equality(used, [var for post, var in held if post.window == number])
            self.comfort.append(used)
        self.comfort.append(-self.work[(username, day)])

    def worked(self, username: str, day: date) -> cp_model.IntVar | int:
        """Whether the clerk works ``day``: a choice in the month, a fact before it."""
        if day < self.month.days[0]:
            return 1 if self.month.before.get(username, {}).get(day, 0) > 0 else 0
        return self.work.get((username, day), 0)

    def _no_overlap(self, held: list[tuple[Post, cp_model.IntVar]]) -> None:
        # Posts are intervals of one day: every set of posts that share a moment shares some post's start.
        for post, _ in held:
            at_once = [var for other, var in held if other.start <= post.start < other.end]
            if len(at_once) > 1:
                self.model.add(sum(at_once) <= 1)

    def _days_in_a_row(self, username: str) -> None:
        first = self.month.days[0]
        for start in range(-MAX_DAYS_IN_A_ROW, len(self.month.days) - MAX_DAYS_IN_A_ROW):
            days = [first + timedelta(days=start + i) for i in range(MAX_DAYS_IN_A_ROW + 1)]
            terms = [self.worked(username, d) for d in days if d <= self.month.days[-1]]
            if sum(1 for t in terms if not isinstance(t, int)) and len(terms) > MAX_DAYS_IN_A_ROW:
                self.model.add(sum(terms) <= MAX_DAYS_IN_A_ROW)

    def _rest_after_weekend(self, username: str) -> None:
        calendar = self.month.hall.calendar
        for day in [self.month.days[0] - timedelta(days=1), *self.month.days[:-1]]:
            tomorrow = self.work.get((username, day + timedelta(days=1)))
            if tomorrow is None or day_kind(day, calendar) != "restday":
                continue
            today = self.worked(username, day)
            if isinstance(today, int):
                if today:
                    self.model.add(tomorrow == 0)
            else:
                self.model.add(today + tomorrow <= 1)

    def _hours(self, username: str, hours: int) -> None:
        weeks: dict[date, list[cp_model.LinearExprT]] = {}
        for (name, day), held in self.by_clerk_day.items():
            if name == username:
                weeks.setdefault(week_of(day), []).extend(post.minutes * var for post, var in held)
        before: dict[date, int] = {}
        for day, minutes in self.month.before.get(username, {}).items():
            before[week_of(day)] = before.get(week_of(day), 0) + minutes
        for monday, terms in weeks.items():
            self.model.add(sum(terms) <= hours * 60 - before.get(monday, 0))

    def _fair(self, kind: DutyKind) -> list[cp_model.LinearExprT]:
        """Duties of ``kind`` (in days) within one of the mean over the clerks who could take them; a clerk with
        fewer such days than the mean less one takes all of them. Broken only at a price."""
        model = self.model
        counts: dict[str, cp_model.LinearExpr] = {}
        could: dict[str, int] = {}
        for clerk in self.month.clerks:
            days = chances(self.month, clerk, kind)
            if days == 0:
                continue
            could[clerk.username] = days
            flags: list[cp_model.LinearExprT] = []
            for day in self.month.days:
                mine = self.by_clerk_day.get((clerk.username, day), [])
                held = [(post, var) for post, var in mine if post.kind == kind]
                if not held:
                    continue
                if all(a.overlaps(b) for a, _ in held for b, _ in held):
                    flags.append(sum(var for _, var in held))  # one of them at most: the sum says whether
                    continue
                flag = model.new_bool_var(f"{kind}:{clerk.username}:{day}")
                model.add_max_equality(flag, [var for _, var in held])
                flags.append(flag)
            counts[clerk.username] = cp_model.LinearExpr.sum(flags)
        # The mean once every post is covered (each clerk takes one post of a kind a day), the window clerks and
        # the back office apart: fixed bounds propagate far better than a mean that moves with every choice.
        # rules.check judges the rota with the real mean.
        groups = {c.username: pool(c) for c in self.month.clerks}
        sizes = Counter(groups[name] for name in counts)
        posts = Counter(p.pool for p in self.month.posts if p.kind == kind)
        penalties: list[cp_model.LinearExprT] = []
        for username, count in counts.items():
            group = groups[username]
            if sizes[group] < 2:
                continue
            mean = posts[group] / sizes[group]
            slack = could[username] + 1
            over = model.new_int_var(0, slack, f"over:{kind}:{username}")
            under = model.new_int_var(0, slack, f"under:{kind}:{username}")
            model.add(count <= math.floor(mean + FAIRNESS_BAND + EPSILON) + over)
            low = math.ceil(min(mean - FAIRNESS_BAND, could[username]) - EPSILON)
            model.add(count + under >= low)
            penalties += [FAIR_WEIGHT * over, FAIR_WEIGHT * under]
        return penalties


def assignments_of(month: Month, stored: Mapping[str, str]) -> dict[str, str]:
    """A stored rota's assignments that still name a post of ``month`` (the hall file may have changed)."""
    return {key: username for key, username in stored.items() if key in month.by_key}
