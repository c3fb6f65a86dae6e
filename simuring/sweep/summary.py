"""Replicates of one point (``--seeds N``): the mean of each figure and its 95% confidence interval.

Rows that differ only in their seed are one group; groups keep the order of
their first row.  Values read back from a CSV are text: they are read as
numbers here.  A figure missing or not a number in some replicate (a failed
point) is averaged over the others, and the count says how many.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from simuring.output.confidence import mean_ci95
from simuring.output.row import number_or_text


@attrs.frozen
class FigureStat:
    n: int
    mean: float | None
    ci95: float | None


@attrs.frozen
class Group:
    key: tuple[tuple[str, Any], ...]
    """The varying columns' values shared by the group's rows."""
    stats: dict[str, FigureStat]


def as_number(value: Any) -> float | None:
    if isinstance(value, str):
        value = number_or_text(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def replicate_groups(rows: Sequence[dict[str, Any]], by: Sequence[str], figures: Sequence[str]) -> list[Group]:
    """One :class:`Group` per distinct value of the ``by`` columns, with the mean and
    95% CI of each of ``figures`` over its rows."""
    members: dict[tuple[tuple[str, Any], ...], list[dict[str, Any]]] = {}
    for row in rows:
        key = tuple((name, row.get(name)) for name in by)
        members.setdefault(key, []).append(row)
    groups = []
    for key, group_rows in members.items():
        stats = {}
        for fig in figures:
            values = [v for v in (as_number(r.get(fig)) for r in group_rows) if v is not None]
            if values:
                mean, ci = mean_ci95(values)
                stats[fig] = FigureStat(len(values), mean, ci)
            else:
                stats[fig] = FigureStat(0, None, None)
        groups.append(Group(key, stats))
    return groups
