"""
Survey results: counts per question, filtered by settlement and age group,
cross-tabs with small-cell suppression, and the streamed export of responses.

The figures come from a handful of GROUP BY queries over all questions at
once, not a query per question: a 20-question survey's page costs the same
few statements at 50 or 50,000 responses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from itertools import islice

from django.core.cache import cache
from django.db.models import Count, Max, Min, Sum
from django.utils.translation import gettext as _

from hromada.consultations.models import Answer, Consultation, Question, Response
from hromada.core.models import Settlement

K = Question.Kind
SUPPRESS_BELOW = 10  # cells of fewer respondents are not shown
TEXTS_SHOWN = 50


def _responses(consultation: Consultation, settlement_id=None, age_group=""):
    rows = Response.objects.filter(consultation=consultation)
    if settlement_id:
        rows = rows.filter(settlement_id=settlement_id)
    if age_group:
        rows = rows.filter(age_group=age_group)
    return rows


def _answers(consultation: Consultation, settlement_id=None, age_group=""):
    rows = Answer.objects.filter(question__consultation=consultation)
    if settlement_id:
        rows = rows.filter(response__settlement_id=settlement_id)
    if age_group:
        rows = rows.filter(response__age_group=age_group)
    return rows


RESULTS_CACHED = 600  # seconds


def compute(consultation: Consultation, *, settlement_id=None, age_group="") -> dict:
    """
    Return {"total": n, "questions": [per-question figures]} for the filters.

    Once the survey has closed its responses no longer change: the figures are
    kept in the cache for a while, so readers after the first cost no scans
    of every answer.
    """
    if consultation.status not in Consultation.AFTER_CLOSE:
        return _compute(consultation, settlement_id=settlement_id, age_group=age_group)
    key = _key(consultation, settlement_id, age_group)
    figures = cache.get(key)
    if figures is None:
        figures = _compute(consultation, settlement_id=settlement_id, age_group=age_group)
        # The whole survey's figures are kept until evicted (then rebuilt
        # here); a filter's for a while.
        whole = not settlement_id and not age_group
        cache.set(key, figures, None if whole else RESULTS_CACHED)
    return figures


def _key(consultation: Consultation, settlement_id=None, age_group="") -> str:
    stamp = consultation.closed_at.timestamp() if consultation.closed_at else ""
    return f"consultations:results:{consultation.pk}:{stamp}:{settlement_id or ''}:{age_group}"


def store(consultation: Consultation) -> None:
    """
    Work out and keep a closed survey's whole figures (done once at closing).

    Idempotent: figures already kept are left alone; missing ones (evicted,
    or a cache emptied) are built again by the first reader in `compute`.
    What is kept is what the page shows (counts, means, the latest texts),
    never a row that could point to a person.
    """
    if consultation.status not in Consultation.AFTER_CLOSE:
        return
    if cache.get(_key(consultation)) is None:
        cache.set(_key(consultation), _compute(consultation), None)


def _compute(consultation: Consultation, *, settlement_id=None, age_group="") -> dict:
    questions = list(consultation.questions.all())
    total = _responses(consultation, settlement_id, age_group).count()
    answers = _answers(consultation, settlement_id, age_group)
    # One pass over the answers, grouped by question, matrix row and option:
    # choice counts, and the sums, counts and ranges that the means of
    # numbers, ranks and scales and the dates' span are made from.
    counts = defaultdict(int)
    sums: dict = defaultdict(lambda: [0.0, 0])  # key -> [sum of numbers, how many]
    number_range: dict = {}
    days: dict = {}
    for question_id, row, option, n, total_number, numbered, low, high, first, last in (
        answers.values_list("question_id", "row", "option")
        .annotate(
            Count("id"),
            Sum("number"),
            Count("number"),
            Min("number"),
            Max("number"),
            Min("day"),
            Max("day"),
        )
        .order_by()
    ):
        if option is not None:
            counts[(question_id, row, option)] = n
        if numbered:
            for key in ((question_id, option), (question_id, "all")):
                sums[key][0] += total_number
                sums[key][1] += numbered
            if option is None:
                before = number_range.get(question_id)
                number_range[question_id] = (
                    (low, high) if before is None else (min(before[0], low), max(before[1], high))
                )
        if first is not None:
            before = days.get(question_id)
            days[question_id] = (
                (first, last) if before is None else (min(before[0], first), max(before[1], last))
            )

    def mean(key):
        total_number, numbered = sums.get(key, (0.0, 0))
        return total_number / numbered if numbered else None

    respondents = dict(
        answers.values_list("question_id")
        .annotate(n=Count("response_id", distinct=True))
        .order_by()
    )
    text_ids = [q.pk for q in questions if q.kind in Question.TEXT]
    texts = defaultdict(list)
    if text_ids:
        # Newest first; one statement for every text question together.
        for question_id, answer_id, text in (
            answers.filter(question_id__in=text_ids)
            .exclude(text="")
            .order_by("-id")
            .values_list("question_id", "id", "text")[: TEXTS_SHOWN * len(text_ids)]
        ):
            if len(texts[question_id]) < TEXTS_SHOWN:
                texts[question_id].append((answer_id, text))
    figures = []
    for question in questions:
        item = {
            "question": question,
            "respondents": respondents.get(question.pk, 0),
            "bars": [],
            "matrix": [],
            "texts": texts.get(question.pk, []),
        }
        options = question.options or []
        if question.kind in (K.SINGLE, K.MULTIPLE):
            # Multiple choice counts each option, not each combination.
            item["bars"] = [
                (label, counts.get((question.pk, None, index), 0))
                for index, label in enumerate(options)
            ]
        elif question.kind == K.RANKING:
            item["bars"] = [
                (label, counts.get((question.pk, None, index), 0))
                for index, label in enumerate(options)
            ]
            item["ranks"] = sorted(
                (
                    (label, round(mean((question.pk, index)), 2))
                    for index, label in enumerate(options)
                    if mean((question.pk, index)) is not None
                ),
                key=lambda pair: pair[1],
            )
        elif question.kind == K.SCALE:
            low, high = question.minimum or 0, question.maximum or 0
            item["bars"] = [
                (str(point), counts.get((question.pk, None, point), 0))
                for point in range(low, high + 1)
            ][:101]
            average = mean((question.pk, "all"))
            item["mean"] = round(average, 2) if average is not None else None
        elif question.kind == K.NUMBER:
            average = mean((question.pk, None))
            item["mean"] = round(average, 2) if average is not None else None
            item["low"], item["high"] = number_range.get(question.pk, (None, None))
        elif question.kind == K.DATE:
            item["low"], item["high"] = days.get(question.pk, (None, None))
        elif question.kind in (K.MATRIX_SINGLE, K.MATRIX_MULTIPLE):
            item["matrix"] = [
                (
                    row_label,
                    [counts.get((question.pk, row, index), 0) for index in range(len(options))],
                )
                for row, row_label in enumerate(question.rows or [])
            ]
        figures.append(item)
    return {"total": total, "questions": figures}


# Cross-tabs -----------------------------------------------------------------


def suppress(table: list[list[int]]) -> list[list[int | None]]:
    """
    Return the table with small cells hidden (None): below SUPPRESS_BELOW, and
    a complementary cell wherever a row or a column has exactly one hidden
    cell, so a hidden count cannot be worked out from the totals.
    """
    hidden = [[0 < cell < SUPPRESS_BELOW for cell in row] for row in table]
    height = len(table)
    width = len(table[0]) if table else 0

    def lines():
        for r in range(height):
            yield [(r, c) for c in range(width)]
        for c in range(width):
            yield [(r, c) for r in range(height)]

    changed = True
    while changed:
        changed = False
        for line in lines():
            marked = [cell for cell in line if hidden[cell[0]][cell[1]]]
            if len(marked) != 1:
                continue
            candidates = [
                cell
                for cell in line
                if not hidden[cell[0]][cell[1]] and table[cell[0]][cell[1]] > 0
            ] or [cell for cell in line if not hidden[cell[0]][cell[1]]]
            if not candidates:
                continue
            r, c = min(candidates, key=lambda cell: table[cell[0]][cell[1]])
            hidden[r][c] = True
            changed = True
    return [[None if hidden[r][c] else table[r][c] for c in range(width)] for r in range(height)]


def crosstab(consultation: Consultation, question: Question, by: str) -> dict:
    """
    Return a question's option counts by settlement or age group, suppressed.

    Row and column totals are shown only where the whole line is public; the
    grand total is the number of respondents.
    """
    field = "response__settlement__name" if by == "settlement" else "response__age_group"
    rows = (
        Answer.objects.filter(question=question, option__isnull=False, row__isnull=True)
        .values_list("option", field)
        .annotate(n=Count("response_id", distinct=True))
        .order_by()
    )
    groups: list[str] = []
    cells: dict[tuple[int, str], int] = {}
    for option, group, count in rows:
        label = group or _("not known")
        if label not in groups:
            groups.append(label)
        cells[(option, label)] = cells.get((option, label), 0) + count
    groups.sort()
    options = question.options or []
    if question.kind == K.SCALE:
        options = [str(p) for p in range((question.minimum or 0), (question.maximum or 0) + 1)]
        offset = question.minimum or 0
    else:
        offset = 0
    table = [
        [cells.get((index + offset, group), 0) for group in groups] for index in range(len(options))
    ]
    shown = suppress(table)
    row_totals = [sum(line) if all(cell is not None for cell in line) else None for line in shown]
    column_totals = [
        sum(shown[r][c] for r in range(len(shown)))
        if all(shown[r][c] is not None for r in range(len(shown)))
        else None
        for c in range(len(groups))
    ]
    return {
        "groups": groups,
        "rows": list(zip(options, shown, row_totals, strict=True)),
        "column_totals": column_totals,
    }


# Export ---------------------------------------------------------------------

CHUNK = 5000
BATCH = 1000  # responses whose answers are read and sorted at once


def export_fields(questions: list[Question]) -> list[str]:
    fields = [_("response"), _("settlement"), _("age group"), _("submitted on")]
    for question in questions:
        if question.kind in (K.MATRIX_SINGLE, K.MATRIX_MULTIPLE):
            fields += [f"{question.position}. {question.text} — {row}" for row in question.rows]
        else:
            fields.append(f"{question.position}. {question.text}")
    return fields


def export_rows(consultation: Consultation) -> tuple[list[str], Iterator[dict]]:
    """
    Return the export's column names and a generator of one dict per response.

    One ordered query read in chunks (a server-side cursor on PostgreSQL), so
    250,000 responses never sit in memory. No column names a resident.
    """
    questions = list(consultation.questions.all())
    fields = export_fields(questions)
    columns: dict[tuple[int, int | None], str] = {}
    names = iter(fields[4:])
    for question in questions:
        if question.kind in (K.MATRIX_SINGLE, K.MATRIX_MULTIPLE):
            for row in range(len(question.rows)):
                columns[(question.pk, row)] = next(names)
        else:
            columns[(question.pk, None)] = next(names)
    by_id = {question.pk: question for question in questions}
    head = fields[:4]

    def rows() -> Iterator[dict]:
        settlements = dict(
            Settlement.objects.filter(community_id=consultation.community_id).values_list(
                "pk", "name"
            )
        )
        responses = (
            Response.objects.filter(consultation=consultation)
            .order_by("pk")
            .values_list("pk", "settlement_id", "age_group", "submitted_on")
        )
        question_ids = list(by_id)

        def answers_of(first: int, last: int):
            # A chunk's answers only: sorting them all before the first row
            # would hold the first byte back for as long as the whole export.
            return iter(
                Answer.objects.filter(
                    question_id__in=question_ids, response_id__gte=first, response_id__lte=last
                )
                .order_by("response_id", "question_id", "row", "number", "option")
                .values_list("response_id", "question_id", "row", "option", "number", "day", "text")
            )

        chunk: list = []
        answers = iter(())
        pending = None
        source = responses.iterator(chunk_size=CHUNK)
        while True:
            if not chunk:
                chunk = list(islice(source, BATCH))
                if not chunk:
                    return
                chunk.reverse()
                answers = answers_of(chunk[-1][0], chunk[0][0])
                pending = next(answers, None)
            pk, settlement_id, group, day = chunk.pop()
            row = {
                head[0]: pk,
                head[1]: settlements.get(settlement_id, ""),
                head[2]: group,
                head[3]: day.isoformat() if day else "",
            }
            values: dict[str, list] = defaultdict(list)
            while pending is not None and pending[0] <= pk:
                if pending[0] == pk:
                    _r, question_id, matrix_row, option, number, answer_day, text = pending
                    question = by_id[question_id]
                    column = columns[(question_id, matrix_row)]
                    if option is not None and question.kind != K.SCALE:
                        options = question.options or []
                        values[column].append(options[option] if option < len(options) else option)
                    elif number is not None:
                        values[column].append(f"{number:g}")
                    elif answer_day is not None:
                        values[column].append(answer_day.isoformat())
                    else:
                        values[column].append(text)
                pending = next(answers, None)
            for column, items in values.items():
                row[column] = "; ".join(str(item) for item in items)
            yield row

    return fields, rows()
