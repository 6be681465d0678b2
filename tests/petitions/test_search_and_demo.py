"""Search stems in Ukrainian, and the demo data in every state."""

import pytest

from hromada.core import demo as core_demo
from hromada.petitions import demo
from hromada.petitions.models import Petition, Signature
from hromada.petitions.selectors import search_terms


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("Парку", ["парк"]),
        ("зупинках транспорту", ["зупинк", "транспорт"]),
        ("сім’ї", ["сім'"]),  # the apostrophe folded; сім'я, сім'ю match too
        ("ЦНАП 20:00", ["цнап", "20", "00"]),
        ("a і в", []),
        ("", []),
    ],
)
def test_search_terms_drop_case_endings_and_short_words(query, terms):
    assert search_terms(query) == terms


def test_search_takes_at_most_eight_words():
    assert len(search_terms("слово " * 20)) == 8


@pytest.mark.django_db
def test_demo_has_every_state_and_hundreds_of_signatures():
    """Chornomorsk gets a dozen petitions in every state; loading twice adds nothing."""
    chornomorsk, pivdenne = core_demo.load()
    demo.load(chornomorsk)
    demo.load(pivdenne)
    petitions = Petition.objects.filter(community=chornomorsk)
    assert petitions.count() >= 12
    assert set(petitions.values_list("status", flat=True)) == set(Petition.Status.values)
    assert set(petitions.filter(status="answered").values_list("outcome", flat=True)) == set(
        Petition.Outcome.values
    )
    assert Signature.objects.filter(community=chornomorsk).count() >= 1000
    for petition in petitions:
        assert petition.signature_count == petition.signatures.count()
    rejected = petitions.filter(rejection_reason="duplicate").get()
    assert rejected.duplicate_of.status == Petition.Status.COLLECTING
    assert Petition.objects.filter(community=pivdenne).exists()
    before = Signature.objects.count()
    demo.load(chornomorsk)
    assert Signature.objects.count() == before
    assert Petition.objects.filter(community=chornomorsk).count() == petitions.count()
