"""
The survey's XLSX export, streamed.

openpyxl (without lxml) spends tens of microseconds on every cell, and a
50,000-response survey has well over a million: the sheet's XML is written
here directly instead, one row at a time into a zip stream, and sent as it
is made. Every cell still passes through core's `safe_cell` (a text a
spreadsheet would run gets a leading apostrophe) and loses the control
characters XLSX cannot hold, as core's own XLSX writer does.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape

from django.http import StreamingHttpResponse
from django.utils import translation
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter

from hromada.core.exports import SHEET_NAME_MAX, XLSX_TYPE, safe_row

_SHEET_NAME_REFUSED = str.maketrans(dict.fromkeys("[]:*?/\\", " "))
ROWS_PER_PIECE = 500

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_TAIL = "</sheetData></worksheet>"


def _cell(reference: str, value) -> str:
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int | float):
        return f'<c r="{reference}"><v>{value!r}</v></c>'
    text = escape(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    return f'<c r="{reference}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _row(number: int, letters: list[str], values: list) -> str:
    cells = "".join(
        _cell(f"{letter}{number}", value)
        for letter, value in zip(letters, values, strict=True)
        if value != ""
    )
    return f'<row r="{number}">{cells}</row>'


class _Pipe:
    """An unseekable file the zip writes into; what it holds is taken piece by piece."""

    def __init__(self):
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def xlsx_stream(rows: Iterable[dict], *, fields: list[str], sheet: str) -> Iterator[bytes]:
    """Yield an XLSX file of one sheet: the header row, then one row per dict."""
    letters = [get_column_letter(index) for index in range(1, len(fields) + 1)]
    name = escape(
        str(sheet).translate(_SHEET_NAME_REFUSED)[:SHEET_NAME_MAX] or "data", {'"': "&quot;"}
    )
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _RELS)
        book.writestr("xl/workbook.xml", _WORKBOOK.format(name=name))
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            header = safe_row({str(f): str(f) for f in fields}, [str(f) for f in fields])
            part.write((_SHEET_HEAD + _row(1, letters, header)).encode())
            yield pipe.take()
            number = 1
            piece: list[str] = []
            for row in rows:
                number += 1
                piece.append(_row(number, letters, safe_row(row, fields)))
                if len(piece) >= ROWS_PER_PIECE:
                    part.write("".join(piece).encode())
                    piece = []
                    yield pipe.take()
            part.write(("".join(piece) + _SHEET_TAIL).encode())
    yield pipe.take()


def xlsx_response(rows: Iterable[dict], *, fields: list[str], name: str, sheet: str = ""):
    """Return the rows as a streamed XLSX download named `name`.xlsx."""
    language = translation.get_language()

    def body():
        # Read after the view returns: keep the request's language for labels.
        with translation.override(language):
            yield from xlsx_stream(rows, fields=fields, sheet=sheet or name)

    response = StreamingHttpResponse(body(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
