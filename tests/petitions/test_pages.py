"""The petition pages, used as residents and staff use them."""

import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from hromada.core.models import Identity, StaffRole
from hromada.petitions import services, views
from hromada.petitions.models import Petition, Signature, Topic
from tests.factories import client_for, make_resident, make_staff
from tests.petitions.conftest import TEXT, make_collecting, make_draft, sign_by_new_residents

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return response.content.decode()


# List ---------------------------------------------------------------------


@pytest.fixture
def catalogue(community, author, topic, moderator, rules):
    """Three published petitions on two topics, a draft and a hidden one."""
    parks = Topic.objects.create(community=community, name="Благоустрій")
    crossing = make_collecting(community, author, topic, moderator)
    park = make_collecting(
        community,
        author,
        parks,
        moderator,
        title="Відремонтувати ПАРК «Приморський»",
        text="Просимо відремонтувати доріжки і лави в парку, встановити освітлення та урни.",
    )
    bus = make_collecting(
        community,
        author,
        topic,
        moderator,
        title="Запровадити нічний автобус до Одеси",
        text="Просимо запровадити нічний автобусний маршрут з інтервалом не більше години.",
    )
    sign_by_new_residents(park, 2)
    make_draft(community, author, topic, title="Чернетка, яку ніхто не бачить")
    hidden = make_collecting(community, author, topic, moderator, title="Прихована петиція тут")
    services.hide_petition(petition=hidden, moderator=moderator, reason="Образи.")
    return {"crossing": crossing, "park": park, "bus": bus, "hidden": hidden, "parks": parks}


def test_list_shows_public_petitions_only(catalogue):
    text = page(client_for().get("/petitions/"))
    assert "Відремонтувати ПАРК" in text and "нічний автобус" in text
    assert "Чернетка, яку ніхто не бачить" not in text
    assert "Прихована петиція" not in text
    assert "Знайдено 3 петиції" in text


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("парк", "park"),  # lower case finds upper case, in Cyrillic, on SQLite too
        ("ПАРКУ", "park"),  # another case ending finds the stem
        ("автобусний маршрут", "bus"),
        ("школи", "crossing"),
    ],
)
def test_search_in_ukrainian(catalogue, query, found):
    response = client_for().get("/petitions/", {"q": query})
    text = page(response)
    assert catalogue[found].title.replace("«", "&laquo;") in text or catalogue[found].title in text
    others = {key for key in ("crossing", "park", "bus") if key != found}
    for key in others:
        assert catalogue[key].title not in text


def test_search_without_results_says_so(catalogue):
    text = page(client_for().get("/petitions/", {"q": "космодром"}))
    assert "Жодна петиція не відповідає пошуку" in text


def test_filters_and_sorting(catalogue):
    by_topic = page(client_for().get("/petitions/", {"topic": catalogue["parks"].pk}))
    assert "ПАРК" in by_topic and "нічний автобус" not in by_topic
    signed = page(client_for().get("/petitions/", {"sort": "signed"}))
    assert signed.index("ПАРК") < signed.index("нічний автобус")
    answered = page(client_for().get("/petitions/", {"status": "answered"}))
    assert "Знайдено 0 петицій" in answered


def test_forged_filter_values_are_ignored(catalogue):
    """An unknown status or topic shows the form error, not a crash or another community's data."""
    response = client_for().get("/petitions/", {"status": "hacked", "topic": "999", "sort": "x"})
    assert response.status_code == 200
    assert "Знайдено 3 петиції" in page(response)


def test_list_is_paginated(community, author, topic, moderator, rules):
    for number in range(12):
        make_collecting(community, author, topic, moderator, title=f"Петиція номер {number:02d}")
    first = page(client_for().get("/petitions/"))
    second = page(client_for().get("/petitions/", {"page": 2}))
    assert "Сторінка 1 з 2" in first
    assert "Петиція номер 11" in first and "Петиція номер 00" in second


