"""``<time.h>``: nanosleep."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.abi.io_uring import Timespec
from simuring.kernel.sys import syscall

NSEC_PER_SEC = 1_000_000_000


def nanosleep(req: Timespec | int | None, rem: Timespec | None = None) -> Generator[Any, Any, int]:
    """nanosleep(2): ``nanosleep(&ts, NULL)`` ports as ``nanosleep(Timespec(sec, nsec), None)``.

    ``req`` may also be an int, a number of nanoseconds (simuring's shorthand:
    ``nanosleep(50_000)``), which is passed as the timespec it spells (a
    negative one is -EINVAL); ``None`` is C's NULL (-EFAULT).  ``rem`` is C's
    out-parameter for the time left after a signal: signals are not modelled,
    so it is never written.  0 or -errno.
    """
    if isinstance(req, int):
        req = Timespec(*divmod(req, NSEC_PER_SEC))
    elif req is not None and not isinstance(req, Timespec):
        raise TypeError(f"nanosleep: req must be a Timespec or an int of nanoseconds, got {type(req).__name__} {req!r}")
    if rem is not None and not isinstance(rem, Timespec):
        raise TypeError(f"nanosleep: rem must be a Timespec or None, got {type(rem).__name__} {rem!r}")
    return (yield from syscall("nanosleep", req, rem))
