"""
Every state change of the core: residents, identity, links, staff, calendar.

Plain functions with keyword-only arguments, one transaction each; they
raise `DomainError` subclasses with translatable messages, write the audit
entry and queue notifications on commit.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from hromada.core import audit, ratelimit
from hromada.core.errors import Conflict, DomainError, Forbidden, ValidationFailed
from hromada.core.identity import tax_number_hash
from hromada.core.models import (
    ApiToken,
    CalendarDay,
    Community,
    CommunityLink,
    Consent,
    Department,
    Identity,
    PrivacyNotice,
    Resident,
    StaffRole,
    Street,
    SupportPoint,
)
from hromada.core.notifications import notify, notify_address, site_url


class EmailTaken(Conflict):
    code = "email_taken"
    message = _("An account with this e-mail address already exists.")


class InvalidToken(DomainError):
    code = "invalid_token"
    message = _("The link is invalid or has expired.")


class IdentityInUse(Conflict):
    code = "identity_in_use"
    message = _(
        "This person is already identified on another account. One person may "
        "hold one account; log in to that account instead."
    )


class ResidenceElsewhere(Conflict):
    code = "residence_elsewhere"
    message = _("You already live in %(community)s; change your residence first.")


class EmailConfirmationTokens(PasswordResetTokenGenerator):
    """Tokens that stop working once the e-mail is confirmed or changed."""

    key_salt = "hromada.core.EmailConfirmationTokens"

    def _make_hash_value(self, user, timestamp):
        return f"{user.pk}{user.email}{user.identity_level}{timestamp}"


email_tokens = EmailConfirmationTokens()


@transaction.atomic
def register_resident(
    *,
    community: Community,
    email: str,
    password: str,
    full_name: str,
    language: str = "uk",
    consent_version: int | None = None,
) -> Resident:
    """
    Create an account and send the e-mail confirmation link.

    With `consent_version`, record the resident's consent to that version of
    the community's privacy notice (`sign_up` demands it).
    """
    email = (email or "").strip().lower()
    full_name = " ".join((full_name or "").split())
    errors = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = str(_("Enter a valid e-mail address."))
    if not full_name:
        errors["full_name"] = str(_("Enter your full name."))
    elif len(full_name) > 200:
        errors["full_name"] = str(_("The name is too long."))
    candidate = Resident(email=email, full_name=full_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        errors["password"] = " ".join(error.messages)
    if errors:
        raise ValidationFailed(fields=errors)
    if Resident.objects.filter(email__iexact=email).exists():
        raise EmailTaken(fields={"email": str(EmailTaken.message)})
    try:
        with transaction.atomic():
            resident = Resident.objects.create_user(
                email, password, full_name=full_name, language=language
            )
    except IntegrityError:
        raise EmailTaken(fields={"email": str(EmailTaken.message)}) from None
    audit.record(actor=resident, action="resident.registered", target=resident, community=community)
    if consent_version is not None:
        give_consent(resident=resident, community=community, version=consent_version)
    send_email_confirmation(resident=resident, community=community)
    return resident


@transaction.atomic
def sign_up(
    *,
    community: Community,
    email: str,
    password: str,
    full_name: str,
    consent_version: int | None,
    language: str = "uk",
) -> Resident | None:
    """
    Register a new account, or write to the owner of an existing one.

    The caller answers both the same way, so the sign-up form cannot be used
    to learn whether an address has an account; only the mailbox's owner
    learns it. Return the new resident, or None when the address was taken.

    `consent_version` is the version of the privacy notice the person read
    and accepted; None (the box not ticked) refuses the sign-up.
    """
    check_consent_version(community=community, version=consent_version)
    try:
        return register_resident(
            community=community,
            email=email,
            password=password,
            full_name=full_name,
            language=language,
            consent_version=consent_version,
        )
    except EmailTaken:
        # Hash the password anyway: a quick answer would tell taken addresses apart.
        make_password(password)
        send_account_exists_notice(community=community, email=email)
        return None


def send_account_exists_notice(*, community: Community, email: str) -> None:
    """Tell the owner of `email` that someone tried to sign up with it again."""
    resident = Resident.objects.filter(email__iexact=(email or "").strip()).first()
    if resident is None or resident.deleted_at:
        return
    # At most a few a day per address: the form must not become a mail cannon.
    if ratelimit.over_any(group="core.account_exists", checks=[(resident.email, "3/d")]):
        return
    notify_address(
        resident.email,
        "core/account_exists",
        language=resident.language or settings.LANGUAGE_CODE,
        community=community,
        log_in=site_url(community) + reverse("core:login"),
        reset=site_url(community) + reverse("core:password_reset"),
    )


def send_email_confirmation(*, resident: Resident, community: Community) -> None:
    """Queue the message with the e-mail confirmation link."""
    uid = urlsafe_base64_encode(force_bytes(resident.pk))
    token = email_tokens.make_token(resident)
    path = reverse("core:confirm_email", kwargs={"uidb64": uid, "token": token})
    notify(resident, "core/confirm_email", community=community, link=site_url(community) + path)


@transaction.atomic
def confirm_email(*, resident: Resident, token: str) -> Resident:
    """Raise the resident to the e-mail level if the token is theirs."""
    if not email_tokens.check_token(resident, token):
        raise InvalidToken()
    if resident.identity_level < Identity.EMAIL:
        before = resident.identity_level
        resident.identity_level = Identity.EMAIL
        resident.save(update_fields=["identity_level"])
        audit.record(
            actor=resident,
            action="resident.email_confirmed",
            target=resident,
            before={"identity_level": before},
            after={"identity_level": resident.identity_level},
        )
    return resident


@transaction.atomic
def update_profile(
    *,
    resident: Resident,
    full_name: str,
    birth_date: date | None,
    phone: str = "",
    language: str = "uk",
    notify_by_email: bool = True,
) -> Resident:
    """Change the profile; name and birth date are locked once identified."""
    full_name = " ".join((full_name or "").split())
    if resident.identity_level >= Identity.STRONG:
        # ID.GOV.UA is the source of these two fields for identified residents.
        full_name, birth_date = resident.full_name, resident.birth_date
    if not full_name:
        raise ValidationFailed(fields={"full_name": str(_("Enter your full name."))})
    if birth_date and not (date(1900, 1, 1) <= birth_date <= timezone.localdate()):
        raise ValidationFailed(fields={"birth_date": str(_("Enter a real birth date."))})
    if language not in ("uk", "en"):
        raise ValidationFailed(fields={"language": str(_("Unknown language."))})
    fields = {
        "full_name": full_name,
        "birth_date": birth_date,
        "phone": (phone or "").strip()[:40],
        "language": language,
        "notify_by_email": notify_by_email,
    }
    before = {name: getattr(resident, name) for name in fields}
    if before == fields:
        return resident
    for name, value in fields.items():
        setattr(resident, name, value)
    saved = list(fields)
    if before["phone"] != fields["phone"]:
        from hromada.core.phone import clear_confirmation

        # A new number is not confirmed: SMS stop until it is.
        saved += clear_confirmation(resident)
    resident.save(update_fields=saved)
    changed = [name for name in fields if before[name] != fields[name]]
    # Only the names of changed fields: the audit log keeps no personal data.
    audit.record(
        actor=resident,
        action="resident.profile_changed",
        target=resident,
        after={"changed": ", ".join(changed)},
    )
    return resident


@transaction.atomic
def link_to_community(
    *,
    resident: Resident,
    community: Community,
    kind: str,
    street: Street | None = None,
    house: str = "",
    note: str = "",
) -> CommunityLink:
    """
    Record that the resident lives, works, studies or is displaced here.

    A person lives in one place: a residence here while one is recorded
    elsewhere raises `ResidenceElsewhere`; `move_residence` ends the old one.
    """
    _check_link(community=community, kind=kind, street=street, house=house, note=note)
    if kind == CommunityLink.Kind.LIVES:
        elsewhere = residence_of(resident)
        if elsewhere is not None and elsewhere.community_id != community.pk:
            raise _residence_elsewhere(elsewhere)
    try:
        # Savepoint: the one-residence constraint decides when two requests race.
        with transaction.atomic():
            link, created = CommunityLink.objects.update_or_create(
                resident=resident,
                community=community,
                kind=kind,
                defaults={
                    "street": street,
                    "house": house.strip()[:20],
                    "note": note.strip()[:200],
                },
            )
    except IntegrityError:
        elsewhere = residence_of(resident)
        if kind == CommunityLink.Kind.LIVES and elsewhere is not None:
            raise _residence_elsewhere(elsewhere) from None
        raise
    audit.record(
        actor=resident,
        action="resident.link_added" if created else "resident.link_changed",
        target=link,
        community=community,
        after={"kind": kind},
    )
    return link


@transaction.atomic
def move_residence(
    *, resident: Resident, community: Community, street: Street | None, house: str
) -> CommunityLink:
    """End the resident's residence elsewhere and record the new one in `community`."""
    kind = CommunityLink.Kind.LIVES
    _check_link(community=community, kind=kind, street=street, house=house, note="")
    # Lock the resident: two moves at once must not both end the same old link.
    Resident.objects.select_for_update().filter(pk=resident.pk).first()
    old = residence_of(resident)
    if old is not None and old.community_id != community.pk:
        audit.record(
            actor=resident,
            action="resident.residence_ended",
            target=old,
            community=old.community,
            before={"kind": kind},
            after={"moved_to": community.pk},
        )
        old.delete()
    return link_to_community(
        resident=resident, community=community, kind=kind, street=street, house=house
    )


