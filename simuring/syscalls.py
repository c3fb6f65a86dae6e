"""POSIX system calls of the simulated kernel, under their C names.

Each is a generator (``yield from close(fd)``) returning what C returns: a
count, 0, or a negative errno.  Where C fills an array passed by pointer
(``pipe(int fds[2])``), the Python call fills the list it is given.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.errno import EINVAL
from simuring.host.events import call_after
from simuring.host.task import wake_task
from simuring.kernel.current import current_task
from simuring.kernel.syscall import syscall

Gen = Generator[Any, Any, int]


def close(fd: int) -> Gen:
    """close(2): drop the descriptor; the object goes when its last reference does."""
    task = current_task()
    return (yield from syscall("close", task.process.fds.close(fd, task), task))


def getpid() -> Gen:
    task = current_task()
    return (yield from syscall("getpid", task.process.pid, task))


def gettid() -> Gen:
    task = current_task()
    return (yield from syscall("gettid", task.tid, task))


def sched_yield() -> Gen:
    """sched_yield(2): give the CPU to a runnable task waiting for it, if any."""
    task = current_task()

    def body() -> Gen:
        if task.cpu is not None and task.cpu.runqueue:
            yield from task._preempt()
        return 0

    return (yield from syscall("sched_yield", body(), task))


def nanosleep(ns: int) -> Gen:
    """nanosleep(2) for ``ns`` nanoseconds (an hrtimer wakes the task)."""
    task = current_task()

    def body() -> Gen:
        if not isinstance(ns, int) or ns < 0:
            return -EINVAL
        ev = task.env.event()
        call_after(task.env, ns + task.burst_ns, lambda: wake_task(None, task, "timer", event=ev))
        yield from task.sleep(ev)
        return 0

    return (yield from syscall("nanosleep", body(), task))