def test_empty_list(community):
    assert "Ще не оприлюднено жодної петиції" in page(client_for().get("/petitions/"))


# Petition page ------------------------------------------------------------


def test_petition_page_shows_everything_a_reader_needs(collecting, community):
    signer = make_resident(community, full_name="Підписант Петро Іванович")
    services.sign_petition(petition=collecting, resident=signer)
    collecting.refresh_from_db()
    text = page(client_for().get(collecting.get_absolute_url()))
    assert collecting.title in text
    assert "Авторенко Олена Петрівна" in text
    assert 'role="progressbar"' in text and 'aria-valuenow="1"' in text
    assert "1 підпис із 3 потрібних" in text
    assert "залишилося 29 днів" in text or "залишилося 30 днів" in text
    assert "t.me/share/url" in text and "facebook.com/sharer" in text
    assert "Підписант Петро Іванович" in text
    assert "Оприлюднено; розпочато збір підписів" in text
    assert "Увійдіть, щоб підписати" in text


def test_signers_list_is_public_and_paginated(collecting, community, administrator):
    from tests.petitions.conftest import set_rules

    set_rules(community, administrator, threshold=100, collection_days=30)
    petition = make_collecting(
        community, collecting.author, collecting.topic, make_staff(community, "moderator")
    )
    sign_by_new_residents(petition, 55)
    first = page(client_for().get(f"/petitions/{petition.pk}/signers/"))
    second = page(client_for().get(f"/petitions/{petition.pk}/signers/", {"page": 2}))
    assert "Петицію підписали 55 мешканців." in first
    assert "Сторінка 1 з 2" in first
    assert first.count("<tr>") == 51 and second.count("<tr>") == 6


def test_anonymous_readers_share_a_cached_page(collecting, community):
    """The public copy lives a few seconds; a signed-in reader sees the fresh count."""
    anonymous = client_for()
    assert 'aria-valuenow="0"' in page(anonymous.get(collecting.get_absolute_url()))
    signer = make_resident(community)
    services.sign_petition(petition=collecting, resident=signer)
    assert 'aria-valuenow="0"' in page(anonymous.get(collecting.get_absolute_url()))
    fresh = page(client_for(signer).get(collecting.get_absolute_url()))
    assert 'aria-valuenow="1"' in fresh
    assert "Ви підписали цю петицію" in fresh


def test_cached_page_gives_each_reader_a_working_csrf_token(collecting):
    """The cached copy carries each reader's own token: the language switch still posts."""
    url = collecting.get_absolute_url()
    readers = [Client(HTTP_HOST="testserver", enforce_csrf_checks=True) for _ in range(2)]
    pages = [page(reader.get(url)) for reader in readers]  # the second from the cache
    tokens = [re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)[1] for text in pages]
    assert views.CSRF_PLACEHOLDER not in pages[1]
    assert tokens[0] != tokens[1]
    response = readers[1].post(
        "/i18n/setlang/", {"language": "en", "next": url, "csrfmiddlewaretoken": tokens[1]}
    )
    assert response.status_code == 302
    forged = readers[0].post(
        "/i18n/setlang/", {"language": "en", "next": url, "csrfmiddlewaretoken": "x" * 64}
    )
    assert forged.status_code == 403


def test_readers_with_a_session_or_a_query_get_a_fresh_page(collecting, community):
    anonymous = client_for()
    anonymous.get(collecting.get_absolute_url())
    services.sign_petition(petition=collecting, resident=make_resident(community))
    text = page(anonymous.get(collecting.get_absolute_url(), {"utm_source": "telegram"}))
    assert 'aria-valuenow="1"' in text


def test_drafts_are_private(draft, author, community, moderator):
    url = draft.get_absolute_url()
    assert client_for().get(url).status_code == 404
    assert client_for(make_resident(community)).get(url).status_code == 404
    assert client_for(author).get(url).status_code == 200
    assert client_for(moderator).get(url).status_code == 200


