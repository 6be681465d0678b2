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


def test_the_loaded_application_is_kept_out_of_the_collectors_walks(tmp_path):
    env = dict(os.environ, HROMADA_VAR_DIR=str(tmp_path), PYTHONPATH=str(ROOT))
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", CHECK], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) > 10_000
