"""Pages of Open City and appeals: parse, call a selector or a service, render."""

from __future__ import annotations

import mimetypes
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.decorators import ratelimit

from hromada.api import auth
from hromada.appeals import charts, selectors, services
from hromada.appeals.forms import (
    AcceptForm,
    ExtendForm,
    FilterForm,
    MergeForm,
    NoteForm,
    PlaceForm,
    RejectForm,
    ReopenForm,
    ReportForm,
    RerouteForm,
    ResolveForm,
    StaffEntryForm,
    WrittenAppealForm,
    show_errors,
)
from hromada.appeals.models import Appeal, AppealPhoto, Category
from hromada.core.errors import DomainError
from hromada.core.identity import action_level, level_required
from hromada.core.models import Identity, Street
from hromada.core.opendata import export_response
from hromada.core.params import (
    MAX_DATE,
    MAX_LAT,
    MAX_LON,
    MIN_DATE,
    MIN_LAT,
    MIN_LON,
    float_param,
    id_param,
    int_param,
)
from hromada.core.selectors import nearest_street


def _map_config(request, **extra) -> dict:
    community = request.community
    bounds = selectors.territory_bbox(community)
    if bounds:
        center = [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2]
    else:
        center = [50.45, 30.52]
    # The middle of the main settlement's streets: where most reports are.
    points = list(
        Street.objects.filter(settlement__community=community, lat__isnull=False)
        .order_by("pk")
        .values_list("settlement__kind", "lat", "lon")
    )
    city = [(lat, lon) for kind, lat, lon in points if kind == "city"] or [
        (lat, lon) for _kind, lat, lon in points
    ]
    if city:
        center = [sum(p[0] for p in city) / len(city), sum(p[1] for p in city) / len(city)]
    return {
        "tiles": settings.HROMADA_MAP_TILES,
        "attribution": settings.HROMADA_MAP_ATTRIBUTION,
        "center": center,
        "zoom": 14,
        "bounds": [[bounds[0], bounds[1]], [bounds[2], bounds[3]]] if bounds else None,
        "territory": community.territory or None,
        **extra,
    }


PLURAL_SAMPLES = (("one", 1), ("few", 2), ("many", 5), ("other", 5))


def _plural_forms(text) -> dict:
    """
    Return a count's text in each plural category, for the browser to choose.

    The browser picks by Intl.PluralRules, whose categories (CLDR) match the
    Ukrainian catalogue's plural rule: 1 stands for "one", 2 for "few", 5 for
    "many"; English has "one" and "other".
    """
    return {category: text(count) for category, count in PLURAL_SAMPLES}


def _status_labels() -> dict:
    return {value: str(label) for value, label in Appeal.Status.choices}


# -- public pages -------------------------------------------------------------


def map_view(request):
    community = request.community
    form = FilterForm(request.GET or None, community=community)
    values = form.values()
    language = get_language()
    categories = {
        c.service_code: c.display_name(language)
        for c in Category.objects.filter(community=community)
    }
    config = _map_config(
        request,
        markersUrl=reverse("appeals:markers"),
        detailUrl=reverse("appeals:detail", args=[0]),
        filters=values,
        categories=categories,
        statuses=_status_labels(),
        texts={
            "open": _("Open the report"),
            "zoomIn": _plural_forms(
                lambda count: ngettext(
                    "Zoom in to see %(count)s report one by one",
                    "Zoom in to see these %(count)s reports one by one",
                    count,
                )
            ),
            "shown": _("Reports shown: %(count)s"),
            "none": _("No reports here for these filters."),
            "failed": _("The reports could not be loaded. Please try again."),
        },
    )
    return render(
        request,
        "appeals/map.html",
        {"form": form, "config": config, "list_query": urlencode(values)},
    )


