"""
Public consultations in the chatbot: see what is open, follow a topic, and
answer a survey question by question.

Each answer is checked by the module's own `survey.clean_answers` as the
resident gives it, and the whole response is stored by
`services.submit_response`, so the rules are the site's: the identity level,
one response per person, anonymity, conditional questions. The questions a
chat shows well (single and multiple choice, scale, number, date, short
text) come with buttons; a matrix, a ranking or a long text links to the
survey's form on the site.

The answers given so far are kept in the chat's saved data (under "saved",
which going back to the menu keeps), so a resident may stop and go on later;
they are dropped once the response is sent. The answering step is private:
the engine stores "[answer]" instead of what was typed or pressed, so the
conversation log holds no answers (an anonymous survey stays anonymous).
"""

from __future__ import annotations

import re
from datetime import date

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from hromada.chatbot.replies import Button, Incoming, Reply
from hromada.consultations import selectors, services, survey
from hromada.consultations.models import Consultation, Question
from hromada.core.errors import ValidationFailed
from hromada.core.identity import action_level, has_level
from hromada.core.models import Identity

P = "hromada.consultations.chatbot."
SHOWN = 8
K = Question.Kind
IN_CHAT = (K.SINGLE, K.MULTIPLE, K.SCALE, K.NUMBER, K.DATE, K.SHORT)
MAX_SCALE_BUTTONS = 11
MAX_SAVED = 5  # surveys whose progress one chat keeps at a time
DAY = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4})\s*$")


def private(step):
    """Mark a step whose messages are answers: the engine keeps no text of them."""
    step.private = True
    return step


# -- the list and a card ---------------------------------------------------------------


def start(conversation, message: Incoming) -> Reply:
    """Open consultations and surveys, newest first; the upcoming ones named below."""
    community = conversation.community
    found = list(selectors.public_consultations(community=community, when="open")[:SHOWN])
    upcoming = list(selectors.public_consultations(community=community, when="upcoming")[:3])
    rows = [[Button(_label(item), f"o:{item.pk}")] for item in found]
    lines = []
    if found:
        lines.append(_("Open consultations and surveys: choose one."))
    else:
        lines.append(_("No consultation or survey is open now."))
    if upcoming:
        lines.append(_("Coming soon:"))
        for item in upcoming:
            since = _("from %(day)s") % {"day": _day(item.opens_at)}
            lines.append(f"• {item.title} ({since})")
        rows += [[Button(item.title, f"o:{item.pk}")] for item in upcoming]
    rows.append([Button(_("All consultations on the site"), url=_site(conversation, ""))])
    return Reply("\n".join(lines), rows, next_step=P + "pick")


def _label(item: Consultation) -> str:
    mark = "📝 " if item.kind == Consultation.Kind.SURVEY else "💬 "
    return mark + item.title


def _day(moment) -> str:
    return date_format(timezone.localtime(moment).date(), "j E Y")


def _site(conversation, path: str) -> str:
    return conversation.site_url("/consultations/" + path)


def pick(conversation, message: Incoming) -> Reply:
    data = message.data
    kind, _sep, value = data.partition(":")
    if value.isdigit() and len(value) < 12:
        if kind == "o":
            return card(conversation, int(value))
        if kind == "w":
            return follow(conversation, int(value))
        if kind == "s":
            return begin(conversation, int(value))
    return start(conversation, message)


def _visible(conversation, pk: int) -> Consultation:
    return selectors.visible_consultation(
        community=conversation.community, pk=pk, viewer=conversation.resident
    )


