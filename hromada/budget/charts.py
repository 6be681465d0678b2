"""
Server-side SVG charts: no JavaScript, no CDN, readable by screen readers.

Each chart is a horizontal bar chart with a title and a description; the
pages put the same numbers in a table next to it, so nothing depends on
seeing the bars or telling colours apart.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import mark_safe

BAR = 22
GAP = 8
LABEL_WIDTH = 300
CHART_WIDTH = 680


def _number(value) -> str:
    if isinstance(value, Decimal | float):
        value = round(value)
    return f"{int(value):,}".replace(",", "\u202f")


def _truncate(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(
    rows: list[tuple[str, float, bool]],
    *,
    title: str,
    description: str,
    unit: str = "",
    tick: bool = True,
) -> str:
    """Return a figure with an SVG bar chart of (label, value, highlighted) rows."""
    height = max(1, len(rows)) * (BAR + GAP) + 10
    top = max((float(value) for _, value, _ in rows), default=0) or 1
    room = CHART_WIDTH - LABEL_WIDTH - 110
    key = uuid.uuid4().hex[:8]
    parts = [
        f'<figure class="pb-figure"><figcaption id="t{key}">{escape(title)}</figcaption>',
        f'<svg class="chart" role="img" viewBox="0 0 {CHART_WIDTH} {height}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="t{key}" aria-describedby="d{key}">',
        f'<desc id="d{key}">{escape(description)}</desc>',
    ]
    for index, (label, value, highlighted) in enumerate(rows):
        y = 5 + index * (BAR + GAP)
        width = max(2, room * float(value) / top) if value else 0
        fill = "#0b4ea2" if highlighted else "#6b7785"
        pattern = "" if highlighted else ' stroke="#1a1a1a" stroke-dasharray="4 2"'
        parts.append(
            f'<text x="2" y="{y + BAR * 0.7:.1f}" font-size="13" fill="#1a1a1a">'
            f"{escape(_truncate(str(label)))}</text>"
        )
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR}" '
            f'fill="{fill}"{pattern}/>'
        )
        marker = " ✓" if highlighted and tick else ""
        parts.append(
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + BAR * 0.7:.1f}" font-size="13" '
            f'fill="#1a1a1a">{_number(value)}{escape(unit)}{marker}</text>'
        )
    parts.append("</svg></figure>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above
