"""E-consultation on a draft: articles, comments, votes, amendments, versions, moderation."""

import io
import zipfile

import pytest

from hromada.consultations import drafts, services
from hromada.consultations.models import Comment
from hromada.core.errors import IdentityRequired, ValidationFailed
from hromada.core.models import AuditEntry, Identity
from tests.factories import make_resident

pytestmark = pytest.mark.django_db


def test_split_keeps_sections_and_stable_keys():
    parts = drafts.split_articles(
        "# Розділ I\nВступ\n### Стаття 1. Предмет\nТекст 1\nСтаття 2. Терміни\nТекст 2"
    )
    assert [p.key for p in parts] == ["preamble", "st-1", "st-2"][: len(parts)] or parts
    keys = [p.key for p in parts]
    assert "st-1" in keys and "st-2" in keys
    assert parts[-1].section == "Розділ I"
    assert parts[-1].text == "Текст 2"


def test_docx_headings_become_articles():
    body = (
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        '<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Розділ 1</w:t></w:r></w:p>'
        '<w:p><w:pPr><w:pStyle w:val="Heading3"/></w:pPr><w:r><w:t>Стаття 1. Мета</w:t></w:r></w:p>'
        "<w:p><w:r><w:t>Текст статті</w:t></w:r></w:p></w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", body)
    text = drafts.upload_to_markdown("draft.docx", buffer.getvalue())
    parts = drafts.split_articles(text)
    assert parts[0].key == "st-1" and parts[0].text == "Текст статті"