def card(conversation, pk: int) -> Reply:
    item = _visible(conversation, pk)
    lines = [item.title, f"{item.get_kind_display()} · {item.get_status_display()}"]
    if item.status == Consultation.Status.ANNOUNCED:
        lines.append(_("Opens on %(day)s.") % {"day": _day(item.opens_at)})
    elif item.is_open:
        lines.append(_("Open until %(day)s.") % {"day": _day(item.closes_at)})
    summary = " ".join((item.summary or "").split())
    if summary:
        lines.append(summary[:600] + ("…" if len(summary) > 600 else ""))
    rows = []
    if item.kind == Consultation.Kind.SURVEY and item.is_open:
        if services.has_answered(consultation=item, resident=conversation.resident):
            lines.append(_("You have answered this survey. Thank you!"))
        else:
            count = item.questions.count()
            lines.append(_("Questions: %(count)d.") % {"count": count})
            if item.is_anonymous:
                lines.append(_("Answers are anonymous: they are kept without your name."))
            # "s:", not "a:": an old card's button pressed mid-survey is never taken for an answer.
            rows.append([Button(_("Answer the survey"), f"s:{item.pk}")])
    topic = item.topic.name if item.topic_id else ""
    follow_text = (
        _("Follow the topic «%(topic)s»") % {"topic": topic}
        if topic
        else _("Tell me of new consultations")
    )
    rows.append([Button(follow_text, f"w:{item.pk}")])
    rows.append([Button(_("Open on the site"), url=conversation.site_url(item.get_absolute_url()))])
    rows.append([Button(_("Back to the list"), "l:all")])
    return Reply("\n\n".join(lines), rows, next_step=P + "pick")


def follow(conversation, pk: int) -> Reply:
    """Subscribe to new consultations on the topic (all of them when it has none)."""
    item = _visible(conversation, pk)
    if conversation.resident is None:
        from hromada.chatbot.engine import level_refusal

        return level_refusal(conversation, Identity.NONE)
    services.subscribe(
        resident=conversation.resident, community=conversation.community, topic=item.topic
    )
    if item.topic_id:
        text = _(
            "Done: you will be told of new consultations on «%(topic)s», in this chat and as "
            "your notification settings say."
        ) % {"topic": item.topic.name}
    else:
        text = _(
            "Done: you will be told of every new consultation, in this chat and as your "
            "notification settings say."
        )
    return Reply(text, [[Button(_("Back to the list"), "l:all")]], next_step=P + "pick")


# -- answering a survey --------------------------------------------------------------


def _saved(conversation) -> dict:
    saved = conversation.data.get("saved")
    if not isinstance(saved, dict):
        saved = conversation.data["saved"] = {}
    return saved


def _progress(conversation, pk: int) -> dict:
    """Return the survey's saved progress: {"answers": {position: value}, "skipped": []}."""
    saved = _saved(conversation)
    key = f"survey:{pk}"
    progress = saved.get(key)
    if not isinstance(progress, dict):
        progress = {"answers": {}, "skipped": [], "picked": []}
        mine = [name for name in saved if name.startswith("survey:")]
        for name in mine[: max(0, len(mine) - MAX_SAVED + 1)]:
            saved.pop(name, None)  # keep the few latest
        saved[key] = progress
    progress.setdefault("answers", {})
    progress.setdefault("skipped", [])
    progress.setdefault("picked", [])
    return progress


def _drop_progress(conversation, pk: int) -> None:
    _saved(conversation).pop(f"survey:{pk}", None)


def _open_survey(conversation, pk: int) -> tuple[Consultation, Reply | None]:
    """Return the survey and a refusal when it cannot be answered now (or None)."""
    item = _visible(conversation, pk)
    if item.kind != Consultation.Kind.SURVEY or not item.is_open:
        return item, Reply(_("This survey is not open for answers."))
    level = action_level(conversation.community, "consultations.answer")
    if not has_level(conversation.resident, level):
        from hromada.chatbot.engine import level_refusal

        return item, level_refusal(conversation, level)
    if services.has_answered(consultation=item, resident=conversation.resident):
        _drop_progress(conversation, pk)
        return item, Reply(_("You have already answered this survey. Thank you!"))
    return item, None


def begin(conversation, pk: int) -> Reply:
    item, refused = _open_survey(conversation, pk)
    if refused:
        return refused
    progress = _progress(conversation, pk)
    conversation.data["survey"] = item.pk
    if item.is_anonymous:
        intro = _(
            "The survey is anonymous: your answers are kept without your name, and this chat "
            "keeps no record of them."
        )
    else:
        intro = _("Your answers are given in your name, as on the site.")
    if progress["answers"] or progress["skipped"]:
        intro = _("Let us go on where you stopped.") + " " + intro
    intro += " " + _("You can stop at any time: your answers so far are saved.")
    return _ask_next(conversation, item, progress, intro)


def _questions(item: Consultation) -> list[Question]:
    return sorted(item.questions.all(), key=lambda question: question.position)


def _values(progress: dict) -> dict[int, object]:
    return {int(key): value for key, value in progress["answers"].items()}


