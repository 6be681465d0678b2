"""
Open-data responses (Cabinet of Ministers Resolution №835 data sets).

A module's selector yields plain dicts with the data set's field names; this
turns them into CSV or JSON. CSV goes through `hromada.core.exports`, which
every spreadsheet download shares, so a title typed as a formula is never
run; JSON carries the values as they are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, StreamingHttpResponse

from hromada.core.exports import csv_response


def export_response(
    rows: Iterable[dict], *, fields: list[str], name: str, fmt: str
) -> HttpResponse | StreamingHttpResponse:
    """Return the rows as a CSV or JSON download named `name`."""
    if fmt == "json":
        rows = [{field: row.get(field) for field in fields} for row in rows]
        body = json.dumps(rows, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    else:
        response = csv_response(rows, fields=fields, name=name)
    response["Access-Control-Allow-Origin"] = "*"
    return response
