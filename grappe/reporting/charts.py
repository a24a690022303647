"""Server-side SVG charts for the annual report's PDF (no script; WeasyPrint draws them as they
are). Hand-written like funding/charts.py: docs/decisions/0014-report-charts.md says why."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, LABEL_W, BAR_MAX, ROW_H, BAR_H, TOP = 640, 230, 300, 34, 12, 30
TARGET, ACTUAL, BEHIND = "#a5b4fc", "#4338ca", "#b45309"


def _number(value: Decimal) -> str:
    places = 0 if value == value.to_integral() else 2
    return number_format(value, decimal_pos=places, force_grouping=True)


def target_actual_bars(
    rows: Sequence[tuple[str, Decimal | None, Decimal | None]], *, target_label: str, actual_label: str, title: str
) -> SafeString:
    """A row per indicator ``(label, target, actual)``: two horizontal bars scaled to the row's
    own largest value (indicators have different units), their numbers written beside them; the
    actual bar amber when under its target."""
    height = TOP + max(len(rows), 1) * ROW_H
    name = escape(title)
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" style="max-width:{WIDTH}px" role="img" aria-label="{name}" '
        f'font-family="sans-serif" font-size="11"><title>{name}</title>'
    ]
    for x, colour, text in ((LABEL_W, TARGET, target_label), (LABEL_W + 150, ACTUAL, actual_label)):
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 18}" y="14">{escape(text)}</text>')
    for i, (label, target, actual) in enumerate(rows):
        y = TOP + i * ROW_H
        shown = label if len(label) <= 34 else label[:33] + "…"
        parts.append(f'<text x="0" y="{y + BAR_H + 2}"><title>{escape(label)}</title>{escape(shown)}</text>')
        top = max(target or 0, actual or 0) or Decimal("1")
        behind = target is not None and actual is not None and actual < target
        for j, (value, colour) in enumerate(((target, TARGET), (actual, BEHIND if behind else ACTUAL))):
            bar_y = y + j * (BAR_H + 2)
            if value is None:
                parts.append(f'<text x="{LABEL_W}" y="{bar_y + BAR_H - 2}">—</text>')
                continue
            w = float(value / top) * BAR_MAX
            parts.append(f'<rect x="{LABEL_W}" y="{bar_y}" width="{w:.1f}" height="{BAR_H}" fill="{colour}"/>')
            parts.append(f'<text x="{LABEL_W + w + 6:.1f}" y="{bar_y + BAR_H - 2}">{escape(_number(value))}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped
