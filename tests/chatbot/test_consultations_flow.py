"""Consultations through the web chat: the list, a card, following, answering a survey."""

from __future__ import annotations

from hromada.chatbot.models import Chat, ChatMessage
from hromada.consultations.models import (
    Answer,
    Consultation,
    Response,
    ResponseKey,
    Subscription,
    Topic,
)
from hromada.core.models import Identity, StaffRole
from tests.chatbot.test_webchat import datas, say
from tests.consultations.conftest import make_consultation, open_draft, open_survey
from tests.factories import client_for, make_resident, make_staff

CHAT_QUESTIONS = [
    {
        "kind": "single",
        "text": "Як часто ви їздите автобусом?",
        "required": True,
        "options": ["Щодня", "Щотижня", "Рідко"],
    },
    {
        "kind": "short",
        "text": "Чому рідко?",
        "required": True,
        "condition": {"join": "and", "rules": [{"question": 1, "test": "equals", "value": 2}]},
    },
    {"kind": "multiple", "text": "Які маршрути потрібні?", "options": ["№1", "№2", "№3"]},
    {"kind": "scale", "text": "Оцініть мережу", "minimum": 1, "maximum": 5, "required": True},
    {"kind": "number", "text": "Скільки хвилин чекаєте?", "minimum": 0, "maximum": 180},
    {"kind": "date", "text": "Коли востаннє їздили?"},
    {"kind": "short", "text": "Ваша зупинка"},
]


def moderator_of(community):
    return make_staff(community, StaffRole.Role.MODERATOR)


def texts(replies) -> str:
    return "\n".join(reply["text"] for reply in replies)


def answer_all(client, survey, *, stop="Порт <b>1</b>") -> list:
    """Answer CHAT_QUESTIONS in the chat, with one wrong number on the way."""
    replies = say(client, data=f"s:{survey.pk}")
    assert "Як часто" in replies[-1]["text"]
    assert "a:skip" not in datas(replies[-1])  # required
    replies = say(client, data="a:2")  # «Рідко»: the conditional question follows
    assert "Чому рідко?" in replies[-1]["text"]
    replies = say(client, text="Далеко до зупинки")
    assert "Які маршрути" in replies[-1]["text"]
    say(client, data="t:0")
    replies = say(client, data="t:2")
    assert "✅ №3" in [b["text"] for row in replies[-1]["buttons"] for b in row]
    replies = say(client, data="a:done")
    assert datas(replies[-1])[:5] == ["a:1", "a:2", "a:3", "a:4", "a:5"]
    replies = say(client, data="a:4")
    replies = say(client, text="500")  # over the highest value: the site's error
    assert "180" in replies[-1]["text"] and "Скільки хвилин" in replies[-1]["text"]
    replies = say(client, text="12,5")
    assert "Коли востаннє" in replies[-1]["text"]
    replies = say(client, text="30.11.2026")
    assert "Ваша зупинка" in replies[-1]["text"]
    replies = say(client, text=stop)
    assert "a:send" in datas(replies[-1])
    return say(client, data="a:send")


def test_a_visitor_sees_open_consultations_and_is_asked_to_link_to_answer(community):
    moderator = moderator_of(community)
    survey = open_survey(community, moderator, questions=CHAT_QUESTIONS, title="Автобуси")
    draft = open_draft(community, moderator)
    make_consultation(
        community, moderator, "survey", start=5, title="Майбутнє опитування"
    )  # in preparation: not shown
    visitor = client_for(None)
    replies = say(visitor, data="m:power")
    assert "f:consultations.open" in datas(replies[-1])
    replies = say(visitor, data="f:consultations.open")
    assert {f"o:{survey.pk}", f"o:{draft.pk}"} <= set(datas(replies[-1]))
    assert "Майбутнє опитування" not in texts(replies)
    replies = say(visitor, data=f"o:{survey.pk}")
    assert "Автобуси" in replies[-1]["text"]
    assert f"s:{survey.pk}" in datas(replies[-1])
    replies = say(visitor, data=f"s:{survey.pk}")
    assert "f:chatbot.link" in datas(replies[-1])
    assert not Response.objects.exists()


