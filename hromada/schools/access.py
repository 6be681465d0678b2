"""
Who may see and write what in the schools module: the one place every channel asks.

A parent sees only their own children (links not blocked), a pupil only
themself, a teacher writes only to their own class subjects (or a recorded
substitution), a class teacher reads the whole class, the director and the
deputies the whole school, the education department aggregates only (no
names). Anything else is "not found", never "forbidden": a stranger learns
nothing about whether a child exists.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hromada.core.errors import DomainError, NotFound
from hromada.core.models import Community, Resident
from hromada.core.params import MAX_ID
from hromada.schools.models import (
    Assignment,
    Guardianship,
    Pupil,
    School,
    SchoolClass,
    SchoolStaff,
    Substitution,
)

HEADS = (SchoolStaff.Role.DIRECTOR, SchoolStaff.Role.DEPUTY)


def bounded(pk) -> int:
    """Return an id the database can hold, or raise SchoolNotFound (a huge id is a 404, not a 500)."""
    if not isinstance(pk, int) or not 1 <= pk <= MAX_ID:
        raise SchoolNotFound()
    return pk


class SchoolNotFound(NotFound):
    code = "schools_not_found"
    message = _("Not found.")


class NotAllowed(DomainError):
    code = "schools_forbidden"
    status = 403
    message = _("You may not do this in the journal.")


def _roles(resident: Resident | None, community: Community) -> dict[int | None, set[str]]:
    """Return {school id (None for the department): roles}, cached on the resident object."""
    if resident is None or not resident.is_authenticated:
        return {}
    cache = resident.__dict__.setdefault("_school_roles", {})
    if community.pk not in cache:
        found: dict[int | None, set[str]] = {}
        rows = SchoolStaff.objects.filter(community=community, resident=resident)
        for school_id, role in rows.values_list("school_id", "role"):
            found.setdefault(school_id, set()).add(role)
        cache[community.pk] = found
    return cache[community.pk]


def school_roles(resident, school: School) -> set[str]:
    return _roles(resident, _community_of(school)).get(school.pk, set())


def _community_of(row) -> Community:
    community = getattr(row, "_community_cache", None)
    if community is None:
        community = Community(pk=row.community_id)
    return community


def is_head(resident, school: School) -> bool:
    return bool(school_roles(resident, school) & set(HEADS))


def is_department(resident, community: Community) -> bool:
    return SchoolStaff.Role.EDUCATION in _roles(resident, community).get(None, set())


def is_school_staff(resident, community: Community) -> bool:
    return any(
        school_id is not None and roles for school_id, roles in _roles(resident, community).items()
    )


def staff_schools(resident, community: Community) -> list[int]:
    return [pk for pk in _roles(resident, community) if pk is not None]


def head_schools(resident, community: Community) -> list[int]:
    return [
        pk
        for pk, roles in _roles(resident, community).items()
        if pk is not None and roles & set(HEADS)
    ]


def reads_class(resident, school_class: SchoolClass) -> bool:
    """The class teacher and the school's heads read the whole class."""
    if resident is None or not resident.is_authenticated:
        return False
    if school_class.class_teacher_id == resident.pk:
        return True
    return is_head(resident, school_class.school)


def writes_on(resident, assignment: Assignment, day: date) -> bool:
    """The assignment's teacher, or a substitute recorded for that day."""
    if resident is None or not resident.is_authenticated:
        return False
    if assignment.teacher_id == resident.pk:
        return True
    return Substitution.objects.filter(
        assignment=assignment, teacher=resident, starts_on__lte=day, ends_on__gte=day
    ).exists()


def reads_assignment(resident, assignment: Assignment) -> bool:
    if resident is None or not resident.is_authenticated:
        return False
    if assignment.teacher_id == resident.pk:
        return True
    if reads_class(resident, assignment.school_class):
        return True
    return Substitution.objects.filter(assignment=assignment, teacher=resident).exists()


def teacher_assignments(resident, community: Community):
    """The class subjects a teacher writes to: own ones and those substituted."""
    subs = Substitution.objects.filter(community=community, teacher=resident).values(
        "assignment_id"
    )
    return (
        Assignment.objects.filter(community=community)
        .filter(Q(teacher=resident) | Q(pk__in=subs))
        .select_related("school_class", "subject", "school_class__school")
        .order_by("school_class__grade", "school_class__letter", "subject__name")
    )


def assignment_for(resident, community: Community, pk: int) -> Assignment:
    """Return an assignment the resident may read, or raise SchoolNotFound (404)."""
    found = (
        Assignment.objects.filter(community=community, pk=bounded(pk))
        .select_related("school_class__school", "school_class__year", "subject")
        .first()
    )
    if found is None or not reads_assignment(resident, found):
        raise SchoolNotFound()
    return found


def class_for(resident, community: Community, pk: int) -> SchoolClass:
    found = (
        SchoolClass.objects.filter(community=community, pk=bounded(pk))
        .select_related("school", "year")
        .first()
    )
    if found is None or not reads_class(resident, found):
        raise SchoolNotFound()
    return found


def school_for_head(resident, community: Community, pk: int) -> School:
    found = School.objects.filter(community=community, pk=bounded(pk)).first()
    if found is None or not is_head(resident, found):
        raise SchoolNotFound()
    return found


def children(resident, community: Community):
    """Pupils the resident may follow: own children (links not blocked) and themself."""
    if resident is None or not resident.is_authenticated:
        return Pupil.objects.none()
    linked = Guardianship.objects.filter(
        community=community, guardian=resident, blocked_at__isnull=True
    ).values("pupil_id")
    return (
        Pupil.objects.filter(community=community)
        .filter(Q(pk__in=linked) | Q(account=resident))
        .select_related("school")
        .order_by("full_name")
    )


def child_for(resident, community: Community, pk: int) -> Pupil:
    """Return the resident's own child (or the pupil themself), or raise SchoolNotFound."""
    found = children(resident, community).filter(pk=bounded(pk)).first()
    if found is None:
        raise SchoolNotFound()
    return found


def guardianship(resident, pupil: Pupil) -> Guardianship:
    found = Guardianship.objects.filter(
        pupil=pupil, guardian=resident, blocked_at__isnull=True
    ).first()
    if found is None:
        raise SchoolNotFound()
    return found
