"""The web pages, as residents and staff use them."""

import json

import pytest
from django.urls import reverse

from hromada.appeals import services
from hromada.appeals.models import Appeal, AppealPhoto
from hromada.core.models import Identity, Street
from tests.appeals.conftest import LAT, LON, OUTSIDE, image_upload, report
from tests.factories import client_for, make_resident

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return response.content.decode()


# -- public -------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["appeals:map", "appeals:list", "appeals:statistics", "open311:index"],
)
def test_public_pages_render_in_ukrainian(community, categories, new_report, name):
    response = client_for().get(reverse(name))
    assert response.status_code == 200
    assert '<html lang="uk">' in page(response)


def test_empty_list_says_so(community, categories):
    response = client_for().get(reverse("appeals:list"))
    assert "Жодне повідомлення не відповідає" in page(response)


def test_list_filters_by_category_group_and_status(community, categories, resident, moderator):
    light = report(community, categories, resident, address="Світло, 1")
    leak = report(community, categories, resident, code="water-leak", address="Вода, 2")
    services.reject_appeal(appeal=leak, staff=moderator, reason="Дубль.")
    client = client_for()
    by_group = page(client.get(reverse("appeals:list"), {"category": "lighting"}))
    assert "Світло, 1" in by_group and "Вода, 2" not in by_group
    rejected = page(client.get(reverse("appeals:list"), {"status": "rejected"}))
    assert "Вода, 2" in rejected and "Світло, 1" not in rejected
    assert light.number in page(client.get(reverse("appeals:list")))


def test_markers_for_a_box(community, categories, new_report):
    """The map asks for a box and gets compact markers with status and category."""
    response = client_for().get(
        reverse("appeals:markers"), {"bbox": f"{LON - 0.01},{LAT - 0.01},{LON + 0.01},{LAT + 0.01}"}
    )
    data = response.json()
    assert data["total"] == 1
    assert data["markers"] == [[new_report.pk, LAT, LON, "new", "light-out"]]
    far = client_for().get(reverse("appeals:markers"), {"bbox": "30.0,50.0,30.1,50.1"}).json()
    assert far["markers"] == [] and far["total"] == 0


def test_markers_need_a_valid_box(community):
    for bbox in ("", "1,2,3", "a,b,c,d", "30.7,46.3,30.6,46.2"):
        assert client_for().get(reverse("appeals:markers"), {"bbox": bbox}).status_code == 400


def test_markers_filter_and_hide_private_appeals(community, categories, resident, moderator):
    shown = report(community, categories, resident)
    hidden = report(community, categories, resident)
    services.reject_appeal(appeal=hidden, staff=moderator, reason="Образа.", hide=True)
    services.submit_written_appeal(
        community=community,
        kind=Appeal.Kind.STATEMENT,
        category=categories["other-problem"],
        subject="Заява",
        text="Текст.",
        author=resident,
    )
    box = {"bbox": f"{LON - 0.01},{LAT - 0.01},{LON + 0.01},{LAT + 0.01}"}
    ids = [m[0] for m in client_for().get(reverse("appeals:markers"), box).json()["markers"]]
    assert ids == [shown.pk]
    other = client_for().get(reverse("appeals:markers"), {**box, "category": "pothole"}).json()
    assert other["markers"] == []
    closed = client_for().get(reverse("appeals:markers"), {**box, "status": "rejected"}).json()
    assert closed["markers"] == []


def test_dense_areas_come_back_as_clusters(community, categories, resident, monkeypatch):
    from hromada.appeals import selectors

    monkeypatch.setattr(selectors, "MARKER_CAP", 2)
    for _ in range(3):
        report(community, categories, resident)
    data = (
        client_for()
        .get(
            reverse("appeals:markers"),
            {"bbox": f"{LON - 0.05},{LAT - 0.05},{LON + 0.05},{LAT + 0.05}"},
        )
        .json()
    )
    assert data["markers"] == []
    assert data["total"] == 3
    [(lat, lon, count)] = data["clusters"]
    assert count == 3 and lat == pytest.approx(LAT)


