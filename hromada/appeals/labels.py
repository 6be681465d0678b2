"""Labels of the appeals' audit actions and details (gathered by core.labels)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hromada.appeals.selectors import TIMELINE

# The steps an appeal's timeline shows keep their labels in selectors; the
# rest are labelled here.
AUDIT_ACTIONS = {
    **TIMELINE,
    "appeal.supported": _("Supported: the same problem"),
    "appeal.open311_key_issued": _("Open311 key issued"),
    "appeal.open311_key_revoked": _("Open311 key revoked"),
    "appeal.categories_installed": _("Catalogue of categories installed"),
}

AUDIT_DETAILS = {
    "duplicate": pgettext_lazy("audit detail", "duplicate report"),
    "photos": pgettext_lazy("audit detail", "photos"),
    "supporters": pgettext_lazy("audit detail", "supporters"),
}


def attribute_answers(appeal) -> list[tuple[str, str]]:
    """
    Return (question, answer) pairs of the appeal's answers to its category's
    questions: the question's wording and the chosen item's name, not codes.
    """
    questions = {attribute.code: attribute for attribute in appeal.category.attributes.all()}
    pairs = []
    for code, value in (appeal.attributes or {}).items():
        attribute = questions.get(code)
        if attribute is None:
            pairs.append((code, _answer_text(value, {})))
            continue
        names = {str(item.get("key")): item.get("name", "") for item in attribute.values or []}
        pairs.append((attribute.description, _answer_text(value, names)))
    return pairs


def _answer_text(value, names: dict) -> str:
    values = value if isinstance(value, list) else [value]
    return ", ".join(str(names.get(str(item)) or item) for item in values)
