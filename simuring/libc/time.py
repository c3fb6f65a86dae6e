"""``<time.h>``: nanosleep."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.kernel.sys import syscall
from simuring.libc.argcheck import need_int


def nanosleep(ns: int) -> Generator[Any, Any, int]:
    """nanosleep(2) for ``ns`` nanoseconds (an hrtimer wakes the task)."""
    need_int("nanosleep", ns=ns)
    return (yield from syscall("nanosleep", ns))
