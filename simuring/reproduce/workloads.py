"""Finding and loading the benchmark workloads (``workloads/rfc_<mechanism>.py``,
and ``workloads/msg_ring_pingpong.py`` for the MSG_RING ping-pong that
``simuring validate`` measures).

The benchmarks are ordinary workload scripts of the source tree's
``workloads/`` folder (``simuring run`` runs them too), each self-contained
(its tasks come from :mod:`simuring.workloads`), so a folder of copies works
as well.  By default they are looked up next to the package, where an
editable install (``pip install -e .``) has them, else in ``workloads/`` of
the current directory (the source tree a non-editable install, compiled or
not, was built from); ``--workloads DIR`` names another folder.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from simuring.reproduce.reference import MECHANISMS


class WorkloadsNotFound(Exception):
    """The benchmark workload scripts are not where they were looked for."""


def default_dir() -> Path:
    """``workloads/`` of the source tree this package was installed from (editable install),
    else ``./workloads`` when it holds the benchmarks (a non-editable install run from its source tree)."""
    beside = Path(__file__).resolve().parents[2] / "workloads"
    here = Path("workloads")
    if not (beside / script_name(MECHANISMS[0])).is_file() and (here / script_name(MECHANISMS[0])).is_file():
        return here
    return beside


MSG_RING_PINGPONG = "io_uring_msg_ring"
"""The mechanism name of the MSG_RING ping-pong between two rings (``msg_ring_pingpong.py``)."""


def script_name(mechanism: str) -> str:
    if mechanism == MSG_RING_PINGPONG:
        return "msg_ring_pingpong.py"
    return f"rfc_{mechanism}.py"


def find_workloads(folder: str | Path | None = None, mechanisms: Sequence[str] = MECHANISMS) -> Path:
    """The folder holding the workload of every one of ``mechanisms``; WorkloadsNotFound otherwise."""
    path = Path(folder) if folder is not None else default_dir()
    missing = [script_name(m) for m in mechanisms if not (path / script_name(m)).is_file()]
    if missing:
        hint = "" if folder is not None else " (they are in the source tree: run from it, install it with pip install -e . or pass --workloads DIR)"
        raise WorkloadsNotFound(f"{path}: no benchmark workload {missing[0]}{hint}")
    return path.resolve()


_loaded: dict[tuple[str, str], Callable[..., Any]] = {}


def load_workload(folder: Path, mechanism: str) -> Callable[..., Any]:
    """``workload(sim, **params)`` of ``rfc_<mechanism>.py`` in ``folder`` (cached per process)."""
    key = (str(folder), mechanism)
    if key in _loaded:
        return _loaded[key]
    path = folder / script_name(mechanism)
    name = f"simuring_rfc_{mechanism}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise WorkloadsNotFound(f"{path}: cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # self-contained: it imports only simuring.*
    fn = getattr(module, "workload", None)
    if not callable(fn):
        raise WorkloadsNotFound(f"{path}: defines no workload(sim, **params)")
    _loaded[key] = fn
    return fn
