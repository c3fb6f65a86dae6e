"""Running a sweep: the points not yet in the output, in parallel, each finished row kept.

:func:`run_sweep` reads the output file, runs the points whose id is not in
it (:mod:`simuring.sweep.pool`), and rewrites the file with every row so far
at most once per ``flush_s`` seconds and when it ends, however it ends: an
interrupted sweep (Ctrl-C) keeps every finished row, and the same command
continues from there.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs

from simuring.sweep.execute import SweepSpec, run_point
from simuring.sweep.grid import Point
from simuring.sweep.pool import run_parallel
from simuring.sweep.store import column_order, read_rows, write_rows


@attrs.frozen
class SweepOutcome:
    rows: list[dict[str, Any]]
    """The grid's rows, in the grid's order (those run now and those found)."""
    ran: int
    skipped: int
    """Points already in the output file."""

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [row for row in self.rows if row.get("error")]


class _Output:
    """The rows of one output file: those found in it, those added, and the rewrite."""

    def __init__(self, path: Path, spec: SweepSpec, points: Sequence[Point], override_names: Sequence[str]) -> None:
        self.path = path
        self.found = read_rows(path)
        self.ids = [spec.point_id(p) for p in points]
        self.by_id: dict[str, dict[str, Any]] = {str(row["point_id"]): row for row in self.found}
        self.params = [name for name, _ in spec.defaults]
        self.override_names = list(override_names)
        self.dirty = False

    def has(self, point_id: str) -> bool:
        return point_id in self.by_id

    def add(self, row: dict[str, Any]) -> None:
        self.by_id[str(row["point_id"])] = row
        self.dirty = True

    def grid_rows(self) -> list[dict[str, Any]]:
        return [self.by_id[i] for i in self.ids if i in self.by_id]

    def all_rows(self) -> list[dict[str, Any]]:
        in_grid = set(self.ids)
        return self.grid_rows() + [row for row in self.found if str(row["point_id"]) not in in_grid]

    def flush(self) -> None:
        if not self.dirty:
            return
        rows = self.all_rows()
        columns: dict[str, None] = {}
        for row in rows:
            columns.update(dict.fromkeys(row))
        write_rows(self.path, rows, column_order(list(columns), self.params, self.override_names))
        self.dirty = False


def run_sweep(
    spec: SweepSpec,
    points: Sequence[Point],
    out: Path,
    *,
    override_names: Sequence[str] = (),
    workers: int = 1,
    scheduler: str | None = None,
    on_plan: Callable[[int, int], None] | None = None,
    on_row: Callable[[dict[str, Any]], None] | None = None,
    flush_s: float = 1.0,
) -> SweepOutcome:
    """Run the points of ``points`` not yet in ``out`` and write every row to it.

    ``on_plan(to_run, skipped)`` is called before the first point runs,
    ``on_row(row)`` after each."""
    output = _Output(out, spec, points, override_names)
    todo = [p for p, i in zip(points, output.ids, strict=True) if not output.has(i)]
    skipped = len(points) - len(todo)
    if on_plan is not None:
        on_plan(len(todo), skipped)
    # the last points first: values are usually listed in ascending order and
    # larger ones cost more, so this is roughly longest-first, which keeps
    # every worker busy to the end; the file's order is the grid's anyway
    results = run_parallel(run_point, [(spec, p) for p in reversed(todo)], workers, scheduler)
    last_flush = time.monotonic()
    try:
        for _index, row in results:
            output.add(row)
            if on_row is not None:
                on_row(row)
            if time.monotonic() - last_flush >= flush_s:
                output.flush()
                last_flush = time.monotonic()
    finally:
        results.close()  # stops the workers if we are leaving early
        output.flush()
    return SweepOutcome(rows=output.grid_rows(), ran=len(todo), skipped=skipped)
