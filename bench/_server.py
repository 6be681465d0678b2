"""The gunicorn command line the benchmarks share: the one docs/deploy.md prescribes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# 2 × cores + 2 single-threaded sync workers, one listening socket they share.
WORKERS = 6
THREADS = 1


def gunicorn_command(
    bind: str, *, workers: int = WORKERS, threads: int = THREADS, worker_class: str = ""
) -> list[str]:
    """
    Return the command that serves hromada.wsgi on `bind` as production does.

    BENCH_WORKER_CLASS=gthread (or threads above 1) measures the threaded
    worker instead, each worker with its own listening socket.
    """
    worker_class = worker_class or os.environ.get("BENCH_WORKER_CLASS", "")
    worker_class = worker_class or ("gthread" if threads > 1 else "sync")
    command = [sys.executable, "-m", "gunicorn", "hromada.wsgi", "--bind", bind]
    command += ["--worker-class", worker_class, "--workers", str(workers)]
    # The workers' heartbeat file in memory, as production images do.
    command += ["--worker-tmp-dir", "/dev/shm", "--log-level", "warning"]
    if worker_class == "sync":
        # As docs/deploy.md: a request may take as long as nginx waits for it.
        command += ["--timeout", "60"]
    else:
        command += ["--threads", str(threads), "--keep-alive", "30", "--reuse-port"]
    return command


# CPU each party spends, from /proc: on a shared machine the figure that other
# work cannot distort (wall-clock rates and latencies can only be noisier).
TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """Return the CPU seconds (user + system) a process has used, 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def tree_cpu(pid: int) -> float:
    """Return the CPU seconds of a process and its children (gunicorn and its workers)."""
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            pids += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return sum(process_cpu(each) for each in pids)


def database_cpu(admin_url: str, database: str) -> dict[int, float]:
    """Return {backend pid: CPU seconds} of the PostgreSQL backends serving `database`."""
    output = subprocess.run(
        [
            "psql",
            admin_url,
            "-Atc",
            f"SELECT pid FROM pg_stat_activity WHERE datname = '{database}'",
        ],
        capture_output=True,
        check=True,
    )
    return {int(pid): process_cpu(int(pid)) for pid in output.stdout.decode().split()}


def database_cpu_spent(before: dict[int, float], after: dict[int, float]) -> float:
    """Return the backends' CPU seconds between two `database_cpu` readings."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
