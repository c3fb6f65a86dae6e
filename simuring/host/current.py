"""``current``: the simulated task whose code is running.

liburing-style calls take no task argument, exactly like C; the kernel finds
the caller the way Linux does with ``current``.  Here that is the task bound
(:func:`bind`, by :class:`~simuring.host.spawner.Spawner`) to the SimPy
process that the innermost running environment is executing
(``Environment.active_process``, read from its ``_active_proc``).  Whoever
runs an environment pushes it here for the duration of the run
(:func:`push`, :func:`pop`); environments nest when a simulation is run
from inside another one's task.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from mypy_extensions import mypyc_attr

if TYPE_CHECKING:
    import simpy

    from simuring.host.task import Task

_envs: Final[list[simpy.Environment]] = []  # innermost last


@mypyc_attr(native_class=False)  # compiled, a class can derive from RuntimeError only so
class NotInSimulation(RuntimeError):
    """A kernel entry was called outside a running simulated task."""


def push(env: simpy.Environment) -> None:
    """``env`` is being run until the matching :func:`pop`."""
    _envs.append(env)


def pop(env: simpy.Environment) -> None:
    if _envs and _envs[-1] is env:
        _envs.pop()


def bind(proc: simpy.Process, task: Task) -> None:
    """Make ``task`` the one :func:`current_task` finds while ``proc`` runs."""
    proc.simuring_task = task  # type: ignore[attr-defined]


def _not_running() -> NotInSimulation:
    return NotInSimulation(
        "this call enters the simulated kernel and must run inside a task started with "
        "sim.spawn(...) while sim.run() is running (did you forget 'yield from'?)"
    )


def current_task() -> Task:
    """The running task: the one bound to the process the innermost environment executes.

    Hot (every liburing call finds its caller here): the common case is a list
    index and two attributes; anything unusual takes the slow path, which
    raises :class:`NotInSimulation` with an explanation.  The process is read
    from SimPy's ``Environment._active_proc``, the attribute its public
    ``active_process`` property returns (the property is a call of
    interpreted code, which a compiled caller pays on every kernel entry);
    this is the one place that reads it.
    """
    try:
        task: Task = _envs[-1]._active_proc.simuring_task  # type: ignore[union-attr]
        return task
    except (IndexError, AttributeError):
        return _current_task_slow()


def _current_task_slow() -> Task:
    if not _envs:
        raise _not_running()
    raise NotInSimulation("no simulated task is running: kernel calls must come from a spawned task")
