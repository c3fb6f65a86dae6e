"""``simuring reproduce rfc``: simulate the IPC proposal's published benchmarks.

Every cell of the tables point_to_point, broadcast_16, scaling_64B and
multicast_sender is simulated on the host profile (default
``rfc-vm-32vcpu``), each io_uring cell also with
IORING_SETUP_SINGLE_ISSUER|DEFER_TASKRUN (the what-if), in parallel
processes.  Printed: per table, the simulated figure beside the published
one with the relative error; a summary of the errors; which of the
proposal's conclusions hold.  Written: one PNG per table under ``--out``
(with matplotlib), every cell as JSON with ``--json``.  Exit status 0, 1 if
a cell failed to simulate, 2 for bad input (one line, no traceback).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from simuring.cli.errors import UserError
from simuring.cli.jsonout import write_json
from simuring.cli.options import positive_int
from simuring.cost.profiles import DEFAULT_PROFILE

if TYPE_CHECKING:
    from simuring.reproduce.report import Report, Row
    from simuring.reproduce.runner import JobResult

STUDIES = ("rfc",)
#: the output width when stdout is not a terminal (and COLUMNS is not set)
WIDTH = 160

EPILOG = """\
examples:
  simuring reproduce rfc                          every table, plots in ./rfc-report/
  simuring reproduce rfc --quick                  a coarse answer in seconds (--what-if: with the what-if)
  simuring reproduce rfc --json cells.json        also every cell as JSON
  simuring reproduce rfc --set sched.wakeup_ns=800   what if wake-ups cost more?
  simuring reproduce rfc --table broadcast_16 -k io_uring     the io_uring cells of one table
  simuring reproduce rfc -k '*:pipe:64:1'         one cell of each table that has it
