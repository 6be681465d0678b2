"""Sign-up, e-mail confirmation, log-in throttling, password reset, profile, deletion."""

import re
from datetime import date

import pytest
from django.core import mail

from hromada.core import services
from hromada.core.errors import ValidationFailed
from hromada.core.models import AuditEntry, CommunityLink, Identity, Notification, Resident, Street
from tests.factories import PASSWORD, client_for, make_resident

SIGN_UP = {
    "full_name": "Олена Коваль",
    "email": "Olena@Example.test",
    "password": "teplyi-veresen-42",
    # The privacy notice in force (the built-in one) read and accepted.
    "privacy_consent": "on",
    "notice_version": "0",
}


def confirmation_link(message) -> str:
    return re.search(r"http://[^\s]+/accounts/confirm/[^\s]+/", message.body).group(0)


def test_sign_up_confirm_and_log_in(community, django_capture_on_commit_callbacks):
    client = client_for()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/sign-up/", SIGN_UP)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/sign-up/sent/"
    resident = Resident.objects.get(email="olena@example.test")
    assert resident.identity_level == Identity.NONE
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Підтвердьте адресу електронної пошти"
    link = confirmation_link(mail.outbox[0])
    page = client.get(link[link.index("/accounts/") :])
    assert page.status_code == 200
    resident.refresh_from_db()
    assert resident.identity_level == Identity.EMAIL
    assert Notification.objects.get(resident=resident).status == Notification.Status.SENT

    fresh = client_for()
    logged = fresh.post(
        "/accounts/log-in/", {"username": "olena@example.test", "password": SIGN_UP["password"]}
    )
    assert logged.status_code == 302
    assert fresh.get("/accounts/profile/").status_code == 200


