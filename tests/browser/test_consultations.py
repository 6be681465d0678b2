"""
Consultation pages have no WCAG 2.1 AA violations, and a resident fills and
sends the survey on a phone.

`build` sets up, through the services, what the pages show: a draft in two
versions with article comments, an official reply and an amendment (redline),
an open survey of every question type, a closed survey with its responses and
published report, and an upcoming hearing with its agenda and registrations.
Every text may carry `mark` (the XSS test in test_xss.py fills it with markup).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from hromada.consultations import services
from hromada.consultations.models import Answer, Consultation
from hromada.core.models import Identity, StaffRole
from tests.browser.test_module_pages import check_all
from tests.browser.test_xss import log_in
from tests.consultations.conftest import QUESTIONS, close_now, make_consultation, open_survey
from tests.consultations.test_hearing import make_hearing
from tests.factories import make_resident, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@dataclass
class Built:
    moderator: object
    resident: object
    draft: Consultation
    survey: Consultation
    closed: Consultation
    hearing: Consultation
    mark: str


def draft_text(mark: str, version: int) -> str:
    third = "до 8 години ранку" if version == 1 else "до 9 години ранку, а у вихідні до 10"
    return f"""# Загальні положення {mark}

### Стаття 1. Предмет регулювання
Ці Правила визначають порядок благоустрою території громади. {mark}

### Стаття 2. Терміни
У цих Правилах терміни вживаються у такому значенні: благоустрій, утримання.

## Утримання територій

