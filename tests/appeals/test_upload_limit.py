"""
Uploads over the request limit are refused by their declared length, unread.

The report's photo step is the busiest upload form; the limit itself lives in
core (FILE_UPLOAD_HANDLERS), so every upload form and API behaves the same.
"""

import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse

from hromada.appeals.models import Appeal, AppealPhoto
from tests.appeals.conftest import LAT, LON, image_upload
from tests.factories import client_for

pytestmark = pytest.mark.django_db


def stored_files() -> list[Path]:
    roots = (Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT))
    return [path for root in roots if root.exists() for path in root.rglob("*") if path.is_file()]


def report_with_photos(client, url: str):
    return client.post(
        url,
        {
            "lat": LAT,
            "lon": LON,
            "address": "біля буд. 5",
            "description": "Не світить ліхтар.",
            "attr_lamps": "2",
            "photos": [image_upload(size=(400, 300)), image_upload(size=(400, 300))],
        },
    )


def test_a_report_whose_body_is_over_the_limit_is_refused_with_the_413_page(
    community, categories, resident, settings
):
    url = reverse("appeals:report_details", args=["light-out"])
    client = client_for(resident)
    before = stored_files()
    settings.HROMADA_MAX_REQUEST_BYTES = 2000  # the two photos come to more

    refused = report_with_photos(client, url)

    assert refused.status_code == 413
    text = refused.content.decode()
    assert "Файли завеликі" in text
    assert '<html lang="uk">' in text
    assert not Appeal.objects.exists()
    assert not AppealPhoto.objects.exists()
    assert stored_files() == before

    settings.HROMADA_MAX_REQUEST_BYTES = 12 * 1024 * 1024  # the same report, within the limit
    accepted = report_with_photos(client, url)

    assert accepted.status_code == 302
    assert Appeal.objects.get().photos.count() == 2


def test_the_api_refuses_an_upload_over_the_limit_in_its_error_shape(
    community, categories, resident, settings
):
    settings.HROMADA_MAX_REQUEST_BYTES = 2000
    response = client_for(resident).post(
        "/api/v1/appeals/reports/1/photos", {"photos": [image_upload(size=(400, 300))]}
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert "завеликі" in response.json()["error"]["message"]


@pytest.mark.django_db(transaction=True)
def test_the_body_is_refused_before_it_is_sent(live_server, community, categories):
    """
    A 50 MB body is declared, 1 KB of it sent: the answer comes at once.

    Were the body read first, the server would wait for the other 50 MB and
    the socket would time out.
    """
    address = urlsplit(live_server.url)
    path = reverse("appeals:report_details", args=["light-out"])
    boundary = "hromada-boundary"
    head = (
        f"POST {path} HTTP/1.1\r\n"
        f"Host: {address.hostname}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {50 * 1024 * 1024}\r\n"
        # A well-formed CSRF cookie: the check then reads the form, which the
        # limit refuses. Without the cookie the request is refused even earlier.
        "Cookie: csrftoken=abcdefghijklmnopqrstuvwxyz012345\r\n"
        "\r\n"
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="photos"; filename="big.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        connection.sendall(head + b"\xff" * 1024)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk

    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert not Appeal.objects.exists()
