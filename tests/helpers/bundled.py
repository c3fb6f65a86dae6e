"""The bundled workload scripts (the source tree's ``workloads/``): finding, loading, small parameters."""

from __future__ import annotations

import importlib.util
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

WORKLOADS = Path(__file__).resolve().parents[2] / "workloads"

#: parameters that keep a run short, for every bundled workload that has them
SMALL = {"messages": 20, "ops": 20, "window": 5, "receivers": 2}


def bundled_scripts() -> list[Path]:
    """Every workload script of ``workloads/``."""
    return sorted(WORKLOADS.glob("*.py"))


def load_bundled(name: str) -> Callable[..., Any]:
    """``workload`` of ``workloads/<name>.py``, loaded as ``simuring run`` loads it
    (but without adding its folder to ``sys.path``: the scripts need nothing there)."""
    path = WORKLOADS / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"bundled_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fn: Callable[..., Any] = module.workload
    return fn


def small_params(fn: Callable[..., Any]) -> dict[str, Any]:
    """The :data:`SMALL` values of the parameters ``fn`` takes."""
    names = list(inspect.signature(fn).parameters)[1:]
    return {name: value for name, value in SMALL.items() if name in names}
