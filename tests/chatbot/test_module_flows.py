"""Modules' flows through the web chat: petitions (find, read, sign) and the budget (vote)."""

from __future__ import annotations

from hromada.budget.models import Ballot
from hromada.core.models import Identity, StaffRole
from hromada.petitions.models import Signature, Topic
from tests.budget.helpers import admitted_projects, make_category, make_cycle, move_to
from tests.chatbot.test_webchat import datas, say
from tests.factories import client_for, make_resident, make_staff
from tests.petitions.conftest import make_collecting, set_rules


def test_find_read_and_sign_a_petition(community):
    administrator = make_staff(community, StaffRole.Role.ADMINISTRATOR)
    set_rules(community, administrator, threshold=3, collection_days=30)
    topic = Topic.objects.create(community=community, name="Транспорт")
    author = make_resident(community)
    moderator = make_staff(community, StaffRole.Role.MODERATOR)
    petition = make_collecting(community, author, topic, moderator)
    visitor = client_for(None)
    replies = say(visitor, data="f:petitions.find")
    assert f"p:{petition.pk}" in datas(replies[-1])
    replies = say(visitor, text="перехід школи")
    assert f"p:{petition.pk}" in datas(replies[-1])
    replies = say(visitor, data=f"p:{petition.pk}")
    assert petition.title in replies[-1]["text"]
    replies = say(visitor, data=f"s:{petition.pk}")
    assert "f:chatbot.link" in datas(replies[-1])  # a visitor is told to link first
    weak = client_for(make_resident(community, level=Identity.EMAIL))
    say(weak, data="f:petitions.find")
    replies = say(weak, data=f"s:{petition.pk}")
    assert "ID.GOV.UA" in replies[-1]["text"]
    signer = make_resident(community)
    client = client_for(signer)
    say(client, data="f:petitions.find")
    say(client, data=f"s:{petition.pk}")
    signature = Signature.objects.get(petition=petition, resident=signer)
    assert signature.notify_on_answer
    replies = say(client, data=f"s:{petition.pk}")  # again: refused by the service
    assert Signature.objects.filter(petition=petition, resident=signer).count() == 1


def test_vote_in_the_participatory_budget(community):
    cycle = make_cycle(community)
    category = make_category(cycle)
    projects = admitted_projects(community, category, 3)
    move_to(cycle, "voting")
    voter = make_resident(community)
    client = client_for(voter)
    replies = say(client, data="f:budget.projects")
    assert "b:vote" in datas(replies[-1])
    replies = say(client, data="b:vote")
    replies = say(client, data=f"g:{category.pk}")
    say(client, data=f"v:{projects[0].pk}")
    replies = say(client, data="d:ok")
    assert Ballot.objects.filter(category=category).count() == 1
    assert (
        "receipt" in replies[-1]["text"].lower()
        or "квитанц" in replies[-1]["text"].lower()
        or ":" in replies[-1]["text"]
    )


def test_cnap_service_card_join_and_book(community):
    from hromada.cnap.models import Booking, Ticket
    from tests.cnap.conftest import make_office, make_service

    office = make_office(community)
    passport = make_service(
        community,
        "Оформлення паспорта громадянина України у формі ID-картки",
        "00001",
        documents="Свідоцтво про народження\nДовідка про реєстрацію",
        duration_minutes=15,
    )
    from hromada.cnap.models import Desk

    Desk.objects.create(office=office, number=1).services.set([passport])
    visitor = client_for(None)
    replies = say(visitor, data="f:cnap.find")
    assert f"s:{passport.pk}" in datas(replies[-1])
    replies = say(visitor, text="паспорт")
    replies = say(visitor, data=f"s:{passport.pk}")
    assert "Свідоцтво про народження" in replies[-1]["text"]
    replies = say(visitor, data=f"q:{passport.pk}")
    assert "f:chatbot.link" in datas(replies[-1])
    resident = make_resident(community, level=Identity.EMAIL)
    client = client_for(resident)
    say(client, data="f:cnap.find")
    replies = say(client, data=f"q:{passport.pk}")
    assert Ticket.objects.filter(resident=resident).count() == 1, replies
    assert Ticket.objects.filter(resident=resident).count() == 1
    say(client, data="f:cnap.find")
    replies = say(client, data=f"b:{passport.pk}")
    slot = next(d for d in datas(replies[-1]) if d.startswith("t:"))
    say(client, data=slot)
    booking = Booking.objects.get(resident=resident)
    replies = say(client, data="f:cnap.mine")
    assert f"c:{booking.pk}" in datas(replies[-1])
    say(client, data=f"c:{booking.pk}")
    booking.refresh_from_db()
    assert booking.status != "booked"
