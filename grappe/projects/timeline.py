"""The work plan as a Gantt-like timeline, drawn server-side as SVG (no script, prints as is).

Bars for work packages and tasks, diamonds for deliverables (red when late), triangles for
milestones, one column per month of the project, a line for today.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.dates import MONTHS
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

LABEL_W, MONTH_W, ROW_H, HEAD_H = 220, 28, 22, 40


@dataclass(frozen=True)
class Row:
    label: str
    kind: str  # "wp", "task", "deliverable", "milestone"
    start: dt.date
    end: dt.date
    late: bool = False
    done: bool = False


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    out, day = [], start.replace(day=1)
    while day <= end:
        out.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return out


def _x(day: dt.date, first: dt.date) -> float:
    months = (day.year - first.year) * 12 + day.month - first.month
    return LABEL_W + MONTH_W * (months + (day.day - 1) / 31)


def render(rows: Iterable[Row], *, start: dt.date, end: dt.date, today: dt.date) -> SafeString:
    rows = list(rows)
    # A picture for screen readers: its name says what it shows; the tables beside it hold the dates.
    label = _("Timeline of the work plan, %(start)s to %(end)s") % {
        "start": date_format(start, "SHORT_DATE_FORMAT"),
        "end": date_format(end, "SHORT_DATE_FORMAT"),
    }
    months = _months(start, end)
    first = months[0]
    width = LABEL_W + MONTH_W * len(months) + 10
    height = HEAD_H + ROW_H * max(len(rows), 1) + 10
    parts = [
        f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}" '
        'font-family="sans-serif" font-size="11">',
        f"<title>{escape(label)}</title>",
    ]
    for i, month in enumerate(months):
        x = LABEL_W + MONTH_W * i
        shade = "#f3f4f6" if month.year % 2 else "#ffffff"
        parts.append(
            f'<rect x="{x}" y="{HEAD_H - 18}" width="{MONTH_W}" height="{height - HEAD_H + 8}" '
            f'fill="{shade}" stroke="#e5e7eb"/>'
        )
        # A column is too narrow for a name: the month's initial, its full name on hover
        # (three letters would read "jui" for both juin and juillet in French).
        name = str(MONTHS[month.month])
        parts.append(
            f'<text x="{x + MONTH_W / 2}" y="{HEAD_H - 6}" text-anchor="middle">'
            f"<title>{escape(name)} {month.year}</title>{escape(name[:1].upper())}</text>"
        )
        if month.month == 1 or i == 0:
            parts.append(f'<text x="{x + 3}" y="12" font-weight="bold">{month.year}</text>')
    for i, row in enumerate(rows):
        y = HEAD_H + ROW_H * i
        weight = ' font-weight="bold"' if row.kind == "wp" else ""
        indent = 14 if row.kind != "wp" else 4
        parts.append(f'<text x="{indent}" y="{y + 15}"{weight}>{escape(row.label[:34])}</text>')
        x0, x1 = _x(row.start, first), _x(row.end, first) + MONTH_W / 31
        colour = "#b91c1c" if row.late else ("#15803d" if row.done else "#4338ca")
        if row.kind in ("wp", "task"):
            h = 12 if row.kind == "wp" else 8
            parts.append(
                f'<rect x="{x0:.1f}" y="{y + (ROW_H - h) / 2:.1f}" width="{max(x1 - x0, 2):.1f}" height="{h}" '
                f'fill="{"#6366f1" if row.kind == "wp" else "#a5b4fc"}"/>'
            )
        elif row.kind == "deliverable":
            cx, cy = x0, y + ROW_H / 2
            parts.append(f'<polygon points="{cx},{cy - 6} {cx + 6},{cy} {cx},{cy + 6} {cx - 6},{cy}" fill="{colour}"/>')
        else:
            cx, cy = x0, y + ROW_H / 2
            parts.append(f'<polygon points="{cx - 6},{cy + 5} {cx + 6},{cy + 5} {cx},{cy - 6}" fill="{colour}"/>')
    if start <= today <= end:
        tx = _x(today, first)
        parts.append(
            f'<line x1="{tx:.1f}" y1="{HEAD_H - 18}" x2="{tx:.1f}" y2="{height}" '
            'stroke="#dc2626" stroke-dasharray="3 2"/>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
