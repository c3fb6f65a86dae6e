"""``simuring validate``: real IPC benchmarks on this machine beside the same workloads simulated.

Measured for real (a C program shipped as source, compiled here; each
figure the median of several fresh-process runs in shuffled order, with its
min and max) and simulated with the host profile (``--host``, e.g. written
by ``simuring calibrate``): streaming point to point (pipe, AF_UNIX socket,
shm+eventfd; 64 B to 32 KB), broadcast to 1 to 16 receivers (pipe,
shm+eventfd; 64 B and 4 KB; receivers that outnumber the CPUs share them, in
both), and a MSG_RING ping-pong between two rings (without setup flags and
with SINGLE_ISSUER|DEFER_TASKRUN).  Printed: each cell measured and
simulated with the error, the median error, the worst cell, whether the
mechanisms rank the same in both, and whether the machine is as the profile
models it (the cache-line hand-off between two CPUs, measured among the
runs).  Written: ``--json`` (one record per cell), ``--plot`` (PNG, with
matplotlib), ``--report`` (Markdown, with how often each side slept per
message, measured and simulated).  Without
io_uring (kernel.io_uring_disabled, seccomp) it says so and compares the
rest.  Exit 0, 1 if a cell could not be measured or simulated for another
reason, 2 for bad input.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from simuring.cli.calibrate import add_attempts_option, measure_steadily, steadiest
from simuring.cli.errors import UserError
from simuring.cli.jsonout import write_json
from simuring.cli.options import positive_int
from simuring.cli.reproduce import default_jobs

EPILOG = """\
examples:
  simuring calibrate --out myhost.toml && simuring validate --host myhost.toml
  simuring validate --host myhost.toml --json cells.json --plot validate.png --report validate.md
  simuring validate --host myhost.toml -k 'broadcast:*'      only the broadcast cells
  simuring validate --host rfc-vm-32vcpu                      how far is the RFC's VM from this machine?
