"""
The consultation report: which proposals were taken into account and which
were not, with reasons (Law №3841-IX; Resolution №996 until it is in force).

`build` makes the report as a plain document (JSON-safe dict). Publishing
freezes it as JSON text and publishes its SHA-256; the page, PDF and CSV are
all drawn from that frozen text, so every copy says the same.
"""

from __future__ import annotations

import io
import json

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from hromada.consultations import drafts, results
from hromada.consultations.models import Comment, Consultation, Question, Registration, Response
from hromada.core import pdf

CSV_FIELDS = ["number", "source", "article", "author", "text", "replacement", "decision", "reason"]


def _articles(version) -> list[drafts.Part]:
    if version is None:
        return []
    return [
        drafts.Part(a.key, a.section, a.heading, a.text)
        for a in version.articles.order_by("position")
    ]


def build(consultation: Consultation, *, published_at=None) -> dict:
    """Return the report of the consultation as it stands."""
    from hromada.consultations.services import participant_ids

    proposals = list(
        Comment.objects.filter(consultation=consultation, is_proposal=True, removed="")
        .select_related("resident")
        .order_by("created_at", "id")
    )
    headings = {}
    versions = list(consultation.versions.order_by("number"))
    for version in versions:
        for key, heading in version.articles.values_list("key", "heading"):
            headings[key] = heading
    decided = dict(
        Comment.objects.filter(consultation=consultation, is_proposal=True, removed="")
        .values_list("decision")
        .annotate(n=Count("id"))
        .order_by()
    )
    anonymous_responses = Response.objects.filter(
        consultation=consultation, resident__isnull=True
    ).count()
    document = {
        "consultation": {
            "id": consultation.pk,
            "uid": str(consultation.uid),
            "community": consultation.community.name,
            "title": consultation.title,
            "summary": consultation.summary,
            "body": consultation.body,
            "affected": consultation.affected,
            "legal_basis": consultation.legal_basis,
            "form": consultation.get_kind_display(),
            "kind": consultation.kind,
            "opens_at": consultation.opens_at.isoformat(),
            "closes_at": consultation.closes_at.isoformat(),
            "hearing_at": consultation.hearing_at.isoformat() if consultation.hearing_at else None,
            "place": consultation.place,
        },
        "published_at": (published_at or timezone.now()).isoformat(),
        "notice": consultation.report_notice,
        "participants": len(participant_ids(consultation)) + anonymous_responses,
        "counts": {
            "received": len(proposals),
            "accepted": decided.get("accepted", 0),
            "partly": decided.get("partly", 0),
            "rejected": decided.get("rejected", 0),
        },
        "proposals": [
            {
                "number": number,
                "source": str(comment.get_source_display()),
                "article": headings.get(comment.article_key, "") if comment.article_key else "",
                "author": comment.author_label,
                "text": comment.text,
                "replacement": comment.replacement,
                "decision": str(comment.get_decision_display()),
                "decision_code": comment.decision,
                "reason": comment.decision_reason,
                "merged_into": comment.duplicate_of_id,
            }
            for number, comment in enumerate(proposals, start=1)
        ],
        "survey": _survey(consultation),
        "changes": [],
        "hearing": None,
    }
    if len(versions) >= 2:
        document["changes"] = drafts.compare_versions(
            _articles(versions[0]), _articles(versions[-1])
        )
        document["versions"] = [versions[0].number, versions[-1].number]
    if consultation.kind == Consultation.Kind.HEARING:
        document["hearing"] = {
            "registered": Registration.objects.filter(
                consultation=consultation, status=Registration.Status.REGISTERED
            ).count(),
            "minutes": consultation.minutes,
            "video_url": consultation.video_url,
        }
    return document


def _survey(consultation: Consultation) -> list[dict] | None:
    if consultation.kind != Consultation.Kind.SURVEY:
        return None
    figures = results.compute(consultation)
    made = [{"responses": figures["total"]}]
    for item in figures["questions"]:
        question = item["question"]
        entry = {
            "position": question.position,
            "question": question.text,
            "kind": question.kind,
            "respondents": item["respondents"],
        }
        if item["bars"]:
            entry["counts"] = [[str(label), count] for label, count in item["bars"]]
        if item["matrix"]:
            entry["matrix"] = [[str(label), counts] for label, counts in item["matrix"]]
        if item.get("mean") is not None:
            entry["mean"] = item["mean"]
        if question.kind in Question.TEXT:
            entry["texts"] = item["respondents"]
        made.append(entry)
    return made


