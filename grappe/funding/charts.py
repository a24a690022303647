"""Server-side SVG charts (no script, print as they are): planned against actual bars."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR_W, GAP, HEIGHT, LABEL_H, LEFT = 14, 18, 160, 34, 8


def planned_actual_bars(
    groups: Sequence[tuple[str, Decimal, Decimal]], *, planned_label: str, actual_label: str
) -> SafeString:
    """One pair of bars per group ``(label, planned, actual)``; actual bars red when above planned."""
    top = max([max(p, a) for _l, p, a in groups] + [Decimal("1")])
    width = LEFT + len(groups) * (2 * BAR_W + GAP) + 160
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {HEIGHT + LABEL_H + 8}" '
        f'width="{width}" height="{HEIGHT + LABEL_H + 8}" role="img" font-family="sans-serif" font-size="10">'
    ]
    for i, (label, planned, actual) in enumerate(groups):
        x = LEFT + i * (2 * BAR_W + GAP)
        actual_colour = "#b91c1c" if actual > planned else "#4338ca"
        for j, (value, colour) in enumerate(((planned, "#a5b4fc"), (actual, actual_colour))):
            h = float(value / top) * HEIGHT
            parts.append(
                f'<rect x="{x + j * BAR_W}" y="{HEIGHT - h + 4:.1f}" width="{BAR_W - 2}" '
                f'height="{h:.1f}" fill="{colour}"/>'
            )
        parts.append(f'<text x="{x}" y="{HEIGHT + 18}">{escape(label[:12])}</text>')
    legend_x = LEFT + len(groups) * (2 * BAR_W + GAP) + 10
    for y, colour, text in ((8, "#a5b4fc", planned_label), (24, "#4338ca", actual_label)):
        parts.append(f'<rect x="{legend_x}" y="{y}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{legend_x + 14}" y="{y + 9}">{escape(text)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
