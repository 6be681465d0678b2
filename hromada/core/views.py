"""Pages of the core: home, sign-up, log-in, profile, identity, staff dashboard."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode, urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from hromada.core import (
    authforms,
    identification,
    privacy,
    registry,
    selectors,
    services,
    views_phone,
)
from hromada.core.errors import DomainError
from hromada.core.forms import (
    IdentifyLookupForm,
    IdentifyPersonForm,
    LinkForm,
    LogInForm,
    ProfileForm,
    SignUpForm,
    TokenForm,
    apply_errors,
)
from hromada.core.help import render_markdown
from hromada.core.identity import PAPER_ACTIONS, identification_ways
from hromada.core.models import ApiToken, CommunityLink, Resident
from hromada.core.notifications import site_url
from hromada.core.privacy import current_version
from hromada.core.ratelimit import address_bucket, over_any


def home(request):
    return render(
        request,
        "core/home.html",
        {"modules": registry.modules(), "news": selectors.home_news(community=request.community)},
    )


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def rate_limited(request, exception=None):
    return render(request, "core/rate_limited.html", status=429)


@ratelimit(key="ip", rate="10/h", method="POST", block=True)
def sign_up(request):
    if request.user.is_authenticated:
        return redirect("core:profile")
    form = SignUpForm(request.POST or None, notice_version=current_version(request.community))
    if request.method == "POST" and form.is_valid():
        try:
            # A new address and a taken one get the same answer; only the
            # mailbox learns which it was (services.sign_up).
            services.sign_up(
                community=request.community,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                full_name=form.cleaned_data["full_name"],
                consent_version=form.cleaned_data["notice_version"],
                language=request.LANGUAGE_CODE if request.LANGUAGE_CODE in ("uk", "en") else "uk",
            )
        except DomainError as error:
            apply_errors(form, error)
        else:
            return redirect("core:sign_up_done")
    return render(request, "core/sign_up.html", {"form": form})


def sign_up_done(request):
    return render(request, "core/sign_up_done.html")


def confirm_email(request, uidb64: str, token: str):
    try:
        resident = Resident.objects.get(pk=int(urlsafe_base64_decode(uidb64).decode()))
        services.confirm_email(resident=resident, token=token)
    except (ValueError, Resident.DoesNotExist, DomainError):
        return render(request, "core/confirm_email.html", {"ok": False}, status=400)
    messages.success(request, _("Your e-mail address is confirmed."))
    return render(request, "core/confirm_email.html", {"ok": True})


@login_required
@require_POST
@ratelimit(key="user", rate="5/h", method="POST", block=True)
def resend_confirmation(request):
    services.send_email_confirmation(resident=request.user, community=request.community)
    messages.success(request, _("We sent a new confirmation link."))
    return redirect("core:profile")


class LogInView(auth_views.LoginView):
    template_name = "core/log_in.html"
    authentication_form = LogInForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        """Send staff to their dashboard, residents home; a `next` address wins over both."""
        user = self.request.user
        if user.is_authenticated and user.is_staff_of(self.request.community):
            return reverse("core:dashboard")
        return super().get_default_redirect_url()


@require_POST
def log_out(request):
    logout(request)
    messages.info(request, _("You have logged out."))
    return redirect("core:home")


@login_required
def profile(request):
    resident = request.user
    form = ProfileForm(
        request.POST or None,
        initial={
            "full_name": resident.full_name,
            "birth_date": resident.birth_date,
            "phone": resident.phone,
            "language": resident.language,
            "notify_by_email": resident.notify_by_email,
        },
    )
    if resident.identity_level >= 2:
        form.fields["full_name"].disabled = True
        form.fields["birth_date"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(resident=resident, **form.cleaned_data)
        except DomainError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Your profile is saved."))
            response = redirect("core:profile")
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, resident.language, samesite="Lax")
            return response
    links = resident.links.filter(community=request.community).select_related("street__settlement")
    return render(
        request,
        "core/profile.html",
        {
            "form": form,
            "links": links,
            "link_form": _link_form(request),
            "token_form": TokenForm(),
            "tokens": resident.api_tokens.filter(
                revoked_at__isnull=True, expires_at__gt=timezone.now()
            ),
            **views_phone.section_context(resident),
        },
    )


def _link_form(request, data=None) -> LinkForm:
    """Return the link form, offering a move when the resident lives elsewhere."""
    residence = services.residence_of(request.user)
    elsewhere = None
    if residence is not None and residence.community_id != request.community.pk:
        elsewhere = residence.community
    return LinkForm(data, community=request.community, lives_in=elsewhere)


@login_required
def add_link(request):
    form = _link_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        moving = fields.pop("move", False) and fields["kind"] == CommunityLink.Kind.LIVES
        try:
            if moving:
                services.move_residence(
                    resident=request.user,
                    community=request.community,
                    street=fields["street"],
                    house=fields["house"],
                )
            else:
                services.link_to_community(
                    resident=request.user, community=request.community, **fields
                )
        except DomainError as error:
            apply_errors(form, error)
        else:
            if moving:
                messages.success(request, _("Your residence is moved to this community."))
            else:
                messages.success(request, _("Your link to the community is saved."))
            return redirect("core:profile")
    return render(
        request, "core/link_form.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
@require_POST
def remove_link(request, pk: int):
    link = get_object_or_404(CommunityLink, pk=pk, resident=request.user)
    services.remove_community_link(resident=request.user, link=link)
    messages.success(request, _("The link is removed."))
    return redirect("core:profile")


@login_required
@require_POST
def issue_token(request):
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            token, key = services.issue_api_token(
                resident=request.user, name=form.cleaned_data["name"]
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            return render(request, "core/token_issued.html", {"key": key, "token": token})
    else:
        messages.error(request, _("Name the token (up to 80 characters)."))
    return redirect("core:profile")


@login_required
@require_POST
def revoke_token(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, resident=request.user)
    services.revoke_api_token(resident=request.user, token=token)
    messages.success(request, _("The token “%(name)s” no longer works.") % {"name": token.name})
    return redirect("core:profile")


@login_required
@require_POST
def revoke_all_tokens(request):
    services.revoke_api_tokens(resident=request.user, reason="revoked_by_resident")
    messages.success(request, _("None of your API tokens works any more."))
    return redirect("core:profile")


@login_required
def delete_account(request):
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            messages.error(
                request, _("Tick the box to confirm that the account should be deleted.")
            )
            return redirect("core:delete_account")
        services.delete_account(resident=request.user)
        logout(request)
        messages.success(request, _("Your account is deleted and your personal data erased."))
        return redirect("core:home")
    return render(request, "core/delete_account.html")


@login_required
def identity(request):
    """Show the ways to identify: ID.GOV.UA, in person, and paper for the action asked."""
    action = request.GET.get("action") or None
    if action not in PAPER_ACTIONS:
        action = None  # any other action has no paper way; list them all
    ways = identification_ways(request.community, action)
    return render(
        request,
        "core/identity.html",
        {"configured": ways.online, "ways": ways, "next": _safe_next(request)},
    )


@login_required
@require_POST
@ratelimit(key="user", rate="20/h", method="POST", block=True)
def identity_start(request):
    backend = identification.backend()
    if backend is None:
        messages.error(request, _("Identification through ID.GOV.UA is not set up here yet."))
        return redirect("core:identity")
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        request.session["identity_next"] = next_url
    redirect_uri = request.build_absolute_uri(reverse("core:identity_callback"))
    return backend.authorize_redirect(request, redirect_uri)


@login_required
def identity_callback(request):
    backend = identification.backend()
    if backend is None:
        messages.error(request, _("Identification through ID.GOV.UA is not set up here yet."))
        return redirect("core:identity")
    try:
        # Every failure of the provider or the protocol is an IdentificationFailed.
        claims, tax_claim = backend.identity_from_callback(request)
        services.verify_strong_identity(resident=request.user, claims=claims, tax_claim=tax_claim)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("core:identity")
    messages.success(request, _("You are identified. Thank you!"))
    return redirect(request.session.pop("identity_next", "") or reverse("core:profile"))


@login_required
def dashboard(request):
    if not request.user.is_staff_of(request.community):
        return render(request, "403.html", status=403)
    sections = selectors.dashboard_items(staff=request.user, community=request.community)
    roles = request.user.staff_roles.filter(community=request.community).select_related(
        "department"
    )
    return render(request, "core/dashboard.html", {"sections": sections, "roles": roles})


def open_data(request):
    sets = selectors.open_data_sets(community=request.community)
    licence_name, licence_url = selectors.OPEN_DATA_LICENCE
    return render(
        request,
        "core/open_data.html",
        {"sets": sets, "licence_name": licence_name, "licence_url": licence_url},
    )


class PasswordResetView(auth_views.PasswordResetView):
    form_class = authforms.PasswordResetForm
    template_name = "core/password_reset.html"
    email_template_name = "core/password_reset_email.txt"
    subject_template_name = "core/password_reset_subject.txt"
    success_url = reverse_lazy("core:password_reset_done")
    # Per client address and per mailbox: one person must not flood a
    # mailbox, nor one address try every account.
    rates = {"address": "10/h", "email": "3/h"}

    def form_valid(self, form):
        """
        Send the link, unless the address or the mailbox asked too often.

        Over a limit the answer is the same "if the account exists, we sent a
        link" page, so it tells nothing. The link is built on the community's
        own address, never on the request's Host header: a forged header
        would carry the reset token to someone else's site.
        """
        address = address_bucket(self.request.META.get("REMOTE_ADDR", ""))
        email = form.cleaned_data["email"].strip().lower()
        checks = [(address, self.rates["address"]), (email, self.rates["email"])]
        if not over_any(group="core.password_reset", checks=checks):
            base = site_url(self.request.community)
            scheme, _sep, host = base.partition("://")
            form.save(
                domain_override=host,
                use_https=scheme == "https",
                token_generator=self.token_generator,
                from_email=self.from_email,
                email_template_name=self.email_template_name,
                subject_template_name=self.subject_template_name,
                html_email_template_name=self.html_email_template_name,
                extra_email_context={"site_url": base},
            )
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = authforms.SetPasswordForm
    template_name = "core/password_reset_confirm.html"
    success_url = reverse_lazy("core:login")

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            # Whoever knew the old password may hold a token made with it.
            services.revoke_api_tokens(resident=form.user, reason="password_reset")
        messages.success(self.request, _("Your new password is set. Please log in."))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = authforms.PasswordChangeForm
    template_name = "core/password_change.html"
    success_url = reverse_lazy("core:profile")

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            services.revoke_api_tokens(resident=form.user, reason="password_changed")
        messages.success(
            self.request,
            _("Your new password is set. Your API tokens no longer work; create new ones."),
        )
        return response


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    return render(request, "500.html", status=500)


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)


def community_json(request):
    """Return the community's profile (used by maps and partner sites)."""
    community = request.community
    return JsonResponse(
        {
            "slug": community.slug,
            "name": community.name,
            "katottg": community.katottg,
            "edrpou": community.edrpou,
            "territory": community.territory,
        }
    )


