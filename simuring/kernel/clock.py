"""The kernel's clocks as the simulation sees them (``CLOCK_MONOTONIC``,
``CLOCK_BOOTTIME``, ``CLOCK_REALTIME``).

The simulated clock (``env.now``, ns) is CLOCK_MONOTONIC, and CLOCK_BOOTTIME
with it (a simulated machine never suspends): both read 0 when the
simulation starts, as if the machine had just booted.  CLOCK_REALTIME counts
from the Unix epoch, so it is the simulated clock plus a fixed wall-clock
start, :data:`REALTIME_START_NS` (2025-01-01 00:00:00 UTC): fixed so that a
run is deterministic, realistic so that an absolute REALTIME instant taken
from a real wall clock, or one long past such as 2001, behaves as on a
machine of today.
"""

from __future__ import annotations

from simuring.abi.io_uring import IORING_TIMEOUT_REALTIME

REALTIME_START_NS = 1_735_689_600 * 1_000_000_000
"""CLOCK_REALTIME at simulated instant 0: 2025-01-01 00:00:00 UTC, in ns since the epoch."""


def monotonic_instant(timeout_flags: int, ns: int) -> int:
    """The simulated instant of the absolute time ``ns`` of the clock that the
    IORING_TIMEOUT_* ``timeout_flags`` select (``io_timeout_get_clock``); before
    0 for a REALTIME instant earlier than the simulation's start."""
    if timeout_flags & IORING_TIMEOUT_REALTIME:
        return ns - REALTIME_START_NS
    return ns
