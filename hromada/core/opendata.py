"""
Open-data responses (Cabinet of Ministers Resolution №835 data sets).

A module's selector yields plain dicts with the data set's field names; this
turns them into CSV (UTF-8 with BOM, so spreadsheets read Cyrillic) or JSON.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse


def export_response(
    rows: Iterable[dict], *, fields: list[str], name: str, fmt: str
) -> HttpResponse:
    """Return the rows as a CSV or JSON download named `name`."""
    rows = [{field: row.get(field) for field in fields} for row in rows]
    if fmt == "json":
        body = json.dumps(rows, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    else:
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    response["Access-Control-Allow-Origin"] = "*"
    return response