def help_index(request):
    """List the residents' and staff guides of the "Help" section."""
    from hromada.core import help as guides

    sections = [
        (_("For residents"), guides.guides(guides.RESIDENTS)),
        (_("For staff"), guides.guides(guides.STAFF)),
    ]
    return render(request, "core/help_index.html", {"sections": sections})


def help_guide(request, slug: str):
    """Show one guide in the active language (Ukrainian when it has no English text)."""
    from django.http import Http404

    from hromada.core import help as guides

    guide = guides.guide(slug)
    if guide is None:
        raise Http404
    body, written_in = guides.body(guide)
    context = {"title": guides.title(guide), "body": body, "written_in": written_in}
    return render(request, "core/help_guide.html", context)


def _safe_next(request, default: str = "") -> str:
    """Return the `next` address of the request if it stays on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def privacy_notice(request, version: int | None = None):
    """Show the community's privacy notice: the version in force, or an earlier one."""
    community = request.community
    current = privacy.current_notice(community)
    notice = current if version is None else privacy.notice_version(community, version)
    if notice is None:
        from django.http import Http404

        raise Http404
    accepted = None
    if request.user.is_authenticated:
        accepted = privacy.accepted_version(request.user, community)
    versions = community.privacy_notices.order_by("-version").values("version", "published_at")
    return render(
        request,
        "core/privacy.html",
        {
            "notice": notice,
            "current": current,
            "body": render_markdown(notice.text()),
            "accepted": accepted,
            "versions": versions,
        },
    )


