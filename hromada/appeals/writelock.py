"""
One writer at a time on SQLite, without SQLite's sleeping.

SQLite lets one connection write at a time; the others retry under its
busy handler, which sleeps 1, 2, 5, 10… up to 100 ms between tries. Under a
burst of registrations from several worker processes most of the time goes
to those sleeps. Holding an OS file lock around the short write transaction
queues the writers instead: the next one starts the moment the lock is
released. PostgreSQL needs none of this, and in-memory test databases are
left alone.
"""

from __future__ import annotations

import contextlib
import fcntl
import os

from django.db import connection

_handles: dict[str, int] = {}


def _lock_path() -> str | None:
    if connection.vendor != "sqlite":
        return None
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or "mode=memory" in name or name.startswith("file:"):
        return None
    return name + ".write-lock"


@contextlib.contextmanager
def sqlite_writer():
    """Hold the process-wide write lock of the SQLite file while the block runs."""
    path = _lock_path()
    if path is None or connection.in_atomic_block:
        # Inside an outer transaction the database lock is already ours (or will be).
        yield
        return
    handle = _handles.get(path)
    if handle is None:
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        _handles[path] = handle
    fcntl.flock(handle, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
