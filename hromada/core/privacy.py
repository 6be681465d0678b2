"""
The privacy notice and residents' consent to it.

Law of Ukraine "On personal data protection" №2297-VI: the person is told
who processes their data, why and on what grounds, who receives it and what
their rights are (art. 12), and gives consent (art. 11). Each community is
its own controller (its council), so each has its own notice; until the
council publishes one, the built-in notice below applies as version 0.

Residents consent at sign-up; when the council publishes a new version,
`ConsentMiddleware` asks each of them again before they go on. Choice made:
every page of a resident who has not accepted the current version leads to
the "we updated our privacy notice" page, rather than each service refusing
writes. A notice that was not accepted cannot quietly govern what the
resident reads either (their profile, their ballots), and one check in one
place covers every module, including those to come. What stays open: the
notice itself, log-out, "download my data" and "delete my account" (a
person who objects must still be able to take their data and leave), the
language switch, the API's reads and the back office (staff work there for
the council). The API refuses writes with 403 `consent_required`
(`hromada.api.auth`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from functools import cache as memoise

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import get_language

from hromada.core.models import Community, Consent, PrivacyNotice, Resident

# How long a process trusts its cached "current version"; a publication
# clears it at once in the shared cache.
VERSION_TTL = 30


@dataclass(frozen=True)
class Notice:
    """A version of a community's notice; version 0 is the built-in one."""

    version: int
    body: str
    body_en: str
    published_at: datetime | None

    def text(self, language: str | None = None) -> str:
        """Return the text in the language (English when there is one), else Ukrainian."""
        if (language or get_language() or "uk").startswith("en") and self.body_en.strip():
            return self.body_en
        return self.body


def default_notice(community: Community) -> Notice:
    """Return the built-in notice, filled in with the council's details."""
    values = {
        "council": community.council_name or community.name,
        "edrpou": community.edrpou or "—",
        "address": community.postal_address or "—",
        "email": community.email or "—",
        "phone": community.phone or "—",
    }
    return Notice(0, DEFAULT_UK.format(**values), DEFAULT_EN.format(**values), None)


def current_notice(community: Community) -> Notice:
    """Return the version that applies now: the latest published, else the built-in."""
    latest = PrivacyNotice.objects.filter(community=community).order_by("-version").first()
    if latest is None:
        return default_notice(community)
    return _notice(latest)


def notice_version(community: Community, version: int) -> Notice | None:
    """Return one version of the community's notice, or None."""
    if version == 0:
        return default_notice(community)
    row = PrivacyNotice.objects.filter(community=community, version=version).first()
    return _notice(row) if row else None


def _notice(row: PrivacyNotice) -> Notice:
    return Notice(row.version, row.body, row.body_en, row.published_at)


def _version_key(community_id: int) -> str:
    return f"privacy:version:{community_id}"


# Community id → (expiry, version): every signed-in request asks, so each
# process keeps the number a few seconds instead of a trip to the shared cache.
_LOCAL: dict[int, tuple[float, int]] = {}
LOCAL_TTL = 5.0


def current_version(community: Community) -> int:
    """Return the number of the version in force (0: the built-in notice)."""
    held = _LOCAL.get(community.pk)
    if held is not None and held[0] > time.monotonic():
        return held[1]
    key = _version_key(community.pk)
    version = cache.get(key)
    if version is None:
        version = (
            PrivacyNotice.objects.filter(community=community)
            .order_by("-version")
            .values_list("version", flat=True)
            .first()
        ) or 0
        cache.set(key, version, VERSION_TTL)
    _LOCAL[community.pk] = (time.monotonic() + LOCAL_TTL, version)
    return version


def forget_version(community: Community) -> None:
    """Drop the cached version now, and again once the new one is committed."""
    key = _version_key(community.pk)
    cache.delete(key)
    _LOCAL.pop(community.pk, None)

    def forget():
        cache.delete(key)
        _LOCAL.pop(community.pk, None)

    # A page read between the two would have cached the old number again.
    transaction.on_commit(forget)


def accepted_version(resident: Resident, community: Community) -> int | None:
    """Return the latest version the resident accepted in the community, or None."""
    return (
        Consent.objects.filter(resident=resident, community=community)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )


