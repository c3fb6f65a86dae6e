"""``simuring sweep SCRIPT -p name=v1,v2 ... --out results.parquet``: a grid of simulations.

Every combination of the ``-p`` and ``--set`` values, times ``--seeds``
seeds, is one simulation; they run on every local core (``-j``) or on a Dask
cluster (``--scheduler``), with a progress bar, and each finished one is a
row of the output (Parquet or CSV).  Points already in the output are not run
again, so an interrupted sweep continues where it stopped.  At the end, a
table of the chosen figures: the mean over the seeds and its 95% confidence
interval.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from simuring.cli.errors import UserError
from simuring.cli.options import positive_int
from simuring.cli.script import defaults_of, load_script, parse_params
from simuring.cost import CostModel, load_profile
from simuring.cost.profiles import DEFAULT_PROFILE
from simuring.engine.plugins import cost_sections
from simuring.sweep.execute import SweepSpec
from simuring.sweep.grid import Axis, expand, split_values
from simuring.sweep.pool import SchedulerUnavailable, default_workers
from simuring.sweep.runner import SweepOutcome, run_sweep
from simuring.sweep.store import HEAD, INPUTS_END, TAIL, StoreError, file_format
from simuring.sweep.summary import as_number, replicate_groups

EPILOG = """\
values: comma-separated (-p receivers=1,2,4,8,16); a comma inside a value is \\,
(setup flags also take '|': -p setup_flags=SINGLE_ISSUER|DEFER_TASKRUN).

examples:
  simuring sweep workloads/ipc_broadcast.py -p receivers=1,2,4,8,16 -p msg_size=64,4096 --out bcast.parquet
  simuring sweep workloads/nop_loop.py --set syscall.entry_ns=60,120,240 --seeds 5 --out nop.csv
  simuring sweep workloads/ipc_unicast.py -p msg_size=64,1024 --scheduler tcp://10.0.0.5:8786 --out u.parquet
  simuring plot bcast.parquet --x receivers --y sender_ns_per_msg --hue msg_size