def _next(questions: list[Question], progress: dict) -> Question | None:
    """Return the first shown question not answered or skipped yet (None: all done)."""
    values = _values(progress)
    skipped = set(progress["skipped"])
    for question in questions:
        if question.position in values or question.position in skipped:
            continue
        if survey.is_shown(question, values):
            return question
    return None


def _ask_next(conversation, item: Consultation, progress: dict, intro: str = "") -> Reply:
    questions = _questions(item)
    question = _next(questions, progress)
    if question is None:
        return _confirm(conversation, item, intro)
    return _ask(conversation, item, questions, question, progress, intro)


def _ask(conversation, item, questions, question: Question, progress: dict, note="") -> Reply:
    done = len(progress["answers"]) + len(progress["skipped"])
    lines = [note] if note else []
    head = _("Question %(number)d of up to %(total)d") % {
        "number": done + 1,
        "total": len(questions),
    }
    if not question.required:
        head += " · " + _("optional")
    lines.append(head)
    lines.append(question.text)
    if question.help_text:
        lines.append(question.help_text)
    rows: list[list[Button]] = []
    kind = question.kind
    options = [str(option) for option in question.options or []]
    if kind not in IN_CHAT:
        lines.append(
            _("This question (%(kind)s) is answered in the form on the site.")
            % {"kind": question.get_kind_display()}
        )
        rows.append(
            [Button(_("Open the survey form"), url=_site(conversation, f"{item.pk}/survey/"))]
        )
        if question.required:
            lines.append(
                _(
                    "It needs an answer, so please answer the survey on the site. "
                    "Your answers here stay saved in this chat."
                )
            )
            return Reply("\n\n".join(lines), rows)
    elif kind == K.SINGLE:
        rows += [[Button(text, f"a:{index}")] for index, text in enumerate(options)]
    elif kind == K.MULTIPLE:
        picked = set(progress["picked"])
        rows += [
            [Button(("✅ " if index in picked else "☐ ") + text, f"t:{index}")]
            for index, text in enumerate(options)
        ]
        rows.append([Button(_("Done"), "a:done")])
        lines.append(_("Choose all that apply, then press «Done»."))
    elif kind == K.SCALE:
        low, high = question.minimum or 0, question.maximum or 0
        if 0 <= high - low < MAX_SCALE_BUTTONS:
            points = [Button(str(point), f"a:{point}") for point in range(low, high + 1)]
            rows += [points[start : start + 6] for start in range(0, len(points), 6)]
        else:
            lines.append(
                _("Type a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
            )
    elif kind == K.NUMBER:
        if question.minimum is not None and question.maximum is not None:
            lines.append(
                _("Type a number from %(low)d to %(high)d.")
                % {"low": question.minimum, "high": question.maximum}
            )
        else:
            lines.append(_("Type a number."))
    elif kind == K.DATE:
        lines.append(_("Type a date, for example %(day)s.") % {"day": "24.08.2026"})
        rows.append([Button(_("Today"), "a:today")])
    elif kind == K.SHORT:
        lines.append(
            _("Type your answer (at most %(max)d characters).") % {"max": survey.SHORT_MAX}
        )
    if not question.required:
        rows.append([Button(_("Skip"), "a:skip")])
    rows.append([Button(_("Save and finish later"), "a:later")])
    return Reply("\n\n".join(lines), rows, next_step=P + "answer")


def _confirm(conversation, item: Consultation, note: str = "") -> Reply:
    lines = [note] if note else []
    lines.append(
        _("That was the last question. Send your response? It cannot be changed afterwards.")
    )
    rows = [
        [Button(_("Send"), "a:send")],
        [Button(_("Start again"), "a:restart")],
        [Button(_("Save and finish later"), "a:later")],
    ]
    return Reply("\n\n".join(lines), rows, next_step=P + "answer")


def _typed_value(question: Question, message: Incoming):
    """Return the value a typed answer or a pressed button gives (not yet checked)."""
    data, text = message.data, " ".join(message.text.split())
    kind = question.kind
    if data.startswith("a:"):
        value = data[2:]
        if kind == K.DATE and value == "today":
            return timezone.localdate().isoformat()
        if value.lstrip("-").isdigit():
            return int(value)
        return None
    if not text:
        return None
    if kind == K.SINGLE:
        options = [" ".join(str(option).split()).lower() for option in question.options or []]
        if text.lower() in options:
            return options.index(text.lower())
        if text.isdigit() and 1 <= int(text) <= len(options):
            return int(text) - 1  # options are numbered from one for people
        return text
    if kind in (K.SCALE, K.NUMBER):
        return text.replace(",", ".").replace(" ", "")
    if kind == K.DATE:
        match = DAY.match(text)
        if match:
            day, month, year = (int(part) for part in match.groups())
            try:
                return date(year, month, day).isoformat()
            except ValueError:
                return text
        return text
    return message.text.strip()  # short text as typed


def _check(questions: list[Question], progress: dict, question: Question, value) -> str:
    """Return the site's error for this answer, or "" when it is right."""
    upto = [q for q in questions if q.position <= question.position]
    answers = {**_values(progress), question.position: value}
    try:
        survey.clean_answers(upto, answers)
    except ValidationFailed as error:
        problem = error.fields.get(str(question.position))
        if problem:
            return str(problem[0] if isinstance(problem, list) else problem)
    return ""


@private
def answer(conversation, message: Incoming) -> Reply:
    pk = conversation.data.get("survey")
    if not isinstance(pk, int):
        return start(conversation, message)
    item, refused = _open_survey(conversation, pk)
    if refused:
        return refused
    progress = _progress(conversation, pk)
    data = message.data
    if data == "a:later":
        return Reply(
            _("Your answers are saved. Open this survey again to go on."),
            [[Button(_("Back to the list"), "f:consultations.open")]],
        )
    if data == "a:restart":
        _drop_progress(conversation, pk)
        return begin(conversation, pk)
    questions = _questions(item)
    question = _next(questions, progress)
    if question is None:
        if data == "a:send":
            return _send(conversation, item, questions, progress)
        return _confirm(conversation, item)
    if data == "a:skip":
        if question.required:
            note = str(_("This question needs an answer."))
            return _ask(conversation, item, questions, question, progress, note)
        progress["skipped"].append(question.position)
        progress["picked"] = []
        return _ask_next(conversation, item, progress)
    if question.kind not in IN_CHAT:
        return _ask(conversation, item, questions, question, progress)
    if question.kind == K.MULTIPLE:
        kind, _sep, value = data.partition(":")
        if kind == "t" and value.isdigit():
            index = int(value)
            picked = progress["picked"]
            if index in picked:
                picked.remove(index)
            elif index < len(question.options or []):
                picked.append(index)
            return _ask(conversation, item, questions, question, progress)
        if data != "a:done":
            return _ask(conversation, item, questions, question, progress)
        value = sorted(progress["picked"])
        if not value:
            if question.required:
                note = str(_("This question needs an answer."))
                return _ask(conversation, item, questions, question, progress, note)
            progress["skipped"].append(question.position)
            return _ask_next(conversation, item, progress)
    else:
        value = _typed_value(question, message)
        if value is None:
            return _ask(conversation, item, questions, question, progress)
    problem = _check(questions, progress, question, value)
    if problem:
        return _ask(conversation, item, questions, question, progress, problem)
    progress["answers"][str(question.position)] = value
    progress["picked"] = []
    return _ask_next(conversation, item, progress)


def _send(conversation, item: Consultation, questions: list[Question], progress: dict) -> Reply:
    try:
        services.submit_response(
            consultation=item, resident=conversation.resident, answers=_values(progress)
        )
    except ValidationFailed as error:
        # The survey changed under the resident: ask again what is at fault.
        at_fault = {int(key) for key in error.fields if str(key).isdigit()}
        for position in at_fault:
            progress["answers"].pop(str(position), None)
            if position in progress["skipped"]:
                progress["skipped"].remove(position)
        problems = [str(text) for text in error.fields.values() if text]
        return _ask_next(conversation, item, progress, problems[0] if problems else str(error))
    _drop_progress(conversation, item.pk)
    conversation.data.pop("survey", None)
    rows = []
    if item.results_while_open:
        rows.append([Button(_("See the results"), url=_site(conversation, f"{item.pk}/results/"))])
    rows.append([Button(_("Back to the list"), "f:consultations.open")])
    return Reply(_("Thank you! Your response is counted."), rows)