def residence_of(resident: Resident) -> CommunityLink | None:
    """Return the resident's one residence link, wherever it is, or None."""
    return (
        CommunityLink.objects.filter(resident=resident, kind=CommunityLink.Kind.LIVES)
        .select_related("community")
        .first()
    )


def _residence_elsewhere(link: CommunityLink) -> ResidenceElsewhere:
    message = ResidenceElsewhere.message % {"community": link.community.name}
    return ResidenceElsewhere(fields={"kind": message}, community=link.community.name)


def _check_link(*, community: Community, kind: str, street, house: str, note: str) -> None:
    if kind not in CommunityLink.Kind.values:
        raise ValidationFailed(
            fields={"kind": str(_("Choose how you are linked to the community."))}
        )
    if kind == CommunityLink.Kind.LIVES:
        if street is None or street.settlement.community_id != community.pk:
            raise ValidationFailed(
                fields={"street": str(_("Choose a street of this community from the list."))}
            )
        if not house.strip():
            raise ValidationFailed(fields={"house": str(_("Enter the house number."))})
    elif not note.strip():
        raise ValidationFailed(
            fields={"note": str(_("Name the employer, school or where you stay."))}
        )


@transaction.atomic
def remove_community_link(*, resident: Resident, link: CommunityLink) -> None:
    if link.resident_id != resident.pk:
        raise Forbidden()
    audit.record(
        actor=resident,
        action="resident.link_removed",
        target=link,
        community=link.community,
        before={"kind": link.kind},
    )
    link.delete()


