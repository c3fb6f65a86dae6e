"""A seeded fuzzer of random SQE chains: the simulator must never raise, hang or lose a CQE.

``python -m simuring.conform.fuzz --cases 10000 --seed 0`` runs seeds 0..9999.
Each seed gives one case (:func:`~simuring.conform.fuzz_case.generate`): random
setup flags (SQPOLL, COOP_TASKRUN, TASKRUN_FLAG, SINGLE_ISSUER,
DEFER_TASKRUN, CQSIZE with small CQs, SUBMIT_ALL, ...), objects (pipes,
eventfds, socket pairs, regular files, a second ring, an IPC channel,
registered files) and batches of SQEs over every opcode the simulator
models and raw opcode numbers, with link / hardlink / drain / async /
skip-success flags, link timeouts, bad fds, NULL, short, read-only,
strided and non-byte buffers, huge offsets and random values poked into
SQE fields; each batch is submitted one of several ways and followed by
waits and plain system calls.  The case is printed as a Python program and
that program is what runs, in ``Simulation(seed=seed)``, through the public
API only.  It ends on its own: ``h.finish()`` cancels what is left
(IORING_ASYNC_CANCEL_ANY), flushes and exits the rings.

The oracle (:mod:`simuring.conform.fuzz_harness`) checks that no Python
exception escapes; that the run neither livelocks (too many events at one
simulated instant), nor runs past its wall-clock limit or its simulated-time
bound; that every request the kernel consumed got exactly one final CQE
(none for a CQE_SKIP_SUCCESS request that succeeded; F_MORE CQEs before it
for a multishot one); that each ring posted exactly the CQEs that were
reaped (nothing lost through the overflow list); and, running the case a
second time, that the same seed gives the same CQE sequence.

A failing case is shrunk (:mod:`simuring.conform.fuzz_shrink`) and printed
as a program that reproduces the failure: paste it into a file and run it,
or turn it into a regression test.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from simuring.conform.fuzz_case import Case, generate, render
from simuring.conform.fuzz_harness import (
    LOOP_IN_EVENT,
    SAME_INSTANT_LIMIT,
    WALL_LIMIT_S,
    Harness,
    Livelock,
    Outcome,
    Problem,
    run_program,
)
from simuring.conform.fuzz_shrink import shrink

__all__ = [
    "CaseResult",
    "Case",
    "Harness",
    "Livelock",
    "Outcome",
    "compile_case",
    "generate",
    "main",
    "render",
    "run_case",
    "run_program",
    "run_seeds",
    "shrink_case",
]

NONDETERMINISTIC = "nondeterministic (same seed, different CQEs)"


def compile_case(case: Case, note: str = "") -> Callable[[Harness], Any]:
    """The ``workload`` function of the case's program."""
    source = render(case, note)
    ns: dict[str, Any] = {"__name__": f"simuring_fuzz_case_{case.seed}"}
    exec(compile(source, f"<fuzz case {case.seed}>", "exec"), ns)
    return ns["workload"]  # type: ignore[no-any-return]


def run_case(
    case: Case,
    determinism: bool = True,
    wall_s: float = WALL_LIMIT_S,
    same_instant: int = SAME_INSTANT_LIMIT,
) -> Outcome:
    """Run the case (twice with ``determinism``, comparing the runs) and judge it.

    A run stopped by the wall-clock limit is run again with
    ``WALL_RETRY_FACTOR`` times the limit before it counts (:func:`_run`), so
    that a loaded machine neither looks like a livelock nor, when only the
    second run is slowed down, like nondeterminism.
    """
    workload = compile_case(case)
    out = _run(workload, case, wall_s, same_instant)
    if determinism and out.error is None:
        again = _run(workload, case, wall_s, same_instant)
        if again.fingerprint() != out.fingerprint():
            out.problems.append(Problem(NONDETERMINISTIC, _first_difference(out, again)))
    return out


#: How much more wall-clock time a run stopped by the wall-clock limit gets on its second try.
WALL_RETRY_FACTOR = 4


def _run(workload: Callable[[Harness], Any], case: Case, wall_s: float, same_instant: int) -> Outcome:
    """``run_program``, once more with a longer wall-clock limit if the limit stopped it.

    The limit catches a loop that never returns to the event loop; such a
    loop also exhausts the longer limit, while a run that was merely slowed
    down by other processes completes the second time, with the same result
    (the simulated run does not depend on wall-clock time).
    """
    out = run_program(workload, case.seed, case.limit_ns(), wall_s, same_instant)
    if out.error is not None and out.error.key == LOOP_IN_EVENT:
        out = run_program(workload, case.seed, case.limit_ns(), wall_s * WALL_RETRY_FACTOR, same_instant)
    return out


def _first_difference(a: Outcome, b: Outcome) -> str:
    for i, (x, y) in enumerate(zip(a.cqes, b.cqes, strict=False)):
        if x != y:
            return f"CQE #{i}: {x} then {y}"
    if len(a.cqes) != len(b.cqes):
        return f"{len(a.cqes)} CQEs then {len(b.cqes)}"
    return f"end t={a.end_ns} then {b.end_ns}; posted {a.posted} then {b.posted}"


