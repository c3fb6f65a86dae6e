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
from simuring.host.memory import memcpy_ns


def compute(ns: int) -> Generator[Any, Any, None]:
    if not isinstance(ns, int) or ns < 0:
        raise ValueError(f"compute() takes a whole number of nanoseconds >= 0, got {ns!r}")
    task = current_task()
    task.charge(ns)
    yield from task.flush()


def user_memcpy(dst: Any, src: Any, n: int) -> None:
    """A user-space ``memcpy(dst, src, n)`` (e.g. into shared memory), charged to the caller.

    A plain call, not a syscall: it costs ``memcpy_ns`` of CPU time in the
    task's current burst (see :func:`simuring.kernel.objects.shm.copy_cost`).
    """
    task = current_task()
    memoryview(dst)[:n] = memoryview(src)[:n]
    task.charge(memcpy_ns(task.sched.costs, n))
