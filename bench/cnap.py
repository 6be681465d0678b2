"""
Benchmark the service centre's (ЦНАП) wait prediction.

Part 1, "Simulated day": seeded days of a centre (hromada.cnap.simulate) run
through the dispatch rules; at every walk-in or remote ticket the predictor
gets the snapshot of that moment and a service-time model fitted on a
previous simulated day of the same family (same desks and operators, other
visitors), never on the day itself. Its typical value (median) is compared
with the wait that ticket then had, pooled over the seeds, against two
baselines:

- Erlang C (M/M/c) for the whole centre, with the true arrival rate of that
  hour, the desks open at that moment and the mean service time overall;
- queue length: tickets for the same service waiting × the service's mean
  time ÷ the open desks that handle it.

Visitors who gave up before being called have no wait and are left out.
Besides the mean absolute errors it reports the share of predictions within
max(5 min, 25 %), the mean bias, how often the actual wait stayed under our
upper value (80th percentile), and the prediction's wall and CPU time (the
machine is shared: CPU time is the figure other work cannot distort).

Part 2 (operator console latency, board delay, double calls, lost events
over HTTP) comes with the module's views; its keys are null for now.

Environment: BENCH_SEEDS (5), BENCH_VISITORS (1150; the stress day has
1300 for 1150), BENCH_DESKS (26), BENCH_BOOKED (0.35), BENCH_PRIORITY
(0.08), BENCH_NO_SHOW (0.15), BENCH_RUNS (Monte-Carlo runs per estimate, the
predictor's default: 100).

Prints a table and, last, one JSON object.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time

import numpy as np

from hromada.cnap import predict
from hromada.cnap.simulate import DayLog, generate_day, run_day

SEEDS = int(os.environ.get("BENCH_SEEDS", "5"))
VISITORS = int(os.environ.get("BENCH_VISITORS", "1150"))
STRESS_VISITORS = round(VISITORS * 1300 / 1150)
DESKS = int(os.environ.get("BENCH_DESKS", "26"))
BOOKED = float(os.environ.get("BENCH_BOOKED", "0.35"))
PRIORITY = float(os.environ.get("BENCH_PRIORITY", "0.08"))
NO_SHOW = float(os.environ.get("BENCH_NO_SHOW", "0.15"))
RUNS = int(os.environ.get("BENCH_RUNS", str(predict.RUNS)))
# Erlang C has no steady state at or above full load; the baseline then
# uses this load instead.
ERLANG_MAX_LOAD = 0.99
TARGET_RATIO_ERLANG = 0.5
TARGET_RATIO_QUEUE_LENGTH = 0.8
TARGET_P95_MS = 100.0


def erlang_c_wait(arrivals_per_min: float, mean_service_min: float, servers: int) -> float:
    """Return the mean wait in queue (minutes) of an M/M/c queue."""
    if servers <= 0:
        return math.inf
    offered = arrivals_per_min * mean_service_min
    if offered <= 0:
        return 0.0
    offered = min(offered, ERLANG_MAX_LOAD * servers)
    # Erlang B by its stable recursion, then C from B.
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = offered * blocking / (k + offered * blocking)
    load = offered / servers
    waiting_probability = blocking / (1 - load + load * blocking)
    return waiting_probability * mean_service_min / (servers - offered)


def play(seed: int, visitors: int) -> tuple[DayLog, dict[str, list[float]]]:
    """Return a day's log and, per issued ticket that was called, the waits and estimates."""
    family = {
        "desks": DESKS,
        "booked": BOOKED,
        "priority": PRIORITY,
        "no_show": NO_SHOW,
        "visitors": visitors,
    }
    history = run_day(generate_day(seed, 0, **family))
    model = history.model()
    all_durations = [m for durations in history.durations_by_service.values() for m in durations]
    mean_overall = float(np.mean(all_durations))
    log = run_day(
        generate_day(seed, 1, **family),
        model=model,
        priority_rates=history.priority_rates(),
        runs=RUNS,
    )
    rows: dict[str, list[float]] = {
        k: [] for k in ("actual", "ours", "upper", "erlang", "queue_length", "ms", "cpu_ms")
    }
    for issue in log.issues:
        rows["ms"].append(issue.predict_ms)
        rows["cpu_ms"].append(issue.predict_cpu_ms)
        if issue.waited_min is None:
            continue
        arrivals = log.arrivals_by_hour.get(issue.issued_at.hour, 0) / 60
        rows["actual"].append(issue.waited_min)
        rows["ours"].append(issue.estimate.typical_min)
        rows["upper"].append(issue.estimate.upper_min)
        rows["erlang"].append(erlang_c_wait(arrivals, mean_overall, issue.open_desks))
        rows["queue_length"].append(
            issue.ahead_same_service
            * model.mean_minutes(issue.service_id)
            / max(issue.suitable_open_desks, 1)
        )
    return log, rows


