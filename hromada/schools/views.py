"""School pages: the teacher's journal, the parents' diary, heads' reports. Someone else's child: 404."""

from __future__ import annotations

from datetime import date, timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hromada.core.errors import DomainError
from hromada.core.exports import csv_response, xlsx_response
from hromada.core.identity import level_required
from hromada.core.params import date_param, id_param
from hromada.core.ratelimit import over_any
from hromada.schools import access, archive, calendar_feed, imports, selectors, services
from hromada.schools.models import (
    AbsenceNote,
    Assignment,
    CalendarFeed,
    ClassArchive,
    Enrolment,
    Entry,
    HomeworkFile,
    Lesson,
    Room,
    SchoolClass,
    SchoolYear,
    Term,
)

MAX_COLUMN = 60  # pupils a column can hold; a bigger form is not a class


def _or_404(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except DomainError:
        raise Http404 from None


def signed_in(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    return wrapper


def home(request):
    user, community = request.user, request.community
    context = {"signed_in": user.is_authenticated}
    if user.is_authenticated:
        context.update(
            children=list(access.children(user, community)),
            assignments=list(access.teacher_assignments(user, community)),
            classes=list(
                SchoolClass.objects.filter(
                    community=community,
                    class_teacher=user,
                    year__ends_on__gte=timezone.localdate(),
                ).select_related("school")
            ),
            schools=list(
                access.School.objects.filter(
                    community=community, pk__in=access.head_schools(user, community)
                )
            ),
            department=access.is_department(user, community),
        )
    return render(request, "schools/home.html", context)


# The diary ------------------------------------------------------------------------------


def _child(request, pk):
    return _or_404(access.child_for, request.user, request.community, pk)


@level_required("schools.diary")
def diary(request, pk: int):
    pupil = _child(request, pk)
    today = timezone.localdate()
    day = date_param(
        request.GET, "week", default=today, low=date(2000, 1, 1), high=date(2100, 1, 1)
    )
    monday = selectors.week_start(day)
    week = selectors.diary_week(pupil, monday)
    context = {
        "pupil": pupil,
        "children": access.children(request.user, request.community),
        "week": week,
        "previous": monday - timedelta(days=7),
        "next": monday + timedelta(days=7),
        "notices": selectors.notices_for(pupil, limit=5),
        "today": today,
    }
    return render(request, "schools/diary.html", context)


@level_required("schools.diary")
def diary_grades(request, pk: int):
    pupil = _child(request, pk)
    enrolment = pupil.enrolments.select_related("school_class").order_by("-enrolled_on").first()
    terms = list(Term.objects.filter(year_id=enrolment.school_class.year_id)) if enrolment else []
    wanted = id_param(request.GET, "term")
    term = next((t for t in terms if t.pk == wanted), None)
    if term is None and enrolment:
        term = selectors.current_term(enrolment.school_class.year_id)
    context = {
        "pupil": pupil,
        "terms": terms,
        "term": term,
        "subjects": selectors.diary_grades(pupil, term) if term else [],
    }
    return render(request, "schools/diary_grades.html", context)


@level_required("schools.diary")
def diary_notes(request, pk: int):
    pupil = _child(request, pk)
    link = access.Guardianship.objects.filter(
        pupil=pupil, guardian=request.user, blocked_at__isnull=True
    ).first()
    errors = {}
    if request.method == "POST" and link is not None:
        action = request.POST.get("action", "note")
        try:
            if action == "notifications":
                services.set_notifications(
                    guardian=request.user,
                    pupil=pupil,
                    grades="grades" in request.POST,
                    absences="absences" in request.POST,
                    homework="homework" in request.POST,
                )
                messages.success(request, _("Notification settings saved."))
            else:
                if over_any(group="schools-note", checks=[("20/h", f"user:{request.user.pk}")]):
                    raise services.DomainError(_("Too many notes. Please try again later."))
                starts = date_param(request.POST, "starts_on")
                ends = date_param(request.POST, "ends_on") or starts
                if starts is None:
                    raise services.ValidationFailed(fields={"starts_on": _("Enter a date.")})
                services.file_absence_note(
                    guardian=request.user,
                    pupil=pupil,
                    starts_on=starts,
                    ends_on=ends,
                    reason=request.POST.get("reason", "")[:20],
                    text=request.POST.get("text", "")[:1001],
                )
                messages.success(request, _("The note was sent to the class teacher."))
            return redirect("schools:diary_notes", pk=pupil.pk)
        except DomainError as error:
            errors = error.fields or {"__all__": str(error)}
            if not error.fields:
                messages.error(request, str(error))
    context = {
        "pupil": pupil,
        "link": link,
        "notes": selectors.notes_of(pupil),
        "reasons": [c for c in Entry.Reason.choices if c[0]],
        "errors": errors,
        "data": request.POST if request.method == "POST" else {},
        "strong": request.user.identity_level >= 2,
    }
    return render(request, "schools/diary_notes.html", context)


# The journal ------------------------------------------------------------------------------


def _assignment(request, pk) -> Assignment:
    return _or_404(access.assignment_for, request.user, request.community, pk)


def _lesson(assignment: Assignment, pk: int) -> Lesson:
    found = (
        Lesson.objects.filter(assignment=assignment, pk=_or_404(access.bounded, pk))
        .select_related("term")
        .first()
    )
    if found is None:
        raise Http404
    found.assignment = assignment
    return found


@signed_in
def journal(request, pk: int):
    assignment = _assignment(request, pk)
    grid = selectors.journal_grid(assignment, id_param(request.GET, "term"))
    today = timezone.localdate()
    context = {
        "assignment": assignment,
        "grid": grid,
        "writes": access.writes_on(request.user, assignment, today),
        "today": today,
        "kinds": Lesson.Kind.choices,
    }
    return render(request, "schools/journal.html", context)


@signed_in
@require_POST
def new_lesson(request, pk: int):
    assignment = _assignment(request, pk)
    day = date_param(request.POST, "date", default=timezone.localdate())
    period = id_param(request.POST, "period", default=1)
    kind = request.POST.get("kind", Lesson.Kind.LESSON)[:10]
    try:
        lesson = services.save_lesson(
            actor=request.user,
            assignment=assignment,
            day=day,
            period=min(period, 99),
            kind=kind,
            topic=request.POST.get("topic", "")[:301],
            homework=request.POST.get("homework", "")[:2001],
        )
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("schools:journal", pk=assignment.pk)
    return redirect("schools:column", pk=assignment.pk, lesson=lesson.pk)


@signed_in
def column(request, pk: int, lesson: int):
    assignment = _assignment(request, pk)
    found = _lesson(assignment, lesson)
    writes = access.writes_on(request.user, assignment, found.date)
    error_fields = {}
    if request.method == "POST":
        if not writes:
            raise Http404
        values = {}
        for key, value in list(request.POST.items())[: MAX_COLUMN * 2 + 10]:
            if key.startswith("pupil-"):
                pupil_id = id_param({"v": key[6:]}, "v")
                if pupil_id is None:
                    raise Http404
                values[pupil_id] = value[:301]
        try:
            services.save_lesson(
                actor=request.user,
                assignment=assignment,
                day=found.date,
                lesson=found,
                topic=request.POST.get("topic", "")[:301],
                homework=request.POST.get("homework", "")[:2001],
            )
            found.refresh_from_db()
            services.save_cells(
                actor=request.user,
                lesson=found,
                values=values,
                reason=request.POST.get("reason", "")[:301],
            )
            messages.success(request, _("The column was saved."))
            return redirect(
                f"{reverse('schools:journal', args=[assignment.pk])}?term={found.term_id}"
            )
        except DomainError as error:
            messages.error(request, str(error))
            error_fields = error.fields
    rows = selectors.column(found)
    posted = request.POST if request.method == "POST" else None
    context = {
        "assignment": assignment,
        "lesson": found,
        "rows": [
            (
                pupil,
                entry,
                posted.get(f"pupil-{pupil.pk}", "")
                if posted is not None
                else ("н" if entry and entry.absent else entry.value if entry else ""),
                error_fields.get(f"pupil-{pupil.pk}"),
                entry.get_reason_display()
                if entry
                and entry.absent
                and (access.reads_class(request.user, assignment.school_class))
                else "",
            )
            for pupil, entry in rows
        ],
        "writes": writes,
        "files": found.files.all(),
        "locked": services.is_locked(found),
        "kind_is_lesson": found.kind == Lesson.Kind.LESSON,
    }
    return render(request, "schools/column.html", context)


@signed_in
@require_POST
def cell(request, pk: int, lesson: int, pupil: int):
    """
    Save one cell of a column as the teacher leaves it, without reloading the page.

    The column editor's script (htmx) posts each changed cell here and swaps
    the answer into the cell's status; without scripts the whole column form
    posts to `column` as before. The same service saves both ways, so a cell
    saved here and then posted again with the form is not logged twice.
    """
    assignment = _assignment(request, pk)
    found = _lesson(assignment, lesson)
    if not access.writes_on(request.user, assignment, found.date):
        raise Http404
    pupil_id = _or_404(access.bounded, pupil)
    value = request.POST.get(f"pupil-{pupil_id}", request.POST.get("value", ""))[:301]
    try:
        services.save_cells(
            actor=request.user,
            lesson=found,
            values={pupil_id: value},
            reason=request.POST.get("reason", "")[:301],
        )
        error = None
    except DomainError as failure:
        error = (failure.fields or {}).get(f"pupil-{pupil_id}") or str(failure)
    if request.headers.get("HX-Request") != "true":
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("The grade was saved."))
        return redirect("schools:column", pk=assignment.pk, lesson=found.pk)
    response = render(request, "schools/_cell_status.html", {"error": error, "pupil_id": pupil_id})
    response["Cache-Control"] = "private, no-store"
    return response


@signed_in
def column_history(request, pk: int, lesson: int):
    assignment = _assignment(request, pk)
    found = _lesson(assignment, lesson)
    # The class teacher reads the class, not the history of others' grade edits.
    if not (
        access.writes_on(request.user, assignment, found.date)
        or access.is_head(request.user, assignment.school_class.school)
    ):
        raise Http404
    names = {pupil.pk: pupil.full_name for pupil in selectors.class_pupils(assignment.school_class)}
    changes = [(change, names.get(change.pupil_id, "")) for change in selectors.cell_history(found)]
    return render(
        request,
        "schools/history.html",
        {"assignment": assignment, "lesson": found, "changes": changes},
    )


@signed_in
def journal_export(request, pk: int):
    assignment = _assignment(request, pk)
    grid = selectors.journal_grid(assignment, id_param(request.GET, "term"))
    fields = [_("Pupil")] + [
        f"{lesson.date:%d.%m}{'' if lesson.kind == 'lesson' else ' ' + lesson.kind}"
        for lesson in grid.lessons
    ]
    rows = []
    for pupil, cells, _suggested in grid.rows:
        row = {fields[0]: pupil.full_name}
        for name, entry in zip(fields[1:], cells, strict=True):
            row[name] = ("н" if entry.absent else entry.value) if entry else ""
        rows.append(row)
    return csv_response(rows, fields=fields, name=f"journal-{assignment.pk}")


@signed_in
@require_POST
def plan_import(request, pk: int):
    assignment = _assignment(request, pk)
    try:
        count = imports.import_plan(
            actor=request.user, assignment=assignment, upload=request.FILES.get("file")
        )
        messages.success(request, _("Plan imported: %(n)s lines.") % {"n": count})
    except DomainError as error:
        messages.error(request, str(error))
    return redirect("schools:journal", pk=assignment.pk)


# Class teacher ------------------------------------------------------------------------------


@signed_in
def class_page(request, pk: int):
    school_class = _or_404(access.class_for, request.user, request.community, pk)
    term = selectors.current_term(school_class.year_id)
    if request.method == "POST":
        try:
            services.post_notice(
                actor=request.user,
                school=school_class.school,
                school_class=school_class,
                title=request.POST.get("title", "")[:201],
                body=request.POST.get("body", "")[:4001],
            )
            messages.success(request, _("The notice was posted to the class's parents."))
            return redirect("schools:class", pk=school_class.pk)
        except DomainError as error:
            messages.error(request, str(error))
    context = {
        "school_class": school_class,
        "term": term,
        "report": selectors.class_report(school_class, term) if term else None,
        "notes": selectors.class_notes(school_class),
        "slots": selectors.slots_for_class(school_class),
        "is_head": access.is_head(request.user, school_class.school),
        "archives": school_class.archives.all()[:5],
    }
    return render(request, "schools/class.html", context)


@signed_in
@require_POST
def decide_note(request, pk: int):
    note = AbsenceNote.objects.filter(
        community=request.community, pk=_or_404(access.bounded, pk)
    ).first()
    if note is None:
        raise Http404
    try:
        services.decide_absence_note(
            actor=request.user, note=note, accept=request.POST.get("accept") == "1"
        )
    except services.SchoolNotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, str(error))
    back = request.POST.get("class")
    class_id = id_param({"v": back}, "v") if back else None
    if class_id:
        return redirect("schools:class", pk=class_id)
    return redirect("schools:home")


