"""Fitting a host profile to published figures: the machinery behind ``simuring fit rfc``.

The parameters a fit may move are the profile's parameters that carry a
``range`` (their physically plausible interval); every other parameter
keeps its documented value.  At most :data:`MAX_PARAMS` may be fitted.

The objective is the relative error of every *distinct* calibration cell
(a cell that two tables share counts once), on a log scale
(``log(simulated / published)``), minimised with a robust loss (soft L1:
the published figures are single noisy runs, and a cell the model cannot
follow must not drag every parameter towards it) by a bounded trust-region
least-squares solver (``scipy.optimize.least_squares``, method "trf").
A parameter whose range spans a factor of 4 or more moves on a log scale,
others linearly; whole-number parameters are rounded.  Every evaluation
simulates the cells with the same seed, so the objective is a deterministic
function of the parameters and the fit is reproducible.

:func:`leave_one_out` shows predictive power: for each calibration table,
fit on the other tables only and report the left-out table's errors.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import attrs

from simuring.cost import CostModel
from simuring.cost.profiles import find_line
from simuring.reproduce.reference import Cell, Reference, name_matches
from simuring.reproduce.runner import Budget, JobResult, job_for, run_jobs

CALIBRATION_TABLES = ("point_to_point", "broadcast_16", "scaling_64B")
"""The tables a fit uses (the others are predictions)."""

MAX_PARAMS = 20
LOG_SPAN = 4.0  # a range whose high/low reaches this moves on a log scale
ROBUST_SCALE = 0.10  # soft-L1 scale: residuals beyond ~10% count linearly, not squared


class FitTarget(Protocol):
    """A figure to match: a published cell, or a figure measured on a host (``simuring calibrate``)."""

    @property
    def key(self) -> Hashable: ...

    @property
    def reference_ns(self) -> float | None: ...


class FitError(ValueError):
    """A fit that cannot start: no ranged parameter, too many, scipy missing."""


@attrs.frozen
class FitParam:
    """One fitted parameter: its dotted name, range and scale."""

    dotted: str
    low: float
    high: float
    integer: bool

    @property
    def log(self) -> bool:
        return self.low > 0 and self.high / self.low >= LOG_SPAN

    def to_unit(self, value: float) -> float:
        """``value`` as a position in [0, 1] of the range."""
        if self.high == self.low:
            return 0.0
        if self.log:
            u = math.log(value / self.low) / math.log(self.high / self.low)
        else:
            u = (value - self.low) / (self.high - self.low)
        return min(1.0, max(0.0, u))

    def from_unit(self, u: float) -> float | int:
        """The value at position ``u`` of the range (rounded for whole-number parameters)."""
        u = min(1.0, max(0.0, float(u)))
        if self.log:
            value = self.low * (self.high / self.low) ** u
        else:
            value = self.low + u * (self.high - self.low)
        if self.integer:
            return int(round(value))
        return round(value, 3)


def fit_params(costs: CostModel) -> list[FitParam]:
    """The profile's ranged parameters, in the profile's order; FitError if none or too many."""
    out = [
        FitParam(p.dotted, p.range[0], p.range[1], isinstance(p.value, int))
        for p in costs.describe()
        if p.range is not None
    ]
    if not out:
        raise FitError(f"profile {costs.name} gives no parameter a range: nothing to fit")
    if len(out) > MAX_PARAMS:
        raise FitError(
            f"profile {costs.name} gives {len(out)} parameters a range: a fit moves at most {MAX_PARAMS}"
        )
    return out


def current_values(costs: CostModel, params: Sequence[FitParam]) -> dict[str, float]:
    values = {p.dotted: p.value for p in costs.describe()}
    return {p.dotted: values[p.dotted] for p in params}


def neutral_start(params: Sequence[FitParam]) -> dict[str, float]:
    """The middle of every range (geometric for log-scale parameters): a start that
    owes nothing to the published figures."""
    return {p.dotted: p.from_unit(0.5) for p in params}


def overrides(values: Mapping[str, float]) -> list[str]:
    """``--set`` assignments for ``values``."""
    return [f"{key}={value}" for key, value in values.items()]


def calibration_cells(reference: Reference, tables: Sequence[str]) -> list[Cell]:
    """The distinct published cells of ``tables`` (a cell two tables share once), in table order."""
    seen: set[tuple[str, int, int]] = set()
    cells = []
    for name in tables:
        for cell in reference.table(name).cells:
            if cell.reference_ns is None or cell.key in seen:
                continue
            seen.add(cell.key)
            cells.append(cell)
    return cells


OUTLIER_STEP = 0.10
"""A published cell is left out of the fit when it is a local extreme of its
series (the same table and mechanism, by message size) by more than this on
both sides: higher (or lower) than both neighbouring sizes by over 10%.  A
copy costs more for more bytes, so such a cell is noise the model cannot
follow physically (the RFC itself notes two of them)."""


def non_monotonic_cells(reference: Reference, tables: Sequence[str]) -> list[Cell]:
    """The published cells of ``tables`` that are local extremes in message size (:data:`OUTLIER_STEP`)."""
    out: list[Cell] = []
    for name in tables:
        table = reference.table(name)
        series: dict[tuple[str, int], list[Cell]] = {}
        for cell in table.cells:
            if cell.reference_ns is not None:
                series.setdefault((cell.mechanism, cell.receivers), []).append(cell)
        for cells in series.values():
            cells.sort(key=lambda c: c.msg_size)
            for before, cell, after in zip(cells, cells[1:], cells[2:], strict=False):
                assert before.reference_ns and cell.reference_ns and after.reference_ns
                up = cell.reference_ns / before.reference_ns - 1, cell.reference_ns / after.reference_ns - 1
                if (min(up) > OUTLIER_STEP or max(up) < -OUTLIER_STEP) and cell not in out:
                    out.append(cell)
    return out


def fitted_cells(reference: Reference, tables: Sequence[str], pattern: str | None = None) -> list[Cell]:
    """The distinct calibration cells a fit uses: every published one but the
    local extremes (and, with ``pattern``, only those :func:`matching` it)."""
    noisy = {c.key for c in non_monotonic_cells(reference, tables)}
    return [c for c in matching(reference, calibration_cells(reference, tables), pattern) if c.key not in noisy]


def matching(reference: Reference, cells: Sequence[Cell], pattern: str | None) -> list[Cell]:
    """The ``cells`` one of whose names (``table:mechanism:size:receivers``, in any
    table that has the cell) contains ``pattern`` or matches it as a glob."""
    if pattern is None:
        return list(cells)
    names: dict[tuple[str, int, int], list[str]] = {}
    for cell in reference.cells():
        names.setdefault(cell.key, []).append(cell.name)
    return [c for c in cells if any(name_matches(n, pattern) for n in names.get(c.key, [c.name]))]


@attrs.frozen
class Evaluation:
    """The simulated figure of every cell for one set of parameter values."""

    values: dict[str, float]
    simulated: dict[Any, float]  # by target key

    def errors(self, cells: Sequence[FitTarget]) -> dict[Any, float]:
        """Relative error (simulated / published - 1) per cell."""
        out = {}
        for c in cells:
            sim = self.simulated.get(c.key)
            assert c.reference_ns is not None
            out[c.key] = (sim / c.reference_ns - 1.0) if sim else math.inf
        return out


class FigureEvaluator:
    """The simulated figures for given parameter values, memoised: ``figures(costs)``
    with the values applied as ``--set`` overrides (an :class:`Objective`).

    ``on_eval(evaluator, evaluation)`` is called once per new evaluation
    (progress reports); ``best`` is free for it to keep the best cost seen.
    """

    def __init__(
        self,
        costs: CostModel,
        figures: Callable[[CostModel], dict[Any, float]],
        on_eval: Callable[[Any, Evaluation], None] | None = None,
    ) -> None:
        self.costs = costs
        self.figures = figures
        self.on_eval = on_eval
        self.best = math.inf  # for progress reports
        self.cache: dict[Any, Evaluation] = {}
        self.count = 0

    def __call__(self, values: Mapping[str, float]) -> Evaluation:
        key = tuple(sorted(values.items()))
        found = self.cache.get(key)
        if found is not None:
            return found
        ev = Evaluation(dict(values), self.figures(self.costs.with_overrides(overrides(values))))
        self.cache[key] = ev
        self.count += 1
        if self.on_eval is not None:
            self.on_eval(self, ev)
        return ev


class Evaluator(FigureEvaluator):
    """Simulates the calibration cells for given parameter values (memoised), with
    the reproduction's parallel runner, ``budget``, ``seed`` and ``workers``."""

    def __init__(
        self,
        costs: CostModel,
        cells: Sequence[Cell],
        seed: int,
        budget: Budget,
        folder: Path,
        workers: int,
        on_eval: Callable[[Evaluator, Evaluation], None] | None = None,
    ) -> None:
        super().__init__(costs, self._simulate, on_eval)
        self.cells = list(cells)
        self.seed = seed
        self.budget = budget
        self.folder = folder
        self.workers = workers

    def _simulate(self, costs: CostModel) -> dict[Any, float]:
        jobs = [job_for(c.mechanism, c.msg_size, c.receivers) for c in self.cells]
        results: list[JobResult] = run_jobs(jobs, costs, self.seed, self.budget, self.folder, self.workers, lambda r: None)
        return {(r.job.mechanism, r.job.msg_size, r.job.receivers): r.mean_ns for r in results if r.mean_ns is not None}


