"""``simuring run SCRIPT.py``: build a Simulation, call the script's workload, run, summarise."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from simuring.cli.errors import UserError
from simuring.cli.jsonout import write_json
from simuring.cli.script import defaults_of, load_script, parse_params, script_line
from simuring.cli.summary import print_summary

EPILOG = """\
examples:
  simuring run workloads/nop_loop.py
  simuring run workloads/nop_loop.py -p ops=5000 --seed 3 --json out.json
  simuring run workloads/nop_loop.py --set syscall.entry_ns=200   (what if syscalls were slower?)
"""


def _positive_ns(text: str) -> int:
    """argparse type of --until: a simulated instant after the start (ns > 0)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer number of nanoseconds: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0 ns (the simulation starts at 0), got {value}")
    return value


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "run",
        help="run a workload script on a simulated host",
        description="Run SCRIPT.py's workload(sim, **params) on a simulated host and print a summary.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("script", metavar="SCRIPT.py", help="a workload script defining workload(sim, **params)")
    p.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE", help="a workload parameter (repeatable)")
    p.add_argument("--host", default="rfc-vm-32vcpu", metavar="NAME|PATH", help="host profile: a built-in name or a .toml file (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE", help="override one profile parameter (repeatable)")
    p.add_argument("--json", metavar="FILE", help="also write the full result as JSON ('-' for stdout)")
    p.add_argument("--trace", action="store_true", help="record an event trace (included in --json)")
    p.add_argument("--until", type=_positive_ns, metavar="NS", help="stop the simulation at this simulated time (ns > 0)")
    p.add_argument("--quiet", action="store_true", help="print no summary")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from simuring.engine.sim import Simulation, SimulationStalled

    _module, workload = load_script(args.script)
    params = parse_params(workload, args.param, args.script)
    sim = Simulation(host=args.host, seed=args.seed, overrides=args.set, trace=args.trace)
    sim.params = {**defaults_of(workload), **params}
    path = Path(args.script)
    try:
        workload(sim, **params)
    except Exception as exc:
        raise UserError(f"{args.script}:{script_line(exc, path)}: workload() failed: {type(exc).__name__}: {exc}") from None
    try:
        result = sim.run(until=args.until)
    except SimulationStalled as exc:
        raise UserError(f"{args.script}: {exc}") from None
    except (UserError, KeyboardInterrupt):
        raise
    except Exception as exc:
        line = script_line(exc, path)
        origin = exc.__cause__ or exc
        notes = " ".join(getattr(origin, "__notes__", []))
        print(f"simuring: error: {args.script}:{line}: {type(exc).__name__}: {exc} {notes}".rstrip(), file=sys.stderr)
        return 1
    if args.json:
        write_json(args.json, result.to_json())
    if not args.quiet and args.json != "-":
        print_summary(result, args.script, sim.costs.origin)
    return 0


