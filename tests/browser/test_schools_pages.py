"""The schools pages, filled with the demo data, pass axe-core as visitor, parent, teacher and director."""

import pytest

from hromada.core import demo as core_demo
from hromada.schools import demo
from hromada.schools.models import Assignment, Guardianship, Lesson, School, SchoolClass
from tests.browser.test_module_pages import check_all, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_schools_pages_are_accessible(page, live_server):
    for community in core_demo.load():
        demo.load(community)
    base = live_server.url
    failures = check_all(page, base, ["/schools/"])
    child = Guardianship.objects.filter(guardian__email="parent@chornomorsk.demo").first().pupil
    log_in(page, base, "parent@chornomorsk.demo")
    failures += check_all(
        page,
        base,
        [
            f"/schools/diary/{child.pk}/",
            f"/schools/diary/{child.pk}/grades/",
            f"/schools/diary/{child.pk}/notes/",
            "/schools/calendar/",
        ],
    )
    page.context.clear_cookies()
    assignment = Assignment.objects.filter(teacher__email="teacher@chornomorsk.demo").first()
    lesson = Lesson.objects.filter(assignment=assignment).order_by("-date").first()
    school_class = SchoolClass.objects.filter(
        class_teacher__email="teacher@chornomorsk.demo"
    ).first()
    log_in(page, base, "teacher@chornomorsk.demo")
    failures += check_all(
        page,
        base,
        [
            "/schools/",
            f"/schools/journal/{assignment.pk}/",
            f"/schools/journal/{assignment.pk}/lessons/{lesson.pk}/",
            f"/schools/journal/{assignment.pk}/lessons/{lesson.pk}/history/",
            f"/schools/classes/{school_class.pk}/",
        ],
    )
    page.context.clear_cookies()
    log_in(page, base, "director@chornomorsk.demo")
    school = School.objects.get(staff__resident__email="director@chornomorsk.demo")
    failures += check_all(page, base, [f"/schools/schools/{school.pk}/"])
    page.context.clear_cookies()
    log_in(page, base, "education@chornomorsk.demo")
    failures += check_all(page, base, ["/schools/department/"])
    assert not failures, "\n".join(failures)
