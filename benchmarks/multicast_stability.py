"""Are the multicast predictions stable? The same cells with several seeds (target: spread < 5%).

Runs ``simuring reproduce rfc`` on the io_uring_mcast cells (the
``multicast_sender`` table and ``scaling_64B``) once per seed, default
budget, and prints JSON: per cell, the figure of each seed and the spread
(max - min) / mean; the worst spread; whether it is below the target.

    python benchmarks/multicast_stability.py [--seeds 5]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

TARGET = 0.05


def run_seed(seed: int, folder: Path) -> list[dict[str, object]]:
    out = folder / f"seed{seed}.json"
    cmd = [sys.executable, "-m", "simuring.cli", "reproduce", "rfc", "--table", "multicast_sender", "--table", "scaling_64B",
           "-k", "io_uring_mcast", "--no-what-if", "--no-plots", "--seed", str(seed), "--json", str(out), "--out", str(folder)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"seed {seed}: {proc.stderr.strip()[-500:]}")
    records: list[dict[str, object]] = json.loads(out.read_text())
    return records


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=5, help="seeds 0 .. N-1 (default 5)")
    args = ap.parse_args()
    figures: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):
            for rec in run_seed(seed, Path(tmp)):
                name = f"{rec['table']}:{rec['mechanism']}:{rec['msg_size']}:{rec['receivers']}"
                value = rec["simulated_ns_per_msg"]
                assert isinstance(value, int | float)
                figures.setdefault(name, []).append(float(value))
    cells: dict[str, dict[str, object]] = {}
    spreads: list[float] = []
    for name, values in sorted(figures.items()):
        mean = sum(values) / len(values)
        spread = round((max(values) - min(values)) / mean, 4)
        spreads.append(spread)
        cells[name] = {"ns_per_msg": [round(v, 1) for v in values], "spread": spread}
    worst = max(spreads)
    print(json.dumps({"seeds": args.seeds, "cells": cells, "worst_spread": worst, "target": TARGET, "meets_target": worst < TARGET}, indent=2))


if __name__ == "__main__":
    main()
