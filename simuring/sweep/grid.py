"""The points of a sweep: every combination of the parameter and override axes, times the seeds.

A :class:`Point` is one simulation: the workload's parameters (only those
the sweep sets; the rest keep their defaults), the profile overrides
(``section.key=value`` texts, as ``--set`` takes them) and a seed.  Axes
vary in the order given, the first slowest, the seeds fastest, so that the
rows of a sweep come in an order a reader expects.

A point's identity (:func:`point_id`) is a hash of what decides its result:
the script's text, the parameters, the overrides, the profile's content (not
its name or path), the seed and the simuring version.  A sweep that finds a
row with that id in its output does not run the point again.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Sequence
from typing import Any

import attrs


@attrs.frozen
class Axis:
    """One swept name and its values, in the order given."""

    name: str
    values: tuple[Any, ...]


@attrs.frozen
class Point:
    """One simulation of a sweep."""

    index: int
    """Its place in the grid (the rows' order)."""
    params: tuple[tuple[str, Any], ...]
    overrides: tuple[str, ...]
    seed: int

    def params_dict(self) -> dict[str, Any]:
        return dict(self.params)


def expand(params: Sequence[Axis], overrides: Sequence[Axis], seeds: Sequence[int]) -> list[Point]:
    """Every combination, the first axis varying slowest and the seed fastest."""
    names = [a.name for a in params]
    keys = [a.name for a in overrides]
    points = []
    combos = itertools.product(*(a.values for a in params), *(a.values for a in overrides), seeds)
    for index, combo in enumerate(combos):
        param_values, override_values, seed = combo[: len(names)], combo[len(names) : -1], combo[-1]
        points.append(
            Point(
                index=index,
                params=tuple(zip(names, param_values, strict=True)),
                overrides=tuple(f"{k}={v}" for k, v in zip(keys, override_values, strict=True)),
                seed=seed,
            )
        )
    return points


def point_id(point: Point, defaults: dict[str, Any], script_sha256: str, profile_hash: str, version: str) -> str:
    """A short hash of everything that decides ``point``'s result (the module's
    docstring); ``defaults`` are the workload's parameter defaults, so that a
    point that sets a parameter to its default is the point that leaves it."""
    full = {**defaults, **point.params_dict()}
    identity = {
        "script": script_sha256,
        "params": sorted([name, repr(value)] for name, value in full.items()),
        "overrides": list(point.overrides),
        "profile": profile_hash,
        "seed": point.seed,
        "version": version,
    }
    text = json.dumps(identity, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def split_values(text: str) -> list[str]:
    """``"1,2,4"`` -> ``["1", "2", "4"]``; ``\\,`` is a comma inside a value."""
    values, current, escaped = [], [], False
    for ch in text:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            values.append("".join(current))
            current = []
        else:
            current.append(ch)
    if escaped:
        current.append("\\")
    values.append("".join(current))
    return values
