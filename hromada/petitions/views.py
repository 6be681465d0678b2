"""Petition pages: parse the request, call a selector or a service, render or redirect."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache.backends.locmem import LocMemCache
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hromada.core.cache import page_key
from hromada.core.errors import DomainError
from hromada.core.forms import apply_errors
from hromada.core.identity import level_required
from hromada.core.notifications import site_url
from hromada.core.opendata import export_response
from hromada.petitions import handoff, selectors, services
from hromada.petitions.forms import (
    AnswerForm,
    AssignForm,
    FilterForm,
    HideForm,
    PetitionForm,
    RejectForm,
    SignForm,
)
from hromada.petitions.limits import limited
from hromada.petitions.models import Petition

# Anonymous readers get the petition page from the cache for this long: a
# popular petition is read far more often than its count changes visibly.
PAGE_CACHE_SECONDS = 5
# Stands for the reader's CSRF token in the cached page; replaced per request.
CSRF_PLACEHOLDER = "csrf-token-of-this-reader"
# Rendered public pages live in each worker's own memory: a viral petition's
# page is served without even a trip to the shared cache. Workers may differ
# by a few seconds, which the page tolerates anyway.
PAGES = LocMemCache(
    "hromada-petitions-pages",
    {"TIMEOUT": PAGE_CACHE_SECONDS, "OPTIONS": {"MAX_ENTRIES": 1000}},
)
SIGNERS_ON_PAGE = 10
SIGNERS_PER_PAGE = 50


def _visible_or_404(request, pk) -> Petition:
    try:
        return selectors.visible_petition(community=request.community, pk=pk, viewer=request.user)
    except DomainError:
        raise Http404 from None


def _signing_or_404(request, pk) -> Petition:
    try:
        return selectors.petition_for_signing(
            community=request.community, pk=pk, viewer=request.user
        )
    except DomainError:
        raise Http404 from None


def _own_or_404(request, pk) -> Petition:
    try:
        petition = selectors.petition_in(community=request.community, pk=pk)
    except DomainError:
        raise Http404 from None
    if petition.author_id != request.user.pk:
        raise Http404
    return petition


# Public pages -------------------------------------------------------------


def petition_list(request):
    form = FilterForm(request.GET or None, community=request.community)
    filters = form.filters()
    petitions = selectors.search_petitions(community=request.community, **filters)
    page_obj = Paginator(petitions, 10).get_page(request.GET.get("page"))
    return render(
        request,
        "petitions/list.html",
        {"form": form, "page_obj": page_obj, "filters": filters},
    )


def detail(request, pk: int):
    """Show a petition: the same page for every anonymous reader, a fresh one otherwise."""
    if _shareable(request):
        return _public_page(request, pk)
    petition = _visible_or_404(request, pk)
    viewer = request.user if request.user.is_authenticated else None
    return _render_detail(request, petition, viewer=viewer)


def _render_detail(request, petition: Petition, *, viewer, **extra) -> HttpResponse:
    context = {"title": petition.title, **extra}
    if petition.is_hidden and not selectors.can_see_hidden(viewer=viewer, petition=petition):
        context["notice"] = _part("_detail_hidden", {"petition": petition})
        # Gone: the text of a hidden petition is withdrawn from the public.
        return render(request, "petitions/detail.html", context, status=410)
    context["top"] = _part(
        "_detail_top",
        {"petition": petition, "overdue_by": selectors.answer_overdue_by(petition=petition)},
    )
    context["viewer"] = _part(
        "_detail_viewer", _viewer_context(request, petition, viewer), request=request
    )
    context["bottom"] = _bottom(request, petition)
    return render(request, "petitions/detail.html", context)


def _part(name: str, context: dict, request=None) -> str:
    """Render one part of the petition page; the page template inserts it as it is."""
    html = render_to_string(f"petitions/{name}.html", context, request=request)
    return mark_safe(html)  # noqa: S308 (our own template, escaped as it rendered)


def _bottom(request, petition: Petition) -> str:
    """
    Return the text, answer, signers and history, shared by all readers.

    The most expensive part of the page (three queries and the longest
    template) is the same for everybody, so it is kept for a few seconds.
    """
    key = page_key(request, "petitions:bottom", petition.pk)
    html = PAGES.get(key)
    if html is None:
        html = _part(
            "_detail_bottom",
            {
                "petition": petition,
                # The community's own address, not the request's Host: this
                # part is shared by every reader, whatever host they asked.
                "absolute_url": site_url(request.community) + petition.get_absolute_url(),
                "signers": list(selectors.signers(petition=petition)[:SIGNERS_ON_PAGE]),
                "history": selectors.public_history(petition=petition),
                "appeal_number": (
                    handoff.appeal_number(petition)
                    if petition.status == Petition.Status.ARCHIVED
                    else ""
                ),
            },
        )
        PAGES.set(key, str(html))
    return mark_safe(html)  # noqa: S308 (rendered from our template above)


def _shareable(request) -> bool:
    """Return whether the request may get the page every anonymous reader gets."""
    return (
        request.method == "GET"
        and not request.GET
        and set(request.COOKIES) <= {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}
    )


def _public_page(request, pk: int) -> HttpResponse:
    """
    Serve the anonymous petition page from a copy cached for a few seconds.

    The copy holds a placeholder where each reader's own CSRF token goes (the
    language switch posts a form), so readers never share a token.
    """
    key = page_key(request, "petitions:page", pk)
    cached = PAGES.get(key)
    if cached is None:
        petition = _visible_or_404(request, pk)
        response = _render_detail(request, petition, viewer=None, csrf_token=CSRF_PLACEHOLDER)
        cached = (response.status_code, response.content)
        PAGES.set(key, cached)
    status, content = cached
    token = get_token(request).encode()
    return HttpResponse(content.replace(CSRF_PLACEHOLDER.encode(), token), status=status)


def _viewer_context(request, petition: Petition, viewer) -> dict:
    """Return what the signed-in viewer may do here: sign, or why not; edit; staff pages."""
    context = {"petition": petition, "viewer": viewer}
    if viewer is None:
        return context
    context.update(_sign_box_context(petition, viewer))
    is_staff = petition.official_id == viewer.pk or (
        viewer.is_staff_of(request.community)
        and (
            selectors.is_moderator(viewer, request.community)
            or services.can_answer(staff=viewer, petition=petition)
        )
    )
    context.update(is_author=petition.author_id == viewer.pk, is_staff_here=is_staff)
    return context


def _sign_box_context(petition: Petition, viewer) -> dict:
    """Return the viewer's signature, or why they may not sign, or the form."""
    refusal = None
    signature = selectors.signature_of(petition=petition, resident=viewer)
    if signature is None and petition.status == Petition.Status.COLLECTING:
        try:
            services.check_can_sign(petition=petition, resident=viewer)
        except DomainError as error:
            refusal = error
    return {
        "petition": petition,
        "viewer": viewer,
        "signature": signature,
        "refusal": refusal,
        "sign_form": SignForm(),
    }


