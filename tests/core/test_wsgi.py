"""The WSGI entry point gunicorn loads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import gc
from hromada.wsgi import application
assert callable(application)
print(gc.get_freeze_count())
"""


def _load(code: str, tmp_path) -> str:
    """Run `code` in a fresh interpreter as gunicorn loads the application; return its output."""
    env = dict(os.environ, HROMADA_VAR_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_loaded_application_is_kept_out_of_the_collectors_walks(tmp_path):
    assert int(_load(CHECK, tmp_path)) > 10_000


WARM = """
import sys
from django.db import connections
from hromada.wsgi import application
from django.urls import get_resolver
# The modules' views are imported and the URL tables built before any request,
assert "hromada.petitions.views" in sys.modules and "hromada.cnap.views" in sys.modules
assert get_resolver()._reverse_dict
# and no connection was opened (the module may be loaded before a fork).
assert all(connection.connection is None for connection in connections.all())
print("ok")
"""


def test_the_loaded_application_has_its_views_and_no_connection(tmp_path):
    assert _load(WARM, tmp_path) == "ok"
