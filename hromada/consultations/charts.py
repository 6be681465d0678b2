"""
Server-side SVG charts of survey results: no JavaScript.

Each chart is an image with a title and a description for screen readers;
every bar carries its number as text, and the page shows the same numbers
in a table beside it. Every label is escaped: staff and residents type them.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
LABEL_MAX = 70


def _label(text) -> str:
    text = str(text)
    return escape(text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "…")


def bars(
    *, chart_id: str, title: str, description: str, points: list[tuple[str, int]]
) -> SafeString:
    """Return horizontal bars: the label on its own line, the bar and its count below."""
    bar_height, label_height, gap, left = 16, 18, 10, 4
    plot = WIDTH - left - 80
    highest = max([value or 0 for _label_, value in points] or [0]) or 1
    step = label_height + bar_height + gap
    height = step * max(len(points), 1) + 8
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
    ]
    for index, (label, value) in enumerate(points):
        y = 4 + index * step
        length = round(plot * (value or 0) / highest, 1)
        parts.append(
            f'<text x="{left}" y="{y + 13}">{_label(label)}</text>'
            f'<rect class="chart-a" x="{left}" y="{y + label_height}" width="{max(length, 1)}" '
            f'height="{bar_height - 2}"><title>{_label(label)}: {value}</title></rect>'
            f'<text x="{left + length + 6}" y="{y + label_height + 12}">{value}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text part above is escaped