def _bbox(text: str) -> tuple[float, float, float, float]:
    """Parse Leaflet's "west,south,east,north" into (min_lat, min_lon, max_lat, max_lon)."""
    west, south, east, north = (float(part) for part in text.split(","))
    if not (-90 <= south <= north <= 90 and -180 <= west <= east <= 180):
        raise ValueError("bbox out of range")
    return south, west, north, east


@require_GET
def markers(request):
    """Return the reports in a map box as compact JSON for the map page."""
    community = request.community
    try:
        bbox = _bbox(request.GET.get("bbox", ""))
    except ValueError:
        return JsonResponse({"error": "bbox=west,south,east,north is required"}, status=400)
    # Read the filters without the filter form: this is the map's hot path.
    period = request.GET.get("period") or selectors.DEFAULT_PERIOD
    status = request.GET.get("status", "")
    code = request.GET.get("category", "")
    categories = selectors.active_categories(community)
    if code in categories:
        category_ids = [categories[code].pk]
    elif code:
        category_ids = [c.pk for c in categories.values() if c.parent.service_code == code]
    else:
        category_ids = None
    result = selectors.map_markers(
        community=community,
        bbox=bbox,
        since=selectors.since_for(period if period in selectors.PERIODS else None),
        statuses=selectors.statuses_for(status),
        category_ids=category_ids,
    )
    codes = {category.pk: category.service_code for category in categories.values()}
    response = JsonResponse(
        {
            "markers": [
                [pk, lat, lon, state, codes.get(category_id, "")]
                for pk, lat, lon, state, category_id in result["markers"]
            ],
            "clusters": [list(cluster) for cluster in result["clusters"]],
            "total": result["total"],
        }
    )
    response["Cache-Control"] = "public, max-age=10"
    return response


def report_list(request):
    community = request.community
    form = FilterForm(request.GET or None, community=community)
    reports = selectors.filtered_reports(community, **form.values()).select_related(
        "category", "department"
    )
    page = Paginator(reports, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "appeals/list.html",
        {"form": form, "page_obj": page, "map_query": urlencode(form.values())},
    )


PUBLIC_PHOTO_SECONDS = 600


