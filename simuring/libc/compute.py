"""User-space work of a simulated task that is not a kernel entry.

``compute(ns)`` burns ``ns`` of CPU time in user space (the task keeps its
CPU, and IPIs that arrive meanwhile steal time from it).  It is a generator
like a syscall because simulated time passes: ``yield from compute(500)``.
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
