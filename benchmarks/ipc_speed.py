"""Simulator speed for the IPC channel workloads (used by sim_speed.py).

``ipc_unicast(n)``: 1 sender, 1 receiver, 64-byte messages, streaming.
``ipc_bcast16(n)``: 1 sender, 16 broadcast receivers (every message is 16
receives); the rate counts sender messages.  Both run the bundled workloads
(``workloads/ipc_unicast.py``, ``workloads/ipc_broadcast.py``).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

WORKLOADS = Path(__file__).resolve().parents[1] / "workloads"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", WORKLOADS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(name: str, receivers: int, n: int) -> Any:
    from simuring import Simulation

    sim = Simulation(seed=1)
    _load(name).workload(sim, msg_size=64, receivers=receivers, messages=n)
    result = sim.run()
    assert result.extra["received_total"] >= n, result.extra
    return result


def ipc_unicast(n: int) -> Any:
    """Run ``n`` unicast messages; returns the SimResult."""
    return _run("ipc_unicast", 1, n)


def ipc_bcast16(n: int) -> Any:
    """Run ``n`` broadcast-16 messages; returns the SimResult."""
    return _run("ipc_broadcast", 16, n)
