"""The profile's "Phone for SMS" section: send a code, confirm it, choose SMS."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hromada.core import phone
from hromada.core.errors import DomainError
from hromada.core.forms import PhoneCodeForm, PhoneForm, SmsChoiceForm


def section_context(resident, *, phone_form=None, code_form=None) -> dict:
    """Return what the profile's SMS section shows."""
    pending = phone.pending_confirmation(resident)
    if pending is not None and pending.expires_at <= timezone.now():
        pending = None
    confirmed = bool(resident.phone_confirmed_at and resident.phone)
    return {
        "phone_form": phone_form
        or PhoneForm(initial={"phone": pending.phone if pending else resident.phone}),
        "phone_code_form": code_form or PhoneCodeForm(),
        "phone_pending": pending,
        "phone_confirmed": confirmed,
        "sms_form": SmsChoiceForm(
            initial={"notify_by_sms": resident.notify_by_sms}, confirmed=confirmed
        ),
    }


def _section_page(request, **forms):
    context = section_context(request.user, **forms)
    return render(request, "core/phone_section.html", context, status=400)


@login_required
@require_POST
def send_phone_code(request):
    form = PhoneForm(request.POST)
    if form.is_valid():
        try:
            phone.request_code(
                resident=request.user,
                phone=form.cleaned_data["phone"],
                address=request.META.get("REMOTE_ADDR", ""),
            )
        except DomainError as error:
            form.add_error("phone", str(error))
        else:
            messages.success(request, _("We texted you a code. Enter it below."))
            return redirect("core:profile")
    return _section_page(request, phone_form=form)


@login_required
@require_POST
def confirm_phone(request):
    form = PhoneCodeForm(request.POST)
    if form.is_valid():
        try:
            phone.confirm_code(
                resident=request.user,
                code=form.cleaned_data["code"],
                address=request.META.get("REMOTE_ADDR", ""),
            )
        except DomainError as error:
            form.add_error("code", str(error))
        else:
            messages.success(request, _("Your phone is confirmed."))
            return redirect("core:profile")
    return _section_page(request, code_form=form)


@login_required
@require_POST
def choose_sms(request):
    form = SmsChoiceForm(request.POST, confirmed=True)
    enabled = form.is_valid() and form.cleaned_data["notify_by_sms"]
    try:
        phone.set_sms_notifications(resident=request.user, enabled=enabled)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        if enabled:
            messages.success(request, _("Notifications will also come by SMS."))
        else:
            messages.success(request, _("Notifications no longer come by SMS."))
    return redirect("core:profile")


@login_required
@require_POST
def remove_phone(request):
    phone.remove_phone(resident=request.user)
    messages.success(request, _("Your phone is removed."))
    return redirect("core:profile")
