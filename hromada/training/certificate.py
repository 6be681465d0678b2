"""The certificate as a PDF: community, emblem, person, course, scores, code and QR."""

from __future__ import annotations

import io
from urllib.parse import urljoin

from django.utils import formats
from django.utils.translation import gettext as _

from hromada.core import pdf
from hromada.core.notifications import site_url
from hromada.training.models import Certificate


def verify_link(certificate: Certificate) -> str:
    # The community's own address, never the request's Host (a client sets it).
    return urljoin(site_url(certificate.community), certificate.get_absolute_url())


def _emblem(community):
    from reportlab.lib.units import mm
    from reportlab.platypus import Image

    if not community.emblem:
        return None
    try:
        with community.emblem.open("rb") as handle:
            data = io.BytesIO(handle.read())
        return Image(data, width=22 * mm, height=22 * mm, kind="proportional")
    except (OSError, ValueError):
        return None


def _qr(link: str):
    import segno
    from reportlab.lib.units import mm
    from reportlab.platypus import Image

    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=6, border=2)
    out.seek(0)
    return Image(out, width=32 * mm, height=32 * mm)


def render(certificate: Certificate) -> bytes:
    """Return the certificate's PDF."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    community = certificate.community
    course = certificate.course
    styles = pdf.styles()
    text = pdf.text
    buffer = io.BytesIO()
    _doc, build = pdf.document(
        buffer,
        title=_("Certificate %(code)s") % {"code": certificate.display_code},
        author=community.name,
        footer=community.council_name or community.name,
    )
    story = []
    emblem = _emblem(community)
    if emblem is not None:
        story += [emblem, Spacer(1, 4 * mm)]
    story += [
        Paragraph(text(community.council_name or community.name), styles["Heading3"]),
        Spacer(1, 8 * mm),
        Paragraph(text(_("Certificate")), styles["Title"]),
        Paragraph(text(_("of completing a training course")), styles["Normal"]),
        Spacer(1, 8 * mm),
        Paragraph(text(certificate.holder_name), styles["Heading1"]),
        Paragraph(text(_("has completed the course")), styles["Normal"]),
        Paragraph(text(str(course)), styles["Heading2"]),
        Spacer(1, 4 * mm),
    ]
    facts = [
        (_("Hours"), formats.number_format(certificate.hours, 1)),
        (_("Date"), formats.date_format(certificate.issued_on, "DATE_FORMAT")),
    ]
    if course.ects:
        facts.append((_("ECTS credits"), formats.number_format(course.ects, 1)))
    if certificate.score is not None:
        facts.append((_("Score"), f"{certificate.score} %"))
    if certificate.expires_on:
        facts.append((_("Valid until"), formats.date_format(certificate.expires_on, "DATE_FORMAT")))
    for area, score in certificate.area_scores.items():
        facts.append((area, f"{score} %"))
    table = Table(
        [
            [Paragraph(text(k), styles["Normal"]), Paragraph(text(v), styles["Normal"])]
            for k, v in facts
        ],
        colWidths=[100 * mm, 60 * mm],
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    link = verify_link(certificate)
    story += [
        table,
        Spacer(1, 8 * mm),
        _qr(link),
        Paragraph(
            text(_("Code: %(code)s") % {"code": certificate.display_code}), styles["Heading3"]
        ),
        Paragraph(text(_("Check this certificate at %(link)s") % {"link": link}), styles["Small"]),
    ]
    build(story)
    return buffer.getvalue()
