"""
Generated documents: every PDF of the platform (reports, certificates, archives) starts here.

ReportLab's built-in fonts have no Cyrillic, so the project ships DejaVu Sans (free licence,
`fonts/LICENSE-DejaVu.txt`) and registers it once. Use `styles()` for paragraphs and
`document()` for a page template with the community's name in the footer; text handed to
`Paragraph` must go through `text()` — Paragraph reads a small markup language, so a resident's
"<b>" would otherwise become bold, or break the build.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import SimpleDocTemplate

FONTS = Path(__file__).parent / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"


@cache
def register_fonts() -> None:
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONTS / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(
        REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD
    )


def text(value) -> str:
    """Return free text safe for a Paragraph: markup escaped, line breaks kept."""
    return escape(str(value if value is not None else "")).replace("\n", "<br/>")


@cache
def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    base = getSampleStyleSheet()
    made = {}
    for name in ("Normal", "BodyText", "Title", "Heading1", "Heading2", "Heading3", "Italic"):
        style = base[name].clone(name)
        style.fontName = BOLD if name.startswith(("Title", "Heading")) else REGULAR
        made[name] = style
    made["Small"] = ParagraphStyle("Small", parent=made["Normal"], fontSize=8, leading=10)
    return made


def document(buffer: io.BytesIO, *, title: str, author: str = "", footer: str = ""):
    """Return (doc, build): build(story) writes an A4 PDF with a footer and page numbers."""
    register_fonts()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author=author,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )

    def decorate(canvas, doc_):
        canvas.saveState()
        canvas.setFont(REGULAR, 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(18 * mm, 10 * mm, footer[:150])
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, str(doc_.page))
        canvas.restoreState()

    def build(story) -> None:
        doc.build(story, onFirstPage=decorate, onLaterPages=decorate)

    return doc, build
