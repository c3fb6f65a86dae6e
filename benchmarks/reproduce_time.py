"""Wall time of ``simuring reproduce rfc``, default and ``--quick``, per build.

Targets on 2 cores: ``--quick`` 10 s; the default 60 s in pure Python and 30 s
with the compiled build (issue 14, docs/speed.md).

Runs the command as a user would (a fresh process each, no plots), ``--repeat``
times each, and prints JSON: the wall times, their minimum (the least
disturbed run on a shared machine), the targets and whether the minimum meets
them, the machine's CPU count and load average before the runs.  The command
runs outside the source tree (so an installed compiled simuring is the one
imported) with ``--workloads`` naming the tree's ``workloads/``.  Where the
installed simuring is compiled, both builds are timed: compiled, and pure
with ``SIMURING_PURE=1``.

    python benchmarks/reproduce_time.py [--repeat N] [--builds pure compiled] [--no-quick]
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

import simuring

TARGETS_S = {"pure": {"default": 60.0, "quick": 10.0}, "compiled": {"default": 30.0, "quick": 10.0}}
WORKLOADS = Path(__file__).resolve().parents[1] / "workloads"


def wall_time(extra: list[str], pure: bool) -> float:
    env = {k: v for k, v in os.environ.items() if k != "SIMURING_PURE"}
    if pure:
        env["SIMURING_PURE"] = "1"
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "simuring.cli", "reproduce", "rfc", "--no-plots", "--out", tmp,
               "--workloads", str(WORKLOADS), *extra]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp, env=env)
        wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=1, help="runs of each (default 1)")
    compiled_installed = simuring.__build__ != "pure Python"
    ap.add_argument(
        "--builds", nargs="+", choices=["pure", "compiled"],
        default=["compiled", "pure"] if compiled_installed else ["pure"],
        help="which builds to time (default: both where a compiled build is installed)",
    )
    ap.add_argument("--no-quick", action="store_true", help="time the default run only")
    args = ap.parse_args()
    if "compiled" in args.builds and not compiled_installed:
        raise SystemExit("no compiled build is installed (pip install . with a C compiler)")
    load = os.getloadavg()[0]
    out: dict[str, object] = {"cpus": os.cpu_count(), "load_average_before": round(load, 2)}
    runs = [("default", [])] if args.no_quick else [("quick", ["--quick"]), ("default", [])]
    for build in args.builds:
        for name, extra in runs:
            walls = [wall_time(extra, build == "pure") for _ in range(args.repeat)]
            best = min(walls)
            target = TARGETS_S[build][name]
            out[f"{build}_{name}"] = {
                "wall_s": [round(w, 2) for w in walls],
                "best_s": round(best, 2),
                "target_s": target,
                "meets_target": best <= target,
            }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
