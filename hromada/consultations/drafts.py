"""
A draft's text: split into sections and articles, read from DOCX/ODT, compared.

Markdown headings mark the structure: `#`/`##` a section, `###` (or a line
"Стаття 5." / "Article 5.") an article. An article's key comes from its
number when it has one ("st-5"), otherwise from its heading, so the same
article keeps its key in the next version and its comments follow it.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import zipfile
from dataclasses import dataclass
from io import BytesIO
from xml.etree import ElementTree

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_ARTICLE = re.compile(
    r"^(?:\*\*)?(?P<label>(?:Стаття|Article|Пункт|Розділ)\s+(?P<number>\d+(?:[.-]\d+)*))\.?",
    re.IGNORECASE,
)
_WORD = re.compile(r"\s+|[^\s]+")
UPLOAD_MAX = 10 * 1024 * 1024
ARTICLES_MAX = 2000


@dataclass
class Part:
    key: str
    section: str
    heading: str
    text: str


def _key_for(heading: str, taken: set[str]) -> str:
    match = _ARTICLE.match(heading)
    if match:
        base = "st-" + match.group("number").replace(".", "-")
    else:
        words = re.sub(r"[^\w]+", "-", heading.lower(), flags=re.UNICODE).strip("-")[:40]
        digest = hashlib.blake2s(heading.strip().lower().encode(), digest_size=3).hexdigest()
        base = f"a-{digest}" if not words else f"{words}-{digest}"[:70]
    key, number = base, 2
    while key in taken:
        key, number = f"{base}-{number}", number + 1
    taken.add(key)
    return key


def split_articles(text: str) -> list[Part]:
    """Return the draft's articles in order; text before the first article is a preamble."""
    text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    parts: list[Part] = []
    taken: set[str] = set()
    section = ""
    heading: str | None = None
    lines: list[str] = []

    def flush():
        body = "\n".join(lines).strip()
        if heading is None:
            if body:
                parts.append(Part(_key_for("preamble", taken), section, "Преамбула", body))
        else:
            parts.append(Part(_key_for(heading, taken), section, heading, body))

    for line in text.split("\n"):
        stripped = line.strip()
        match = _HEADING.match(stripped)
        if match and len(match.group(1)) <= 2:
            flush()
            heading, lines = None, []
            section = match.group(2)[:300]
            continue
        if match:
            flush()
            heading, lines = match.group(2)[:300], []
            continue
        article = _ARTICLE.match(stripped)
        if article and not stripped.startswith(("-", "*  ")):
            flush()
            heading = stripped.strip("*").strip()[:300]
            lines = []
            continue
        lines.append(line)
    flush()
    return parts[:ARTICLES_MAX]


# DOCX and ODT: headings and paragraphs only ---------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


class UnreadableDocument(ValueError):
    pass


def _read_member(data: bytes, name: str) -> ElementTree.Element:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            info = archive.getinfo(name)
            if info.file_size > 50 * UPLOAD_MAX:  # a zip bomb is refused unread
                raise UnreadableDocument(name)
            raw = archive.read(name)
    except (zipfile.BadZipFile, KeyError, OSError) as error:
        raise UnreadableDocument(name) from error
    if b"<!DOCTYPE" in raw[:2000] or b"<!ENTITY" in raw:
        raise UnreadableDocument(name)  # no entities: no billion laughs
    try:
        # DOCTYPE and entities are refused above; expat fetches nothing external.
        return ElementTree.fromstring(raw)  # noqa: S314
    except ElementTree.ParseError as error:
        raise UnreadableDocument(name) from error


def docx_to_markdown(data: bytes) -> str:
    """Return the DOCX's paragraphs as Markdown; Heading 1–3 styles become headings."""
    root = _read_member(data, "word/document.xml")
    lines = []
    for paragraph in root.iter(f"{_W}p"):
        text = "".join(node.text or "" for node in paragraph.iter(f"{_W}t")).strip()
        if not text:
            continue
        style = paragraph.find(f"{_W}pPr/{_W}pStyle")
        name = (style.get(f"{_W}val") or "") if style is not None else ""
        level = re.search(r"(?:Heading|Заголовок)\s*(\d)", name, re.IGNORECASE)
        lines.append(f"{'#' * min(int(level.group(1)), 3)} {text}" if level else text)
        lines.append("")
    return "\n".join(lines)


def odt_to_markdown(data: bytes) -> str:
    """Return the ODT's headings and paragraphs as Markdown."""
    root = _read_member(data, "content.xml")
    lines = []
    for node in root.iter():
        if node.tag not in (f"{_TEXT}h", f"{_TEXT}p"):
            continue
        text = "".join(node.itertext()).strip()
        if not text:
            continue
        if node.tag == f"{_TEXT}h":
            level = int(node.get(f"{_TEXT}outline-level") or 1)
            lines.append(f"{'#' * min(level, 3)} {text}")
        else:
            lines.append(text)
        lines.append("")
    return "\n".join(lines)


def upload_to_markdown(name: str, data: bytes) -> str:
    if len(data) > UPLOAD_MAX:
        raise UnreadableDocument(name)
    lower = name.lower()
    if lower.endswith(".docx"):
        return docx_to_markdown(data)
    if lower.endswith(".odt"):
        return odt_to_markdown(data)
    if lower.endswith((".md", ".txt")):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise UnreadableDocument(name) from error
    raise UnreadableDocument(name)


# Word-level differences ------------------------------------------------------


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Return [(op, text)] with op "=", "-" or "+", word by word (spaces kept)."""
    before, after = _WORD.findall(old or ""), _WORD.findall(new or "")
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    pieces: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(("=", "".join(before[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            pieces.append(("-", "".join(before[i1:i2])))
        if tag in ("insert", "replace"):
            pieces.append(("+", "".join(after[j1:j2])))
    return pieces


def redline(old: str, new: str) -> SafeString:
    """Return the word diff as HTML: <del> and <ins>, every word escaped."""
    html = []
    for op, text in word_diff(old, new):
        if op == "=":
            html.append(escape(text))
        elif op == "-":
            html.append(f"<del>{escape(text)}</del>")
        else:
            html.append(f"<ins>{escape(text)}</ins>")
    return mark_safe("".join(html))  # noqa: S308 - every piece escaped above


def compare_versions(old_parts, new_parts) -> list[dict]:
    """Return per-article changes between two versions: added, removed, changed."""
    old = {part.key: part for part in old_parts}
    new = {part.key: part for part in new_parts}
    changes = []
    for part in new_parts:
        before = old.get(part.key)
        if before is None:
            changes.append(
                {
                    "key": part.key,
                    "heading": part.heading,
                    "change": "added",
                    "old": "",
                    "new": part.text,
                }
            )
        elif before.text != part.text or before.heading != part.heading:
            changes.append(
                {
                    "key": part.key,
                    "heading": part.heading,
                    "change": "changed",
                    "old": before.text,
                    "new": part.text,
                }
            )
    for part in old_parts:
        if part.key not in new:
            changes.append(
                {
                    "key": part.key,
                    "heading": part.heading,
                    "change": "removed",
                    "old": part.text,
                    "new": "",
                }
            )
    return changes