def test_report_page_shows_timeline_and_photos(community, categories, resident, moderator):
    appeal = report(community, categories, resident, photos=[image_upload()], author_public=True)
    services.accept_appeal(appeal=appeal, moderator=moderator, note="Передано до ЖКГ.")
    text = page(client_for().get(appeal.get_absolute_url()))
    assert appeal.number in text
    assert "Передано до ЖКГ." in text
    assert "Зареєстровано" in text
    assert resident.full_name in text
    assert AppealPhoto.objects.get().get_absolute_url() in text
    assert 'alt="Фото 1 проблеми"' in text


def test_hidden_name_stays_hidden(community, categories, new_report, resident):
    text = page(client_for().get(new_report.get_absolute_url()))
    assert resident.full_name not in text
    assert resident.email not in text


def test_written_appeals_are_private(community, categories, resident, neighbour, moderator):
    appeal = services.submit_written_appeal(
        community=community,
        kind=Appeal.Kind.COMPLAINT,
        category=categories["bins-full"],
        subject="Скарга на перевізника",
        text="Приватний текст.",
        author=resident,
    )
    assert client_for().get(appeal.get_absolute_url()).status_code == 404
    assert client_for(neighbour).get(appeal.get_absolute_url()).status_code == 404
    assert "Приватний текст." in page(client_for(resident).get(appeal.get_absolute_url()))
    assert client_for(moderator).get(appeal.get_absolute_url()).status_code == 200


# -- reporting flow -----------------------------------------------------------


def test_reporting_needs_a_confirmed_email(community, categories):
    unconfirmed = make_resident(community, level=Identity.NONE)
    response = client_for(unconfirmed).get(reverse("appeals:report"))
    assert response.status_code == 302 and "profile" in response["Location"]
    assert client_for().get(reverse("appeals:report")).status_code == 302


def test_reporting_step_by_step(
    community, categories, resident, django_capture_on_commit_callbacks
):
    """Category, place, description and photos: the report is registered and the author notified."""
    client = client_for(resident)
    start = page(client.get(reverse("appeals:report")))
    assert reverse("appeals:report_place", args=["light-out"]) in start
    place = client.get(reverse("appeals:report_place", args=["light-out"]))
    assert place.status_code == 200
    details_url = reverse("appeals:report_details", args=["light-out"])
    details = client.get(details_url, {"lat": LAT, "lon": LON, "address": "біля буд. 5"})
    assert details.status_code == 200
    assert "Номер опори" in page(details)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            details_url,
            {
                "lat": LAT,
                "lon": LON,
                "address": "біля буд. 5",
                "description": "Не світить ліхтар.",
                "attr_lamps": "2",
                "photos": [image_upload(), image_upload()],
                "author_public": "on",
            },
            follow=True,
        )
    appeal = Appeal.objects.get()
    assert response.redirect_chain[-1][0] == appeal.get_absolute_url()
    assert f"зареєстровано під номером {appeal.number}" in page(response)
    assert appeal.attributes == {"lamps": 2}
    assert appeal.photos.count() == 2 and appeal.author_public
    from django.core import mail

    assert appeal.number in mail.outbox[0].subject


def test_place_outside_the_territory_goes_back_with_a_message(community, categories, resident):
    client = client_for(resident)
    response = client.get(
        reverse("appeals:report_details", args=["light-out"]),
        {"lat": OUTSIDE[0], "lon": OUTSIDE[1]},
        follow=True,
    )
    assert response.redirect_chain[-1][0].startswith(
        reverse("appeals:report_place", args=["light-out"])
    )
    assert "поза територією громади" in page(response)


def test_street_without_the_map(community, categories, resident):
    """Without JavaScript, a street from the registry and a landmark do."""
    street = Street.objects.get(settlement__community=community)
    client = client_for(resident)
    url = reverse("appeals:report_details", args=["light-out"])
    response = client.post(
        url, {"street": street.pk, "address": "біля аптеки", "description": "Темно."}
    )
    assert response.status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.street == street and appeal.address == "біля аптеки"


