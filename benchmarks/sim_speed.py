"""Simulator speed, as wall-clock rates compared with a bare SimPy floor.

Prints one JSON object.  Every rate is compared, within the same run, with
``simpy_pingpong_per_s``: two bare SimPy processes bouncing a token through
two ``simpy.Store`` objects.  Shared machines are noisy, so the ratios are
what the targets are about, and each is the median of ``--repeat`` pairs,
the floor measured just before the workload in each pair (a load that comes
and goes then moves both); the rates are the best of the runs.

``build`` says which simuring ran: ``compiled, mypyc`` or ``pure Python``
(docs/speed.md; ``SIMURING_PURE=1`` runs the sources of a compiled install).
The targets (issue 14, ``targets`` in the output, with ``meets``) depend on it:

* pure Python: no ratio more than 10% below the figures before the compiled
  build (nop 0.8, pipe 0.07, unicast 0.14, broadcast-16 0.012);
* compiled: ``nop_ratio`` >= 1.2, ``pipe_ratio`` >= 0.2,
  ``ipc_unicast_ratio`` >= 0.4, ``ipc_bcast16_ratio`` >= 0.035.

``--memory`` also runs 100k and 1M NOPs in fresh processes and reports the
peak-RSS growth (target < 50 MB with tracing off).

Ceilings.  Every workload is built from the same generic request path, so
the benchmark also measures what that path costs and what it allows:

* ``enter_us`` and ``request_us``: wall-clock cost of one io_uring_enter and
  of one request (get_sqe, prep, init, inline issue, CQE post, reap), solved
  from NOP round trips submitted 1 and 16 per enter;
* for each workload, ``*_enters_per_op`` and ``*_requests_per_op`` (counted
  from the user tasks' statistics), and ``*_ratio_ceiling``: the ratio the
  workload would reach if everything beyond those entries and requests (the
  object or IPC logic, poll, wake-ups, sleeps, io-wq) cost nothing.  A target
  above its ceiling cannot be met without making the generic path itself
  faster.

    python benchmarks/sim_speed.py [--quick] [--memory] [--repeat N]

Run it from outside the source tree, or as a script (``python
benchmarks/sim_speed.py``), so that an installed compiled simuring is the
one imported: ``python -m`` from the tree would import its ``simuring/``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import simpy

import simuring

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

#: issue 14: the minimum of each ratio, per build
TARGETS = {
    "pure": {"nop_ratio": 0.8 * 0.9, "pipe_ratio": 0.07 * 0.9, "ipc_unicast_ratio": 0.14 * 0.9, "ipc_bcast16_ratio": 0.012 * 0.9},
    "compiled": {"nop_ratio": 1.2, "pipe_ratio": 0.2, "ipc_unicast_ratio": 0.4, "ipc_bcast16_ratio": 0.035},
}


def paired(fn: Callable[[int], Any], n: int, floor_n: int, repeats: int) -> tuple[float, float, float]:
    """(median of the paired ratios, best rate of ``fn``, best floor rate): each
    of ``repeats`` pairs measures the floor, then ``fn``."""
    ratios, best, best_floor = [], 0.0, 0.0
    for _ in range(repeats):
        floor = best_rate(simpy_pingpong, floor_n, 1)
        rate = best_rate(fn, n, 1)
        ratios.append(rate / floor)
        best, best_floor = max(best, rate), max(best_floor, floor)
    return statistics.median(ratios), best, best_floor


def best_rate(fn: Callable[[int], Any], n: int, repeats: int = 3) -> float:
    """Operations per second of ``fn(n)``, best of ``repeats`` (the least disturbed run)."""
    best = 0.0
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(n)
        dt = time.perf_counter() - t0
        best = max(best, n / dt)
    return best


def entries_and_requests(result: Any, n: int) -> tuple[float, float]:
    """io_uring_enter calls and SQEs of the user tasks, per operation."""
    enters = sqes = 0
    for t in result.tasks:
        if t.kthread:
            continue
        enters += t.stats["syscalls"].get("io_uring_enter", 0)
        sqes += sum(t.stats["sqes"].values())
    return enters / n, sqes / n


def simpy_pingpong(n: int) -> None:
    env = simpy.Environment()
    ping, pong = simpy.Store(env), simpy.Store(env)

    def a():
        for i in range(n):
            yield ping.put(i)
            yield pong.get()

    def b():
        for _ in range(n):
            v = yield ping.get()
            yield pong.put(v)

    env.process(a())
    env.process(b())
    env.run()


def nop_roundtrips(n: int, batch: int = 1) -> None:
    from simuring import Simulation
    from simuring.liburing import (
        Cqe,
        Ring,
        io_uring_cqe_seen,
        io_uring_get_sqe,
        io_uring_prep_nop,
        io_uring_queue_exit,
        io_uring_queue_init,
        io_uring_submit_and_wait,
        io_uring_wait_cqe,
    )

    def task():
        ring, cqe = Ring(), Cqe()
        yield from io_uring_queue_init(64, ring, 0)
        for _ in range(n // batch):
            for _ in range(batch):
                io_uring_prep_nop(io_uring_get_sqe(ring))
            yield from io_uring_submit_and_wait(ring, batch)
            for _ in range(batch):
                yield from io_uring_wait_cqe(ring, cqe)
                io_uring_cqe_seen(ring, cqe[0])
        yield from io_uring_queue_exit(ring)

    sim = Simulation(seed=1)
    sim.spawn(task, cpu=0)
    sim.run()


OPTIONAL = [
    # (result key, module in benchmarks/, function, ops for --quick / full, ratio key)
    ("pipe_pingpong_per_s", "pipe_pingpong", "pipe_pingpong", (2_000, 20_000), "pipe_ratio"),
    ("ipc_unicast_msgs_per_s", "ipc_speed", "ipc_unicast", (2_000, 20_000), "ipc_unicast_ratio"),
    ("ipc_bcast16_msgs_per_s", "ipc_speed", "ipc_bcast16", (200, 2_000), "ipc_bcast16_ratio"),
]


def peak_rss_mb(n: int) -> float:
    code = (
        f"import resource, sys; sys.path.insert(0, {str(HERE)!r}); import sim_speed; sim_speed.nop_roundtrips({n}); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=HERE)
    return float(out.stdout.strip())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer operations (a smoke run)")
    ap.add_argument("--memory", action="store_true", help="also measure peak RSS at 100k and 1M NOPs")
    ap.add_argument("--repeat", type=int, default=3, help="floor-then-workload pairs per workload (default 3)")
    args = ap.parse_args()
    small = args.quick
    n = 5_000 if small else 50_000
    build = simuring.__build__
    report: dict[str, float | str | dict[str, Any]] = {"build": build}
    ratio, best, floor = paired(nop_roundtrips, n, n, args.repeat)
    report["simpy_pingpong_per_s"] = round(floor)
    report["nop_roundtrips_per_s"] = round(best)
    report["nop_ratio"] = round(ratio, 3)
    report["ratio"] = report["nop_ratio"]
    # the generic path: t(batch) = enter / batch + request, per NOP
    batch = 16
    per_nop_1 = 1e6 / best
    per_nop_16 = 1e6 / best_rate(lambda k: nop_roundtrips(k, batch), n)
    enter_us = max(0.0, (per_nop_1 - per_nop_16) * batch / (batch - 1))
    request_us = max(0.0, per_nop_1 - enter_us)
    report["enter_us"] = round(enter_us, 3)
    report["request_us"] = round(request_us, 3)
    floor_us = 1e6 / floor
    for key, module, func, sizes, ratio_key in OPTIONAL:
        try:
            fn = getattr(importlib.import_module(module), func)
        except (ImportError, AttributeError):
            report[key] = "not available"
            continue
        ops = sizes[0] if small else sizes[1]
        ratio, rate, _ = paired(fn, ops, n, args.repeat)
        report[key] = round(rate)
        report[ratio_key] = round(ratio, 3)
        enters, requests = entries_and_requests(fn(sizes[0]), sizes[0])
        stem = ratio_key.removesuffix("_ratio")
        report[f"{stem}_enters_per_op"] = round(enters, 2)
        report[f"{stem}_requests_per_op"] = round(requests, 2)
        generic_us = enters * enter_us + requests * request_us
        report[f"{stem}_ratio_ceiling"] = round(floor_us / generic_us, 3) if generic_us else "n/a"
    targets = TARGETS["compiled" if build.startswith("compiled") else "pure"]
    report["targets"] = {
        key: {"min": round(low, 4), "meets": isinstance(report.get(key), float) and report[key] >= low}  # type: ignore[operator]
        for key, low in targets.items()
    }
    if args.memory:
        small_mb = peak_rss_mb(100_000)
        big_mb = peak_rss_mb(1_000_000)
        report["peak_rss_100k_nops_mb"] = round(small_mb, 1)
        report["peak_rss_1m_nops_mb"] = round(big_mb, 1)
        report["peak_rss_growth_mb"] = round(big_mb - small_mb, 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
