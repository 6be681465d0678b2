"""
Bounded types for the API's path, query and body values.

An id the database cannot hold (`/petitions/99999999999999999999/sign`), a
page past any offset or a latitude of 1e309 is refused with a 422 in the
error shape, instead of overflowing a query. The limits are the ones the
web views use (`hromada.core.params`), and they appear in the OpenAPI
schema, so clients see them.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le
from pydantic import AllowInfNan

from hromada.core.params import MAX_ID, MAX_LAT, MAX_LON, MAX_PAGE, MIN_LAT, MIN_LON

Id = Annotated[int, Ge(1), Le(MAX_ID)]
Page = Annotated[int, Ge(1), Le(MAX_PAGE)]
Lat = Annotated[float, AllowInfNan(False), Ge(MIN_LAT), Le(MAX_LAT)]
Lon = Annotated[float, AllowInfNan(False), Ge(MIN_LON), Le(MAX_LON)]
# Counts a person types (points on a ballot, days of collection): small.
Count = Annotated[int, Ge(0), Le(1_000_000)]