def is_linked(resident: Resident, community: Community, kinds: list[str] | None = None) -> bool:
    """Return whether the resident has one of the links (any, by default) to the community."""
    links = CommunityLink.objects.filter(resident=resident, community=community)
    if kinds is not None:
        links = links.filter(kind__in=kinds)
    return links.exists()


@transaction.atomic
def verify_strong_identity(*, resident: Resident, claims: dict, tax_claim: str) -> Resident:
    """
    Make the account strong with the identity the provider vouched for.

    Only a keyed hash of the tax number is kept. The unique constraint on it
    decides when two accounts race for one person.
    """
    tax_number = str(claims.get(tax_claim) or "")
    if not tax_number.strip():
        raise DomainError(_("The identity provider did not return a tax number."))
    digest = tax_number_hash(tax_number)
    if Resident.objects.filter(tax_hash=digest).exclude(pk=resident.pk).exists():
        raise IdentityInUse()
    name_parts = [claims.get("family_name"), claims.get("given_name"), claims.get("middle_name")]
    full_name = " ".join(part for part in name_parts if part) or claims.get("name") or ""
    birth_date = None
    if claims.get("birthdate"):
        try:
            birth_date = date.fromisoformat(str(claims["birthdate"]))
        except ValueError:
            birth_date = None
    before = {"identity_level": resident.identity_level}
    resident.tax_hash = digest
    resident.identity_level = Identity.STRONG
    resident.strong_verified_at = timezone.now()
    if full_name:
        resident.full_name = full_name[:200]
    if birth_date:
        resident.birth_date = birth_date
    try:
        with transaction.atomic():
            resident.save(
                update_fields=[
                    "tax_hash",
                    "identity_level",
                    "strong_verified_at",
                    "full_name",
                    "birth_date",
                ]
            )
    except IntegrityError:
        raise IdentityInUse() from None
    audit.record(
        actor=resident,
        action="resident.identified",
        target=resident,
        before=before,
        after={"identity_level": resident.identity_level},
    )
    return resident