def test_form_errors_are_shown_and_nothing_is_stored(community, categories, resident):
    client = client_for(resident)
    url = reverse("appeals:report_details", args=["pothole"])
    response = client.post(
        url,
        {
            "lat": LAT,
            "lon": LON,
            "attr_size": "small",
            "description": "я" * 4001,
            "photos": [image_upload(f"{n}.jpg") for n in range(6)],
        },
    )
    assert response.status_code == 400
    text = page(response)
    assert "щонайбільше 5 фото" in text
    assert "Текст задовгий (символів: 4001" in text
    assert 'aria-invalid="true"' in text
    assert not Appeal.objects.exists()


def test_nearby_reports_are_suggested(community, categories, new_report, neighbour):
    """Before submitting, open reports of the same category within 50 m are offered."""
    client = client_for(neighbour)
    details = page(
        client.get(
            reverse("appeals:report_details", args=["light-out"]),
            {"lat": LAT + 0.0002, "lon": LON},
        )
    )
    assert new_report.number in details
    assert reverse("appeals:support", args=[new_report.pk]) in details
    far = page(
        client.get(
            reverse("appeals:report_details", args=["light-out"]), {"lat": LAT + 0.002, "lon": LON}
        )
    )
    assert new_report.number not in far
    other = page(
        client.get(reverse("appeals:report_details", args=["manhole"]), {"lat": LAT, "lon": LON})
    )
    assert new_report.number not in other
    data = client.get(
        reverse("appeals:nearby"), {"category": "light-out", "lat": LAT, "lon": LON}
    ).json()
    assert [item["number"] for item in data["reports"]] == [new_report.number]


def test_i_have_this_problem_too(community, new_report, neighbour):
    client = client_for(neighbour)
    response = client.post(reverse("appeals:support", args=[new_report.pk]), follow=True)
    assert "Дякуємо" in page(response)
    new_report.refresh_from_db()
    assert new_report.supporters_count == 1
    again = client.post(reverse("appeals:support", args=[new_report.pk]), follow=True)
    assert "вже позначили" in page(again)
    assert new_report.number in page(client.get(reverse("appeals:mine")))


def test_street_search(community, categories):
    data = client_for().get(reverse("appeals:streets"), {"q": "миру"}).json()
    assert [s["name"] for s in data["streets"]][0].startswith("проспект Миру")


def test_writing_an_appeal(community, categories, resident):
    client = client_for(resident)
    response = client.post(
        reverse("appeals:write"),
        {
            "kind": "proposal",
            "category": "topic-housing",
            "subject": "Новий майданчик",
            "text": "Пропоную облаштувати майданчик у дворі.",
        },
        follow=True,
    )
    appeal = Appeal.objects.get()
    assert appeal.kind == Appeal.Kind.PROPOSAL and appeal.subject == "Новий майданчик"
    assert appeal.number in page(response)
    bad = client.post(reverse("appeals:write"), {"kind": "proposal", "category": "", "text": ""})
    assert bad.status_code == 400


def test_confirm_and_reopen_from_the_page(resolved_report, resident):
    client = client_for(resident)
    text = page(client.get(resolved_report.get_absolute_url()))
    assert "Підтвердити виправлення" in text
    response = client.post(
        reverse("appeals:reopen", args=[resolved_report.pk]),
        {"reason": "Знову темно."},
        follow=True,
    )
    assert "знову в роботі" in page(response)
    resolved_report.refresh_from_db()
    assert resolved_report.status == Appeal.Status.IN_PROGRESS