class Objective(Protocol):
    """What :func:`fit` minimises: the simulated figures for given values (memoised in ``cache``)."""

    count: int
    cache: dict[Any, Evaluation]

    def __call__(self, values: Mapping[str, float]) -> Evaluation: ...


def log_residuals(ev: Evaluation, cells: Sequence[FitTarget]) -> list[float]:
    """``log(simulated / published)`` per cell (a failed cell counts as a factor of 10)."""
    out = []
    for c in cells:
        sim = ev.simulated.get(c.key)
        assert c.reference_ns is not None
        out.append(math.log(sim / c.reference_ns) if sim and sim > 0 else math.log(10.0))
    return out


@attrs.frozen
class FitResult:
    """The fitted values, where the fit started, and its errors."""

    params: list[FitParam]
    start: dict[str, float]
    values: dict[str, float | int]
    start_eval: Evaluation
    final_eval: Evaluation
    evaluations: int
    message: str

    def at_bound(self) -> list[str]:
        """Fitted parameters that ended at an end of their range."""
        out = []
        for p in self.params:
            u = p.to_unit(self.values[p.dotted])
            if u <= 0.001 or u >= 0.999:
                out.append(p.dotted)
        return out


def fit(
    evaluator: Objective,
    params: Sequence[FitParam],
    start: Mapping[str, float],
    cells: Sequence[FitTarget],
    max_evals: int,
) -> FitResult:
    """Fit ``params`` (from ``start``) to ``cells``; at most about ``max_evals`` evaluations."""
    try:
        from scipy.optimize import least_squares
    except ImportError:  # pragma: no cover - depends on the environment
        raise FitError("fitting needs scipy: pip install 'simuring[fit]'") from None
    import numpy as np

    def values_at(u: Any) -> dict[str, float]:
        return {p.dotted: p.from_unit(x) for p, x in zip(params, u, strict=True)}

    def fun(u: Any) -> Any:
        return np.array(log_residuals(evaluator(values_at(u)), cells))

    u0 = np.array([p.to_unit(start[p.dotted]) for p in params])
    start_eval = evaluator(values_at(u0))
    # whole-number parameters round: a finite-difference step must move them by
    # at least one unit, so the step is a few percent of the range.  The
    # objective has steps (a cell changes regime), so the solver is restarted
    # from its result while that still improves and evaluations are left.
    u = u0
    message = "no step taken"
    while evaluator.count < max_evals:
        count = evaluator.count
        before = evaluation_cost(evaluator(values_at(u)), cells)
        solution = least_squares(
            fun,
            u,
            bounds=(0.0, 1.0),
            method="trf",
            loss="soft_l1",
            f_scale=ROBUST_SCALE,
            diff_step=0.05,
            x_scale=1.0,
            max_nfev=max(1, (max_evals - evaluator.count) // (len(params) + 1)),
        )
        message = str(solution.message)
        u = solution.x
        after = evaluation_cost(evaluator(values_at(u)), cells)
        if after >= before * 0.995 or evaluator.count == count:  # no real progress, or nothing new tried
            break
    values = values_at(u)
    final_eval = evaluator(values)
    # the solver's last point need not be its best (rounding, noise): keep the best seen
    best = min(
        (ev for ev in evaluator.cache.values() if set(ev.values) == set(values)),
        key=lambda ev: evaluation_cost(ev, cells),
    )
    if evaluation_cost(best, cells) < evaluation_cost(final_eval, cells):
        final_eval = best
        values = dict(best.values)
    return FitResult(
        params=list(params),
        start=dict(start),
        values=values,
        start_eval=start_eval,
        final_eval=final_eval,
        evaluations=evaluator.count,
        message=message,
    )


def robust_cost(residuals: Sequence[float]) -> float:
    """The soft-L1 cost the solver minimises (for comparing points)."""
    s2 = ROBUST_SCALE * ROBUST_SCALE
    return sum(2.0 * s2 * (math.sqrt(1.0 + r * r / s2) - 1.0) for r in residuals)


def evaluation_cost(ev: Evaluation, cells: Sequence[FitTarget]) -> float:
    """The cost the solver minimises at one evaluation: :func:`robust_cost` of its
    :func:`log_residuals` (for comparing points)."""
    return robust_cost(log_residuals(ev, cells))


# --------------------------------------------------------------------------- profile text


_VALUE = re.compile(r"(\bvalue\s*=\s*)([-+0-9._eE]+)")


def _replacement(shown: str) -> Callable[[re.Match[str]], str]:
    return lambda m: m.group(1) + shown


def with_values(text: str, values: Mapping[str, float | int]) -> str:
    """The profile ``text`` with the ``value`` of each ``section.key`` replaced
    (the line's source and range are kept; the rest of the file is untouched)."""
    lines = text.splitlines(keepends=True)
    for dotted, value in values.items():
        section, key = dotted.split(".", 1)
        lineno = find_line(text, section, key)
        if lineno is None:
            raise FitError(f"{dotted}: not found in the profile text")
        line = lines[lineno - 1]
        shown = f"{value:_}" if isinstance(value, int) else repr(float(value))
        new, n = _VALUE.subn(_replacement(shown), line, count=1)
        if n != 1:
            raise FitError(f"{dotted}: line {lineno} has no 'value = NUMBER' to replace")
        lines[lineno - 1] = new
    return "".join(lines)


# --------------------------------------------------------------------------- predictive power


@attrs.frozen
class LeftOut:
    """A fit without one table, and that table's errors as predicted."""

    table: str
    result: FitResult
    predicted: Evaluation  # every calibration cell, with the values fitted without ``table``


def leave_one_out(
    make_evaluator: Callable[[Sequence[Cell]], Evaluator],
    reference: Reference,
    params: Sequence[FitParam],
    start: Mapping[str, float],
    tables: Sequence[str],
    left: str,
    max_evals: int,
) -> LeftOut:
    """Fit on the cells of ``tables`` that are not in table ``left`` (a cell two
    tables share is left out with either), then simulate every cell with that fit."""
    hidden = {c.key for c in reference.table(left).cells}
    cells = [c for c in fitted_cells(reference, tables) if c.key not in hidden]
    result = fit(make_evaluator(cells), params, start, cells, max_evals)
    predicted = make_evaluator(calibration_cells(reference, tables))(result.values)
    return LeftOut(left, result, predicted)


# --------------------------------------------------------------------------- visibility


@attrs.frozen
class Visibility:
    """How much the calibration cells move when one parameter doubles."""

    dotted: str
    value: float
    changed_to: float
    largest_change: float  # max |simulated'/simulated - 1| over the cells
    cell: tuple[str, int, int] | None  # the cell that moved most

    @property
    def visible(self) -> bool:
        return self.largest_change > 0.0


STRUCTURAL = ("host.cpus", "host.cache_line_bytes", "host.page_bytes")
"""Parameters that describe the machine rather than cost something (not probed)."""


def visibility(evaluator: Evaluator, costs: CostModel, cells: Sequence[Cell]) -> list[Visibility]:
    """Double every parameter in turn (0 becomes 1) and see which cells move.

    The simulations are deterministic, so a parameter no benchmark uses
    leaves every figure exactly as it was: its largest change is 0.
    """
    base = evaluator({})
    out = []
    for info in costs.describe():
        if info.dotted in STRUCTURAL:
            continue
        value = info.value
        changed: float = value * 2 if value else 1
        if isinstance(value, int):
            changed = int(changed)
        ev = evaluator({info.dotted: changed})
        worst, where = 0.0, None
        for c in cells:
            a, b = base.simulated.get(c.key), ev.simulated.get(c.key)
            if a and b:
                d = abs(b / a - 1.0)
                if d > worst:
                    worst, where = d, c.key
        out.append(Visibility(info.dotted, value, changed, worst, where))
    return out