@require_GET
def photo(request, pk: int, photo_pk: int | None = None):
    """
    Send a photo of an appeal to whoever may see the appeal, and "not found"
    to anyone else. Photos are private files with no address of their own, so
    this is their only way out: streamed from the storage, or — with
    HROMADA_PRIVATE_FILES_REDIRECT on object storage — a redirect to a signed
    address that expires within a minute, issued only after the check.
    """
    viewer = request.user
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        # API clients follow the photo addresses of the API with their token.
        found = auth.OptionalAuth()(request)
        viewer = found if getattr(found, "is_authenticated", False) else None
    try:
        appeal, found = selectors.photo_for_viewer(
            community=request.community, pk=pk, photo_pk=photo_pk, viewer=viewer
        )
    except DomainError:
        raise Http404 from None
    storage = found.image.storage
    if settings.HROMADA_PRIVATE_FILES_REDIRECT and hasattr(storage, "signed_url"):
        signed = storage.signed_url(found.image.name, seconds=settings.HROMADA_SIGNED_URL_SECONDS)
        response = redirect(signed)
        # The address is for this viewer and this minute: no cache may keep it.
        response["Cache-Control"] = "private, no-store"
        return response
    try:
        handle = storage.open(found.image.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = mimetypes.guess_type(found.image.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    if selectors.is_public(appeal):
        response["Cache-Control"] = f"public, max-age={PUBLIC_PHOTO_SECONDS}"
    else:
        # Only the author and the staff handling it: never in a shared cache.
        response["Cache-Control"] = "private, no-cache"
    return response


def detail(request, pk: int):
    try:
        appeal = selectors.appeal_for_viewer(
            community=request.community, pk=pk, viewer=request.user
        )
    except DomainError:
        raise Http404 from None
    photos = list(appeal.photos.all())
    is_author = request.user.is_authenticated and appeal.author_id == request.user.pk
    return render(
        request,
        "appeals/detail.html",
        {
            "appeal": appeal,
            "before_photos": [p for p in photos if p.kind == AppealPhoto.Kind.BEFORE],
            "after_photos": [p for p in photos if p.kind == AppealPhoto.Kind.AFTER],
            "timeline": selectors.timeline(appeal),
            "is_public": selectors.is_public(appeal),
            "is_author": is_author,
            "supported": selectors.has_supported(request.user, appeal),
            "can_support": (selectors.is_public(appeal) and appeal.is_open and not is_author),
            "can_confirm": is_author and appeal.status == Appeal.Status.RESOLVED,
            "can_reopen": is_author
            and appeal.status == Appeal.Status.RESOLVED
            and appeal.kind == Appeal.Kind.REPORT,
            "can_handle": selectors.can_handle(request.user, appeal),
            "reopen_form": ReopenForm(),
            "map": (
                _map_config(
                    request, lat=appeal.lat, lon=appeal.lon, title=appeal.address or appeal.number
                )
                if appeal.lat is not None and selectors.is_public(appeal)
                else None
            ),
        },
    )


def _appeal_or_404(request, pk: int) -> Appeal:
    try:
        return selectors.appeal_for_viewer(community=request.community, pk=pk, viewer=request.user)
    except DomainError:
        raise Http404 from None


@login_required
@require_POST
@ratelimit(key="user", rate="60/h", method="POST", block=True)
def support(request, pk: int):
    appeal = _appeal_or_404(request, pk)
    try:
        services.support_appeal(appeal=appeal, resident=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Thank you. You will be notified of this report's progress too.")
        )
    return redirect(appeal)


@login_required
@require_POST
def confirm(request, pk: int):
    appeal = _appeal_or_404(request, pk)
    try:
        services.confirm_resolution(appeal=appeal, resident=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Thank you for confirming. The appeal is closed."))
    return redirect(appeal)


@login_required
@require_POST
def reopen(request, pk: int):
    appeal = _appeal_or_404(request, pk)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what is still wrong."))
        return redirect(appeal)
    try:
        services.reopen_appeal(
            appeal=appeal, resident=request.user, reason=form.cleaned_data["reason"]
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The report is back in work."))
    return redirect(appeal)


@login_required
def mine(request):
    appeals = selectors.my_appeals(resident=request.user, community=request.community)
    page = Paginator(appeals, 20).get_page(request.GET.get("page"))
    return render(request, "appeals/mine.html", {"page_obj": page})


def statistics_view(request):
    community = request.community
    period = request.GET.get("period", "365")
    if period not in selectors.PERIODS:
        period = "365"
    rows = selectors.department_statistics(community=community, since=selectors.since_for(period))
    months = selectors.monthly_received(community=community)
    series = [_("Received"), _("Resolved"), _("Rejected"), _("Overdue now")]
    bars = charts.grouped_bars(
        chart_id="chart-departments",
        title=_("Appeals by department"),
        description=_(
            "Received, resolved, rejected and overdue appeals per department; the table below has the same numbers."
        ),
        rows=[(row.name, [row.received, row.resolved, row.rejected, row.overdue]) for row in rows],
        series=series,
    )
    month_chart = charts.columns(
        chart_id="chart-months",
        title=_("Appeals received per month"),
        description=_("Appeals received in each of the last twelve months."),
        points=[(month.strftime("%m.%y"), count) for month, count in months],
    )
    return render(
        request,
        "appeals/statistics.html",
        {
            "rows": rows,
            "bars": bars,
            "month_chart": month_chart,
            "months": months,
            "period": period,
            "periods": [(key, label) for key, (_days, label) in selectors.PERIODS.items()],
        },
    )


def open_data(request):
    fmt = "json" if request.GET.get("format") == "json" else "csv"
    # A year out of the calendar's range is no filter, like a year that is not a number.
    year = int_param(request.GET, "year", low=MIN_DATE.year, high=MAX_DATE.year)
    rows = selectors.open_data_rows(request.community, year)
    return export_response(rows, fields=selectors.OPEN_DATA_FIELDS, name="hotline-appeals", fmt=fmt)


@require_GET
def streets_json(request):
    """Return streets of the registry matching `q`, with their points, for the map search."""
    query = " ".join(request.GET.get("q", "").split())[:80]
    if len(query) < 2:
        return JsonResponse({"streets": []})
    # Matched in Python: SQLite's LIKE folds the case of Latin letters only.
    needle = query.casefold()
    streets = [
        street
        for street in Street.objects.filter(settlement__community=request.community)
        .select_related("settlement")
        .order_by("name")
        if needle in street.name.casefold()
    ][:20]
    return JsonResponse(
        {"streets": [{"id": s.pk, "name": str(s), "lat": s.lat, "lon": s.lon} for s in streets]}
    )


@require_GET
def nearest_street_json(request):
    """Return the registry's street nearest a tapped point, to fill the place form."""
    lat = float_param(request.GET, "lat", low=MIN_LAT, high=MAX_LAT)
    lon = float_param(request.GET, "lon", low=MIN_LON, high=MAX_LON)
    if lat is None or lon is None:
        return JsonResponse({"error": "lat and lon are required"}, status=400)
    found = nearest_street(community=request.community, lat=lat, lon=lon)
    if found is None:
        return JsonResponse({"street": None})
    street, metres = found
    return JsonResponse(
        {"street": {"id": street.pk, "name": str(street), "distance": round(metres)}}
    )


@require_GET
def nearby_json(request):
    """Return open reports of a category within 50 m of a point."""
    category = selectors.category_by_code(request.community, request.GET.get("category", ""))
    lat = float_param(request.GET, "lat", low=MIN_LAT, high=MAX_LAT)
    lon = float_param(request.GET, "lon", low=MIN_LON, high=MAX_LON)
    if lat is None or lon is None:
        return JsonResponse({"error": "lat and lon are required"}, status=400)
    if category is None:
        return JsonResponse({"reports": []})
    found = selectors.nearby_open_reports(
        community=request.community, category=category, lat=lat, lon=lon
    )
    me = request.user.pk if request.user.is_authenticated else None
    return JsonResponse(
        {
            "reports": [
                {
                    "id": appeal.pk,
                    "number": appeal.number,
                    "address": appeal.address,
                    "status": appeal.get_status_display(),
                    "distance": round(distance),
                    "supporters": appeal.supporters_count,
                    "url": appeal.get_absolute_url(),
                    # No "I have this problem too" on one's own report: it is theirs already.
                    "own": me is not None and appeal.author_id == me,
                    "supportUrl": reverse("appeals:support", args=[appeal.pk]),
                }
                for appeal, distance in found
            ]
        }
    )


# -- reporting a problem ------------------------------------------------------


def sign_in_explained(action: str, reason):
    """
    Decorate a view like `level_required(action)`, and tell a visitor who is
    not signed in why the log-in page comes instead of the form.
    """

    def decorator(view):
        guarded = level_required(action)(view)

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if (
                not request.user.is_authenticated
                and action_level(request.community, action) > Identity.NONE
            ):
                messages.info(request, reason)
            return guarded(request, *args, **kwargs)

        return wrapper

    return decorator


@sign_in_explained(
    "appeals.report",
    gettext_lazy(
        "Sign in to report a problem: the council tells you of every step of its work, "
        "and you can confirm the fix or say it is still there."
    ),
)
def report_start(request):
    return render(
        request,
        "appeals/report_category.html",
        {"tree": selectors.category_tree(request.community, Category.Kind.MAP)},
    )


def _category_or_404(request, code: str) -> Category:
    """Return a map category: the wizard reports problems with a place."""
    category = selectors.category_by_code(request.community, code)
    if category is None or not category.is_map:
        raise Http404
    return category


@level_required("appeals.report")
def report_place(request, code: str):
    category = _category_or_404(request, code)
    form = PlaceForm(request.GET or None, community=request.community)
    return render(
        request,
        "appeals/report_place.html",
        {
            "category": category,
            "form": form,
            "config": _map_config(
                request,
                streetsUrl=reverse("appeals:streets"),
                nearestUrl=reverse("appeals:nearest_street"),
                nearbyUrl=reverse("appeals:nearby"),
                category=category.service_code,
                texts={
                    "outside": _("This point lies outside the community's territory."),
                    "nearby": _("Already reported nearby"),
                    "same": _("I have this problem too"),
                    "noStreets": _("No such street in the registry."),
                    "chosen": _("Point chosen: %(lat)s, %(lon)s"),
                    "metres": _("%(distance)s m away"),
                    "own": _("This is your report."),
                    "nearest": _("Nearest street in the registry: %(name)s (%(distance)s m)"),
                    "locating": _("Finding your location…"),
                    "refused": _(
                        "Access to your location was refused. Allow it in the browser's "
                        "settings, or select the place on the map."
                    ),
                    "unavailable": _(
                        "Your location could not be found. Select the place on the map."
                    ),
                },
            ),
        },
    )


def _place_from(request, data) -> tuple[PlaceForm, tuple | None, DomainError | None]:
    form = PlaceForm(data, community=request.community)
    if not form.is_valid():
        return form, None, None
    place = form.cleaned_data
    try:
        checked = services.check_place(
            community=request.community,
            lat=place.get("lat"),
            lon=place.get("lon"),
            street=place.get("street"),
            address=place.get("address") or "",
        )
    except DomainError as error:
        return form, None, error
    return form, checked, None


@level_required("appeals.report")
@ratelimit(key="user", rate="20/h", method="POST", block=True)
def report_details(request, code: str):
    community = request.community
    category = _category_or_404(request, code)
    source = request.POST if request.method == "POST" else request.GET
    place_form, place, place_error = _place_from(request, source)
    if place is None:
        messages.error(
            request, str(place_error) if place_error else _("Show the place on the map first.")
        )
        back = reverse("appeals:report_place", args=[code])
        return redirect(
            f"{back}?{urlencode({k: v for k, v in source.items() if k in place_form.fields})}"
        )
    lat, lon, address = place
    form = ReportForm(request.POST or None, request.FILES or None, category=category)
    if request.method == "POST" and form.is_valid():
        try:
            appeal = services.submit_report(
                community=community,
                category=category,
                description=form.cleaned_data["description"],
                lat=lat,
                lon=lon,
                street=place_form.cleaned_data.get("street"),
                address=address,
                photos=form.cleaned_data["photos"],
                attributes=form.attributes(),
                author=request.user,
                author_public=form.cleaned_data["author_public"],
                channel=Appeal.Channel.WEB,
            )
        except DomainError as error:
            show_errors(form, error, aliases={"location": "__all__"})
        else:
            messages.success(
                request,
                _(
                    "Your report is registered under number %(number)s. We will notify you of every step."
                )
                % {"number": appeal.number},
            )
            return redirect(appeal)
    nearby = (
        selectors.nearby_open_reports(community=community, category=category, lat=lat, lon=lon)
        if lat is not None
        else []
    )
    return render(
        request,
        "appeals/report_details.html",
        {
            "category": category,
            "form": form,
            "place_form": place_form,
            "lat": lat,
            "lon": lon,
            "address": address,
            "nearby": nearby,
            "place_query": urlencode(
                {
                    name: value
                    for name, value in place_form.cleaned_data.items()
                    if value not in (None, "") and not hasattr(value, "pk")
                }
                | (
                    {"street": place_form.cleaned_data["street"].pk}
                    if place_form.cleaned_data.get("street")
                    else {}
                )
            ),
        },
        status=400 if form.errors else 200,
    )


@sign_in_explained(
    "appeals.write",
    gettext_lazy(
        "Sign in to write to the council: the Law of Ukraine “On citizens' appeals” does not "
        "consider anonymous appeals, so your appeal carries the name and e-mail of your "
        "account, and the answer comes to you there."
    ),
)
@ratelimit(key="user", rate="10/h", method="POST", block=True)
def write(request):
    community = request.community
    form = WrittenAppealForm(request.POST or None, request.FILES or None, community=community)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appeal = services.submit_written_appeal(
                community=community,
                kind=data["kind"],
                category=selectors.category_by_code(community, data["category"]),
                subject=data["subject"],
                text=data["text"],
                photos=data["photos"],
                author=request.user,
                channel=Appeal.Channel.WEB,
            )
        except DomainError as error:
            show_errors(form, error, aliases={"description": "text", "name": "__all__"})
        else:
            messages.success(
                request,
                _(
                    "Your appeal is registered under number %(number)s. The answer is due by %(date)s."
                )
                % {"number": appeal.number, "date": appeal.due_on.strftime("%d.%m.%Y")},
            )
            return redirect(appeal)
    return render(request, "appeals/write.html", {"form": form}, status=400 if form.errors else 200)


# -- staff --------------------------------------------------------------------


def _staff_only(request) -> None:
    if not request.user.is_authenticated or not request.user.is_staff_of(request.community):
        raise Http404


@login_required
def staff_queue(request):
    _staff_only(request)
    community = request.community
    status = request.GET.get("status", "open")
    department = request.GET.get("department", "")
    appeals = selectors.staff_queue(
        staff=request.user,
        community=community,
        status=status,
        department=id_param(request.GET, "department"),
        overdue=request.GET.get("overdue") == "1",
        kind=request.GET.get("kind", ""),
        query=" ".join(request.GET.get("q", "").split())[:40],
    )
    page = Paginator(appeals, 25).get_page(request.GET.get("page"))
    moderator = request.user.has_role(community, "moderator")
    departments = community.departments.all()
    if not moderator:
        # Department staff filter by what they can see: their own departments.
        departments = departments.filter(pk__in=request.user.departments_in(community))
    return render(
        request,
        "appeals/staff/queue.html",
        {
            "page_obj": page,
            "status": status,
            "statuses": [("open", _("All open"))]
            + list(Appeal.Status.choices)
            + [("all", _("All"))],
            "departments": departments,
            "department": department,
            "moderator": moderator,
            "kinds": Appeal.Kind.choices,
            "today": timezone.localdate(),
        },
    )


STAFF_FORMS = {
    "accept": AcceptForm,
    "reroute": RerouteForm,
    "merge": MergeForm,
    "reject": RejectForm,
    "start": NoteForm,
    "note": NoteForm,
    "resolve": ResolveForm,
    "extend": ExtendForm,
}


def _staff_forms(request, bound: dict | None = None) -> dict:
    forms = {}
    for name, form_class in STAFF_FORMS.items():
        kwargs = {"prefix": name}
        if form_class in (AcceptForm, RerouteForm):
            kwargs["community"] = request.community
        forms[name] = (bound or {}).get(name) or form_class(**kwargs)
    return forms


def _staff_page(request, appeal: Appeal, forms: dict, status: int = 200):
    moderator = request.user.has_role(request.community, "moderator")
    photos = list(appeal.photos.all())
    return render(
        request,
        "appeals/staff/detail.html",
        {
            "appeal": appeal,
            "forms": forms,
            "moderator": moderator,
            "photos": photos,
            "timeline": selectors.timeline(appeal, for_staff=True),
            "supporters": appeal.supporters_count,
            # Private appeals too: staff need the place of every report.
            "map": (
                _map_config(
                    request, lat=appeal.lat, lon=appeal.lon, title=appeal.address or appeal.number
                )
                if appeal.lat is not None
                else None
            ),
            "nearby": (
                selectors.nearby_open_reports(
                    community=request.community,
                    category=appeal.category,
                    lat=appeal.lat,
                    lon=appeal.lon,
                    exclude_pk=appeal.pk,
                )
                if appeal.lat is not None and appeal.is_open
                else []
            ),
        },
        status=status,
    )


def _staff_appeal(request, pk: int) -> Appeal:
    _staff_only(request)
    try:
        return selectors.appeal_for_staff(staff=request.user, community=request.community, pk=pk)
    except DomainError:
        raise Http404 from None


@login_required
def staff_detail(request, pk: int):
    appeal = _staff_appeal(request, pk)
    return _staff_page(request, appeal, _staff_forms(request))


@login_required
@require_POST
def staff_action(request, pk: int, action: str):
    appeal = _staff_appeal(request, pk)
    form_class = STAFF_FORMS.get(action)
    if form_class is None:
        return HttpResponseBadRequest()
    kwargs = {"prefix": action, "data": request.POST, "files": request.FILES}
    if form_class in (AcceptForm, RerouteForm):
        kwargs["community"] = request.community
    form = form_class(**kwargs)
    if form.is_valid():
        try:
            _run_staff_action(request, appeal, action, form.cleaned_data)
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Done: the appeal is updated and its author notified."))
            return redirect("appeals:staff_detail", pk=appeal.pk)
    return _staff_page(request, appeal, _staff_forms(request, {action: form}), status=400)


def _run_staff_action(request, appeal: Appeal, action: str, data: dict) -> None:
    staff, community = request.user, request.community
    category = (
        selectors.category_by_code(community, data["category"]) if data.get("category") else None
    )
    if action == "accept":
        services.accept_appeal(
            appeal=appeal,
            moderator=staff,
            department=data.get("department"),
            category=category,
            requires_study=data.get("requires_study"),
            note=data.get("note", ""),
        )
    elif action == "reroute":
        services.reroute_appeal(
            appeal=appeal,
            moderator=staff,
            department=data["department"],
            category=category,
            note=data.get("note", ""),
        )
    elif action == "merge":
        into = Appeal.objects.filter(community=community, number=data["into"].strip()).first()
        services.merge_appeal(appeal=appeal, moderator=staff, into=into)
    elif action == "reject":
        services.reject_appeal(
            appeal=appeal,
            staff=staff,
            reason=data["reason"],
            redirect_to=data.get("redirect_to", ""),
            hide=data.get("hide", False),
        )
    elif action == "start":
        services.start_work(appeal=appeal, staff=staff, note=data.get("note", ""))
    elif action == "note":
        services.add_note(appeal=appeal, staff=staff, note=data.get("note", ""))
    elif action == "resolve":
        services.resolve_appeal(
            appeal=appeal, staff=staff, comment=data["comment"], photo=data.get("photo")
        )
    elif action == "extend":
        services.extend_deadline(
            appeal=appeal, staff=staff, due_on=data["due_on"], reason=data["reason"]
        )


@login_required
def staff_new(request):
    """Register an appeal that came by phone or on paper."""
    _staff_only(request)
    community = request.community
    form = StaffEntryForm(request.POST or None, request.FILES or None, community=community)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appeal = services.register_by_staff(
                staff=request.user,
                community=community,
                channel=data["channel"],
                kind=data["kind"],
                category=selectors.category_by_code(community, data["category"]),
                description=data["description"],
                subject=data.get("subject", ""),
                contact={"name": data["name"], "phone": data["phone"], "email": data["email"]},
                street=data.get("street"),
                address=data.get("address", ""),
                photos=data["photos"],
            )
        except DomainError as error:
            show_errors(form, error, aliases={"location": "street"})
        else:
            messages.success(
                request,
                _("Registered under number %(number)s.") % {"number": appeal.number},
            )
            if selectors.can_handle(request.user, appeal):
                return redirect("appeals:staff_detail", pk=appeal.pk)
            return redirect("appeals:staff_queue")
    return render(
        request, "appeals/staff/new.html", {"form": form}, status=400 if form.errors else 200
    )
