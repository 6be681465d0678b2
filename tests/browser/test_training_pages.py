"""
Training pages, filled with the demo data, have no WCAG 2.1 AA violations
(visitor, learner, HR), and staff-written text stays text in the browser.
"""

import pytest

from hromada.core import demo as core_demo
from hromada.core.models import Community, Resident
from hromada.training import demo, services
from hromada.training.models import Certificate, Course, Lesson
from tests.browser.test_module_pages import check_all, log_in
from tests.browser.test_xss import Watch
from tests.browser.test_xss import log_in as log_in_with_session

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_training_pages_are_accessible(page, live_server):
    communities = core_demo.load()
    for community in communities:
        demo.load(community)
    base = live_server.url
    course = Course.objects.get(title="Цифрова безпека для працівників ради")
    lesson = course.lessons.first()
    certificate = Certificate.objects.filter(revoked_at__isnull=True).first()
    revoked = Certificate.objects.filter(revoked_at__isnull=False).first()
    failures = check_all(
        page,
        base,
        [
            "/training/",
            "/training/verify/",
            certificate.get_absolute_url(),
            revoked.get_absolute_url(),
        ],
    )
    learner = Resident.objects.get(email="learner4@chornomorsk.demo")  # not started yet
    log_in(page, base, learner.email)
    attempt_course = Course.objects.get(title="Електронний документообіг")
    for item in attempt_course.lessons.all():
        services.complete_lesson(lesson=item, resident=learner, check_answer=item.check_correct)
    attempt = services.start_attempt(course=attempt_course, resident=learner)
    failures += check_all(
        page,
        base,
        [
            "/training/",
            course.get_absolute_url(),
            lesson.get_absolute_url(),
            attempt.get_absolute_url(),
            "/training/mine/",
        ],
    )
    services.submit_attempt(attempt=attempt, resident=learner, responses={})
    failures += check_all(page, base, [attempt.get_absolute_url()])
    page.context.clear_cookies()
    log_in(page, base, "hr@chornomorsk.demo")
    department = course.requirements.first().department
    failures += check_all(
        page,
        base,
        [
            "/training/progress/",
            f"/training/progress/departments/{department.pk}/",
            "/training/records/",
            certificate.get_absolute_url(),
        ],
    )
    assert failures == []


PAYLOAD = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


def test_staff_text_stays_text_in_training_pages(page, live_server, settings):
    from tests.factories import make_community, make_staff
    from tests.training.conftest import finish_lessons  # noqa: F401

    settings.HROMADA_MAP_TILES = ""
    community = make_community("chornomorsk", name="Чорноморська громада")
    Community.objects.filter(pk=community.pk).update(name=community.name)
    staff = make_staff(community)
    course = Course.objects.create(
        community=community,
        title=f"Курс {PAYLOAD}",
        description=PAYLOAD,
        is_published=True,
    )
    lesson = Lesson.objects.create(
        course=course,
        position=1,
        title=f"Урок {PAYLOAD}",
        body=f"{PAYLOAD}\n\n[link](javascript:window.__xss=3)",
        check_question=PAYLOAD,
        check_options=[PAYLOAD, "Так"],
        check_correct=2,
    )
    watch = Watch(page, live_server.url)
    log_in_with_session(page, live_server.url, staff)
    for path in ["/training/", course.get_absolute_url(), lesson.get_absolute_url()]:
        watch.open(path)
        watch.assert_inert()
    assert "onerror" in watch.text()  # shown as text, not run
