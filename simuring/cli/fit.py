"""``simuring fit rfc``: fit a host profile's ranged parameters to the IPC proposal's tables.

The parameters that have a ``range`` in the profile (at most 20) are moved,
within it, to minimise the relative errors of the calibration tables
(point_to_point, broadcast_16, scaling_64B); every other parameter keeps its
value.  Then, unless ``--no-leave-one-out``, each table is left out in turn:
fitted on the others, predicted.  Written: the profile with the fitted values
(``--out``; sources and ranges kept) and a Markdown report (``--report``).
Needs scipy (``pip install 'simuring[fit]'``).  Exit 2 for bad input.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
from rich.console import Console
from rich.markup import escape

from simuring.cli.errors import UserError
from simuring.cli.options import positive_int
from simuring.cli.reproduce import default_jobs
from simuring.cost.profiles import DEFAULT_PROFILE

if TYPE_CHECKING:
    from simuring.reproduce.fit import Evaluation, FitResult, LeftOut, Visibility
    from simuring.reproduce.reference import Cell, Reference

EPILOG = """\
examples:
  simuring fit rfc                                   fit rfc-vm-32vcpu, write fitted-rfc-vm-32vcpu.toml and fit-report.md
  simuring fit rfc --host my.toml --out my-fitted.toml
  simuring fit rfc --max-evals 100 --no-leave-one-out    a shorter fit
