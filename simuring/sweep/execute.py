"""Running one point of a sweep, in whichever process (local or a Dask worker) gets it.

A :class:`SweepSpec` carries everything a worker needs, by value: the
script's text (a Dask worker on another machine has no copy of the file),
the host profile as a :class:`CostModel`, and the identity of each point.
:func:`run_point` returns the point's row; it never raises for a failing
simulation: the row says what failed in its ``error`` column (a
:class:`ParamError` as its message, ``-p ring_entries=100: ... -EINVAL``).
"""

from __future__ import annotations

import hashlib
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs

from simuring import __version__
from simuring.cost import CostModel
from simuring.engine.errors import param_error_in
from simuring.engine.sim import Simulation, SimulationStalled
from simuring.output.row import run_columns
from simuring.sweep.grid import Point, point_id

#: the columns every row starts with, before SimResult.to_row's
ROW_HEAD = ("point_id", "script")


@attrs.frozen
class SweepSpec:
    """What every point of one sweep shares."""

    script_name: str
    """The script's file name, as the user gave it (a column of every row)."""
    script_source: str
    costs: CostModel
    defaults: tuple[tuple[str, Any], ...]
    """The workload's parameter defaults, in its signature's order."""

    @property
    def script_sha256(self) -> str:
        return hashlib.sha256(self.script_source.encode()).hexdigest()

    def point_id(self, point: Point) -> str:
        return point_id(point, dict(self.defaults), self.script_sha256, self.costs.content_hash(), __version__)


_loaded: dict[str, Callable[..., Any]] = {}


def load_source(name: str, source: str) -> Callable[..., Any]:
    """``workload`` of a script given as text (compiled as ``name``, so tracebacks
    name the file), cached per process by the text's hash."""
    sha = hashlib.sha256(source.encode()).hexdigest()
    if sha in _loaded:
        return _loaded[sha]
    module = ModuleType(f"simuring_sweep_{sha[:12]}")
    module.__file__ = name
    sys.modules[module.__name__] = module
    # a script that imports a module beside it finds it where the file exists
    # (this machine); elsewhere (a remote Dask worker) scripts must be self-contained
    folder = str(Path(name).resolve().parent) if Path(name).is_file() else None
    if folder is not None:
        sys.path.insert(0, folder)
    try:
        exec(compile(source, name, "exec"), module.__dict__)
    finally:
        if folder is not None:
            sys.path.remove(folder)
    fn = getattr(module, "workload", None)
    if not callable(fn):
        raise TypeError(f"{name} defines no workload(sim, **params)")
    _loaded[sha] = fn
    return fn


def describe_failure(exc: BaseException) -> str:
    found = param_error_in(exc)
    if found is not None:
        return found.message
    if isinstance(exc, SimulationStalled):
        return str(exc)
    text = traceback.format_exception_only(type(exc), exc)[-1].strip()
    notes = " ".join(getattr(exc.__cause__ or exc, "__notes__", []))
    return f"{text} {notes}".rstrip()


def run_point(spec: SweepSpec, point: Point) -> dict[str, Any]:
    """Simulate ``point`` and return its row (``ROW_HEAD``, then ``SimResult.to_row``,
    then ``error``: None, or what went wrong)."""
    head = {"point_id": spec.point_id(point), "script": spec.script_name}
    params = point.params_dict()
    try:
        workload = load_source(spec.script_name, spec.script_source)
        sim = Simulation(host=spec.costs, seed=point.seed, overrides=point.overrides)
        sim.params = {**dict(spec.defaults), **params}
        workload(sim, **params)
        row = sim.run().to_row()
    except Exception as exc:  # the row records it: one failing point does not end a sweep
        row = failed_row(spec, point)
        row["error"] = describe_failure(exc)
        return {**head, **row}
    return {**head, **row, "error": None}


def failed_row(spec: SweepSpec, point: Point) -> dict[str, Any]:
    """What was run, for a point whose simulation failed: provenance, parameters, overrides."""
    costs = spec.costs.with_overrides(list(point.overrides)) if point.overrides else spec.costs
    params = {**dict(spec.defaults), **point.params_dict()}
    return run_columns(__version__, costs.name, costs.content_hash(), point.seed, params, list(point.overrides))
