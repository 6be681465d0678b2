"""
Server-side SVG charts of the service centre's statistics: no JavaScript.

Drawn the way the appeals' statistics are (`hromada.appeals.charts`): each
chart is an image with a title and a description for screen readers, every
bar carries its number as text, and the page shows the same numbers in a
table beside it. Every label is escaped: a service's name is typed by staff.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SERIES_CLASSES = ["chart-a", "chart-b", "chart-c", "chart-d"]
WIDTH = 720
LABEL_MAX = 60


def _label(text) -> str:
    text = str(text)
    return escape(text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "…")


def _number(value) -> str:
    if value is None:
        return "—"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _open(chart_id: str, height: int, title: str, description: str) -> list[str]:
    return [
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def columns(
    *, chart_id: str, title: str, description: str, points: list[tuple[str, int]]
) -> SafeString:
    """Return vertical columns with a label under each and its value above it."""
    height, bottom, left = 240, 40, 10
    highest = max([value or 0 for _label, value in points] or [0]) or 1
    step = (WIDTH - left * 2) / max(len(points), 1)
    plot = height - bottom - 24
    parts = _open(chart_id, height, title, description)
    for index, (label, value) in enumerate(points):
        bar = round(plot * (value or 0) / highest, 1)
        x = left + index * step + step * 0.15
        middle = x + step * 0.35
        parts.append(
            f'<rect class="chart-a" x="{x:.1f}" y="{height - bottom - bar}" '
            f'width="{step * 0.7:.1f}" height="{max(bar, 1)}">'
            f"<title>{_label(label)}: {_number(value)}</title></rect>"
            f'<text x="{middle:.1f}" y="{height - bottom - bar - 6}" text-anchor="middle">'
            f"{_number(value)}</text>"
            f'<text x="{middle:.1f}" y="{height - bottom + 18}" text-anchor="middle">'
            f"{_label(label) if len(points) <= 16 or index % 4 == 0 else ''}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text part above is escaped


def grouped_bars(
    *,
    chart_id: str,
    title: str,
    description: str,
    rows: list[tuple[str, list[float | None]]],
    series: list[str],
) -> SafeString:
    """Return horizontal grouped bars: each row's label on its own line, a bar per series."""
    bar_height, label_height, gap, left = 16, 20, 12, 10
    plot = WIDTH - left - 70
    top = 10 + 22 * ((len(series) + 2) // 3)  # room for the legend
    highest = max([value or 0 for _label, values in rows for value in values] or [0]) or 1
    group_height = label_height + bar_height * len(series) + gap
    height = top + group_height * max(len(rows), 1) + 10
    parts = _open(chart_id, height, title, description)
    for index, name in enumerate(series):
        x, y = left + (index % 3) * 230, 6 + 22 * (index // 3)
        parts.append(
            f'<rect class="{SERIES_CLASSES[index % 4]}" x="{x}" y="{y}" width="14" height="14"/>'
            f'<text x="{x + 20}" y="{y + 12}">{escape(name)}</text>'
        )
    for row_index, (label, values) in enumerate(rows):
        y0 = top + row_index * group_height
        parts.append(f'<text class="chart-label" x="{left}" y="{y0 + 14}">{_label(label)}</text>')
        for index, value in enumerate(values):
            y = y0 + label_height + index * bar_height
            length = round(plot * (value or 0) / highest, 1)
            parts.append(
                f'<rect class="{SERIES_CLASSES[index % 4]}" x="{left}" y="{y}" '
                f'width="{max(length, 1)}" height="{bar_height - 3}">'
                f"<title>{escape(series[index])}: {_number(value)}</title></rect>"
                f'<text x="{left + length + 5}" y="{y + bar_height - 5}">{_number(value)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text part above is escaped
