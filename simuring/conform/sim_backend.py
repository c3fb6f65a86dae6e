"""The simulated side: a scenario runs as one task of ``Simulation(seed=0)``.

``L`` is :mod:`simuring.liburing` and :mod:`simuring.syscalls` behind the
recording wrappers of :mod:`simuring.conform.api`.  Any Python exception
out of the simulator (including ``SimulationStalled`` when the scenario
waits for something that never comes) is returned as text, never raised:
the harness reports it as a difference of kind "simulator raised".
"""

from __future__ import annotations

import traceback
from typing import Any

from simuring.conform.api import CLASSES, CONSTANTS, ENTERING, PLAIN, Api, build_api
from simuring.conform.observe import Observation, Recorder
from simuring.conform.registry import Scenario
from simuring.conform.watchdog import ScenarioTimeout


def sq_kflags(ring: Any) -> int:
    """``*ring->sq.kflags``: the SQ ring's flags word (IORING_SQ_NEED_WAKEUP, ...)."""
    return int(ring._mem().sq_flags)


def sq_kdropped(ring: Any) -> int:
    """``*ring->sq.kdropped``: the SQ array entries the kernel found invalid."""
    return int(ring._mem().sq_dropped)


def sq_array_store(ring: Any, slot: int, index: int) -> None:
    """``ring->sq.array[slot & mask] = index``: the SQE the kernel takes for that SQ slot
    (no effect on an IORING_SETUP_NO_SQARRAY ring, which has no array)."""
    mem = ring._mem()
    mem.sq_array[slot & mem.sq_mask] = index & 0xFFFF_FFFF


RING_WORDS = {"sq_kflags": sq_kflags, "sq_kdropped": sq_kdropped, "sq_array_store": sq_array_store}


def sim_api(rec: Recorder) -> Api:
    """``L`` over the simulator's public modules."""
    import simuring.liburing as lib
    import simuring.syscalls as posix
    import simuring.uapi as uapi

    def find(name: str) -> Any:
        if name in RING_WORDS:
            return RING_WORDS[name]
        for module in (lib, posix, uapi):
            if hasattr(module, name):
                return getattr(module, name)
        raise LookupError(name)

    functions = {name: find(name) for name in (*ENTERING, *PLAIN)}
    classes = {name: find(name) for name in CLASSES}
    constants = {name: getattr(posix, name) for name in CONSTANTS}
    return build_api("sim", rec, functions, classes, constants)


def run_sim(sc: Scenario) -> tuple[list[Observation], str | None]:
    """Run ``sc`` in a fresh simulation: its observations, and the error text if the simulator raised."""
    from simuring import Simulation

    rec = Recorder()
    try:
        sim = Simulation(seed=0)
        sim.spawn(sc.fn, sim_api(rec), name=sc.name, cpu=0)
        sim.run()
    except Exception as exc:  # the harness never crashes on a simulator failure
        return rec.observations, _describe(exc)
    return rec.observations, None


def _describe(exc: BaseException) -> str:
    """``Type: message`` at the innermost frame, with any note the simulator added.

    SimPy re-raises a task's exception with the original as ``__cause__``;
    the original's traceback is the one that says where the simulator failed.
    """
    origin = exc.__cause__ if isinstance(exc.__cause__, Exception) else exc
    frames = traceback.extract_tb(origin.__traceback__)
    where = f" (at {_short(frames[-1].filename)}:{frames[-1].lineno})" if frames and not isinstance(origin, ScenarioTimeout) else ""
    notes = " ".join(getattr(origin, "__notes__", []))
    return f"{type(origin).__name__}: {origin}{where} {notes}".rstrip()


def _short(path: str) -> str:
    parts = path.replace("\\", "/").split("/")
    if "simuring" in parts:
        return "/".join(parts[parts.index("simuring") :])
    return "/".join(parts[-2:])
