"""Registering problem reports and written appeals through the services."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hromada.appeals import deadlines, errors, services
from hromada.appeals.models import Appeal, AppealCounter, AppealPhoto, cell_of
from hromada.core.audit import history
from hromada.core.calendar import add_months
from hromada.core.errors import Forbidden, IdentityRequired
from hromada.core.models import AuditEntry, Identity, Street
from tests.appeals.conftest import LAT, LON, OUTSIDE, image_upload, report
from tests.factories import make_resident

pytestmark = pytest.mark.django_db


def test_report_gets_number_route_deadlines_and_history(
    community, categories, resident, housing, django_capture_on_commit_callbacks
):
    """A report is numbered for the year, routed to its category's department, audited and notified."""
    with django_capture_on_commit_callbacks(execute=True):
        appeal = report(community, categories, resident, address="біля буд. 5")
    year = timezone.localdate().year
    assert appeal.number == f"{year}/000001"
    assert appeal.kind == Appeal.Kind.REPORT
    assert appeal.status == Appeal.Status.NEW and appeal.is_open
    assert appeal.department == housing
    assert appeal.cell == cell_of(LAT, LON)
    received = timezone.localdate(appeal.created_at)
    # Street lights need no study: 15 days (art. 20); the target is 3 working days.
    assert appeal.due_on == deadlines.answer_due(
        received, requires_study=False, community=community
    )
    assert appeal.due_on >= received + timedelta(days=15)
    assert appeal.target_on == deadlines.target_date(received, days=3, community=community)
    assert [entry.action for entry in history(appeal)] == ["appeal.registered"]
    # On PostgreSQL the number, the row and this entry come from one statement.
    entry = history(appeal).get()
    assert (entry.community_id, entry.actor_id) == (community.pk, resident.pk)
    assert (entry.target_id, entry.target_label) == (str(appeal.pk), appeal.number)
    assert entry.before == {}
    assert entry.after == {
        "number": appeal.number,
        "kind": "report",
        "channel": appeal.channel,
        "category": appeal.category.service_code,
        "department": housing.pk,
        "photos": 0,
    }
    stored = Appeal.objects.get(pk=appeal.pk)
    assert (stored.number, stored.created_at) == (appeal.number, appeal.created_at)
    assert len(mail.outbox) == 1
    assert appeal.number in mail.outbox[0].subject


def test_numbers_count_up_per_community_and_year(
    community, other_community, categories, other_categories, resident
):
    """Each community numbers its appeals on its own, one counter row per year."""
    first = report(community, categories, resident)
    second = report(community, categories, resident)
    other = services.submit_report(
        community=other_community,
        category=other_categories["light-out"],
        description="Темно.",
        lat=LAT,
        lon=LON,
        author=make_resident(other_community, level=Identity.EMAIL),
    )
    year = timezone.localdate().year
    assert [first.number, second.number] == [f"{year}/000001", f"{year}/000002"]
    assert other.number == f"{year}/000001"
    assert AppealCounter.objects.get(community=community, year=year).last == 2


def test_counter_continues_from_the_stored_value(community, categories, resident):
    """The number comes from the counter row, so numbers go on after earlier ones."""
    year = timezone.localdate().year
    AppealCounter.objects.create(community=community, year=year, last=1233)
    assert report(community, categories, resident).number == f"{year}/001234"


def test_point_outside_the_territory_is_refused(community, categories, resident):
    """A point outside the community is refused with a clear message and nothing is stored."""
    with pytest.raises(errors.OutsideTerritory) as caught:
        report(community, categories, resident, lat=OUTSIDE[0], lon=OUTSIDE[1])
    assert "поза територією громади" in str(caught.value)
    assert caught.value.fields == {"location": str(caught.value)}
    assert not Appeal.objects.exists()
    assert not AppealCounter.objects.exists()
    assert not mail.outbox


def test_missing_location_is_refused(community, categories, resident):
    """A report needs a point, a street or an address."""
    with pytest.raises(errors.LocationRequired):
        report(community, categories, resident, lat=None, lon=None)
    assert not Appeal.objects.exists()


def test_half_a_point_is_refused(community, categories, resident):
    with pytest.raises(errors.LocationRequired) as caught:
        report(community, categories, resident, lat=LAT, lon=None)
    assert caught.value.fields["location"] == "Укажіть і широту, і довготу."


def test_street_stands_in_for_the_point(community, categories, resident):
    """Without a point, the registry street's point and name are used."""
    street = Street.objects.get(settlement__community=community)
    appeal = report(community, categories, resident, lat=None, lon=None, street=street)
    assert (appeal.lat, appeal.lon) == (street.lat, street.lon)
    assert appeal.address == str(street)


def test_street_of_another_community_is_refused(community, other_community, categories, resident):
    street = Street.objects.get(settlement__community=other_community)
    with pytest.raises(errors.LocationRequired):
        report(community, categories, resident, street=street)


