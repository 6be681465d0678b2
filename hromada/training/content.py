"""
Lesson text: Markdown that staff write, rendered the way core's help pages are.

Core's renderer (raw HTML off, then nh3) is reused; lessons also keep
images, whose addresses may only be the site's own files (the page's
Content-Security-Policy allows no other). Video
links become the provider's embed address, only for known providers.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import nh3
from django.utils.safestring import SafeString, mark_safe

from hromada.core import help as core_help

ALLOWED_TAGS = core_help.ALLOWED_TAGS | {"img"}
ALLOWED_ATTRIBUTES = {**core_help.ALLOWED_ATTRIBUTES, "img": {"src", "alt", "title"}}

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{6,20}$")
_VIMEO_ID = re.compile(r"^\d{4,12}$")


def _image_source(tag: str, attribute: str, value: str) -> str | None:
    """Keep an image only from the site itself (no other host, data: or javascript:)."""
    if tag == "img" and attribute == "src":
        if value.startswith("/") and not value.startswith("//") and "\\" not in value:
            return value
        return None
    return value


def render_lesson(text: str) -> SafeString:
    """Return a lesson's Markdown as sanitised HTML."""
    parser = core_help._markdown()
    html = parser.render(text or "")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=core_help.ALLOWED_SCHEMES,
        link_rel="noopener noreferrer",
        attribute_filter=_image_source,
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised just above


def embed_url(link: str) -> str | None:
    """Return the embed address of a YouTube or Vimeo link, or None for any other."""
    try:
        parsed = urlparse(link or "")
    except ValueError:
        return None
    if parsed.scheme not in ("https", "http"):
        return None
    host = (parsed.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    video = None
    if host == "youtu.be":
        video = parsed.path.strip("/")
    elif host in ("youtube.com", "youtube-nocookie.com"):
        if parsed.path == "/watch":
            video = (parse_qs(parsed.query).get("v") or [""])[0]
        elif parsed.path.startswith(("/embed/", "/shorts/")):
            video = parsed.path.split("/")[2]
    if video is not None:
        return (
            f"https://www.youtube-nocookie.com/embed/{video}" if _YOUTUBE_ID.match(video) else None
        )
    if host in ("vimeo.com", "player.vimeo.com"):
        video = parsed.path.rstrip("/").rsplit("/", 1)[-1]
        return f"https://player.vimeo.com/video/{video}" if _VIMEO_ID.match(video) else None
    return None
