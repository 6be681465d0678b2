"""Cross-cutting services: audit log, calendar, notifications, uploads, registry."""

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from hromada.core import audit, notifications, registry, services
from hromada.core.calendar import add_working_days, working_days_between
from hromada.core.errors import Forbidden
from hromada.core.geo import distance_m, territory_contains
from hromada.core.models import AuditEntry, CalendarDay, Notification, StaffRole
from hromada.core.uploads import InvalidUpload, clean_image, clean_pdf
from tests.factories import SQUARE, make_resident, make_staff


def test_audit_log_is_append_only(community):
    entry = audit.record(actor=None, action="test.done", target=community, after={"x": 1})
    entry.action = "changed"
    with pytest.raises(PermissionDenied):
        entry.save()
    with pytest.raises(PermissionDenied):
        entry.delete()
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.done"


def test_audit_history_lists_one_object_in_order(community):
    audit.record(actor=None, action="first", target=community)
    audit.record(actor=None, action="second", target=community)
    assert [e.action for e in audit.history(community)] == ["first", "second"]


def test_working_days_skip_weekends_and_holidays(community):
    friday = date(2026, 12, 18)
    assert add_working_days(friday, 1, community=community) == date(2026, 12, 21)
    CalendarDay.objects.create(community=community, date=date(2026, 12, 21), kind="holiday")
    assert add_working_days(friday, 1, community=community) == date(2026, 12, 22)
    # A transferred working Saturday counts.
    CalendarDay.objects.create(community=community, date=date(2026, 12, 19), kind="working")
    assert add_working_days(friday, 1, community=community) == date(2026, 12, 19)
    assert working_days_between(friday, date(2026, 12, 25), community=community) == 5


def test_working_days_are_per_community(community, other_community):
    CalendarDay.objects.create(community=other_community, date=date(2026, 12, 21), kind="holiday")
    friday = date(2026, 12, 18)
    assert add_working_days(friday, 1, community=community) == date(2026, 12, 21)
    assert add_working_days(friday, 1, community=other_community) == date(2026, 12, 22)


def test_only_administrators_edit_the_calendar(community):
    staff = make_staff(community, StaffRole.Role.MODERATOR)
    with pytest.raises(PermissionDenied):
        services.set_calendar_day(
            actor=staff, community=community, day=date(2026, 12, 31), kind="holiday"
        )
    admin = make_staff(community, StaffRole.Role.ADMINISTRATOR)
    services.set_calendar_day(
        actor=admin, community=community, day=date(2026, 12, 31), kind="holiday"
    )
    assert CalendarDay.objects.get(community=community).kind == "holiday"


def test_notification_is_sent_only_after_commit(
    community, django_capture_on_commit_callbacks, mailoutbox
):
    resident = make_resident(community)
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(resident, "core/confirm_email", community=community, link="http://x/")
    notification = Notification.objects.get(resident=resident)
    assert notification.status == Notification.Status.SENT
    assert mailoutbox[0].to == [resident.email]


def test_notification_respects_the_residents_choice(community):
    resident = make_resident(community)
    resident.notify_by_email = False
    resident.save()
    assert notifications.notify(resident, "core/confirm_email", community=community, link="x") == []


def test_notification_is_rendered_in_the_residents_language(
    community, django_capture_on_commit_callbacks, mailoutbox
):
    resident = make_resident(community)
    resident.language = "en"
    resident.save()
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(resident, "core/confirm_email", community=community, link="x")
    assert mailoutbox[0].subject == "Confirm your e-mail address"


def _image_bytes(fmt="JPEG", size=(64, 48)) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"  # Make
    image.save(out, fmt, exif=exif) if fmt == "JPEG" else image.save(out, fmt)
    return out.getvalue()


def test_images_are_reencoded_without_metadata():
    upload = SimpleUploadedFile("photo.jpg", _image_bytes(), content_type="image/jpeg")
    cleaned = clean_image(upload)
    assert cleaned.name.endswith(".jpg")
    data = cleaned.read()
    assert b"SecretCamera" not in data
    assert Image.open(io.BytesIO(data)).size == (64, 48)


def test_non_images_and_oversized_images_are_refused(settings):
    with pytest.raises(InvalidUpload):
        clean_image(SimpleUploadedFile("x.jpg", b"<?php echo 1; ?>"))
    settings.HROMADA_MAX_IMAGE_BYTES = 100
    with pytest.raises(InvalidUpload) as error:
        clean_image(SimpleUploadedFile("big.jpg", _image_bytes(size=(400, 400))))
    assert error.value.fields == {"photo": "too_large"}


def test_pdf_signature_is_checked():
    assert clean_pdf(SimpleUploadedFile("a.pdf", b"%PDF-1.4\n...")).name.endswith(".pdf")
    with pytest.raises(InvalidUpload):
        clean_pdf(SimpleUploadedFile("a.pdf", b"MZ\x90\x00"))


def test_territory_and_distance():
    assert territory_contains(SQUARE, lat=46.30, lon=30.65)
    assert not territory_contains(SQUARE, lat=46.62, lon=31.10)
    assert 1100 < distance_m(46.30, 30.65, 46.31, 30.65) < 1120


def test_modules_can_be_switched_off(settings):
    settings.HROMADA_MODULES = ["budget"]
    assert [module.name for module in registry.modules()] == ["budget"]
    assert registry.module("petitions") is None


def test_revoking_a_role_needs_an_administrator(community):
    staff = make_staff(community, StaffRole.Role.STAFF)
    moderator = make_staff(community, StaffRole.Role.MODERATOR)
    with pytest.raises(PermissionDenied):
        services.revoke_role(actor=moderator, staff_role=staff.staff_roles.get())


def test_domain_errors_format_their_parameters():
    error = Forbidden("%(n)d left", n=3)
    assert str(error) == "3 left"