def test_answer_an_identified_survey_question_by_question(community):
    moderator = moderator_of(community)
    survey = open_survey(community, moderator, questions=CHAT_QUESTIONS)
    resident = make_resident(community, level=Identity.EMAIL)
    client = client_for(resident)
    say(client, data="f:consultations.open")
    say(client, data=f"o:{survey.pk}")
    replies = answer_all(client, survey)
    assert "Thank you" in replies[-1]["text"] or "Дякуємо" in replies[-1]["text"]
    response = Response.objects.get(consultation=survey)
    assert response.resident == resident
    stored = {
        answer.question.position: answer
        for answer in Answer.objects.filter(response=response).select_related("question")
    }
    assert stored[1].option == 2
    assert stored[2].text == "Далеко до зупинки"
    assert sorted(
        a.option for a in Answer.objects.filter(response=response, question__position=3)
    ) == [0, 2]
    assert stored[4].number == 4
    assert stored[5].number == 12.5
    assert str(stored[6].day) == "2026-11-30"
    assert stored[7].text == "Порт <b>1</b>"
    # The conversation keeps no answer: typed texts and pressed options are "[answer]".
    kept = list(ChatMessage.objects.filter(direction="in").values_list("text", flat=True))
    assert "Далеко до зупинки" not in kept and "Порт <b>1</b>" not in kept
    assert "[answer]" in kept
    chat = Chat.objects.get(resident=resident)
    assert f"survey:{survey.pk}" not in (chat.data.get("saved") or {})
    # Once per person: the card says so and a second start is refused.
    replies = say(client, data="f:consultations.open")
    replies = say(client, data=f"o:{survey.pk}")
    assert f"s:{survey.pk}" not in datas(replies[-1])
    replies = say(client, data=f"s:{survey.pk}")
    assert Response.objects.filter(consultation=survey).count() == 1


def test_an_anonymous_survey_keeps_no_name_and_one_response(community):
    moderator = moderator_of(community)
    survey = open_survey(community, moderator, anonymous=True, questions=CHAT_QUESTIONS)
    resident = make_resident(community, level=Identity.EMAIL)
    client = client_for(resident)
    say(client, data="f:consultations.open")
    replies = say(client, data=f"o:{survey.pk}")
    assert "anonymous" in replies[-1]["text"].lower() or "анонім" in replies[-1]["text"].lower()
    answer_all(client, survey, stop="Вокзал")
    response = Response.objects.get(consultation=survey)
    assert response.resident is None
    assert ResponseKey.objects.filter(consultation=survey).count() == 1
    kept = " ".join(ChatMessage.objects.values_list("text", flat=True))
    assert "Вокзал" not in kept and "Далеко" not in kept
    say(client, data="f:consultations.open")
    replies = say(client, data=f"s:{survey.pk}")
    assert Response.objects.filter(consultation=survey).count() == 1
    assert "a:send" not in datas(replies[-1])


def test_progress_is_saved_when_the_resident_leaves_and_comes_back(community):
    moderator = moderator_of(community)
    survey = open_survey(community, moderator, questions=CHAT_QUESTIONS)
    client = client_for(make_resident(community, level=Identity.EMAIL))
    say(client, data="f:consultations.open")
    say(client, data=f"s:{survey.pk}")
    say(client, data="a:0")  # «Щодня»: the conditional question stays hidden
    replies = say(client, data="x:menu")  # away to the menu
    replies = say(client, data="f:consultations.open")
    replies = say(client, data=f"s:{survey.pk}")
    assert "Які маршрути" in replies[-1]["text"]  # goes on at the third question
    replies = say(client, data="a:later")
    assert not Response.objects.exists()
    say(client, data="f:consultations.open")
    replies = say(client, data=f"s:{survey.pk}")
    assert "Які маршрути" in replies[-1]["text"]
    replies = say(client, data="a:restart")
    assert "Як часто" in replies[-1]["text"]


