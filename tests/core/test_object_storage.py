"""
Uploads in S3-compatible object storage (STORAGE_URL), against moto's S3 server.

Public files are readable at their bucket address; private ones stay under
private/, are never given an address, and reach only those the photo view lets
through. Backups read both prefixes and restore them into an emptied bucket.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage, storages
from django.urls import reverse

from hromada.appeals import services as appeals
from hromada.appeals.forms import WrittenAppealForm
from hromada.appeals.models import Appeal, AppealPhoto
from hromada.budget import services as budget
from hromada.core.models import Department, Identity
from hromada.core.storage import file_origins, file_storages, object_storage_options
from tests.appeals.conftest import image_upload
from tests.budget.helpers import draft, make_category, make_cycle
from tests.budget.helpers import image_upload as budget_image
from tests.core.test_deployment import assert_private, run_hromada
from tests.factories import client_for, make_resident
from tests.support import s3


@pytest.fixture(scope="session")
def s3_endpoint():
    with s3.moto_server() as endpoint:
        yield endpoint


@pytest.fixture
def bucket(s3_endpoint) -> str:
    return s3.new_bucket(s3_endpoint)


@pytest.fixture
def object_storage(settings, s3_endpoint, bucket, tmp_path):
    """Switch uploads to the bucket, as STORAGE_URL does at start-up."""
    stores = file_storages(
        {"STORAGE_URL": s3.storage_url(s3_endpoint, bucket)}, private_root=tmp_path / "unused"
    )
    settings.STORAGES = {**settings.STORAGES, **stores}
    return bucket


def written_topic(community) -> str:
    """Return a topic the written appeal form offers."""
    for value, label in WrittenAppealForm(community=community).fields["category"].choices:
        if isinstance(label, (list, tuple)):
            return str(label[0][0])
        if value:
            return str(value)
    raise AssertionError("the form offers no topic")


@pytest.fixture
def written_appeal(db, community, object_storage):
    """A private complaint with a scan, sent through the form as a resident would."""
    Department.objects.create(community=community, name="Управління ЖКГ")
    appeals.install_default_categories(community=community)
    author = make_resident(community, level=Identity.EMAIL)
    response = client_for(author).post(
        reverse("appeals:write"),
        {
            "kind": "complaint",
            "category": written_topic(community),
            "subject": "Скарга на перевізника",
            "text": "Приватний текст.",
            "photos": [image_upload("scan.jpg")],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    appeal = Appeal.objects.get(author=author)
    return appeal, author


# -- the setting --------------------------------------------------------------


def test_without_storage_url_files_stay_on_the_local_disk(tmp_path):
    stores = file_storages({}, private_root=tmp_path)
    assert stores["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert stores["private"]["BACKEND"] == "hromada.core.storage.PrivateStorage"
    assert stores["private"]["OPTIONS"] == {"location": tmp_path}
    assert file_origins(stores) == []


def test_storage_url_names_the_store_and_both_prefixes(tmp_path):
    url = (
        "s3://AKIA%2Fkey:se%2Fcr%2Bet@minio.internal:9000/hromada/chornomorsk"
        "?region=eu-central-1&secure=0&private_bucket=hromada-private"
    )
    stores = file_storages({"STORAGE_URL": url}, private_root=tmp_path)
    public, private = stores["default"]["OPTIONS"], stores["private"]["OPTIONS"]
    assert stores["default"]["BACKEND"] == "hromada.core.objectstorage.PublicObjectStorage"
    assert stores["private"]["BACKEND"] == "hromada.core.objectstorage.PrivateObjectStorage"
    assert public["endpoint_url"] == private["endpoint_url"] == "http://minio.internal:9000"
    assert public["access_key"] == "AKIA/key" and public["secret_key"] == "se/cr+et"
    assert (public["bucket_name"], public["location"]) == ("hromada", "chornomorsk/public")
    assert (private["bucket_name"], private["location"]) == (
        "hromada-private",
        "chornomorsk/private",
    )
    assert public["addressing_style"] == "path" and public["region_name"] == "eu-central-1"
    assert public["default_acl"] is None  # the bucket policy grants reading public/
    assert private["default_acl"] == "private"
    assert file_origins(stores) == ["http://minio.internal:9000"]


def test_storage_url_for_aws_itself_and_the_aws_variables(tmp_path):
    options = object_storage_options("s3://@/hromada-files?region=eu-central-1")
    assert options["endpoint_url"] is None and options["access_key"] is None
    assert options["addressing_style"] is None
    # A bucket with ACLs switched off (AWS's default) gets no ACL header at all.
    no_acls = file_storages(
        {"STORAGE_URL": "s3://@/hromada-files?acls=0&public_acl=public-read"},
        private_root=tmp_path,
    )
    assert no_acls["private"]["OPTIONS"]["default_acl"] is None
    assert no_acls["default"]["OPTIONS"]["default_acl"] is None
    assert file_origins(no_acls) == ["https://hromada-files.s3.amazonaws.com"]
    stores = file_storages(
        {"AWS_STORAGE_BUCKET_NAME": "files", "AWS_S3_ENDPOINT_URL": "https://s3.example.org"},
        private_root=tmp_path,
    )
    assert stores["private"]["OPTIONS"]["bucket_name"] == "files"
    assert stores["private"]["OPTIONS"]["location"] == "private"
    assert stores["default"]["OPTIONS"]["endpoint_url"] == "https://s3.example.org"
    assert file_origins(stores) == ["https://s3.example.org"]


@pytest.mark.parametrize(
    "url",
    [
        "https://key:secret@host/bucket",
        "s3://key:secret@host:9000/",
        "s3://key:secret@host/bucket?regoin=eu-central-1",
        "s3://key:secret@host/bucket?addressing=sideways",
    ],
)
def test_a_wrong_storage_url_stops_the_start(url, tmp_path):
    with pytest.raises(ImproperlyConfigured):
        file_storages({"STORAGE_URL": url}, private_root=tmp_path)


# -- private files ------------------------------------------------------------


def test_appeal_photo_from_the_form_is_stored_privately_in_the_bucket(s3_endpoint, written_appeal):
    appeal, author = written_appeal
    photo = AppealPhoto.objects.get(appeal=appeal)
    stored = s3.keys(s3_endpoint, written_appeal_bucket(photo))
    assert list(stored) == [f"private/{photo.image.name}"]
    assert photo.image.name.startswith(f"appeals/{appeal.community_id}/")
    assert stored[f"private/{photo.image.name}"].startswith(b"\xff\xd8")  # re-encoded JPEG
    # The store itself refuses anyone without credentials.
    bucket_address = f"{s3_endpoint}/{written_appeal_bucket(photo)}/private/{photo.image.name}"
    assert s3.anonymous_get(bucket_address) == (403, b"")
    grants = s3.client(s3_endpoint).get_object_acl(
        Bucket=written_appeal_bucket(photo), Key=f"private/{photo.image.name}"
    )["Grants"]
    assert all("URI" not in grant["Grantee"] for grant in grants)  # no AllUsers grant
    # And the application never hands out the bucket's address.
    with pytest.raises(ValueError):
        photo.image.url  # noqa: B018
    page = client_for(author).get(appeal.get_absolute_url()).content.decode()
    assert photo.get_absolute_url() in page
    assert urlparse(s3_endpoint).netloc not in page


def written_appeal_bucket(photo: AppealPhoto) -> str:
    return photo.image.storage.bucket_name


def test_photo_view_streams_the_photo_to_the_author_only(s3_endpoint, written_appeal, community):
    appeal, author = written_appeal
    photo = AppealPhoto.objects.get(appeal=appeal)
    in_bucket = s3.keys(s3_endpoint, written_appeal_bucket(photo), "private/")
    response = client_for(author).get(photo.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == in_bucket[f"private/{photo.image.name}"]
    neighbour = make_resident(community, level=Identity.EMAIL)
    for refused in (client_for(neighbour), client_for()):
        response = refused.get(photo.get_absolute_url())
        assert response.status_code == 404
        assert "Location" not in response


def test_photo_view_can_redirect_to_a_signed_address_after_the_check(
    settings, s3_endpoint, written_appeal, community
):
    settings.HROMADA_PRIVATE_FILES_REDIRECT = True
    appeal, author = written_appeal
    photo = AppealPhoto.objects.get(appeal=appeal)
    response = client_for(author).get(photo.get_absolute_url())
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    signed = urlparse(response["Location"])
    bucket = written_appeal_bucket(photo)
    assert f"{signed.scheme}://{signed.netloc}" == s3_endpoint
    assert signed.path == f"/{bucket}/private/{photo.image.name}"
    assert parse_qs(signed.query)["X-Amz-Expires"] == ["60"]
    status, body = s3.anonymous_get(response["Location"])
    assert status == 200 and body.startswith(b"\xff\xd8")
    # Without its signature the same address is refused by the store.
    assert s3.anonymous_get(f"{s3_endpoint}{signed.path}")[0] == 403
    # Those the check refuses get no address at all.
    neighbour = make_resident(community, level=Identity.EMAIL)
    for refused in (client_for(neighbour), client_for()):
        response = refused.get(photo.get_absolute_url())
        assert response.status_code == 404 and "Location" not in response


def test_removed_photos_leave_the_bucket(s3_endpoint, written_appeal):
    appeal, author = written_appeal
    photo = AppealPhoto.objects.get(appeal=appeal)
    bucket = written_appeal_bucket(photo)
    storages["private"].delete(photo.image.name)
    assert s3.keys(s3_endpoint, bucket, "private/") == {}
    assert client_for(author).get(photo.get_absolute_url()).status_code == 404


# -- public files -------------------------------------------------------------


def test_budget_project_photo_is_public_under_public(s3_endpoint, object_storage, community):
    cycle = make_cycle(community)
    author = make_resident(community, level=Identity.STRONG)
    project = draft(author, make_category(cycle))
    photo = budget.add_photo(
        resident=author, project=project, upload=budget_image(), caption="Місце зараз"
    )
    stored = s3.keys(s3_endpoint, object_storage)
    assert list(stored) == [f"public/{photo.image.name}"]
    url = photo.image.url
    assert url == f"{s3_endpoint}/{object_storage}/public/{photo.image.name}"
    assert "Signature" not in url  # a plain address that stays valid
    assert s3.anonymous_get(url) == (200, stored[f"public/{photo.image.name}"])
    assert default_storage.exists(photo.image.name)


def test_two_uploads_with_one_name_keep_both(object_storage):
    from django.core.files.base import ContentFile

    first = default_storage.save("petitions/answers/answer.pdf", ContentFile(b"%PDF-1 first"))
    second = default_storage.save("petitions/answers/answer.pdf", ContentFile(b"%PDF-1 second"))
    assert first != second
    with default_storage.open(first) as handle:
        assert handle.read() == b"%PDF-1 first"


# -- backups ------------------------------------------------------------------


def archived(path: Path) -> dict[str, bytes]:
    with tarfile.open(path) as archive:
        return {
            member.name: archive.extractfile(member).read()
            for member in archive.getmembers()
            if member.isfile()
        }


@pytest.mark.once  # its own SQLite database, whatever the suite runs on
def test_backup_and_restore_of_object_storage(s3_endpoint, bucket, tmp_path):
    env = {
        "HROMADA_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'db.sqlite3'}",
        "STORAGE_URL": s3.storage_url(s3_endpoint, bucket),
    }
    # The database is copied as it is: no need to migrate it for this test.
    client = s3.client(s3_endpoint)
    files = {
        "public/budget/photos/sквер.jpg": b"public picture",
        "public/petitions/answers/answer.pdf": b"%PDF-1.4 answer",
        "private/appeals/1/2026/05/scan.jpg": b"private picture",
    }
    for key, body in files.items():
        client.put_object(Bucket=bucket, Key=key, Body=body)

    backup = run_hromada("backup", "--to", str(tmp_path / "backups"), env=env)
    assert backup.returncode == 0, backup.stderr
    folder = Path(backup.stdout.strip().splitlines()[-1])
    assert_private(folder)
    assert archived(folder / "media.tar.gz") == {
        "media/budget/photos/sквер.jpg": b"public picture",
        "media/petitions/answers/answer.pdf": b"%PDF-1.4 answer",
    }
    assert archived(folder / "private-media.tar.gz") == {
        "private-media/appeals/1/2026/05/scan.jpg": b"private picture"
    }

    s3.empty(s3_endpoint, bucket)
    client.put_object(Bucket=bucket, Key="public/after-the-backup.jpg", Body=b"later")
    restore = run_hromada("restore", str(folder), "--yes", env=env)
    assert restore.returncode == 0, restore.stderr

    assert s3.keys(s3_endpoint, bucket) == files
    private_address = f"{s3_endpoint}/{bucket}/private/appeals/1/2026/05/scan.jpg"
    assert s3.anonymous_get(private_address)[0] == 403
    public_address = f"{s3_endpoint}/{bucket}/public/petitions/answers/answer.pdf"
    assert s3.anonymous_get(public_address) == (200, b"%PDF-1.4 answer")

    # A bucket kept by versioning and replication: the nightly backup skips its files.
    nightly = run_hromada("backup", "--database-only", "--to", str(tmp_path / "nightly"), env=env)
    assert nightly.returncode == 0, nightly.stderr
    folder = Path(nightly.stdout.strip().splitlines()[-1])
    assert [path.name for path in folder.iterdir()] == ["database.sqlite3"]


def test_restore_refuses_an_archive_reaching_outside_its_folder(
    s3_endpoint, object_storage, tmp_path
):
    from django.core.management import CommandError

    from hromada.core.management.commands.restore import restore_files

    default_storage.save("kept.jpg", io.BytesIO(b"kept"))
    archive_path = tmp_path / "media.tar.gz"
    with tarfile.open(archive_path, "w:gz") as archive:
        member = tarfile.TarInfo("media/../private/appeals/planted.jpg")
        member.size = 4
        archive.addfile(member, io.BytesIO(b"evil"))
    with pytest.raises(CommandError):
        restore_files(default_storage, archive_path, "media")
    # Nothing was deleted or planted.
    assert set(s3.keys(s3_endpoint, object_storage)) == {"public/kept.jpg"}
