"""The council's answer: who may give it, the PDF decision, who is told."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hromada.core.audit import history
from hromada.core.errors import ValidationFailed
from hromada.core.models import Notification, StaffRole
from hromada.petitions import services, tasks
from hromada.petitions.models import Petition, Signature
from tests.factories import make_department, make_resident, make_staff
from tests.petitions.conftest import sign_by_new_residents

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def pdf(name="decision.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def test_official_answers_with_the_councils_decision(consideration, official):
    petition = services.answer_petition(
        petition=consideration,
        staff=official,
        outcome=Petition.Outcome.SUPPORTED,
        text="Рада підтримує петицію.",
        document=pdf(),
    )
    petition.refresh_from_db()
    assert petition.status == Petition.Status.ANSWERED
    assert petition.outcome == Petition.Outcome.SUPPORTED
    assert petition.answered_by == official
    assert petition.answer_document.name.endswith(".pdf")
    assert petition.answer_document.read().startswith(b"%PDF-")
    entry = history(petition).last()
    assert entry.action == "petition.answered"
    assert entry.after == {"status": "answered", "outcome": "supported", "document": True}
    assert Notification.objects.filter(
        resident=petition.author, event="petitions/answered"
    ).exists()


@pytest.mark.parametrize("outcome", list(Petition.Outcome.values))
def test_each_outcome_is_accepted_without_a_document(consideration, moderator, outcome):
    petition = services.answer_petition(
        petition=consideration, staff=moderator, outcome=outcome, text="Відповідь ради."
    )
    assert petition.get_outcome_display()
    assert not petition.answer_document


def test_department_staff_answers(consideration, community, department):
    colleague = make_staff(community, StaffRole.Role.STAFF, department)
    services.answer_petition(
        petition=consideration, staff=colleague, outcome="partly", text="Частково."
    )


@pytest.mark.parametrize("who", ["resident", "other_department", "author"])
def test_others_cannot_answer(consideration, community, who):
    actor = {
        "resident": lambda: make_resident(community),
        "other_department": lambda: make_staff(
            community, StaffRole.Role.STAFF, make_department(community, "Управління освіти")
        ),
        "author": lambda: consideration.author,
    }[who]()
    with pytest.raises(services.CannotAnswer):
        services.answer_petition(
            petition=consideration, staff=actor, outcome="supported", text="Так."
        )
    consideration.refresh_from_db()
    assert consideration.status == Petition.Status.CONSIDERATION


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"outcome": "maybe"}, "outcome"),
        ({"text": ""}, "text"),
        ({"text": "я" * 20001}, "text"),
        ({"document": "not-pdf"}, "document"),
    ],
)
def test_bad_answer_changes_nothing(consideration, moderator, fields, field):
    values = {"outcome": "supported", "text": "Відповідь ради.", "document": None}
    values.update(fields)
    if values["document"] == "not-pdf":
        values["document"] = pdf("decision.pdf", b"GIF89a not a pdf")
    with pytest.raises(ValidationFailed) as caught:
        services.answer_petition(petition=consideration, staff=moderator, **values)
    assert field in caught.value.fields
    consideration.refresh_from_db()
    assert consideration.status == Petition.Status.CONSIDERATION
    assert not consideration.answer_document


def test_answer_only_under_consideration(collecting, moderator):
    with pytest.raises(services.WrongStatus):
        services.answer_petition(
            petition=collecting, staff=moderator, outcome="supported", text="Ще рано."
        )


def test_signers_who_asked_are_told_once(
    collecting, community, moderator, django_capture_on_commit_callbacks
):
    """Only opted-in signers get the message; a second run of the job sends nothing."""
    asked = make_resident(community)
    services.sign_petition(petition=collecting, resident=asked, notify_on_answer=True)
    silent = sign_by_new_residents(collecting, 2)
    collecting.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_petition(
            petition=collecting, staff=moderator, outcome="supported", text="Підтримано."
        )
    told = set(
        Notification.objects.filter(event="petitions/answered").values_list("resident", flat=True)
    )
    assert asked.pk in told
    assert collecting.author_id in told
    assert not told & {resident.pk for resident in silent}
    assert tasks.notify_signers_of_answer.enqueue(collecting.pk).return_value == 0
    assert Notification.objects.filter(event="petitions/answered", resident=asked).count() == 1
    assert Signature.objects.filter(petition=collecting).count() == 3
