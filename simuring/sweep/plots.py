"""Plots of a sweep's rows (matplotlib, the optional extra ``simuring[plots]``).

:func:`line_plot`: one figure against one input, a line per value of a
``hue`` column; the replicates of a point (seeds) are averaged, with their
95% confidence interval as error bars.  :func:`histogram_plot`: the merged
completion-latency histogram of the rows, one per ``hue`` value, drawn as
its cumulative distribution (the fraction of completions at or below each
bucket's lower bound, on a log time axis: a histogram's empty buckets would
draw as misleading plateaus).

Rows that differ in an input other than ``x``, ``hue`` and the seed would be
averaged together silently: :func:`check_single_series` refuses them, naming
the columns (filter with :func:`select`).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simuring.output.confidence import mean_ci95
from simuring.output.row import number_or_text
from simuring.sweep.store import input_columns
from simuring.sweep.summary import as_number


class PlotError(Exception):
    """The rows cannot be plotted as asked (a missing column, mixed series, no data)."""


def select(rows: Sequence[dict[str, Any]], where: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """The rows whose column ``name`` reads as ``value`` for every ``(name, value)``."""
    for name, _ in where:
        if rows and name not in rows[0]:
            raise PlotError(f"--where {name}: no such column")
    return [row for row in rows if all(_same(row.get(name), value) for name, value in where)]


def _same(cell: Any, text: str) -> bool:
    if isinstance(cell, str):
        cell = number_or_text(cell)
    wanted = number_or_text(text)
    return bool(cell == wanted) or str(cell) == text


def check_columns(rows: Sequence[dict[str, Any]], *names: str | None) -> None:
    if not rows:
        raise PlotError("no rows to plot (check --where)")
    for name in names:
        if name is not None and name not in rows[0]:
            known = ", ".join(rows[0])
            raise PlotError(f"no column {name!r} (columns: {known})")


def check_single_series(rows: Sequence[dict[str, Any]], x: str | None, hue: str | None) -> None:
    """Refuse rows that vary in an input besides ``x``, ``hue`` and the seed."""
    varying = [
        name
        for name in input_columns(list(rows[0]))
        if name not in (x, hue, "seed") and len({repr(row.get(name)) for row in rows}) > 1
    ]
    if varying:
        values = {name: _hue_values(rows, name) for name in varying}
        hint = " ".join(f"--where {name}={vals[0]}" for name, vals in values.items())
        raise PlotError(f"the rows also vary in {', '.join(varying)}: choose one value with e.g. {hint}, or make it the --hue")


def _hue_values(rows: Sequence[dict[str, Any]], hue: str | None) -> list[Any]:
    if hue is None:
        return [None]
    seen: dict[str, Any] = {}
    for row in rows:
        seen.setdefault(repr(row.get(hue)), row.get(hue))
    return sorted(seen.values(), key=lambda v: (as_number(v) is None, as_number(v) or 0.0, str(v)))


def series(rows: Sequence[dict[str, Any]], x: str, y: str) -> list[tuple[float, float, float | None]]:
    """``(x, mean y, 95% CI half-width or None)`` per distinct x, by x."""
    by_x: dict[float, list[float]] = {}
    for row in rows:
        xv, yv = as_number(row.get(x)), as_number(row.get(y))
        if xv is not None and yv is not None:
            by_x.setdefault(xv, []).append(yv)
    return [(xv, *mean_ci95(values)) for xv, values in sorted(by_x.items())]


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise PlotError("plots need matplotlib: pip install 'simuring[plots]'") from None
    return plt


def _save(plt: Any, fig: Any, ax: Any, title: str, legend: bool, out: Path) -> None:
    """Title, grid and legend, then the PNG."""
    ax.set_title(title, fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    if legend:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def line_plot(rows: Sequence[dict[str, Any]], x: str, y: str, hue: str | None, log: bool, out: Path, title: str) -> None:
    check_columns(rows, x, y, hue)
    check_single_series(rows, x, hue)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    drawn = 0
    for value in _hue_values(rows, hue):
        part = [row for row in rows if hue is None or repr(row.get(hue)) == repr(value)]
        points = series(part, x, y)
        if not points:
            continue
        xs = [p[0] for p in points]
        means = [p[1] for p in points]
        errs = [p[2] or 0.0 for p in points]
        label = None if hue is None else f"{hue}={value}"
        ax.errorbar(xs, means, yerr=errs if any(errs) else None, marker="o", capsize=3, label=label)
        drawn += 1
    if not drawn:
        raise PlotError(f"no numeric values of {y!r} against {x!r}")
    if log:
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    _save(plt, fig, ax, title, hue is not None, out)


def merged_histogram(rows: Sequence[dict[str, Any]]) -> list[tuple[int, int]]:
    """The ``latency_histogram`` of ``rows`` added up: ``(lower bound ns, count)`` by bound."""
    counts: dict[int, int] = {}
    for row in rows:
        text = row.get("latency_histogram")
        if not text:
            continue
        for low, count in json.loads(str(text)):
            counts[int(low)] = counts.get(int(low), 0) + int(count)
    return sorted(counts.items())


def histogram_plot(rows: Sequence[dict[str, Any]], hue: str | None, out: Path, title: str) -> None:
    check_columns(rows, "latency_histogram", hue)
    check_single_series(rows, None, hue)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    drawn = 0
    for value in _hue_values(rows, hue):
        part = [row for row in rows if hue is None or repr(row.get(hue)) == repr(value)]
        buckets = merged_histogram(part)
        total = sum(c for _, c in buckets)
        if not total:
            continue
        lows = [max(low, 1) for low, _ in buckets]
        cumulative = list(itertools.accumulate(c for _, c in buckets))
        ax.step(lows, [c / total for c in cumulative], where="post", label=None if hue is None else f"{hue}={value}")
        drawn += 1
    if not drawn:
        raise PlotError("no completions in these rows: the workload's benchmark tasks completed no io_uring request")
    ax.set_xscale("log")
    ax.set_xlabel("completion latency (ns, bucket lower bound)")
    ax.set_ylabel("fraction of completions at or below")
    ax.set_ylim(0, 1.02)
    _save(plt, fig, ax, title, hue is not None, out)
