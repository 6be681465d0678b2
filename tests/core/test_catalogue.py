"""The Ukrainian catalogue is complete: every source string has a translation."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.conf import settings

OURS = sorted(
    Path(config.path) for config in apps.get_app_configs() if config.name.startswith("hromada.")
)
APPS = [path for path in OURS if (path / "locale").is_dir()]

# Only what makemessages reads (Python, templates, the catalogues) is copied:
# static files and migrations carry no strings of the "django" domain.
NOT_COPIED = shutil.ignore_patterns("static", "migrations", "__pycache__", "*.mo")


def test_every_module_with_text_has_a_catalogue():
    with_text = [path for path in OURS if any(path.glob("templates/**/*.html"))]
    assert set(with_text) <= set(APPS)


def regenerated_catalogue(app: Path, tmp_path: Path) -> Path:
    """Return the app's Ukrainian catalogue regenerated from a copy of its sources."""
    # makemessages rewrites the catalogue it finds; it runs on a copy, so the
    # repository's catalogues (which others may be editing) are never written.
    copy = tmp_path / app.name
    shutil.copytree(app, copy, ignore=NOT_COPIED)
    subprocess.run(
        [sys.executable, "-P", "-m", "hromada", "makemessages", "-l", "uk", "--no-obsolete"],
        cwd=copy,
        env={
            **os.environ,
            "PYTHONPATH": str(settings.BASE_DIR),
            "DJANGO_SETTINGS_MODULE": "hromada.test_settings",
        },
        check=True,
        capture_output=True,
    )
    return copy / "locale" / "uk" / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("app", APPS, ids=lambda path: path.name)
def test_ukrainian_catalogue_is_complete_and_current(app, tmp_path):
    """Regenerate the catalogue from the sources; nothing may stay untranslated."""
    regenerated = polib.pofile(str(regenerated_catalogue(app, tmp_path)))
    untranslated = [entry.msgid for entry in regenerated if not entry.translated()]
    assert untranslated == []


def test_regenerating_writes_the_copy_not_the_repository(tmp_path):
    """The check rewrites its own copy of a catalogue; the repository's stays as it was."""
    app = next(path for path in APPS if path.name == "api")
    original = app / "locale" / "uk" / "LC_MESSAGES" / "django.po"
    before = original.read_bytes()
    regenerated = regenerated_catalogue(app, tmp_path)
    assert regenerated.is_relative_to(tmp_path)
    # makemessages stamps a new creation date: the copy was really rewritten.
    assert regenerated.read_bytes() != before
    assert original.read_bytes() == before