def test_hidden_petition_shows_the_reason_only(collecting, moderator):
    services.hide_petition(petition=collecting, moderator=moderator, reason="Образлива лексика.")
    response = client_for().get(collecting.get_absolute_url())
    assert response.status_code == 410
    assert "Образлива лексика." in page(response)
    assert collecting.text[:40] not in page(response)
    assert client_for().get(f"/petitions/{collecting.pk}/signers/").status_code == 404
    staff_view = client_for(moderator).get(collecting.get_absolute_url())
    assert staff_view.status_code == 200
    assert collecting.title in page(staff_view)


def test_rejected_petition_shows_the_public_reason(submitted, moderator, collecting):
    services.reject_petition(
        petition=submitted,
        moderator=moderator,
        reason=Petition.RejectionReason.DUPLICATE,
        duplicate_of=collecting,
        note="Підтримайте відкриту петицію.",
    )
    text = page(client_for().get(submitted.get_absolute_url()))
    assert "дублікат відкритої петиції" in text
    assert "Підтримайте відкриту петицію." in text
    assert collecting.get_absolute_url() in text


def test_unknown_petition_is_404(community):
    assert client_for().get("/petitions/999999/").status_code == 404


# Signing from the page ---------------------------------------------------


def test_signing_from_the_page(collecting, community):
    """The Sign button posts, returns to the petition and confirms in Ukrainian."""
    resident = make_resident(community)
    client = client_for(resident)
    url = f"/petitions/{collecting.pk}/sign/"
    response = client.post(url, {"notify_on_answer": "on"}, follow=True)
    assert response.redirect_chain[-1][0] == collecting.get_absolute_url()
    assert "Ваш підпис враховано" in page(response)
    assert Signature.objects.get(petition=collecting).notify_on_answer
    again = client.post(url, follow=True)
    assert "Ви вже підписали цю петицію" in page(again)
    assert Signature.objects.filter(petition=collecting).count() == 1


def test_anonymous_sign_goes_to_log_in(collecting):
    response = client_for().post(f"/petitions/{collecting.pk}/sign/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/log-in/")
    assert not Signature.objects.exists()


def test_email_level_resident_is_told_to_identify(collecting, community):
    resident = make_resident(community, level=Identity.EMAIL)
    client = client_for(resident)
    text = page(client.get(collecting.get_absolute_url()))
    # Sign disabled, the reason beside it (ID.GOV.UA is not set up in the tests).
    assert "Для підпису потрібен ідентифікований обліковий запис" in text
    response = client.post(f"/petitions/{collecting.pk}/sign/", follow=True)
    assert "потрібна надійніша ідентифікація" in page(response)
    assert not Signature.objects.exists()


def test_unlinked_resident_is_sent_to_the_profile(collecting, other_community):
    stranger = make_resident(other_community)
    text = page(client_for(stranger).get(collecting.get_absolute_url()))
    assert "Спершу зазначте у своєму профілі" in text
    assert "/accounts/profile/" in text


def test_forged_sign_post_without_csrf_is_refused(collecting, community):
    resident = make_resident(community)
    client = Client(HTTP_HOST="testserver", enforce_csrf_checks=True)
    client.force_login(resident, backend="hromada.core.auth.ResidentBackend")
    response = client.post(f"/petitions/{collecting.pk}/sign/")
    assert response.status_code == 403
    assert not Signature.objects.exists()


def test_sign_needs_post(collecting, community):
    response = client_for(make_resident(community)).get(f"/petitions/{collecting.pk}/sign/")
    assert response.status_code == 405


def test_signing_is_rate_limited_per_account(collecting, community, one_rate_window):
    """More than 20 sign requests a minute from one account get 429; nothing changes."""
    client = client_for(make_resident(community))
    url = f"/petitions/{collecting.pk}/sign/"
    codes = [client.post(url).status_code for _ in range(21)]
    assert codes[:20] == [302] * 20
    assert codes[20] == 429
    assert Signature.objects.count() == 1


