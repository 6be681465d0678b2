"""
Every public page works under the production Content-Security-Policy.

Chromium reports each blocked script, style, image or form target as a
`securitypolicyviolation` event and a console error; the test collects both
over the main pages, filled with the demo data, and fails on any.
"""

import pytest
from django.core.management import call_command

from hromada.appeals.models import Appeal
from hromada.budget.models import Cycle, Project
from hromada.petitions.models import Petition
from tests.browser.test_module_pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Runs before any script of each page, so nothing blocked early is missed.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"}` +
    ` (${event.sourceFile || "page"}:${event.lineNumber})`
  );
});
"""
MAPS = {"map", "project", "appeal", "place"}


class Violations:
    """Collect CSP violations of the pages a Playwright page visits."""

    def __init__(self, page):
        self.page = page
        self.found: list[str] = []
        page.add_init_script(LISTEN)
        page.on("console", self._console)

    def _console(self, message):
        if message.type == "error" and "Content Security Policy" in message.text:
            self.found.append(f"{self.page.url}: console: {message.text}")

    def visit(self, url: str, *, wait_for: str | None = None) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status == 200, f"{url}: {response}"
        self.page.wait_for_load_state("networkidle")
        if wait_for:
            self.page.wait_for_selector(wait_for, state="attached")
        self.collect()

    def collect(self) -> None:
        for violation in self.page.evaluate("window.__cspViolations"):
            self.found.append(f"{self.page.url}: {violation}")
        self.page.evaluate("window.__cspViolations = []")


def test_pages_work_under_the_content_security_policy(page, live_server, settings):
    settings.CONTENT_SECURITY_POLICY = settings.HROMADA_CONTENT_SECURITY_POLICY
    call_command("seed_demo", verbosity=0)
    base = live_server.url
    petition = (
        Petition.objects.filter(community__slug="chornomorsk", status="collecting")
        .order_by("-pk")
        .first()
    )
    cycle = Cycle.objects.filter(community__slug="chornomorsk").order_by("-pk").first()
    project = Project.objects.filter(cycle=cycle).order_by("pk").first()
    appeal = (
        Appeal.objects.filter(
            community__slug="chornomorsk",
            kind=Appeal.Kind.REPORT,
            hidden=False,
            lat__isnull=False,
        )
        .order_by("-pk")
        .first()
    )
    category = appeal.category.service_code
    violations = Violations(page)

    # The watch works: markup with an inline style attribute is reported.
    response = page.goto(base + "/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\"></p>')")
    page.wait_for_function("window.__cspViolations.length > 0")  # reported asynchronously
    violations.collect()
    assert any("style-src" in found for found in violations.found), violations.found
    violations.found.clear()

    pages = {
        "home": "/",
        "petitions": "/petitions/",
        "petition": f"/petitions/{petition.pk}/",
        "cycle": f"/budget/{cycle.pk}/",
        "projects": f"/budget/{cycle.pk}/projects/",
        "project": f"/budget/projects/{project.pk}/",
        "implementation": f"/budget/{cycle.pk}/implementation/",
        "map": "/appeals/",
        "appeal": f"/appeals/{appeal.pk}/",
        "log-in": "/accounts/log-in/",
        "sign-up": "/accounts/sign-up/",
        "open data": "/open-data/",
    }
    for name, path in pages.items():
        violations.visit(base + path, wait_for=".leaflet-container" if name in MAPS else None)

    # Swagger UI draws the API from openapi.json with its own static files.
    violations.visit(base + "/api/v1/docs", wait_for=".swagger-ui .opblock")

    log_in(page, base, "resident@chornomorsk.demo")
    violations.collect()
    violations.visit(base + f"/appeals/report/{category}/", wait_for=".leaflet-container")
    violations.visit(base + f"/petitions/{petition.pk}/")
    violations.visit(base + "/accounts/profile/")

    assert violations.found == [], "\n".join(violations.found)
