"""Instructions per operation of sim_speed's workloads, counted by callgrind.

Wall-clock rates move with the load of a shared machine; instruction counts
do not (they move by about 1% with the hash seed).  This runs one workload of
``sim_speed.py`` (the SimPy floor, NOP, pipe, unicast or broadcast-16) under
valgrind's callgrind, with instrumentation on only around the measured call
(after a warm-up call: imports and caches), and prints one JSON object: the
instructions per operation of each workload, and the floor's over each
(the instruction ratio; wall-clock ratios are 0.7 to 0.8 of it compiled).

    python benchmarks/instructions.py [floor nop pipe unicast bcast16]

Run it from outside the source tree (docs/speed.md: the installed, compiled
simuring is the one imported); ``SIMURING_PURE=1`` counts the pure build.
Needs ``valgrind`` (``callgrind_control`` comes with it).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import simuring

HERE = Path(__file__).resolve().parent

#: workload -> (module, function, operations counted)
WORKLOADS = {
    "floor": ("sim_speed", "simpy_pingpong", 20_000),
    "nop": ("sim_speed", "nop_roundtrips", 5_000),
    "pipe": ("pipe_pingpong", "pipe_pingpong", 1_000),
    "unicast": ("ipc_speed", "ipc_unicast", 2_000),
    "bcast16": ("ipc_speed", "ipc_bcast16", 200),
}

#: the child, run under callgrind: warm up, then count one call
CHILD = r"""
import importlib, os, subprocess, sys
sys.path.insert(0, sys.argv[1])
fn = getattr(importlib.import_module(sys.argv[2]), sys.argv[3])
n = int(sys.argv[4])
fn(max(1, n // 10))
def instrument(state):
    subprocess.run(["callgrind_control", "-i", state, str(os.getpid())], capture_output=True, check=False)
instrument("on")
fn(n)
instrument("off")
"""


def count(name: str) -> int:
    """Instructions callgrind counted around one call of workload ``name``."""
    module, func, n = WORKLOADS[name]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        cmd = [
            "valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
            sys.executable, "-c", CHILD, str(HERE), module, func, str(n),
        ]  # fmt: skip
        subprocess.run(cmd, capture_output=True, check=True, cwd="/")
        totals = [line for line in out.read_text().splitlines() if line.startswith("totals:")]
    return int(totals[-1].split()[1])


def main() -> None:
    names = sys.argv[1:] or list(WORKLOADS)
    report: dict[str, object] = {"build": simuring.__build__}
    per_op = {name: count(name) / WORKLOADS[name][2] for name in names}
    report["instructions_per_op"] = {name: round(v) for name, v in per_op.items()}
    if "floor" in per_op:
        floor = per_op["floor"]
        report["instruction_ratio"] = {
            name: round(floor / v, 4) for name, v in per_op.items() if name != "floor"
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