@transaction.atomic
def delete_account(*, resident: Resident) -> None:
    """
    Erase the resident's personal data and close the account.

    The row stays so that public contributions (signatures, votes, reports)
    keep counting; they now show as an anonymous former resident.
    """
    audit.record(actor=resident, action="resident.deleted", target=resident)
    resident.email = f"deleted-{resident.pk}-{secrets.token_hex(4)}@invalid"
    resident.full_name = ""
    resident.phone = ""
    resident.birth_date = None
    resident.is_active = False
    resident.is_staff = False
    resident.notify_by_email = False
    resident.notify_by_sms = False
    resident.phone_confirmed_at = None
    resident.deleted_at = timezone.now()
    resident.set_unusable_password()
    # The tax hash stays: a deleted strong account must not be reopened as a
    # second person to sign the same petition again.
    resident.save()
    resident.links.all().delete()
    resident.staff_roles.all().delete()
    resident.api_tokens.all().delete()
    resident.phone_confirmations.all().delete()


@transaction.atomic
def grant_role(
    *,
    actor: Resident,
    community: Community,
    resident: Resident,
    role: str,
    department: Department | None = None,
) -> StaffRole:
    """Give a resident a staff role in the community (administrators only)."""
    actor.require_role(community, StaffRole.Role.ADMINISTRATOR)
    if role not in StaffRole.Role.values:
        raise ValidationFailed(fields={"role": str(_("Choose one of the roles offered."))})
    if department is not None and department.community_id != community.pk:
        raise ValidationFailed(
            fields={"department": str(_("The department is not of this community."))}
        )
    staff_role, created = StaffRole.objects.get_or_create(
        community=community, resident=resident, role=role, department=department
    )
    if not resident.is_staff:
        resident.is_staff = True
        resident.save(update_fields=["is_staff"])
    if created:
        audit.record(
            actor=actor,
            action="staff.role_granted",
            target=staff_role,
            community=community,
            after={"role": role, "department": department},
        )
    return staff_role


@transaction.atomic
def revoke_role(*, actor: Resident, staff_role: StaffRole) -> None:
    actor.require_role(staff_role.community, StaffRole.Role.ADMINISTRATOR)
    audit.record(
        actor=actor,
        action="staff.role_revoked",
        target=staff_role,
        community=staff_role.community,
        before={"role": staff_role.role, "department": staff_role.department},
    )
    staff_role.delete()