"""


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "fit",
        help="fit a host profile's ranged parameters to the IPC proposal's published tables",
        description=__doc__.split("\n\n")[1].replace("\n", " ") if __doc__ else None,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("study", metavar="STUDY", help="what to fit to: rfc (the io_uring IPC channel RFC, March 2026)")
    p.add_argument("--host", default=DEFAULT_PROFILE, metavar="NAME|PATH", help="the profile to start from (default: %(default)s)")
    p.add_argument("--out", metavar="FILE", help="where to write the fitted profile (default: fitted-NAME.toml)")
    p.add_argument("--report", default="fit-report.md", metavar="FILE", help="where to write the fit's report (default: fit-report.md)")
    p.add_argument("--max-evals", type=int, default=300, metavar="N", help="evaluations of the fit, about (default: 300)")
    p.add_argument("--seed", type=int, default=0, help="random seed of every evaluation (default: 0)")
    p.add_argument("-j", "--jobs", type=positive_int, default=default_jobs(), metavar="N", help="parallel processes (default: the local cores)")
    p.add_argument("--loo-evals", type=int, metavar="N", help="evaluations per leave-one-table-out fit, about (default: --max-evals)")
    p.add_argument("--no-leave-one-out", action="store_true", help="skip the leave-one-table-out fits")
    p.add_argument("--no-visibility", action="store_true", help="skip the probe of which parameters the cells see")
    p.add_argument("-k", dest="pattern", metavar="PATTERN", help="fit only the cells whose name table:mechanism:msg_size:receivers contains PATTERN or matches it as a glob (no leave-one-out)")
    p.add_argument("--workloads", metavar="DIR", help="the folder of the rfc_*.py benchmark workloads")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from simuring.cost.profiles import profile_text
    from simuring.engine.sim import Simulation
    from simuring.reproduce import fit as fitting
    from simuring.reproduce.reference import load_reference
    from simuring.reproduce.runner import QUICK_BUDGET
    from simuring.reproduce.workloads import WorkloadsNotFound, find_workloads

    if args.study != "rfc":
        raise UserError(f"fit: unknown study {args.study!r} (known: rfc)")
    if args.max_evals < 1:
        raise UserError(f"--max-evals: must be at least 1, got {args.max_evals}")
    if args.loo_evals is None:
        args.loo_evals = args.max_evals
    if args.loo_evals < 1:
        raise UserError(f"--loo-evals: must be at least 1, got {args.loo_evals}")
    costs = Simulation(host=args.host).costs
    text = profile_text(args.host)
    try:
        params = fitting.fit_params(costs)
        folder = find_workloads(args.workloads)
    except (fitting.FitError, WorkloadsNotFound) as exc:
        raise UserError(f"fit: {exc}") from None
    try:  # before the fit, not after it: the fitted profile is this text with new values
        fitting.with_values(text, fitting.current_values(costs, params))
    except fitting.FitError as exc:
        raise UserError(
            f"fit: {args.host}: {exc} (a fit writes its values into the profile's own lines: "
            "a parameter it fits must be given in the file, not inherited from its base)"
        ) from None
    try:
        import scipy  # noqa: F401
    except ImportError:
        raise UserError("fit: fitting needs scipy: pip install 'simuring[fit]'") from None
    out = Path(args.out or f"fitted-{costs.name}.toml")
    report_path = Path(args.report)
    for path, what in ((out, "--out"), (report_path, "--report")):
        if not path.parent.is_dir():
            raise UserError(f"{what} {path}: no such directory {str(path.parent)!r}")
    reference = load_reference()
    tables = fitting.CALIBRATION_TABLES
    console = Console(stderr=True)
    t0 = time.perf_counter()
    phase = ["fit"]
    total = [0]

    def on_eval(evaluator: fitting.Evaluator, ev: Evaluation) -> None:
        total[0] += 1
        cost = fitting.evaluation_cost(ev, evaluator.cells)
        evaluator.best = min(evaluator.best, cost)
        if evaluator.count % 10 != 1:  # a line every 10 evaluations (no live display: workers are forked)
            return
        console.print(
            f"  {phase[0]}: evaluation {evaluator.count} (cost {cost:.4f}, best {evaluator.best:.4f}); "
            f"{total[0]} in all, {time.perf_counter() - t0:.0f} s",
            highlight=False,
        )

    def make_evaluator(cells: Sequence[Cell]) -> fitting.Evaluator:
        return fitting.Evaluator(costs, cells, args.seed, QUICK_BUDGET, folder, args.jobs, on_eval)

    cells = fitting.fitted_cells(reference, tables, args.pattern)
    if not cells:
        raise UserError(f"fit: -k {args.pattern}: no published cell to fit matches (cells are named table:mechanism:msg_size:receivers)")
    if args.pattern is not None and not args.no_leave_one_out:
        console.print("-k: no leave-one-table-out fits (they need whole tables)")
        args.no_leave_one_out = True
    start = fitting.current_values(costs, params)
    console.print(
        f"[bold]simuring fit rfc[/bold]: {len(params)} parameters of {escape(costs.name)} on {len(cells)} cells "
        f"of {', '.join(tables)}; up to ~{args.max_evals} evaluations per fit",
        soft_wrap=True,
    )
    result = fitting.fit(make_evaluator(cells), params, start, cells, args.max_evals)
    out.write_text(fitting.with_values(text, result.values))
    # the report shows every published cell, the ones left out of the fit included
    everything = fitting.matching(reference, fitting.calibration_cells(reference, tables), args.pattern)
    result = attrs.evolve(
        result,
        start_eval=make_evaluator(everything)(result.start),
        final_eval=make_evaluator(everything)(result.values),
    )
    console.print(f"fitted profile: {out}")
    left: list[LeftOut] = []
    if not args.no_leave_one_out:
        for table in tables:
            phase[0] = f"without {table}"
            console.print(f"leave-one-out: fitting without {table}")
            left.append(fitting.leave_one_out(make_evaluator, reference, params, fitting.neutral_start(params), tables, table, args.loo_evals))
    seen: list[Visibility] = []
    if not args.no_visibility:
        phase[0] = "visibility"
        console.print("visibility: doubling every parameter of the fitted profile in turn")
        fitted = costs.with_overrides(fitting.overrides(result.values))
        seen = fitting.visibility(fitting.Evaluator(fitted, cells, args.seed, QUICK_BUDGET, folder, args.jobs, on_eval), fitted, cells)
    args.total_evaluations = total[0]
    report = markdown_report(costs.name, reference, tables, result, left, seen, args, time.perf_counter() - t0)
    report_path.write_text(report)
    console.print(f"report: {report_path}")
    return 0


# --------------------------------------------------------------------------- the report


def _pct(x: float) -> str:
    return "inf" if not math.isfinite(x) else f"{x * 100:+.0f}%"


def _summary(errors: dict[tuple[str, int, int], float], cells: Sequence[Cell]) -> str:
    errs = [abs(errors[c.key]) for c in cells]
    if not errs:
        return "-"
    within15 = sum(e <= 0.15 for e in errs)
    within25 = sum(e <= 0.25 for e in errs)
    return (
        f"median {statistics.median(errs) * 100:.0f}%, worst {max(errs) * 100:.0f}%, "
        f"{within15}/{len(errs)} within 15%, {within25}/{len(errs)} within 25%"
    )


def markdown_report(
    name: str,
    reference: Reference,
    tables: Sequence[str],
    result: FitResult,
    left: Sequence[LeftOut],
    seen: Sequence[Visibility],
    args: argparse.Namespace,
    wall_s: float,
) -> str:
    from simuring.reproduce.fit import calibration_cells, matching
    from simuring.reproduce.fit import non_monotonic_cells as fitting_non_monotonic

    lines = [
        f"# Fit of `{name}` to the IPC proposal's published tables",
        "",
        f"Written by `simuring fit rfc` (seed {args.seed}, up to ~{args.max_evals} evaluations in the fit and ~{args.loo_evals} in each leave-one-out fit, "
        f"`--quick`'s budget per cell; {result.evaluations} evaluations in the fit, "
        f"{getattr(args, 'total_evaluations', result.evaluations)} in all, {wall_s / 60:.0f} min on {args.jobs} processes). "
        f"The fit started from the profile's values before this run (\"start\"). Solver: {result.message}",
        "",
        "## Parameters",
        "",
        "| parameter | range | start | fitted | note |",
        "|---|---|---|---|---|",
    ]
    bound = set(result.at_bound())
    for p in result.params:
        note = "at a bound of its range" if p.dotted in bound else ""
        lines.append(f"| `{p.dotted}` | {p.low:g} – {p.high:g} | {result.start[p.dotted]:g} | {result.values[p.dotted]:g} | {note} |")
    everything = matching(reference, calibration_cells(reference, tables), getattr(args, "pattern", None))
    start_err = result.start_eval.errors(everything)
    final_err = result.final_eval.errors(everything)
    lines += ["", "## Errors (simulated / published - 1, quick budget)", "", "| table | at the start | fitted |", "|---|---|---|"]
    keys = {c.key for c in everything}
    for t in tables:
        cells = [c for c in reference.table(t).cells if c.reference_ns is not None and c.key in keys]
        lines.append(f"| {t} | {_summary(start_err, cells)} | {_summary(final_err, cells)} |")
    lines.append(f"| all distinct cells | {_summary(start_err, everything)} | {_summary(final_err, everything)} |")
    noisy = fitting_non_monotonic(reference, tables)
    lines += [
        "",
        "Left out of the fit (a local extreme in message size by more than 10% on both sides: "
        "noise a physical model cannot follow), and reported with the others:",
        "",
    ]
    for c in noisy:
        lines.append(f"- `{c.table}:{c.mechanism}:{c.msg_size}:{c.receivers}` (published {c.reference_ns:,} ns)")
    lines += ["", "Cells off by more than 25% after the fit:", ""]
    off = [c for c in everything if abs(final_err[c.key]) > 0.25]
    if off:
        for c in off:
            lines.append(f"- `{c.mechanism}:{c.msg_size}:{c.receivers}`: simulated {result.final_eval.simulated.get(c.key, math.nan):,.0f} ns, published {c.reference_ns:,} ns ({_pct(final_err[c.key])})")
    else:
        lines.append("- none")
    if left:
        lines += [
            "",
            "## Leave one table out",
            "",
            "Each table is left out in turn (with every cell it shares with the others), the parameters "
            "are fitted on the remaining cells, starting from the middle of their ranges (a start that "
            f"owes nothing to the published figures; up to ~{args.loo_evals} evaluations each), and the "
            "left-out table is predicted:",
            "",
            "| left out | cells fitted | left-out table, predicted | the others, fitted |",
            "|---|---|---|---|",
        ]
        for lo in left:
            err = lo.predicted.errors(everything)
            hidden = [c for c in reference.table(lo.table).cells if c.reference_ns is not None]
            hidden_keys = {c.key for c in hidden}
            rest = [c for c in everything if c.key not in hidden_keys]
            lines.append(f"| {lo.table} | {len(rest)} | {_summary(err, hidden)} | {_summary(err, rest)} |")
    if seen:
        ranged = {p.dotted for p in result.params}
        lines += [
            "",
            "## What the cells see",
            "",
            "Every parameter of the fitted profile doubled in turn (0 made 1), all fitted cells simulated:",
            "",
            "| parameter | fitted | largest change of a cell | that cell |",
            "|---|---|---|---|",
        ]
        for v in sorted(seen, key=lambda v: -v.largest_change):
            if v.visible:
                cell = ":".join(str(x) for x in v.cell) if v.cell else "-"
                lines.append(f"| `{v.dotted}` | {'yes' if v.dotted in ranged else 'no'} | {v.largest_change * 100:.1f}% | `{cell}` |")
        blind = [v.dotted for v in seen if not v.visible]
        lines += ["", f"No cell moves at all for these {len(blind)} parameters (they keep documented values):", ""]
        lines.append(", ".join(f"`{d}`" for d in blind) if blind else "none")
    lines.append("")
    return "\n".join(lines)
