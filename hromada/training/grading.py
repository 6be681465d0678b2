"""
Questions as pages see them, answers as people give them, and their credit.

`public_question` is the only way a question reaches a page or the API: it
whitelists the text and the options (shuffled by the attempt's seed) and
never carries the right answer. `parse_response` turns submitted form or
JSON values into a stored answer, refusing what the question cannot hold;
`credit` gives 0..1 for a stored answer.
"""

from __future__ import annotations

import math
import random
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_TEXT = 200
CHOICE_KINDS = ("single", "multiple")


def _rng(seed: int, question_id: int) -> random.Random:
    # One generator per question: the same attempt shows the same order.
    return random.Random(seed * 1_000_003 + question_id)  # noqa: S311 - not for secrets


def _ids(items) -> list[str]:
    return [str(item.get("id")) for item in items if isinstance(item, dict)]


def check_question_data(kind: str, data) -> None:
    """Raise ValidationError when `data` does not fit the question type."""
    error = ValidationError(_("The options and answer do not fit the question type."))
    if not isinstance(data, dict):
        raise error
    if kind in CHOICE_KINDS:
        options, correct = data.get("options"), data.get("correct")
        if not isinstance(options, list) or len(options) < 2 or not isinstance(correct, list):
            raise error
        ids = _ids(options)
        if len(set(ids)) != len(options) or not correct or not set(correct) <= set(ids):
            raise error
        if kind == "single" and len(correct) != 1:
            raise error
    elif kind == "true_false":
        if not isinstance(data.get("correct"), bool):
            raise error
    elif kind == "matching":
        left, right, correct = data.get("left"), data.get("right"), data.get("correct")
        if not isinstance(left, list) or not isinstance(right, list) or len(left) < 2:
            raise error
        if not isinstance(correct, dict) or set(correct) != set(_ids(left)):
            raise error
        if not set(correct.values()) <= set(_ids(right)):
            raise error
    elif kind == "ordering":
        items = data.get("items")
        if not isinstance(items, list) or len(items) < 2 or len(set(_ids(items))) != len(items):
            raise error
    elif kind == "short":
        variants = data.get("variants")
        if (
            not isinstance(variants, list)
            or not variants
            or not all(isinstance(v, str) and v.strip() for v in variants)
        ):
            raise error
    elif kind == "numeric":
        value, tolerance = data.get("value"), data.get("tolerance", 0)
        if not _finite(value) or not _finite(tolerance) or tolerance < 0:
            raise error
    else:
        raise error


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _shuffled(items, rng: random.Random) -> list[dict]:
    shown = [{"id": str(item["id"]), "text": str(item["text"])} for item in items]
    rng.shuffle(shown)
    return shown


def public_question(question, seed: int) -> dict:
    """Return what a person taking the test may see of a question: no right answer."""
    rng = _rng(seed, question.pk)
    data = question.data
    shown = {"id": question.pk, "kind": question.kind, "text": question.text}
    if question.kind in CHOICE_KINDS:
        shown["options"] = _shuffled(data["options"], rng)
    elif question.kind == "true_false":
        shown["options"] = [
            {"id": "true", "text": str(_("True"))},
            {"id": "false", "text": str(_("False"))},
        ]
    elif question.kind == "matching":
        shown["left"] = _shuffled(data["left"], rng)
        shown["right"] = _shuffled(data["right"], rng)
    elif question.kind == "ordering":
        shown["items"] = _shuffled(data["items"], rng)
    return shown


class BadAnswer(ValueError):
    """The submitted value cannot be an answer to this question."""


def _text(value) -> str:
    if not isinstance(value, str) or "\x00" in value or len(value) > MAX_TEXT:
        raise BadAnswer
    return value