"""


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "validate",
        help="run real IPC benchmarks and the same workloads simulated, side by side",
        description=__doc__.split("\n\n")[1].replace("\n", " ").replace("``", "") if __doc__ else None,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", required=True, metavar="NAME|PATH", help="the host profile to simulate with (simuring calibrate writes one)")
    p.add_argument("--json", metavar="FILE", help="write one JSON record per cell ('-' for stdout)")
    p.add_argument("--plot", metavar="FILE.png", help="write a plot of measured vs simulated (needs matplotlib: pip install 'simuring[plots]')")
    p.add_argument("--report", metavar="FILE.md", help="write the comparison as Markdown")
    p.add_argument("--repeats", type=positive_int, default=15, metavar="N", help="runs of each real benchmark, each a fresh process (default: %(default)s)")
    p.add_argument("--quick", action="store_true", help="3 runs of each benchmark, and of each simulation")
    p.add_argument("--seed", type=int, default=0, help="seed of the run order and of the simulations (default: %(default)s)")
    add_attempts_option(p)
    p.add_argument("-j", "--jobs", type=positive_int, default=default_jobs(), metavar="N", help="parallel simulation processes (default: the local cores, %(default)s)")
    p.add_argument("-k", dest="pattern", metavar="PATTERN", help="only cells whose name (case:mechanism:msg_size:receivers, msg_ring:FLAGS) contains PATTERN or matches it as a glob")
    p.add_argument("--workloads", metavar="DIR", help="the folder of the benchmark workloads (default: the source tree's workloads/)")
    p.set_defaults(func=run)


def _select(cells: list[Any], pattern: str | None) -> list[Any]:
    if pattern is None:
        return cells
    from simuring.reproduce.reference import name_matches

    return [c for c in cells if name_matches(c.name, pattern)]


def run(args: argparse.Namespace) -> int:
    from simuring.calibrate import probes, simulate, validation
    from simuring.calibrate.build import BuildError, build
    from simuring.calibrate.hostinfo import read_host
    from simuring.engine.sim import Simulation
    from simuring.reproduce.reference import MECHANISMS
    from simuring.reproduce.workloads import MSG_RING_PINGPONG, WorkloadsNotFound, find_workloads

    for path, what in ((args.json, "--json"), (args.plot, "--plot"), (args.report, "--report")):
        if path and path != "-" and not Path(path).parent.is_dir():
            raise UserError(f"{what} {path}: no such directory {str(Path(path).parent)!r}")
    if args.plot:
        from simuring.reproduce.plots import INSTALL_HINT, have_matplotlib

        if not have_matplotlib():
            raise UserError(f"--plot needs matplotlib: {INSTALL_HINT}")
    costs = Simulation(host=args.host).costs
    chosen = _select(validation.cells(), args.pattern)
    if not chosen:
        raise UserError(f"-k {args.pattern}: no validation cell matches (names: case:mechanism:msg_size:receivers, msg_ring:FLAGS)")
    try:
        folder = find_workloads(args.workloads, (*MECHANISMS, MSG_RING_PINGPONG))
    except WorkloadsNotFound as exc:
        raise UserError(f"validate: {exc}") from None
    console = Console(stderr=True)
    t0 = time.perf_counter()
    host = read_host()
    console.print(f"host: {escape(host.describe())}; profile: {escape(costs.name)} ({costs.host.cpus} CPUs)", highlight=False)
    if costs.host.cpus != host.cpus:
        console.print(f"[yellow]the profile has {costs.host.cpus} CPUs, this machine {host.cpus}: the simulation models another machine[/]")
    try:
        binaries = {"ipcbench": build("ipcbench"), "probe": build("probe")}
    except BuildError as exc:
        raise UserError(f"validate: {exc}") from None
    repeats = 3 if args.quick else args.repeats
    measured = measure_steadily(console, "real", validation.benches(chosen, host.cpus), binaries, repeats, args.seed, args.attempts)
    runs = simulate.plan(chosen, repeats)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("simulated runs", total=len(runs))
        results = simulate.simulate(chosen, costs, args.seed, repeats, folder, args.jobs, lambda r: progress.advance(task))
    rows = validation.rows(chosen, measured, results)
    orders = validation.orderings(rows)
    summary = validation.summarize(rows, orders)
    check = validation.machine_check(measured, costs.mem.cacheline_transfer_ns)
    moved = probes.handoff_moved(measured)
    out = Console(width=None if Console().is_terminal else 140)
    _print(out, rows, orders, summary)
    if check is not None:
        out.print(("[yellow]" if check.changed else "") + escape(check.describe()) + ("[/]" if check.changed else ""), highlight=False, soft_wrap=True)
    if moved is not None:
        out.print(
            f"[yellow]{escape(moved)}{steadiest(args.attempts)}: the measured figures of this run are not of one machine; "
            "run it again when the machine is idle[/]",
            highlight=False,
            soft_wrap=True,
        )
    if args.json:
        write_json(args.json, json.dumps([r.record() for r in rows], indent=1))
    if args.plot:
        from simuring.calibrate.plots import write_plot

        write_plot(Path(args.plot), rows, f"{host.cpu_model}, {host.cpus} CPUs: measured vs simulated ({costs.name})")
    if args.report:
        from simuring.calibrate.report import markdown

        Path(args.report).write_text(markdown(rows, orders, summary, host, costs.name, repeats, check, moved))
    console.print(f"done in {time.perf_counter() - t0:.0f} s", highlight=False)
    # a cell that io_uring's absence kept from running is reported, not a failure
    failed = [r for r in rows if r.error is None and not (measured.unavailable and r.cell.bench().io_uring and r.measured_ns is None)]
    return 1 if failed else 0


def _fmt(ns: float | None) -> str:
    if ns is None:
        return "-"
    return f"{ns / 1000:.2f} us" if ns >= 10_000 else f"{ns:.0f} ns"


def _spread(low: float | None, high: float | None) -> str:
    return "-" if low is None or high is None else f"{_fmt(low)} - {_fmt(high)}"


def _print(console: Console, rows: list[Any], orders: list[Any], summary: Any) -> None:
    table = Table(title="measured vs simulated (each the median of its runs, min-max), ns per message (msg_ring: per round trip)", title_justify="left")
    for col in ("cell", "measured", "min - max", "simulated", "min - max ", "error"):
        table.add_column(col, justify="left" if col == "cell" else "right")
    for r in rows:
        err = "-" if r.error is None else f"{r.error:+.0%}"
        table.add_row(
            escape(r.cell.name),
            _fmt(r.measured_ns),
            _spread(r.measured_min_ns, r.measured_max_ns),
            _fmt(r.simulated_ns),
            _spread(r.simulated_min_ns, r.simulated_max_ns),
            err + (f" ({escape(r.note)})" if r.note else ""),
        )
    console.print(table)
    if summary.median_abs_error is not None:
        worst = summary.worst
        console.print(
            f"median |error| {summary.median_abs_error:.0%} over {summary.compared} of {summary.cells} cells; "
            f"{summary.within_2x}/{summary.compared} within 2x; worst {escape(worst.cell.name)} "
            f"({worst.error:+.0%}, x{summary.worst_factor:.2f})",
            highlight=False,
        )
    for o in orders:
        if not o.same:
            noise = " (measured ranges overlap: within noise)" if o.overlapping else ""
            console.print(f"order differs at {o.group}: measured {' < '.join(o.measured)}, simulated {' < '.join(o.simulated)}{noise}", highlight=False)
    console.print(f"mechanisms rank the same in {summary.orders_same} of {summary.orders} groups", highlight=False)
    from simuring.calibrate.validation import describe_regimes

    regimes = describe_regimes(rows)
    if regimes is not None:
        console.print(escape(regimes), highlight=False, soft_wrap=True)
