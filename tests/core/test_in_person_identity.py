"""In-person identification at a support point: staff check a document and raise the account."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from hromada.core import services
from hromada.core.errors import Forbidden
from hromada.core.identity import tax_number_hash, valid_tax_number
from hromada.core.models import AuditEntry, Identity, StaffRole, SupportPoint
from tests.factories import client_for, make_department, make_resident, make_staff

pytestmark = pytest.mark.django_db

# Ten digits whose last is the check digit of the first nine.
TAX_NUMBER = "3012345670"
OTHER_TAX_NUMBER = "2345678902"


def test_check_digit_of_the_tax_number():
    assert valid_tax_number(TAX_NUMBER)
    assert valid_tax_number(OTHER_TAX_NUMBER)
    assert not valid_tax_number("3012345673")  # wrong check digit
    assert not valid_tax_number("301234567")  # nine digits
    assert not valid_tax_number("30123456٧3")  # a digit of another script


@pytest.fixture
def cnap(community):
    return make_department(community, "Центр надання адміністративних послуг")


@pytest.fixture
def point(community, cnap):
    return SupportPoint.objects.create(
        community=community,
        name="ЦНАП",
        address="проспект Миру, 33",
        hours="Пн–Пт 8:00–17:00",
        department=cnap,
        accepts_paper_ballots=True,
    )


@pytest.fixture
def clerk(community, cnap, point):
    """Staff of the ЦНАП, whose support point identifies residents."""
    return make_staff(community, StaffRole.Role.STAFF, cnap)


@pytest.fixture
def newcomer(community):
    return make_resident(community, level=Identity.EMAIL, full_name="Коваль Андрій")


def identify(actor, community, resident, point=None, **changes):
    values = {
        "tax_number": TAX_NUMBER,
        "document_kind": "id_card",
        "document_last_digits": "4821",
        "full_name": "Коваль Андрій Сергійович",
        "birth_date": date(1986, 4, 12),
        "support_point": point,
    }
    values.update(changes)
    return services.identify_in_person(
        actor=actor, community=community, resident=resident, **values
    )


def test_staff_identify_a_resident_strongly_and_it_is_audited(community, clerk, newcomer, point):
    identify(clerk, community, newcomer, point)
    newcomer.refresh_from_db()
    assert newcomer.identity_level == Identity.STRONG
    assert newcomer.tax_hash == tax_number_hash(TAX_NUMBER)
    assert newcomer.full_name == "Коваль Андрій Сергійович"
    assert newcomer.birth_date == date(1986, 4, 12)
    entry = AuditEntry.objects.get(action="resident.identified_in_person")
    assert (entry.actor, entry.target_id, entry.community) == (clerk, str(newcomer.pk), community)
    assert entry.after["document"] == "id_card"
    assert entry.after["support_point"] == "ЦНАП"
    # Neither the number of the document nor the tax number is anywhere in it.
    recorded = str(entry.before) + str(entry.after) + entry.target_label
    assert "4821" not in recorded and TAX_NUMBER not in recorded


def test_one_person_one_account(community, clerk, newcomer, point):
    identify(clerk, community, newcomer, point)
    second = make_resident(community, level=Identity.EMAIL)
    with pytest.raises(services.IdentityInUse):
        identify(clerk, community, second, point)
    second.refresh_from_db()
    assert second.identity_level == Identity.EMAIL and second.tax_hash is None


def test_a_tax_number_taken_through_id_gov_ua_is_refused_too(community, clerk, newcomer):
    online = make_resident(community)
    online.tax_hash = tax_number_hash(OTHER_TAX_NUMBER)
    online.save(update_fields=["tax_hash"])
    with pytest.raises(services.IdentityInUse):
        identify(clerk, community, newcomer, tax_number=OTHER_TAX_NUMBER)
    newcomer.refresh_from_db()
    assert newcomer.identity_level == Identity.EMAIL


def test_a_bad_check_digit_is_refused(community, clerk, newcomer):
    with pytest.raises(services.InvalidTaxNumber) as refused:
        identify(clerk, community, newcomer, tax_number="3012345673")
    assert "tax_number" in refused.value.fields
    newcomer.refresh_from_db()
    assert newcomer.identity_level == Identity.EMAIL and newcomer.tax_hash is None


@pytest.mark.parametrize("role", [StaffRole.Role.MODERATOR, StaffRole.Role.STAFF, None])
def test_others_may_not_identify(community, newcomer, point, role):
    """Moderators, staff of other departments and residents are refused by the service."""
    if role is None:
        actor = make_resident(community)
    else:
        actor = make_staff(community, role, make_department(community, "Управління освіти"))
    with pytest.raises(Forbidden):
        identify(actor, community, newcomer, point)
    newcomer.refresh_from_db()
    assert newcomer.identity_level == Identity.EMAIL
    assert not AuditEntry.objects.filter(action="resident.identified_in_person").exists()


def test_administrators_identify(community, newcomer):
    administrator = make_staff(community, StaffRole.Role.ADMINISTRATOR)
    identify(administrator, community, newcomer)
    newcomer.refresh_from_db()
    assert newcomer.identity_level == Identity.STRONG


def test_staff_of_another_community_may_not_identify_here(community, other_community, newcomer):
    stranger = make_staff(other_community, StaffRole.Role.ADMINISTRATOR)
    with pytest.raises(Forbidden):
        identify(stranger, community, newcomer)


def test_an_identified_account_is_not_identified_again(community, clerk):
    strong = make_resident(community)
    with pytest.raises(services.AlreadyIdentified):
        identify(clerk, community, strong)


def test_the_staff_page_finds_by_email_and_identifies(community, clerk, newcomer, point):
    client = client_for(clerk)
    url = reverse("core:identify_person")
    found = client.get(url, {"email": newcomer.email.upper()})
    assert found.status_code == 200
    assert newcomer.email in found.content.decode()
    data = {
        "resident": newcomer.pk,
        "full_name": "Коваль Андрій Сергійович",
        "birth_date": "1986-04-12",
        "tax_number": "3012345673",
        "document_kind": "id_card",
        "document_last_digits": "4821",
        "support_point": point.pk,
    }
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert "контрольною цифрою" in refused.content.decode()
    done = client.post(url, {**data, "tax_number": TAX_NUMBER}, follow=True)
    assert "ідентифіковано" in done.content.decode()
    newcomer.refresh_from_db()
    assert newcomer.identity_level == Identity.STRONG
    # The resident learns of it: a stranger's visit must not go unnoticed.
    assert newcomer.notifications.filter(event="core/identified_in_person").exists()


def test_the_staff_page_is_closed_to_others(community, newcomer):
    moderator = make_staff(community, StaffRole.Role.MODERATOR)
    url = reverse("core:identify_person")
    assert client_for(moderator).get(url).status_code == 403
    assert client_for(newcomer).get(url).status_code == 403
    assert client_for().get(url).status_code == 302
