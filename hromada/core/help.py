"""
The "Help" section: residents' and staff guides written in Markdown.

The guides live in ``docs/guides/`` as ``<slug>.md`` (Ukrainian) and
``<slug>.en.md`` (English), so they read the same on the site and in the
repository. Only the slugs listed in `GUIDES` are served: a request names a
guide, never a file, so no path from outside reaches the disk.

`render_markdown` is the one way to turn Markdown into HTML for a page. Its
output passes `sanitise_html` even when the text is ours, because the same
helper will render text that staff type (a module's description, an answer):
raw HTML in the Markdown is shown as text, and whatever HTML the renderer
makes keeps only harmless tags, attributes and link schemes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import nh3
from django.conf import settings
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from markdown_it import MarkdownIt

GUIDES_DIR = Path(settings.BASE_DIR) / "docs" / "guides"

RESIDENTS = "residents"
STAFF = "staff"


@dataclass(frozen=True)
class Guide:
    slug: str
    audience: str  # RESIDENTS or STAFF
    module: str | None = None  # hidden when HROMADA_MODULES switches this module off

    def get_absolute_url(self) -> str:
        return reverse("core:help_guide", args=[self.slug])


# The order of the list page.
GUIDES = [
    Guide("account", RESIDENTS),
    Guide("petitions", RESIDENTS, "petitions"),
    Guide("budget", RESIDENTS, "budget"),
    Guide("appeals", RESIDENTS, "appeals"),
    Guide("staff-moderators", STAFF),
    Guide("staff-departments", STAFF),
    Guide("staff-budget-operators", STAFF, "budget"),
    Guide("staff-administrators", STAFF),
]

# What the sanitiser keeps: the HTML that Markdown makes, nothing that runs.
ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "ol", "p", "pre", "strong",
    "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "ol": {"start"}}
ALLOWED_SCHEMES = {"http", "https", "mailto", "tel"}

# A link from one guide to another, as written for the repository: "budget.md".
_GUIDE_LINK = re.compile(r"^(?P<slug>[a-z0-9-]+)(?:\.en)?\.md(?P<anchor>#[\w-]*)?$")


def sanitise_html(html: str) -> str:
    """Return `html` with only harmless tags, attributes and link schemes left."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer",
    )


def _markdown() -> MarkdownIt:
    # CommonMark with tables; raw HTML off, so a typed <script> stays text.
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def render_markdown(text: str) -> SafeString:
    """Return Markdown `text` as sanitised HTML, safe to put in a template."""
    parser = _markdown()
    tokens = parser.parse(text)
    for token in tokens:
        for child in token.children or ():
            if child.type == "link_open":
                child.attrSet("href", _site_link(str(child.attrGet("href") or "")))
    html = parser.renderer.render(tokens, parser.options, {})
    return mark_safe(sanitise_html(html))  # noqa: S308 - sanitised just above


def _site_link(href: str) -> str:
    """Point a link to another guide's file at that guide's page on the site."""
    found = _GUIDE_LINK.match(href)
    if found and guide(found["slug"]) is not None:
        return reverse("core:help_guide", args=[found["slug"]]) + (found["anchor"] or "")
    return href


def guides(audience: str | None = None) -> list[Guide]:
    """Return the guides of the enabled modules, for one audience or all."""
    return [
        item
        for item in GUIDES
        if (item.module is None or item.module in settings.HROMADA_MODULES)
        and (audience is None or item.audience == audience)
    ]


def guide(slug: str) -> Guide | None:
    """Return the guide called `slug`, or None: only listed slugs name a file."""
    return next((item for item in guides() if item.slug == slug), None)


def source(item: Guide, language: str | None = None) -> tuple[Path, str]:
    """Return the guide's file in `language` (English or Ukrainian) and its language."""
    language = (language or get_language() or settings.LANGUAGE_CODE)[:2]
    if language == "en":
        english = GUIDES_DIR / f"{item.slug}.en.md"
        if english.is_file():
            return english, "en"
    return GUIDES_DIR / f"{item.slug}.md", "uk"


def title(item: Guide, language: str | None = None) -> str:
    """Return the guide's first-level heading: its title, in the active language."""
    return _read(*_stamp(source(item, language)[0]))[0]


def body(item: Guide, language: str | None = None) -> tuple[SafeString, str]:
    """Return the guide rendered to HTML and the language it is written in."""
    path, written_in = source(item, language)
    return _read(*_stamp(path))[1], written_in


def _stamp(path: Path) -> tuple[Path, float]:
    return path, path.stat().st_mtime


@lru_cache(maxsize=64)
def _read(path: Path, modified: float) -> tuple[str, SafeString]:
    """Return (title, HTML) of a guide file; an edited file gets a new stamp."""
    text = path.read_text(encoding="utf-8")
    heading = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")), "")
    return heading or path.stem, render_markdown(text)
