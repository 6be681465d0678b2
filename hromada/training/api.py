"""
REST API of staff training at /api/v1/training/: the same selectors and services as the pages.

The catalogue, my courses with progress, and the public check of a
certificate by its code (rate-limited; an unknown code is a 404).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from ninja import Field, Router, Schema

from hromada.api import auth
from hromada.core.errors import RateLimited
from hromada.core.ratelimit import address_bucket, over_any
from hromada.training import selectors, services
from hromada.training.models import Course
from hromada.training.views import VERIFY_RATE, VERIFY_RATE_DAY

router = Router(tags=["training"])


class TrainingCourseOut(Schema):
    id: int
    title: str
    description: str
    version: int
    audience: str
    hours: Decimal
    ects: Decimal | None
    areas: list[str]
    has_test: bool
    pass_mark: int
    url: str = Field(..., alias="get_absolute_url")

    @staticmethod
    def resolve_areas(course: Course) -> list[str]:
        return [area.name for area in course.areas.all()]


class TrainingEnrollmentOut(Schema):
    course_id: int
    course: str
    status: str
    score: Decimal | None
    started_at: datetime
    passed_at: datetime | None
    hours: Decimal


class TrainingCertificateOut(Schema):
    code: str
    course: str
    issued_on: date
    expires_on: date | None
    state: str
    verify_url: str


class TrainingProgressOut(Schema):
    year: int
    hours_this_year: Decimal
    enrollments: list[TrainingEnrollmentOut]
    certificates: list[TrainingCertificateOut]


class TrainingVerificationOut(Schema):
    code: str
    state: str = Field(..., description="valid, expired or revoked")
    holder: str
    course: str
    hours: Decimal
    issued_on: date
    expires_on: date | None
    revoked_on: date | None


@router.get(
    "/courses", response=list[TrainingCourseOut], auth=auth.optional, summary="The catalogue"
)
def courses(request):
    user = request.user if getattr(request.user, "is_authenticated", False) else None
    return selectors.catalogue(community=request.community, resident=user)


@router.get(
    "/mine", response=TrainingProgressOut, auth=auth.required, summary="My courses and progress"
)
def mine(request):
    today = timezone.localdate()
    progress = selectors.person_progress(
        resident=request.user, community=request.community, year=today.year
    )
    return {
        "year": today.year,
        "hours_this_year": progress.hours_this_year,
        "enrollments": [
            {
                "course_id": e.course_id,
                "course": str(e.course),
                "status": e.status,
                "score": e.score,
                "started_at": e.started_at,
                "passed_at": e.passed_at,
                "hours": e.hours,
            }
            for e in progress.enrollments
        ],
        "certificates": [
            {
                "code": c.display_code,
                "course": str(c.course),
                "issued_on": c.issued_on,
                "expires_on": c.expires_on,
                "state": c.state_on(today),
                "verify_url": c.get_absolute_url(),
            }
            for c in progress.certificates
        ],
    }


@router.get(
    "/certificates/{code}",
    response=TrainingVerificationOut,
    auth=None,
    summary="Check a certificate by its code",
)
def verify(request, code: str):
    address = address_bucket(request.META.get("REMOTE_ADDR", ""))
    if over_any(
        group="training.verify",
        checks=[(address, VERIFY_RATE), (f"d:{address}", VERIFY_RATE_DAY)],
    ):
        raise RateLimited()
    found = services.verify(community=request.community, code=code[:60])
    return {
        "code": found.display_code,
        "state": found.state_on(timezone.localdate()),
        "holder": found.holder_name,
        "course": str(found.course),
        "hours": found.hours,
        "issued_on": found.issued_on,
        "expires_on": found.expires_on,
        "revoked_on": timezone.localdate(found.revoked_at) if found.revoked_at else None,
    }
