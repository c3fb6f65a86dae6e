"""``simuring calibrate``: measure this machine and write a host profile for it.

A probe in C (shipped as source, compiled here with the system C compiler)
measures system calls, copies by size and footprint, a cache line between
two CPUs, the interrupts a running task loses, pipe, AF_UNIX socket and
eventfd costs, wake-ups of a blocked task on another CPU (idle and busy
target), io_uring NOPs and MSG_RING between two rings (without setup flags
and with SINGLE_ISSUER|DEFER_TASKRUN).  Each figure is the median of
several runs, each a fresh process, all in one shuffled order, measured
again when the machine moved meanwhile (a VM's vCPUs placed elsewhere:
``--attempts``).  The CPU count and cache sizes are read from the machine;
the parameters the probe cannot measure directly are fitted to its
figures within physical ranges; the rest is inherited from a base profile.
Written: a host profile (``--out``) that any command takes with ``--host``.
Then ``simuring validate --host FILE`` checks it against real IPC
benchmarks.  Exit 2 for bad input or a machine where the probe cannot be
built.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
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
from simuring.cost.profiles import DEFAULT_PROFILE

EPILOG = """\
examples:
  simuring calibrate --out myhost.toml            measure this machine (about a minute)
  simuring calibrate --out myhost.toml --quick    fewer repeats, a rougher profile
  simuring validate --host myhost.toml            then: real vs simulated IPC benchmarks
  simuring run workloads/ipc_broadcast.py --host myhost.toml     any what-if on this host