def test_required_answers_and_a_wrong_date_are_asked_again(community):
    moderator = moderator_of(community)
    survey = open_survey(community, moderator, questions=CHAT_QUESTIONS)
    client = client_for(make_resident(community, level=Identity.EMAIL))
    say(client, data="f:consultations.open")
    say(client, data=f"s:{survey.pk}")
    replies = say(client, data="a:skip")  # required: not skipped
    assert "Як часто" in replies[-1]["text"]
    replies = say(client, text="щотижня")  # an option typed instead of pressed
    assert "Які маршрути" in replies[-1]["text"]
    replies = say(client, data="a:done")  # nothing chosen, optional: skipped
    assert "Оцініть" in replies[-1]["text"]
    say(client, data="a:3")
    say(client, data="a:skip")
    replies = say(client, text="31.02.2026")
    assert "Коли востаннє" in replies[-1]["text"]  # no such day: asked again
    replies = say(client, data="a:today")
    assert "Ваша зупинка" in replies[-1]["text"]
    replies = say(client, data="a:skip")
    say(client, data="a:send")
    response = Response.objects.get(consultation=survey)
    positions = set(
        Answer.objects.filter(response=response).values_list("question__position", flat=True)
    )
    assert positions == {1, 4, 6}


def test_matrix_ranking_and_long_text_link_to_the_web_form(community):
    moderator = moderator_of(community)
    questions = [
        {"kind": "single", "text": "Чи їздите ви?", "required": True, "options": ["Так", "Ні"]},
        {"kind": "ranking", "text": "Що важливіше?", "options": ["Частота", "Ціна"]},
        {
            "kind": "matrix_single",
            "text": "Оцініть маршрути",
            "required": True,
            "options": ["Погано", "Добре"],
            "rows": ["№1", "№2"],
        },
    ]
    survey = open_survey(community, moderator, questions=questions)
    client = client_for(make_resident(community, level=Identity.EMAIL))
    say(client, data="f:consultations.open")
    say(client, data=f"s:{survey.pk}")
    replies = say(client, data="a:0")
    urls = [b["url"] for row in replies[-1]["buttons"] for b in row if b["url"]]
    assert any(url.endswith(f"/consultations/{survey.pk}/survey/") for url in urls)
    assert "a:skip" in datas(replies[-1])  # the ranking is optional
    replies = say(client, data="a:skip")
    assert "Оцініть маршрути" in replies[-1]["text"]
    assert "a:skip" not in datas(replies[-1]) and "a:send" not in datas(replies[-1])
    assert Chat.objects.get(channel="web").step == ""  # required: answered on the site
    assert not Response.objects.exists()


def test_a_resident_without_a_confirmed_email_is_told_how_to_answer(community):
    moderator = moderator_of(community)
    survey = open_survey(community, moderator, questions=CHAT_QUESTIONS)
    client = client_for(make_resident(community, level=Identity.NONE))
    say(client, data="f:consultations.open")
    replies = say(client, data=f"s:{survey.pk}")
    assert "/profile/" in replies[-1]["text"]
    assert not Response.objects.exists()


def test_follow_the_topic_of_a_consultation(community):
    moderator = moderator_of(community)
    topic = Topic.objects.create(community=community, name="Транспорт")
    survey = open_survey(community, moderator, questions=CHAT_QUESTIONS, topic=topic)
    visitor = client_for(None)
    say(visitor, data="f:consultations.open")
    replies = say(visitor, data=f"w:{survey.pk}")
    assert "f:chatbot.link" in datas(replies[-1])
    resident = make_resident(community, level=Identity.EMAIL)
    client = client_for(resident)
    say(client, data="f:consultations.open")
    replies = say(client, data=f"o:{survey.pk}")
    assert f"w:{survey.pk}" in datas(replies[-1])
    replies = say(client, data=f"w:{survey.pk}")
    assert "Транспорт" in replies[-1]["text"]
    say(client, data=f"w:{survey.pk}")  # twice: still one subscription
    assert Subscription.objects.filter(resident=resident, topic=topic).count() == 1


