"""``simuring calibrate`` then ``simuring validate`` on this machine: wall time and the targets.

Runs both commands as a user would (fresh processes, default settings), and
prints JSON: each command's wall time and their sum (target: within 5
minutes), and the validation's summary against the targets of the
own-host issue: median |error| over all cells <= 20%, no cell off by more
than 2x, and the mechanisms ranked the same at each size in both worlds.
``--repeat N`` runs the pair N times: the figures of a shared VM drift
between runs, and so does the summary; each run also records validate's
machine check (the cache-line hand-off then, against its profile's), and
whether the hand-off moved during the set of calibrate or validate kept (its
runs more than twice apart: such a run mixes two machines), and whether either
measured its set again because the first one moved (``--attempts``).

    python benchmarks/host_validation.py [--repeat N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from simuring.calibrate.validation import Row, orderings, summarize

TARGET_WALL_S = 300.0
TARGET_MEDIAN = 0.20
TARGET_FACTOR = 2.0


def timed(args: list[str]) -> tuple[float, str, str]:
    """Run ``simuring ARGS``: its wall time and what it printed on stdout and on stderr."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "simuring.cli", *args], capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"simuring {' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return time.perf_counter() - t0, proc.stdout, proc.stderr


def one_run(folder: Path) -> dict[str, object]:
    profile, cells = folder / "host.toml", folder / "cells.json"
    calibrate_s, _, calibrate_said = timed(["calibrate", "--out", str(profile)])
    validate_s, printed, validate_said = timed(["validate", "--host", str(profile), "--json", str(cells), "--report", str(folder / "validate.md")])
    # validate's machine check: the cache-line hand-off now against the profile's
    machine = next((" ".join(line.split()) for line in printed.splitlines() if line.startswith("a cache line handed")), None)
    # what each command said, its line wrapping undone (rich wraps long messages)
    calibrate_said, validate_printed, validate_said = (" ".join(text.split()) for text in (calibrate_said, printed, validate_said))
    rows = [Row.from_record(r) for r in json.loads(cells.read_text())]
    orders = orderings(rows)
    summary = summarize(rows, orders)
    worst = summary.worst
    return {
        "calibrate_s": round(calibrate_s, 1),
        "validate_s": round(validate_s, 1),
        "total_s": round(calibrate_s + validate_s, 1),
        "cells": summary.compared,
        "median_abs_error": round(summary.median_abs_error or 0.0, 3),
        "within_2x": summary.within_2x,
        "worst_cell": worst.cell.name if worst else None,
        "worst_factor": round(summary.worst_factor or 0.0, 2),
        "orders_same": summary.orders_same,
        "orders": summary.orders,
        "orders_differ": [o.group for o in orders if not o.same],
        "machine": machine,
        # the hand-off's runs more than twice apart in the set kept: the machine moved during
        # it (every set measured moved; a set measured again after one that moved says so)
        "moved_during_calibrate": "the profile takes their median" in calibrate_said,
        "moved_during_validate": "not of one machine" in validate_printed,
        "measured_again": {
            "calibrate": "measuring again" in calibrate_said,
            "validate": "measuring again" in validate_said,
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=1, help="calibrate+validate pairs (default 1)")
    ap.add_argument("--keep", metavar="DIR", help="keep each run's profile, JSON and report under DIR/run-N")
    args = ap.parse_args()
    out: dict[str, object] = {"cpus": len(os.sched_getaffinity(0)), "load_average_before": round(os.getloadavg()[0], 2)}
    runs = []
    for n in range(args.repeat):
        if args.keep:
            folder = Path(args.keep) / f"run-{n + 1}"
            folder.mkdir(parents=True, exist_ok=True)
            runs.append(one_run(folder))
        else:
            with tempfile.TemporaryDirectory() as tmp:
                runs.append(one_run(Path(tmp)))
    out["runs"] = runs
    out["targets"] = {"total_s": TARGET_WALL_S, "median_abs_error": TARGET_MEDIAN, "worst_factor": TARGET_FACTOR, "orders": "all the same"}
    out["meets"] = [
        {
            "wall": r["total_s"] <= TARGET_WALL_S,  # type: ignore[operator]
            "median": r["median_abs_error"] <= TARGET_MEDIAN,  # type: ignore[operator]
            "within_2x": r["worst_factor"] <= TARGET_FACTOR,  # type: ignore[operator]
            "orders": r["orders_same"] == r["orders"],
        }
        for r in runs
    ]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
