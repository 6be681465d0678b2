"""
GET /api/v1/cnap/statistics: the staff statistics page's numbers as JSON.

Mounted on the module's router (`hromada.cnap.api`). Dates are bounded like
the web views' (`hromada.core.params`), a period longer than a year is
refused, and who may read which office is decided by `stats.statistics`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from annotated_types import Ge, Le
from ninja import Field, Query, Router, Schema

from hromada.api import auth
from hromada.api.types import Id
from hromada.cnap import stats
from hromada.core.params import MAX_DATE, MIN_DATE

router = Router(tags=["cnap"])

Day = Annotated[date, Ge(MIN_DATE), Le(MAX_DATE)]


class StatisticsFilters(Schema):
    start: Day | None = Field(None, alias="from")
    end: Day | None = Field(None, alias="to")
    office: Id | None = None
    service: Id | None = None
    operator: Id | None = None
    period: Literal["day", "week", "month"] = "day"
    group: Literal["", "office", "service", "operator"] = ""


class StatisticsRow(Schema):
    period: date
    group: str
    key: int | None
    tickets: int
    visitors: int
    served: int
    no_shows: int
    booked: int
    priority: int
    booked_share: float | None
    priority_share: float | None
    no_show_share: float | None
    transfers: int
    wait_mean: float | None
    wait_p50: float | None
    wait_p90: float | None
    service_mean: float | None
    service_p50: float | None
    service_p90: float | None


class CnapStatisticsOut(Schema):
    start: date
    end: date
    period: str
    group: str
    total: StatisticsRow
    rows: list[StatisticsRow]


@router.get(
    "/statistics",
    response=CnapStatisticsOut,
    auth=auth.required,
    summary="Statistics (staff): visits, waits, service times, no-shows",
)
def statistics(request, filters: Query[StatisticsFilters]):
    start, end = stats.bounded(filters.start, filters.end)
    chosen = stats.Filters(
        start=start,
        end=end,
        period=filters.period,
        group=filters.group,
        office_id=filters.office,
        service_id=filters.service,
        operator_id=filters.operator,
    )
    found = stats.statistics(staff=request.user, community=request.community, filters=chosen)
    return {
        "start": start,
        "end": end,
        "period": chosen.period,
        "group": chosen.group,
        "total": found["total"],
        "rows": found["rows"],
    }
