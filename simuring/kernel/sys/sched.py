"""Giving up the CPU: sched_yield(2) and nanosleep(2)."""

from __future__ import annotations

from collections.abc import Generator
from functools import partial
from typing import Any

from simuring.abi.errno import EFAULT, EINVAL
from simuring.abi.io_uring import Timespec
from simuring.host.events import call_at
from simuring.host.task import Task, wake_task
from simuring.kernel.ktime import timespec64_valid


def sys_sched_yield(task: Task) -> Generator[Any, Any, int]:
    """``do_sched_yield`` (kernel/sched/syscalls.c): give the CPU to a runnable
    task waiting for it, if any."""
    if task.cpu is not None and task.cpu.runqueue:
        yield from task._preempt()
    return 0


def sys_nanosleep(task: Task, rqtp: object, rmtp: object = None) -> Generator[Any, Any, int]:
    """``SYSCALL_DEFINE2(nanosleep)`` -> ``hrtimer_nanosleep`` (kernel/time/hrtimer.c):
    copy the timespec in (-EFAULT without one), -EINVAL unless
    ``timespec64_valid``, then sleep that long; an hrtimer wakes the task.
    ``rmtp`` is written only when a signal cuts the sleep short, and the model
    has no signals."""
    if not isinstance(rqtp, Timespec):
        return -EFAULT
    if not timespec64_valid(rqtp):
        return -EINVAL
    ev = task.env.event()
    call_at(task.env, task.now() + rqtp.to_ns(), partial(wake_task, None, task, "timer", event=ev))
    yield from task.sleep(ev)
    return 0
