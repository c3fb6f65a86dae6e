"""simuring: a discrete-event simulator of Linux io_uring and the proposed IPC channels.

Write a workload in liburing style (``simuring.liburing``, ``simuring.uapi``),
run it on a simulated host (``Simulation``), read the result.
"""

from __future__ import annotations

import os
import sys
from importlib.machinery import SOURCE_SUFFIXES, FileFinder, ModuleSpec, SourceFileLoader
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"


# -- the compiled build and SIMURING_PURE (docs/speed.md, "How it is built") ------------------
# A wheel built with a C compiler holds, beside every module's .py source, a
# mypyc-compiled extension for the hot ones, which Python imports in
# preference to the source.  SIMURING_PURE=1 puts this finder first on
# sys.meta_path: it serves every simuring module from its .py source, so the
# compiled extensions are never loaded.  One source either way.
def _pure_requested() -> bool:
    return os.environ.get("SIMURING_PURE", "") not in ("", "0")


class _SourceOnlyFinder:
    """Finds ``simuring.*`` modules among .py sources only (SIMURING_PURE)."""

    def __init__(self) -> None:
        self._finders: dict[str, FileFinder] = {}

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        if not fullname.startswith("simuring.") or not path:
            return None
        for entry in path:
            finder = self._finders.get(entry)
            if finder is None:
                finder = self._finders[entry] = FileFinder(entry, (SourceFileLoader, SOURCE_SUFFIXES))
            spec = finder.find_spec(fullname, target)
            if spec is not None:
                return spec
        return None

    def invalidate_caches(self) -> None:
        self._finders.clear()


if _pure_requested() and not any(type(f).__name__ == "_SourceOnlyFinder" for f in sys.meta_path):
    sys.meta_path.insert(0, _SourceOnlyFinder())


def _build() -> str:
    """How this simuring runs (``simuring.__build__``, ``simuring --version``): ``compiled, mypyc``,
    ``pure Python``, or ``pure Python, SIMURING_PURE=1`` when compiled modules are installed but set aside."""
    from importlib.machinery import EXTENSION_SUFFIXES

    from simuring.kernel import submit  # compiled whenever any module is

    path = submit.__file__ or ""
    if path.endswith(tuple(EXTENSION_SUFFIXES)):
        return "compiled, mypyc"
    stem = os.path.splitext(path)[0]
    if any(os.path.exists(stem + suffix) for suffix in EXTENSION_SUFFIXES):
        return "pure Python, SIMURING_PURE=1"
    return "pure Python"


__all__ = ["ParamError", "Simulation", "SimResult", "SimulationStalled", "__version__", "compute"]

if TYPE_CHECKING:
    from simuring.engine.errors import ParamError
    from simuring.engine.sim import Simulation, SimulationStalled
    from simuring.libc.compute import compute
    from simuring.output.result import SimResult


def __getattr__(name: str) -> Any:
    # lazy, so that "import simuring.uapi" stays cheap and free of simpy
    if name == "__build__":
        return _build()
    if name in ("Simulation", "SimulationStalled"):
        from simuring.engine import sim

        return getattr(sim, name)
    if name == "ParamError":
        from simuring.engine.errors import ParamError

        return ParamError
    if name == "SimResult":
        from simuring.output.result import SimResult

        return SimResult
    if name == "compute":
        from simuring.libc.compute import compute

        return compute
    raise AttributeError(f"module 'simuring' has no attribute {name!r}")
