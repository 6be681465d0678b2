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


def test_every_module_with_text_has_a_catalogue():
    with_text = [path for path in OURS if any(path.glob("templates/**/*.html"))]
    assert set(with_text) <= set(APPS)


@pytest.mark.parametrize("app", APPS, ids=lambda path: path.name)
def test_ukrainian_catalogue_is_complete_and_current(app, tmp_path):
    """Regenerate the catalogue from the sources; nothing may stay untranslated."""
    catalogue = app / "locale" / "uk" / "LC_MESSAGES" / "django.po"
    saved = tmp_path / "django.po"
    shutil.copy(catalogue, saved)
    try:
        subprocess.run(
            [
                sys.executable,
                "-P",
                "-m",
                "hromada",
                "makemessages",
                "-l",
                "uk",
                "--no-obsolete",
                "--ignore",
                "migrations/*",
            ],
            cwd=app,
            env={
                **os.environ,
                "PYTHONPATH": str(settings.BASE_DIR),
                "DJANGO_SETTINGS_MODULE": "hromada.test_settings",
            },
            check=True,
            capture_output=True,
        )
        regenerated = polib.pofile(str(catalogue))
    finally:
        shutil.copy(saved, catalogue)
    untranslated = [entry.msgid for entry in regenerated if not entry.translated()]
    assert untranslated == []
