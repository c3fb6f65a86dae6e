"""What ``simuring reproduce rfc`` computes from the simulated cells: the plan, the
records (JSON), the error summary and the conclusions.

Nothing here runs a simulation or prints: :mod:`.runner` simulates,
``simuring.cli.reproduce`` renders.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Mapping, Sequence

import attrs

from simuring.reproduce.conclusions import Verdict, evaluate
from simuring.reproduce.reference import IO_URING_MECHANISMS, Cell, Reference, Table, name_matches
from simuring.reproduce.runner import Budget, Job, JobResult, job_for

#: the keys of every JSON record, in the order documented (issue 10)
RECORD_KEYS = (
    "table",
    "mechanism",
    "msg_size",
    "receivers",
    "setup_flags",
    "simulated_ns_per_msg",
    "ci95_ns",
    "messages",
    "reference_ns_per_msg",
)
#: further keys: how the estimate was obtained
EXTRA_KEYS = ("warmup_messages", "ci_target_met", "failure")
WITHIN = (0.15, 0.25)


class PlanError(ValueError):
    """A table or cell selection that names nothing."""


@attrs.frozen
class Plan:
    reference: Reference
    tables: tuple[Table, ...]
    cells: tuple[Cell, ...]
    what_if: bool

    def jobs(self) -> list[Job]:
        """The distinct simulations, in cell order (the what-if of each io_uring cell too)."""
        seen: dict[Job, None] = {}
        for cell in self.cells:
            seen.setdefault(job_for(*cell.key), None)
        if self.what_if:
            for cell in self.cells:
                if cell.mechanism in IO_URING_MECHANISMS:
                    seen.setdefault(job_for(*cell.key, what_if=True), None)
        return list(seen)


def make_plan(reference: Reference, tables: Sequence[str] = (), pattern: str | None = None, what_if: bool = True) -> Plan:
    """The cells of ``tables`` (all by default) whose name ``table:mechanism:size:receivers``
    contains ``pattern`` or matches it as a glob (``*:io_uring_*:64:*``), as ``simuring conform -k``."""
    for name in tables:
        if name not in reference.table_names:
            raise PlanError(f"unknown table {name!r} (tables: {', '.join(reference.table_names)})")
    chosen = tuple(t for t in reference.tables if not tables or t.name in tables)
    cells = tuple(c for t in chosen for c in t.cells if pattern is None or name_matches(c.name, pattern))
    if not cells:
        raise PlanError(f"-k {pattern}: no cell matches (cells are named table:mechanism:msg_size:receivers)")
    chosen = tuple(t for t in chosen if any(c.table == t.name for c in cells))
    return Plan(reference, chosen, cells, what_if)


def relative_error(simulated: float | None, reference: int | None) -> float | None:
    if simulated is None or reference is None:
        return None
    return simulated / reference - 1.0


@attrs.frozen
class Row:
    """One table cell and its simulated results."""

    cell: Cell
    result: JobResult
    what_if: JobResult | None

    @property
    def error(self) -> float | None:
        return relative_error(self.result.mean_ns, self.cell.reference_ns)


@attrs.frozen
class TableSummary:
    name: str
    cells: int  # cells with a published and a simulated figure
    median_abs_error: float | None
    worst_abs_error: float | None
    worst_cell: str | None
    within: tuple[int, ...]  # cells within each bound of WITHIN


def summarize(name: str, errors: Mapping[str, float]) -> TableSummary:
    """``errors``: relative error by cell name."""
    if not errors:
        return TableSummary(name, 0, None, None, None, tuple(0 for _ in WITHIN))
    absolute = {k: abs(v) for k, v in errors.items()}
    worst = max(absolute, key=lambda k: (absolute[k], k))
    return TableSummary(
        name,
        len(absolute),
        statistics.median(absolute.values()),
        absolute[worst],
        worst,
        tuple(sum(1 for v in absolute.values() if v <= bound) for bound in WITHIN),
    )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


@attrs.frozen
class Report:
    plan: Plan
    rows: tuple[Row, ...]
    host: str
    seed: int
    budget: Budget

    def rows_of(self, table: str) -> list[Row]:
        return [r for r in self.rows if r.cell.table == table]

    def record(self, row: Row, what_if: bool) -> dict[str, object]:
        result = row.what_if if what_if else row.result
        assert result is not None
        return {
            "table": row.cell.table,
            "mechanism": row.cell.mechanism,
            "msg_size": row.cell.msg_size,
            "receivers": row.cell.receivers,
            "setup_flags": result.job.setup_flags,
            "simulated_ns_per_msg": _round(result.mean_ns),
            "ci95_ns": _round(result.ci95_ns),
            "messages": result.messages,
            # the published figures were measured without setup flags: none for the what-if
            "reference_ns_per_msg": None if what_if else row.cell.reference_ns,
            "warmup_messages": result.warmup_messages,
            "ci_target_met": result.precise,
            "failure": result.error,
        }

    def records(self) -> list[dict[str, object]]:
        """Every cell, in table order; an io_uring cell's what-if follows it."""
        out = []
        for row in self.rows:
            out.append(self.record(row, False))
            if row.what_if is not None:
                out.append(self.record(row, True))
        return out

    def to_json(self) -> str:
        return json.dumps(self.records(), indent=2, sort_keys=True)

    # -- errors against the published figures ------------------------------------
    def table_summaries(self) -> list[TableSummary]:
        out = []
        for table in self.plan.tables:
            errors = {r.cell.name: e for r in self.rows_of(table.name) if (e := r.error) is not None}
            if table.published:
                out.append(summarize(table.name, errors))
        return out

    def overall(self) -> TableSummary:
        """Over the distinct published cells (a cell in two tables counts once)."""
        errors: dict[str, float] = {}
        for row in self.rows:
            e = row.error
            if e is not None:
                key = f"{row.cell.mechanism}:{row.cell.msg_size}:{row.cell.receivers}"
                errors.setdefault(key, e)
        return summarize("overall (distinct cells)", errors)

    # -- conclusions ------------------------------------------------------------
    def figures(self, what_if: bool = False) -> dict[tuple[str, int, int], float]:
        out: dict[tuple[str, int, int], float] = {}
        for row in self.rows:
            result = row.what_if if what_if else row.result
            if result is not None and result.mean_ns is not None:
                out.setdefault(row.cell.key, result.mean_ns)
        return out

    def verdicts(self) -> list[tuple[Verdict, Verdict]]:
        """Each conclusion on the simulated figures, beside the same on the published ones."""
        published = {k: float(v) for k, v in self.plan.reference.published().items()}
        return list(zip(evaluate(self.figures()), evaluate(published), strict=True))

    # -- run statistics ------------------------------------------------------------
    def results(self) -> list[JobResult]:
        seen: dict[Job, JobResult] = {}
        for row in self.rows:
            for r in (row.result, row.what_if):
                if r is not None:
                    seen.setdefault(r.job, r)
        return list(seen.values())

    def imprecise(self) -> list[JobResult]:
        return [r for r in self.results() if r.error is None and not r.precise]

    def failed(self) -> list[JobResult]:
        return [r for r in self.results() if r.error is not None]


def build_report(plan: Plan, results: Iterable[JobResult], host: str, seed: int, budget: Budget) -> Report:
    by_job = {r.job: r for r in results}
    rows = []
    for cell in plan.cells:
        default = by_job[job_for(*cell.key)]
        what_if = by_job.get(job_for(*cell.key, what_if=True)) if plan.what_if and cell.mechanism in IO_URING_MECHANISMS else None
        rows.append(Row(cell, default, what_if))
    return Report(plan, tuple(rows), host, seed, budget)