### Стаття 3. Прибирання
Власники територій прибирають їх щодня {third}. {mark}
"""


def questions(mark: str) -> list[dict]:
    if not mark:
        return QUESTIONS
    marked = []
    for spec in QUESTIONS:
        spec = dict(spec)
        spec["text"] = f"{spec['text']} {mark}"
        if "options" in spec:
            spec["options"] = [f"{option} {mark}" for option in spec["options"]]
        if "rows" in spec:
            spec["rows"] = [f"{row} {mark}" for row in spec["rows"]]
        marked.append(spec)
    return marked


def build(community, mark: str = "") -> Built:
    moderator = make_staff(community, StaffRole.Role.MODERATOR)
    resident = make_resident(community, level=Identity.EMAIL, full_name=f"Оксана Коваль {mark}")
    neighbour = make_resident(community, level=Identity.EMAIL)

    draft = make_consultation(
        community, moderator, Consultation.Kind.DRAFT, title=f"Правила благоустрою {mark}"
    )
    services.publish_version(actor=moderator, consultation=draft, text=draft_text(mark, 1))
    draft = services.announce_consultation(actor=moderator, consultation=draft)
    comment = services.add_comment(
        consultation=draft,
        resident=resident,
        text=f"Прибирати треба раніше {mark}",
        article_key="st-3",
        is_proposal=True,
    )
    services.add_comment(consultation=draft, resident=neighbour, text=f"Загалом добре {mark}")
    services.vote_comment(comment=comment, resident=neighbour, value=1)
    services.reply_to_comment(staff=moderator, comment=comment, text=f"Дякуємо, врахуємо {mark}")
    services.propose_amendment(
        consultation=draft,
        resident=neighbour,
        article_key="st-3",
        replacement=f"Власники територій прибирають їх щодня до 7 години ранку. {mark}",
        text=f"Раніше — чистіше {mark}",
    )
    services.publish_version(
        actor=moderator, consultation=draft, text=draft_text(mark, 2), note=f"Друга {mark}"
    )

    survey = open_survey(community, moderator, questions=questions(mark), title=f"Автобуси {mark}")

    closed = open_survey(
        community, moderator, questions=questions(mark), title=f"Мережа маршрутів {mark}"
    )
    for n in range(12):
        services.submit_response(
            consultation=closed,
            resident=make_resident(community),
            answers={1: n % 3, 2: [0, 2], 4: 1 + n % 5, 7: f"Зупинка {n} {mark}", 8: f"Бо {mark}"}
            if n % 3 == 2
            else {1: n % 3, 2: [1], 3: [2, 0, 1], 4: 1 + n % 5, 7: f"Центр {mark}"},
        )
    closed = close_now(closed, moderator)
    answer = Answer.objects.filter(question__consultation=closed, question__kind="long").first()
    proposal = services.mark_survey_proposal(staff=moderator, answer=answer)
    services.decide_proposals(
        staff=moderator, comments=[proposal], decision="partly", reason=f"Частково {mark}"
    )
    services.publish_report(actor=moderator, consultation=closed, notice=f"Звіт {mark}")
    closed.refresh_from_db()

    hearing = make_hearing(community, moderator, capacity=1)
    Consultation.objects.filter(pk=hearing.pk).update(
        agenda=f"Бюджет 2027 {mark}", title=f"Громадські слухання {mark}", place=f"Зала {mark}"
    )
    hearing.refresh_from_db()
    services.register_for_hearing(consultation=hearing, resident=neighbour)
    services.enter_proposal(
        staff=moderator,
        consultation=hearing,
        text=f"Більше на освіту {mark}",
        author_name=f"Петро Іваненко {mark}",
    )
    return Built(moderator, resident, draft, survey, closed, hearing, mark)


def public_paths(built: Built) -> list[str]:
    draft, survey, closed, hearing = built.draft, built.survey, built.closed, built.hearing
    return [
        "/consultations/",
        "/consultations/?status=closed",
        f"/consultations/{draft.pk}/",
        f"/consultations/{draft.pk}/articles/st-3/",
        f"/consultations/{draft.pk}/diff/",
        f"/consultations/{survey.pk}/",
        f"/consultations/{closed.pk}/",
        f"/consultations/{closed.pk}/results/",
        f"/consultations/{closed.pk}/results/?by=settlement&q=1",
        f"/consultations/{closed.pk}/report/",
        f"/consultations/{hearing.pk}/",
        "/consultations/initiatives/",
    ]


def staff_paths(built: Built) -> list[str]:
    draft, closed, hearing = built.draft, built.closed, built.hearing
    return [
        "/consultations/staff/",
        "/consultations/staff/new/",
        f"/consultations/staff/{draft.pk}/",
        f"/consultations/staff/{draft.pk}/edit/",
        f"/consultations/staff/{draft.pk}/report/",
        f"/consultations/staff/{built.survey.pk}/",
        f"/consultations/staff/{closed.pk}/",
        f"/consultations/staff/{hearing.pk}/",
    ]


def test_consultation_pages_are_accessible_and_the_survey_works_on_a_phone(
    page, live_server, community
):
    built = build(community)
    base = live_server.url
    failures = check_all(page, base, public_paths(built))

    # A resident reads, then fills the survey on the phone (390 px wide) and sends it.
    respondent = make_resident(community)
    log_in(page, base, respondent)
    failures += check_all(
        page,
        base,
        [
            f"/consultations/{built.draft.pk}/articles/st-3/",
            f"/consultations/{built.survey.pk}/survey/",
        ],
    )
    assert page.viewport_size["width"] < 500
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    page.locator("#q1").get_by_label("Щотижня").check()
    page.locator("#q4").get_by_label("4", exact=True).check()
    page.get_by_label("Ваша зупинка").fill("Вокзал")
    page.locator("form:has(fieldset.question) > button[type=submit]:not([name=save])").click()
    page.wait_for_load_state()
    assert page.url.rstrip("/").endswith(f"/consultations/{built.survey.pk}")
    assert services.has_answered(consultation=built.survey, resident=respondent)
    failures += check_all(page, base, [f"/consultations/{built.survey.pk}/survey/"])

    # An incomplete answer comes back with the error summary, itself accessible.
    second = make_resident(community)
    page.context.clear_cookies()
    log_in(page, base, second)
    page.goto(f"{base}/consultations/{built.survey.pk}/survey/")
    page.locator("form:has(fieldset.question) > button[type=submit]:not([name=save])").click()
    page.wait_for_load_state()
    assert page.locator("[data-error-summary]").count() == 1
    from tests.browser.conftest import assert_accessible

    try:
        assert_accessible(page)
    except AssertionError as error:
        failures.append(str(error))

    page.context.clear_cookies()
    log_in(page, base, built.moderator)
    failures += check_all(page, base, staff_paths(built))
    assert failures == [], "\n".join(failures)