@transaction.atomic
def set_calendar_day(
    *, actor: Resident, community: Community, day: date, kind: str, name: str = ""
) -> CalendarDay:
    """Mark a date as a holiday or a transferred working day."""
    actor.require_role(community, StaffRole.Role.ADMINISTRATOR)
    if kind not in CalendarDay.Kind.values:
        raise ValidationFailed(fields={"kind": str(_("Unknown kind of day."))})
    entry, _created = CalendarDay.objects.update_or_create(
        community=community, date=day, defaults={"kind": kind, "name": name[:120]}
    )
    audit.record(
        actor=actor,
        action="calendar.day_set",
        target=entry,
        community=community,
        after={"date": day, "kind": kind},
    )
    return entry


def api_token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_lifetime() -> timedelta:
    """Return how long a new token works (HROMADA_API_TOKEN_DAYS, 90 days by default)."""
    return timedelta(days=int(getattr(settings, "HROMADA_API_TOKEN_DAYS", 90)))


@transaction.atomic
def issue_api_token(*, resident: Resident, name: str) -> tuple[ApiToken, str]:
    """Create a personal API token; the key is shown once and never stored."""
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ValidationFailed(fields={"name": str(_("Name the token (up to 80 characters)."))})
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        resident=resident,
        name=name,
        key_hash=api_token_hash(key),
        expires_at=timezone.now() + api_token_lifetime(),
    )
    audit.record(
        actor=resident,
        action="resident.api_token_issued",
        target=token,
        after={"name": name, "expires_at": token.expires_at},
    )
    return token, key


@transaction.atomic
def revoke_api_token(*, resident: Resident, token: ApiToken) -> None:
    """Stop one of the resident's tokens from working."""
    if token.resident_id != resident.pk:
        raise Forbidden()
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(
        actor=resident,
        action="resident.api_token_revoked",
        target=token,
        after={"name": token.name},
    )


@transaction.atomic
def revoke_api_tokens(*, resident: Resident, reason: str) -> int:
    """
    Stop every token of the resident; return how many were working.

    Called when the password changes or is reset: whoever knew the old
    password may have made a token with it, and it must not outlive it.
    """
    now = timezone.now()
    count = ApiToken.objects.filter(resident=resident, revoked_at__isnull=True).update(
        revoked_at=now
    )
    if count:
        audit.record(
            actor=resident,
            action="resident.api_tokens_revoked",
            target=resident,
            after={"count": count, "reason": reason},
        )
    return count


# Privacy notice and consent (Law "On personal data protection" №2297-VI) ---


class ConsentRequired(Forbidden):
    code = "consent_required"
    message = _(
        "The privacy notice has changed. Read and accept the new version on the website first."
    )


class NoticeChanged(Conflict):
    code = "privacy_notice_changed"
    message = _(
        "The privacy notice changed while you were reading it. Read the new version and "
        "accept it again."
    )


def check_consent_version(*, community: Community, version: int | None) -> None:
    """Refuse a missing consent, or one to a version that is no longer in force."""
    from hromada.core.privacy import current_version

    if version is None:
        raise ValidationFailed(
            fields={
                "privacy_consent": str(
                    _("Tick the box to consent to the processing of your personal data.")
                )
            }
        )
    if version != current_version(community):
        raise NoticeChanged(fields={"privacy_consent": str(NoticeChanged.message)})


@transaction.atomic
def give_consent(*, resident: Resident, community: Community, version: int) -> Consent:
    """Record the resident's consent to the version of the notice in force."""
    check_consent_version(community=community, version=version)
    consent, created = Consent.objects.get_or_create(
        resident=resident, community=community, version=version
    )
    if created:
        audit.record(
            actor=resident,
            action="resident.consent_given",
            target=resident,
            community=community,
            after={"version": version},
        )
    return consent


