"""
Every model and field of our modules has a name of its own, translated.

Without `verbose_name` Django names a field after its attribute ("is open")
and a model after its class ("appeal counter"), and the back office shows that
English on a Ukrainian page. A name counts as given when it goes through
gettext: comparing it with the attribute ("name" → "name") cannot tell, since
`_("name")` is a fine name that equals its attribute.
"""

from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.utils import translation
from django.utils.functional import Promise

MODULES = [config for config in apps.get_app_configs() if config.name.startswith("hromada.")]

# Names still missing in modules others are changing. strict: once one is
# given, its entry here fails the test until it is taken out, so the list
# only ever shrinks and a new field without a name always fails.
PENDING_CORE: set[str] = set()
PENDING = PENDING_CORE

# Names whose Ukrainian another module's catalogue overrides with its own word
# for the same English: Django merges the catalogues and the first app wins.
CLASHES = {
    # core: _("settlement") is both Settlement's name and the kind "селище".
    "budget.Category.settlement",
    "budget.Project.settlement",
    # core: _("channel") of notifications, "канал"; the budget says "спосіб".
    "budget.Ballot.channel",
    # core: _("open") of support points, "працює"; a desk is "відкрите".
    "cnap.Desk.is_open",
}


def named_fields(model):
    """Return the fields the back office may show: not the id or reverse relations."""
    return [
        field
        for field in model._meta.get_fields()
        if not field.auto_created and (field.concrete or field.many_to_many)
    ]


def names() -> list[tuple[str, object]]:
    """Return (key, model or field) for every model and field of our modules."""
    found = []
    for config in MODULES:
        for model in config.get_models():
            found.append((model._meta.label, model))
            found += [(f"{model._meta.label}.{field.name}", field) for field in named_fields(model)]
    return found


NAMES = names()


def cases(keys_known: set, reason: str):
    for key, thing in NAMES:
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if key in keys_known else []
        yield pytest.param(thing, id=key, marks=marks)


def in_both_languages(text) -> tuple[str, str]:
    with translation.override("en"):
        english = str(text)
    with translation.override("uk"):
        ukrainian = str(text)
    return english, ukrainian


def ukrainian_catalogue() -> set:
    """Return the msgids of the merged Ukrainian catalogue (all apps, Django's too)."""
    return set(translation.trans_real.translation("uk")._catalog.keys())


def problems_of(text) -> list[str]:
    """Return what is wrong with a verbose name: not given through gettext, not translated."""
    if not isinstance(text, Promise):
        return [f"{text!r} is not given through gettext"]
    english, ukrainian = in_both_languages(text)
    if ukrainian == english and english not in ukrainian_catalogue():
        return [f"{english!r} has no Ukrainian translation"]
    return []


@pytest.mark.parametrize(
    "thing", cases(PENDING, "its module's catalogue and migration are not done yet")
)
def test_every_model_and_field_is_named_in_ukrainian(thing):
    if isinstance(thing, type):
        opts = thing._meta
        given = [
            key for key in ("verbose_name", "verbose_name_plural") if key in opts.original_attrs
        ]
        assert given == ["verbose_name", "verbose_name_plural"]
        problems = problems_of(opts.verbose_name) + problems_of(opts.verbose_name_plural)
    else:
        problems = problems_of(thing.verbose_name)
    assert problems == []


def own_translations(label: str) -> dict[str, str]:
    """Return the Ukrainian of the module's own catalogue, without context entries."""
    path = Path(apps.get_app_config(label).path) / "locale" / "uk" / "LC_MESSAGES" / "django.po"
    if not path.exists():
        return {}
    catalogue = polib.pofile(str(path))
    in_context = {entry.msgid for entry in catalogue if entry.msgctxt}
    return {
        entry.msgid: entry.msgstr
        for entry in catalogue
        if not entry.msgctxt and not entry.msgid_plural and entry.msgid not in in_context
    }


@pytest.mark.parametrize(
    "thing", cases(CLASHES, "another module's catalogue gives the same English another word")
)
def test_a_module_shows_its_own_ukrainian(thing):
    """The name reads as the module's catalogue says, not as another module's does."""
    if isinstance(thing, type) or not isinstance(thing.verbose_name, Promise):
        return
    own = own_translations(thing.model._meta.app_label)
    english, ukrainian = in_both_languages(thing.verbose_name)
    if english in own:
        assert ukrainian == own[english]


def test_a_name_without_gettext_is_caught():
    """The check tells a default name and an untranslated one from a given one."""
    is_open = next(
        f for f in named_fields(apps.get_model("appeals", "Appeal")) if f.name == "is_open"
    )
    assert problems_of(is_open.verbose_name) == []
    assert problems_of("is open") == ["'is open' is not given through gettext"]
    assert problems_of(translation.gettext_lazy("no such text, nowhere")) == [
        "'no such text, nowhere' has no Ukrainian translation"
    ]


def test_the_pending_lists_name_real_fields():
    """An entry for a field that was renamed or removed would hide nothing; it must go."""
    keys = {key for key, _ in NAMES}
    assert (PENDING | CLASHES) - keys == set()