"""


def default_jobs() -> int:
    """The local cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "reproduce",
        help="simulate the IPC proposal's published benchmarks and compare",
        description=(
            "Simulate every cell of the IPC proposal's published benchmark tables on a host profile and "
            "print the simulated figures beside the published ones, the errors and which of the "
            "proposal's conclusions hold. The method: docs/rfc-method.md."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("study", metavar="STUDY", help="what to reproduce: rfc (the io_uring IPC channel RFC, March 2026)")
    p.add_argument("--out", default="rfc-report", metavar="DIR", help="folder for the plots, one PNG per table (default: ./%(default)s/)")
    p.add_argument("--no-plots", action="store_true", help="write no plots")
    p.add_argument("--json", metavar="FILE", help="also write every cell as JSON records ('-' for stdout)")
    p.add_argument("--quick", action="store_true", help="a coarse answer in seconds (5%% target, small caps, no what-if)")
    p.add_argument("--host", default=DEFAULT_PROFILE, metavar="NAME|PATH", help="host profile: a built-in name or a .toml file (default: %(default)s)")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE", help="override one profile parameter (repeatable)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    p.add_argument("-j", "--jobs", type=positive_int, default=default_jobs(), metavar="N", help="parallel processes (default: the local cores, %(default)s)")
    p.add_argument("--table", action="append", default=[], metavar="NAME", help="only this table (repeatable; default: all)")
    p.add_argument("-k", dest="pattern", metavar="PATTERN", help="only cells whose name table:mechanism:msg_size:receivers contains PATTERN or matches it as a glob")
    p.add_argument(
        "--what-if",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also simulate the io_uring cells with SINGLE_ISSUER|DEFER_TASKRUN (default: yes, no with --quick)",
    )
    p.add_argument("--workloads", metavar="DIR", help="the folder of the rfc_*.py benchmark workloads (default: the source tree's workloads/)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from simuring.engine.sim import Simulation
    from simuring.reproduce.reference import load_reference
    from simuring.reproduce.report import PlanError, build_report, make_plan
    from simuring.reproduce.runner import DEFAULT_BUDGET, QUICK_BUDGET, run_jobs
    from simuring.reproduce.workloads import WorkloadsNotFound, find_workloads

    t0 = time.perf_counter()
    if args.study not in STUDIES:
        raise UserError(f"reproduce: unknown study {args.study!r} (known: {', '.join(STUDIES)})")
    reference = load_reference()
    try:
        what_if = not args.quick if args.what_if is None else args.what_if
        plan = make_plan(reference, args.table, args.pattern, what_if=what_if)
    except PlanError as exc:
        raise UserError(f"reproduce: {exc}") from None
    # the profile and the overrides, checked here (a bad --set is one line, exit 2)
    costs = Simulation(host=args.host, seed=args.seed, overrides=args.set).costs
    try:
        folder = find_workloads(args.workloads)
    except WorkloadsNotFound as exc:
        raise UserError(f"reproduce: {exc}") from None
    if args.json and args.json != "-" and not Path(args.json).parent.is_dir():
        raise UserError(f"--json {args.json}: no such directory {str(Path(args.json).parent)!r}")
    budget = QUICK_BUDGET if args.quick else DEFAULT_BUDGET
    jobs = plan.jobs()
    to_stdout = args.json == "-"
    console = Console(stderr=to_stdout)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(stderr=to_stdout, width=WIDTH)  # a log or a pipe: room for the tables
    status = Console(stderr=True)
    workers = min(args.jobs, len(jobs))
    n_what_if = sum(1 for j in jobs if j.what_if)
    console.print(
        f"[bold]simuring reproduce rfc[/bold]: {len(plan.cells)} cell{'s' if len(plan.cells) > 1 else ''} of {len(plan.tables)} table{'s' if len(plan.tables) > 1 else ''}, "
        f"{len(jobs)} simulation{'s' if len(jobs) > 1 else ''} ({n_what_if} what-if), host [bold]{escape(costs.name)}[/bold], seed {args.seed}, "
        f"{workers} process{'es' if workers > 1 else ''}{', quick' if args.quick else ''}",
        soft_wrap=True,
    )
    src = reference.source
    console.print(escape(f"published figures: {src.document}, \"{src.title}\" ({src.date}); {src.host}; single runs (noisy)"), soft_wrap=True)
    progress = Progress(
        TextColumn("simulating cells"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=status,
        transient=True,
    )
    task = progress.add_task("", total=len(jobs))

    def on_done(result: JobResult) -> None:
        progress.update(task, advance=1, description=escape(result.job.name))

    # the progress bar's thread starts once the worker processes are forked
    try:
        results = run_jobs(jobs, costs, args.seed, budget, folder, workers, on_done, on_start=progress.start)
    finally:
        progress.stop()
    report = build_report(plan, results, costs.name, args.seed, budget)
    wall = time.perf_counter() - t0
    if args.json:
        write_json(args.json, report.to_json())
    if not to_stdout:
        print_report(console, report)
    if not args.no_plots:
        _plots(console, report, Path(args.out))
    console.print(f"wall time: {time.perf_counter() - t0:.1f} s ({wall:.1f} s until the report)", soft_wrap=True)
    return 1 if report.failed() else 0


def _plots(console: Console, report: Report, out: Path) -> None:
    from simuring.reproduce.plots import INSTALL_HINT, have_matplotlib, write_plots

    if not have_matplotlib():
        console.print(escape(f"plots skipped: matplotlib is not installed ({INSTALL_HINT})"), soft_wrap=True)
        return
    try:
        written = write_plots(report, out)
    except OSError as exc:
        raise UserError(f"--out {out}: cannot write the plots: {exc}") from None
    console.print(escape(f"plots: {', '.join(str(p) for p in written)}"), soft_wrap=True)


# -- rendering -------------------------------------------------------------------------------
def _size(size: int) -> str:
    return f"{size // 1024} KB" if size >= 1024 and size % 1024 == 0 else f"{size} B"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _err(value: float | None) -> str:
    if value is None:
        return "-"
    style = "green" if abs(value) <= 0.15 else "yellow" if abs(value) <= 0.25 else "red"
    return f"[{style}]{value:+.0%}[/{style}]"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _sim(result: JobResult) -> str:
    if result.error is not None:
        return "[bold magenta]failed[/bold magenta]"
    ci = result.ci95_ns
    text = f"{_num(result.mean_ns)} ± {_num(ci)}" if ci is not None else f"{_num(result.mean_ns)} ± ?"
    return text if result.precise else f"{text} [yellow]cap[/yellow]"


def _what_if(row: Row) -> str:
    w = row.what_if
    if w is None:
        return ""
    if w.error is not None:
        return "[bold magenta]failed[/bold magenta]"
    base, value = row.result.mean_ns, w.mean_ns
    change = f" ({value / base - 1:+.0%})" if base and value is not None else ""
    return f"{_num(value)}{change}"


def _messages(result: JobResult) -> str:
    return f"{result.messages:,} ({result.warmup_messages:,})"


def print_report(console: Console, report: Report) -> None:
    from simuring.reproduce.fit import non_monotonic_cells

    noisy = {c.name for c in non_monotonic_cells(report.plan.reference, [t.name for t in report.plan.tables])}
    for table in report.plan.tables:
        rows = report.rows_of(table.name)
        has_what_if = any(r.what_if is not None for r in rows)
        t = Table(title=f"{table.name}: {table.title}", title_justify="left")
        t.add_column("mechanism", no_wrap=True)
        for col in ("size", "rx", "simulated ns/msg ± 95%", "published", "error"):
            t.add_column(col, justify="right", no_wrap=True)
        if has_what_if:
            t.add_column("SINGLE_ISSUER|DEFER_TASKRUN", justify="right", no_wrap=True)
        t.add_column("messages (warm-up)", justify="right", no_wrap=True)
        for i, row in enumerate(rows):
            last = i + 1 == len(rows) or rows[i + 1].cell.mechanism != row.cell.mechanism
            published = _num(row.cell.reference_ns) + (" †" if row.cell.name in noisy else "")
            cells = [row.cell.mechanism, _size(row.cell.msg_size), str(row.cell.receivers), _sim(row.result), published, _err(row.error)]
            if has_what_if:
                cells.append(_what_if(row))
            cells.append(_messages(row.result))
            t.add_row(*cells, end_section=last)
        console.print(t)
    if noisy:
        console.print(
            "† a local extreme of its series in message size by more than 10% on both sides: noise a physical "
            "model cannot follow (the published figures are single runs); reported, and left out of the fit "
            "(simuring fit rfc)",
            soft_wrap=True,
        )
    _print_summary(console, report)
    _print_conclusions(console, report)
    _print_run_notes(console, report)


def _print_summary(console: Console, report: Report) -> None:
    summaries = report.table_summaries()
    if not summaries:
        return
    t = Table(title="errors against the published figures (|simulated / published - 1|)", title_justify="left")
    for col in ("table", "cells", "median", "worst", "worst cell", "within 15%", "within 25%"):
        t.add_column(col, justify="left" if col in ("table", "worst cell") else "right", no_wrap=True)
    overall = report.overall()
    for i, s in enumerate([*summaries, overall]):
        t.add_row(
            s.name,
            str(s.cells),
            _pct(s.median_abs_error),
            _pct(s.worst_abs_error),
            s.worst_cell or "-",
            f"{s.within[0]}/{s.cells}",
            f"{s.within[1]}/{s.cells}",
            end_section=i == len(summaries) - 1,
        )
    console.print(t)


def _verdict(holds: bool | None) -> str:
    if holds is None:
        return "[dim]not evaluated[/dim]"
    return "[green]holds[/green]" if holds else "[red]does not hold[/red]"


def _print_conclusions(console: Console, report: Report) -> None:
    t = Table(title="the proposal's conclusions, on the simulated figures (and on the published ones)", title_justify="left", show_lines=True)
    t.add_column("conclusion")
    t.add_column("simulated", no_wrap=True)
    t.add_column("published", no_wrap=True)
    for sim, pub in report.verdicts():
        t.add_row(f"{escape(sim.claim)}\n[dim]simulated: {escape(sim.detail)}\npublished: {escape(pub.detail)}[/dim]", _verdict(sim.holds), _verdict(pub.holds))
    console.print(t)


def _print_run_notes(console: Console, report: Report) -> None:
    budget = report.budget
    console.print(
        "statistics: the sender's ns/msg per window of messages; warm-up detected by MSER-5 (batches of 5 windows, "
        "truncation searched over the first half) and dropped; batch means (20 to 39 batches), Student-t 95% "
        f"half-width; each cell stops at the first checkpoint where it is within {budget.precision:.0%} of the mean "
        "and its channel's backlog has settled (io_uring), else at its cap. "
        f"Budget: {budget.describe()}.",
        soft_wrap=True,
    )
    imprecise = report.imprecise()
    if imprecise:
        def why(r: JobResult) -> str:
            if not r.mean_ns:
                return r.job.name
            half = (r.ci95_ns or float("inf")) / r.mean_ns
            return f"{r.job.name} (±{half:.1%}{', backlog still changing' if half <= budget.precision else ''})"

        names = ", ".join(why(r) for r in imprecise)
        console.print(
            f"[yellow]{len(imprecise)} simulation(s) hit the message cap before the {budget.precision:.0%} target "
            f"or before their channel's backlog settled[/yellow]: {escape(names)}",
            soft_wrap=True,
        )
    for r in report.failed():
        console.print(f"[bold magenta]failed[/bold magenta] {escape(r.job.name)}: {escape(r.error or '')}", soft_wrap=True)
    results = report.results()
    slow = sorted(results, key=lambda r: -r.cpu_s)[:5]
    console.print(
        f"simulations: {sum(r.cpu_s for r in results):.1f} s of CPU over {len(results)} simulations "
        f"({sum(r.messages for r in results):,} messages); most costly: "
        + escape(", ".join(f"{r.job.name} {r.cpu_s:.1f} s" for r in slow)),
        soft_wrap=True,
    )
