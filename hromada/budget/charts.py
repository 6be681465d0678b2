"""
Server-side SVG charts: no JavaScript, no CDN, readable by screen readers.

Each chart is a horizontal bar chart with a title and a description; the
pages put the same numbers in a table next to it, so nothing depends on
seeing the bars or telling colours apart.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import mark_safe

BAR = 22
GAP = 8
LABEL_WIDTH = 260
CHART_WIDTH = 640


def _number(value) -> str:
    if isinstance(value, Decimal | float):
        value = round(value)
    return f"{int(value):,}".replace(",", "\u202f")


def _truncate(text: str, limit: int = 38) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(
    rows: list[tuple[str, float, bool]], *, title: str, description: str, unit: str = ""
) -> str:
    """Return an SVG bar chart of (label, value, highlighted) rows."""
    height = max(1, len(rows)) * (BAR + GAP) + 10
    top = max((float(value) for _, value, _ in rows), default=0) or 1
    room = CHART_WIDTH - LABEL_WIDTH - 90
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {CHART_WIDTH} {height}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="t{id(rows)} d{id(rows)}">',
        f'<title id="t{id(rows)}">{escape(title)}</title>',
        f'<desc id="d{id(rows)}">{escape(description)}</desc>',
    ]
    for index, (label, value, highlighted) in enumerate(rows):
        y = 5 + index * (BAR + GAP)
        width = max(2, room * float(value) / top) if value else 0
        fill = "#0b4ea2" if highlighted else "#6b7785"
        pattern = "" if highlighted else ' stroke="#1a1a1a" stroke-dasharray="4 2"'
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR * 0.7:.1f}" text-anchor="end" '
            f'font-size="13" fill="#1a1a1a">{escape(_truncate(str(label)))}</text>'
        )
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR}" '
            f'fill="{fill}"{pattern}/>'
        )
        marker = " ✓" if highlighted else ""
        parts.append(
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + BAR * 0.7:.1f}" font-size="13" '
            f'fill="#1a1a1a">{_number(value)}{escape(unit)}{marker}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every label is escaped above