def document_of(consultation: Consultation) -> dict:
    """Return the frozen report of a published consultation."""
    return json.loads(consultation.report_json)


def csv_rows(document: dict):
    for proposal in document["proposals"]:
        yield {field: proposal.get(field, "") for field in CSV_FIELDS}


def render_pdf(document: dict, *, sha256: str = "") -> bytes:
    """Return the report as an A4 PDF (DejaVu: Cyrillic), every text escaped."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    facts = document["consultation"]
    styles = pdf.styles()
    buffer = io.BytesIO()
    footer = f"SHA-256 (JSON): {sha256}" if sha256 else _("Preview, not published")
    _doc, build_pdf = pdf.document(
        buffer, title=_("Consultation report"), author=facts["community"], footer=footer
    )
    story = [
        Paragraph(pdf.text(_("Report on the public consultation")), styles["Title"]),
        Paragraph(pdf.text(facts["title"]), styles["Heading2"]),
    ]
    rows = [
        (_("Body"), facts["body"]),
        (_("Form"), facts["form"]),
        (_("Legal basis"), facts["legal_basis"]),
        (_("Held"), f"{facts['opens_at'][:10]} — {facts['closes_at'][:10]}"),
        (_("Participants"), str(document["participants"])),
        (_("Proposals received"), str(document["counts"]["received"])),
        (_("accepted"), str(document["counts"]["accepted"])),
        (_("partly accepted"), str(document["counts"]["partly"])),
        (_("rejected"), str(document["counts"]["rejected"])),
    ]
    table = Table(
        [
            [Paragraph(pdf.text(a), styles["Small"]), Paragraph(pdf.text(b), styles["Small"])]
            for a, b in rows
        ],
        colWidths=[45 * mm, 125 * mm],
    )
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [table, Spacer(1, 4 * mm)]
    if facts.get("summary"):
        story.append(Paragraph(pdf.text(facts["summary"]), styles["BodyText"]))
    if document.get("notice"):
        story.append(Paragraph(pdf.text(document["notice"]), styles["BodyText"]))
    story.append(Paragraph(pdf.text(_("Proposals and decisions")), styles["Heading2"]))
    for item in document["proposals"]:
        head = f"{item['number']}. {item['source']}"
        if item["article"]:
            head += f" — {item['article']}"
        head += f" — {item['author']}"
        story.append(Paragraph(pdf.text(head), styles["Heading3"]))
        story.append(Paragraph(pdf.text(item["text"]), styles["BodyText"]))
        if item["replacement"]:
            story.append(
                Paragraph(pdf.text(_("Proposed text: ") + item["replacement"]), styles["Small"])
            )
        verdict = f"{_('Decision')}: {item['decision']}"
        if item["reason"]:
            verdict += f". {_('Reason')}: {item['reason']}"
        story.append(Paragraph(pdf.text(verdict), styles["Normal"]))
    if document.get("survey"):
        story.append(Paragraph(pdf.text(_("Survey results")), styles["Heading2"]))
        for entry in document["survey"][1:]:
            story.append(
                Paragraph(pdf.text(f"{entry['position']}. {entry['question']}"), styles["Heading3"])
            )
            for label, count in entry.get("counts", []):
                story.append(Paragraph(pdf.text(f"{label}: {count}"), styles["Small"]))
            if "mean" in entry:
                story.append(Paragraph(pdf.text(f"{_('Mean')}: {entry['mean']}"), styles["Small"]))
    if document.get("changes"):
        story.append(
            Paragraph(pdf.text(_("Changes between the first and final draft")), styles["Heading2"])
        )
        for change in document["changes"]:
            story.append(
                Paragraph(pdf.text(f"{change['heading']} ({change['change']})"), styles["Heading3"])
            )
            if change["new"]:
                story.append(Paragraph(pdf.text(change["new"]), styles["Small"]))
    build_pdf(story)
    return buffer.getvalue()
