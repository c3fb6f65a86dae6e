"""simuring: a discrete-event simulator of Linux io_uring and the proposed IPC channels.

Write a workload in liburing style (``simuring.liburing``, ``simuring.uapi``),
run it on a simulated host (``Simulation``), read the result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Simulation", "SimResult", "SimulationStalled", "__version__", "compute"]

if TYPE_CHECKING:
    from simuring.result import SimResult
    from simuring.sim import Simulation, SimulationStalled
    from simuring.userspace import compute


def __getattr__(name: str) -> Any:
    # lazy, so that "import simuring.uapi" stays cheap and free of simpy
    if name in ("Simulation", "SimulationStalled"):
        from simuring import sim

        return getattr(sim, name)
    if name == "SimResult":
        from simuring.result import SimResult

        return SimResult
    if name == "compute":
        from simuring.userspace import compute

        return compute
    raise AttributeError(f"module 'simuring' has no attribute {name!r}")
