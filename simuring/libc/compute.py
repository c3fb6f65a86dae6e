"""User-space work of a simulated task that is not a kernel entry.

``compute(ns)`` burns ``ns`` of CPU time in user space (the task keeps its
CPU, and IPIs that arrive meanwhile steal time from it).  It is a generator
like a syscall because simulated time passes: ``yield from compute(500)``.
``user_memcpy(dst, src, n)`` is a plain call: a copy in user space (e.g.
into shared memory), charged to the caller's current burst.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.host.current import current_task


def compute(ns: int) -> Generator[Any, Any, None]:
    if not isinstance(ns, int) or ns < 0:
        raise ValueError(f"compute() takes a whole number of nanoseconds >= 0, got {ns!r}")
    task = current_task()
    task.charge(ns)
    yield from task.flush()


def user_memcpy(dst: Any, src: Any, n: int) -> None:
    """A user-space ``memcpy(dst, src, n)`` (e.g. into shared memory), charged to the caller.

    A plain call, not a syscall: it costs CPU time in the task's current
    burst, priced by where the lines are (:class:`simuring.host.memory.SharedBuffers`):
    a copy out of or into shared memory last used on another CPU moves its
    lines between cores.
    """
    task = current_task()
    memoryview(dst)[:n] = memoryview(src)[:n]
    task.sched.memory.user_copy(task, dst, src, n)