def measure(visitors: int) -> dict[str, float]:
    """Play every seed's day and return the pooled figures."""
    pooled: dict[str, list[float]] = {}
    issued = gave_up = 0
    for seed in range(1, SEEDS + 1):
        log, rows = play(seed, visitors)
        issued += len(log.issues)
        gave_up += sum(1 for i in log.issues if i.waited_min is None)
        for key, values in rows.items():
            pooled.setdefault(key, []).extend(values)
    a = {k: np.asarray(v, dtype=float) for k, v in pooled.items()}
    actual = a["actual"]

    def mae(key: str) -> float:
        return float(np.mean(np.abs(a[key] - actual)))

    error = np.abs(a["ours"] - actual)
    return {
        "issued": issued,
        "scored": len(actual),
        "gave_up": gave_up,
        "mean_wait": float(actual.mean()),
        "p90_wait": float(np.percentile(actual, 90)),
        "mae_ours": mae("ours"),
        "mae_erlang": mae("erlang"),
        "mae_queue_length": mae("queue_length"),
        "within_band": float(np.mean(error <= np.maximum(5.0, 0.25 * actual))),
        "bias": float(np.mean(a["ours"] - actual)),
        "p80_coverage": float(np.mean(actual <= a["upper"])),
        "p95_ms": float(np.percentile(a["ms"], 95)),
        "cpu_p95_ms": float(np.percentile(a["cpu_ms"], 95)),
        "cpu_mean_ms": float(np.mean(a["cpu_ms"])),
    }


