"""``<time.h>``: nanosleep and clock_gettime."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.abi.errno import EINVAL
from simuring.abi.io_uring import Timespec
from simuring.host.current import current_task
from simuring.kernel.sys import syscall, vdso_clock_ns

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


def clock_gettime(clockid: int, tp: Timespec) -> int:
    """clock_gettime(2) as the vDSO serves it: no kernel entry, no cost of its own.

    Fills ``tp`` with the calling task's own instant (the clock plus the work
    it has charged and not yet let elapse, :meth:`Task.now
    <simuring.host.task.Task.now>`), so the difference of two readings in one
    task is what the code in between cost.  CLOCK_MONOTONIC and
    CLOCK_BOOTTIME read the simulated clock plus
    :data:`~simuring.kernel.clock.MONOTONIC_START_NS` (the machine booted an
    hour before the simulation's start), CLOCK_REALTIME the clock plus
    :data:`~simuring.kernel.clock.REALTIME_START_NS`.  0, or -EINVAL for
    another clock (not a generator: nothing here can block).
    """
    if not isinstance(tp, Timespec):
        raise TypeError(f"clock_gettime: tp must be a Timespec, got {type(tp).__name__} {tp!r}")
    ns = vdso_clock_ns(clockid, current_task().now())
    if ns is None:
        return -EINVAL
    tp.tv_sec, tp.tv_nsec = divmod(ns, NSEC_PER_SEC)
    return 0
