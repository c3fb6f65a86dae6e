"""simuring: a discrete-event simulator of Linux io_uring and the proposed IPC channels.

Write a workload in liburing style (``simuring.liburing``, ``simuring.uapi``),
run it on a simulated host (``Simulation``), read the result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["ParamError", "Simulation", "SimResult", "SimulationStalled", "__version__", "compute"]

if TYPE_CHECKING:
    from simuring.engine.errors import ParamError
    from simuring.engine.sim import Simulation, SimulationStalled
    from simuring.libc.compute import compute
    from simuring.output.result import SimResult


def __getattr__(name: str) -> Any:
    # lazy, so that "import simuring.uapi" stays cheap and free of simpy
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
