"""``simuring run SCRIPT.py``: build a Simulation, call the script's workload, run, summarise.

``--list-params`` lists the workload's parameters instead of running it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from simuring.cli.errors import UserError
from simuring.cli.jsonout import write_json
from simuring.cli.paramdoc import format_param_list
from simuring.cli.progress import RunProgress, progress_wanted
from simuring.cli.script import defaults_of, load_script, parse_params, script_line
from simuring.cli.summary import fmt_ns, print_summary
from simuring.cost.profiles import DEFAULT_PROFILE
from simuring.engine.errors import param_error_in
from simuring.output.trace import DEFAULT_LIMIT as DEFAULT_TRACE_LIMIT
from simuring.output.trace import UnknownTraceKind

if TYPE_CHECKING:
    from simuring.engine.sim import Simulation
    from simuring.host.cpu import Scheduler
    from simuring.output.result import SimResult

EPILOG = """\
examples:
  simuring run workloads/nop_loop.py --list-params   (parameters, defaults, docs)
  simuring run workloads/nop_loop.py
  simuring run workloads/nop_loop.py -p ops=5000 --seed 3 --json out.json
  simuring run workloads/nop_loop.py --set syscall.entry_ns=200   (what if syscalls were slower?)
  simuring run workloads/ipc_broadcast.py -p receivers=2 -p messages=50 --trace-out run.perfetto.json

A parameter the simulated kernel refuses (the workload raises
simuring.ParamError) exits 2 with one line naming the -p values and the
errno (-EINVAL ...).  More runnable tasks than CPUs at once (running or in
a run queue, kernel threads included) get one note on stderr after the run.
A run longer than a few seconds shows its progress on stderr when that is a
terminal.  Neither changes the result.  --json also records the provenance:
simuring version, profile name and content hash, overrides, seed, params.

Tracing (docs/tracing.md): --trace-out run.perfetto.json writes the run as
Chrome trace-event JSON (open it in https://ui.perfetto.dev): a track per
CPU and per task, the kernel's io_uring and sched tracepoints under their
names, ring counters.  --trace-filter 'io_uring_*,sched_switch' keeps some
kinds; past --trace-limit events are counted as dropped, and the summary
and --json say how many.  The same seed gives the same file, byte for byte.
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


def add_workload_arguments(p: argparse.ArgumentParser) -> None:
    """SCRIPT.py and what builds its simulation: -p, --host, --seed, --set (run and step)."""
    p.add_argument("script", metavar="SCRIPT.py", help="a workload script defining workload(sim, **params)")
    p.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE", help="a workload parameter (repeatable)")
    p.add_argument("--host", default=DEFAULT_PROFILE, metavar="NAME|PATH", help="host profile: a built-in name or a .toml file (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE", help="override one profile parameter (repeatable)")


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "run",
        help="run a workload script on a simulated host",
        description="Run SCRIPT.py's workload(sim, **params) on a simulated host and print a summary.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_workload_arguments(p)
    p.add_argument("--json", metavar="FILE", help="also write the full result as JSON ('-' for stdout)")
    p.add_argument("--trace", action="store_true", help="record an event trace (included in --json)")
    p.add_argument(
        "--trace-out",
        metavar="FILE",
        help="record an event trace and write it as Chrome trace-event JSON for ui.perfetto.dev (docs/tracing.md)",
    )
    p.add_argument(
        "--trace-filter",
        metavar="KINDS",
        help="record only these event kinds: names or patterns, comma-separated (e.g. 'io_uring_*,sched_switch'); implies tracing",
    )
    p.add_argument(
        "--trace-limit",
        type=_trace_limit,
        metavar="N",
        help=f"keep at most N trace events, count the rest as dropped (default: {DEFAULT_TRACE_LIMIT:,}); implies tracing",
    )
    p.add_argument("--until", type=_positive_ns, metavar="NS", help="stop the simulation at this simulated time (ns > 0)")
    p.add_argument("--quiet", action="store_true", help="print no summary, no note and no progress")
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show progress on stderr during a long run (default: when stderr is a terminal)",
    )
    p.add_argument("--list-params", action="store_true", help="list the workload's parameters, defaults and docs, and exit")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    _module, workload = load_script(args.script)
    if args.list_params:
        print(format_param_list(args.script, workload))
        return 0
    sim = build_simulation(args, workload, **trace_options(args))
    result = _simulate(sim, args)
    if result is None:
        return 1
    note = oversubscription_note(sim.scheduler)
    if note and not args.quiet:
        print(f"simuring: note: {note}", file=sys.stderr)
    if args.json:
        write_json(args.json, result.to_json())
    if args.trace_out:
        _write_trace(args.trace_out, result, args)
    if not args.quiet and args.json != "-":
        print_summary(result, args.script, sim.costs.origin)
        if args.trace_out:
            print(f"trace written to {args.trace_out}: open it in https://ui.perfetto.dev (docs/tracing.md)")
    return 0


