"""
Pages in English carry no Ukrainian but the community's own data.

English is the source language: a Ukrainian word on an English page is text
that missed gettext, a Ukrainian msgstr in an English catalogue, or a
translation another catalogue lends an English msgid. Headings, labels and
buttons are checked; what residents and staff wrote (names, titles) is data
and is taken out first.
"""

import html
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils.translation import get_language_info

from hromada.appeals import services as appeals
from hromada.appeals.models import Category as AppealCategory
from hromada.core.models import Department, Settlement, StaffRole, Street
from hromada.petitions.models import Topic
from tests.budget.helpers import make_category, make_cycle
from tests.factories import client_for, make_resident, make_staff
from tests.petitions.conftest import make_collecting

CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# The page's own words: headings, table heads, labels, legends, buttons, captions.
WORDING = re.compile(
    r"<(title|h[1-6]|th|label|legend|summary|button|caption|option)\b[^>]*>(.*?)</\1>", re.S
)
TAG = re.compile(r"<[^>]+>")


@pytest.fixture
def pages(community):
    """Return a resident and the main pages of petitions, budget and appeals, with content."""
    moderator = make_staff(community, StaffRole.Role.MODERATOR)
    topic = Topic.objects.create(community=community, name="Roads and transport")
    author = make_resident(community, full_name="Petrenko Olena")
    make_collecting(
        community,
        author,
        topic,
        moderator,
        title="A safe crossing by the school",
        text="Please build a safe pedestrian crossing with traffic lights by school 3 " * 2,
    )
    cycle = make_cycle(community, title="Participatory budget")
    make_category(cycle, name="Small projects", budget=Decimal("300000"))
    Department.objects.create(community=community, name="Housing department")
    appeals.install_default_categories(community=community)
    category = AppealCategory.objects.filter(community=community, parent__isnull=False).first()
    report = appeals.submit_report(
        community=community,
        category=category,
        author=author,
        lat=46.30,
        lon=30.655,
        description="The street light by the entrance is out.",
    )
    return author, [
        "/petitions/",
        "/budget/cycles/",
        f"/budget/{cycle.pk}/",
        f"/budget/{cycle.pk}/projects/",
        "/appeals/",
        "/appeals/list/",
        f"/appeals/{report.pk}/",
        "/appeals/report/",
    ]


def data_of(community) -> list[str]:
    """Return the texts the community itself wrote in Ukrainian, which stay as written."""
    # The language switch names each language in itself ("Українська").
    texts = [str(get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]
    texts.append(community.name)
    texts += Settlement.objects.filter(community=community).values_list("name", flat=True)
    texts += Street.objects.filter(settlement__community=community).values_list("name", flat=True)
    # Categories without an English name are shown by their Ukrainian one.
    texts += AppealCategory.objects.filter(community=community, name_en="").values_list(
        "name", flat=True
    )
    return sorted(texts, key=len, reverse=True)


def ukrainian_wording(page: str, data: list[str]) -> list[str]:
    """Return the page's headings, labels and buttons that still contain Cyrillic."""
    found = []
    for _tag, inner in WORDING.findall(page):
        text = " ".join(html.unescape(TAG.sub(" ", inner)).split())
        for written in data:
            text = text.replace(written, "")
        if CYRILLIC.search(text):
            found.append(text)
    return found


def test_main_pages_read_in_english(community, pages):
    author, urls = pages
    client = client_for(author)  # the report form asks a visitor to log in first
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    data = data_of(community)
    leftovers = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert '<html lang="en">' in page
        if found := ukrainian_wording(page, data):
            leftovers[url] = found
    assert leftovers == {}, "\n".join(f"{url}: {found}" for url, found in leftovers.items())


def test_the_check_finds_ukrainian_wording(community, pages):
    """The same pages in Ukrainian fail the check: it does look at the wording."""
    client = client_for()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"
    page = client.get("/petitions/").content.decode()
    assert ukrainian_wording(page, data_of(community)) != []
