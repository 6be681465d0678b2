"""
People who wrote in without an account (Open311, a phone call, a letter) hear
about their appeal by e-mail at the address they gave, as an author would.
"""

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import translation

from hromada.appeals import services
from hromada.appeals.models import Appeal
from hromada.core.models import Identity, Notification
from hromada.core.notifications import site_url
from tests.appeals.conftest import LAT, LON, report
from tests.factories import make_resident

pytestmark = pytest.mark.django_db
ADDRESS = "ivan@example.test"


def status_label(status: str) -> str:
    with translation.override("uk"):
        return str(Appeal.Status(status).label)


def to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]


@pytest.fixture
def api_key(community) -> str:
    _key, raw = services.issue_open311_key(community=community, name="Тестовий застосунок")
    return raw


def post_open311(api_key: str, **contact) -> Appeal:
    """Post a service request as an Open311 client would; return the appeal."""
    client = Client(HTTP_HOST="testserver")
    response = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": api_key,
            "service_code": "pothole",
            "lat": str(LAT),
            "long": str(LON),
            "description": "Яма біля перехрестя.",
            "first_name": "Іван",
            "last_name": "Петренко",
            "phone": "+380501112233",
            "attribute[size]": "medium",
            "attribute[on_crossing]": "no",
            **contact,
        },
    )
    assert response.status_code == 200, response.content.decode()
    return Appeal.objects.get(pk=response.json()[0]["service_request_id"])


def paper_statement(community, categories, moderator, *, description, name, email) -> Appeal:
    """Register a written statement about a road, received on paper, as staff do."""
    return services.register_by_staff(
        staff=moderator,
        community=community,
        channel=Appeal.Channel.PAPER,
        kind=Appeal.Kind.STATEMENT,
        category=categories["pothole"],
        subject="Ремонт дороги",
        description=description,
        contact={"name": name, "email": email},
    )


def accept_and_resolve(appeal, moderator, housing_staff, capture) -> None:
    with capture(execute=True):
        services.accept_appeal(appeal=appeal, moderator=moderator, note="Передано в роботу.")
    with capture(execute=True):
        services.resolve_appeal(appeal=appeal, staff=housing_staff, comment="Яму залатано.")


def test_open311_contact_hears_of_registration_acceptance_and_resolution(
    community, categories, api_key, moderator, housing_staff, django_capture_on_commit_callbacks
):
    """The address posted with an Open311 request gets each step, in Ukrainian, with the link."""
    with django_capture_on_commit_callbacks(execute=True):
        appeal = post_open311(api_key, email="Ivan@Example.test")
    assert appeal.author is None and appeal.contact_email == ADDRESS
    accept_and_resolve(appeal, moderator, housing_staff, django_capture_on_commit_callbacks)

    registered, accepted, resolved = to(ADDRESS)
    assert len(mail.outbox) == 3
    assert appeal.number in registered.subject
    for message, status in ((accepted, "accepted"), (resolved, "resolved")):
        assert message.subject == f"Звернення {appeal.number}: {status_label(status)}"
        line = f"{appeal.number} ({appeal.category.name}) тепер має статус: {status_label(status)}."
        assert line in message.body
        assert message.body.startswith("Вітаємо!")
        assert site_url(community) + appeal.get_absolute_url() in message.body
    assert "Передано в роботу." in accepted.body
    assert "Яму залатано." in resolved.body
    # Nothing personal beyond the number, status and public answer; no account to confirm in.
    for message in (registered, accepted, resolved):
        assert "Петренко" not in message.body and "+380501112233" not in message.body
    assert "підтвердьте" not in resolved.body.lower()
    sent = Notification.objects.filter(address=ADDRESS)
    assert sent.count() == 3 and not sent.exclude(status=Notification.Status.SENT).exists()
    assert not sent.filter(resident__isnull=False).exists()


def test_open311_request_without_email_sends_nothing(
    community, categories, api_key, moderator, housing_staff, django_capture_on_commit_callbacks
):
    """No address given, nobody to tell: no message and no queued row."""
    with django_capture_on_commit_callbacks(execute=True):
        appeal = post_open311(api_key)
    accept_and_resolve(appeal, moderator, housing_staff, django_capture_on_commit_callbacks)
    assert appeal.contact_email == ""
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_phone_appeal_entered_by_staff_tells_the_caller(
    community, categories, moderator, housing_staff, django_capture_on_commit_callbacks
):
    """A caller whose e-mail staff wrote down hears of acceptance and resolution."""
    with django_capture_on_commit_callbacks(execute=True):
        appeal = services.register_by_staff(
            staff=moderator,
            community=community,
            channel=Appeal.Channel.PHONE,
            kind=Appeal.Kind.REPORT,
            category=categories["light-out"],
            description="Не світить ліхтар.",
            contact={"name": "Петренко Петро", "phone": "+380671234567", "email": ADDRESS},
            lat=LAT,
            lon=LON,
        )
    accept_and_resolve(appeal, moderator, housing_staff, django_capture_on_commit_callbacks)

    registered, accepted, resolved = to(ADDRESS)
    assert len(mail.outbox) == 3
    assert appeal.number in registered.subject
    assert accepted.subject == f"Звернення {appeal.number}: {status_label('accepted')}"
    assert resolved.subject == f"Звернення {appeal.number}: {status_label('resolved')}"
    assert "Яму залатано." in resolved.body


