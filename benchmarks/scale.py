"""Scale: an IPC broadcast and a multicast to 1024 receivers on a 256-vCPU host.

The built-in profile (``rfc-vm-32vcpu``) with ``host.cpus=256`` (``--set
host.cpus=256`` on the command line), one sender and 1024 receivers, each a
process with its own ring (receiver i on CPU (1 + i) % 256, four per CPU),
64-byte messages.  Each kind runs at two message counts, each in a fresh
process, and the benchmark prints one JSON object:

* ``msgs_per_wall_s``: simulated messages per wall-second, from the two runs'
  difference (so without the set-up), and ``wall_s`` per run;
* ``wall_s_per_msg``: each run's wall time per message, set-up included;
* ``sender_ns_per_msg``: the simulated figure at each count, and its relative
  change between the two (a stable figure changes little);
* ``peak_rss_mb`` per run and ``rss_growth_mb`` between them (memory stays
  flat in the number of messages: the growth is a few MB at most);
* ``wall_s_for_1000_msgs``: measured when the larger count is 1000, else
  projected from the marginal rate;
* ``build``: ``compiled, mypyc`` or ``pure Python`` (``simuring --version``).

    python benchmarks/scale.py [--counts 200 1000] [--kinds broadcast multicast]
           [--receivers 1024] [--cpus 256]

Target (issue 14): 1,000 broadcast messages to 1024 receivers within 5 minutes
with the compiled build.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

WORKLOADS = Path(__file__).resolve().parents[1] / "workloads"

#: one run in a fresh process: wall times, the simulated figures, peak RSS
CHILD = r"""
import importlib.util, json, resource, sys, time
import simuring
from simuring import Simulation
path, receivers, messages, cpus = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
spec = importlib.util.spec_from_file_location("scale_workload", path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
t0 = time.perf_counter()
sim = Simulation(seed=1, overrides=[f"host.cpus={cpus}"])
module.workload(sim, msg_size=64, receivers=receivers, messages=messages)
result = sim.run()
wall = time.perf_counter() - t0
extra = result.extra
print(json.dumps({
    "build": simuring.__build__,
    "wall_s": wall,
    "sim_time_ns": result.sim_time_ns,
    "sender_ns_per_msg": extra.get("sender_ns_per_msg"),
    "received_total": extra.get("received_total"),
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""

SCRIPTS = {"broadcast": "ipc_broadcast.py", "multicast": "ipc_multicast.py"}


def one_run(kind: str, receivers: int, messages: int, cpus: int) -> dict[str, Any]:
    cmd = [sys.executable, "-c", CHILD, str(WORKLOADS / SCRIPTS[kind]), str(receivers), str(messages), str(cpus)]
    # cwd outside the source tree, so that an installed (compiled) simuring is the one imported
    done = subprocess.run(cmd, capture_output=True, text=True, cwd="/", check=False)
    if done.returncode != 0:
        raise SystemExit(f"{kind} x{messages} failed: {done.stderr.strip()[-2000:]}")
    out: dict[str, Any] = json.loads(done.stdout)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--counts", type=int, nargs=2, default=[200, 1000], metavar=("SMALL", "LARGE"))
    ap.add_argument("--kinds", nargs="+", choices=sorted(SCRIPTS), default=["broadcast", "multicast"])
    ap.add_argument("--receivers", type=int, default=1024)
    ap.add_argument("--cpus", type=int, default=256)
    args = ap.parse_args()
    small, large = args.counts
    report: dict[str, Any] = {"receivers": args.receivers, "cpus": args.cpus, "counts": [small, large]}
    for kind in args.kinds:
        a = one_run(kind, args.receivers, small, args.cpus)
        b = one_run(kind, args.receivers, large, args.cpus)
        report["build"] = b["build"]
        figure_a, figure_b = a["sender_ns_per_msg"], b["sender_ns_per_msg"]
        rate = (large - small) / max(b["wall_s"] - a["wall_s"], 1e-9)
        report[kind] = {
            "wall_s": [round(a["wall_s"], 1), round(b["wall_s"], 1)],
            "msgs_per_wall_s": round(rate, 2),
            "wall_s_per_msg": [round(a["wall_s"] / small, 3), round(b["wall_s"] / large, 3)],
            "sender_ns_per_msg": [figure_a, figure_b],
            "sender_ns_per_msg_change": round(abs(figure_b - figure_a) / figure_b, 3) if figure_b else None,
            "received_total": [a["received_total"], b["received_total"]],
            "peak_rss_mb": [round(a["peak_rss_mb"], 1), round(b["peak_rss_mb"], 1)],
            "rss_growth_mb": round(b["peak_rss_mb"] - a["peak_rss_mb"], 1),
        }
        # 1,000 messages: measured when LARGE is 1000, else projected from the marginal rate
        thousand = b["wall_s"] + (1000 - large) / rate
        report[kind]["wall_s_for_1000_msgs"] = round(thousand, 1)
        if kind == "broadcast" and (args.receivers, args.cpus) == (1024, 256):
            report[kind]["meets_1000_msgs_in_5_min"] = thousand <= 300
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