def signer_list(request, pk: int):
    petition = _visible_or_404(request, pk)
    if petition.is_hidden and not selectors.can_see_hidden(viewer=request.user, petition=petition):
        raise Http404
    page_obj = Paginator(selectors.signers(petition=petition), SIGNERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "petitions/signers.html", {"petition": petition, "page_obj": page_obj})


def open_data(request):
    fmt = "json" if request.GET.get("format") == "json" else "csv"
    return export_response(
        selectors.open_data_rows(request.community),
        fields=selectors.OPEN_DATA_FIELDS,
        name="e-petitions",
        fmt=fmt,
    )


# Residents' actions -------------------------------------------------------


@require_POST
@limited("sign")
def sign(request, pk: int):
    petition = _signing_or_404(request, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(petition.get_absolute_url())
    form = SignForm(request.POST)
    form.is_valid()
    try:
        services.sign_petition(
            petition=petition,
            resident=request.user,
            notify_on_answer=form.cleaned_data.get("notify_on_answer", False),
        )
    except DomainError as error:
        notice = {"tags": "error", "text": str(error)}
    else:
        notice = {"tags": "success", "text": _("Your signature has been counted. Thank you!")}
    if request.headers.get("HX-Request") == "true":
        # htmx swaps the sign box in place: no reload of the whole page. The
        # count above it is swapped too (out of band), read afresh so that it
        # includes the signature just given.
        petition.refresh_from_db(fields=["signature_count", "status"])
        context = {**_sign_box_context(petition, request.user), "notice": notice}
        return render(request, "petitions/_sign_response.html", context)
    if notice["tags"] == "error":
        messages.error(request, notice["text"])
    else:
        messages.success(request, notice["text"])
    return redirect(petition)


def _petition_form(request, data=None, initial=None) -> PetitionForm:
    return PetitionForm(
        data,
        initial=initial,
        community=request.community,
        rules=services.rules_for(request.community),
    )


@level_required("petitions.create")
@limited("create")
def create(request):
    form = _petition_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            # Both steps or neither: a failed submission leaves no stray draft.
            with transaction.atomic():
                petition = services.create_petition(
                    community=request.community,
                    author=request.user,
                    title=form.cleaned_data["title"],
                    text=form.cleaned_data["text"],
                    topic_id=form.cleaned_data["topic"],
                    collection_days=form.cleaned_data["collection_days"],
                )
                if "submit_now" in request.POST:
                    petition = services.submit_petition(petition=petition, author=request.user)
        except DomainError as error:
            apply_errors(form, error)
        else:
            if petition.status == Petition.Status.SUBMITTED:
                messages.success(request, _("The petition is sent to the moderators."))
            else:
                messages.success(
                    request, _("The draft is saved. Send it to moderation when ready.")
                )
            return redirect(petition)
    return render(
        request,
        "petitions/form.html",
        {"form": form, "rules": services.rules_for(request.community), "petition": None},
        status=400 if form.errors else 200,
    )


@login_required
def edit(request, pk: int):
    petition = _own_or_404(request, pk)
    if petition.status not in Petition.EDITABLE:
        messages.error(request, str(services.NotEditable()))
        return redirect(petition)
    initial = {
        "title": petition.title,
        "text": petition.text,
        "topic": str(petition.topic_id),
        "collection_days": petition.collection_days,
    }
    form = _petition_form(request, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_petition(
                petition=petition,
                author=request.user,
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
                topic_id=form.cleaned_data["topic"],
                collection_days=form.cleaned_data["collection_days"],
            )
        except DomainError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The changes are saved."))
            return redirect(petition)
    return render(
        request,
        "petitions/form.html",
        {"form": form, "rules": services.rules_for(request.community), "petition": petition},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def submit(request, pk: int):
    petition = _own_or_404(request, pk)
    try:
        services.submit_petition(petition=petition, author=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The petition is sent to the moderators."))
    return redirect(petition)


@login_required
@require_POST
def withdraw(request, pk: int):
    petition = _own_or_404(request, pk)
    try:
        services.withdraw_petition(petition=petition, author=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The petition is withdrawn."))
    return redirect(petition)


@login_required
def mine(request):
    petitions = selectors.my_petitions(community=request.community, resident=request.user)
    page_obj = Paginator(petitions, 20).get_page(request.GET.get("page"))
    return render(request, "petitions/mine.html", {"page_obj": page_obj})


@login_required
def signed(request):
    signatures = selectors.my_signatures(community=request.community, resident=request.user)
    page_obj = Paginator(signatures, 20).get_page(request.GET.get("page"))
    return render(request, "petitions/signed.html", {"page_obj": page_obj})


# Staff pages --------------------------------------------------------------


@login_required
def staff_queue(request):
    community = request.community
    if not request.user.is_staff_of(community):
        return render(request, "403.html", status=403)
    moderator = selectors.is_moderator(request.user, community)
    context = {
        "today": timezone.localdate(),
        "moderator": moderator,
        "moderation": selectors.moderation_queue(community=community) if moderator else [],
        "answers": selectors.answer_queue(community=community, staff=request.user),
        "hidden": Petition.objects.filter(community=community, is_hidden=True) if moderator else [],
    }
    return render(request, "petitions/staff_queue.html", context)


def _staff_petition_or_404(request, pk) -> Petition:
    if not request.user.is_authenticated:
        raise Http404
    try:
        petition = selectors.petition_in(community=request.community, pk=pk)
    except DomainError:
        raise Http404 from None
    if not (
        selectors.is_moderator(request.user, request.community)
        or services.can_answer(staff=request.user, petition=petition)
    ):
        raise Http404  # as if missing: staff of other departments learn nothing
    return petition


def _staff_page(request, petition: Petition, status: int = 200, **bound):
    community = request.community
    moderator = selectors.is_moderator(request.user, community)
    assign_initial = {"department": petition.department_id, "official": petition.official_id}
    forms = {
        "assign_form": AssignForm(initial=assign_initial, community=community),
        "reject_form": RejectForm(petition=petition),
        "hide_form": HideForm(),
        "answer_form": AnswerForm(),
        **bound,
    }
    trail = Paginator(selectors.audit_trail(petition=petition), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "petitions/staff_petition.html",
        {
            "petition": petition,
            "moderator": moderator,
            "can_answer": services.can_answer(staff=request.user, petition=petition),
            "official": services.official_for(petition),
            "overdue_by": selectors.answer_overdue_by(petition=petition),
            "page_obj": trail,
            **forms,
        },
        status=status,
    )


@login_required
def staff_petition(request, pk: int):
    return _staff_page(request, _staff_petition_or_404(request, pk))


def _staff_action(request, pk, form_class, form_name, action, success, form_kwargs):
    """Run one staff step from a posted form; show errors on the staff page."""
    petition = _staff_petition_or_404(request, pk)
    form = form_class(request.POST, request.FILES, **form_kwargs(petition))
    if form.is_valid():
        try:
            action(petition, form.cleaned_data)
        except DomainError as error:
            apply_errors(form, error)
        else:
            messages.success(request, success)
            return redirect("petitions:staff_petition", pk=petition.pk)
    return _staff_page(request, petition, status=400, **{form_name: form})


def _no_kwargs(petition):
    return {}


@login_required
@require_POST
def staff_publish(request, pk: int):
    return _staff_action(
        request,
        pk,
        AssignForm,
        "assign_form",
        lambda petition, data: services.publish_petition(
            petition=petition,
            moderator=request.user,
            department=data["department"],
            official=data["official"],
        ),
        _("The petition is published; signature collection has started."),
        lambda petition: {"community": request.community},
    )


@login_required
@require_POST
def staff_assign(request, pk: int):
    return _staff_action(
        request,
        pk,
        AssignForm,
        "assign_form",
        lambda petition, data: services.assign_official(
            petition=petition,
            moderator=request.user,
            department=data["department"],
            official=data["official"],
        ),
        _("The responsible official is saved."),
        lambda petition: {"community": request.community},
    )


@login_required
@require_POST
def staff_reject(request, pk: int):
    return _staff_action(
        request,
        pk,
        RejectForm,
        "reject_form",
        lambda petition, data: services.reject_petition(
            petition=petition,
            moderator=request.user,
            reason=data["reason"],
            note=data["note"],
            duplicate_of=data["duplicate_of"],
        ),
        _("The petition is rejected; the author is told why."),
        lambda petition: {"petition": petition},
    )


@login_required
@require_POST
def staff_hide(request, pk: int):
    return _staff_action(
        request,
        pk,
        HideForm,
        "hide_form",
        lambda petition, data: services.hide_petition(
            petition=petition, moderator=request.user, reason=data["reason"]
        ),
        _("The petition is hidden."),
        _no_kwargs,
    )


@login_required
@require_POST
def staff_unhide(request, pk: int):
    petition = _staff_petition_or_404(request, pk)
    try:
        services.unhide_petition(petition=petition, moderator=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The petition is shown again."))
    return redirect("petitions:staff_petition", pk=petition.pk)


@login_required
@require_POST
def staff_answer(request, pk: int):
    return _staff_action(
        request,
        pk,
        AnswerForm,
        "answer_form",
        lambda petition, data: services.answer_petition(
            petition=petition,
            staff=request.user,
            outcome=data["outcome"],
            text=data["text"],
            document=data["document"] or None,
        ),
        _("The answer is published; the author and the signers are told."),
        _no_kwargs,
    )
