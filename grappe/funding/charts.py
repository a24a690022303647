"""Server-side SVG charts (no script, print as they are): planned against actual bars."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, LABEL_W, BAR_MAX, ROW_H, BAR_H, TOP = 640, 190, 330, 38, 13, 30


def _euros(value: Decimal) -> str:
    # Rounded to the nearest euro (number_format alone would cut the cents: 18 804,80 → 18 804).
    rounded = Decimal(value).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return f"{number_format(rounded, decimal_pos=0, force_grouping=True)}\u00a0€"


def planned_actual_bars(
    groups: Sequence[tuple[str, Decimal, Decimal]], *, planned_label: str, actual_label: str, title: str = ""
) -> SafeString:
    """A row per group ``(label, planned, actual)``: the label in full, two horizontal bars with
    their amounts written beside them; the actual bar red when above planned. Scales to the
    width of its box (a phone included); ``title`` names the chart for screen readers."""
    top = max([max(p, a) for _l, p, a in groups] + [Decimal("1")])
    height = TOP + len(groups) * ROW_H
    name = escape(title or f"{planned_label} / {actual_label}")
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-label="{name}" '
        f'font-family="sans-serif" font-size="12"><title>{name}</title>'
    ]
    for x, colour, text in ((LABEL_W, "#a5b4fc", planned_label), (LABEL_W + 150, "#4338ca", actual_label)):
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 18}" y="14">{escape(text)}</text>')
    for i, (label, planned, actual) in enumerate(groups):
        y = TOP + i * ROW_H
        shown = label if len(label) <= 28 else label[:27] + "…"
        parts.append(f'<text x="0" y="{y + BAR_H + 4}"><title>{escape(label)}</title>{escape(shown)}</text>')
        actual_colour = "#b91c1c" if actual > planned else "#4338ca"
        for j, (value, colour) in enumerate(((planned, "#a5b4fc"), (actual, actual_colour))):
            w = float(value / top) * BAR_MAX
            bar_y = y + j * (BAR_H + 2)
            parts.append(f'<rect x="{LABEL_W}" y="{bar_y}" width="{w:.1f}" height="{BAR_H}" fill="{colour}"/>')
            parts.append(f'<text x="{LABEL_W + w + 6:.1f}" y="{bar_y + BAR_H - 2}">{escape(_euros(value))}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped
