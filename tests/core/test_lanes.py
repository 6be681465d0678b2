"""
Machines' posts take a short lane of the middleware chain (hromada.core.lanes).

Each test sends the same request through the lane and through the full
chain (MIDDLEWARE without LaneMiddleware) where it can, and asks for the same
answer: a lane may leave out only what has nothing to do for the request.
"""

from __future__ import annotations

import json
import logging

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import translation
from prometheus_client import REGISTRY

from hromada.appeals import services as appeals
from hromada.appeals.models import Appeal
from hromada.budget import api as budget_api
from hromada.budget.models import Ballot
from hromada.core import lanes
from hromada.core.services import issue_api_token
from tests.appeals.conftest import LAT, LON
from tests.budget.helpers import admitted_projects, make_category, make_cycle, move_to
from tests.factories import make_resident

pytestmark = pytest.mark.django_db

LANE = "hromada.core.lanes.LaneMiddleware"
OPEN311 = "/open311/v2/requests.json"
# The headers a lane must give as the full chain does.
HEADERS = (
    "Content-Type",
    "Content-Language",
    "Vary",
    "X-Frame-Options",
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Access-Control-Allow-Origin",
)


@pytest.fixture
def taken(monkeypatch):
    """The names of the lanes requests took, in order."""
    names = []
    serve = lanes._Chain.__call__

    def spy(self, request, match):
        names.append(self.lane.name)
        return serve(self, request, match)

    monkeypatch.setattr(lanes._Chain, "__call__", spy)
    return names


@pytest.fixture
def full_chain(settings):
    """A client factory whose clients have no lanes, as before them."""

    def make(**defaults):
        with_lanes = settings.MIDDLEWARE
        settings.MIDDLEWARE = [path for path in with_lanes if path != LANE]
        try:
            client = Client(**defaults)
            client.handler.load_middleware()
        finally:
            settings.MIDDLEWARE = with_lanes
        return client

    return make


@pytest.fixture
def csp(settings):
    settings.CONTENT_SECURITY_POLICY = settings.HROMADA_CONTENT_SECURITY_POLICY


@pytest.fixture
def categories(community):
    appeals.install_default_categories(community=community)


@pytest.fixture
def api_key(community, categories) -> str:
    return appeals.issue_open311_key(community=community, name="Партнер")[1]


def report(client, headers=None, **fields):
    data = {"service_code": "light-out", "lat": LAT, "long": LON, **fields}
    return client.post(OPEN311, data, HTTP_HOST="testserver", **(headers or {}))


def headers(response) -> dict:
    found = {name: response.headers.get(name) for name in HEADERS}
    # The full chain's API answers vary by Cookie: the consent check looked for
    # a session there. A lane takes no request with a session cookie, and its
    # answer to a POST depends on none.
    if found["Vary"]:
        found["Vary"] = found["Vary"].replace(", Cookie", "")
    return found


def errors(response) -> list:
    return json.loads(response.content)


# -- Open311 ----------------------------------------------------------------------


def test_a_report_takes_the_lane_with_the_full_chains_headers(api_key, taken, full_chain, csp):
    laned = report(Client(), api_key=api_key)
    assert taken == ["Open311 submissions"]
    full = report(full_chain(), api_key=api_key)
    assert taken == ["Open311 submissions"]
    assert laned.status_code == full.status_code == 200
    assert headers(laned) == headers(full)
    assert laned["X-Frame-Options"] == "DENY"
    assert laned["Content-Security-Policy"]
    assert laned["Content-Language"] == "uk"
    assert laned["X-Request-ID"]
    assert laned["Content-Length"] == str(len(laned.content))
    assert laned.cookies == {}
    assert Appeal.objects.count() == 2


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({}, 403),  # no api_key
        ({"api_key": "not-a-key"}, 403),
        ({"service_code": ""}, 400),
        ({"service_code": "no-such-code"}, 404),
        ({"lat": "91", "long": "30"}, 400),
        ({"description": "a\x00b"}, 400),  # RefuseNulMiddleware stays in the lane
        ({"email": "not an address"}, 400),
    ],
)
def test_refusals_are_the_full_chains(api_key, taken, full_chain, fields, status):
    if "api_key" not in fields and fields:
        fields = {"api_key": api_key, **fields}
    laned = report(Client(), **fields)
    full = report(full_chain(), **fields)
    assert laned.status_code == full.status_code == status
    assert errors(laned) == errors(full)
    assert headers(laned) == headers(full)
    assert not Appeal.objects.exists()


def test_a_keys_rate_limit_holds_in_the_lane(community, categories, taken):
    _key, raw = appeals.issue_open311_key(community=community, name="Малий", requests_per_minute=2)
    client = Client()
    assert [report(client, api_key=raw).status_code for _ in range(3)] == [200, 200, 400]
    assert taken == ["Open311 submissions"] * 3
    assert Appeal.objects.count() == 2


def test_the_language_is_the_requests_and_never_the_threads_last(api_key, taken):
    english = report(Client(), {"HTTP_ACCEPT_LANGUAGE": "en"}, api_key=api_key)
    assert english["Content-Language"] == "en"
    assert "Registration number" in errors(english)[0]["service_notice"]
    translation.activate("en")  # as a page in English would leave the thread
    plain = report(Client(), api_key=api_key)
    assert plain["Content-Language"] == "uk"
    assert "Registration number" not in errors(plain)[0]["service_notice"]
    assert taken == ["Open311 submissions"] * 2


def test_the_request_log_and_metrics_name_the_view(api_key, taken, caplog):
    labels = {"status": "200", "view": "open311:requests", "method": "POST"}
    metric = "django_http_responses_total_by_status_view_method_total"
    before = REGISTRY.get_sample_value(metric, labels) or 0
    caplog.set_level(logging.INFO, logger="hromada.request")
    report(Client(), api_key=api_key)
    assert REGISTRY.get_sample_value(metric, labels) == before + 1
    lines = [r.getMessage() for r in caplog.records if r.name == "hromada.request"]
    assert any("POST open311:requests 200" in line for line in lines)


def test_a_browser_with_a_session_takes_the_full_chain(community, api_key, taken):
    client = Client()
    client.force_login(make_resident(community), backend="hromada.core.auth.ResidentBackend")
    assert report(client, api_key=api_key).status_code == 200
    assert taken == []


def test_reads_take_the_full_chain(api_key, taken):
    assert Client().get(OPEN311, HTTP_HOST="testserver").status_code == 200
    assert taken == []


# -- budget ballots -----------------------------------------------------------------


@pytest.fixture
def voting(community):
    cycle = make_cycle(community)
    category = make_category(cycle)
    projects = admitted_projects(community, category, 3)
    move_to(cycle, "voting")
    category.refresh_from_db()
    return category, projects


def ballot(client, category, projects, key=None, **extra):
    if key:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return client.post(
        f"/api/v1/budget/cycles/{category.cycle_id}/ballots",
        {"category": category.pk, "projects": [p.pk for p in projects]},
        content_type="application/json",
        **extra,
    )


def test_a_ballot_with_a_token_takes_the_lane(community, voting, taken, full_chain, csp):
    category, projects = voting
    keys = [issue_api_token(resident=make_resident(community), name="t")[1] for _ in range(2)]
    laned = ballot(Client(), category, projects[:1], keys[0])
    full = ballot(full_chain(), category, projects[:1], keys[1])
    assert taken == ["budget ballots with a token"]
    assert laned.status_code == full.status_code == 201
    assert headers(laned) == headers(full)
    assert laned["X-Frame-Options"] == "DENY"
    assert laned["Content-Security-Policy"]
    assert Ballot.objects.count() == 2
    again = ballot(Client(), category, projects[1:2], keys[0])
    assert again.status_code == 409


@pytest.mark.parametrize("key", ["wrong-token", ""])
def test_a_bad_or_missing_token_is_refused_as_before(community, voting, taken, full_chain, key):
    category, projects = voting
    laned = ballot(Client(), category, projects[:1], key, HTTP_AUTHORIZATION=f"Bearer {key}")
    full = ballot(full_chain(), category, projects[:1], key, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert laned.status_code == full.status_code
    assert laned.status_code in (401, 403)
    assert json.loads(laned.content) == json.loads(full.content)
    assert not Ballot.objects.exists()


def test_the_vote_rate_holds_in_the_lane(community, voting, taken, monkeypatch):
    category, projects = voting
    monkeypatch.setattr(budget_api, "VOTE_RATE", "2/m")
    key = issue_api_token(resident=make_resident(community), name="t")[1]
    codes = [ballot(Client(), category, projects[:1], key).status_code for _ in range(3)]
    assert codes == [201, 409, 429]
    assert taken == ["budget ballots with a token"] * 3


def test_a_consent_check_of_the_token_holds_in_the_lane(community, voting, taken, monkeypatch):
    from hromada.core import privacy

    category, projects = voting
    key = issue_api_token(resident=make_resident(community), name="t")[1]
    monkeypatch.setattr(privacy, "needs_consent", lambda *args, **kwargs: True)
    response = ballot(Client(), category, projects[:1], key)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "consent_required"
    assert not Ballot.objects.exists()


def test_a_ballot_of_the_session_keeps_its_csrf_check(community, voting, taken):
    category, projects = voting
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_resident(community), backend="hromada.core.auth.ResidentBackend")
    assert ballot(client, category, projects[:1]).status_code == 403
    # A token together with a session cookie: the full chain decides, too.
    key = issue_api_token(resident=make_resident(community), name="t")[1]
    assert ballot(client, category, projects[:1], key).status_code == 201
    assert taken == []


# -- the mechanism ------------------------------------------------------------------


def test_a_view_that_needs_csrf_never_takes_a_lane_leaving_it_out(community, monkeypatch, taken):
    """The web chat's send is not exempt from CSRF: a lane naming it is not taken."""
    lane = lanes.Lane(
        name="careless",
        paths=r"/chatbot/chat/send/",
        views=frozenset({"chatbot:webchat_send"}),
        skip=lanes.FOR_PAGES,
    )
    monkeypatch.setattr(lanes, "installed_lanes", lambda: [lane])
    client = Client(enforce_csrf_checks=True)
    response = client.post("/chatbot/chat/send/", {"text": "привіт"})
    assert response.status_code == 403
    assert taken == []


def test_a_lane_may_not_leave_out_what_the_chain_does_not_have(monkeypatch):
    lane = lanes.Lane(
        name="typo",
        paths=r"/x/",
        views=frozenset({"x:y"}),
        skip=frozenset({"django.middleware.csrf.CsrfMiddleware"}),
    )
    monkeypatch.setattr(lanes, "installed_lanes", lambda: [lane])
    with pytest.raises(ImproperlyConfigured):
        lanes.LaneMiddleware(lambda request: None)


def test_every_lane_keeps_the_communitys_and_the_nul_check():
    kept = {
        "hromada.core.middleware.CommunityMiddleware",
        "hromada.core.middleware.RefuseNulMiddleware",
    }
    for lane in lanes.installed_lanes():
        assert not lane.skip & kept, lane.name
        assert kept <= set(settings.MIDDLEWARE)
