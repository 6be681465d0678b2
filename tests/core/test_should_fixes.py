"""Small fixes residents and clerks asked for in the shared pages (issue 10)."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from tests.factories import client_for

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