"""


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "sweep",
        help="run a workload over a grid of parameters, overrides and seeds",
        description=(
            "Run SCRIPT.py's workload once per point of a grid (every combination of the -p and --set "
            "values, times --seeds seeds), in parallel, one row per point in --out.  Points already in "
            "--out are skipped: rerun the same command to continue an interrupted sweep."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("script", metavar="SCRIPT.py", help="a workload script defining workload(sim, **params)")
    p.add_argument("-p", "--param", action="append", default=[], metavar="NAME=V1,V2", help="a workload parameter and its values (repeatable)")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=V1,V2", help="a profile parameter and its values (repeatable)")
    p.add_argument("--seeds", type=positive_int, default=1, metavar="N", help="replicates per point, seeds SEED..SEED+N-1 (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="the first seed (default: %(default)s)")
    p.add_argument("--host", default=DEFAULT_PROFILE, metavar="NAME|PATH", help="host profile: a built-in name or a .toml file (default: %(default)s)")
    p.add_argument("--out", required=True, metavar="FILE", help="results: FILE.parquet or FILE.csv (rows already there are kept and not rerun)")
    p.add_argument("-j", "--jobs", type=positive_int, default=None, metavar="N", help="local worker processes (default: every core)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on this Dask scheduler (tcp://HOST:8786) instead of local processes")
    p.add_argument("--show", action="append", default=[], metavar="FIGURE", help="a column to tabulate at the end (repeatable; default: the workload's main figures)")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no table")
    p.set_defaults(func=run)


def parse_axis(item: str, option: str) -> tuple[str, list[str]]:
    """``name=v1,v2`` -> ``("name", ["v1", "v2"])``."""
    if "=" not in item:
        raise UserError(f"{option} {item}: expected NAME=V1,V2,...")
    name, text = item.split("=", 1)
    name = name.strip()
    values = split_values(text)
    if not name or any(v.strip() == "" for v in values):
        raise UserError(f"{option} {item}: a name and one or more non-empty values are needed")
    return name, values


def param_axes(workload: Any, items: Sequence[str], script: str) -> list[Axis]:
    """The -p axes, each value converted as ``simuring run -p`` converts it."""
    raw = [parse_axis(item, "-p") for item in items]
    names = [name for name, _ in raw]
    for name in names:
        if names.count(name) > 1:
            raise UserError(f"-p {name}: given twice (put every value in one -p {name}=V1,V2)")
    firsts = [f"{name}={values[0]}" for name, values in raw]
    parse_params(workload, firsts, script)  # unknown names, missing required parameters
    axes: list[Axis] = []
    for i, (name, values) in enumerate(raw):
        others = firsts[:i] + firsts[i + 1 :]
        axes.append(Axis(name, tuple(parse_params(workload, [*others, f"{name}={v}"], script)[name] for v in values)))
    return axes


def override_axes(costs: CostModel, items: Sequence[str]) -> list[Axis]:
    """The --set axes; every value is tried on the profile now (a ProfileError names it)."""
    axes: list[Axis] = []
    for item in items:
        name, values = parse_axis(item, "--set")
        if any(a.name == name for a in axes):
            raise UserError(f"--set {name}: given twice (put every value in one --set {name}=V1,V2)")
        for value in values:
            costs.with_overrides([f"{name}={value.strip()}"])
        axes.append(Axis(name, tuple(v.strip() for v in values)))
    return axes


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    try:
        file_format(out)
    except StoreError as exc:
        raise UserError(f"--out {exc}") from None
    if not out.parent.is_dir():
        raise UserError(f"--out {out}: no such directory {out.parent}")
    _module, workload = load_script(args.script)
    source = Path(args.script).read_text(encoding="utf-8")
    costs = load_profile(args.host, cost_sections())
    params = param_axes(workload, args.param, args.script)
    overrides = override_axes(costs, args.set)
    seeds = list(range(args.seed, args.seed + args.seeds))
    points = expand(params, overrides, seeds)
    spec = SweepSpec(script_name=args.script, script_source=source, costs=costs, defaults=tuple(defaults_of(workload).items()))
    workers = args.jobs or default_workers()
    console = Console(stderr=True)
    try:
        outcome = _run_with_progress(spec, points, out, [a.name for a in overrides], workers, args, console)
    except (StoreError, SchedulerUnavailable) as exc:
        raise UserError(str(exc)) from None
    except KeyboardInterrupt:
        print(f"simuring: interrupted: every finished row is in {out}; run the same command to continue", file=sys.stderr)
        return 130
    if not args.quiet:
        print_table(outcome, spec, [a.name for a in params] + [a.name for a in overrides], args.show, len(seeds))
    return report_failures(outcome, out)


def _run_with_progress(
    spec: SweepSpec, points: list[Any], out: Path, override_names: list[str], workers: int, args: argparse.Namespace, console: Console
) -> SweepOutcome:
    where = f"Dask scheduler {args.scheduler}" if args.scheduler else f"{workers} local process{'es' if workers > 1 else ''}"
    columns = (TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True, disable=args.quiet) as progress:
        task = progress.add_task("sweep", total=None)

        def on_plan(to_run: int, skipped: int) -> None:
            if not args.quiet:
                found = f", {skipped} already in {out}" if skipped else ""
                console.print(f"{len(points)} points{found}: running {to_run} on {where}")
            progress.update(task, total=to_run)

        def on_row(row: dict[str, Any]) -> None:
            progress.advance(task)

        return run_sweep(
            spec, points, out, override_names=override_names, workers=workers, scheduler=args.scheduler, on_plan=on_plan, on_row=on_row
        )


def default_figures(rows: Sequence[dict[str, Any]], not_figures: set[str]) -> list[str]:
    """The workload's figures worth a first look: two, per message first, then in ns,
    then the median latency if there were completions."""
    ok = [row for row in rows if not row.get("error")]
    if not ok:
        return []
    fixed = set(HEAD) | set(TAIL) | {INPUTS_END} | not_figures
    reported = sorted(k for k in ok[0] if k not in fixed and as_number(ok[0][k]) is not None)
    per_msg = [k for k in reported if "per_msg" in k]
    in_ns = [k for k in reported if k.endswith("_ns") and k not in per_msg]
    figures = (per_msg + in_ns or reported)[:2]
    if any(as_number(row.get("completions")) for row in ok):
        figures.append("latency_p50_ns")
    return figures


def print_table(outcome: SweepOutcome, spec: SweepSpec, swept: Sequence[str], show: Sequence[str], seeds: int) -> None:
    figures = list(show) or default_figures(outcome.rows, {name for name, _ in spec.defaults} | set(swept))
    if not figures or not outcome.rows:
        return
    groups = replicate_groups(outcome.rows, swept, figures)
    title = f"mean and 95% CI over {seeds} seeds" if seeds > 1 else "one seed per point (--seeds N for confidence intervals)"
    table = Table()
    for name in swept:
        table.add_column(name, justify="right")
    table.add_column("n", justify="right")
    for fig in figures:
        table.add_column(fig, justify="right")
    for group in groups:
        counts = {s.n for s in group.stats.values()}
        cells = [_fmt_stat(group.stats[f].mean, group.stats[f].ci95) for f in figures]
        table.add_row(*(str(v) for _, v in group.key), "/".join(str(c) for c in sorted(counts)), *cells)
    console = Console()
    console.print(title)
    console.print(table)


def _fmt_stat(mean: float | None, ci: float | None) -> str:
    if mean is None:
        return "-"
    text = f"{mean:,.1f}" if abs(mean) < 1e6 else f"{mean:,.0f}"
    return text if ci is None else f"{text} ± {ci:,.1f}"


def report_failures(outcome: SweepOutcome, out: Path) -> int:
    failed = outcome.failed
    summary = f"{len(outcome.rows)} rows in {out} ({outcome.ran} run now, {outcome.skipped} found)"
    if not failed:
        print(summary, file=sys.stderr)
        return 0
    print(f"{summary}; {len(failed)} failed (their 'error' column says why), e.g.:", file=sys.stderr)
    for row in failed[:3]:
        print(f"  seed {row.get('seed')}: {row['error']}", file=sys.stderr)
    return 1
