"""Strategy indicators of staff training: council-wide aggregates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hromada.core.registry import module, resolve
from tests.training.test_pages import passed_certificate

pytestmark = pytest.mark.django_db


def compute(key, community, start, end, settlement=None):
    found = {item.key: item for item in module("training").indicators}[key]
    return resolve(found.compute)(community, start, end, settlement=settlement)


def test_indicators_count_certified_staff_scores_and_courses(community, course, staff, hr):
    """One of two staff passes the course with full marks: 50 % certified, one course done."""
    today = timezone.localdate()
    start = today - timedelta(days=30)
    assert compute("training.courses_completed", community, start, today) == 0
    assert compute("training.average_score", community, start, today) is None
    assert compute("training.certified_staff", community, start, today) == 0.0
    passed_certificate(course, staff)
    assert compute("training.certified_staff", community, start, today) == 50.0
    assert compute("training.average_score", community, start, today) == 100.0
    assert compute("training.courses_completed", community, start, today) == 1
    for item in module("training").indicators:
        assert resolve(item.compute)(community, start, today, settlement=object()) is None