@dataclass
class CaseResult:
    """One seed's verdict, small enough to send between processes."""

    seed: int
    keys: list[str]
    problems: list[str]
    frame: str = ""  # the exception's innermost frame, if one was raised
    wall_s: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.keys


def check_seed(seed: int, determinism: bool = True, wall_s: float = WALL_LIMIT_S) -> CaseResult:
    """Generate, run and judge the case of ``seed``."""
    t0 = time.perf_counter()
    try:
        out = run_case(generate(seed), determinism, wall_s)
    except Exception as exc:  # a bug of the fuzzer itself: report it as its own class
        return CaseResult(seed, [f"fuzzer error: {type(exc).__name__}"], [repr(exc)], wall_s=time.perf_counter() - t0)
    return CaseResult(
        seed,
        out.keys(),
        [str(p)[:400] for p in out.problems[:5]],
        out.error.frame if out.error else "",
        time.perf_counter() - t0,
        out.stats,
    )


def _check_args(args: tuple[int, bool, float]) -> CaseResult:
    return check_seed(*args)


def run_seeds(
    seeds: Iterable[int],
    jobs: int = 1,
    determinism: bool = True,
    wall_s: float = WALL_LIMIT_S,
    progress: Callable[[CaseResult], None] | None = None,
) -> list[CaseResult]:
    """Check every seed (on ``jobs`` processes); the results in seed order."""
    work = [(s, determinism, wall_s) for s in seeds]
    results: list[CaseResult] = []
    if jobs <= 1 or len(work) < 2:
        for w in work:
            r = _check_args(w)
            results.append(r)
            if progress:
                progress(r)
    else:
        import multiprocessing as mp

        ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
        with ctx.Pool(jobs) as pool:
            for r in pool.imap_unordered(_check_args, work, chunksize=4):
                results.append(r)
                if progress:
                    progress(r)
    results.sort(key=lambda r: r.seed)
    return results


def shrink_case(
    seed: int,
    key: str,
    max_runs: int = 400,
    max_seconds: float = 60.0,
    wall_s: float = WALL_LIMIT_S,
) -> tuple[Case, int]:
    """The smallest variant of seed's case that still fails with failure class ``key``."""
    case = generate(seed)
    determinism = key == NONDETERMINISTIC
    if key == LOOP_IN_EVENT:
        wall_s = min(wall_s, 0.6)  # a normal case takes milliseconds: find the loop faster

    def still_fails(c: Case) -> bool:
        try:
            return key in run_case(c, determinism, wall_s).keys()
        except Exception:
            return False

    return shrink(case, still_fails, max_runs, max_seconds)


def _shrink_args(args: tuple[int, str, int, float, float]) -> tuple[str, int, str, str, int]:
    seed, key, max_runs, max_seconds, wall_s = args
    small, runs = shrink_case(seed, key, max_runs, max_seconds, wall_s)
    out = run_case(small, key == NONDETERMINISTIC, wall_s)
    detail = next((str(p) for p in out.problems if p.key == key), "")
    if out.error is not None and out.error.trace:
        detail += "\n" + out.error.trace
    return key, seed, render(small, f"shrunk from seed {seed}: {key}"), detail, runs


def format_failures(results: Sequence[CaseResult], show: int = 3) -> str:
    """Failure classes, with counts and seeds, as plain text (for test failures)."""
    classes = classify(results)
    lines = [f"{sum(1 for r in results if not r.ok)} of {len(results)} cases failed:"]
    for key, rs in sorted(classes.items(), key=lambda kv: -len(kv[1])):
        seeds = ", ".join(str(r.seed) for r in rs[:8])
        lines.append(f"- {key}: {len(rs)} (seeds {seeds}{', ...' if len(rs) > 8 else ''})")
        for r in rs[:show]:
            for p in r.problems[:1]:
                lines.append(f"    seed {r.seed}: {p[:300]}")
    lines.append("reproduce and shrink one: python -m simuring.conform.fuzz --seed SEED --cases 1")
    return "\n".join(lines)


def classify(results: Sequence[CaseResult]) -> dict[str, list[CaseResult]]:
    classes: dict[str, list[CaseResult]] = {}
    for r in results:
        for k in r.keys:
            classes.setdefault(k, []).append(r)
    return classes