def test_sign_up_with_bad_input_changes_nothing(community):
    client = client_for()
    response = client.post(
        "/accounts/sign-up/", {"full_name": "", "email": "nope", "password": "123"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'aria-invalid="true"' in page
    assert Resident.objects.count() == 0
    assert mail.outbox == []


def sign_up_answer(data) -> tuple:
    """Return all a visitor sees of a sign-up: status, redirect, cookies, the page after it."""
    client = client_for()
    response = client.post("/accounts/sign-up/", data)
    page = client.get(response["Location"])
    return (
        response.status_code,
        response["Location"],
        sorted(response.cookies),
        page.status_code,
        # The CSRF token is masked afresh on every page.
        re.sub(r"\b[A-Za-z0-9]{64}\b", "csrf", page.content.decode()),
    )


def test_sign_up_with_a_taken_email_answers_like_a_new_one(
    community, django_capture_on_commit_callbacks
):
    """Nobody learns from the form that an address has an account; its owner gets told."""
    owner = make_resident(community, email="olena@example.test", full_name="Коваль Олена")
    password_before = owner.password

    with django_capture_on_commit_callbacks(execute=True):
        taken = sign_up_answer({**SIGN_UP, "email": "Olena@Example.test"})
    with django_capture_on_commit_callbacks(execute=True):
        new = sign_up_answer({**SIGN_UP, "email": "taras@example.test"})

    assert taken == new
    assert taken[:2] == (302, "/accounts/sign-up/sent/")
    assert "Перевірте електронну пошту" in taken[4]
    assert Resident.objects.filter(email__iexact="olena@example.test").count() == 1
    owner.refresh_from_db()
    assert owner.password == password_before
    to_owner, to_new = mail.outbox
    assert to_owner.to == ["olena@example.test"]
    assert to_owner.subject == "У вас уже є обліковий запис"
    assert "http://chornomorsk.localhost:8000/accounts/log-in/" in to_owner.body
    assert "http://chornomorsk.localhost:8000/accounts/password-reset/" in to_owner.body
    assert to_new.to == ["taras@example.test"]
    assert to_new.subject == "Підтвердьте адресу електронної пошти"


def test_notices_to_a_taken_address_are_limited(community, django_capture_on_commit_callbacks):
    make_resident(community, email="olena@example.test")
    for number in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for().post("/accounts/sign-up/", SIGN_UP)
        assert response.status_code == 302, number
    assert len(mail.outbox) == 3


def test_weak_password_is_refused(community):
    with pytest.raises(ValidationFailed) as error:
        services.register_resident(
            community=community, email="a@b.test", password="12345678901", full_name="А Б"
        )
    assert "password" in error.value.fields


def test_a_stale_confirmation_link_is_refused(community):
    resident = make_resident(community, level=Identity.NONE)
    response = client_for().get("/accounts/confirm/eA/wrong-token/")
    assert response.status_code == 400
    resident.refresh_from_db()
    assert resident.identity_level == Identity.NONE


def test_log_in_locks_out_after_repeated_failures(community):
    resident = make_resident(community)
    client = client_for()
    for _ in range(5):
        client.post("/accounts/log-in/", {"username": resident.email, "password": "wrong-password"})
    response = client.post("/accounts/log-in/", {"username": resident.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Забагато спроб" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_sets_a_new_password(community):
    resident = make_resident(community)
    client = client_for()
    client.post("/accounts/password-reset/", {"email": resident.email})
    assert len(mail.outbox) == 1
    path = re.search(r"/accounts/password-reset/[^\s]+/[^\s]+/", mail.outbox[0].body).group(0)
    form = client.get(path, follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": "novyi-parol-2026", "new_password2": "novyi-parol-2026"}
    )
    assert done.status_code == 302
    resident.refresh_from_db()
    assert resident.check_password("novyi-parol-2026")


def reset_links() -> list[str]:
    return [re.search(r"\S+/accounts/password-reset/\S+/", m.body).group(0) for m in mail.outbox]


def test_password_resets_to_one_mailbox_are_limited(community):
    """Five quick requests for one address send three mails; each answer looks the same."""
    resident = make_resident(community)
    answers = []
    for number in range(5):
        client = client_for()
        client.defaults["REMOTE_ADDR"] = f"198.51.100.{number}"
        response = client.post("/accounts/password-reset/", {"email": resident.email})
        answers.append((response.status_code, response["Location"]))
    assert answers == [(302, "/accounts/password-reset/sent/")] * 5
    assert len(mail.outbox) == 3


def test_password_resets_from_one_address_are_limited(community):
    residents = [make_resident(community) for _ in range(11)]
    client = client_for()
    for resident in residents:
        response = client.post("/accounts/password-reset/", {"email": resident.email})
        assert response.status_code == 302
    assert [message.to[0] for message in mail.outbox] == [r.email for r in residents[:10]]


def test_password_reset_link_uses_the_communitys_address(community, other_community):
    """A forged Host header does not reach the mailed link; the community's address does."""
    resident = make_resident(community)
    client_for(host="evil-site.localhost").post(
        "/accounts/password-reset/", {"email": resident.email}
    )
    client_for(host="pivdenne.localhost").post(
        "/accounts/password-reset/", {"email": resident.email}
    )
    first, second = reset_links()
    assert first.startswith("http://chornomorsk.localhost:8000/accounts/password-reset/")
    assert second.startswith("http://pivdenne.localhost:8000/accounts/password-reset/")
    assert all("evil" not in message.body for message in mail.outbox)


def test_password_reset_link_uses_the_communitys_own_domain(community):
    community.domain = "rada.chornomorsk.test"
    community.save(update_fields=["domain"])
    resident = make_resident(community)
    client_for(host="chornomorsk.localhost").post(
        "/accounts/password-reset/", {"email": resident.email}
    )
    assert reset_links()[0].startswith("http://rada.chornomorsk.test:8000/accounts/")


def test_profile_update_and_audit_without_personal_data(community):
    resident = make_resident(community, level=Identity.EMAIL)
    response = client_for(resident).post(
        "/accounts/profile/",
        {
            "full_name": "Нове Ім'я",
            "birth_date": "1991-01-02",
            "phone": "+380501112233",
            "language": "en",
        },
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.full_name == "Нове Ім'я"
    assert resident.language == "en"
    assert resident.notify_by_email is False
    entry = AuditEntry.objects.get(action="resident.profile_changed")
    assert "+380501112233" not in str(entry.after)
    assert "phone" in entry.after["changed"]


def test_strong_residents_cannot_change_name_or_birth_date(community):
    resident = make_resident(community, level=Identity.STRONG, full_name="Петренко Марія")
    services.update_profile(resident=resident, full_name="Інша Особа", birth_date=date(2000, 1, 1))
    resident.refresh_from_db()
    assert resident.full_name == "Петренко Марія"
    assert resident.birth_date == date(1990, 5, 17)


def test_residence_link_needs_a_street_of_this_community(community, other_community):
    resident = make_resident(None)
    foreign_street = Street.objects.get(settlement__community=other_community)
    with pytest.raises(ValidationFailed):
        services.link_to_community(
            resident=resident, community=community, kind="lives", street=foreign_street, house="3"
        )
    street = Street.objects.get(settlement__community=community)
    link = services.link_to_community(
        resident=resident, community=community, kind="lives", street=street, house="3"
    )
    assert link.kind == CommunityLink.Kind.LIVES
    assert services.is_linked(resident, community)
    assert not services.is_linked(resident, other_community)


def test_declared_work_link_through_the_page(community):
    resident = make_resident(None)
    response = client_for(resident).post(
        "/accounts/profile/links/", {"kind": "works", "note": "Чорноморський морський порт"}
    )
    assert response.status_code == 302
    assert resident.links.get().kind == "works"


def test_delete_account_erases_personal_data(community):
    resident = make_resident(community, full_name="Видалена Особа")
    client = client_for(resident)
    client.post("/accounts/delete/", {"confirm": "yes"})
    resident.refresh_from_db()
    assert resident.full_name == ""
    assert resident.birth_date is None
    assert resident.email.endswith("@invalid")
    assert not resident.is_active
    assert resident.links.count() == 0
    assert resident.public_name == "Колишній користувач"
    assert resident.tax_hash is not None  # one person still cannot come back as a second one
    assert "_auth_user_id" not in client.session


def test_delete_account_needs_confirmation(community):
    resident = make_resident(community)
    client_for(resident).post("/accounts/delete/", {})
    resident.refresh_from_db()
    assert resident.is_active


def test_forms_refuse_posts_without_csrf_token(community):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/sign-up/", SIGN_UP)
    assert response.status_code == 403
    assert "Строк дії форми минув" in response.content.decode()
    assert Resident.objects.count() == 0


def test_sign_ups_from_one_address_are_rate_limited(community):
    statuses = [
        client_for()
        .post("/accounts/sign-up/", {**SIGN_UP, "email": f"n{i}@example.test"})
        .status_code
        for i in range(11)
    ]
    assert statuses[:10] == [302] * 10
    assert statuses[10] == 429
    assert Resident.objects.count() == 10
