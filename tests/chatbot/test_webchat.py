"""The web chat, and through it the engine: menus, levels, linking, free text, a whole report."""

from __future__ import annotations

import pytest

from hromada.appeals import services as appeal_services
from hromada.appeals.models import Appeal
from hromada.chatbot.models import Chat, ChatMessage, KnowledgeGap
from hromada.chatbot.services import import_knowledge
from hromada.chatbot.services_chat import create_link_code, staff_reply
from hromada.core.models import Department, Identity, StaffRole
from tests.factories import client_for, make_resident, make_staff

LAT, LON = 46.3001, 30.6552


def say(client, text="", data="", **extra):
    response = client.post("/chatbot/chat/send/", {"text": text, "data": data, **extra})
    assert response.status_code == 200, response.content
    return response.json()["replies"]


def datas(reply) -> list[str]:
    return [button["data"] for row in reply["buttons"] for button in row]


def answer_questions(client, replies):
    """Answer a category's required questions (the first choice, or some text)."""
    for _ in range(5):
        if replies[-1]["request_location"]:
            return replies
        choices = [d for d in datas(replies[-1]) if d.startswith("v:")]
        replies = say(client, data=choices[0]) if choices else say(client, text="так")
    return replies


@pytest.fixture
def categories(community):
    Department.objects.create(
        community=community, name="Управління житлово-комунального господарства"
    )
    Department.objects.create(community=community, name="КП «Водоканал»")
    appeal_services.install_default_categories(community=community)


