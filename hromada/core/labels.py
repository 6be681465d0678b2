"""
Labels people read for the codes the code base stores.

An audit entry keeps a code ("petition.submitted") and plain values
("moderation_due_on": "2026-12-04"); pages and the back office show a
translated label and a formatted value instead. Each module declares its
labels in its own `labels.py` (`AUDIT_ACTIONS`, and `AUDIT_DETAILS` for
detail keys that name no field of the entry's object); this module gathers
them, so core names no module.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from datetime import date, datetime
from functools import cache

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

AUDIT_ACTIONS = {
    "resident.registered": _("Account created"),
    "resident.email_confirmed": _("E-mail address confirmed"),
    "resident.profile_changed": _("Profile changed"),
    "resident.phone_code_sent": _("Code texted to confirm the phone"),
    "resident.phone_confirmed": _("Phone confirmed"),
    "resident.phone_removed": _("Phone removed"),
    "resident.sms_turned_on": _("SMS notifications turned on"),
    "resident.sms_turned_off": _("SMS notifications turned off"),
    "resident.link_added": _("Link to the community added"),
    "resident.link_changed": _("Link to the community changed"),
    "resident.link_removed": _("Link to the community removed"),
    "resident.residence_ended": _("Residence ended: moved to another community"),
    "resident.identified": _("Identified through ID.GOV.UA"),
    "resident.identified_in_person": _("Identified in person by staff"),
    "resident.consent_given": _("Consent to the processing of personal data given"),
    "resident.data_exported": _("Personal data exported"),
    "privacy.notice_published": _("Privacy notice published"),
    "resident.deleted": _("Account deleted"),
    "resident.api_token_issued": _("API token issued"),
    "resident.api_token_revoked": _("API token revoked"),
    "resident.api_tokens_revoked": _("All API tokens revoked"),
    "staff.role_granted": _("Staff role granted"),
    "staff.role_revoked": _("Staff role revoked"),
    "calendar.day_set": _("Day of the calendar set"),
    "community.changed_in_admin": _("Community profile changed in the back office"),
}

# The back office records "<app>.<model>.<what>_in_admin" for any model.
ADMIN_ACTIONS = {
    "created_in_admin": _("Created in the back office: %(model)s"),
    "changed_in_admin": _("Changed in the back office: %(model)s"),
    "deleted_in_admin": _("Deleted in the back office: %(model)s"),
}

AUDIT_DETAILS = {
    "added": pgettext_lazy("audit detail", "added"),
    "changed": pgettext_lazy("audit detail", "changed fields"),
    "count": pgettext_lazy("audit detail", "count"),
    "date": pgettext_lazy("audit detail", "date"),
    "department": pgettext_lazy("audit detail", "department"),
    "departments": pgettext_lazy("audit detail", "departments"),
    "expires_at": pgettext_lazy("audit detail", "valid until"),
    "identity_level": pgettext_lazy("audit detail", "identity level"),
    "kind": pgettext_lazy("audit detail", "kind"),
    "moved_to": pgettext_lazy("audit detail", "moved to the community"),
    "name": pgettext_lazy("audit detail", "name"),
    "note": pgettext_lazy("audit detail", "note"),
    "reason": pgettext_lazy("audit detail", "reason"),
    "role": pgettext_lazy("audit detail", "role"),
    "status": pgettext_lazy("audit detail", "status"),
    "title": pgettext_lazy("audit detail", "title"),
}

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*")


@cache
def _declared(name: str) -> dict:
    """Return the `name` maps of core and every module's `labels.py`, merged."""
    merged = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("hromada."):
            continue
        module_name = f"{config.name}.labels"
        if importlib.util.find_spec(module_name) is None:
            continue
        merged.update(getattr(importlib.import_module(module_name), name, {}))
    return merged


def audit_actions() -> dict:
    """Return every declared audit action code with its label."""
    return _declared("AUDIT_ACTIONS")


def audit_details() -> dict:
    """Return the labels of the detail keys that name no field."""
    return _declared("AUDIT_DETAILS")


def action_label(code: str) -> str:
    """Return the translated label of an audit action; the code if none is declared."""
    label = audit_actions().get(code)
    if label is not None:
        return str(label)
    model_label, _dot, what = code.rpartition(".")
    if what in ADMIN_ACTIONS:
        model = _model(model_label)
        name = model._meta.verbose_name if model is not None else model_label
        return ADMIN_ACTIONS[what] % {"model": name}
    return code


def entry_details(entry) -> list[tuple[str, str]]:
    """
    Return (label, value) pairs of what an audit entry kept after the change.

    A key named after a field of the entry's object takes the field's name and
    shows a choice by its label and a related row by its name; dates read as
    dates. Other keys take the label a module declared.
    """
    model = _model(entry.target_type)
    pairs = []
    for key, value in (entry.after or {}).items():
        field = _field(model, key)
        if field is not None:
            label = field.verbose_name
        else:
            label = audit_details().get(key, key)
        pairs.append((str(label), format_value(value, field=field)))
    return pairs


def format_value(value, *, field: models.Field | None = None) -> str:
    """Return a stored value as people read it: choices by label, dates as dates."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return pgettext("answer", "yes") if value else pgettext("answer", "no")
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field is not None and field.is_relation and field.related_model is not None:
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else str(value)
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        return date_format(date.fromisoformat(value), "j E Y")
    if isinstance(value, str) and _ISO_TIME.fullmatch(value):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return date_format(moment, "j E Y, H:i")
    return str(value)


def coordinates(lat, lon) -> str:
    """Return a point as "46.30119, 30.65412": a dot in each number, whatever the language."""
    return f"{float(lat):.5f}, {float(lon):.5f}"


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _field(model, key: str) -> models.Field | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    # A reverse relation ("signatures" of a petition) is no field of the row:
    # the key takes the label its module declared.
    return field if isinstance(field, models.Field) else None
