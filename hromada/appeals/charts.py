"""
Server-side SVG charts for the statistics page: no JavaScript, no library.

Each chart is an image with a title and a description for screen readers;
the page shows the same numbers in a table, and every bar carries its number
as text, so no meaning rests on colour alone.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SERIES_CLASSES = ["chart-a", "chart-b", "chart-c", "chart-d"]


def grouped_bars(
    *,
    chart_id: str,
    title: str,
    description: str,
    rows: list[tuple[str, list[int]]],
    series: list[str],
) -> SafeString:
    """Return horizontal grouped bars: each row's label on its own line, then one bar per series."""
    bar_height, label_height, gap, width, left = 16, 20, 12, 720, 10
    plot = width - left - 60
    top = 10 + 22 * ((len(series) + 2) // 3)  # room for the legend
    highest = max([value for _label, values in rows for value in values] or [0]) or 1
    group_height = label_height + bar_height * len(series) + gap
    height = top + group_height * max(len(rows), 1) + 10
    parts = [
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    for index, name in enumerate(series):
        x, y = left + (index % 3) * 230, 6 + 22 * (index // 3)
        parts.append(
            f'<rect class="{SERIES_CLASSES[index % 4]}" x="{x}" y="{y}" width="14" height="14"/>'
            f'<text x="{x + 20}" y="{y + 12}">{escape(name)}</text>'
        )
    for row_index, (label, values) in enumerate(rows):
        y0 = top + row_index * group_height
        parts.append(f'<text class="chart-label" x="{left}" y="{y0 + 14}">{escape(label)}</text>')
        for index, value in enumerate(values):
            y = y0 + label_height + index * bar_height
            length = round(plot * value / highest, 1)
            parts.append(
                f'<rect class="{SERIES_CLASSES[index % 4]}" x="{left}" y="{y}" '
                f'width="{max(length, 1)}" height="{bar_height - 3}">'
                f"<title>{escape(series[index])}: {value}</title></rect>"
                f'<text x="{left + length + 5}" y="{y + bar_height - 5}">{value}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text part above is escaped


def columns(
    *, chart_id: str, title: str, description: str, points: list[tuple[str, int]]
) -> SafeString:
    """Return vertical columns with a label under each and its value above it."""
    width, height, bottom, left = 720, 240, 40, 10
    highest = max([value for _label, value in points] or [0]) or 1
    step = (width - left * 2) / max(len(points), 1)
    parts = [
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    plot = height - bottom - 24
    for index, (label, value) in enumerate(points):
        bar = round(plot * value / highest, 1)
        x = left + index * step + step * 0.15
        parts.append(
            f'<rect class="chart-a" x="{x:.1f}" y="{height - bottom - bar}" width="{step * 0.7:.1f}" '
            f'height="{max(bar, 1)}"><title>{escape(label)}: {value}</title></rect>'
            f'<text x="{x + step * 0.35:.1f}" y="{height - bottom - bar - 6}" '
            f'text-anchor="middle">{value}</text>'
            f'<text x="{x + step * 0.35:.1f}" y="{height - bottom + 18}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text part above is escaped