@transaction.atomic
def publish_privacy_notice(
    *, actor: Resident, community: Community, body: str, body_en: str = ""
) -> PrivacyNotice:
    """
    Publish the next version of the community's notice (administrators only).

    Residents who accepted an earlier version are asked again on their next
    page view (`hromada.core.privacy.ConsentMiddleware`).
    """
    from hromada.core.privacy import forget_version

    actor.require_role(community, StaffRole.Role.ADMINISTRATOR)
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(fields={"body": str(_("Enter the text of the notice."))})
    # Lock the community: two administrators publishing at once get two numbers.
    Community.objects.select_for_update().filter(pk=community.pk).first()
    last = PrivacyNotice.objects.filter(community=community).order_by("-version").first()
    notice = PrivacyNotice.objects.create(
        community=community,
        version=(last.version if last else 0) + 1,
        body=body,
        body_en=(body_en or "").strip(),
        published_by=actor,
    )
    audit.record(
        actor=actor,
        action="privacy.notice_published",
        target=notice,
        community=community,
        after={"version": notice.version},
    )
    forget_version(community)
    return notice


# In-person identification at a support point (ЦНАП, starosta offices) -----


class AlreadyIdentified(Conflict):
    code = "already_identified"
    message = _("This account is identified already.")


class InvalidTaxNumber(ValidationFailed):
    code = "invalid_tax_number"
    message = _("The tax number (РНОКПП) is ten digits with a valid check digit.")


DOCUMENT_KINDS = {
    "id_card": _("passport of a citizen of Ukraine (ID card)"),
    "passport_book": _("passport of a citizen of Ukraine (booklet)"),
    "foreign_passport": _("passport for travelling abroad"),
    "residence_permit": _("residence permit"),
    "temporary_certificate": _("temporary certificate of a citizen of Ukraine"),
}


def may_identify_in_person(*, staff: Resident, community: Community) -> bool:
    """
    Return whether the staff member identifies residents in person here.

    Administrators, and staff of a department whose support point identifies
    residents (the ЦНАП and its starosta offices): the community chooses who
    by naming the department on the support point.
    """
    if not staff.is_authenticated or not staff.is_active:
        return False
    if staff.has_role(community, StaffRole.Role.ADMINISTRATOR):
        return True
    departments = SupportPoint.objects.filter(
        community=community, is_active=True, identifies=True, department__isnull=False
    ).values_list("department_id", flat=True)
    return bool(set(staff.departments_in(community)) & set(departments))


@transaction.atomic
def identify_in_person(
    *,
    actor: Resident,
    community: Community,
    resident: Resident,
    tax_number: str,
    document_kind: str,
    document_last_digits: str,
    full_name: str,
    birth_date: date | None,
    support_point: SupportPoint | None = None,
) -> Resident:
    """
    Make the account strong on the word of staff who saw the person's document.

    Only the keyed hash of the tax number is kept, as with ID.GOV.UA, and the
    same unique constraint keeps one person to one account. The last digits
    of the document's number make the staff member read the document; they
    are checked for form and never stored. The audit entry names who
    identified whom and by which kind of document, with no number.
    """
    if not may_identify_in_person(staff=actor, community=community):
        raise Forbidden()
    if resident.deleted_at or not resident.is_active:
        raise ValidationFailed(_("This account is closed."))
    if resident.identity_level >= Identity.STRONG:
        raise AlreadyIdentified()
    tax_number = "".join((tax_number or "").split())
    errors = {}
    from hromada.core.identity import valid_tax_number

    if not valid_tax_number(tax_number):
        errors["tax_number"] = str(InvalidTaxNumber.message)
    if document_kind not in DOCUMENT_KINDS:
        errors["document_kind"] = str(_("Choose the kind of document."))
    last = (document_last_digits or "").strip()
    if len(last) != 4 or not last.isascii() or not last.isdigit():
        errors["document_last_digits"] = str(
            _("Enter the last four digits of the document's number.")
        )
    full_name = " ".join((full_name or "").split())
    if not full_name or len(full_name) > 200:
        errors["full_name"] = str(_("Enter the full name as the document gives it."))
    if birth_date is None or not (date(1900, 1, 1) <= birth_date <= timezone.localdate()):
        errors["birth_date"] = str(_("Enter the birth date as the document gives it."))
    if support_point is not None and support_point.community_id != community.pk:
        errors["support_point"] = str(_("Choose a support point of this community."))
    if errors:
        if set(errors) == {"tax_number"}:
            raise InvalidTaxNumber(fields=errors)
        raise ValidationFailed(fields=errors)
    digest = tax_number_hash(tax_number)
    if Resident.objects.filter(tax_hash=digest).exclude(pk=resident.pk).exists():
        raise IdentityInUse(fields={"tax_number": str(IdentityInUse.message)})
    before = {"identity_level": resident.identity_level}
    resident.tax_hash = digest
    resident.identity_level = Identity.STRONG
    resident.strong_verified_at = timezone.now()
    resident.full_name = full_name
    resident.birth_date = birth_date
    try:
        with transaction.atomic():
            resident.save(
                update_fields=[
                    "tax_hash",
                    "identity_level",
                    "strong_verified_at",
                    "full_name",
                    "birth_date",
                ]
            )
    except IntegrityError:
        raise IdentityInUse(fields={"tax_number": str(IdentityInUse.message)}) from None
    audit.record(
        actor=actor,
        action="resident.identified_in_person",
        target=resident,
        community=community,
        before=before,
        after={
            "identity_level": resident.identity_level,
            "document": document_kind,
            "support_point": support_point.name if support_point else "",
        },
    )
    notify(
        resident,
        "core/identified_in_person",
        community=community,
        place=support_point.name if support_point else community.name,
    )
    return resident


