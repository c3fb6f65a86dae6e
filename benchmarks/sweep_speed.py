"""A sweep of 40 points of the bundled IPC workloads, one after another and on every local core.

Issue 12's target: the parallel sweep at least 1.8x faster than the same
points run one after another, on this 2-core machine.  Both runs are the
command a user types (``simuring sweep``, a fresh process each, ``-j 1`` then
``-j N`` for the N cores this process may use), into fresh files; the rows
of the two must be the same bytes.  Prints JSON: both wall times of each pair, each pair's ratio, the
speed-up (their median), the target and whether it is met, the CPU count and the load
average before the runs.

    python benchmarks/sweep_speed.py [--repeat N] [--messages M]

Each point runs with the workload's defaults but for its receivers, message
size and seed; the wall times include starting the command (about 0.5 s of
imports, paid by both runs).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORKLOAD = Path(__file__).resolve().parents[1] / "workloads" / "ipc_broadcast.py"
#: 5 receiver counts x 2 sizes x 4 seeds = 40 points
GRID = ["-p", "receivers=1,2,4,8,16", "-p", "msg_size=64,4096", "--seeds", "4"]
TARGET = 1.8


def timed_sweep(out: Path, jobs: int, messages: int) -> float:
    size = ["-p", f"messages={messages}"] if messages else []
    cmd = [sys.executable, "-m", "simuring", "sweep", str(WORKLOAD), *GRID, *size, "-j", str(jobs), "--out", str(out), "--quiet"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="pairs of runs (serial then parallel); the speed-up is the median of the pairs' ratios (default 5)")
    ap.add_argument("--messages", type=int, default=0, help="messages per point (default: the workload's own, 1000)")
    args = ap.parse_args()
    workers = len(os.sched_getaffinity(0))
    load = os.getloadavg()[0]
    serial, parallel = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            s_out, p_out = Path(tmp, f"serial{i}.csv"), Path(tmp, f"parallel{i}.csv")
            serial.append(timed_sweep(s_out, 1, args.messages))
            parallel.append(timed_sweep(p_out, workers, args.messages))
            if s_out.read_bytes() != p_out.read_bytes():
                raise SystemExit("the serial and parallel sweeps wrote different rows")
    # each pair ran back to back: its ratio is the least disturbed by the
    # machine's drift (tens of percent over a minute on a shared VM)
    ratios = sorted(s / p for s, p in zip(serial, parallel, strict=True))
    speedup = statistics.median(ratios)
    print(json.dumps({
        "points": 40,
        "messages_per_point": args.messages or "the workload's default",
        "workers": workers,
        "cpus": os.cpu_count(),
        "load_average_before": round(load, 2),
        "serial_s": [round(t, 2) for t in serial],
        "parallel_s": [round(t, 2) for t in parallel],
        "pair_speedups": [round(r, 2) for r in ratios],
        "speedup": round(speedup, 2),
        "target_speedup": TARGET,
        "meets_target": speedup >= TARGET,
        "rows_identical": True,
    }, indent=2))


if __name__ == "__main__":
    main()