# -- the command line -------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m simuring.conform.fuzz",
        description="Run seeded random SQE chains in the simulator; report exceptions, livelocks, "
        "lost or duplicate CQEs and nondeterminism, with a shrunk reproducer per failure class.",
    )
    ap.add_argument("--cases", type=int, default=1000, help="how many seeds to run (default 1000)")
    ap.add_argument("--seed", type=int, default=0, help="the first seed (default 0)")
    ap.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, help="worker processes (default: one per CPU)")
    ap.add_argument("--no-shrink", action="store_true", help="do not shrink a reproducer per failure class")
    ap.add_argument("--shrink-runs", type=int, default=300, help="runs one shrink may use (default 300)")
    ap.add_argument("--no-determinism", action="store_true", help="run each case once (no same-seed comparison)")
    ap.add_argument("--wall", type=float, default=WALL_LIMIT_S, help=f"wall-clock seconds per run (default {WALL_LIMIT_S})")
    ap.add_argument("--print", dest="print_seed", type=int, metavar="SEED", help="print the case of SEED as Python and exit")
    ap.add_argument("--json", metavar="FILE", help="write every result and the reproducers to FILE")
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    """The CLI: 0 when every case passed, 1 when some failed, 2 for bad arguments."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.syntax import Syntax
    from rich.table import Table

    args = _parser().parse_args(argv)
    console = Console() if sys.stdout.isatty() else Console(width=160)
    if args.print_seed is not None:
        console.print(render(generate(args.print_seed)), markup=False, highlight=False)
        return 0
    if args.cases < 1 or args.jobs < 1:
        console.print("--cases and --jobs must be at least 1")
        return 2
    seeds = range(args.seed, args.seed + args.cases)
    failed = 0
    t0 = time.perf_counter()
    columns = (TextColumn("[bold]fuzz"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[failed]} failed"),
               TimeElapsedColumn(), TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("fuzz", total=len(seeds), failed=0)

        def tick(r: CaseResult) -> None:
            nonlocal failed
            failed += not r.ok
            bar.update(task, advance=1, failed=failed)

        results = run_seeds(seeds, min(args.jobs, len(seeds)), not args.no_determinism, args.wall, tick)
    elapsed = time.perf_counter() - t0
    classes = classify(results)
    console.print(
        f"{len(results)} cases in {elapsed:.1f} s ({1000 * elapsed / len(results):.1f} s per 1000 on {args.jobs} "
        f"process(es)); {failed} failed ({100 * failed / len(results):.1f}%), {len(classes)} failure classes"
    )
    cover = {k: sum(1 for r in results if r.stats.get(k)) for k in ("sqpoll", "overflow", "drain_blocked", "cancelled")}
    no_ring = sum(1 for r in results if r.stats.get("rings") == 0)
    console.print(f"coverage: ring setup refused {no_ring}, SQPOLL {cover['sqpoll']}, CQ overflow {cover['overflow']}, "
                  f"final cancel found work {cover['cancelled']}, drain-blocked {cover['drain_blocked']}")  # fmt: skip
    reproducers: list[dict[str, Any]] = []
    if classes:
        table = Table(title="failure classes")
        table.add_column("class")
        table.add_column("cases", justify="right")
        table.add_column("%", justify="right")
        table.add_column("first seeds")
        table.add_column("line")
        for key, rs in sorted(classes.items(), key=lambda kv: -len(kv[1])):
            line = rs[0].frame.split(" in ")[0].rsplit("/", 1)[-1] if rs[0].frame else ""
            table.add_row(key, str(len(rs)), f"{100 * len(rs) / len(results):.1f}", " ".join(str(r.seed) for r in rs[:5]), line)
        console.print(table)
        if not args.no_shrink:
            work = [(rs[0].seed, key, args.shrink_runs, 60.0, args.wall) for key, rs in classes.items()]
            with Progress(TextColumn("[bold]shrinking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=console) as bar2:  # fmt: skip
                t2 = bar2.add_task("shrink", total=len(work))
                done: list[tuple[str, int, str, str, int]] = []
                if args.jobs > 1 and len(work) > 1:
                    import multiprocessing as mp

                    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
                    with ctx.Pool(min(args.jobs, len(work))) as pool:
                        for item in pool.imap_unordered(_shrink_args, work):
                            done.append(item)
                            bar2.update(t2, advance=1)
                else:
                    for w in work:
                        done.append(_shrink_args(w))
                        bar2.update(t2, advance=1)
            order = {key: i for i, key in enumerate(sorted(classes, key=lambda k: -len(classes[k])))}
            for key, seed, source, detail, runs in sorted(done, key=lambda d: order[d[0]]):
                console.rule(f"{key}  ({len(classes[key])} cases; seed {seed}, shrunk in {runs} runs)")
                console.print(Syntax(source, "python", theme="ansi_dark", word_wrap=True))
                if detail:
                    console.print(detail, markup=False, highlight=False)
                reproducers.append({"class": key, "seed": seed, "count": len(classes[key]), "program": source, "detail": detail})
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {
                    "seeds": [args.seed, args.seed + args.cases - 1],
                    "elapsed_s": elapsed,
                    "jobs": args.jobs,
                    "failed": failed,
                    "classes": {k: [r.seed for r in rs] for k, rs in classes.items()},
                    "results": [r.__dict__ for r in results if not r.ok],
                    "reproducers": reproducers,
                },
                f,
                indent=1,
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
