"""Running real benchmarks: fresh processes, shuffled order, repeats, median and spread.

Each :class:`Bench` is one figure: a program (``probe`` or ``ipcbench``), a
benchmark name and its arguments.  :func:`measure` runs every bench
``repeats`` times, each run a new process, all runs of all benches in one
shuffled order (seeded), so that a slow phase of the machine (another
tenant, a frequency change) spreads over many figures instead of biasing
one.  A :class:`Figure` keeps every run's value; its figure is the median,
its spread the minimum and maximum.

The programs' contract (``csrc/common.h``): one JSON object on stdout and
exit 0; exit 3 with ``{"unavailable": ...}`` when io_uring cannot be used
(then every other io_uring bench is skipped, and the reason reported);
exit 1 or 2 with one line on stderr for a failure.
"""

from __future__ import annotations

import json
import random
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import attrs

UNAVAILABLE_EXIT = 3
RUN_TIMEOUT_S = 60.0


@attrs.frozen
class Bench:
    """One real figure: ``program bench key=value ...``; ``io_uring``: it needs io_uring."""

    program: str
    bench: str
    args: tuple[tuple[str, str | int], ...] = ()
    io_uring: bool = False

    @property
    def key(self) -> str:
        """A name for the figure, e.g. ``wake target=idle gap_ns=1000000``."""
        return " ".join([self.bench, *(f"{k}={v}" for k, v in self.args)])

    def argv(self, binary: Path) -> list[str]:
        return [str(binary), self.bench, *(f"{k}={v}" for k, v in self.args)]


@attrs.frozen
class Figure:
    """A bench's runs: ``values`` of its main figure (``ns``), and every run's other fields."""

    bench: Bench
    values: tuple[float, ...] = ()
    runs: tuple[Mapping[str, object], ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.values)

    @property
    def median(self) -> float:
        return float(statistics.median(self.values))

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    @property
    def spread(self) -> float:
        """(max - min) / median: how much the repeats disagree."""
        return (self.high - self.low) / self.median if self.median else 0.0

    def field(self, name: str) -> float:
        """The median over runs of another numeric field (e.g. ``waker_ns``)."""
        return float(statistics.median(float(r[name]) for r in self.runs if isinstance(r.get(name), int | float)))  # type: ignore[arg-type]


@attrs.frozen
class Measured:
    """Every figure by its bench's key; ``unavailable``: why io_uring benches were skipped."""

    figures: dict[str, Figure]
    unavailable: str | None = None
    wall_s: float = 0.0

    def get(self, bench: Bench) -> Figure | None:
        fig = self.figures.get(bench.key)
        return fig if fig is not None and fig.ok else None


def run_once(binary: Path, bench: Bench, timeout: float = RUN_TIMEOUT_S) -> tuple[int, dict[str, object], str]:
    """Run ``bench`` once in a new process: (exit status, its JSON object, its stderr line)."""
    try:
        proc = subprocess.run(bench.argv(binary), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return 1, {}, f"timed out after {timeout:.0f} s"
    line = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    try:
        data = json.loads(line) if line else {}
    except json.JSONDecodeError:
        data = {}
    err = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
    if proc.returncode == 0 and not isinstance(data.get("ns"), int | float):
        return 1, data, f"printed no figure: {line[:200]!r}"
    return proc.returncode, data, err


def measure(
    benches: Sequence[Bench],
    binaries: Mapping[str, Path],
    repeats: int,
    seed: int = 0,
    on_run: Callable[[int, int, Bench], None] | None = None,
) -> Measured:
    """Run every bench ``repeats`` times in one shuffled order (fresh processes)."""
    t0 = time.perf_counter()
    order = [b for b in benches for _ in range(repeats)]
    random.Random(f"simuring-measure:{seed}").shuffle(order)
    values: dict[str, list[float]] = {b.key: [] for b in benches}
    runs: dict[str, list[dict[str, object]]] = {b.key: [] for b in benches}
    errors: dict[str, str] = {}
    unavailable: str | None = None
    for done, bench in enumerate(order, 1):
        if (bench.io_uring and unavailable is not None) or bench.key in errors:
            if on_run is not None:
                on_run(done, len(order), bench)
            continue
        status, data, err = run_once(binaries[bench.program], bench)
        if status == 0:
            values[bench.key].append(float(data["ns"]))  # type: ignore[arg-type]
            runs[bench.key].append(data)
        elif status == UNAVAILABLE_EXIT and bench.io_uring:
            unavailable = str(data.get("unavailable") or err or "io_uring is unavailable")
        else:
            errors[bench.key] = f"{bench.program} {bench.key}: exit {status}: {err or 'no message'}"
        if on_run is not None:
            on_run(done, len(order), bench)
    figures = {}
    for b in benches:
        error = errors.get(b.key)
        if error is None and not values[b.key]:
            error = f"io_uring unavailable: {unavailable}" if b.io_uring and unavailable else "not measured"
        figures[b.key] = Figure(b, tuple(values[b.key]), tuple(runs[b.key]), error)
    return Measured(figures, unavailable, time.perf_counter() - t0)
