"""Photos of appeals are sent only to whoever may see the appeal, never from MEDIA_ROOT."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from hromada.appeals import services
from hromada.appeals.models import Appeal, AppealPhoto
from hromada.core.models import Identity, StaffRole
from hromada.core.services import issue_api_token
from tests.appeals.conftest import image_upload, report
from tests.factories import client_for, make_resident, make_staff

pytestmark = pytest.mark.django_db
PIVDENNE = "pivdenne.localhost"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def complaint(community, categories, resident) -> Appeal:
    return services.submit_written_appeal(
        community=community,
        kind=Appeal.Kind.COMPLAINT,
        category=categories["bins-full"],
        subject="Скарга на перевізника",
        text="Приватний текст.",
        photos=[image_upload("scan.jpg")],
        author=resident,
    )


def photo_url(appeal: Appeal) -> str:
    return AppealPhoto.objects.get(appeal=appeal).get_absolute_url()


def test_private_appeal_photo_is_for_the_author_and_handling_staff_only(
    community, complaint, resident, neighbour, housing_staff, water_staff, moderator
):
    url = photo_url(complaint)
    assert client_for().get(url).status_code == 404
    assert client_for(neighbour).get(url).status_code == 404
    assert client_for(water_staff).get(url).status_code == 404  # another department
    for viewer in (resident, housing_staff, moderator):
        response = client_for(viewer).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert "private" in response["Cache-Control"]
        assert "public" not in response["Cache-Control"]
        assert body(response).startswith(b"\xff\xd8")  # a JPEG


def test_staff_of_another_community_get_not_found(community, other_community, complaint):
    url = photo_url(complaint)
    their_moderator = make_staff(other_community, StaffRole.Role.MODERATOR)
    assert client_for(their_moderator).get(url).status_code == 404
    assert client_for(their_moderator, host=PIVDENNE).get(url).status_code == 404


def test_public_report_photo_is_for_everyone_until_hidden(
    community, categories, resident, moderator
):
    appeal = report(community, categories, resident, photos=[image_upload()])
    photo = AppealPhoto.objects.get(appeal=appeal)
    for url in (photo.get_absolute_url(), reverse("appeals:cover", args=[appeal.pk])):
        response = client_for().get(url)
        assert response.status_code == 200
        assert response["Cache-Control"].startswith("public")
        assert body(response).startswith(b"\xff\xd8")
    services.reject_appeal(appeal=appeal, staff=moderator, reason="Особисті дані.", hide=True)
    assert client_for().get(photo.get_absolute_url()).status_code == 404
    assert (
        client_for(make_resident(community, level=Identity.EMAIL))
        .get(photo.get_absolute_url())
        .status_code
        == 404
    )
    response = client_for(resident).get(photo.get_absolute_url())
    assert response.status_code == 200 and "private" in response["Cache-Control"]


def test_a_photo_of_another_appeal_is_not_found(community, categories, resident, complaint):
    public = report(community, categories, resident)
    private_photo = AppealPhoto.objects.get(appeal=complaint)
    url = reverse("appeals:photo", args=[public.pk, private_photo.pk])
    assert client_for().get(url).status_code == 404
    assert client_for().get(reverse("appeals:cover", args=[public.pk])).status_code == 404


def test_photos_are_kept_outside_media_root(community, complaint):
    photo = AppealPhoto.objects.get(appeal=complaint)
    path = Path(photo.image.path).resolve()
    assert path.is_file()
    assert path.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
    assert not path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    with pytest.raises(ValueError):
        photo.image.url  # noqa: B018 - no direct address exists


def test_pages_and_api_link_to_the_photo_view(community, complaint, resident, housing_staff):
    url = photo_url(complaint)
    assert url in client_for(resident).get(complaint.get_absolute_url()).content.decode()
    staff_page = client_for(housing_staff).get(reverse("appeals:staff_detail", args=[complaint.pk]))
    assert url in staff_page.content.decode()
    token = {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(resident=resident, name='t')[1]}"}
    data = client_for().get(f"/api/v1/appeals/reports/{complaint.pk}", **token).json()
    assert data["photos"] == [url]
    # An API client follows the address with its token; without one, nothing.
    assert client_for().get(url, **token).status_code == 200
    assert client_for().get(url, HTTP_AUTHORIZATION="Bearer wrong").status_code == 404


def test_migration_moves_photos_out_of_media_root(community, complaint):
    """Photos saved under MEDIA_ROOT before the private storage move there on migrate."""
    from importlib import import_module

    from django.apps import apps
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    photo = AppealPhoto.objects.get(appeal=complaint)
    private, public = storages["private"], storages["default"]
    old_name = public.save("appeals/old/scan.jpg", ContentFile(b"old photo"))
    AppealPhoto.objects.filter(pk=photo.pk).update(image=old_name)
    migration = import_module("hromada.appeals.migrations.0003_private_photos_and_source")
    migration.move_photos(apps, None)
    assert not public.exists(old_name)
    with private.open(old_name) as moved:
        assert moved.read() == b"old photo"
