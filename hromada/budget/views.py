"""Pages of the participatory budget: parse, call a selector or a service, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from hromada.budget import charts, pbfiles, selectors, services
from hromada.budget.errors import BallotInvalid, CountsHidden
from hromada.budget.forms import (
    ConclusionForm,
    FilterForm,
    ImplementationForm,
    ItemFormSet,
    PaperBallotForm,
    PhotoForm,
    ProjectForm,
    ReceiptForm,
    RejectForm,
    RevisionForm,
    StartReviewForm,
    project_initial,
)
from hromada.budget.labels import HISTORY
from hromada.budget.models import Category, Conclusion, Cycle, Phase, Photo, Project
from hromada.core import audit
from hromada.core.errors import DomainError, NotFound
from hromada.core.forms import apply_errors
from hromada.core.identity import level_required, require_level
from hromada.core.models import StaffRole
from hromada.core.opendata import export_response
from hromada.core.params import id_param, parse_int

ROLE = StaffRole.Role
PAGE_SIZE = 24


def _cycle(request, pk) -> Cycle:
    try:
        return selectors.cycle_for(request.community, pk)
    except NotFound:
        raise Http404 from None


def _project(request, pk) -> Project:
    try:
        return selectors.project_for(request.community, pk, request.user)
    except NotFound:
        raise Http404 from None


def _staff(request, *roles) -> None:
    user = request.user
    if not (user.is_authenticated and user.has_role(request.community, *roles)):
        raise PermissionDenied


# --- public pages --------------------------------------------------------------


def index(request):
    cycle = selectors.current_cycle(request.community)
    if cycle is not None:
        return redirect(cycle)
    return render(request, "budget/index.html", {"cycles": []})


def cycle_list(request):
    return render(request, "budget/index.html", {"cycles": selectors.cycles(request.community)})


def cycle_page(request, pk):
    cycle = _cycle(request, pk)
    categories = selectors.ballot_categories(cycle)
    projects = selectors.public_projects(cycle)
    phases = [
        (Phase.SUBMISSION, Phase.SUBMISSION.label, cycle.submission_starts, cycle.submission_ends),
        (Phase.REVIEW, Phase.REVIEW.label, cycle.submission_ends, cycle.review_ends),
        (Phase.VOTING, Phase.VOTING.label, cycle.voting_starts, cycle.voting_ends),
        (Phase.RESULTS, Phase.RESULTS.label, cycle.voting_ends, cycle.implementation_starts),
        (Phase.IMPLEMENTATION, Phase.IMPLEMENTATION.label, cycle.implementation_starts, None),
    ]
    return render(
        request,
        "budget/cycle.html",
        {
            "cycle": cycle,
            "categories": categories,
            "phases": phases,
            "project_count": projects.count(),
            "admitted_count": projects.filter(status=Project.Status.ADMITTED).count(),
            "turnout": selectors.turnout(cycle),
            "other_cycles": selectors.cycles(request.community).exclude(pk=cycle.pk),
        },
    )


def project_list(request, pk):
    cycle = _cycle(request, pk)
    form = FilterForm(request.GET or None, cycle=cycle)
    projects = selectors.public_projects(cycle)
    if form.is_valid():
        data = form.cleaned_data
        projects = selectors.filter_projects(
            projects,
            category=data["category"].pk if data["category"] else None,
            settlement=data["settlement"].pk if data["settlement"] else None,
            status=data["status"],
            q=data["q"],
        )
    counts = selectors.vote_counts(cycle)
    page = Paginator(projects.order_by("number"), PAGE_SIZE).get_page(request.GET.get("page"))
    for project in page:
        project.votes = counts.get(project.pk, (0, 0))[0] if counts is not None else None
    points = [
        {
            "lat": row["lat"],
            "lon": row["lon"],
            "title": f"№{row['number']} {row['title']}",
            "url": reverse("budget:project", args=[row["pk"]]),
        }
        for row in projects.values("pk", "lat", "lon", "title", "number")[:500]
    ]
    return render(
        request,
        "budget/projects.html",
        {
            "cycle": cycle,
            "form": form,
            "page_obj": page,
            "map_points": points,
            **_map_settings(),
            "counts_visible": counts is not None,
        },
    )


def project_page(request, pk):
    project = _project(request, pk)
    cycle = project.cycle
    counts = selectors.vote_counts(cycle)
    votes = counts.get(project.pk, (0, 0)) if counts is not None else None
    outcome = getattr(project, "outcome", None) if cycle.tallied_at else None
    user = request.user
    is_author = project.is_author(user)
    return render(
        request,
        "budget/project.html",
        {
            "project": project,
            "cycle": cycle,
            "votes": votes,
            "outcome": outcome,
            "is_author": is_author,
            "is_owner": user.is_authenticated and project.author_id == user.pk,
            "items": project.items.all(),
            "items_total": sum(i.amount for i in project.items.all()),
            "photos": project.photos.filter(kind=Photo.Kind.PROPOSAL),
            "work_photos": project.photos.filter(kind=Photo.Kind.IMPLEMENTATION),
            "conclusions": project.conclusions.select_related("department").exclude(
                feasible__isnull=True
            )
            if project.status in (Project.Status.ADMITTED, Project.Status.REJECTED) or is_author
            else [],
            "updates": project.updates.all(),
            "photo_form": PhotoForm() if is_author and project.editable_by_author else None,
            "history": _history(project),
            "is_staff": selectors.can_see_drafts(user, request.community),
            "may_review": selectors.can_review(user, request.community, project),
            "point_list": [{"lat": project.lat, "lon": project.lon, "title": str(project)}],
            **_map_settings(),
        },
    )


def _history(project) -> list[tuple]:
    entries = audit.history(project).filter(action__in=list(HISTORY))
    return [(entry.created_at, HISTORY[entry.action]) for entry in entries]


def _map_settings() -> dict:
    # A tile server is the site's choice (privacy): none means the outline only.
    return {
        "map_tiles": settings.HROMADA_MAP_TILES,
        "map_attribution": settings.HROMADA_MAP_ATTRIBUTION,
    }


def _project_form(request, cycle, project=None):
    if project is not None:
        initial, items = project_initial(project)
    else:
        initial, items = {}, []
    form = ProjectForm(request.POST or None, cycle=cycle, initial=initial)
    formset = ItemFormSet(request.POST or None, initial=items or None, prefix="items")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        fields = {
            "category": data["category"],
            "title": data["title"],
            "problem": data["problem"],
            "description": data["description"],
            "beneficiaries": data["beneficiaries"],
            "settlement": data["settlement"],
            "address": data["address"],
            "lat": data["lat"],
            "lon": data["lon"],
            "cost": data["cost"],
            "items": [f.cleaned_data for f in formset.forms if f.cleaned_data.get("name")],
            "coauthor_emails": form.coauthor_emails(),
        }
        try:
            if project is None:
                project = services.create_project(resident=request.user, cycle=cycle, **fields)
            else:
                project = services.update_project(resident=request.user, project=project, **fields)
        except DomainError as error:
            _place_errors(form, formset, error)
        else:
            messages.success(
                request,
                _("The project is saved. Add photos and submit it when it is ready.")
                if project.status == Project.Status.DRAFT
                else _("The project is saved. Send it back to review when it is ready."),
            )
            return redirect(project)
    return render(
        request,
        "budget/project_form.html",
        {
            "cycle": cycle,
            "project": project,
            "form": form,
            "formset": formset,
            "center": _center(cycle),
            **_map_settings(),
        },
    )


def _place_errors(form, formset, error) -> None:
    fields = dict(error.fields or {})
    for key in list(fields):
        if key.startswith("items."):
            _, index, name = key.split(".", 2)
            if int(index) < len(formset.forms):
                formset.forms[int(index)].add_error(name, fields.pop(key))
        elif key == "items":
            form.add_error(None, fields.pop(key))
        elif key == "location":
            form.add_error("lat", fields.pop(key))
    if fields.get("cost") in ("mismatch", "over_cap"):
        fields["cost"] = str(error)
    error.fields = fields
    if fields or not form.errors:
        apply_errors(form, error)


def _center(cycle) -> dict:
    ring = (cycle.community.territory or {}).get("coordinates") or []
    try:
        points = ring[0] if cycle.community.territory.get("type") == "Polygon" else ring[0][0]
        lons = [p[0] for p in points]
        lats = [p[1] for p in points]
        return {"lat": sum(lats) / len(lats), "lon": sum(lons) / len(lons)}
    except (IndexError, TypeError, ZeroDivisionError, KeyError):
        return {"lat": 48.5, "lon": 31.2}


@level_required("budget.submit")
@ratelimit(key="user", rate="20/h", method="POST", block=True)
def new_project(request, pk):
    cycle = _cycle(request, pk)
    if cycle.phase != Phase.SUBMISSION:
        messages.error(request, _("Projects are accepted only during the submission phase."))
        return redirect(cycle)
    return _project_form(request, cycle)


@login_required
@ratelimit(key="user", rate="60/h", method="POST", block=True)
def edit_project(request, pk):
    project = _project(request, pk)
    if project.author_id != request.user.pk:
        raise PermissionDenied
    if not project.editable_by_author:
        messages.error(request, _("The project can no longer be changed."))
        return redirect(project)
    return _project_form(request, project.cycle, project)


@login_required
@require_POST
def submit_project(request, pk):
    project = _project(request, pk)
    try:
        services.submit_project(resident=request.user, project=project)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The project is submitted for review."))
    return redirect(project)


@login_required
@require_POST
@ratelimit(key="user", rate="30/h", method="POST", block=True)
def add_photo(request, pk):
    project = _project(request, pk)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_photo(
                resident=request.user,
                project=project,
                upload=form.cleaned_data["image"],
                caption=form.cleaned_data["caption"],
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The photo is added."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(project)


@login_required
@require_POST
def remove_photo(request, pk):
    photo = get_object_or_404(Photo, pk=pk, community=request.community)
    project = photo.project
    try:
        services.remove_photo(resident=request.user, photo=photo)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The photo is removed."))
    return redirect(project)


@login_required
def my_page(request):
    cycle = selectors.current_cycle(request.community)
    return render(
        request,
        "budget/my.html",
        {
            "cycle": cycle,
            "projects": selectors.my_projects(request.user, request.community),
            "ballots": selectors.my_ballots(request.user, cycle).values() if cycle else [],
        },
    )


# --- voting ------------------------------------------------------------------


def vote_overview(request, pk):
    cycle = _cycle(request, pk)
    ballots = selectors.my_ballots(request.user, cycle) if request.user.is_authenticated else {}
    problem = None
    if request.user.is_authenticated and cycle.voting_open:
        try:
            require_level(resident=request.user, community=cycle.community, action="budget.vote")
            services.check_participant(resident=request.user, cycle=cycle)
        except DomainError as error:
            problem = str(error)
    return render(
        request,
        "budget/vote_overview.html",
        {
            "cycle": cycle,
            "categories": selectors.ballot_categories(cycle),
            "ballots": ballots,
            "problem": problem,
        },
    )


def _read_choices(request, category: Category):
    """
    Return the posted choices: [project id] or {project id: points}.

    A value that is no id the database can hold names no project; it is
    refused here, before the query that checks the projects overflows.
    """
    if category.cumulative:
        picked = {}
        for key, value in request.POST.items():
            if key.startswith("points_") and value.strip():
                picked[key.removeprefix("points_")] = value.strip() or 0
    else:
        picked = request.POST.getlist("project")
    if any(parse_int(key) is None for key in picked):
        raise BallotInvalid(_("The ballot lists something that is not a project."))
    return picked


@level_required("budget.vote")
@ratelimit(key="user", rate="30/m", method="POST", block=True)
def vote(request, pk, category_pk):
    cycle = _cycle(request, pk)
    category = get_object_or_404(Category, pk=category_pk, cycle=cycle)
    projects = list(selectors.ballot_projects(category))
    existing = selectors.my_ballots(request.user, cycle).get(category.pk)
    context = {"cycle": cycle, "category": category, "projects": projects, "ballot": existing}
    if existing is not None:
        return render(request, "budget/vote.html", context)
    if request.method == "POST":
        choices = []
        step = request.POST.get("step")
        try:
            choices = _read_choices(request, category)
            if step == "cast":
                ballot, receipt = services.cast_ballot(
                    resident=request.user, category=category, choices=choices
                )
            else:
                services.require_phase(cycle, Phase.VOTING)
                services.check_participant(resident=request.user, cycle=cycle)
                picked = services.check_ballot(category=category, choices=choices)
        except DomainError as error:
            context["error"] = str(error)
            context["chosen"] = {str(k) for k in (choices if isinstance(choices, list) else [])}
            context["given"] = (
                {str(k): v for k, v in choices.items()} if isinstance(choices, dict) else {}
            )
            return render(request, "budget/vote.html", context, status=400)
        if step == "cast":
            request.session[f"budget_receipt_{ballot.pk}"] = receipt
            return redirect("budget:voted", pk=cycle.pk, ballot_pk=ballot.pk)
        by_pk = {p.pk: p for p in projects}
        context["confirm"] = [(by_pk[k], v) for k, v in picked.items()]
        return render(request, "budget/vote_confirm.html", context)
    # "Change my choice" on the review page comes back with the choice in
    # its address, so the ballot opens as the resident left it.
    context["chosen"] = {key for key in request.GET.getlist("project") if parse_int(key)}
    context["given"] = {
        key.removeprefix("points_"): value
        for key, value in request.GET.items()
        if key.startswith("points_") and parse_int(key.removeprefix("points_")) and parse_int(value)
    }
    if not cycle.voting_open:
        context["error"] = _("Voting is not open: it runs from %(start)s to %(end)s.") % {
            "start": cycle.voting_starts.strftime("%d.%m.%Y"),
            "end": cycle.voting_ends.strftime("%d.%m.%Y"),
        }
    return render(request, "budget/vote.html", context)


@login_required
def voted(request, pk, ballot_pk):
    cycle = _cycle(request, pk)
    ballot = get_object_or_404(
        cycle.ballots.select_related("category"), pk=ballot_pk, resident=request.user
    )
    # The code is shown once: it is not stored, only its hash.
    receipt = request.session.pop(f"budget_receipt_{ballot.pk}", None)
    return render(
        request,
        "budget/voted.html",
        {"cycle": cycle, "ballot": ballot, "receipt": receipt, "choices": ballot.choices.all()},
    )


@ratelimit(key="ip", rate="30/m", method="POST", block=True)
def receipt_check(request, pk):
    cycle = _cycle(request, pk)
    # POST, not GET: a receipt code in a URL would end up in logs and histories.
    form = ReceiptForm(request.POST or None)
    ballot, checked = None, False
    if form.is_valid() and cycle.tallied_at:
        checked = True
        ballot = selectors.find_receipt(cycle, form.cleaned_data["code"])
    return render(
        request,
        "budget/receipt.html",
        {"cycle": cycle, "form": form, "ballot": ballot, "checked": checked},
    )


# --- results -----------------------------------------------------------------


def results(request, pk):
    cycle = _cycle(request, pk)
    context = {"cycle": cycle, "counts_visible": cycle.counts_visible}
    if cycle.counts_visible:
        sections = selectors.results_by_category(cycle)
        for section in sections:
            section["chart"] = charts.bar_chart(
                [
                    (str(row["project"]), row["points"], row["selected"])
                    for row in section["rows"][:40]
                ],
                title=_("Votes per project: %(category)s") % {"category": section["category"]},
                description=_("Winning projects are blue and marked with a tick."),
            )
        turnout = selectors.turnout(cycle)
        by_category = selectors.money_by(cycle, "category")
        by_settlement = selectors.money_by(cycle, "settlement")
        age_rows = [(selectors.age_group_label(k), n) for k, n in turnout["by_age"]]
        settlement_rows = [
            (name or _("not known"), n)
            for name, n in [(r["settlement__name"], r["n"]) for r in turnout["by_settlement"]]
        ]
        context.update(
            {
                "sections": sections,
                "turnout": turnout,
                "money_by_category": by_category,
                "money_by_settlement": by_settlement,
                "age_rows": age_rows,
                "settlement_rows": settlement_rows,
                "money_category_chart": charts.bar_chart(
                    [(name, total, True) for name, total in by_category],
                    title=_("Money for winners by category"),
                    description=_("UAH for the winning projects of each category."),
                    unit=" ₴",
                    tick=False,
                ),
                "money_settlement_chart": charts.bar_chart(
                    [(name, total, True) for name, total in by_settlement],
                    title=_("Money for winners by settlement"),
                    description=_("UAH for the winning projects in each settlement."),
                    unit=" ₴",
                    tick=False,
                ),
                "age_chart": charts.bar_chart(
                    [(label, n, True) for label, n in age_rows],
                    title=_("Voters by age group"),
                    description=_("How many people voted, by age group."),
                    tick=False,
                ),
                "settlement_chart": charts.bar_chart(
                    [(label, n, True) for label, n in settlement_rows],
                    title=_("Voters by settlement"),
                    description=_("How many people voted, by the settlement they live in."),
                    tick=False,
                ),
            }
        )
    return render(request, "budget/results.html", context)


def rules_explained(request):
    """Explain each selection rule in plain words, with one small example counted."""
    return render(request, "budget/rules_explained.html", {"example": selectors.rules_example()})


def implementation(request, pk):
    cycle = _cycle(request, pk)
    projects = selectors.implementation_projects(cycle)
    status = request.GET.get("status", "")
    if status in Project.Implementation.values and status:
        projects = projects.filter(implementation=status)
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "budget/implementation.html",
        {
            "cycle": cycle,
            "page_obj": page,
            "status": status,
            "statuses": Project.Implementation.choices[1:],
            "can_report": request.user.is_authenticated
            and request.user.has_role(request.community, ROLE.MODERATOR, ROLE.STAFF),
        },
    )


def ballots_file(request, pk):
    cycle = _cycle(request, pk)
    if not cycle.tallied_at or not cycle.ballots_file:
        raise Http404
    response = FileResponse(
        cycle.ballots_file.open("rb"),
        content_type="application/json",
        as_attachment=True,
        filename=f"ballots-{cycle.community.slug}-{cycle.year}.json",
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


def pabulib_file(request, pk, category_pk):
    cycle = _cycle(request, pk)
    category = get_object_or_404(Category, pk=category_pk, cycle=cycle)
    try:
        text = pbfiles.category_text(category)
    except CountsHidden:
        raise Http404 from None
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{pbfiles.file_name(category)}"'
    return response


def open_data(request):
    fmt = "json" if request.GET.get("format") == "json" else "csv"
    cycle = None
    if request.GET.get("cycle"):
        try:
            cycle = selectors.cycle_for(request.community, id_param(request.GET, "cycle"))
        except (NotFound, ValueError):
            raise Http404 from None
    return export_response(
        selectors.open_data_rows(request.community, cycle),
        fields=selectors.OPEN_DATA_FIELDS,
        name="public-budget",
        fmt=fmt,
    )


# --- staff -------------------------------------------------------------------


@login_required
def review_list(request):
    _staff(request, ROLE.MODERATOR, ROLE.STAFF)
    projects = selectors.review_queue(request.user, request.community)
    status = request.GET.get("status", "")
    if status:
        projects = projects.filter(status=status)
    page = Paginator(projects, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "budget/staff/review_list.html",
        {
            "page_obj": page,
            "owed": selectors.pending_conclusions(request.user, request.community),
            "status": status,
            "statuses": [
                (s.value, s.label)
                for s in (
                    Project.Status.SUBMITTED,
                    Project.Status.UNDER_REVIEW,
                    Project.Status.REVISION,
                )
            ],
        },
    )


@login_required
def review(request, pk):
    _staff(request, ROLE.MODERATOR, ROLE.STAFF)
    project = _project(request, pk)
    user = request.user
    is_moderator = user.has_role(request.community, ROLE.MODERATOR)
    conclusions = list(project.conclusions.select_related("department", "given_by"))
    mine = [c for c in conclusions if user.acts_for(c.department)]
    if not is_moderator and not mine:
        raise Http404
    forms = {
        "start": StartReviewForm(community=request.community),
        "revision": RevisionForm(),
        "reject": RejectForm(),
    }
    conclusion_forms = [
        (
            c,
            ConclusionForm(
                prefix=f"c{c.pk}",
                initial={
                    "feasible": {True: "yes", False: "no"}.get(c.feasible),
                    "reason": c.reason,
                    "corrected_cost": c.corrected_cost,
                },
            ),
        )
        for c in mine
    ]
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            done = _review_action(request, project, action, forms, conclusions)
        except DomainError as error:
            messages.error(request, str(error))
            target = forms.get(action)
            if target is not None and target.is_bound:
                apply_errors(target, error)
        else:
            if done:
                messages.success(request, done)
                return redirect("budget:review", pk=project.pk)
    return render(
        request,
        "budget/staff/review.html",
        {
            "project": project,
            "conclusions": conclusions,
            "conclusion_forms": conclusion_forms,
            "forms": forms,
            "is_moderator": is_moderator,
            "items": project.items.all(),
        },
    )


def _review_action(request, project, action, forms, conclusions) -> str | None:
    """Run one review step from the staff page; return the success message."""
    user = request.user
    if action == "start":
        form = forms["start"] = StartReviewForm(request.POST, community=request.community)
        if form.is_valid():
            services.start_review(
                staff=user, project=project, departments=form.cleaned_data["departments"]
            )
            return _("The review has started; the departments are asked for conclusions.")
    elif action == "conclusion":
        conclusion = get_object_or_404(
            Conclusion, pk=id_param(request.POST, "conclusion"), project=project
        )
        form = ConclusionForm(request.POST, prefix=f"c{conclusion.pk}")
        if form.is_valid():
            services.give_conclusion(staff=user, conclusion=conclusion, **form.cleaned_data)
            return _("The conclusion is saved.")
        messages.error(request, _("Please correct the conclusion."))
    elif action == "revision":
        form = forms["revision"] = RevisionForm(request.POST)
        if form.is_valid():
            services.request_revision(staff=user, project=project, note=form.cleaned_data["note"])
            return _("The project is returned to its author for revision.")
    elif action == "admit":
        services.admit_project(staff=user, project=project)
        return _("The project is admitted to voting.")
    elif action == "reject":
        form = forms["reject"] = RejectForm(request.POST)
        if form.is_valid():
            services.reject_project(staff=user, project=project, reason=form.cleaned_data["reason"])
            return _("The project is rejected; the reason is published.")
    return None


@login_required
@ratelimit(key="user", rate="600/h", method="POST", block=True)
def offline(request, pk):
    _staff(request, ROLE.MODERATOR, services.OPERATOR_ROLE)
    cycle = _cycle(request, pk)
    categories = list(cycle.categories.all())
    category = None
    if request.GET.get("category") or request.POST.get("category"):
        category = get_object_or_404(
            Category,
            pk=id_param(request.POST, "category") or id_param(request.GET, "category"),
            cycle=cycle,
        )
    elif categories:
        category = categories[0]
    form = PaperBallotForm(request.POST or None, cycle=cycle)
    projects = list(selectors.ballot_projects(category)) if category else []
    entered = None
    if request.method == "POST" and form.is_valid() and category is not None:
        data = form.cleaned_data
        try:
            ballot, _receipt = services.enter_paper_ballot(
                staff=request.user,
                category=category,
                choices=_read_choices(request, category),
                **data,
            )
        except DomainError as error:
            apply_errors(form, error)
        else:
            entered = ballot
            messages.success(
                request,
                _("Paper ballot №%(number)s is entered.") % {"number": ballot.paper_number},
            )
            return redirect(f"{reverse('budget:offline', args=[cycle.pk])}?category={category.pk}")
    return render(
        request,
        "budget/staff/offline.html",
        {
            "cycle": cycle,
            "categories": categories,
            "category": category,
            "form": form,
            "projects": projects,
            "entered": entered,
            "recent": cycle.ballots.filter(channel="offline", entered_by=request.user)
            .select_related("category")
            .order_by("-cast_at")[:20],
        },
    )


@login_required
def staff_results(request, pk):
    _staff(request, ROLE.MODERATOR)
    cycle = _cycle(request, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "count":
                services.count_votes(cycle=cycle, actor=request.user)
                messages.success(request, _("The votes are counted and the ballots published."))
            elif action == "approve":
                services.approve_results(staff=request.user, cycle=cycle)
                messages.success(request, _("The results are approved and published."))
        except DomainError as error:
            messages.error(request, str(error))
        return redirect("budget:staff_results", pk=cycle.pk)
    return render(
        request,
        "budget/staff/results.html",
        {
            "cycle": cycle,
            "sections": selectors.results_by_category(cycle) if cycle.tallied_at else [],
            "turnout": selectors.turnout(cycle),
        },
    )


@login_required
@ratelimit(key="user", rate="120/h", method="POST", block=True)
def report(request, pk):
    _staff(request, ROLE.MODERATOR, ROLE.STAFF)
    project = _project(request, pk)
    is_moderator = request.user.has_role(request.community, ROLE.MODERATOR)
    form = ImplementationForm(
        request.POST or None,
        request.FILES or None,
        community=request.community,
        can_reassign=is_moderator,
        initial={
            "status": project.implementation or Project.Implementation.PROCUREMENT,
            "spent": project.spent,
            "department": project.department_id,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.report_implementation(
                staff=request.user,
                project=project,
                status=data["status"],
                spent=data["spent"],
                note=data["note"],
                department=data.get("department"),
                photo=data.get("photo"),
                caption=data.get("caption") or "",
            )
        except DomainError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The update is published; supporters are notified."))
            return redirect(project)
    return render(request, "budget/staff/report.html", {"project": project, "form": form})
