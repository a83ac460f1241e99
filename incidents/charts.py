"""SVG charts drawn on the server from plain numbers.

Plain Python, free of the ORM and of HTTP, so the drawing is tested directly
and the page needs no charting script: the browser only renders markup. Every
text that reaches the markup is escaped here, so callers may mark the result
safe. Each chart is an `<svg role="img">` with a `<title>` and a `<desc>`, and
each bar carries its own `<title>` (a tooltip, and a name for assistive
technology); pages still give a table beside the chart, since a chart read
aloud is a poor table.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

WIDTH = 640
SIDE_COLOURS = {
    "official": "#1f5f8b",
    "perpetrator": "#b35c00",
    "independent": "#2f7d4f",
    "unknown": "#7b8794",
}
OTHER_COLOUR = "#9f7aea"
BEST_COLOUR = "#1f2933"
INK = "#1f2933"
MUTED = "#52606d"
LINE = "#d9e2ec"
INCIDENTS_COLOUR = "#1f5f8b"
KILLED_COLOUR = "#9b1c1c"


@dataclass(frozen=True)
class Range:
    """One side's interval; `high` None is open-ended ("more than 10")."""

    side: str  # slug, picks the colour
    label: str
    low: int
    high: int | None

    @property
    def text(self) -> str:
        return interval_text(self.low, self.high)


@dataclass(frozen=True)
class RangeGroup:
    """The figures about one victim group: the best and each side's interval."""

    label: str
    best: int
    ranges: Sequence[Range]


@dataclass(frozen=True)
class Period:
    """One bar of the timeline."""

    start: date
    label: str
    incidents: int
    killed: int


def interval_text(low: int, high: int | None) -> str:
    if high is None:
        return f"{low:,}–open"
    if high == low:
        return f"{low:,}"
    return f"{low:,}–{high:,}"


