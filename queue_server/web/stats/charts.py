"""The statistics' charts as SVG text: no JavaScript and no chart library, so any page or browser shows them.

    arrivals  tickets issued per hour (bars)
    waiting   mean number of visitors waiting per hour (line)
    busy      busy ratio (忙闲率) per window, tidal windows (潮汐窗口) in their own colour (bars)
    waits     waiting time p50 and p90 per category (bars)

Every text is escaped; labels are Chinese or English (``lang``). Pure: a summary from
:func:`queue_server.core.statistics.summary.summarise` in, SVG out. The colours and the font are the pages' own,
read from theme.css (:func:`queue_server.web.templating.theme`), and written out as plain values: a chart is also
fetched on its own as an image, where no stylesheet applies.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from queue_server.web.templating import theme

CHARTS = ("arrivals", "waiting", "busy", "waits")
WIDTH, HEIGHT = 880, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 20, 52, 40
_THEME = theme()
BLUE, ORANGE, LINE = _THEME["chart-1"], _THEME["chart-2"], _THEME["chart-line"]  # the data
INK, GRID, MUTED, PAPER = _THEME["ink"], _THEME["line"], _THEME["muted"], _THEME["card"]  # the frame
FONT = _THEME["font"].replace('"', "'")  # inside a double-quoted attribute
DEFAULT_HOURS = (8, 18)  # the hours an empty day's hour charts show

WORDS: dict[str, tuple[str, str]] = {
    "arrivals": ("每小时取号人数", "Tickets issued per hour"),
    "waiting": ("每小时平均等候人数", "Mean number of visitors waiting, per hour"),
    "busy": ("各窗口忙闲率（办理时间 ÷ 开放时间）", "Busy ratio per window (serving time ÷ open time)"),
    "waits": ("各业务等候时间（分钟）", "Waiting time per category (minutes)"),
    "tickets": ("取号", "tickets"),
    "waiting_people": ("等候人数", "waiting"),
    "busy_short": ("忙闲率", "busy ratio"),
    "tidal": ("潮汐窗口", "tidal window"),
    "regular": ("普通窗口", "other window"),
    "p50": ("中位数 p50", "median (p50)"),
    "p90": ("p90（九成不超过）", "p90"),
    "no_data": ("暂无数据", "No data"),
    "closed": ("未开放", "not open"),
}


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    color: str | Sequence[str]  # one colour, or one per bar


def word(key: str, lang: str) -> str:
    zh, en = WORDS[key]
    return en if lang == "en" else zh


def nice_scale(peak: float, whole: bool = False, ticks: int = 4) -> tuple[float, float]:
    """The axis top and step: ``ticks`` round steps (1, 2, 2.5 or 5 times a power of ten) reaching ``peak``."""
    if peak <= 0 or not math.isfinite(peak):
        return (float(ticks), 1.0) if whole else (1.0, 0.25)
    magnitude = 10 ** math.floor(math.log10(peak / ticks))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * magnitude
        if whole:
            step = max(1.0, math.ceil(step))
        if step * ticks >= peak:
            return step * ticks, step
    return peak, peak / ticks  # not reached: factor 10 always covers the peak


def _text(x: float, y: float, content: str, size: int = 13, anchor: str = "middle", **attrs: str) -> str:
    extra = "".join(f" {k.replace('_', '-')}={quoteattr(v)}" for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{extra}>{escape(content)}</text>'


def _frame(title: str, labels: Sequence[str], top: float, step: float, fmt: Callable[[float], str]) -> list[str]:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}"'
        f' role="img" font-family="{FONT}" fill="{INK}">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="{PAPER}"/>',
        _text(LEFT, 28, title, 17, "start", font_weight="bold"),
    ]
    plot_h = HEIGHT - TOP - BOTTOM
    tick = 0.0
    while tick <= top + step / 1000:
        y = TOP + plot_h - tick / top * plot_h
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(_text(LEFT - 8, y + 4, fmt(tick), 12, "end", fill=MUTED))
        tick += step
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    for i, label in enumerate(labels):
        parts.append(_text(LEFT + slot * (i + 0.5), HEIGHT - BOTTOM + 18, label, 12, fill=MUTED))
    return parts


def _legend(parts: list[str], entries: Sequence[tuple[str, str]]) -> None:
    x: float = WIDTH - RIGHT
    for name, color in reversed(entries):
        x -= 17 + _text_width(name, 12) + 18
        parts.append(f'<rect x="{x:.1f}" y="17" width="12" height="12" fill="{color}"/>')
        parts.append(_text(x + 17, 28, name, 12, "start"))


def _text_width(content: str, size: int) -> float:
    """Roughly how wide a text is: CJK characters are square, Latin ones a bit over half as wide."""
    return sum(size if ord(c) >= 0x2E80 else size * 0.6 for c in content)


def _empty(parts: list[str], lang: str) -> str:
    parts.append(_text(WIDTH / 2, TOP + (HEIGHT - TOP - BOTTOM) / 2, word("no_data", lang), 16, fill=MUTED))
    return "\n".join([*parts, "</svg>"])


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[float], str],
    lang: str,
    *,
    whole: bool = False,
    top: float | None = None,
    legend: Sequence[tuple[str, str]] = (),
) -> str:
    """Bars per label, one per series side by side; a missing value (None) shows as a dash."""
    values = [v for s in series for v in s.values if v is not None]
    axis_top, step = (top, top / 4) if top else nice_scale(max(values, default=0), whole)
    parts = _frame(title, labels, axis_top, step, fmt)
    _legend(parts, legend or [(s.name, s.color) for s in series if isinstance(s.color, str)])
    if not values:
        return _empty(parts, lang)
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    bar_w = slot * 0.72 / len(series)
    show_values = len(labels) * len(series) <= 32
    for j, s in enumerate(series):
        for i, value in enumerate(s.values):
            x = LEFT + slot * i + slot * 0.14 + bar_w * j
            if value is None:
                parts.append(_text(x + bar_w / 2, TOP + plot_h - 6, "—", 12, fill=MUTED))
                continue
            h = min(value, axis_top) / axis_top * plot_h
            color = s.color if isinstance(s.color, str) else s.color[i]
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{color}">'
                f"<title>{escape(f'{labels[i]} {s.name}: {fmt(value)}')}</title></rect>"
            )
            if show_values:
                parts.append(_text(x + bar_w / 2, TOP + plot_h - h - 5, fmt(value), 11))
    return "\n".join([*parts, "</svg>"])


def line_chart(
    title: str, labels: Sequence[str], values: Sequence[float | None], fmt: Callable[[float], str], lang: str
) -> str:
    """A line through the values, broken where one is missing (None), with a dot on each."""
    known = [v for v in values if v is not None]
    axis_top, step = nice_scale(max(known, default=0))
    parts = _frame(title, labels, axis_top, step, fmt)
    if not known:
        return _empty(parts, lang)
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    runs: list[list[tuple[float, float]]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            runs.append([])
            continue
        point = (LEFT + slot * (i + 0.5), TOP + plot_h - value / axis_top * plot_h)
        runs[-1].append(point)
        parts.append(
            f'<circle cx="{point[0]:.1f}" cy="{point[1]:.1f}" r="4" fill="{LINE}">'
            f"<title>{escape(f'{labels[i]}: {fmt(value)}')}</title></circle>"
        )
    for run in runs:
        if len(run) > 1:
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
            parts.append(f'<polyline points="{points}" fill="none" stroke="{LINE}" stroke-width="2.5"/>')
    return "\n".join([*parts, "</svg>"])


def _hours(summary: Mapping[str, Any]) -> list[str]:
    """The hours worth showing: from the first to the last with any arrival or anyone waiting."""
    arrivals, waiting = summary["arrivals_per_hour"], summary["waiting_per_hour"]
    busy = [int(h) for h in arrivals if arrivals[h] or waiting.get(h)]
    low, high = (min(busy), max(busy)) if busy else DEFAULT_HOURS
    return [f"{h:02d}" for h in range(low, high + 1)]


def _number(value: float) -> str:
    return f"{value:.0f}" if value == round(value) else f"{value:.1f}"


def render_chart(name: str, summary: Mapping[str, Any], lang: str = "zh") -> str:
    """One of :data:`CHARTS` for the summary, as an SVG document."""
    if name == "arrivals":
        hours = _hours(summary)
        counts = [float(summary["arrivals_per_hour"][h]) for h in hours]
        series = [Series(word("tickets", lang), counts, BLUE)]
        return bar_chart(word("arrivals", lang), [f"{h}:00" for h in hours], series, _number, lang, whole=True)
    if name == "waiting":
        hours = _hours(summary)
        values = [summary["waiting_per_hour"].get(h) for h in hours]
        return line_chart(word("waiting", lang), [f"{h}:00" for h in hours], values, _number, lang)
    if name == "busy":
        windows = summary["windows"]
        labels = [f"W{w['number']}" if lang == "en" else f"{w['number']}号" for w in windows]
        colors = [ORANGE if w["tidal"] else BLUE for w in windows]
        series = [Series(word("busy_short", lang), [w["busy_ratio"] for w in windows], colors)]
        legend = [(word("regular", lang), BLUE), (word("tidal", lang), ORANGE)]
        return bar_chart(word("busy", lang), labels, series, _percent, lang, top=1.0, legend=legend)
    if name == "waits":
        categories = summary["categories"]
        labels = [f"{c['code']} {c['name_en'] if lang == 'en' else c['name']}"[:18] for c in categories]
        series = [
            Series(word("p50", lang), [c["wait_p50"] for c in categories], BLUE),
            Series(word("p90", lang), [c["wait_p90"] for c in categories], ORANGE),
        ]
        return bar_chart(word("waits", lang), labels, series, _number, lang)
    raise ValueError(f"no chart {name!r} (charts: {', '.join(CHARTS)})")


def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"
