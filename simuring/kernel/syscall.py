"""Entering and leaving the simulated kernel.

Every syscall of the simulated kernel runs through :func:`syscall`: it
charges the entry cost, marks the task as being in the kernel, runs the
body (a generator that may sleep), runs pending task work on the way out
(``exit_to_user_mode`` handles TIF_NOTIFY_SIGNAL) and charges the exit
cost.  The burst is flushed before returning, so each syscall is at least
one stretch of simulated CPU time.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import simpy

from simuring.host.current import current_task
from simuring.host.task import Task
from simuring.kernel.taskwork import run_task_work

SyscallGen = Generator[simpy.Event, Any, int]


def syscall(name: str, body: Any, task: Task | None = None, flush: bool = True) -> SyscallGen:
    """Run ``body`` (a generator or a plain int result) as syscall ``name``.

    With ``flush=False`` the CPU time stays in the task's unflushed burst (used
    for kernel entries that never sleep and are made from a plain call).
    """
    task = task or current_task()
    costs = task.sched.costs.syscall
    task.in_kernel = True
    task.charge(costs.entry_ns)
    stats = task.stats
    if stats is not None:
        stats.syscall(name)
    try:
        if isinstance(body, int):
            ret = body
        else:
            ret = yield from body
        if task.notify_signal:
            run_task_work(task)
        task.charge(costs.exit_ns)
    finally:
        task.in_kernel = False
    if flush:
        yield from task.flush()
    return ret
