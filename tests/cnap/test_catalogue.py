"""The public catalogue: search tolerant of Ukrainian word forms, browsing, the demo."""

import pytest
from django.core.management import call_command

from hromada.cnap import board, selectors
from hromada.cnap.models import Desk, LifeSituation, Office, Service, Ticket
from tests.cnap.conftest import make_service

pytestmark = pytest.mark.django_db


def names(found):
    return sorted(service.code for service in found)


@pytest.fixture
def catalogue(community):
    birth = LifeSituation.objects.create(
        community=community, name="Народження дитини", slug="birth"
    )
    services = [
        make_service(
            community, "Оформлення паспорта громадянина України для виїзду за кордон", "1"
        ),
        make_service(community, "Державна реєстрація народження дитини", "2"),
        make_service(community, "Призначення житлової субсидії", "3", provider_name="УСЗН"),
        make_service(community, "Витяг з Державного земельного кадастру", "4", is_active=False),
    ]
    services[1].life_situations.add(birth)
    return services


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("паспорт", ["1"]),
        ("паспорта", ["1"]),
        ("паспортом", ["1"]),
        ("ПАСПОРТИ", ["1"]),
        ("реєстрація народження", ["2"]),
        ("реєстрацію народженню", ["2"]),
        ("субсидію", ["3"]),
        ("субсидії житлові", ["3"]),
        ("кадастр", []),  # not offered
        ("трактор", []),
    ],
)
def test_search_finds_word_forms(community, catalogue, query, codes):
    assert names(selectors.catalogue(community=community, query=query)) == codes


def test_browse_by_life_situation_and_provider(community, catalogue):
    birth = LifeSituation.objects.get(slug="birth")
    assert names(selectors.catalogue(community=community, situation=birth)) == ["2"]
    assert names(selectors.catalogue(community=community, provider="УСЗН")) == ["3"]
    assert "УСЗН" in selectors.providers(community=community)


def test_stems_drop_endings_but_keep_short_words():
    assert selectors.search_terms("Паспортів ФОП") == ["паспорт", "фоп"]
    assert selectors.search_terms("п’ять") == ["пять"]


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (1, "один"),
        (5, "п'ять"),
        (11, "одинадцять"),
        (19, "дев'ятнадцять"),
        (20, "двадцять"),
        (23, "двадцять три"),
        (40, "сорок"),
        (99, "дев'яносто дев'ять"),
        (100, "сто"),
        (101, "сто один"),
        (212, "двісті дванадцять"),
        (340, "триста сорок"),
        (999, "дев'ятсот дев'яносто дев'ять"),
    ],
)
def test_numbers_are_read_in_ukrainian(number, words):
    assert board.number_words(number) == words


def test_call_phrase_reads_ticket_and_desk():
    assert board.call_phrase("А", 23, 5) == "Талон А двадцять три, вікно номер п'ять"
    assert board.call_phrase("Z", 999, 99) == (
        "Талон Z дев'ятсот дев'яносто дев'ять, вікно номер дев'яносто дев'ять"
    )
    assert board.spoken_phrase("Б", 7, 12) == "Талон Бе сім, вікно номер дванадцять"


@pytest.mark.parametrize("number", [0, 1000])
def test_numbers_out_of_range_are_refused(number):
    with pytest.raises(ValueError):
        board.number_words(number)


def test_every_ticket_and_desk_reads_as_words():
    """A1–Z999 and desks 1–99 all give words, no digits left."""
    for number in range(1, 1000):
        assert not any(char.isdigit() for char in board.number_words(number))


def test_demo_builds_the_centre_and_a_live_day():
    call_command("seed_demo", verbosity=0)
    central = Office.objects.get(community__slug="chornomorsk", kind="central")
    assert Desk.objects.filter(office=central).count() == 12
    remote = Office.objects.filter(community__slug="chornomorsk", kind="remote")
    assert sorted(office.address.split(", ")[2] for office in remote) == [
        "с. Бурлача Балка",
        "с. Малодолинське",
        "смт Олександрівка",
    ]
    assert Service.objects.filter(community__slug="chornomorsk").count() >= 55
    today = Ticket.objects.filter(office=central, day=selectors.timezone.localdate())
    assert today.filter(status="waiting").exists()
    assert today.filter(status__in=["called", "serving"]).exists()
    # Running it again adds nothing.
    before = Ticket.objects.count()
    call_command("seed_demo", verbosity=0)
    assert Ticket.objects.count() == before
