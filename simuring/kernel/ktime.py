"""Kernel time values (include/linux/time64.h): the checks a syscall applies to a timespec."""

from __future__ import annotations

from simuring.abi.io_uring import Timespec

NSEC_PER_SEC = 1_000_000_000


def timespec64_valid(ts: Timespec) -> bool:
    """``timespec64_valid``: seconds not negative, nanoseconds in [0, NSEC_PER_SEC)."""
    return ts.tv_sec >= 0 and 0 <= ts.tv_nsec < NSEC_PER_SEC