def parse_response(question, raw) -> dict:
    """
    Return the answer to store for `raw` (a list of strings from a form, or a
    JSON value), or raise BadAnswer. Ids not among the question's options are
    refused, so nothing foreign is stored.
    """
    data, kind = question.data, question.kind
    if isinstance(raw, list) and kind not in ("multiple", "ordering", "matching"):
        raw = raw[0] if len(raw) == 1 else None
    if kind in CHOICE_KINDS:
        chosen = raw if isinstance(raw, list) else [raw]
        chosen = [_text(item) for item in chosen]
        known = set(_ids(data["options"]))
        if not set(chosen) <= known or (kind == "single" and len(chosen) != 1):
            raise BadAnswer
        return {"chosen": sorted(set(chosen))}
    if kind == "true_false":
        if raw in (True, "true"):
            return {"value": True}
        if raw in (False, "false"):
            return {"value": False}
        raise BadAnswer
    if kind == "matching":
        if not isinstance(raw, dict):
            raise BadAnswer
        left, right = set(_ids(data["left"])), set(_ids(data["right"]))
        pairs = {_text(k): _text(v) for k, v in raw.items() if v not in ("", None)}
        if not set(pairs) <= left or not set(pairs.values()) <= right:
            raise BadAnswer
        return {"pairs": pairs}
    if kind == "ordering":
        order = raw if isinstance(raw, list) else None
        if order is None:
            raise BadAnswer
        order = [_text(item) for item in order]
        if sorted(order) != sorted(_ids(data["items"])):
            raise BadAnswer
        return {"order": order}
    if kind == "short":
        return {"text": _text(raw).strip()}
    if kind == "numeric":
        if isinstance(raw, bool):
            raise BadAnswer
        try:
            number = (
                float(_text(raw).replace(",", ".").strip()) if isinstance(raw, str) else float(raw)
            )
        except (TypeError, ValueError):
            raise BadAnswer from None
        if not math.isfinite(number):
            raise BadAnswer
        return {"number": number}
    raise BadAnswer


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().replace("’", "'").replace("ʼ", "'")
    return " ".join(text.split())


def credit(question, response: dict | None) -> float:
    """Return the share of the question's point an answer earns (0..1)."""
    if not response:
        return 0.0
    data, kind = question.data, question.kind
    if kind == "single":
        return 1.0 if response.get("chosen") == sorted(data["correct"]) else 0.0
    if kind == "multiple":
        # Moodle's way: each right choice earns its share, each wrong one costs one.
        right, chosen = set(data["correct"]), set(response.get("chosen", []))
        score = (len(chosen & right) - len(chosen - right)) / len(right)
        return max(0.0, min(1.0, score))
    if kind == "true_false":
        return 1.0 if response.get("value") is data["correct"] else 0.0
    if kind == "matching":
        pairs = response.get("pairs", {})
        correct = data["correct"]
        return sum(1 for k, v in correct.items() if pairs.get(k) == v) / len(correct)
    if kind == "ordering":
        return 1.0 if response.get("order") == _ids(data["items"]) else 0.0
    if kind == "short":
        given = _normal(response.get("text", ""))
        return 1.0 if given and given in {_normal(v) for v in data["variants"]} else 0.0
    if kind == "numeric":
        number = response.get("number")
        if number is None:
            return 0.0
        return 1.0 if abs(number - data["value"]) <= data.get("tolerance", 0) + 1e-9 else 0.0
    return 0.0


def right_answer(question) -> str:
    """Return the right answer as text, for the page after submission."""
    data, kind = question.data, question.kind
    if kind in CHOICE_KINDS:
        texts = {str(o["id"]): o["text"] for o in data["options"]}
        return "; ".join(texts[c] for c in data["correct"])
    if kind == "true_false":
        return str(_("True") if data["correct"] else _("False"))
    if kind == "matching":
        left = {str(o["id"]): o["text"] for o in data["left"]}
        right = {str(o["id"]): o["text"] for o in data["right"]}
        return "; ".join(f"{left[k]} — {right[v]}" for k, v in data["correct"].items())
    if kind == "ordering":
        return " → ".join(item["text"] for item in data["items"])
    if kind == "short":
        return " / ".join(data["variants"])
    if kind == "numeric":
        tolerance = data.get("tolerance", 0)
        return f"{data['value']}" + (f" ± {tolerance}" if tolerance else "")
    return ""
