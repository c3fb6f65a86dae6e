"""``<sched.h>``: sched_yield."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.kernel.sys import syscall


def sched_yield() -> Generator[Any, Any, int]:
    """sched_yield(2): give the CPU to a runnable task waiting for it, if any."""
    return (yield from syscall("sched_yield"))
