"""``current``: the simulated task whose code is running.

liburing-style calls take no task argument, exactly like C; the kernel finds
the caller the way Linux does with ``current``.  Here that is the SimPy
process being executed by the running :class:`~simuring.Simulation`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simuring.engine.sim import Simulation
    from simuring.host.task import Task

_running: list[Simulation] = []


class NotInSimulation(RuntimeError):
    """A kernel entry was called outside a running simulated task."""


def push(sim: Simulation) -> None:
    _running.append(sim)


def pop(sim: Simulation) -> None:
    if _running and _running[-1] is sim:
        _running.pop()


def current_sim() -> Simulation:
    if not _running:
        raise NotInSimulation(
            "this call enters the simulated kernel and must run inside a task started with "
            "sim.spawn(...) while sim.run() is running (did you forget 'yield from'?)"
        )
    return _running[-1]


def current_task() -> Task:
    """The running task: the SimPy process being executed by the innermost simulation.

    Hot (every liburing call finds its caller here): the task is stored on its
    SimPy process object by :meth:`Simulation._spawn_task`, so the common case
    is three attribute loads; anything unusual takes the slow path, which
    raises :class:`NotInSimulation` with an explanation.
    """
    try:
        task: Task = _running[-1].env._active_proc.simuring_task  # type: ignore[union-attr]
        return task
    except (IndexError, AttributeError):
        return _current_task_slow()


def _current_task_slow() -> Task:
    sim = current_sim()  # raises NotInSimulation outside sim.run()
    proc = sim.env.active_process
    task = sim._by_proc.get(proc) if proc is not None else None
    if task is None:
        raise NotInSimulation("no simulated task is running: kernel calls must come from a spawned task")
    return task