def test_statistics_and_open_data(community, categories, resolved_report, resident):
    services.submit_written_appeal(
        community=community,
        kind=Appeal.Kind.COMPLAINT,
        category=categories["bins-full"],
        subject="Скарга",
        text="Приватний текст скарги.",
        author=resident,
    )
    stats = page(client_for().get(reverse("appeals:statistics")))
    assert "<svg" in stats and "Управління житлово-комунального господарства" in stats
    csv_text = client_for().get(reverse("appeals:open_data"), {"format": "csv"}).content.decode()
    assert csv_text.startswith("\ufeffregistration_number,registration_date")
    assert resolved_report.number in csv_text
    assert "Приватний текст" not in csv_text
    assert resident.full_name not in csv_text and resident.email not in csv_text
    rows = json.loads(client_for().get(reverse("appeals:open_data"), {"format": "json"}).content)
    assert {row["kind"] for row in rows} == {"report", "complaint"}


def test_open_data_is_listed_on_the_core_page(community, categories):
    text = page(client_for().get(reverse("core:open_data")))
    assert reverse("appeals:open_data") in text


# -- staff --------------------------------------------------------------------


def test_staff_pages_are_for_staff_only(community, new_report, resident):
    assert client_for(resident).get(reverse("appeals:staff_queue")).status_code == 404
    assert (
        client_for(resident).get(reverse("appeals:staff_detail", args=[new_report.pk])).status_code
        == 404
    )


def test_moderator_accepts_from_the_page(new_report, moderator, housing, resident):
    client = client_for(moderator)
    queue = page(client.get(reverse("appeals:staff_queue"), {"status": "new"}))
    assert new_report.number in queue
    detail = page(client.get(reverse("appeals:staff_detail", args=[new_report.pk])))
    assert resident.email in detail  # the author's contacts are there for staff
    response = client.post(
        reverse("appeals:staff_action", args=[new_report.pk, "accept"]),
        {"accept-note": "Прийнято."},
        follow=True,
    )
    assert response.status_code == 200
    new_report.refresh_from_db()
    assert new_report.status == Appeal.Status.ACCEPTED


def test_department_staff_see_only_their_department(accepted_report, water_staff, housing_staff):
    assert accepted_report.number not in page(
        client_for(water_staff).get(reverse("appeals:staff_queue"))
    )
    assert (
        client_for(water_staff)
        .get(reverse("appeals:staff_detail", args=[accepted_report.pk]))
        .status_code
        == 404
    )
    client = client_for(housing_staff)
    assert accepted_report.number in page(client.get(reverse("appeals:staff_queue")))
    response = client.post(
        reverse("appeals:staff_action", args=[accepted_report.pk, "resolve"]),
        {"resolve-comment": "Замінено лампу.", "resolve-photo": image_upload()},
    )
    assert response.status_code == 302
    accepted_report.refresh_from_db()
    assert accepted_report.status == Appeal.Status.RESOLVED
    assert accepted_report.photos.filter(kind="after").exists()


def test_staff_action_errors_are_shown(accepted_report, housing_staff):
    response = client_for(housing_staff).post(
        reverse("appeals:staff_action", args=[accepted_report.pk, "extend"]),
        {"extend-due_on": "2099-01-01", "extend-reason": "Треба."},
    )
    assert response.status_code == 400
    assert "Виберіть дату" in page(response)
    unknown = client_for(housing_staff).post(
        reverse("appeals:staff_action", args=[accepted_report.pk, "explode"])
    )
    assert unknown.status_code == 400


def test_staff_register_a_letter(community, categories, moderator):
    client = client_for(moderator)
    response = client.post(
        reverse("appeals:staff_new"),
        {
            "channel": "paper",
            "kind": "statement",
            "category": "roof",
            "name": "Сидоренко Ганна",
            "subject": "Протікає дах",
            "description": "Прошу відремонтувати дах будинку.",
        },
    )
    appeal = Appeal.objects.get()
    assert response.status_code == 302
    assert appeal.channel == Appeal.Channel.PAPER and appeal.contact_name == "Сидоренко Ганна"


def test_dashboard_lists_appeals(community, new_report, moderator):
    text = page(client_for(moderator).get(reverse("core:dashboard")))
    assert "Нові звернення на модерацію" in text
