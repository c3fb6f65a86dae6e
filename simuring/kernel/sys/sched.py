"""Giving up the CPU: sched_yield(2) and nanosleep(2)."""

from __future__ import annotations

from collections.abc import Generator
from functools import partial
from typing import Any

from simuring.abi.errno import EINVAL
from simuring.host.events import call_at
from simuring.host.task import Task, wake_task


def sys_sched_yield(task: Task) -> Generator[Any, Any, int]:
    """``do_sched_yield`` (kernel/sched/syscalls.c): give the CPU to a runnable
    task waiting for it, if any."""
    if task.cpu is not None and task.cpu.runqueue:
        yield from task._preempt()
    return 0


def sys_nanosleep(task: Task, ns: int) -> Generator[Any, Any, int]:
    """``hrtimer_nanosleep`` (kernel/time/hrtimer.c): sleep ``ns`` nanoseconds;
    an hrtimer wakes the task."""
    if not isinstance(ns, int) or ns < 0:
        return -EINVAL
    ev = task.env.event()
    call_at(task.env, task.now() + ns, partial(wake_task, None, task, "timer", event=ev))
    yield from task.sleep(ev)
    return 0
