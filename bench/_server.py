"""The gunicorn command line the benchmarks share: the one docs/deploy.md prescribes."""

from __future__ import annotations

import sys

# Cores + 1 workers with two threads each, a listening socket per worker.
WORKERS = 3
THREADS = 2


def gunicorn_command(
    bind: str, *, workers: int = WORKERS, threads: int = THREADS, worker_class: str = "gthread"
) -> list[str]:
    """Return the command that serves hromada.wsgi on `bind` as production does."""
    command = [sys.executable, "-m", "gunicorn", "hromada.wsgi", "--bind", bind]
    command += ["--worker-class", worker_class, "--workers", str(workers)]
    if worker_class == "gthread":
        command += ["--threads", str(threads)]
    # The workers' heartbeat file in memory, as production images do.
    command += ["--worker-tmp-dir", "/dev/shm", "--keep-alive", "30", "--log-level", "warning"]
    # A listening socket per worker: the kernel spreads connections evenly
    # instead of letting the first awake worker take most of them.
    command.append("--reuse-port")
    return command