def needs_consent(resident: Resident, community: Community, *, session=None) -> bool:
    """
    Return whether the resident must accept the notice before going on.

    Only a version the council published asks: the built-in notice was
    accepted at sign-up, and accounts older than it are asked once the
    council publishes its own. `session`, when given, remembers the answer,
    so a page view costs one cache read.
    """
    version = current_version(community)
    if version == 0:
        return False
    key = f"privacy_accepted_{community.pk}"
    if session is not None and session.get(key) == version:
        return False
    accepted = accepted_version(resident, community)
    if accepted is not None and accepted >= version:
        if session is not None:
            session[key] = version
        return False
    return True


@memoise
def _open_paths() -> tuple[str, ...]:
    """Return the path prefixes a resident reaches before accepting."""
    return (
        settings.STATIC_URL,
        settings.MEDIA_URL,
        "/i18n/",
        "/open311/",
        # The back office is work done for the council, not the staff
        # member's own use of the site, which the notice is about.
        "/admin/",
        reverse("core:healthz"),
        reverse("core:readyz"),
        reverse("core:metrics"),
        reverse("core:privacy"),
        reverse("core:consent"),
        reverse("core:logout"),
        reverse("core:my_data"),
        reverse("core:delete_account"),
    )


class ConsentMiddleware:
    """Ask a resident to accept the current privacy notice before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self._ask(request) or self.get_response(request)

    def _ask(self, request):
        path = request.path_info
        if path.startswith(_open_paths()):
            return None
        api = path.startswith("/api/")
        if api and request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None  # a token's resident is checked by the API's authentication
        if not needs_consent(user, request.community, session=request.session):
            return None
        if api:
            return consent_refused()
        target = reverse("core:consent")
        if request.method in ("GET", "HEAD"):
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        # A form posted from a page seen before the notice changed: its data
        # is dropped, and the resident comes back to that page after accepting.
        back = request.headers.get("Referer", "")
        if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            target = f"{target}?{urlencode({'next': back})}"
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)


def consent_refused() -> JsonResponse:
    """Answer an API write of a resident who has not accepted the current notice."""
    from hromada.core.services import ConsentRequired

    error = ConsentRequired()
    body = {"error": {"code": error.code, "message": str(error), "fields": {}}}
    return JsonResponse(body, status=error.status)


def check_api_consent(request, resident: Resident) -> None:
    """Raise `ConsentRequired` for an API write of a resident who has not accepted."""
    from hromada.core.services import ConsentRequired

    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if needs_consent(resident, request.community):
        raise ConsentRequired()


# The built-in notice. Markdown; the council's details are filled in.
DEFAULT_UK = """\
## Хто обробляє ваші дані

Володілець персональних даних — {council}, код ЄДРПОУ {edrpou}, адреса: {address}.
Електронна пошта: {email}, телефон: {phone}.

## Для чого

- електронні петиції: подання і підписання (стаття 23-1 Закону України «Про звернення громадян»);
- громадський бюджет: подання проєктів і голосування за них;
- звернення до ради та повідомлення про проблеми в громаді, відповіді на них;
- ідентифікація: щоб одна людина мала один обліковий запис і підписувала та голосувала один раз;
- повідомлення вам про хід розгляду ваших петицій, проєктів і звернень.

## На якій підставі

- ваша згода (пункт 1 частини першої статті 11 Закону України «Про захист персональних даних»
  №2297-VI), яку ви даєте під час реєстрації і можете відкликати;
- для звернень — обов'язок ради, встановлений законом (пункт 5 частини першої статті 11
  Закону №2297-VI; Закон України «Про звернення громадян»).

## Які дані

- прізвище, ім'я та по батькові;
- адреса електронної пошти і, якщо ви її вказали, номер телефону;
- дата народження — щоб перевірити вік, з якого можна підписувати й голосувати;
- адреса або місце проживання, роботи чи навчання в громаді — щоб перевірити право участі;
- реєстраційний номер облікової картки платника податків (РНОКПП): зберігається лише
  ключований геш — код, з якого номер не відновити; самого номера ми не зберігаємо;
- тексти, фотографії та місця, які ви надсилаєте з петиціями, проєктами і зверненнями;
- час ваших дій (для журналу змін). Адреси вашого пристрою (IP) у записі про згоду ми не зберігаємо.

