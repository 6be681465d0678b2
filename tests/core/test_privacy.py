"""Privacy notice, consent at sign-up and after each new version, and "download my data"."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from hromada.core import services
from hromada.core.models import AuditEntry, Consent, PrivacyNotice, Resident, StaffRole
from tests.factories import client_for, make_department, make_resident, make_staff

pytestmark = pytest.mark.django_db

SIGN_UP = {
    "full_name": "Олена Коваль",
    "email": "olena@example.test",
    "password": "teplyi-veresen-42",
    "notice_version": "0",
}


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def administrator(community):
    return make_staff(community, StaffRole.Role.ADMINISTRATOR)


def publish(community, administrator, text="## Нова версія\n\nМи змінили строки зберігання."):
    return services.publish_privacy_notice(
        actor=administrator, community=community, body=text, body_en="## New version"
    )


# --- the notice --------------------------------------------------------------


def test_footer_links_to_the_notice_which_names_the_council(community):
    community.council_name = "Чорноморська міська рада"
    community.postal_address = "проспект Миру, 33, м. Чорноморськ"
    community.save()
    home = page(client_for().get("/"))
    assert 'href="/privacy/"' in home
    assert "Захист персональних даних" in home
    notice = page(client_for().get("/privacy/"))
    assert "Чорноморська міська рада" in notice
    assert "04056204" in notice  # the council's ЄДРПОУ
    assert "проспект Миру, 33" in notice
    assert "Уповноваженому Верховної Ради України з прав людини" in notice
    assert "ключований геш" in notice


def test_the_notice_reads_in_english_too(community):
    client = client_for()
    client.cookies["django_language"] = "en"
    text = page(client.get("/privacy/"))
    assert "Who processes your data" in text
    assert "Parliament Commissioner for Human Rights" in text


def test_publishing_numbers_versions_and_only_administrators_publish(community, administrator):
    first = publish(community, administrator)
    second = publish(community, administrator, "## Третя редакція")
    assert (first.version, second.version) == (1, 2)
    assert "Третя редакція" in page(client_for().get("/privacy/"))
    assert "Нова версія" in page(client_for().get("/privacy/v1/"))
    assert AuditEntry.objects.filter(action="privacy.notice_published").count() == 2
    moderator = make_staff(community, StaffRole.Role.MODERATOR)
    with pytest.raises(PermissionDenied):
        publish(community, moderator)
    assert PrivacyNotice.objects.filter(community=community).count() == 2


# --- consent at sign-up ----------------------------------------------------------


def test_sign_up_without_consent_is_refused(community):
    response = client_for().post("/accounts/sign-up/", SIGN_UP)
    assert response.status_code == 200
    assert "Позначте поле, щоб дати згоду" in page(response)
    assert not Resident.objects.filter(email="olena@example.test").exists()


def test_sign_up_form_links_to_the_notice(community):
    text = page(client_for().get("/accounts/sign-up/"))
    assert 'name="privacy_consent"' in text
    assert 'href="/privacy/"' in text


def test_sign_up_records_the_consent_with_the_version(community, administrator):
    publish(community, administrator)
    form = page(client_for().get("/accounts/sign-up/"))
    assert 'name="notice_version" value="1"' in form
    response = client_for().post(
        "/accounts/sign-up/", {**SIGN_UP, "notice_version": "1", "privacy_consent": "on"}
    )
    assert response.status_code == 302
    consent = Consent.objects.get(resident__email="olena@example.test")
    assert (consent.community, consent.version) == (community, 1)
    assert consent.given_at is not None
    # Only the time: the model has nowhere to keep an address.
    assert not any("address" in field.name for field in Consent._meta.fields)


def test_sign_up_against_a_version_replaced_meanwhile_is_refused(community, administrator):
    publish(community, administrator)
    publish(community, administrator, "## Ще нова")
    response = client_for().post(
        "/accounts/sign-up/", {**SIGN_UP, "notice_version": "1", "privacy_consent": "on"}
    )
    assert response.status_code == 200
    assert "змінилося, поки ви його читали" in page(response)
    assert not Resident.objects.filter(email="olena@example.test").exists()


# --- asked again when the notice changes ----------------------------------------------


def test_a_new_version_asks_again_before_any_page(community, administrator):
    resident = make_resident(community)
    services.give_consent(resident=resident, community=community, version=0)
    client = client_for(resident)
    assert client.get("/accounts/profile/").status_code == 200
    publish(community, administrator)

    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/privacy/?next=%2Faccounts%2Fprofile%2F"
    asked = page(client.get(response["Location"]))
    assert "Ми оновили повідомлення" in asked
    assert "Ви прийняли версію 0" in asked
    # A form posted meanwhile does nothing and leads to the same page.
    posted = client.post("/accounts/profile/", {"full_name": "Інше Ім'я", "language": "uk"})
    assert posted["Location"].startswith("/accounts/privacy/")
    resident.refresh_from_db()
    assert resident.full_name != "Інше Ім'я"
    # What a person who objects needs stays open.
    assert client.get("/privacy/").status_code == 200
    assert client.post("/accounts/my-data/").status_code == 200

    accepted = client.post("/accounts/privacy/", {"version": "1", "next": "/accounts/profile/"})
    assert accepted["Location"] == "/accounts/profile/"
    assert client.get("/accounts/profile/").status_code == 200
    assert list(resident.consents.values_list("version", flat=True).order_by("version")) == [0, 1]


def test_accounts_without_any_consent_are_asked_once_the_council_publishes(
    community, administrator
):
    resident = make_resident(community)  # made before consents existed
    assert client_for(resident).get("/accounts/profile/").status_code == 200
    publish(community, administrator)
    assert client_for(resident).get("/accounts/profile/").status_code == 302


def test_accepting_an_outdated_version_is_refused(community, administrator):
    resident = make_resident(community)
    publish(community, administrator)
    publish(community, administrator, "## Ще нова")
    with pytest.raises(services.NoticeChanged):
        services.give_consent(resident=resident, community=community, version=1)
    assert not resident.consents.exists()


def test_api_writes_need_consent_reads_do_not(community, administrator):
    resident = make_resident(community)
    _token, key = services.issue_api_token(resident=resident, name="телефон")
    publish(community, administrator)
    client = client_for()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.get("/api/v1/me", **auth).status_code == 200
    street = resident.links.get().street
    body = json.dumps({"kind": "lives", "street_id": street.pk, "house": "7"})
    refused = client.post("/api/v1/me/links", body, content_type="application/json", **auth)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "consent_required"
    assert set(refused.json()["error"]) == {"code", "message", "fields"}
    services.give_consent(resident=resident, community=community, version=1)
    done = client.post("/api/v1/me/links", body, content_type="application/json", **auth)
    assert done.status_code == 201


def test_api_writes_by_session_need_consent_too(community, administrator):
    resident = make_resident(community)
    publish(community, administrator)
    body = json.dumps({"kind": "works", "note": "школа №1"})
    response = client_for(resident).post("/api/v1/me/links", body, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "consent_required"


# --- download my data ---------------------------------------------------------------


@pytest.fixture
def busy_resident(community, administrator):
    """A resident with records in every module, all made through the services."""
    from hromada.appeals import services as appeals
    from hromada.budget import services as budget
    from hromada.petitions import services as petitions
    from hromada.petitions.models import Topic
    from tests.budget.helpers import admitted_projects, draft, make_category, make_cycle, move_to

    resident = make_resident(community, full_name="Лисенко Оксана Петрівна")
    resident.phone = "+380671112233"
    resident.save(update_fields=["phone"])
    services.give_consent(resident=resident, community=community, version=0)
    services.issue_api_token(resident=resident, name="мій телефон")
    moderator = make_staff(community, StaffRole.Role.MODERATOR)

    # Petitions: one of hers, and her signature under another.
    topic = Topic.objects.create(community=community, name="Транспорт")
    text = "Просимо облаштувати безпечний пішохідний перехід біля школи на вулиці Парусній."
    petitions.create_petition(
        community=community,
        author=resident,
        title="Перехід біля школи",
        text=text,
        topic_id=topic.pk,
    )
    other_author = make_resident(community)
    other = petitions.create_petition(
        community=community,
        author=other_author,
        title="Освітлення парку",
        text=text,
        topic_id=topic.pk,
    )
    petitions.submit_petition(petition=other, author=other_author)
    other = petitions.publish_petition(petition=other, moderator=moderator)
    petitions.sign_petition(petition=other, resident=resident)

    # Budget: her project, and her ballot in voting.
    cycle = make_cycle(community)
    category = make_category(cycle)
    projects = admitted_projects(community, category, 2)
    draft(resident, category, title="Сквер на Лазурній")
    move_to(cycle, "voting")
    budget.cast_ballot(resident=resident, category=category, choices=[projects[1].pk])

    # Appeals: a report with the council's answer on it.
    make_department(community, "Управління житлово-комунального господарства")
    make_department(community, "КП «Водоканал»")
    appeals.install_default_categories(community=community)
    from hromada.appeals.models import Category

    report = appeals.submit_report(
        community=community,
        category=Category.objects.get(community=community, service_code="light-out"),
        author=resident,
        description="Не світить ліхтар біля під'їзду.",
        lat=46.3001,
        lon=30.6552,
    )
    appeals.accept_appeal(appeal=report, moderator=moderator)
    appeals.add_note(appeal=report, staff=moderator, note="Бригада виїде в четвер.")
    return resident


def test_download_my_data_holds_each_module_and_no_secrets(busy_resident, community):
    response = client_for(busy_resident).post(reverse("core:my_data"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="hromada-my-data-')
    data = json.loads(response.content)
    assert data["account"]["email"] == busy_resident.email
    assert data["account"]["phone"] == "+380671112233"
    assert [c["version"] for c in data["consents"]] == [0]
    assert [t["name"] for t in data["api_tokens"]] == ["мій телефон"]
    modules = data["modules"]
    assert [p["title"] for p in modules["petitions"]["petitions"]] == ["Перехід біля школи"]
    assert [s["petition"] for s in modules["petitions"]["signatures"]] == ["Освітлення парку"]
    assert [p["title"] for p in modules["budget"]["projects"]] == ["Сквер на Лазурній"]
    (ballot,) = modules["budget"]["ballots"]
    assert [choice["project"] for choice in ballot["choices"]] == ["№2 Проєкт 2"]
    (appeal,) = modules["appeals"]["appeals"]
    assert appeal["text"] == "Не світить ліхтар біля під'їзду."
    assert "Бригада виїде в четвер." in [message["text"] for message in appeal["messages"]]

    raw = response.content.decode()
    busy_resident.refresh_from_db()
    assert busy_resident.tax_hash and busy_resident.tax_hash not in raw
    for token in busy_resident.api_tokens.all():
        assert token.key_hash not in raw
    assert busy_resident.password not in raw
    assert "key_hash" not in raw and "tax_hash" not in raw
    assert AuditEntry.objects.filter(action="resident.data_exported").count() == 1


def test_download_my_data_is_a_post_of_a_logged_in_resident(community):
    assert client_for().post(reverse("core:my_data")).status_code == 302
    resident = make_resident(community)
    assert client_for(resident).get(reverse("core:my_data")).status_code == 405
    profile = page(client_for(resident).get("/accounts/profile/"))
    assert "Завантажити мої дані" in profile
    assert reverse("core:my_data") in profile


def test_an_anonymous_visitor_cannot_consent(community):
    response = client_for().post("/accounts/privacy/", {"version": "0"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/log-in/")
    assert not Consent.objects.exists()
