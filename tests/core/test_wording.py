"""Django's stock texts we show are replaced by our own Ukrainian."""

import html
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from hromada.core.authforms import SetPasswordForm
from hromada.core.forms import LinkForm
from hromada.core.models import Identity
from tests.factories import client_for, make_resident

pytestmark = pytest.mark.django_db


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def test_sign_up_with_a_short_numeric_password_explains_in_our_ukrainian(community):
    response = client_for().post(
        reverse("core:sign_up"),
        {
            "full_name": "Олена Коваль",
            "email": "olena@example.org",
            "password": "12345",
            "privacy_consent": "on",
            "notice_version": "0",
        },
    )
    page = page_text(response)
    assert response.status_code == 200
    assert "Пароль закороткий: потрібно щонайменше 10 символів." in page
    assert "Пароль не може складатися лише з цифр" in page
    assert "не може складається" not in page
    assert "This password" not in page


def test_a_wrong_password_at_log_in_is_explained_plainly(community):
    resident = make_resident(community, level=Identity.EMAIL)
    response = client_for().post(
        reverse("core:login"), {"username": resident.email, "password": "not-the-password"}
    )
    page = page_text(response)
    assert "Неправильна електронна пошта або пароль." in page
    assert "чутливі до регістру" not in page


def test_password_reset_asks_for_the_e_mail_in_ukrainian(community):
    page = page_text(client_for().get(reverse("core:password_reset")))
    assert ">Електронна пошта" in page
    assert ">Email" not in page


def test_new_passwords_that_differ_are_refused_in_our_words(community):
    resident = make_resident(community, level=Identity.EMAIL)
    with translation.override("uk"):
        form = SetPasswordForm(
            resident,
            {"new_password1": "довгий-пароль-2026", "new_password2": "довгий-пароль-2027"},
        )
        assert not form.is_valid()
        assert form.errors["new_password2"] == [
            "Паролі не збігаються: введіть той самий пароль двічі."
        ]
        assert str(form.fields["new_password1"].help_text).startswith(
            "Не схожий на ваше ім’я чи адресу електронної пошти. Щонайменше 10 символів."
        )


def test_an_empty_choice_reads_as_words_not_dashes(community):
    with translation.override("uk"):
        select = str(LinkForm(community=community)["street"])
    assert '<option value="" selected>— оберіть —</option>' in select
    assert "---------" not in select


def test_home_names_the_community_in_the_genitive_when_it_is_known(community):
    community.name_genitive = "Чорноморської міської територіальної громади"
    community.save(update_fields=["name_genitive"])
    page = page_text(client_for().get(reverse("core:home")))
    assert "Онлайн-платформа Чорноморської міської територіальної громади: петиції" in page


def test_home_phrases_around_the_nominative_when_the_genitive_is_not_set(community):
    page = page_text(client_for().get(reverse("core:home")))
    assert "Онлайн-платформа: Чорноморська громада — петиції" in page


def test_demo_communities_carry_their_names_in_the_genitive():
    from hromada.budget.demo import _budget_of
    from hromada.core import demo

    chornomorsk, pivdenne = demo.load()
    assert pivdenne.name_genitive == "Південнівської міської територіальної громади"
    assert _budget_of(pivdenne) == (
        "Громадський бюджет Південнівської міської територіальної громади"
    )
    pivdenne.name_genitive = ""
    assert _budget_of(pivdenne) == (
        "Громадський бюджет — Південнівська міська територіальна громада"
    )


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, "щонайменше 1 голос"),
        (3, "щонайменше 3 голоси"),
        (8, "щонайменше 8 голосів"),
        (11, "щонайменше 11 голосів"),
        (21, "щонайменше 21 голос"),
        (24, "щонайменше 24 голоси"),
    ],
)
def test_counts_take_the_ukrainian_plural_form(count, expected):
    with translation.override("uk"):
        text = translation.ngettext(
            "at least %(n)s vote to win", "at least %(n)s votes to win", count
        ) % {"n": count}
    assert text.endswith(expected)


def test_ukrainian_catalogues_have_django_plural_rule_and_every_form():
    import django
    import polib
    from django.conf import settings

    djangos = polib.pofile(
        str(Path(django.__file__).parent / "conf/locale/uk/LC_MESSAGES/django.po")
    ).metadata["Plural-Forms"]
    catalogues = sorted(
        Path(settings.BASE_DIR, "hromada").glob("*/locale/uk/LC_MESSAGES/django.po")
    )
    assert catalogues
    for path in catalogues:
        catalogue = polib.pofile(str(path))
        assert catalogue.metadata["Plural-Forms"] == djangos, path
        for entry in catalogue:
            if entry.msgid_plural and not entry.obsolete:
                forms = [entry.msgstr_plural.get(n, "") for n in range(4)]
                assert all(forms), (path, entry.msgid)


def platform_operator(community):
    operator = make_resident(community, level=Identity.EMAIL)
    operator.is_staff = operator.is_superuser = True
    operator.save(update_fields=["is_staff", "is_superuser"])
    return operator


def test_back_office_names_third_party_apps_in_ukrainian(community):
    page = page_text(client_for(platform_operator(community)).get(reverse("admin:index")))
    assert "Спроби входу та блокування" in page
    assert "Спроби входу" in page
    assert "Результати фонових завдань" in page
    for english in ("Axes", "AXES", "Access attempts", "Task Results", "Tasks Database Backend"):
        assert english not in page


def test_back_office_filters_are_headed_by_their_names(community):
    client = client_for(platform_operator(community))
    page = page_text(client.get(reverse("admin:core_calendarday_changelist")))
    assert "За " not in page.split('id="changelist-filter"')[1]
    assert "Вид" in page.split('id="changelist-filter"')[1]