## Хто отримує дані

- структурні підрозділи та комунальні підприємства ради, яким передано ваше звернення чи проєкт;
- список підписантів петиції (прізвище та ім'я) оприлюднюється — цього вимагає закон
  (стаття 23-1 Закону України «Про звернення громадян»);
- ім'я автора звернення видно іншим лише тоді, коли ви так вирішили;
- відкриті дані (постанова Кабінету Міністрів України №835) не містять ваших персональних даних.

Дані не передаються для реклами і не передаються за кордон.

## Скільки зберігаються

Поки існує ваш обліковий запис. Коли ви видаляєте обліковий запис, ваші персональні дані
стираються; підписи й голоси залишаються знеособленими, бо вони вже враховані. Звернення
та відповіді на них зберігаються у строки, визначені законодавством про архівну справу.

## Ваші права (стаття 8 Закону №2297-VI)

- знати, хто, де і для чого обробляє ваші дані, і хто мав до них доступ;
- отримати свої дані — кнопка «Завантажити мої дані» у профілі;
- виправити неточні дані — у профілі або звернувшись до ради;
- вимагати знищення даних — кнопка «Видалити обліковий запис» у профілі;
- заперечувати проти обробки та відкликати згоду;
- поскаржитися Уповноваженому Верховної Ради України з прав людини
  (01008, м. Київ, вул. Інститутська, 21/8; гаряча лінія 0 800 50 17 20; ombudsman.gov.ua)
  або до суду.

## Контакти

З питань щодо ваших персональних даних пишіть на {email}, телефонуйте {phone} або
надсилайте лист на адресу: {address}.
"""

DEFAULT_EN = """\
## Who processes your data

The controller of your personal data is {council}, EDRPOU code {edrpou}, address: {address}.
E-mail: {email}, phone: {phone}.

## What for

- e-petitions: submitting and signing them (Law of Ukraine "On citizens' appeals", art. 23-1);
- the participatory budget: submitting projects and voting for them;
- appeals to the council and reports of problems in the community, and the answers to them;
- identification: so that one person holds one account and signs and votes once;
- telling you how your petitions, projects and appeals are progressing.

## On what grounds

- your consent (Law of Ukraine "On personal data protection" №2297-VI, art. 11, part 1,
  item 1), which you give when you sign up and may withdraw;
- for appeals, the council's duty under the law (№2297-VI, art. 11, part 1, item 5; Law of
  Ukraine "On citizens' appeals").

## What data

- your full name;
- your e-mail address and, if you gave it, your phone number;
- your birth date, to check the age from which you may sign and vote;
- your address, or where you live, work or study in the community, to check that you may take part;
- your tax number (РНОКПП): only a keyed hash is kept, a code from which the number cannot be
  recovered; the number itself is never stored;
- the texts, photos and places you send with petitions, projects and appeals;
- when you did what (for the record of changes). The address of your device (IP) is not kept
  with your consent.

## Who receives it

- the council's departments and communal enterprises that handle your appeal or project;
- the list of a petition's signers (names) is published, as the law requires (Law of Ukraine
  "On citizens' appeals", art. 23-1);
- the name of an appeal's author is shown to others only if you choose so;
- open data (Cabinet of Ministers Resolution №835) holds none of your personal data.

Your data is not used for advertising and is not sent abroad.

## How long it is kept

As long as your account exists. When you delete your account, your personal data is erased;
your signatures and votes stay, anonymised, because they have been counted. Appeals and the
answers to them are kept for the periods archive law sets.

## Your rights (№2297-VI, art. 8)

- to know who processes your data, where and why, and who has had access to it;
- to get your data: the "Download my data" button in your profile;
- to correct inaccurate data: in your profile or by writing to the council;
- to have your data destroyed: the "Delete my account" button in your profile;
- to object to the processing and to withdraw your consent;
- to complain to the Ukrainian Parliament Commissioner for Human Rights (Уповноважений
  Верховної Ради України з прав людини; 21/8 Instytutska St., Kyiv, 01008; hotline
  0 800 50 17 20; ombudsman.gov.ua) or to a court.

## Contacts

For questions about your personal data write to {email}, call {phone} or send a letter to:
{address}.
"""