# Heads ------------------------------------------------------------------------------------------


def _school(request, pk):
    return _or_404(access.school_for_head, request.user, request.community, pk)


@signed_in
def school_page(request, pk: int):
    school = _school(request, pk)
    year = SchoolYear.objects.filter(school=school).order_by("-starts_on").first()
    term = selectors.current_term(year.pk) if year else None
    context = {
        "school": school,
        "year": year,
        "term": term,
        "terms": list(year.terms.all()) if year else [],
        "report": selectors.school_report(school, term) if term else [],
        "assignments": Assignment.objects.filter(school_class__year=year)
        .select_related("school_class", "subject", "teacher")
        .order_by("school_class__grade", "school_class__letter", "subject__name")
        if year
        else [],
        "rooms": Room.objects.filter(school=school),
        "alerts": school.pupils.none()
        if not year
        else access.Pupil.objects.filter(school=school, alerts__isnull=False).distinct()[:50],
    }
    return render(request, "schools/school.html", context)


@signed_in
@require_POST
def school_action(request, pk: int, action: str):
    school = _school(request, pk)
    year = SchoolYear.objects.filter(school=school).order_by("-starts_on").first()
    try:
        if action == "unlock":
            assignment = Assignment.objects.filter(
                school_class__school=school, pk=id_param(request.POST, "assignment")
            ).first()
            if assignment is None:
                raise Http404
            start = date_param(request.POST, "date_from")
            services.unlock(
                actor=request.user,
                assignment=assignment,
                date_from=start,
                date_to=date_param(request.POST, "date_to") or start,
                reason=request.POST.get("reason", "")[:301],
                hours=id_param(request.POST, "hours", default=24),
            )
            messages.success(request, _("The journal was unlocked."))
        elif action == "close-term":
            term = Term.objects.filter(
                year__school=school, pk=id_param(request.POST, "term")
            ).first()
            if term is None:
                raise Http404
            services.close_term(actor=request.user, term=term)
            messages.success(request, _("The semester is closed."))
        elif action == "generate" and year is not None:
            count = services.generate_timetable(actor=request.user, year=year, seconds=30)
            messages.success(request, _("Timetable generated: %(n)s lessons.") % {"n": count})
        elif action == "slot" and year is not None:
            assignment = Assignment.objects.filter(
                school_class__year=year, pk=id_param(request.POST, "assignment")
            ).first()
            if assignment is None:
                raise Http404
            room = Room.objects.filter(school=school, pk=id_param(request.POST, "room")).first()
            services.set_slot(
                actor=request.user,
                assignment=assignment,
                weekday=_small(request.POST.get("weekday"), 0, 4),
                period=_small(request.POST.get("period"), 1, 10),
                room=room,
            )
            messages.success(request, _("The lesson was added to the timetable."))
        elif action == "import" and year is not None:
            count = imports.import_pupils(
                actor=request.user, school=school, year=year, upload=request.FILES.get("file")
            )
            messages.success(request, _("Imported: %(n)s pupils.") % {"n": count})
        elif action == "notice":
            services.post_notice(
                actor=request.user,
                school=school,
                school_class=None,
                title=request.POST.get("title", "")[:201],
                body=request.POST.get("body", "")[:4001],
            )
            messages.success(request, _("The notice was posted."))
        else:
            raise Http404
    except DomainError as error:
        messages.error(request, str(error))
    return redirect("schools:school", pk=school.pk)