@login_required
def consent(request):
    """Ask the resident to accept the version of the notice now in force."""
    community = request.community
    notice = privacy.current_notice(community)
    next_url = _safe_next(request, reverse("core:home"))
    if request.method == "POST":
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = None
        try:
            services.give_consent(resident=request.user, community=community, version=version)
        except DomainError as error:
            messages.error(request, str(error))
            return redirect(f"{reverse('core:consent')}?{urlencode({'next': next_url})}")
        messages.success(request, _("Thank you. Your consent is recorded."))
        return redirect(next_url)
    if not privacy.needs_consent(request.user, community):
        return redirect(next_url)
    accepted = privacy.accepted_version(request.user, community)
    return render(
        request,
        "core/consent.html",
        {
            "notice": notice,
            "body": render_markdown(notice.text()),
            "accepted": accepted,
            "next": next_url,
        },
    )


@login_required
@require_POST
@ratelimit(key="user", rate="10/h", method="POST", block=True)
def my_data(request):
    """Send the resident everything the platform keeps about them, as a JSON file."""
    data = services.export_personal_data(resident=request.user)
    response = JsonResponse(
        data, encoder=DjangoJSONEncoder, json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="hromada-my-data-{day}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def identify_person(request):
    """
    Let staff at a support point raise an account to strong identity.

    Found by the exact e-mail the person gives, never by browsing: the page
    must not become a directory of residents.
    """
    community = request.community
    if not services.may_identify_in_person(staff=request.user, community=community):
        return render(request, "403.html", status=403)
    lookup = IdentifyLookupForm(request.GET or None)
    resident = None
    form = None
    status = 200
    if request.method == "POST":
        form = IdentifyPersonForm(request.POST, community=community)
        if form.is_valid():
            resident = Resident.objects.filter(
                pk=form.cleaned_data["resident"], deleted_at__isnull=True
            ).first()
        if resident is not None and form.is_valid():
            fields = dict(form.cleaned_data)
            fields.pop("resident")
            try:
                services.identify_in_person(
                    actor=request.user, community=community, resident=resident, **fields
                )
            except DomainError as error:
                apply_errors(form, error)
                status = 400
            else:
                messages.success(
                    request,
                    _("%(name)s is identified. The account may now sign and vote.")
                    % {"name": resident.full_name},
                )
                return redirect("core:identify_person")
        else:
            status = 400
    elif lookup.is_valid():
        resident = Resident.objects.filter(
            email__iexact=lookup.cleaned_data["email"].strip(), deleted_at__isnull=True
        ).first()
        if resident is not None and resident.identity_level < 2:
            form = IdentifyPersonForm(
                community=community,
                initial={
                    "resident": resident.pk,
                    "full_name": resident.full_name,
                    "birth_date": resident.birth_date,
                },
            )
    return render(
        request,
        "core/identify_person.html",
        {"lookup": lookup, "resident": resident, "form": form, "searched": lookup.is_bound},
        status=status,
    )


@login_required
def my_hromada(request):
    """Show the resident's own things from every module on one page."""
    return render(
        request,
        "core/my_hromada.html",
        {"modules": selectors.my_hromada(resident=request.user, community=request.community)},
    )


@login_required
def notifications_list(request):
    """List what was sent to the resident: subject, channel, when and how it went."""
    notifications = selectors.my_notifications(resident=request.user, community=request.community)
    page_obj = Paginator(notifications, 25).get_page(request.GET.get("page"))
    # Channel names as residents read them; an unknown one shows as stored.
    channels = {"email": _("e-mail"), "sms": _("SMS")}
    for notification in page_obj.object_list:
        notification.channel_label = channels.get(notification.channel, notification.channel)
    return render(request, "core/notifications_list.html", {"page_obj": page_obj})