def build_simulation(
    args: argparse.Namespace,
    workload: Callable[..., Any],
    *,
    trace: bool,
    trace_filter: str | None = None,
    trace_limit: int = DEFAULT_TRACE_LIMIT,
) -> Simulation:
    """The simulation of ``args`` (host, seed, overrides) with ``workload(sim, **params)``
    called on it; a bad parameter, an unknown trace kind or a failing ``workload()``
    is a :class:`UserError`."""
    from simuring.engine.sim import Simulation

    params = parse_params(workload, args.param, args.script)
    try:
        sim = Simulation(
            host=args.host, seed=args.seed, overrides=args.set, trace=trace, trace_filter=trace_filter, trace_limit=trace_limit
        )
    except UnknownTraceKind as exc:
        raise UserError(f"--trace-filter: {exc}") from None
    sim.params = {**defaults_of(workload), **params}
    try:
        workload(sim, **params)
    except Exception as exc:
        raise_if_param_error(args.script, exc)
        raise UserError(f"{args.script}:{script_line(exc, Path(args.script))}: workload() failed: {type(exc).__name__}: {exc}") from None
    return sim


def _trace_limit(text: str) -> int:
    """argparse type of --trace-limit: a number of events >= 0."""
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer number of events: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def trace_options(args: argparse.Namespace) -> dict[str, Any]:
    """``build_simulation``'s trace arguments from ``--trace``, ``--trace-out``,
    ``--trace-filter`` and ``--trace-limit`` (each of them turns tracing on)."""
    tracing = bool(args.trace or args.trace_out or args.trace_filter is not None or args.trace_limit is not None)
    limit = DEFAULT_TRACE_LIMIT if args.trace_limit is None else args.trace_limit
    return {"trace": tracing, "trace_filter": args.trace_filter, "trace_limit": limit}


def _write_trace(dest: str, result: SimResult, args: argparse.Namespace) -> None:
    """``--trace-out``: the Chrome trace-event JSON of the run (``output/perfetto.py``)."""
    from simuring.output.perfetto import write_chrome_trace

    meta = {"script": Path(args.script).name, "params": dict(result.params), "overrides": list(result.overrides)}
    try:
        write_chrome_trace(dest, result, metadata=meta)
    except OSError as exc:
        raise UserError(f"--trace-out {dest}: cannot write: {exc}") from None


def _simulate(sim: Simulation, args: argparse.Namespace) -> SimResult | None:
    """``sim.run()``, with progress if wanted; None after reporting a crash of the workload."""
    from simuring.engine.sim import SimulationStalled

    progress = None
    if progress_wanted(args.progress, args.quiet, sys.stderr):
        progress = RunProgress(Path(args.script).name, lambda: sim.now, Console(stderr=True), warning=lambda: oversubscribed_now(sim.scheduler))
    try:
        if progress is None:
            return sim.run(until=args.until)
        return sim.run(until=args.until, progress=progress, progress_every=progress.every)
    except SimulationStalled as exc:
        raise UserError(f"{args.script}: {exc}") from None
    except (UserError, KeyboardInterrupt):
        raise
    except Exception as exc:
        raise_if_param_error(args.script, exc)
        print(f"simuring: error: {crash_message(args.script, exc)}", file=sys.stderr)
        return None
    finally:
        if progress is not None:
            progress.close()


def crash_message(script: str, exc: BaseException) -> str:
    """A task's exception in one line: the script's line, the type, the message and
    the note naming the task (``"x.py:12: ValueError: ... (in simulated task ...)"``)."""
    line = script_line(exc, Path(script))
    origin = exc.__cause__ or exc
    notes = " ".join(getattr(origin, "__notes__", []))
    return f"{script}:{line}: {type(exc).__name__}: {exc} {notes}".rstrip()


def raise_if_param_error(script: str, exc: BaseException) -> None:
    """A :class:`ParamError` in ``exc``'s chain is the user's: one line, exit 2."""
    error = param_error_in(exc)
    if error is not None:
        raise UserError(f"{script}: {error}") from None


def oversubscribed_now(sched: Scheduler) -> str | None:
    """The progress line's warning: the peak of runnable tasks, once it exceeded the CPUs."""
    if sched.oversubscribed_at is None:
        return None
    return f"oversubscribed: up to {sched.peak_runnable} runnable tasks on {len(sched.cpus)} CPUs"


def oversubscription_note(sched: Scheduler) -> str | None:
    """The note for a run in which more tasks were runnable at once than the host has CPUs.

    Runnable means running on a CPU or waiting in a run queue, user tasks and
    kernel threads alike (:attr:`Scheduler.peak_runnable`); tasks pinned to a
    busy CPU while others idle do not count unless the total exceeds the CPUs.
    None when the CPUs always sufficed."""
    cpus = len(sched.cpus)
    if sched.oversubscribed_at is None:
        return None
    return (
        f"up to {sched.peak_runnable} tasks were runnable at once on {cpus} CPUs "
        f"(first more than {cpus} at t={fmt_ns(sched.oversubscribed_at)}): those without a CPU "
        "waited in run queues, and the timings include that wait"
    )