def nice_ceiling(value: float) -> int:
    """The smallest of 1, 2, 5 × 10ⁿ at or above `value`: a readable axis end."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return int(step * power)
    return int(10 * power)  # pragma: no cover: the loop always returns


def range_chart(groups: Sequence[RangeGroup], *, title: str, chart_id: str) -> str:
    """Horizontal bars per victim group: the best from zero, and each side's
    interval from its low to its high (to the edge, faded, when open)."""
    if not groups:
        return empty_chart(title=title, chart_id=chart_id)
    label_width, value_width, row, head, axis = 150, 84, 16, 24, 28
    plot = WIDTH - label_width - value_width
    rows = sum(1 + len(group.ranges) for group in groups)
    height = len(groups) * head + rows * row + axis
    top_value = max(
        [group.best for group in groups]
        + [r.high if r.high is not None else r.low for g in groups for r in g.ranges]
    )
    if any(r.high is None for g in groups for r in g.ranges):
        top_value = max(top_value, 1) * 1.1  # room to show that it goes on
    scale_max = nice_ceiling(top_value)

    def x(value: float) -> float:
        return label_width + plot * min(value, scale_max) / scale_max

    parts = [_open_svg(height, title, _range_desc(groups), chart_id)]
    parts.append(_axis(x, scale_max, top=0, bottom=height - axis, label_y=height - 8))
    y = 0
    for group in groups:
        y += head
        parts.append(
            _text(8, y - 6, group.label, weight="600", fill=INK, anchor="start")
        )
        bars = [("best", "Best", 0, group.best, group.best, BEST_COLOUR)] + [
            (r.side, r.label, r.low, r.high, r.text, _colour(r.side))
            for r in group.ranges
        ]
        for side, label, low, high, shown, colour in bars:
            left = x(low)
            right = x(high) if high is not None else label_width + plot
            width = max(right - left, 2.0)
            if high == low and side != "best":
                left -= 1  # a single figure: a tick centred on it
            opacity = "0.45" if high is None else "1"
            text = str(shown) if isinstance(shown, str) else f"{shown:,}"
            parts.append(
                f'<g class="bar side-{escape(side)}">'
                f"<title>{escape(group.label)}, {escape(label)}: {escape(text)}</title>"
                f'<rect x="{left:.1f}" y="{y + 3}" width="{width:.1f}" height="10" '
                f'fill="{colour}" fill-opacity="{opacity}"/>'
                f"{_text(label_width - 6, y + 12, label, fill=MUTED, anchor='end')}"
                f"{_text(label_width + plot + 6, y + 12, text, fill=INK)}"
                "</g>"
            )
            y += row
    parts.append("</svg>")
    return "".join(parts)


def timeline_chart(periods: Sequence[Period], *, title: str, chart_id: str) -> str:
    """Two bar panels over the same periods: incidents above, killed below."""
    if not periods or not any(p.incidents or p.killed for p in periods):
        return empty_chart(title=title, chart_id=chart_id)
    left, right, panel, gap, bottom = 56, 12, 96, 30, 26
    plot = WIDTH - left - right
    height = 2 * panel + 2 * gap + bottom
    slot = plot / len(periods)
    bar = min(max(slot * 0.8, 1.0), 40.0)
    desc = (
        f"{len(periods)} periods from {periods[0].label} to {periods[-1].label}; "
        f"{sum(p.incidents for p in periods):,} incidents and "
        f"{sum(p.killed for p in periods):,} killed (best) in all."
    )
    parts = [_open_svg(height, title, desc, chart_id)]
    panels = (
        ("Incidents", "incidents", INCIDENTS_COLOUR, gap),
        ("Killed (best)", "killed", KILLED_COLOUR, 2 * gap + panel),
    )
    for name, field, colour, top in panels:
        peak = nice_ceiling(max(getattr(p, field) for p in periods))
        base = top + panel
        parts.append(_text(left, top - 10, name, weight="600", fill=INK))
        parts.append(_text(left - 6, top + 4, f"{peak:,}", fill=MUTED, anchor="end"))
        parts.append(_text(left - 6, base, "0", fill=MUTED, anchor="end"))
        parts.append(_line(left, top, left + plot, top, LINE))
        parts.append(_line(left, base, left + plot, base, MUTED))
        for index, period in enumerate(periods):
            value = getattr(period, field)
            if not value:
                continue
            bar_height = panel * value / peak
            bar_x = left + index * slot + (slot - bar) / 2
            parts.append(
                f'<g class="bar"><title>{escape(_period_title(period))}</title>'
                f'<rect x="{bar_x:.1f}" y="{base - bar_height:.1f}" '
                f'width="{bar:.1f}" height="{bar_height:.1f}" fill="{colour}"/></g>'
            )
    ticks = _tick_indexes(len(periods))
    for index in ticks:
        # The outer labels align with the plot's edges so that none is cut off.
        if len(ticks) > 1 and index == ticks[0]:
            at, anchor = left + index * slot, "start"
        elif len(ticks) > 1 and index == ticks[-1]:
            at, anchor = left + (index + 1) * slot, "end"
        else:
            at, anchor = left + (index + 0.5) * slot, "middle"
        parts.append(
            _text(at, height - 8, periods[index].label, fill=MUTED, anchor=anchor)
        )
    parts.append("</svg>")
    return "".join(parts)


def empty_chart(*, title: str, chart_id: str) -> str:
    """A chart-sized box that says there is nothing to draw, not a blank."""
    message = "No figures for this selection."
    return (
        _open_svg(60, title, message, chart_id)
        + f'<rect x="0.5" y="0.5" width="{WIDTH - 1}" height="59" fill="none" '
        f'stroke="{LINE}"/>'
        + _text(WIDTH / 2, 35, message, fill=MUTED, anchor="middle")
        + "</svg>"
    )


def _open_svg(height: float, title: str, desc: str, chart_id: str) -> str:
    chart_id = escape(chart_id)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{chart_id}" '
        f'viewBox="0 0 {WIDTH} {height:g}" width="{WIDTH}" height="{height:g}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="system-ui, sans-serif" font-size="12">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>'
    )


def _axis(x, scale_max: int, *, top: float, bottom: float, label_y: float) -> str:
    parts = []
    for value in (0, scale_max / 2, scale_max):
        position = x(value)
        parts.append(_line(position, top, position, bottom, LINE))
        shown = f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"
        parts.append(_text(position, label_y, shown, fill=MUTED, anchor="middle"))
    return "".join(parts)


def _range_desc(groups: Sequence[RangeGroup]) -> str:
    return "; ".join(
        f"{group.label}: best {group.best:,}"
        + "".join(f", {r.label} {r.text}" for r in group.ranges)
        for group in groups
    )


def _period_title(period: Period) -> str:
    incidents = f"{period.incidents:,} incident{'s' if period.incidents != 1 else ''}"
    return f"{period.label}: {incidents}, {period.killed:,} killed"


def _tick_indexes(count: int, most: int = 6) -> list[int]:
    """At most `most` evenly spread labels, always the first and the last."""
    if count <= most:
        return list(range(count))
    step = (count - 1) / (most - 1)
    return sorted({round(i * step) for i in range(most)})


def _colour(side: str) -> str:
    return SIDE_COLOURS.get(side, OTHER_COLOUR)


def _line(x1: float, y1: float, x2: float, y2: float, colour: str) -> str:
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
        f'stroke="{colour}" stroke-width="1"/>'
    )


def _text(
    x: float,
    y: float,
    text: str,
    *,
    fill: str,
    anchor: str = "start",
    weight: str = "400",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" fill="{fill}" text-anchor="{anchor}" '
        f'font-weight="{weight}">{escape(text)}</text>'
    )
