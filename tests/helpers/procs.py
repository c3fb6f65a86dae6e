"""Tasks that share file descriptors: threads of one process, a parent and its forked child."""

from __future__ import annotations

from typing import Any

from simuring import Simulation
from simuring.host.current import current_task
from simuring.kernel.files import files_of
from simuring.kernel.objects.base import inherit_fd


def two_processes(parent_body: Any, child_body: Any, setup: Any) -> dict[str, Any]:
    """Run ``setup`` in a parent task (creates fds, returns a list of them), then
    give a copy of each to a child process, as fork() would."""
    sim = Simulation(seed=1)
    out: dict[str, Any] = {"sim": sim}

    def parent() -> Any:
        fds = yield from setup(out)
        child_fds = [inherit_fd(me.process, fd, child.process) for fd in fds]
        out["child_fds"] = child_fds
        gate.succeed()
        yield from parent_body(out, fds)

    def child_main() -> Any:
        yield gate
        yield from child_body(out, out["child_fds"])

    gate = sim.env.event()
    me = sim.spawn(parent, name="parent", cpu=0)
    child = sim.spawn(child_main, name="child", cpu=1)
    sim.run()
    return out


def run_pair(main: Any, helper: Any) -> tuple[Simulation, dict[str, Any]]:
    """``main`` creates objects in ``out`` and runs a ring; ``helper`` is a thread of
    the same process (same fd table) started right away."""
    sim = Simulation(seed=1)
    out: dict[str, Any] = {"sim": sim}
    t = sim.spawn(main, out, name="main", cpu=0)
    sim.spawn(helper, out, name="helper", cpu=1, process=t.process)
    sim.run()
    return sim, out


def run_threads(*bodies: Any, until: int | None = None) -> dict[str, Any]:
    """Run ``bodies`` as threads of one process (one fd table), sharing ``out``."""
    sim = Simulation(seed=1)
    out: dict[str, Any] = {"sim": sim}
    first = None
    for i, body in enumerate(bodies):
        kw: dict[str, Any] = {} if first is None else {"process": first.process}
        t = sim.spawn(body, out, name=f"t{i}", cpu=i, **kw)
        first = first or t
    if until is None:
        sim.run()
    else:
        sim.run(until=until)
    return out


def fd_object(fd: int) -> Any:
    """The object behind descriptor ``fd`` of the running task."""
    return files_of(current_task().process).get(fd)