@pytest.mark.parametrize("code", ["lighting", "no-such-code"])
def test_wrong_category_is_refused(community, categories, resident, code):
    """A group (not a category) or a category of nowhere cannot take a report."""
    with pytest.raises(errors.CategoryInvalid):
        services.submit_report(
            community=community,
            category=categories.get(code),
            description="Щось трапилось.",
            lat=LAT,
            lon=LON,
            author=resident,
        )
    assert not Appeal.objects.exists()


def test_category_of_another_community_is_refused(
    community, categories, other_categories, resident
):
    with pytest.raises(errors.CategoryInvalid):
        services.submit_report(
            community=community,
            category=other_categories["pothole"],
            description="Яма.",
            lat=LAT,
            lon=LON,
            author=resident,
            attributes={"size": "small"},
        )


def test_inactive_category_is_refused(community, categories, resident):
    category = categories["light-out"]
    category.is_active = False
    category.save()
    with pytest.raises(errors.CategoryInvalid):
        report(community, categories, resident)


def test_overlong_text_is_refused(community, categories, resident):
    """The description is limited to 4,000 characters, as in Open311."""
    with pytest.raises(errors.TextInvalid) as caught:
        report(community, categories, resident, description="я" * 4001)
    assert "4001" in caught.value.fields["description"]
    assert not Appeal.objects.exists()


def test_empty_text_is_refused(community, categories, resident):
    with pytest.raises(errors.TextInvalid):
        report(community, categories, resident, description="   \n ")


def test_every_problem_is_reported_at_once(community, categories, resident):
    """Several wrong fields come back together, each under its own name."""
    with pytest.raises(errors.TextInvalid) as caught:
        report(
            community,
            categories,
            resident,
            code="pothole",
            description="",
            lat=OUTSIDE[0],
            lon=OUTSIDE[1],
        )
    assert set(caught.value.fields) == {"description", "location", "attribute[size]"}


def test_photos_are_re_encoded_and_stored(community, categories, resident):
    """Up to five photos are stored re-encoded under the community's folder."""
    appeal = report(
        community, categories, resident, photos=[image_upload(), image_upload("b.png", fmt="PNG")]
    )
    photos = list(appeal.photos.all())
    assert len(photos) == 2
    assert all(p.kind == AppealPhoto.Kind.BEFORE for p in photos)
    assert photos[0].image.name.startswith(f"appeals/{community.pk}/")
    assert photos[0].image.name.endswith(".jpg")


def test_sixth_photo_is_refused(community, categories, resident):
    with pytest.raises(errors.TooManyPhotos) as caught:
        report(community, categories, resident, photos=[image_upload() for _ in range(6)])
    assert "5" in str(caught.value)
    assert not Appeal.objects.exists()
    assert not AppealPhoto.objects.exists()


def test_non_image_file_is_refused(community, categories, resident, settings):
    """A file that is not an image is refused; no appeal and no file are left behind."""
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")

    def files() -> set:
        roots = (settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT)
        return {path for root in roots if root.exists() for path in root.rglob("*")}

    before = files()
    with pytest.raises(errors.PhotoInvalid) as caught:
        report(community, categories, resident, photos=[image_upload(), fake])
    assert "не є зображенням" in caught.value.fields["photos"]
    assert not Appeal.objects.exists()
    assert files() == before


def test_oversized_image_is_refused(community, categories, resident, settings):
    settings.HROMADA_MAX_IMAGE_BYTES = 100
    with pytest.raises(errors.PhotoInvalid) as caught:
        report(community, categories, resident, photos=[image_upload()])
    assert "більше" in caught.value.fields["photos"]
    assert not Appeal.objects.exists()


def test_required_attribute_is_checked(community, categories, resident):
    """A pothole needs its size; the answer must be one of the listed keys."""
    with pytest.raises(errors.AttributeInvalid) as caught:
        report(community, categories, resident, code="pothole", attributes={})
    assert "attribute[size]" in caught.value.fields
    with pytest.raises(errors.AttributeInvalid):
        report(community, categories, resident, code="pothole", attributes={"size": "huge"})
    appeal = report(
        community, categories, resident, code="pothole", attributes={"size": "large", "x": "1"}
    )
    assert appeal.attributes == {"size": "large"}


def test_number_attribute_is_typed(community, categories, resident):
    appeal = report(community, categories, resident, attributes={"lamps": "3", "pole": "14/3"})
    assert appeal.attributes == {"lamps": 3, "pole": "14/3"}
    with pytest.raises(errors.AttributeInvalid):
        report(community, categories, resident, attributes={"lamps": "три"})


def test_identity_level_is_required(community, categories):
    """Reporting needs a confirmed e-mail; an unconfirmed account is sent to confirm it."""
    unconfirmed = make_resident(community, level=Identity.NONE)
    with pytest.raises(IdentityRequired):
        report(community, categories, unconfirmed)
    with pytest.raises(IdentityRequired):
        report(community, categories, None)