def test_paper_appeal_mail_has_no_link_to_a_page_the_writer_cannot_open(
    community, categories, moderator, django_capture_on_commit_callbacks
):
    """A written appeal is not public: the message gives the number and answer, no link."""
    with django_capture_on_commit_callbacks(execute=True):
        appeal = paper_statement(
            community,
            categories,
            moderator,
            description="Прошу відремонтувати дорогу на вулиці Миру.",
            name="Петренко Петро",
            email=ADDRESS,
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.reject_appeal(
            appeal=appeal,
            staff=moderator,
            reason="Дорога обласного значення.",
            redirect_to="Служба автомобільних доріг в Одеській області",
        )
    registered, rejected = to(ADDRESS)
    assert len(mail.outbox) == 2
    assert rejected.subject == f"Звернення {appeal.number}: {status_label('rejected')}"
    assert "Дорога обласного значення." in rejected.body
    assert "Служба автомобільних доріг в Одеській області" in rejected.body
    for message in (registered, rejected):
        assert "http" not in message.body


def test_hidden_report_mail_has_no_link(
    community, categories, api_key, moderator, django_capture_on_commit_callbacks
):
    """A report hidden from the public while rejected is told without its page."""
    appeal = post_open311(api_key, email=ADDRESS)
    with django_capture_on_commit_callbacks(execute=True):
        services.reject_appeal(
            appeal=appeal, staff=moderator, reason="Образливий текст.", hide=True
        )
    (rejected,) = to(ADDRESS)
    assert "Образливий текст." in rejected.body
    assert "http" not in rejected.body


def test_rolled_back_change_sends_nothing_to_the_contact(
    community, categories, api_key, moderator, django_capture_on_commit_callbacks
):
    """The message goes only after the commit, like a resident's."""
    appeal = post_open311(api_key, email=ADDRESS)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        services.accept_appeal(appeal=appeal, moderator=moderator)
        transaction.set_rollback(True)
    assert mail.outbox == []
    assert not Notification.objects.filter(event="appeals/status").exists()


def test_supporter_with_the_contact_address_is_told_once(
    community, categories, api_key, moderator, django_capture_on_commit_callbacks
):
    """An address that belongs to a following account hears through the account only."""
    appeal = post_open311(api_key, email=ADDRESS)
    supporter = make_resident(community, level=Identity.EMAIL, email="IVAN@example.test")
    services.support_appeal(appeal=appeal, resident=supporter)
    with django_capture_on_commit_callbacks(execute=True):
        services.accept_appeal(appeal=appeal, moderator=moderator)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [supporter.email]
    assert Notification.objects.get(event="appeals/status").resident == supporter


def test_author_account_is_told_as_before_not_at_the_contact_address(
    community, categories, resident, moderator, django_capture_on_commit_callbacks
):
    """An appeal with an author: one message per step, to the account, none to contact fields."""
    with django_capture_on_commit_callbacks(execute=True):
        appeal = report(
            community, categories, resident, contact={"name": "Інше ім'я", "email": ADDRESS}
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.accept_appeal(appeal=appeal, moderator=moderator)
    assert [message.to for message in mail.outbox] == [[resident.email], [resident.email]]
    assert appeal.number in mail.outbox[1].subject
    assert mail.outbox[1].body.startswith("Вітаємо, ")
    assert f"/appeals/{appeal.pk}/" in mail.outbox[1].body
    assert not Notification.objects.exclude(address="").exists()


def test_a_merged_duplicate_s_writer_follows_the_report_that_stays(
    community,
    categories,
    api_key,
    resident,
    moderator,
    housing_staff,
    django_capture_on_commit_callbacks,
):
    """Told of the merge, then of the surviving report's steps, once per address."""
    kept = report(community, categories, resident)
    with django_capture_on_commit_callbacks(execute=True):
        duplicate = post_open311(api_key, email=ADDRESS)
        twice = post_open311(api_key, email=ADDRESS.upper())
    with django_capture_on_commit_callbacks(execute=True):
        services.accept_appeal(appeal=kept, moderator=moderator)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.merge_appeal(appeal=duplicate, moderator=moderator, into=kept)
        services.merge_appeal(appeal=twice, moderator=moderator, into=kept)
    merged = to(ADDRESS) + to(ADDRESS.upper())
    assert sorted(message.subject.split(":")[0] for message in merged) == sorted(
        f"Звернення {number}" for number in (duplicate.number, twice.number)
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.resolve_appeal(appeal=kept, staff=housing_staff, comment="Яму залатано.")
    (resolved,) = [m for m in mail.outbox if m.to[0].lower() == ADDRESS]
    assert kept.number in resolved.subject and "Яму залатано." in resolved.body
    assert resident.email in {m.to[0] for m in mail.outbox}  # the author as before


def test_a_private_appeal_does_not_tell_the_writers_of_its_duplicates(
    community, categories, moderator, django_capture_on_commit_callbacks
):
    """Written appeals are private: a merged writer hears of the merge, not of the other's letter."""
    kept = paper_statement(
        community,
        categories,
        moderator,
        description="Прошу відремонтувати дорогу на вулиці Парусній.",
        name="Олена",
        email="olena@example.test",
    )
    duplicate = paper_statement(
        community,
        categories,
        moderator,
        description="Та сама дорога на вулиці Парусній, прошу ремонту.",
        name="Іван",
        email=ADDRESS,
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.merge_appeal(appeal=duplicate, moderator=moderator, into=kept)
    assert [duplicate.number in message.subject for message in to(ADDRESS)] == [True]
    assert services.contact_addresses(kept) == ["olena@example.test"]
