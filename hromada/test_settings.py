"""Settings for the test suite: the project's settings with tasks run in-line."""

import os
import tempfile

os.environ.setdefault("HROMADA_TESTING", "1")
os.environ.setdefault("HROMADA_VAR_DIR", tempfile.mkdtemp(prefix="hromada-test-"))

from hromada.settings import *  # noqa: E402, F403