def test_signing_is_rate_limited_per_address(collecting, community, monkeypatch, one_rate_window):
    """Many accounts behind one address are limited too (a looser limit)."""
    from hromada.petitions import limits

    monkeypatch.setitem(limits.RATES, "sign", ("20/m", "3/m"))
    codes = []
    for _ in range(4):
        client = client_for(make_resident(community))
        codes.append(client.post(f"/petitions/{collecting.pk}/sign/").status_code)
    assert codes == [302, 302, 302, 429]
    assert Signature.objects.count() == 3


def test_closed_petition_page_says_collection_is_over(consideration, community):
    client = client_for(make_resident(community))
    text = page(client.get(consideration.get_absolute_url()))
    assert "Збір підписів завершено." in text
    response = client.post(f"/petitions/{consideration.pk}/sign/", follow=True)
    assert "Ця петиція не збирає підписів: на розгляді." in page(response)


# Creating and editing ----------------------------------------------------


def form_data(topic, /, **changes):
    data = {"title": "Облаштувати пішохідний перехід", "text": TEXT, "topic": topic.pk}
    data.update(changes)
    return data


def test_creating_and_sending_to_moderation(community, author, topic, rules, moderator):
    client = client_for(author)
    assert "Правила цієї громади" in page(client.get("/petitions/new/"))
    response = client.post("/petitions/new/", form_data(topic, submit_now="1"), follow=True)
    petition = Petition.objects.get()
    assert petition.status == Petition.Status.SUBMITTED
    assert response.redirect_chain[-1][0] == petition.get_absolute_url()
    assert "Петицію надіслано модераторам." in page(response)


def test_saving_a_draft_then_submitting(community, author, topic, rules):
    client = client_for(author)
    client.post("/petitions/new/", form_data(topic, save_draft="1"))
    petition = Petition.objects.get()
    assert petition.status == Petition.Status.DRAFT
    client.post(f"/petitions/{petition.pk}/submit/")
    petition.refresh_from_db()
    assert petition.status == Petition.Status.SUBMITTED


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "Це поле обов’язкове."),
        ({"title": "Д" * 201}, "201"),
        ({"title": "Коротко"}, "Назва має містити від 10 до 200 символів."),
        ({"text": "Мало."}, "Текст має містити від 50 до 6000 символів."),
        ({"text": "Т" * 6001}, "6001"),
        ({"topic": "999999"}, "немає серед варіантів вибору"),
        ({"collection_days": "120"}, "90"),
    ],
)
def test_bad_form_input_shows_an_error_and_saves_nothing(
    community, author, topic, rules, changes, message
):
    response = client_for(author).post("/petitions/new/", form_data(topic, **changes))
    assert response.status_code == 400
    assert message in page(response)
    assert 'aria-invalid="true"' in page(response)
    assert not Petition.objects.exists()


def test_topic_of_another_community_cannot_be_posted(
    community, other_community, author, topic, rules
):
    foreign = Topic.objects.create(community=other_community, name="Чужа тема")
    response = client_for(author).post("/petitions/new/", form_data(foreign))
    assert response.status_code == 400
    assert not Petition.objects.exists()


def test_creating_needs_identification(community, topic, rules):
    resident = make_resident(community, level=Identity.EMAIL)
    response = client_for(resident).get("/petitions/new/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/identity/")


def test_creating_is_rate_limited(community, author, topic, rules, one_rate_window):
    client = client_for(author)
    codes = [
        client.post("/petitions/new/", form_data(topic, title="")).status_code for _ in range(11)
    ]
    assert codes[:10] == [400] * 10
    assert codes[10] == 429