"""


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "calibrate",
        help="measure this machine with real microbenchmarks and write a host profile",
        description=__doc__.split("\n\n")[1].replace("\n", " ").replace("``", "") if __doc__ else None,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", default="myhost.toml", metavar="FILE", help="where to write the host profile (default: %(default)s)")
    p.add_argument("--name", metavar="NAME", help="the profile's name (default: from the file name)")
    p.add_argument("--base", default=DEFAULT_PROFILE, metavar="NAME|PATH", help="the profile to inherit what cannot be measured from (default: %(default)s)")
    p.add_argument("--repeats", type=positive_int, default=15, metavar="N", help="runs of each figure, each a fresh process (default: %(default)s)")
    p.add_argument("--quick", action="store_true", help="3 runs of each figure and a shorter fit: a rough profile in about 20 s")
    p.add_argument("--max-evals", type=positive_int, default=400, metavar="N", help="evaluations of each fit, about (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="seed of the run order and of the simulations (default: %(default)s)")
    add_attempts_option(p)
    p.set_defaults(func=run)


def add_attempts_option(p: Any) -> None:
    """``--attempts``, for calibrate and validate alike."""
    p.add_argument(
        "--attempts",
        type=positive_int,
        default=2,
        metavar="N",
        help="measure again while the cache-line hand-off says the machine moved (on a VM, the host placed the vCPUs "
        "elsewhere for part of the run), up to N sets in all: the first that held still is kept, else the steadiest "
        "(default: %(default)s)",
    )


def measure_steadily(console: Console, what: str, benches: Any, binaries: Any, repeats: int, seed: int, attempts: int) -> Any:
    """:func:`measure_with_progress`, again (the next seed's order) while the machine moved,
    up to ``attempts`` sets (:func:`simuring.calibrate.probes.measure_until_still`)."""
    from simuring.calibrate.probes import measure_until_still

    def once(attempt: int) -> Any:
        return measure_with_progress(console, what, benches, binaries, repeats, seed + attempt)

    def moved(attempt: int, why: str) -> None:
        if attempt + 1 < attempts:
            console.print(f"[yellow]{escape(why)}: measuring again ({attempt + 2} of {attempts} sets at most)[/]", highlight=False)

    return measure_until_still(once, attempts, moved)


def measure_with_progress(console: Console, what: str, benches: Any, binaries: Any, repeats: int, seed: int) -> Any:
    """Run ``benches`` (:func:`simuring.calibrate.measure.measure`) with a progress bar on stderr."""
    from simuring.calibrate.measure import measure

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(what, total=len(benches) * repeats)

        def on_run(done: int, total: int, bench: Any) -> None:
            progress.update(task, completed=done, description=f"{what}: {bench.key[:40]}")

        measured = measure(benches, binaries, repeats, seed, on_run)
    console.print(f"{what}: {len(benches)} figures x {repeats} runs in {measured.wall_s:.0f} s", highlight=False)
    if measured.unavailable:
        console.print(f"[yellow]io_uring is unavailable here ({escape(measured.unavailable)}): its figures were skipped[/]")
    return measured


def run(args: argparse.Namespace) -> int:
    from simuring.calibrate import probes
    from simuring.calibrate.build import BuildError, build
    from simuring.calibrate.calibration import calibrate
    from simuring.calibrate.hostinfo import read_host
    from simuring.calibrate.hostprofile import profile_name, render
    from simuring.engine.sim import Simulation

    out = Path(args.out)
    if not out.parent.is_dir():
        raise UserError(f"--out {out}: no such directory {str(out.parent)!r}")
    base = Simulation(host=args.base).costs
    repeats = 3 if args.quick else args.repeats
    max_evals = min(args.max_evals, 150) if args.quick else args.max_evals
    console = Console(stderr=True)
    t0 = time.perf_counter()
    host = read_host()
    console.print(f"host: {escape(host.describe())}", highlight=False)
    try:
        binary = build("probe")
    except BuildError as exc:
        raise UserError(f"calibrate: {exc}") from None
    benches = probes.calibration_benches(host.cpus)
    if host.cpus < 2:
        console.print(
            f"[yellow]this process may run on one CPU only (its affinity): the "
            f"{len(probes.calibration_benches()) - len(benches)} figures between two CPUs (a cache line's hand-off, "
            f"copies of another core's lines, wake-ups onto another CPU, MSG_RING) are skipped, and their "
            f"parameters inherited from {escape(base.name)}[/]"
        )
    measured = measure_steadily(console, "probe", benches, {"probe": binary}, repeats, args.seed, args.attempts)
    failed = [f.error for f in measured.figures.values() if not f.ok and not (f.bench.io_uring and measured.unavailable)]
    for error in failed:
        console.print(f"[yellow]not measured: {escape(str(error))}[/]")
    moved = probes.handoff_moved(measured)
    if moved is not None:
        fig = measured.get(probes.CACHELINE)
        assert fig is not None
        console.print(
            f"[yellow]{escape(moved)}{steadiest(args.attempts)}: the profile takes their median, {fig.median:,.0f} ns, "
            "and may describe neither; calibrate again when the machine is idle[/]",
            highlight=False,
        )
    console.print("fitting the parameters the probe cannot measure directly ...", highlight=False)
    cal = calibrate(base, host, measured, seed=args.seed, max_evals=max_evals)
    out.write_text(render(cal, args.name or profile_name(out.stem)))
    _print(Console(), cal)
    console.print(f"wrote {out} in {time.perf_counter() - t0:.0f} s; next: simuring validate --host {out}", highlight=False)
    return 0


def steadiest(attempts: int) -> str:
    """What to add to "the machine moved" when every one of ``attempts`` sets moved."""
    return f" (in each of the {attempts} sets measured; this is the steadiest)" if attempts > 1 else ""


def _print(console: Console, cal: Any) -> None:
    from simuring.calibrate.probes import fitted

    table = Table(title="this host's parameters (the others are inherited from the base profile)", title_justify="left")
    for col in ("parameter", "value", "base", "how"):
        table.add_column(col, justify="right" if col in ("value", "base") else "left")
    base = {i.dotted: i.value for i in cal.base.describe()}
    for dotted, value in cal.values.items():
        table.add_row(dotted, _shown(value), _shown(base[dotted]), cal.provenance[dotted].kind)
    for stage in cal.stages:
        for dotted in stage.unseen:
            table.add_row(dotted, _shown(base[dotted]), _shown(base[dotted]), "inherited: no measured figure depends on it")
    console.print(table)
    for stage in cal.stages:
        errors = stage.errors()
        if not errors:
            continue
        worst = sorted(errors.items(), key=lambda kv: -abs(kv[1]))[:3]
        median = sorted(abs(e) for e in errors.values())[len(errors) // 2]
        shown = "; ".join(f"{k} {v:+.0%}" for k, v in worst)
        console.print(
            f"fit of the {stage.name} figures: median |error| {median:.0%} over {len(errors)}; largest: {escape(shown)}",
            highlight=False,
        )
    skipped = [f for f in cal.measured.figures.values() if f.ok and not fitted(f.bench)]
    for fig in skipped:
        console.print(f"measured, not fitted (the model has no counterpart): {escape(fig.bench.key)}: {fig.median:,.0f} ns", highlight=False)


def _shown(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:.4g}"