# The resident's own data (№2297-VI, art. 8: access to one's data) ---------


@transaction.atomic
def export_personal_data(*, resident: Resident) -> dict:
    """
    Return everything the platform keeps about the resident, for a download.

    Each module adds its records through `personal_data` in its `module.py`.
    Secrets stay out: no password, no hash of the tax number, no token hash.
    """
    from hromada.core import registry

    data = {
        "account": {
            "email": resident.email,
            "full_name": resident.full_name,
            "birth_date": resident.birth_date,
            "phone": resident.phone,
            "language": resident.language,
            "notify_by_email": resident.notify_by_email,
            "phone_confirmed_at": resident.phone_confirmed_at,
            "notify_by_sms": resident.notify_by_sms,
            "phone_waiting_for_code": [row.phone for row in resident.phone_confirmations.all()],
            "identity_level": Identity(resident.identity_level).label,
            "identified_at": resident.strong_verified_at,
            "tax_number": str(_("not stored; only a code that cannot be turned back into it"))
            if resident.tax_hash
            else None,
            "joined": resident.date_joined,
            "last_login": resident.last_login,
        },
        "links": [
            {
                "community": link.community.name,
                "kind": link.get_kind_display(),
                "street": str(link.street) if link.street else "",
                "house": link.house,
                "note": link.note,
                "since": link.created_at,
            }
            for link in resident.links.select_related("community", "street__settlement")
        ],
        "consents": [
            {
                "community": consent.community.name,
                "version": consent.version,
                "at": consent.given_at,
            }
            for consent in resident.consents.select_related("community").order_by("given_at")
        ],
        "api_tokens": [
            {
                "name": token.name,
                "created": token.created_at,
                "expires": token.expires_at,
                "revoked": token.revoked_at,
                "last_used": token.last_used_at,
            }
            for token in resident.api_tokens.all()
        ],
        "staff_roles": [
            {
                "community": role.community.name,
                "role": role.role,
                "department": role.department.name if role.department else "",
            }
            for role in resident.staff_roles.select_related("community", "department")
        ],
        "messages": [
            {
                "at": message.created_at,
                "channel": message.channel,
                "subject": message.subject,
                "text": message.body,
                "status": message.get_status_display(),
            }
            for message in resident.notifications.order_by("created_at")
        ],
        "modules": {},
    }
    for declared in registry.modules():
        if declared.personal_data:
            data["modules"][declared.name] = registry.resolve(declared.personal_data)(resident)
    audit.record(actor=resident, action="resident.data_exported", target=resident)
    return data