def _small(text, low: int, high: int) -> int:
    try:
        value = int(str(text)[:3])
    except (TypeError, ValueError):
        return -1
    return value if low <= value <= high else -1


@signed_in
def semester_export(request, pk: int):
    school = _school(request, pk)
    term = Term.objects.filter(year__school=school, pk=id_param(request.GET, "term")).first()
    if term is None:
        raise Http404
    return xlsx_response(
        selectors.semester_rows(school, term),
        fields=selectors.SEMESTER_FIELDS,
        name=f"semester-{school.pk}-{term.number}",
    )


@signed_in
@require_POST
def make_archive(request, pk: int):
    school_class = _or_404(access.class_for, request.user, request.community, pk)
    try:
        archive.make_archive(actor=request.user, school_class=school_class)
        messages.success(request, _("The archive was created."))
    except DomainError as error:
        messages.error(request, str(error))
    return redirect("schools:class", pk=school_class.pk)


@signed_in
def archive_file(request, pk: int, kind: str):
    found = (
        ClassArchive.objects.filter(community=request.community, pk=_or_404(access.bounded, pk))
        .select_related("school_class__school")
        .first()
    )
    if found is None or not access.is_head(request.user, found.school_class.school):
        raise Http404
    if kind == "manifest":
        response = HttpResponse(found.manifest, content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="archive-{found.pk}-SHA256SUMS"'
        return response
    stored = {"pdf": found.pdf, "csv": found.csv}.get(kind)
    if stored is None:
        raise Http404
    return FileResponse(
        stored.open("rb"),
        as_attachment=True,
        filename=f"archive-{found.pk}.{kind}",
    )


@signed_in
def department(request):
    if not access.is_department(request.user, request.community):
        raise Http404
    return render(
        request,
        "schools/department.html",
        {"report": selectors.department_report(request.community)},
    )


# Calendar feed ------------------------------------------------------------------------------


@signed_in
def calendar(request):
    if request.method == "POST":
        services.reset_feed(resident=request.user, community=request.community)
        messages.success(
            request, _("A new calendar address was made; the old one no longer works.")
        )
        return redirect("schools:calendar")
    feed = services.feed_of(resident=request.user, community=request.community)
    url = request.build_absolute_uri(reverse("schools:feed", args=[feed.token]))
    return render(request, "schools/calendar.html", {"url": url})


def feed(request, token: str):
    if len(token) > 64:
        raise Http404
    found = (
        CalendarFeed.objects.filter(community=request.community, token=token)
        .select_related("resident")
        .first()
    )
    if found is None or not found.resident.is_active:
        raise Http404
    body = calendar_feed.render(found.resident, request.community)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


@signed_in
@require_POST
def attach(request, pk: int, lesson: int):
    assignment = _assignment(request, pk)
    found = _lesson(assignment, lesson)
    try:
        services.attach_homework(actor=request.user, lesson=found, upload=request.FILES.get("file"))
        messages.success(request, _("The file was attached."))
    except DomainError as error:
        messages.error(request, str(error))
    return redirect("schools:column", pk=assignment.pk, lesson=found.pk)


@signed_in
def homework_file(request, pk: int):
    """A homework file for the class's readers and the pupils' families only."""
    found = (
        HomeworkFile.objects.filter(community=request.community, pk=_or_404(access.bounded, pk))
        .select_related("lesson__assignment__school_class__school")
        .first()
    )
    if found is None:
        raise Http404
    assignment = found.lesson.assignment
    family = Enrolment.objects.filter(
        school_class_id=assignment.school_class_id,
        pupil__in=access.children(request.user, request.community),
    ).exists()
    if not (family or access.reads_assignment(request.user, assignment)):
        raise Http404
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)
