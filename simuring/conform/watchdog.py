"""A wall-clock limit for one side of one scenario (SIGALRM, main thread only).

A scenario that blocks forever on the real kernel, or a simulator that
livelocks at one simulated instant, ends with :class:`ScenarioTimeout`
raised in the running Python code, and is reported instead of hanging the
run.  A blocking system call is interrupted (-EINTR) and the exception is
raised when control is back in Python.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class ScenarioTimeout(Exception):
    """A side of a scenario ran past its wall-clock limit."""


@contextmanager
def watchdog(seconds: float) -> Iterator[None]:
    """Raise :class:`ScenarioTimeout` in the running code after ``seconds`` (no limit off the main thread)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def fire(signum: int, frame: Any) -> None:
        raise ScenarioTimeout(f"no result after {seconds:g} s of wall-clock time")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