def test_author_edits_and_withdraws(draft, author, topic):
    client = client_for(author)
    response = client.post(
        f"/petitions/{draft.pk}/edit/", form_data(topic, title="Новий заголовок петиції")
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Новий заголовок петиції"
    client.post(f"/petitions/{draft.pk}/withdraw/")
    draft.refresh_from_db()
    assert draft.status == Petition.Status.WITHDRAWN


def test_others_cannot_edit_submit_or_withdraw(draft, community, topic):
    client = client_for(make_resident(community))
    assert client.get(f"/petitions/{draft.pk}/edit/").status_code == 404
    assert client.post(f"/petitions/{draft.pk}/submit/").status_code == 404
    assert client.post(f"/petitions/{draft.pk}/withdraw/").status_code == 404
    draft.refresh_from_db()
    assert draft.status == Petition.Status.DRAFT


def test_published_petition_edit_page_refuses(collecting, author):
    response = client_for(author).get(f"/petitions/{collecting.pk}/edit/", follow=True)
    assert "лише до її оприлюднення" in page(response)


def test_my_petitions_and_my_signatures(collecting, draft, author, community):
    client = client_for(author)
    mine = page(client.get("/petitions/mine/"))
    assert mine.count("petition-card-title") == 2
    signer = make_resident(community)
    services.sign_petition(petition=collecting, resident=signer, notify_on_answer=True)
    signed = page(client_for(signer).get("/petitions/signed/"))
    assert collecting.title in signed
    assert "Вам повідомлять про відповідь." in signed
    assert "Ви ще не підписали жодної петиції." in page(client.get("/petitions/signed/"))


# Staff pages ---------------------------------------------------------------


def test_moderation_queue_highlights_overdue(submitted, moderator):
    Petition.objects.filter(pk=submitted.pk).update(
        moderation_due_on=timezone.localdate() - timedelta(days=1)
    )
    text = page(client_for(moderator).get("/petitions/staff/"))
    assert submitted.title in text
    assert 'class="overdue"' in text
    assert "прострочено" in text


def test_staff_pages_are_closed_to_residents(submitted, community):
    client = client_for(make_resident(community))
    assert client.get("/petitions/staff/").status_code == 403
    assert client.get(f"/petitions/staff/{submitted.pk}/").status_code == 404
    assert client.post(f"/petitions/staff/{submitted.pk}/publish/").status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == Petition.Status.SUBMITTED


def test_department_staff_see_only_what_they_answer(consideration, official, community):
    client = client_for(official)
    text = page(client.get("/petitions/staff/"))
    assert consideration.title in text
    assert "Очікують модерації" not in text
    other = make_staff(community, StaffRole.Role.STAFF)
    assert consideration.title not in page(client_for(other).get("/petitions/staff/"))
    assert client_for(other).get(f"/petitions/staff/{consideration.pk}/").status_code == 404


def test_moderator_publishes_from_the_staff_page(submitted, moderator, department):
    client = client_for(moderator)
    assert "Оприлюднити петицію" in page(client.get(f"/petitions/staff/{submitted.pk}/"))
    response = client.post(
        f"/petitions/staff/{submitted.pk}/publish/", {"department": department.pk}, follow=True
    )
    assert "Петицію оприлюднено" in page(response)
    submitted.refresh_from_db()
    assert submitted.status == Petition.Status.COLLECTING
    assert submitted.department == department


def test_rejecting_needs_a_reason_on_the_page(submitted, moderator):
    client = client_for(moderator)
    response = client.post(f"/petitions/staff/{submitted.pk}/reject/", {"reason": ""})
    assert response.status_code == 400
    submitted.refresh_from_db()
    assert submitted.status == Petition.Status.SUBMITTED
    response = client.post(f"/petitions/staff/{submitted.pk}/reject/", {"reason": "duplicate"})
    assert response.status_code == 400
    assert "Оберіть відкриту петицію" in page(response)
    client.post(
        f"/petitions/staff/{submitted.pk}/reject/", {"reason": "powers", "note": "Не наше."}
    )
    submitted.refresh_from_db()
    assert submitted.status == Petition.Status.REJECTED


def test_hiding_from_the_staff_page_is_audited(collecting, moderator):
    client = client_for(moderator)
    response = client.post(f"/petitions/staff/{collecting.pk}/hide/", {"reason": ""})
    assert response.status_code == 400
    client.post(f"/petitions/staff/{collecting.pk}/hide/", {"reason": "Реклама."})
    collecting.refresh_from_db()
    assert collecting.is_hidden
    trail = page(client.get(f"/petitions/staff/{collecting.pk}/"))
    assert "Приховано модератором" in trail and "Реклама." in trail
    assert "petition.hidden" not in trail
    client.post(f"/petitions/staff/{collecting.pk}/unhide/")
    collecting.refresh_from_db()
    assert not collecting.is_hidden


def test_official_answers_with_a_pdf_from_the_page(consideration, official):
    client = client_for(official)
    upload = SimpleUploadedFile("rishennia.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    response = client.post(
        f"/petitions/staff/{consideration.pk}/answer/",
        {"outcome": "supported", "text": "Рада підтримує петицію.", "document": upload},
        follow=True,
    )
    assert "Відповідь оприлюднено" in page(response)
    consideration.refresh_from_db()
    assert consideration.status == Petition.Status.ANSWERED
    public = page(client_for().get(consideration.get_absolute_url()))
    assert "Рада підтримує петицію." in public and "Рішення ради (PDF)" in public


def test_answer_with_a_fake_pdf_is_refused(consideration, official):
    upload = SimpleUploadedFile("rishennia.pdf", b"<html>not a pdf</html>", "application/pdf")
    response = client_for(official).post(
        f"/petitions/staff/{consideration.pk}/answer/",
        {"outcome": "supported", "text": "Так.", "document": upload},
    )
    assert response.status_code == 400
    assert "Приймаються лише документи PDF" in page(response) or "PDF" in page(response)
    consideration.refresh_from_db()
    assert consideration.status == Petition.Status.CONSIDERATION


def test_staff_dashboard_counts(submitted, moderator):
    Petition.objects.filter(pk=submitted.pk).update(moderation_due_on=date(2020, 1, 1))
    text = page(client_for(moderator).get("/staff/"))
    assert "Петиції на модерації" in text
    assert "Прострочена модерація" in text


def test_home_page_news_and_open_data_page(collecting):
    assert collecting.title in page(client_for().get("/"))
    assert "/petitions/open-data/?format=csv" in page(client_for().get("/open-data/"))


def test_staff_see_a_link_to_the_staff_page(collecting, moderator, official, community):
    link = "Відкрити на сторінках працівників"
    assert link in page(client_for(moderator).get(collecting.get_absolute_url()))
    assert link in page(client_for(official).get(collecting.get_absolute_url()))
    assert link not in page(client_for(make_resident(community)).get(collecting.get_absolute_url()))


def test_signed_in_reader_sees_the_count_at_once(collecting, community):
    """The shared lower part may be a few seconds old; the progress bar never is."""
    reader = client_for(make_resident(community))
    reader.get(collecting.get_absolute_url())
    sign_by_new_residents(collecting, 2)
    assert 'aria-valuenow="2"' in page(reader.get(collecting.get_absolute_url()))


def test_signing_with_htmx_swaps_the_sign_box(collecting, community):
    """With JavaScript the box is replaced in place; the page is not reloaded."""
    client = client_for(make_resident(community))
    url = f"/petitions/{collecting.pk}/sign/"
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    box = page(response)
    assert box.lstrip().startswith('<section class="card sign-box" id="sign-box"')
    assert "Ваш підпис враховано" in box and "Ви підписали цю петицію" in box
    again = page(client.post(url, HTTP_HX_REQUEST="true"))
    assert "Ви вже підписали цю петицію" in again
    assert Signature.objects.filter(petition=collecting).count() == 1


def test_sign_form_posts_with_htmx_and_without(collecting, community):
    text = page(client_for(make_resident(community)).get(collecting.get_absolute_url()))
    assert f'action="/petitions/{collecting.pk}/sign/"' in text
    assert f'hx-post="/petitions/{collecting.pk}/sign/"' in text
    assert 'hx-target="#sign-box"' in text