def test_the_page_works_for_a_visitor_without_inline_script(community, client):
    response = client.get("/chatbot/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'src="/static/chatbot/webchat.js"' in page
    assert "<script>" not in page


def test_menu_and_submenu(community, client):
    replies = say(client, data="x:menu")
    assert datas(replies[-1])[:3] == ["m:services", "m:power", "m:community"]
    replies = say(client, data="m:power")
    assert "f:appeals.report" in datas(replies[-1])


def test_typed_markup_comes_back_as_text(community, client):
    import_knowledge(
        community=community,
        items=[
            {"id": "x", "question": "Графік ЦНАП", "variants": [], "answer": "9-18", "tags": []}
        ],
        actor=None,
    )
    say(client, text="<img src=x onerror=alert(1)>")
    stored = ChatMessage.objects.filter(direction="in").last()
    assert stored.text == "<img src=x onerror=alert(1)>"


def test_a_visitor_is_asked_to_link_before_a_flow_that_needs_an_account(
    community, client, categories
):
    replies = say(client, data="f:appeals.report")
    assert "f:chatbot.link" in datas(replies[-1])
    assert Chat.objects.get(channel="web").step == ""


def test_a_weak_account_is_told_how_to_identify_for_strong_flows(community):
    from hromada.chatbot.engine import Conversation, level_refusal

    resident = make_resident(community, level=Identity.EMAIL)
    chat = Chat.objects.create(
        community=community, channel="web", external_id="k", resident=resident
    )
    reply = level_refusal(Conversation(chat), Identity.STRONG)
    assert "ID.GOV.UA" in reply.text


def test_a_signed_in_resident_reports_a_problem_in_four_steps(community, categories):
    resident = make_resident(community, level=Identity.EMAIL)
    client = client_for(resident)
    replies = say(client, data="f:appeals.report")
    choices = datas(replies[-1])
    if choices[0].startswith("g:"):
        choices = datas(say(client, data=choices[0])[-1])
    assert choices[0].startswith("c:")
    replies = answer_questions(client, say(client, data=choices[0]))
    assert replies[-1]["request_location"]
    say(client, data="x:location", lat=LAT, lon=LON)
    replies = say(client, text="Яма на дорозі біля зупинки")
    assert "p:skip" in datas(replies[-1])
    replies = say(client, data="p:skip")
    appeal = Appeal.objects.get(author=resident)
    assert appeal.channel == Appeal.Channel.CHATBOT
    assert appeal.number in replies[-1]["text"]
    assert Chat.objects.get(channel="web").step == ""


def test_a_typed_address_is_matched_to_the_registry(community, categories):
    resident = make_resident(community, level=Identity.EMAIL)
    client = client_for(resident)
    replies = say(client, data="f:appeals.report")
    choices = datas(replies[-1])
    if choices[0].startswith("g:"):
        choices = datas(say(client, data=choices[0])[-1])
    answer_questions(client, say(client, data=choices[0]))
    replies = say(client, text="вулиця Неіснуюча 5")
    assert replies[-1]["request_location"]  # asked again
    say(client, text="проспект Миру, 10")
    say(client, text="Не світить ліхтар")
    say(client, data="p:skip")
    appeal = Appeal.objects.get(author=resident)
    assert appeal.street is not None and "Миру" in appeal.address


def test_linking_a_chat_with_a_one_time_code(community, client):
    resident = make_resident(community, level=Identity.EMAIL)
    code = create_link_code(resident=resident, community=community)
    say(client, data="x:menu")
    say(client, text=f"/link {code}")
    assert Chat.objects.get(channel="web").resident == resident
    # The code works once.
    other = client_for(None)
    say(other, text=f"/link {code}")
    assert Chat.objects.filter(resident=resident).count() == 1


def test_another_communitys_code_does_not_link(community, other_community):
    resident = make_resident(other_community, level=Identity.EMAIL)
    code = create_link_code(resident=resident, community=other_community)
    client = client_for(None)
    say(client, text=f"/link {code}")
    assert not Chat.objects.filter(resident=resident).exists()


def test_the_link_page_gives_a_code(community):
    resident = make_resident(community, level=Identity.EMAIL)
    client = client_for(resident)
    assert client.get("/chatbot/link/").status_code == 200
    response = client.post("/chatbot/link/", {"action": "code"})
    assert response.status_code == 200 and response.context["code"]


def test_free_text_answered_suggested_or_handed_over(community, client):
    import_knowledge(
        community=community,
        items=[
            {
                "id": "cnap-hours",
                "question": "Який графік роботи ЦНАП?",
                "variants": ["коли працює цнап", "години роботи центру адмінпослуг"],
                "answer": "ЦНАП працює з 8:00 до 17:00.",
                "tags": ["цнап"],
            },
            {
                "id": "water-outage",
                "question": "Коли дадуть воду?",
                "variants": ["нема води", "відключили воду"],
                "answer": "Графік відключень води на сайті водоканалу.",
                "tags": ["вода"],
            },
        ],
        actor=None,
    )
    replies = say(client, text="Який графік роботи ЦНАП?")
    assert "8:00" in replies[-1]["text"]
    assert ChatMessage.objects.filter(outcome="answered", answer_key="cnap-hours").exists()
    say(client, text="Скільки коштує квиток на концерт оркестру в суботу ввечері")
    chat = Chat.objects.get(channel="web")
    asked = ChatMessage.objects.filter(chat=chat, direction="in").last()
    assert asked.outcome in ("suggested", "handover")
    assert KnowledgeGap.objects.filter(community=community).exists()


def test_a_staff_reply_reaches_the_web_chat(community, client, django_capture_on_commit_callbacks):
    staff = make_staff(community, StaffRole.Role.STAFF)
    say(client, data="h:person")
    chat = Chat.objects.get(channel="web")
    assert chat.handover == "waiting"
    with django_capture_on_commit_callbacks(execute=True):
        staff_reply(
            staff=staff, community=community, chat_id=chat.pk, text="Добрий день! Відповідаю."
        )
    data = client.get("/chatbot/chat/messages/", {"after": 0}).json()
    assert [m["text"] for m in data["messages"]] == ["Добрий день! Відповідаю."]


def test_bad_input_never_breaks(community, client):
    for text in ("\x00", "a" * 10000, "f:nonexistent.flow", "k:999999999999999", "x:" + "y" * 60):
        response = client.post("/chatbot/chat/send/", {"text": text})
        assert response.status_code in (200, 400)
    for data in ("f:nope", "k:abc", "m:zzz", "\x00"):
        response = client.post("/chatbot/chat/send/", {"data": data})
        assert response.status_code in (200, 400)
    assert client.get("/chatbot/chat/messages/", {"after": "zz"}).status_code == 200
