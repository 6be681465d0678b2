"""The "Help" section serves every guide in both languages, and nothing else from disk."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from hromada.core import help as guides
from hromada.core.models import StaffRole
from tests.factories import client_for, make_staff

pytestmark = pytest.mark.django_db

SLUGS = [guide.slug for guide in guides.GUIDES]


def client_in(language: str):
    client = client_for()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def first_heading(html: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", html, re.S)[1].strip()


@pytest.mark.parametrize("language", ["uk", "en"])
def test_the_list_links_every_guide(community, language):
    """The list page names each guide by its title in the page's language."""
    response = client_in(language).get("/help/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{language}">' in html
    assert first_heading(html) == {"uk": "Довідка", "en": "Help"}[language]
    for guide in guides.GUIDES:
        assert f'href="/help/{guide.slug}/"' in html
        assert guides.title(guide, language) in html


def test_every_guide_exists_in_both_languages():
    """Ukrainian first, English in a separate file, each with one title."""
    for slug in SLUGS:
        for name in (f"{slug}.md", f"{slug}.en.md"):
            text = (guides.GUIDES_DIR / name).read_text(encoding="utf-8")
            assert text.startswith("# "), name
            assert text.count("\n# ") == 0, name


@pytest.mark.parametrize("language", ["uk", "en"])
@pytest.mark.parametrize("slug", SLUGS)
def test_every_guide_renders_with_its_headings(community, slug, language):
    guide = guides.guide(slug)
    response = client_in(language).get(f"/help/{slug}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert first_heading(html) == guides.title(guide, language)
    assert "<h2>" in html
    # The English page shows the English file, not the Ukrainian one.
    other = "uk" if language == "en" else "en"
    assert guides.title(guide, other) != guides.title(guide, language)
    assert guides.title(guide, other) not in html.split("<article", 1)[1]


def test_links_between_guides_point_to_their_pages(community):
    html = client_in("uk").get("/help/petitions/").content.decode()
    assert 'href="/help/account/' in html
    assert ".md" not in html.split("<article", 1)[1]


def test_unknown_slug_is_404(community):
    assert client_in("uk").get("/help/no-such-guide/").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/help/../README/",
        "/help/..%2F..%2FREADME/",
        "/help/%2E%2E%2Fdeploy/",
        "/help/deploy/",  # a Markdown file in docs/, but not a guide
        "/help/petitions.en/",
    ],
)
def test_a_path_instead_of_a_slug_is_404(community, path):
    assert client_in("uk").get(path).status_code == 404


def test_the_helper_names_no_file_outside_the_list():
    assert guides.guide("../README") is None
    assert guides.guide("../../hromada/settings") is None
    assert guides.guide("deploy") is None


def test_a_switched_off_module_has_no_guide(community, settings):
    settings.HROMADA_MODULES = ["petitions", "appeals"]
    assert guides.guide("budget") is None
    assert guides.guide("staff-budget-operators") is None
    assert client_in("uk").get("/help/budget/").status_code == 404
    assert 'href="/help/budget/"' not in client_in("uk").get("/help/").content.decode()


def test_footer_links_to_help(community):
    html = client_in("uk").get("/").content.decode()
    footer = html.split('<footer class="site-footer">', 1)[1]
    assert f'<a href="{reverse("core:help")}">Довідка</a>' in footer


def test_staff_dashboard_links_to_staff_guides(community):
    moderator = make_staff(community, StaffRole.Role.MODERATOR)
    html = client_for(moderator).get("/staff/").content.decode()
    assert "Посібники для працівників" in html
    for guide in guides.guides(guides.STAFF):
        assert f'href="/help/{guide.slug}/"' in html
    for guide in guides.guides(guides.RESIDENTS):
        assert f'href="/help/{guide.slug}/"' not in html


def test_sanitiser_strips_script_handlers_and_javascript_links():
    dirty = (
        '<p>Hi<script>alert(1)</script></p><img src="x" onerror="alert(2)">'
        '<a href="javascript:alert(3)">go</a><a href="https://example.org" onclick="x()">ok</a>'
        '<p style="color:red" onmouseover="alert(4)">styled</p>'
    )
    clean = guides.sanitise_html(dirty)
    assert "<script" not in clean and "alert(1)" not in clean
    assert "onerror" not in clean and "onclick" not in clean and "onmouseover" not in clean
    assert "javascript:" not in clean
    assert "style=" not in clean
    assert '<a href="https://example.org" rel="noopener noreferrer">ok</a>' in clean
    assert "<p>Hi</p>" in clean


def test_markdown_with_raw_html_and_javascript_links_renders_harmless():
    text = (
        "# Title\n\n<script>alert(1)</script>\n\n"
        '<img src=x onerror="alert(2)">\n\n'
        "[click](javascript:alert(3)) [site](https://example.org)\n"
    )
    html = str(guides.render_markdown(text))
    assert "<h1>Title</h1>" in html
    assert "<script" not in html and "<img" not in html
    assert 'href="javascript' not in html
    assert '<a href="https://example.org" rel="noopener noreferrer">site</a>' in html
