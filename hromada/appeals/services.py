"""
Every change to appeals, for every channel: web pages, the REST API, Open311,
staff entering a phone call or a letter, and later the chatbot and the
contact centre.

Each function validates everything before it writes anything, runs in one
transaction, writes the audit entry and queues the notifications on commit.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import secrets
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hromada.appeals import deadlines
from hromada.appeals.errors import (
    AlreadySupported,
    AttributeInvalid,
    CannotSupport,
    CategoryInvalid,
    ConfirmationClosed,
    ContactInvalid,
    DepartmentRequired,
    ExtensionInvalid,
    LocationRequired,
    MergeInvalid,
    ModeratorOnly,
    NotYourAppeal,
    NotYourDepartment,
    NumberTaken,
    OutsideTerritory,
    PhotoInvalid,
    TextInvalid,
    TooManyPhotos,
    WrongStatus,
)
from hromada.appeals.models import (
    Appeal,
    AppealCounter,
    AppealPhoto,
    Category,
    CategoryAttribute,
    Open311Key,
    Supporter,
    cell_of,
)
from hromada.appeals.selectors import forget_categories, is_public, touch
from hromada.appeals.writelock import sqlite_writer
from hromada.core import audit, rows
from hromada.core.errors import DomainError, Forbidden, ValidationFailed
from hromada.core.identity import require_level
from hromada.core.models import (
    AuditEntry,
    Community,
    Department,
    Notification,
    Resident,
    StaffRole,
    Street,
)
from hromada.core.notifications import (
    notify_address,
    notify_many,
    prepare,
    queue_delivery,
    site_url,
)
from hromada.core.uploads import InvalidUpload, clean_image

MAX_PHOTOS = 5
MAX_DESCRIPTION = 4000  # Open311 GeoReport v2: "limited to 4,000 characters"
MAX_SUBJECT = 200
MAX_NOTE = 4000
Status = Appeal.Status


class Problems:
    """Collect every problem of an input, then raise once with all of them."""

    def __init__(self) -> None:
        self.first: DomainError | None = None
        self.fields: dict[str, str] = {}

    def add(self, error: DomainError, field: str) -> None:
        self.first = self.first or error
        self.fields.setdefault(field, str(error))

    def raise_if_any(self) -> None:
        if self.first is not None:
            self.first.fields = self.fields
            raise self.first


# -- registering -------------------------------------------------------------


def allocate_number(*, community: Community, year: int) -> str:
    """
    Return the next registration number of the community in the year.

    The caller must be inside a transaction: the counter row stays locked by
    the UPDATE until it commits, so racing registrations queue on it and
    never share a number. One statement with RETURNING both counts and reads.
    """
    table = AppealCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last = last + 1 "  # noqa: S608 - the table name is ours
            "WHERE community_id = %s AND year = %s RETURNING last",
            [community.pk, year],
        )
        found = cursor.fetchone()
    if found is None:
        try:
            with transaction.atomic():
                AppealCounter.objects.create(community=community, year=year, last=1)
            return f"{year}/{1:06d}"
        except IntegrityError:
            # Another registration created the row first; take the next number.
            return allocate_number(community=community, year=year)
    return f"{year}/{found[0]:06d}"


# Stands for the registration number in the audit entry's JSON until the
# database has given it (a character of Unicode's private use area).
_NUMBER_MARK = "\ue000"


# Stand for the number and the key in the author's notification, rendered
# before the statement gives them: random in each process, so that no text a
# resident typed (a name in the greeting) holds them. The key is a number, as
# the appeal's address takes one; eighteen digits, a row's key has fewer.
_NOTICE_NUMBER = f"\ue000{secrets.token_hex(8)}\ue000"
_NOTICE_KEY = 10**17 + secrets.randbelow(9 * 10**17)


def _notice_fields() -> list:
    return [f for f in Notification._meta.concrete_fields if not f.primary_key]


def _registration_sql(connection, notices: int = 0) -> str:
    """
    Return PostgreSQL's one statement of a registration: the next number, the
    appeal's row, its audit entry and `notices` rows of the author's
    notification (their text's marks replaced by the number and the key).

    The counter's upsert locks the year's row until the transaction commits,
    as allocate_number's UPDATE does (racing registrations queue on it), and
    makes the row for the year's first appeal. The appeal's values are those
    of rows.insert, its number made from the counter as allocate_number makes
    it; the audit entry's are audit.record's, its target the new row.
    """
    quote = connection.ops.quote_name
    fields = [f for f in Appeal._meta.concrete_fields if not f.primary_key]
    counter = quote(AppealCounter._meta.db_table)
    values = [
        "(SELECT %s || '/' || CASE WHEN last < 1000000 THEN lpad(last::text, 6, '0') "
        "ELSE last::text END FROM counter)"
        if f.name == "number"
        else "%s"
        for f in fields
    ]
    audit_columns = audit.statement_columns(connection)
    notes = ""
    if notices:
        filled = (
            "replace(replace(%s::text, %s, (SELECT number FROM appeal)), "
            "%s, (SELECT id::text FROM appeal))"
        )
        row = ", ".join(
            f"left({filled}, {f.max_length})"
            if f.name == "subject"
            else filled
            if f.name == "body"
            else "%s"
            for f in _notice_fields()
        )
        notes = (
            f", notes AS (INSERT INTO {quote(Notification._meta.db_table)} "  # noqa: S608
            f"({', '.join(quote(f.column) for f in _notice_fields())}) "
            f"VALUES {', '.join([f'({row})'] * notices)} "
            f"RETURNING {quote(Notification._meta.pk.column)}) "
        )
    # The names come from the models; every value is a parameter.
    return (
        f"WITH counter AS (INSERT INTO {counter} (community_id, year, last) "  # noqa: S608
        f"VALUES (%s, %s, 1) ON CONFLICT (community_id, year) "
        f"DO UPDATE SET last = {counter}.last + 1 RETURNING last), "
        f"appeal AS (INSERT INTO {quote(Appeal._meta.db_table)} "
        f"({', '.join(quote(f.column) for f in fields)}) VALUES ({', '.join(values)}) "
        f"RETURNING {quote(Appeal._meta.pk.column)}, {quote('number')}) {notes}"
        f"INSERT INTO {quote(AuditEntry._meta.db_table)} ({audit_columns}) VALUES (%s, %s, %s, %s, "
        "(SELECT id::text FROM appeal), (SELECT left(number, 200) FROM appeal), %s, "
        "replace(%s::text, %s, (SELECT number FROM appeal))::jsonb, %s) "
        "RETURNING target_id, target_label"
        + (", (SELECT array_agg(id ORDER BY id) FROM notes)" if notices else "")
    )


def _register_in_one_statement(
    appeal: Appeal,
    *,
    year: int,
    actor: Resident | None,
    after: dict,
    notices: list[Notification] | None = None,
) -> AuditEntry:
    """
    Number, insert and audit a new appeal in one round trip (PostgreSQL), and
    store the `notices` rendered for it (their primary keys set).

    Three statements (allocate_number, rows.insert, audit.record) became one:
    every registration pays each round trip twice, in the app and in the
    database. The appeal gets its number and key; the audit entry is returned.
    """
    notices = notices or []
    count = len(notices)
    sql = rows.statement(
        f"appeals.services.register.{count}" if count else "appeals.services.register",
        lambda connection: _registration_sql(connection, count),
    )
    fields = [f for f in Appeal._meta.concrete_fields if not f.primary_key]
    params: list = [appeal.community_id, year]
    for field in fields:
        if field.name == "number":
            params.append(str(year))
        else:
            params.append(field.get_db_prep_save(field.pre_save(appeal, True), connection))
    entry = AuditEntry(
        community_id=appeal.community_id,
        actor=actor if actor is not None and actor.pk else None,
        action="appeal.registered",
        target_type=Appeal._meta.label_lower,
        after=dict(after, number=_NUMBER_MARK),
    )
    created = AuditEntry._meta.get_field("created_at")
    marks = [_NOTICE_NUMBER, str(_NOTICE_KEY)]
    for notice in notices:
        for field in _notice_fields():
            value = field.get_db_prep_save(field.pre_save(notice, True), connection)
            params += [value, *marks] if field.name in ("subject", "body") else [value]
    params += [
        entry.community_id,
        entry.actor_id,
        entry.action,
        entry.target_type,
        AuditEntry._meta.get_field("before").get_db_prep_save({}, connection),
        json.dumps(entry.after, ensure_ascii=False),
        _NUMBER_MARK,
        created.get_db_prep_save(entry.created_at, connection),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        target_id, number, *stored = cursor.fetchone()
    for notice, pk in zip(notices, stored[0] if stored else (), strict=True):
        notice.pk = pk
        notice._state.adding = False
        notice._state.db = connection.alias
        for field in ("subject", "body"):
            text = getattr(notice, field).replace(_NOTICE_NUMBER, number)
            setattr(notice, field, text.replace(str(_NOTICE_KEY), str(target_id)))
        notice.subject = notice.subject[: Notification._meta.get_field("subject").max_length]
    appeal.pk, appeal.number = int(target_id), number
    appeal._state.adding = False
    appeal._state.db = connection.alias
    entry.target_id, entry.target_label = target_id, number
    entry.after["number"] = number
    return entry


def check_category(
    *, community: Community, category: Category | None, problems: Problems, report: bool
):
    """
    Require an active category of the community that accepts appeals.

    A report needs a map category: the map, the public lists and Open311 show
    only those. A written appeal takes a topic, or a map category when a
    letter is about a problem of the map's kind.
    """
    if (
        category is None
        or category.community_id != community.pk
        or not category.is_active
        or category.parent_id is None
        or (report and not category.is_map)
    ):
        problems.add(CategoryInvalid(), "category")


def clean_attributes(
    *, category: Category, raw: dict | None, problems: Problems | None = None
) -> dict:
    """
    Return the answers to the category's questions, typed and checked.

    `raw` maps attribute codes to a string (or a list of strings for
    multi-value lists), as the web form and Open311 ("attribute[code]") send.
    """
    own = problems or Problems()
    raw = raw or {}
    answers: dict = {}
    # .all() uses the attributes prefetched with the category, when they were.
    for attribute in category.attributes.all():
        if not attribute.variable:
            continue
        field = f"attribute[{attribute.code}]"
        value = raw.get(attribute.code)
        if isinstance(value, (list, tuple)):
            values = [str(v).strip() for v in value if str(v).strip()]
        else:
            values = [str(value).strip()] if value is not None and str(value).strip() else []
        if not values:
            if attribute.required:
                own.add(
                    AttributeInvalid(
                        _("Answer the question “%(question)s”."), question=attribute.description
                    ),
                    field,
                )
            continue
        try:
            answers[attribute.code] = _typed_answer(attribute, values)
        except ValueError:
            own.add(
                AttributeInvalid(
                    _("The answer to “%(question)s” is not valid."),
                    question=attribute.description,
                ),
                field,
            )
    if problems is None:
        own.raise_if_any()
    return answers


def _typed_answer(attribute: CategoryAttribute, values: list[str]):
    kinds = CategoryAttribute.Datatype
    keys = {key for key, _name in attribute.choices}
    if attribute.datatype == kinds.MULTI:
        if any(value not in keys for value in values):
            raise ValueError
        return sorted(set(values))
    if len(values) > 1:
        raise ValueError
    value = values[0]
    if attribute.datatype == kinds.SINGLE:
        if value not in keys:
            raise ValueError
        return value
    if attribute.datatype == kinds.NUMBER:
        try:
            number = Decimal(value.replace(",", "."))
        except InvalidOperation:
            raise ValueError from None
        if not number.is_finite():
            raise ValueError
        return int(number) if number == number.to_integral_value() else float(number)
    if attribute.datatype == kinds.DATETIME:
        parsed = parse_datetime(value.replace(" ", "T")) if "T" in value or " " in value else None
        if parsed is None:
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                raise ValueError from None
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed)
        return parsed.isoformat()
    limit = 200 if attribute.datatype == kinds.STRING else 2000
    if len(value) > limit or (attribute.datatype == kinds.STRING and "\n" in value):
        raise ValueError
    return value


def _clean_text(value: str | None) -> str:
    # Line breaks are kept; other control characters are not text.
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch == "\n" or ch == "\t" or ord(ch) >= 32)
    return text.strip()


def _check_text(
    *,
    description: str,
    subject: str,
    problems: Problems,
    need_subject: bool,
    need_description: bool = True,
) -> tuple[str, str]:
    description = _clean_text(description)
    subject = " ".join(_clean_text(subject).split())
    if not description and need_description:
        problems.add(TextInvalid(_("Describe the problem.")), "description")
    elif len(description) > MAX_DESCRIPTION:
        problems.add(
            TextInvalid(
                _("The text is too long: %(length)d characters, at most %(limit)d."),
                length=len(description),
                limit=MAX_DESCRIPTION,
            ),
            "description",
        )
    if need_subject and not subject:
        problems.add(TextInvalid(_("Give the appeal a short subject.")), "subject")
    elif len(subject) > MAX_SUBJECT:
        problems.add(
            TextInvalid(_("The subject is too long: at most %(limit)d characters."), limit=200),
            "subject",
        )
    return description, subject


def _check_location(
    *,
    community: Community,
    lat,
    lon,
    street: Street | None,
    address: str,
    problems: Problems,
) -> tuple[float | None, float | None, str]:
    """Return a checked point and address; a street stands in for a missing point."""
    address = " ".join((address or "").split())[:300]
    if street is not None and street.settlement.community_id != community.pk:
        problems.add(LocationRequired(_("Choose a street of this community.")), "street")
        return None, None, address
    if (lat is None) != (lon is None):
        problems.add(LocationRequired(_("Give both the latitude and the longitude.")), "location")
        return None, None, address
    if lat is None and street is not None and street.lat is not None:
        lat, lon = street.lat, street.lon
    if lat is None:
        if not address and street is None:
            problems.add(LocationRequired(), "location")
        if street is not None and not address:
            address = str(street)
        return None, None, address
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        problems.add(LocationRequired(_("The coordinates are not numbers.")), "location")
        return None, None, address
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        problems.add(LocationRequired(_("The coordinates are not valid.")), "location")
        return None, None, address
    if not community.contains_point(lat=lat, lon=lon):
        problems.add(OutsideTerritory(), "location")
        return None, None, address
    if street is not None and not address:
        address = str(street)
    return round(lat, 7), round(lon, 7), address


def _clean_photos(uploads: Iterable, *, problems: Problems, limit: int = MAX_PHOTOS) -> list:
    uploads = [upload for upload in uploads or [] if upload]
    if len(uploads) > limit:
        problems.add(TooManyPhotos(limit=limit), "photos")
        return []
    cleaned = []
    for upload in uploads:
        try:
            cleaned.append(clean_image(upload, field="photos"))
        except InvalidUpload as error:
            problems.add(PhotoInvalid(str(error)), "photos")
    return cleaned


def _check_contact(contact: dict | None, problems: Problems) -> dict:
    contact = contact or {}
    name = " ".join(str(contact.get("name") or "").split())
    email = str(contact.get("email") or "").strip().lower()
    phone = " ".join(str(contact.get("phone") or "").split())
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.add(ContactInvalid(_("Enter a valid e-mail address.")), "email")
    if len(name) > 200:
        problems.add(ContactInvalid(_("The name is too long.")), "name")
    if len(phone) > 40:
        problems.add(ContactInvalid(_("The phone number is too long.")), "phone")
    return {"contact_name": name, "contact_email": email[:254], "contact_phone": phone}


def _check_media_url(url: str, problems: Problems) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        problems.add(
            ContactInvalid(_("The media link must be an http or https address.")), "media_url"
        )
        return ""
    if len(url) > 500:
        problems.add(ContactInvalid(_("The media link is too long.")), "media_url")
        return ""
    return url


def _save_photos(
    *, appeal: Appeal, contents: list, kind: str, uploaded_by: Resident | None, saved: list
) -> None:
    for content in contents:
        photo = AppealPhoto(
            community=appeal.community, appeal=appeal, kind=kind, uploaded_by=uploaded_by
        )
        photo.image.save(content.name, content, save=False)
        saved.append(photo.image.name)
        photo.save()
    if contents and kind == AppealPhoto.Kind.BEFORE and not appeal.cover:
        appeal.cover = saved[-len(contents)]
        # A new updated_at: lists that keep serialised rows see the change.
        appeal.updated_at = timezone.now()
        Appeal.objects.filter(pk=appeal.pk).update(cover=appeal.cover, updated_at=appeal.updated_at)


def _forget_files(names: list[str]) -> None:
    storage = AppealPhoto._meta.get_field("image").storage
    for name in names:
        with contextlib.suppress(OSError):
            storage.delete(name)


def _register(
    *,
    community: Community,
    kind: str,
    category: Category,
    channel: str,
    description: str,
    subject: str,
    lat: float | None,
    lon: float | None,
    street: Street | None,
    address: str,
    author: Resident | None,
    author_public: bool,
    contact: dict,
    attributes: dict,
    photos: list,
    actor: Resident | None,
    extra: dict,
    department: Department | None = None,
) -> Appeal:
    """Write a checked appeal: number, row, photos, audit, notification; all or nothing."""
    now = timezone.now()
    received = timezone.localdate(now)
    requires_study = category.requires_study or kind in Appeal.WRITTEN_KINDS
    due_on, target_on = deadlines.terms(
        received,
        requires_study=requires_study,
        target_days=category.target_days,
        community=community,
    )
    saved: list[str] = []
    one_statement = connection.vendor == "postgresql"
    # When that one statement is all there is to write (no photo; nobody to
    # notify, or an author whose notification it stores too) it is atomic by
    # itself, and the transaction's BEGIN and COMMIT round trips are left out.
    alone = (
        one_statement
        and not photos
        and (author is not None or not contact.get("contact_email"))
        and not connection.in_atomic_block
    )
    try:
        with sqlite_writer(), contextlib.nullcontext() if alone else transaction.atomic():
            number = (
                "" if one_statement else allocate_number(community=community, year=received.year)
            )
            appeal = Appeal(
                community=community,
                number=number,
                kind=kind,
                channel=channel,
                status=Status.NEW,
                is_open=True,
                category=category,
                department=department or category.department,
                author=author,
                author_public=bool(author_public and author is not None),
                subject=subject,
                description=description,
                lat=lat,
                lon=lon,
                cell=cell_of(lat, lon) if lat is not None and kind == Appeal.Kind.REPORT else None,
                street=street,
                address=address,
                attributes=attributes,
                requires_study=requires_study,
                due_on=due_on,
                target_on=target_on,
                created_at=now,
                updated_at=now,
                **contact,
                **extra,
            )
            registered = {
                "number": number,
                "kind": kind,
                "channel": channel,
                "category": category.service_code,
                "department": appeal.department_id,
                "photos": len(photos),
            }
            notices = _registered_notices(appeal, author) if alone else []
            try:
                if one_statement:
                    _register_in_one_statement(
                        appeal,
                        year=received.year,
                        actor=actor or author,
                        after=registered,
                        notices=notices,
                    )
                else:
                    rows.insert(appeal)  # the hottest write of the module: one plain statement
            except IntegrityError:
                # No savepoint on this hot path: the whole registration rolls back.
                raise NumberTaken() from None
            _save_photos(
                appeal=appeal,
                contents=photos,
                kind=AppealPhoto.Kind.BEFORE,
                uploaded_by=author,
                saved=saved,
            )
            if not one_statement:
                audit.record(
                    actor=actor or author,
                    action="appeal.registered",
                    target=appeal,
                    after=registered,
                )
            if alone:
                # Stored by the statement; the caches start afresh before the
                # deliveries are queued, which the scheduler retries anyway.
                _touch_on_commit(community)
                queue_delivery(notice.pk for notice in notices)
            else:
                if author is not None:
                    notify_many([author], "appeals/registered", community=community, appeal=appeal)
                else:
                    notify_contact(appeal, event="appeals/registered", followers=[], fresh=True)
                _touch_on_commit(community)
    except Exception:
        _forget_files(saved)
        raise
    return appeal


def _registered_notices(appeal: Appeal, author: Resident | None) -> list[Notification]:
    """
    Render the author's "registered" notification before the appeal has its
    number and key: marks stand for them, which the statement replaces.
    """
    if author is None:
        return []
    number, appeal.number, appeal.pk = appeal.number, _NOTICE_NUMBER, _NOTICE_KEY
    try:
        return prepare(author, "appeals/registered", community=appeal.community, appeal=appeal)
    finally:
        appeal.number, appeal.pk = number, None


def submit_report(
    *,
    community: Community,
    category: Category | None,
    description: str,
    lat: float | None = None,
    lon: float | None = None,
    street: Street | None = None,
    address: str = "",
    photos: Iterable = (),
    attributes: dict | None = None,
    author: Resident | None = None,
    author_public: bool = False,
    channel: str = Appeal.Channel.WEB,
    contact: dict | None = None,
    actor: Resident | None = None,
    open311_key: Open311Key | None = None,
    media_url: str = "",
    device_id: str = "",
    account_id: str = "",
) -> Appeal:
    """Register a problem report with a place; check everything first."""
    _check_channel(
        community=community, channel=channel, author=author, actor=actor, action="report"
    )
    problems = Problems()
    check_category(community=community, category=category, problems=problems, report=True)
    # Open311 makes the description optional: the service code already says what it is.
    description, _subject = _check_text(
        description=description,
        subject="",
        problems=problems,
        need_subject=False,
        need_description=channel != Appeal.Channel.OPEN311,
    )
    lat, lon, address = _check_location(
        community=community, lat=lat, lon=lon, street=street, address=address, problems=problems
    )
    answers = (
        clean_attributes(category=category, raw=attributes, problems=problems)
        if problems.fields.get("category") is None
        else {}
    )
    contact_fields = _check_contact(contact, problems)
    media_url = _check_media_url(media_url, problems)
    cleaned = _clean_photos(photos, problems=problems)
    problems.raise_if_any()
    return _register(
        community=community,
        kind=Appeal.Kind.REPORT,
        category=category,
        channel=channel,
        description=description,
        subject="",
        lat=lat,
        lon=lon,
        street=street,
        address=address,
        author=author,
        author_public=author_public,
        contact=contact_fields,
        attributes=answers,
        photos=cleaned,
        actor=actor,
        extra={
            "open311_key": open311_key,
            "media_url": media_url,
            "device_id": (device_id or "")[:100],
            "account_id": (account_id or "")[:100],
        },
    )


def submit_written_appeal(
    *,
    community: Community,
    kind: str,
    category: Category | None,
    subject: str,
    text: str,
    photos: Iterable = (),
    author: Resident | None = None,
    channel: str = Appeal.Channel.WEB,
    contact: dict | None = None,
    actor: Resident | None = None,
) -> Appeal:
    """Register a proposal, statement or complaint (Law "On citizens' appeals", art. 3)."""
    _check_channel(community=community, channel=channel, author=author, actor=actor, action="write")
    problems = Problems()
    if kind not in Appeal.WRITTEN_KINDS:
        problems.add(TextInvalid(_("Choose a proposal, a statement or a complaint.")), "kind")
    check_category(community=community, category=category, problems=problems, report=False)
    text, subject = _check_text(
        description=text, subject=subject, problems=problems, need_subject=True
    )
    contact_fields = _check_contact(contact, problems)
    if author is None and not contact_fields["contact_name"]:
        # Art. 8: anonymous appeals are not considered.
        problems.add(ContactInvalid(_("Enter the name of the person who wrote in.")), "name")
    if author is not None and not author.full_name.strip():
        problems.add(
            ContactInvalid(_("Fill in your full name in your profile first: the law needs it.")),
            "name",
        )
    cleaned = _clean_photos(photos, problems=problems)
    problems.raise_if_any()
    return _register(
        community=community,
        kind=kind,
        category=category,
        channel=channel,
        description=text,
        subject=subject,
        lat=None,
        lon=None,
        street=None,
        address="",
        author=author,
        author_public=False,
        contact=contact_fields,
        attributes={},
        photos=cleaned,
        actor=actor,
        extra={},
    )


# -- petitions that missed their threshold ------------------------------------

PETITION_GROUP = "petitions"
PETITION_CATEGORY = "petition"


def petition_category(community: Community) -> Category:
    """
    Return the category of collective appeals made from petitions, creating
    it (inactive, so residents never pick it) where it is missing. Staff may
    give it a department in the back office to route these appeals.
    """
    found = Category.objects.filter(community=community, service_code=PETITION_CATEGORY).first()
    if found is not None:
        return found
    group, _created = Category.objects.get_or_create(
        community=community,
        service_code=PETITION_GROUP,
        defaults={
            "name": "Електронні петиції",
            "name_en": "E-petitions",
            "kind": Category.Kind.WRITTEN,
            "position": 1000,
            "is_active": False,
        },
    )
    category, _created = Category.objects.get_or_create(
        community=community,
        service_code=PETITION_CATEGORY,
        defaults={
            "parent": group,
            "kind": Category.Kind.WRITTEN,
            "name": "Петиція, що не набрала підписів",
            "name_en": "Petition below the threshold",
            "description": "Колективне звернення з електронної петиції (ст. 23-1 Закону "
            "України «Про звернення громадян»).",
            "target_days": 30,
            "requires_study": True,
            "is_active": False,
        },
    )
    return category


def petition_source(petition) -> str:
    return f"petition:{petition.uid}"


def petition_appeal(petition) -> Appeal | None:
    """Return the collective appeal registered from the petition, if any."""
    return Appeal.objects.filter(source=petition_source(petition)).first()


def register_petition_appeal(*, petition) -> Appeal:
    """
    Register a petition whose collection ended below the threshold as a
    collective written appeal of its author (Law "On citizens' appeals",
    art. 23-1): a registration number, the art. 20 term, routed like a
    written proposal, and the author notified as for any appeal.

    Idempotent: a petition gets one appeal at most (a unique source key in the
    database); a second call returns the appeal registered first.
    """
    source = petition_source(petition)
    found = Appeal.objects.filter(source=source).first()
    if found is not None:
        return found
    community = petition.community
    category = petition_category(community)
    with translation.override(settings.LANGUAGE_CODE):
        header = ngettext(
            "The e-petition “%(title)s” collected %(count)d signature, fewer than the "
            "%(threshold)d needed, and is registered as a collective appeal (Law of Ukraine "
            "“On citizens' appeals”, art. 23-1).",
            "The e-petition “%(title)s” collected %(count)d signatures, fewer than the "
            "%(threshold)d needed, and is registered as a collective appeal (Law of Ukraine "
            "“On citizens' appeals”, art. 23-1).",
            petition.signature_count,
        ) % {
            "title": petition.title,
            "count": petition.signature_count,
            "threshold": petition.threshold or 0,
        }
        footer = _("Signatures: %(count)d. The petition and its signers: %(url)s") % {
            "count": petition.signature_count,
            "url": site_url(community) + petition.get_absolute_url(),
        }
    description = "\n\n".join([header, petition.title, petition.text, footer])
    try:
        with transaction.atomic():
            return _register(
                community=community,
                kind=Appeal.Kind.PROPOSAL,
                category=category,
                channel=Appeal.Channel.PETITION,
                description=description,
                subject=petition.title[:MAX_SUBJECT],
                lat=None,
                lon=None,
                street=None,
                address="",
                author=petition.author,
                author_public=False,
                contact={},
                attributes={},
                photos=[],
                actor=None,
                extra={"source": source},
                department=category.department or petition.department,
            )
    except (NumberTaken, IntegrityError):
        # Another call registered it first: the unique source key decided.
        found = Appeal.objects.filter(source=source).first()
        if found is None:
            raise
        return found


_CHANNELS = frozenset(Appeal.Channel.values)  # the enum builds its list at each call


def _check_channel(
    *,
    community: Community,
    channel: str,
    author: Resident | None,
    actor: Resident | None,
    action: str,
) -> None:
    """Require the author's identity level, or a staff member for phone and paper."""
    if channel not in _CHANNELS:
        raise ValidationFailed(fields={"channel": str(_("Unknown channel."))})
    if channel in (Appeal.Channel.PHONE, Appeal.Channel.PAPER, Appeal.Channel.CONTACT_CENTRE):
        if actor is None or not actor.is_staff_of(community):
            raise Forbidden()
        return
    if channel == Appeal.Channel.OPEN311:
        return  # the partner application's key was checked by the Open311 view
    require_level(resident=author, community=community, action=f"appeals.{action}")


def add_photos(*, appeal: Appeal, resident: Resident, photos: Iterable) -> list[AppealPhoto]:
    """Attach photos to one's own report while it is still new (at most five in all)."""
    if appeal.author_id != resident.pk:
        raise NotYourAppeal()
    problems = Problems()
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
        if appeal.status != Status.NEW:
            raise WrongStatus(status=appeal.get_status_display())
        have = appeal.photos.filter(kind=AppealPhoto.Kind.BEFORE).count()
        cleaned = _clean_photos(photos, problems=problems, limit=MAX_PHOTOS - have)
        if not cleaned and not problems.fields:
            problems.add(PhotoInvalid(_("Choose at least one photo.")), "photos")
        problems.raise_if_any()
        saved: list[str] = []
        try:
            _save_photos(
                appeal=appeal,
                contents=cleaned,
                kind=AppealPhoto.Kind.BEFORE,
                uploaded_by=resident,
                saved=saved,
            )
            audit.record(
                actor=resident,
                action="appeal.photos_added",
                target=appeal,
                after={"photos": len(cleaned)},
            )
            _touch_on_commit(appeal.community)
        except Exception:
            _forget_files(saved)
            raise
    return list(appeal.photos.filter(kind=AppealPhoto.Kind.BEFORE))


# -- residents' steps ---------------------------------------------------------


@transaction.atomic
def support_appeal(*, appeal: Appeal, resident: Resident) -> Supporter:
    """Record that the resident has the same problem; they are then notified like the author."""
    require_level(resident=resident, community=appeal.community, action="appeals.support")
    # A fresh read, not a row lock: residents supporting one report must not queue.
    given, appeal = appeal, Appeal.objects.select_related("community").get(pk=appeal.pk)
    if (
        appeal.kind != Appeal.Kind.REPORT
        or appeal.hidden
        or not appeal.is_open
        or appeal.author_id == resident.pk
    ):
        raise CannotSupport()
    try:
        with transaction.atomic():
            supporter = Supporter.objects.create(
                community=appeal.community, appeal=appeal, resident=resident
            )
    except IntegrityError:
        # UniqueConstraint(appeal, resident) decides: two taps race, the database sees both.
        raise AlreadySupported() from None
    Appeal.objects.filter(pk=appeal.pk).update(supporters_count=F("supporters_count") + 1)
    given.supporters_count = appeal.supporters_count + 1
    audit.record(actor=resident, action="appeal.supported", target=appeal)
    return supporter


def _within_confirmation(appeal: Appeal) -> bool:
    limit = timedelta(days=deadlines.CONFIRMATION_DAYS)
    return appeal.resolved_at is not None and timezone.now() - appeal.resolved_at <= limit


@transaction.atomic
def confirm_resolution(*, appeal: Appeal, resident: Resident) -> Appeal:
    """Close a resolved appeal because its author confirms the fix."""
    appeal = _locked(appeal)
    if appeal.author_id != resident.pk:
        raise NotYourAppeal()
    if appeal.status != Status.RESOLVED:
        raise WrongStatus(status=appeal.get_status_display())
    if not _within_confirmation(appeal):
        raise ConfirmationClosed(days=deadlines.CONFIRMATION_DAYS)
    return _move(
        appeal,
        actor=resident,
        action="appeal.confirmed",
        to=Status.CLOSED,
        allowed=(Status.RESOLVED,),
        note="",
        keep_notes=True,
        values={"closed_at": timezone.now()},
    )


@transaction.atomic
def reopen_appeal(*, appeal: Appeal, resident: Resident, reason: str) -> Appeal:
    """Send a resolved report back to work because the problem is still there."""
    appeal = _locked(appeal)
    if appeal.author_id != resident.pk:
        raise NotYourAppeal()
    if appeal.status != Status.RESOLVED or appeal.kind != Appeal.Kind.REPORT:
        raise WrongStatus(status=appeal.get_status_display())
    if not _within_confirmation(appeal):
        raise ConfirmationClosed(days=deadlines.CONFIRMATION_DAYS)
    reason = _required_note(reason, field="reason")
    return _move(
        appeal,
        actor=resident,
        action="appeal.reopened",
        to=Status.IN_PROGRESS,
        allowed=(Status.RESOLVED,),
        note=reason,
        values={"resolved_at": None, "reopen_count": appeal.reopen_count + 1},
    )


# -- staff steps --------------------------------------------------------------


def _locked(appeal: Appeal) -> Appeal:
    """Return the appeal re-read under a row lock (inside the caller's transaction)."""
    # `of=self`: the joined department may be missing, and PostgreSQL will not
    # lock the nullable side of an outer join; the appeal's row is what counts.
    return (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("community", "category", "department")
        .get(pk=appeal.pk)
    )


def _require_moderator(staff: Resident, community: Community) -> None:
    if not staff.has_role(community, StaffRole.Role.MODERATOR):
        raise ModeratorOnly()


def _require_handler(staff: Resident, appeal: Appeal) -> None:
    """Let department staff act on their own department's appeals; moderators on all."""
    if staff.has_role(appeal.community, StaffRole.Role.MODERATOR):
        return
    if not staff.acts_for(appeal.department):
        raise NotYourDepartment()


def _required_note(note: str, *, field: str = "note") -> str:
    note = _clean_text(note)
    if not note:
        raise TextInvalid(fields={field: str(_("This field is required."))})
    if len(note) > MAX_NOTE:
        raise TextInvalid(
            fields={
                field: str(
                    _("The text is too long: at most %(limit)d characters.") % {"limit": MAX_NOTE}
                )
            }
        )
    return note


def _department_of(community: Community, department: Department | None) -> Department | None:
    if department is not None and department.community_id != community.pk:
        raise DepartmentRequired()
    return department


def _move(
    appeal: Appeal,
    *,
    actor: Resident | None,
    action: str,
    to: str,
    allowed: tuple,
    note: str,
    values: dict | None = None,
    keep_notes: bool = False,
    audit_extra: dict | None = None,
) -> Appeal:
    """
    Change the status from one of `allowed` to `to`, audit it and tell the followers.

    A conditional UPDATE, not read-then-save: if two staff members act at the
    same moment, only one of them moves the appeal.
    """
    if appeal.status not in allowed:
        raise WrongStatus(status=appeal.get_status_display())
    now = timezone.now()
    changes = {"status": to, "is_open": to in Appeal.OPEN_STATUSES, "updated_at": now}
    if not keep_notes:
        changes["status_notes"] = note
    changes.update(values or {})
    moved = Appeal.objects.filter(pk=appeal.pk, status=appeal.status).update(**changes)
    if not moved:
        raise WrongStatus(status=appeal.get_status_display())
    before = {"status": appeal.status}
    for name, value in changes.items():
        setattr(appeal, name, value)
    after = {"status": to}
    if note:
        after["note"] = note
    after.update(audit_extra or {})
    audit.record(actor=actor, action=action, target=appeal, before=before, after=after)
    notify_followers(appeal, event="appeals/status", note=note)
    _touch_on_commit(appeal.community)
    return appeal


def _touch_on_commit(community: Community) -> None:
    """
    Let cached map cells and Open311 lists start afresh: now, and again once
    the change is committed, so that nothing read in between stays cached.
    """
    touch(community)
    # Outside a transaction the change is committed already: once is enough.
    if connection.in_atomic_block:
        transaction.on_commit(lambda: touch(community))


def notify_followers(appeal: Appeal, *, event: str, **context) -> int:
    """
    Notify the author and every supporter of the appeal, and the contact
    address of its writer and of those whose duplicates were merged into it.
    """
    supporters = Resident.objects.filter(
        pk__in=Supporter.objects.filter(appeal=appeal).values("resident")
    )
    recipients = [appeal.author, *supporters]
    count = notify_many(recipients, event, community=appeal.community, appeal=appeal, **context)
    return count + notify_contact(appeal, event=event, followers=recipients, **context)


def contact_addresses(
    appeal: Appeal, *, public: bool | None = None, fresh: bool = False
) -> list[str]:
    """
    Return the addresses of people without an account who follow the appeal:
    its own writer's, and those of duplicates merged into it (at any depth).
    A `fresh` appeal, registered in this transaction, has no duplicates yet.
    """
    # Account holders of a duplicate become supporters when it is merged; the
    # people without one are found through the duplicates themselves.
    addresses = [appeal.contact_email] if appeal.author_id is None else []
    if public is None:
        public = is_public(appeal)
    # Only a public report tells strangers of its progress.
    frontier = [appeal.pk] if public and not fresh else []
    while frontier:
        merged = list(
            Appeal.objects.filter(merged_into__in=frontier).values_list(
                "pk", "author_id", "contact_email"
            )
        )
        addresses += [email for _pk, author, email in merged if author is None]
        frontier = [pk for pk, _author, _email in merged]
    unique = {}
    for address in addresses:
        if address:
            unique.setdefault(address.lower(), address)
    return list(unique.values())


def notify_contact(
    appeal: Appeal,
    *,
    event: str,
    followers: list[Resident | None],
    fresh: bool = False,
    **context,
) -> int:
    """
    E-mail the people who wrote in without an account (Open311, a phone call,
    a letter) at the addresses they gave; return how many messages were queued.

    In the community's default language, as there is no account to choose
    another. The link to the appeal goes only where anyone may open it, and
    an address of an account among the `followers` hears through its account.
    """
    taken = {follower.email.lower() for follower in followers if follower is not None}
    public = is_public(appeal)
    queued = 0
    for address in contact_addresses(appeal, public=public, fresh=fresh):
        if address.lower() in taken:
            continue
        sent = notify_address(
            address,
            event,
            language=settings.LANGUAGE_CODE,
            community=appeal.community,
            appeal=appeal,
            public_page=public,
            **context,
        )
        queued += sent is not None
    return queued


@transaction.atomic
def accept_appeal(
    *,
    appeal: Appeal,
    moderator: Resident,
    department: Department | None = None,
    category: Category | None = None,
    requires_study: bool | None = None,
    note: str = "",
) -> Appeal:
    """Accept a new appeal and route it to a department (the category's, unless chosen)."""
    appeal = _locked(appeal)
    _require_moderator(moderator, appeal.community)
    values = _routing(appeal, department=department, category=category)
    if requires_study is not None and requires_study != appeal.requires_study:
        values["requires_study"] = requires_study
        values["due_on"] = deadlines.answer_due(
            timezone.localdate(appeal.created_at),
            requires_study=requires_study,
            community=appeal.community,
        )
    values["accepted_at"] = timezone.now()
    return _move(
        appeal,
        actor=moderator,
        action="appeal.accepted",
        to=Status.ACCEPTED,
        allowed=(Status.NEW,),
        note=_clean_text(note)[:MAX_NOTE],
        values=values,
        audit_extra={"department": values["department"].pk},
    )


def _routing(appeal: Appeal, *, department: Department | None, category: Category | None) -> dict:
    values: dict = {}
    if category is not None and category.pk != appeal.category_id:
        problems = Problems()
        check_category(
            community=appeal.community,
            category=category,
            problems=problems,
            report=appeal.is_report,
        )
        problems.raise_if_any()
        values["category"] = category
        values["target_on"] = deadlines.target_date(
            timezone.localdate(appeal.created_at),
            days=category.target_days,
            community=appeal.community,
        )
    chosen = _department_of(appeal.community, department)
    if chosen is None:
        chosen = (values.get("category") or appeal.category).department or appeal.department
    if chosen is None:
        raise DepartmentRequired(fields={"department": str(DepartmentRequired.message)})
    values["department"] = chosen
    return values


@transaction.atomic
def reroute_appeal(
    *,
    appeal: Appeal,
    moderator: Resident,
    department: Department,
    category: Category | None = None,
    note: str = "",
) -> Appeal:
    """Hand an open appeal to another department; its work starts anew there."""
    appeal = _locked(appeal)
    _require_moderator(moderator, appeal.community)
    if department is None:
        raise DepartmentRequired(fields={"department": str(DepartmentRequired.message)})
    values = _routing(appeal, department=department, category=category)
    if values["department"].pk == appeal.department_id and "category" not in values:
        raise DepartmentRequired(
            _("The appeal is already with this department."),
            fields={"department": str(_("The appeal is already with this department."))},
        )
    values.setdefault("accepted_at", appeal.accepted_at or timezone.now())
    return _move(
        appeal,
        actor=moderator,
        action="appeal.rerouted",
        to=Status.ACCEPTED,
        allowed=Appeal.OPEN_STATUSES,
        note=_clean_text(note)[:MAX_NOTE],
        values=values,
        audit_extra={"department": values["department"].pk},
    )


@transaction.atomic
def merge_appeal(*, appeal: Appeal, moderator: Resident, into: Appeal) -> Appeal:
    """
    Close a duplicate report in favour of another one.

    The duplicate's author and supporters become supporters of the report that
    stays, so they hear about its progress.
    """
    appeal = _locked(appeal)
    _require_moderator(moderator, appeal.community)
    into = Appeal.objects.select_for_update().filter(pk=into.pk).first() if into else None
    if (
        into is None
        or into.community_id != appeal.community_id
        or into.pk == appeal.pk
        or not into.is_open
        or into.kind != appeal.kind
        or into.merged_into_id is not None
    ):
        raise MergeInvalid(fields={"into": str(MergeInvalid.message)})
    followers = set(Supporter.objects.filter(appeal=appeal).values_list("resident_id", flat=True))
    if appeal.author_id:
        followers.add(appeal.author_id)
    followers.discard(into.author_id)
    followers -= set(Supporter.objects.filter(appeal=into).values_list("resident_id", flat=True))
    Supporter.objects.bulk_create(
        [Supporter(community=into.community, appeal=into, resident_id=pk) for pk in followers],
        ignore_conflicts=True,
    )
    count = Supporter.objects.filter(appeal=into).count()
    Appeal.objects.filter(pk=into.pk).update(supporters_count=count, updated_at=timezone.now())
    audit.record(
        actor=moderator,
        action="appeal.duplicate_merged",
        target=into,
        after={"duplicate": appeal.number, "supporters": count},
    )
    note = str(_("Duplicate of report %(number)s.") % {"number": into.number})
    return _move(
        appeal,
        actor=moderator,
        action="appeal.merged",
        to=Status.MERGED,
        allowed=Appeal.OPEN_STATUSES,
        note=note,
        values={"merged_into": into, "cell": None, "closed_at": timezone.now()},
        audit_extra={"into": into.number},
    )


@transaction.atomic
def reject_appeal(
    *,
    appeal: Appeal,
    staff: Resident,
    reason: str,
    redirect_to: str = "",
    hide: bool = False,
) -> Appeal:
    """
    Refuse an appeal with a reason, e.g. it is not within the council's powers,
    and say whom to turn to instead.
    """
    appeal = _locked(appeal)
    moderator = staff.has_role(appeal.community, StaffRole.Role.MODERATOR)
    if appeal.status == Status.NEW and not moderator:
        raise ModeratorOnly()
    if hide and not moderator:
        raise ModeratorOnly()
    _require_handler(staff, appeal)
    reason = _required_note(reason, field="reason")
    redirect_to = " ".join((redirect_to or "").split())
    if len(redirect_to) > 300:
        raise TextInvalid(fields={"redirect_to": str(_("The text is too long."))})
    values = {"redirect_to": redirect_to, "closed_at": timezone.now(), "resolution": reason}
    if hide:
        values.update(hidden=True, cell=None)
    return _move(
        appeal,
        actor=staff,
        action="appeal.rejected",
        to=Status.REJECTED,
        allowed=Appeal.OPEN_STATUSES,
        note=reason,
        values=values,
        audit_extra={"redirect_to": redirect_to, "hidden": hide},
    )


@transaction.atomic
def start_work(*, appeal: Appeal, staff: Resident, note: str = "") -> Appeal:
    """Mark an accepted appeal as being worked on by its department."""
    appeal = _locked(appeal)
    _require_handler(staff, appeal)
    return _move(
        appeal,
        actor=staff,
        action="appeal.started",
        to=Status.IN_PROGRESS,
        allowed=(Status.ACCEPTED,),
        note=_clean_text(note)[:MAX_NOTE],
    )


def resolve_appeal(*, appeal: Appeal, staff: Resident, comment: str, photo=None) -> Appeal:
    """Record the work done (the answer) with an optional "after" photo."""
    problems = Problems()
    cleaned = _clean_photos([photo] if photo else [], problems=problems, limit=1)
    problems.raise_if_any()
    saved: list[str] = []
    try:
        with transaction.atomic():
            appeal = _locked(appeal)
            _require_handler(staff, appeal)
            comment = _required_note(comment, field="comment")
            appeal = _move(
                appeal,
                actor=staff,
                action="appeal.resolved",
                to=Status.RESOLVED,
                allowed=(Status.ACCEPTED, Status.IN_PROGRESS),
                note=comment,
                values={"resolved_at": timezone.now(), "resolution": comment},
                audit_extra={"photo": bool(cleaned)},
            )
            _save_photos(
                appeal=appeal,
                contents=cleaned,
                kind=AppealPhoto.Kind.AFTER,
                uploaded_by=staff,
                saved=saved,
            )
    except Exception:
        _forget_files(saved)
        raise
    return appeal


@transaction.atomic
def add_note(*, appeal: Appeal, staff: Resident, note: str) -> Appeal:
    """Tell the author and supporters about progress without changing the status."""
    appeal = _locked(appeal)
    _require_handler(staff, appeal)
    if not appeal.is_open:
        raise WrongStatus(status=appeal.get_status_display())
    note = _required_note(note)
    Appeal.objects.filter(pk=appeal.pk).update(status_notes=note, updated_at=timezone.now())
    appeal.status_notes = note
    audit.record(actor=staff, action="appeal.noted", target=appeal, after={"note": note})
    _touch_on_commit(appeal.community)
    notify_followers(appeal, event="appeals/status", note=note)
    return appeal


@transaction.atomic
def extend_deadline(*, appeal: Appeal, staff: Resident, due_on: date, reason: str) -> Appeal:
    """
    Extend the term of an appeal once, with a recorded reason, to at most 45
    days from its receipt (Law "On citizens' appeals", art. 20); the author is told.
    """
    appeal = _locked(appeal)
    _require_handler(staff, appeal)
    if not appeal.is_open:
        raise WrongStatus(status=appeal.get_status_display())
    reason = _required_note(reason, field="reason")
    if appeal.extension_reason:
        raise ExtensionInvalid(
            _("The term has been extended once already."),
            fields={"due_on": str(_("The term has been extended once already."))},
        )
    received = timezone.localdate(appeal.created_at)
    latest = deadlines.latest_extension(received, community=appeal.community)
    if due_on is None or due_on <= appeal.due_on or due_on > latest:
        message = _("Choose a date after %(current)s and no later than %(latest)s.") % {
            "current": appeal.due_on.strftime("%d.%m.%Y"),
            "latest": latest.strftime("%d.%m.%Y"),
        }
        raise ExtensionInvalid(str(message), fields={"due_on": str(message)})
    before = {"due_on": appeal.due_on}
    Appeal.objects.filter(pk=appeal.pk).update(
        due_on=due_on, extension_reason=reason, updated_at=timezone.now()
    )
    appeal.due_on, appeal.extension_reason = due_on, reason
    audit.record(
        actor=staff,
        action="appeal.extended",
        target=appeal,
        before=before,
        after={"due_on": due_on, "note": reason},
    )
    notify_followers(appeal, event="appeals/extended", reason=reason)
    _touch_on_commit(appeal.community)
    return appeal


def register_by_staff(
    *,
    staff: Resident,
    community: Community,
    channel: str,
    kind: str,
    category: Category | None,
    description: str,
    subject: str = "",
    contact: dict | None = None,
    lat: float | None = None,
    lon: float | None = None,
    street: Street | None = None,
    address: str = "",
    photos: Iterable = (),
) -> Appeal:
    """Register an appeal that came by phone or on paper, entered by staff."""
    if not staff.is_staff_of(community):
        raise Forbidden()
    if channel not in (Appeal.Channel.PHONE, Appeal.Channel.PAPER):
        raise ValidationFailed(fields={"channel": str(_("Choose phone or paper."))})
    if kind == Appeal.Kind.REPORT:
        return submit_report(
            community=community,
            category=category,
            description=description,
            lat=lat,
            lon=lon,
            street=street,
            address=address,
            photos=photos,
            channel=channel,
            contact=contact,
            actor=staff,
        )
    return submit_written_appeal(
        community=community,
        kind=kind,
        category=category,
        subject=subject,
        text=description,
        photos=photos,
        channel=channel,
        contact=contact,
        actor=staff,
    )


# -- scheduled ----------------------------------------------------------------


def escalate_overdue(*, today: date | None = None) -> int:
    """
    Tell department heads about appeals whose legal term has passed; once per term.

    Idempotent: each appeal is claimed by a conditional UPDATE of
    `escalated_for`, so a second run (or a second scheduler) finds nothing
    left to claim. An extension sets a new term, which may be escalated again.
    """
    today = today or timezone.localdate()
    due = Q(escalated_for__isnull=True) | Q(escalated_for__lt=F("due_on"))
    candidates = (
        Appeal.objects.filter(due, is_open=True, due_on__lt=today)
        .select_related("community", "category", "department__head")
        .order_by("community_id", "department_id", "due_on")
    )
    claimed: dict[tuple[int, int | None], list[Appeal]] = defaultdict(list)
    for appeal in candidates.iterator(chunk_size=500):
        with transaction.atomic():
            if not Appeal.objects.filter(due, pk=appeal.pk).update(escalated_for=F("due_on")):
                continue
            audit.record(
                actor=None,
                action="appeal.escalated",
                target=appeal,
                after={"due_on": appeal.due_on, "department": appeal.department_id},
            )
            claimed[(appeal.community_id, appeal.department_id)].append(appeal)
    for (_community_id, _department_id), appeals in claimed.items():
        community = appeals[0].community
        department = appeals[0].department
        recipients = [department.head] if department and department.head else []
        if not recipients:
            recipients = list(
                Resident.objects.filter(
                    staff_roles__community=community,
                    staff_roles__role__in=[StaffRole.Role.MODERATOR, StaffRole.Role.ADMINISTRATOR],
                    is_active=True,
                ).distinct()
            )
        with transaction.atomic():
            notify_many(
                recipients,
                "appeals/escalated",
                community=community,
                department=department,
                appeals=appeals,
            )
    return sum(len(appeals) for appeals in claimed.values())


def close_unconfirmed(*, now: datetime | None = None) -> int:
    """Close resolved appeals whose authors neither confirmed nor reopened them in 14 days."""
    now = now or timezone.now()
    limit = now - timedelta(days=deadlines.CONFIRMATION_DAYS)
    closed = 0
    stale = Appeal.objects.filter(status=Status.RESOLVED, resolved_at__lt=limit)
    for appeal in stale.select_related("community").iterator(chunk_size=500):
        with transaction.atomic():
            try:
                _move(
                    appeal,
                    actor=None,
                    action="appeal.closed_automatically",
                    to=Status.CLOSED,
                    allowed=(Status.RESOLVED,),
                    note="",
                    keep_notes=True,
                    values={"closed_at": now},
                )
            except WrongStatus:
                continue  # someone closed or reopened it meanwhile
        closed += 1
    return closed


# -- categories and keys ------------------------------------------------------


def open311_key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def issue_open311_key(
    *,
    community: Community,
    name: str,
    requests_per_minute: int = 60,
    actor: Resident | None = None,
) -> tuple[Open311Key, str]:
    """Create a key for a partner application; the key is shown once and never stored."""
    name = " ".join((name or "").split())
    if not name or len(name) > 120:
        raise ValidationFailed(
            fields={"name": str(_("Name the application (up to 120 characters)."))}
        )
    if requests_per_minute < 0:
        raise ValidationFailed(fields={"requests_per_minute": str(_("Enter zero or more."))})
    raw = "o311-" + secrets.token_urlsafe(30)
    key = Open311Key.objects.create(
        community=community,
        name=name,
        prefix=raw[:8],
        key_hash=open311_key_hash(raw),
        requests_per_minute=requests_per_minute,
    )
    audit.record(actor=actor, action="appeal.open311_key_issued", target=key, after={"name": name})
    return key, raw


@transaction.atomic
def revoke_open311_key(*, key: Open311Key, actor: Resident | None) -> Open311Key:
    if actor is not None and not actor.has_role(key.community, StaffRole.Role.ADMINISTRATOR):
        raise Forbidden()
    if key.is_active:
        Open311Key.objects.filter(pk=key.pk).update(is_active=False)
        key.is_active = False
        audit.record(actor=actor, action="appeal.open311_key_revoked", target=key)
    return key


@transaction.atomic
def install_default_categories(*, community: Community, actor: Resident | None = None) -> int:
    """
    Create the standard map categories and written topics where they are
    missing; return how many categories were added. Categories that exist are
    left as staff set them.
    """
    from hromada.appeals import catalogue

    departments = list(Department.objects.filter(community=community).order_by("pk"))
    names = [department.name for department in departments]

    def routed(patterns) -> Department | None:
        found = catalogue.route(patterns, names)
        return None if found is None else departments[found]

    existing = set(
        Category.objects.filter(community=community).values_list("service_code", flat=True)
    )
    added = 0
    for position, (code, name, name_en, routes, children) in enumerate(catalogue.TREE, start=1):
        department = routed(routes)
        group, created = Category.objects.get_or_create(
            community=community,
            service_code=code,
            defaults={"name": name, "name_en": name_en, "position": position},
        )
        added += created
        for child_position, child in enumerate(children, start=1):
            (c_code, c_name, c_name_en, target, study, keywords, description, attributes) = child
            if c_code in existing:
                continue
            category = Category.objects.create(
                community=community,
                parent=group,
                service_code=c_code,
                name=c_name,
                name_en=c_name_en,
                department=department,
                target_days=target,
                requires_study=study,
                keywords=keywords,
                description=description,
                position=child_position,
            )
            added += 1
            for order, attribute in enumerate(attributes, start=1):
                CategoryAttribute.objects.create(
                    community=community,
                    category=category,
                    order=order,
                    code=attribute["code"],
                    datatype=attribute["datatype"],
                    required=attribute.get("required", False),
                    description=attribute["description"],
                    datatype_description=attribute.get("datatype_description", ""),
                    values=attribute.get("values", []),
                )
    code, name, name_en = catalogue.TOPIC_GROUP
    group, created = Category.objects.get_or_create(
        community=community,
        service_code=code,
        defaults={
            "kind": Category.Kind.WRITTEN,
            "name": name,
            "name_en": name_en,
            "position": len(catalogue.TREE) + 1,
        },
    )
    added += created
    for position, (code, name, name_en, routes, keywords, description) in enumerate(
        catalogue.TOPICS, start=1
    ):
        if code in existing:
            continue
        Category.objects.create(
            community=community,
            parent=group,
            kind=Category.Kind.WRITTEN,
            service_code=code,
            name=name,
            name_en=name_en,
            department=routed(routes),
            target_days=catalogue.TOPIC_TARGET_DAYS,
            requires_study=True,
            keywords=keywords,
            description=description,
            position=position,
        )
        added += 1
    if added:
        transaction.on_commit(lambda: forget_categories(community))
        audit.record(
            actor=actor,
            action="appeal.categories_installed",
            community=community,
            after={"added": added},
        )
    return added


def check_place(
    *,
    community: Community,
    lat: float | None,
    lon: float | None,
    street: Street | None = None,
    address: str = "",
) -> tuple[float | None, float | None, str]:
    """Return the checked point and address of a place, or raise the location's error."""
    problems = Problems()
    result = _check_location(
        community=community, lat=lat, lon=lon, street=street, address=address, problems=problems
    )
    problems.raise_if_any()
    return result