def test_another_communitys_consultation_is_not_found(community):
    from tests.factories import make_community

    other = make_community("odesa")
    survey = open_survey(other, moderator_of(other), questions=CHAT_QUESTIONS, title="Чуже")
    client = client_for(make_resident(community, level=Identity.EMAIL))
    say(client, data="f:consultations.open")
    replies = say(client, data=f"o:{survey.pk}")
    assert "Чуже" not in texts(replies)
    replies = say(client, data=f"s:{survey.pk}")
    assert not Response.objects.exists()
    assert Consultation.objects.filter(community=community).count() == 0


def test_in_telegram_an_answer_leaves_no_text_in_the_raw_update(
    community, tg_bot, telegram, post_telegram
):
    from hromada.chatbot.models import Update
    from tests.support.telegram_api import callback_update, message_update

    survey = open_survey(
        community,
        moderator_of(community),
        anonymous=True,
        questions=[{"kind": "short", "text": "Ваша зупинка", "required": True}],
    )
    post_telegram(tg_bot, message_update(1, 701, "/start"))
    resident = make_resident(community, level=Identity.EMAIL)
    Chat.objects.filter(bot=tg_bot).update(resident=resident)
    post_telegram(tg_bot, callback_update(2, 701, f"s:{survey.pk}"))  # no flow yet: the menu
    post_telegram(tg_bot, callback_update(3, 701, "f:consultations.open"))
    post_telegram(tg_bot, callback_update(4, 701, f"s:{survey.pk}"))
    assert "Ваша зупинка" in telegram.sent[-1]["text"]
    post_telegram(tg_bot, message_update(5, 701, "Вулиця Миру"))
    post_telegram(tg_bot, callback_update(6, 701, "a:send"))
    assert Answer.objects.get(question__consultation=survey).text == "Вулиця Миру"
    assert Response.objects.get(consultation=survey).resident is None
    payloads = {row.key: row.payload for row in Update.objects.filter(bot=tg_bot)}
    assert payloads["5"] == {"redacted": True} and payloads["6"] == {"redacted": True}
    assert payloads["1"] != {"redacted": True}
    assert "Вулиця Миру" not in " ".join(ChatMessage.objects.values_list("text", flat=True))


def test_an_old_card_button_pressed_mid_survey_is_not_an_answer(community):
    survey = open_survey(community, moderator_of(community), questions=CHAT_QUESTIONS)
    resident = make_resident(community, level=Identity.EMAIL)
    client = client_for(resident)
    say(client, data="f:consultations.open")
    say(client, data=f"s:{survey.pk}")
    replies = say(client, data=f"s:{survey.pk}")  # the card's button again, inside the survey
    assert "Як часто" in replies[-1]["text"]
    replies = say(client, data=f"o:{survey.pk}")
    assert "Як часто" in replies[-1]["text"]
    saved = Chat.objects.get(resident=resident).data["saved"][f"survey:{survey.pk}"]
    assert saved["answers"] == {}


def test_a_response_the_service_refuses_at_sending_is_asked_again(community):
    """The service checks the whole response again: what it refuses is asked anew."""
    questions = [
        {"kind": "single", "text": "Чи їздите ви?", "required": True, "options": ["Так", "Ні"]},
        {"kind": "scale", "text": "Оцініть мережу", "minimum": 1, "maximum": 5, "required": True},
    ]
    survey = open_survey(community, moderator_of(community), questions=questions)
    resident = make_resident(community, level=Identity.EMAIL)
    client = client_for(resident)
    say(client, data="f:consultations.open")
    say(client, data=f"s:{survey.pk}")
    say(client, data="a:0")
    replies = say(client, data="a:4")
    assert "a:send" in datas(replies[-1])
    chat = Chat.objects.get(resident=resident)
    chat.data["saved"][f"survey:{survey.pk}"]["answers"]["2"] = 9  # out of the scale
    chat.save()
    replies = say(client, data="a:send")
    assert "Оцініть мережу" in replies[-1]["text"] and "5" in replies[-1]["text"]
    assert not Response.objects.exists()
    say(client, data="a:3")
    say(client, data="a:send")
    assert Answer.objects.get(question__position=2).number == 3
