"""
Every module's pages, filled with the demo data, have no WCAG 2.1 AA violations.

One test loads the demo once and walks the pages as a visitor, a resident and
staff would, collecting the violations of all pages into one report.
"""

import pytest
from django.core.management import call_command

from hromada.appeals.models import Appeal
from hromada.budget.models import Cycle, Project
from hromada.core.demo import DEMO_PASSWORD
from hromada.petitions.models import Petition
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def log_in(page, base, email):
    page.goto(base + "/accounts/log-in/")
    page.get_by_label("Електронна пошта").fill(email)
    page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Увійти").click()
    page.wait_for_load_state()


def check_all(page, base, paths) -> list[str]:
    failures = []
    for path in paths:
        response = page.goto(base + path)
        if response is None or response.status >= 400:
            failures.append(f"{path}: HTTP {response.status if response else '—'}")
            continue
        page.wait_for_load_state("networkidle")
        try:
            assert_accessible(page)
        except AssertionError as error:
            failures.append(str(error))
    return failures


def test_module_pages_are_accessible(page, live_server):
    call_command("seed_demo", verbosity=0)
    base = live_server.url
    petition = (
        Petition.objects.filter(community__slug="chornomorsk", status="collecting")
        .order_by("-pk")
        .first()
    )
    answered = Petition.objects.filter(
        community__slug="chornomorsk", answered_at__isnull=False
    ).first()
    cycle = Cycle.objects.filter(community__slug="chornomorsk").order_by("-pk").first()
    project = Project.objects.filter(cycle=cycle).order_by("pk").first()
    # A public report: written appeals (the petitions' collective ones among them) are private.
    appeal = (
        Appeal.objects.filter(community__slug="chornomorsk", kind=Appeal.Kind.REPORT, hidden=False)
        .order_by("-pk")
        .first()
    )

    public = [
        "/",
        "/petitions/",
        f"/petitions/{petition.pk}/",
        f"/petitions/{petition.pk}/signers/",
        "/budget/",
        "/budget/cycles/",
        f"/budget/{cycle.pk}/",
        f"/budget/{cycle.pk}/projects/",
        f"/budget/projects/{project.pk}/",
        f"/budget/{cycle.pk}/results/",
        f"/budget/{cycle.pk}/implementation/",
        "/appeals/",
        "/appeals/list/",
        f"/appeals/{appeal.pk}/",
        "/appeals/statistics/",
    ]
    if answered:
        public.append(f"/petitions/{answered.pk}/")
    # Ended below the threshold: the page names its collective appeal.
    archived = Petition.objects.filter(community__slug="chornomorsk", status="archived").first()
    if archived:
        public.append(f"/petitions/{archived.pk}/")
    failures = check_all(page, base, public)

    log_in(page, base, "resident@chornomorsk.demo")
    failures += check_all(
        page,
        base,
        [
            "/petitions/new/",
            "/petitions/mine/",
            "/petitions/signed/",
            "/budget/my/",
            f"/budget/{cycle.pk}/vote/",
            f"/budget/{cycle.pk}/new/",
            "/appeals/report/",
            "/appeals/write/",
            "/appeals/mine/",
            "/accounts/profile/",
        ],
    )

    page.context.clear_cookies()
    log_in(page, base, "moderator@chornomorsk.demo")
    failures += check_all(
        page,
        base,
        [
            "/staff/",
            "/petitions/staff/",
            f"/petitions/staff/{petition.pk}/",
            "/budget/staff/review/",
            f"/budget/staff/projects/{project.pk}/",
            f"/budget/staff/{cycle.pk}/offline/",
            "/appeals/staff/",
            f"/appeals/staff/{appeal.pk}/",
            "/appeals/staff/new/",
        ],
    )
    assert failures == [], "\n\n".join(failures)