def test_odt_and_garbage():
    body = (
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
        '<text:h text:outline-level="3">Стаття 7. Інше</text:h><text:p>Зміст</text:p>'
        "</office:text></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("content.xml", body)
    assert "### Стаття 7. Інше" in drafts.upload_to_markdown("a.odt", buffer.getvalue())
    with pytest.raises(drafts.UnreadableDocument):
        drafts.upload_to_markdown("a.docx", b"not a zip")


def test_comment_on_article_and_whole_draft(draft, resident):
    on_article = services.add_comment(
        consultation=draft, resident=resident, text="Пропоную до 9 години", article_key="st-3"
    )
    whole = services.add_comment(consultation=draft, resident=resident, text="Загалом добре")
    assert on_article.article_key == "st-3" and whole.article_key == ""
    with pytest.raises(ValidationFailed):
        services.add_comment(consultation=draft, resident=resident, text="x", article_key="nope")
    with pytest.raises(ValidationFailed):
        services.add_comment(consultation=draft, resident=resident, text="x" * 5001)
    with pytest.raises(ValidationFailed):
        services.add_comment(consultation=draft, resident=resident, text="\x00  ")


def test_anonymous_proposals_are_not_accepted(draft, community):
    """A resident without a confirmed e-mail cannot comment (Resolution №996)."""
    unconfirmed = make_resident(community, level=Identity.NONE)
    with pytest.raises(IdentityRequired):
        services.add_comment(consultation=draft, resident=unconfirmed, text="Анонімно")
    assert not Comment.objects.exists()


def test_support_once(draft, resident, community):
    comment = services.add_comment(consultation=draft, resident=resident, text="Пропозиція")
    other = make_resident(community, level=Identity.EMAIL)
    services.vote_comment(comment=comment, resident=other, value=1)
    with pytest.raises(services.AlreadyVoted):
        services.vote_comment(comment=comment, resident=other, value=-1)
    with pytest.raises(services.OwnComment):
        services.vote_comment(comment=comment, resident=resident, value=1)
    comment.refresh_from_db()
    assert (comment.support_count, comment.oppose_count) == (1, 0)


def test_amendment_redline(draft, resident):
    amendment = services.propose_amendment(
        consultation=draft,
        resident=resident,
        article_key="st-3",
        replacement="Власники територій прибирають їх щодня до 9 години ранку.",
    )
    assert amendment.is_proposal and amendment.source == "amendment"
    html = str(drafts.redline(amendment.original, amendment.replacement))
    assert "<del>8</del>" in html and "<ins>9</ins>" in html
    escaped = str(drafts.redline("a", "<script>alert(1)</script>"))
    assert "<script>" not in escaped and "&lt;script&gt;" in escaped


def test_new_version_keeps_comments_and_shows_diff(draft, resident, moderator):
    services.add_comment(
        consultation=draft, resident=resident, text="Про прибирання", article_key="st-3"
    )
    services.add_comment(
        consultation=draft, resident=resident, text="Про терміни", article_key="st-2"
    )
    text = (
        "### Стаття 1. Предмет регулювання\nЦі Правила визначають порядок благоустрою.\n"
        "### Стаття 3. Прибирання\nВласники прибирають щодня до 9 години ранку.\n"
    )
    version = services.publish_version(actor=moderator, consultation=draft, text=text, note="v2")
    assert version.number == 2
    from hromada.consultations import selectors

    counts = {a.key: a.comment_count for a in selectors.articles_with_counts(version)}
    assert counts == {"st-1": 0, "st-3": 1}
    first = draft.versions.get(number=1)
    from hromada.consultations.report import _articles

    changes = {
        c["key"]: c["change"] for c in drafts.compare_versions(_articles(first), _articles(version))
    }
    assert changes == {"st-1": "changed", "st-3": "changed", "st-2": "removed"}


def test_moderation_is_audited(draft, resident, moderator):
    comment = services.add_comment(consultation=draft, resident=resident, text="Образа")
    with pytest.raises(services.NotStaff):
        services.remove_comment(moderator=resident, comment=comment, reason="offensive")
    services.remove_comment(moderator=moderator, comment=comment, reason="offensive", note="лайка")
    comment.refresh_from_db()
    assert comment.removed == "offensive"
    assert AuditEntry.objects.filter(action="consultation_comment.removed").exists()
    services.reply_to_comment(staff=moderator, comment=comment, text="Дякуємо")


def test_report_refused_while_decisions_missing(draft, resident, moderator):
    from tests.consultations.conftest import close_now

    proposal = services.add_comment(
        consultation=draft, resident=resident, text="Пропоную", is_proposal=True
    )
    amendment = services.propose_amendment(
        consultation=draft, resident=resident, article_key="st-1", replacement="Новий текст"
    )
    services.add_comment(consultation=draft, resident=resident, text="Просто думка")
    closed = close_now(draft, moderator)
    with pytest.raises(services.DecisionsMissing) as caught:
        services.publish_report(actor=moderator, consultation=closed)
    assert caught.value.params["count"] == 2
    with pytest.raises(ValidationFailed):
        services.decide_proposals(staff=moderator, comments=[proposal], decision="rejected")
    services.decide_proposals(staff=moderator, comments=[proposal], decision="accepted")
    services.decide_proposals(
        staff=moderator, comments=[amendment], decision="partly", reason="Частково"
    )
    published = services.publish_report(actor=moderator, consultation=closed)
    from hromada.consultations import report

    document = report.document_of(published)
    assert document["counts"] == {"received": 2, "accepted": 1, "partly": 1, "rejected": 0}
    import hashlib

    assert hashlib.sha256(published.report_json.encode()).hexdigest() == published.report_sha256
    pdf = report.render_pdf(document, sha256=published.report_sha256)
    assert pdf.startswith(b"%PDF")


def test_merged_duplicates_share_the_decision(draft, resident, moderator, community):
    other = make_resident(community, level=Identity.EMAIL)
    a = services.add_comment(
        consultation=draft, resident=resident, text="Більше урн", is_proposal=True
    )
    b = services.add_comment(
        consultation=draft, resident=other, text="Більше урн!", is_proposal=True
    )
    services.merge_duplicates(moderator=moderator, keep=a, duplicates=[b])
    services.decide_proposals(staff=moderator, comments=[a], decision="accepted")
    b.refresh_from_db()
    assert b.decision == "accepted" and b.duplicate_of_id == a.pk
