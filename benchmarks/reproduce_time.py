"""Wall time of ``simuring reproduce rfc``, default and ``--quick`` (targets: 60 s and 10 s on 2 cores).

Runs the command as a user would (a fresh process each, no plots), ``--repeat``
times each, and prints JSON: the wall times, their minimum (the least
disturbed run on a shared machine), the targets and whether the minimum meets
them, the machine's CPU count and load average before the runs.

    python benchmarks/reproduce_time.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

TARGETS_S = {"default": 60.0, "quick": 10.0}


def wall_time(extra: list[str]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "simuring.cli", "reproduce", "rfc", "--no-plots", "--out", tmp, *extra]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=1, help="runs of each (default 1)")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    out: dict[str, object] = {"cpus": os.cpu_count(), "load_average_before": round(load, 2)}
    for name, extra in (("quick", ["--quick"]), ("default", [])):
        walls = [wall_time(extra) for _ in range(args.repeat)]
        best = min(walls)
        out[name] = {
            "wall_s": [round(w, 2) for w in walls],
            "best_s": round(best, 2),
            "target_s": TARGETS_S[name],
            "meets_target": best <= TARGETS_S[name],
        }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