def main() -> int:
    """Print the benchmark table and, last, one JSON line of the key figures."""
    started, started_cpu = time.perf_counter(), time.process_time()
    normal = measure(VISITORS)
    stress = measure(STRESS_VISITORS)
    print(
        f"Simulated day: {SEEDS} seeds, {DESKS} desks, booked {BOOKED:.0%}, "
        f"priority {PRIORITY:.0%}, no-shows {NO_SHOW:.0%}, {RUNS} Monte-Carlo runs per estimate"
    )
    rows = [
        ("visitors per day", VISITORS, STRESS_VISITORS, "{:d}"),
        ("walk-in/remote tickets issued", normal["issued"], stress["issued"], "{:d}"),
        ("  called (scored) / gave up", None, None, None),
        ("actual wait: mean, min", normal["mean_wait"], stress["mean_wait"], "{:.1f}"),
        ("actual wait: 90th percentile, min", normal["p90_wait"], stress["p90_wait"], "{:.1f}"),
        ("MAE ours (median), min", normal["mae_ours"], stress["mae_ours"], "{:.2f}"),
        ("MAE Erlang C (M/M/c), min", normal["mae_erlang"], stress["mae_erlang"], "{:.2f}"),
        ("MAE queue length, min", normal["mae_queue_length"], stress["mae_queue_length"], "{:.2f}"),
        ("ours ÷ Erlang C (target ≤ 0.5)", None, None, "ratio_erlang"),
        ("ours ÷ queue length (target ≤ 0.8)", None, None, "ratio_queue_length"),
        ("within max(5 min, 25 %)", normal["within_band"], stress["within_band"], "{:.1%}"),
        ("bias (predicted − actual), min", normal["bias"], stress["bias"], "{:+.2f}"),
        ("actual ≤ our upper value (80th pct)", normal["p80_coverage"], stress["p80_coverage"], "{:.1%}"),
        ("prediction wall time p95, ms", normal["p95_ms"], stress["p95_ms"], "{:.1f}"),
        ("prediction CPU time p95, ms", normal["cpu_p95_ms"], stress["cpu_p95_ms"], "{:.1f}"),
        ("prediction CPU time mean, ms", normal["cpu_mean_ms"], stress["cpu_mean_ms"], "{:.1f}"),
    ]  # fmt: skip
    for day in (normal, stress):
        day["ratio_erlang"] = day["mae_ours"] / day["mae_erlang"]
        day["ratio_queue_length"] = day["mae_ours"] / day["mae_queue_length"]
    width = max(len(label) for label, *_ in rows)
    print(f"{'measure'.ljust(width)}  {'normal':>10}  {'stress':>10}")
    for label, first, second, fmt in rows:
        if fmt is None:
            cells = [f"{d['scored']} / {d['gave_up']}" for d in (normal, stress)]
        elif first is None:
            cells = [f"{d[fmt]:.2f}" for d in (normal, stress)]
        else:
            cells = [fmt.format(first), fmt.format(second)]
        print(f"{label.ljust(width)}  {cells[0]:>10}  {cells[1]:>10}")
    print(
        f"{'part 2 (console, board, over HTTP)'.ljust(width)}  "
        f"{'not yet: comes with the module views':>22}"
    )
    met = (
        normal["ratio_erlang"] <= TARGET_RATIO_ERLANG
        and normal["ratio_queue_length"] <= TARGET_RATIO_QUEUE_LENGTH
        and stress["ratio_erlang"] <= TARGET_RATIO_ERLANG
        and stress["ratio_queue_length"] <= TARGET_RATIO_QUEUE_LENGTH
        and max(normal["cpu_p95_ms"], stress["cpu_p95_ms"]) <= TARGET_P95_MS
    )
    print(f"{'machine load average (1 min) at the end'.ljust(width)}  {os.getloadavg()[0]:10.1f}")
    # The time target is checked on CPU time: wall time on a shared machine
    # measures the others' load as much as the predictor.
    print(f"{'targets met (time on CPU p95)'.ljust(width)}  {'yes' if met else 'NO':>10}")
    print(
        f"{'benchmark wall / CPU, s'.ljust(width)}  "
        f"{time.perf_counter() - started:10.1f}  {time.process_time() - started_cpu:10.1f}"
    )
    summary = {
        "mae_ours_min": round(normal["mae_ours"], 3),
        "mae_erlang_min": round(normal["mae_erlang"], 3),
        "mae_queue_length_min": round(normal["mae_queue_length"], 3),
        "mae_ratio_erlang": round(normal["ratio_erlang"], 3),
        "mae_ratio_queue_length": round(normal["ratio_queue_length"], 3),
        "stress_mae_ratio_erlang": round(stress["ratio_erlang"], 3),
        "stress_mae_ratio_queue_length": round(stress["ratio_queue_length"], 3),
        "within_band": round(normal["within_band"], 3),
        "bias_min": round(normal["bias"], 3),
        "p80_coverage": round(normal["p80_coverage"], 3),
        "predict_p95_ms": round(max(normal["p95_ms"], stress["p95_ms"]), 1),
        "predict_cpu_p95_ms": round(max(normal["cpu_p95_ms"], stress["cpu_p95_ms"]), 1),
        "predict_cpu_mean_ms": round(normal["cpu_mean_ms"], 2),
        # Part 2 measures the operator console and the board over HTTP.
        "op_p99_ms": None,
        "board_delay_p99_ms": None,
        "double_calls": None,
        "lost_events": None,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
