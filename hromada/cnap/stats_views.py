"""Statistics pages of the service centre: the staff page, its downloads, the open data set."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from hromada.cnap import charts, stats
from hromada.core.errors import DomainError, NotFound
from hromada.core.exports import csv_response, xlsx_response
from hromada.core.opendata import export_response
from hromada.core.params import MAX_DATE, MIN_DATE, int_param


def _statistics(request):
    """Return the statistics for the request, or the page that says why not."""
    try:
        filters = stats.filters_from(request.GET)
        return stats.statistics(staff=request.user, community=request.community, filters=filters)
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        status = error.status
        return render(request, "403.html" if status == 403 else "cnap/stats_error.html",
                      {"error": error}, status=status)  # fmt: skip


@require_GET
@login_required
def statistics(request):
    found = _statistics(request)
    if not isinstance(found, dict):
        return found
    rows, filters = found["rows"], found["filters"]
    by_period: dict = {}
    for row in rows:
        by_period[row["period"]] = by_period.get(row["period"], 0) + row["tickets"]
    visitors_chart = charts.columns(
        chart_id="cnap-visits",
        title=_("Tickets per period"),
        description=_("How many visitors took a ticket or checked in, per period."),
        points=[(f"{period:%d.%m}", count) for period, count in by_period.items()],
    )
    wait_rows = [
        (f"{row['period']:%d.%m.%Y} {row['group']}".strip(),
         [row["wait_mean"], row["wait_p50"], row["wait_p90"]])
        for row in rows[:40]
    ]  # fmt: skip
    wait_chart = charts.grouped_bars(
        chart_id="cnap-waits",
        title=_("Waits, minutes"),
        description=_("Mean, median and 90th percentile of the wait for a call."),
        rows=wait_rows,
        series=[_("mean"), _("median"), _("90th percentile")],
    )
    context = {
        "rows": rows,
        "total": found["total"],
        "filters": filters,
        "query": request.GET.urlencode(),
        "visitors_chart": visitors_chart,
        "wait_chart": wait_chart,
        "periods_total": by_period,
        **stats.choices_for(community=request.community, offices=found["offices"]),
    }
    return render(request, "cnap/stats.html", context)


@require_GET
@login_required
def statistics_export(request, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    found = _statistics(request)
    if not isinstance(found, dict):
        return found
    filters = found["filters"]
    name = f"cnap-statistics-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}"
    rows = [dict(row, period=row["period"].isoformat()) for row in found["rows"]]
    if fmt == "xlsx":
        return xlsx_response(rows, fields=stats.FIELDS, name=name, sheet=_("Statistics"))
    return csv_response(rows, fields=stats.FIELDS, name=name)


def open_data(request):
    fmt = "json" if request.GET.get("format") == "json" else "csv"
    year = int_param(request.GET, "year", low=MIN_DATE.year, high=MAX_DATE.year)
    rows = stats.open_data_rows(request.community, year)
    return export_response(
        rows, fields=stats.OPEN_DATA_FIELDS, name="administrative-services", fmt=fmt
    )