def test_community_may_raise_the_level(community, categories, resident):
    community.action_levels = {"appeals.report": Identity.STRONG}
    community.save()
    with pytest.raises(IdentityRequired):
        report(community, categories, resident)


def test_author_name_is_public_only_when_chosen(community, categories, resident):
    hidden = report(community, categories, resident)
    shown = report(community, categories, resident, author_public=True)
    assert hidden.author_display != resident.full_name
    assert shown.author_display == resident.full_name


def test_written_appeal_has_no_place_and_a_month(community, categories, resident):
    """A complaint is registered without a map point and gets a month (art. 20)."""
    appeal = services.submit_written_appeal(
        community=community,
        kind=Appeal.Kind.COMPLAINT,
        category=categories["bins-full"],
        subject="Скарга на перевізника",
        text="Сміття не вивозять тиждень.",
        author=resident,
    )
    received = timezone.localdate(appeal.created_at)
    assert appeal.lat is None and appeal.cell is None
    assert appeal.requires_study
    assert appeal.due_on == deadlines.answer_due(received, requires_study=True, community=community)
    assert appeal.due_on >= add_months(received, 1)


def test_written_appeal_needs_a_subject_and_a_kind(community, categories, resident):
    with pytest.raises(errors.TextInvalid) as caught:
        services.submit_written_appeal(
            community=community,
            kind="petition",
            category=categories["other-problem"],
            subject="",
            text="Текст",
            author=resident,
        )
    assert set(caught.value.fields) == {"kind", "subject"}


def test_written_appeal_needs_the_authors_name(community, categories):
    """Art. 5 and 8: anonymous appeals are not considered."""
    nameless = make_resident(community, level=Identity.EMAIL, full_name=" ")
    nameless.full_name = ""
    nameless.save()
    with pytest.raises(errors.ContactInvalid):
        services.submit_written_appeal(
            community=community,
            kind=Appeal.Kind.PROPOSAL,
            category=categories["other-problem"],
            subject="Пропозиція",
            text="Текст",
            author=nameless,
        )


def test_staff_register_a_phone_call(community, categories, moderator):
    """Staff enter a call: the channel is recorded, the caller's contacts stay private."""
    street = Street.objects.get(settlement__community=community)
    appeal = services.register_by_staff(
        staff=moderator,
        community=community,
        channel=Appeal.Channel.PHONE,
        kind=Appeal.Kind.REPORT,
        category=categories["water-leak"],
        description="Тече вода з-під асфальту.",
        contact={"name": "Петренко Петро", "phone": "+380671234567"},
        street=street,
        address="біля буд. 3",
    )
    assert appeal.channel == Appeal.Channel.PHONE
    assert appeal.author is None and appeal.contact_name == "Петренко Петро"
    entry = AuditEntry.objects.get(action="appeal.registered")
    assert entry.actor == moderator
    assert "Петренко" not in str(entry.after)


def test_residents_cannot_register_as_staff(community, categories, resident):
    with pytest.raises(Forbidden):
        services.register_by_staff(
            staff=resident,
            community=community,
            channel=Appeal.Channel.PHONE,
            kind=Appeal.Kind.REPORT,
            category=categories["water-leak"],
            description="Тече вода.",
            lat=LAT,
            lon=LON,
        )
    with pytest.raises(Forbidden):
        services.submit_report(
            community=community,
            category=categories["water-leak"],
            description="Тече вода.",
            lat=LAT,
            lon=LON,
            channel=Appeal.Channel.PAPER,
            actor=resident,
        )


def test_bad_contact_email_is_refused(community, categories):
    with pytest.raises(errors.ContactInvalid):
        services.submit_report(
            community=community,
            category=categories["water-leak"],
            description="Тече вода.",
            lat=LAT,
            lon=LON,
            channel=Appeal.Channel.OPEN311,
            contact={"email": "not-an-email"},
        )


def test_author_adds_photos_while_new(community, new_report, resident, neighbour, moderator):
    """The author may add photos until the report is accepted, five in all."""
    services.add_photos(
        appeal=new_report, resident=resident, photos=[image_upload() for _ in range(4)]
    )
    with pytest.raises(errors.TooManyPhotos):
        services.add_photos(
            appeal=new_report, resident=resident, photos=[image_upload(), image_upload()]
        )
    with pytest.raises(errors.NotYourAppeal):
        services.add_photos(appeal=new_report, resident=neighbour, photos=[image_upload()])
    services.accept_appeal(appeal=new_report, moderator=moderator)
    with pytest.raises(errors.WrongStatus):
        services.add_photos(appeal=new_report, resident=resident, photos=[image_upload()])
    assert new_report.photos.count() == 4
