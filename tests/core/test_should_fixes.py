"""Small fixes residents and clerks asked for in the shared pages (issue 10)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils import translation
from django.utils.formats import date_format
from django.utils.timezone import localtime

from tests.factories import client_for, make_resident

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return response.content.decode()


def test_error_summary_links_every_field_error(community):
    """A form sent back names each field at fault in one summary, linked to the field."""
    response = client_for().post("/accounts/sign-up/", {"email": "not-an-address"})
    text = page(response)
    summary = re.search(r"<div class=\"form-errors error-summary\"[^>]*>(.*?)</div>", text, re.S)
    assert summary, "no error summary"
    assert "data-error-summary" in text and 'tabindex="-1"' in summary.group(0)
    links = re.findall(r'<a href="#(id_[a-z0-9_]+)">([^<:]+): ', summary.group(1))
    ids = {link for link, _label in links}
    assert {"id_full_name", "id_email", "id_password", "id_privacy_consent"} <= ids
    assert summary.group(1).count("<a ") == len(links)  # no link nested in a label
    for field_id in ids:
        assert f'id="{field_id}"' in text  # each link lands on its field


def test_field_errors_share_one_described_element(community):
    text = page(client_for().post("/accounts/sign-up/", {"email": "x"}))
    assert text.count('id="id_email_error"') == 1


def test_forms_script_is_loaded_from_a_file(community):
    """The focus moves to the summary by a static script: the CSP forbids inline ones."""
    text = page(client_for().get("/accounts/sign-up/"))
    assert re.search(r'<script src="[^"]*core/forms\.js" defer></script>', text)
    script = Path(finders.find("core/forms.js")).read_text()
    assert "[data-error-summary]" in script and ".focus()" in script


# Open data and the API docs ------------------------------------------------


def test_open_data_page_describes_each_set(community):
    """Each set names its fields, its last change, its licence and its formats."""
    from hromada.petitions.selectors import OPEN_DATA_FIELDS

    text = page(client_for().get("/open-data/"))
    assert "CC BY 4.0" in text
    assert 'href="https://creativecommons.org/licenses/by/4.0/deed.uk" rel="license"' in text
    assert "Оприлюднені електронні петиції" in text
    assert all(f"<code>{field}</code>" in text for field in OPEN_DATA_FIELDS)
    assert "Оновлено" in text and "записів ще немає" in text
    assert 'href="/petitions/open-data/?format=csv"' in text
    assert 'href="/api/v1/docs"' in text


def test_open_data_page_gives_the_date_of_the_last_change(community):
    from hromada.appeals import services

    services.install_default_categories(community=community)
    from hromada.appeals.models import Appeal, Category

    resident = make_resident(community)
    services.submit_report(
        community=community,
        category=Category.objects.get(community=community, service_code="light-out"),
        author=resident,
        lat=46.3001,
        lon=30.6552,
        description="Не світить ліхтар біля під'їзду.",
    )
    changed = Appeal.objects.get().updated_at
    text = page(client_for().get("/open-data/"))
    with translation.override("uk"):
        assert date_format(localtime(changed), "j E Y, H:i") in text


def test_api_docs_link_back_to_the_site(community):
    schema = client_for().get("/api/v1/openapi.json").json()
    description = schema["info"]["description"]
    assert "](/)" in description and "](/open-data/)" in description


def test_deploy_guide_asks_production_for_its_own_tiles():
    guide = (Path(settings.BASE_DIR) / "docs" / "deploy.md").read_text()
    section = guide[guide.index("**Use your own tiles in production.**") :][:900]
    assert "HROMADA_MAP_TILES" in section and "tile usage policy" in section
    assert "operations.osmfoundation.org/policies/tiles" in section
