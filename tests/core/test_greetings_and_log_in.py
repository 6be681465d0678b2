"""Greetings by given name and patronymic; staff land on their dashboard; a password set in the back office stops API tokens."""

import pytest
from django.test import Client

from hromada.core import services
from hromada.core.models import ApiToken, Notification, StaffRole
from hromada.core.names import short_name, vocative
from tests.factories import PASSWORD, client_for, make_resident, make_staff


@pytest.mark.parametrize(
    ("full_name", "short", "addressed"),
    [
        ("Іваненко Олена Петрівна", "Олена Петрівна", "Олено Петрівно"),
        ("Шевченко Тарас Миколайович", "Тарас Миколайович", "Тарасе Миколайовичу"),
        ("Коваль Андрій Сергійович", "Андрій Сергійович", "Андрію Сергійовичу"),
        ("Бондар Наталія Олегівна", "Наталія Олегівна", "Наталіє Олегівно"),
        ("Мельник Ігор Васильович", "Ігор Васильович", "Ігоре Васильовичу"),
        ("Олена Петрівна Шушкевич", "Олена Петрівна", "Олено Петрівно"),
        ("Ткачук Олег", "Олег", "Олеже"),
        ("Ольга Іваненко", "Ольга", "Ольго"),
        # Which word is the given name is unclear: the name as written, never the surname alone.
        ("Андрій Коваль", "Андрій Коваль", "Андрій Коваль"),
        ("Jane Smith", "Jane Smith", "Jane Smith"),
    ],
)
def test_names_for_greetings(full_name, short, addressed):
    assert short_name(full_name) == short
    assert vocative(full_name) == addressed


@pytest.mark.django_db
def test_a_message_greets_by_given_name_and_patronymic(community):
    resident = make_resident(community, full_name="Іваненко Олена Петрівна")
    services.send_email_confirmation(resident=resident, community=community)
    body = Notification.objects.get(resident=resident).body
    assert body.startswith("Вітаємо, Олено Петрівно!")
    assert "Іваненко" not in body.splitlines()[0]


@pytest.mark.django_db
def test_an_english_message_greets_without_the_ukrainian_case(community):
    resident = make_resident(community, full_name="Іваненко Олена Петрівна")
    resident.language = "en"
    resident.save(update_fields=["language"])
    services.send_email_confirmation(resident=resident, community=community)
    assert Notification.objects.get(resident=resident).body.startswith("Hello, Олена Петрівна!")


def log_in(resident, next_url: str | None = None):
    url = "/accounts/log-in/" + (f"?next={next_url}" if next_url else "")
    return Client().post(url, {"username": resident.email, "password": PASSWORD})


@pytest.mark.django_db
@pytest.mark.parametrize("role", [StaffRole.Role.STAFF, StaffRole.Role.MODERATOR])
def test_staff_land_on_their_dashboard(community, role):
    response = log_in(make_staff(community, role))
    assert response.status_code == 302
    assert response["Location"] == "/staff/"


@pytest.mark.django_db
def test_a_next_address_wins_over_the_dashboard(community):
    response = log_in(make_staff(community, StaffRole.Role.MODERATOR), next_url="/petitions/")
    assert response["Location"] == "/petitions/"


@pytest.mark.django_db
def test_residents_land_on_the_home_page(community, other_community):
    assert log_in(make_resident(community))["Location"] == "/"
    # Staff of another community are residents here.
    assert log_in(make_staff(other_community, StaffRole.Role.ADMINISTRATOR))["Location"] == "/"


@pytest.mark.django_db
def test_a_password_set_in_the_back_office_stops_the_residents_tokens(community):
    operator = make_staff(community, StaffRole.Role.ADMINISTRATOR)
    operator.is_superuser = True
    operator.save(update_fields=["is_superuser"])
    resident = make_resident(community)
    token, _key = services.issue_api_token(resident=resident, name="скрипт")
    response = client_for(operator).post(
        f"/admin/core/resident/{resident.pk}/password/",
        {"password1": "a-new-long-pass-4821", "password2": "a-new-long-pass-4821"},
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.check_password("a-new-long-pass-4821")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert not ApiToken.objects.filter(resident=resident, revoked_at__isnull=True).exists()
