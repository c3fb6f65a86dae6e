"""The kernel's clocks as the simulation sees them (``CLOCK_MONOTONIC``,
``CLOCK_BOOTTIME``, ``CLOCK_REALTIME``).

The simulated clock (``env.now``, ns) starts at 0.  Each clock reads it plus
a fixed start, so that a run is deterministic and an absolute instant means
what it means on a machine in use:

* CLOCK_MONOTONIC, and CLOCK_BOOTTIME with it (a simulated machine never
  suspends), reads :data:`MONOTONIC_START_NS` (an hour) at the simulation's
  start: a machine a program runs on has been up for a while, so an absolute
  instant of a few milliseconds or seconds since boot is long past, as on
  the real kernel (an IORING_TIMEOUT_ABS of 1 ms fires at once on both);
* CLOCK_REALTIME counts from the Unix epoch: :data:`REALTIME_START_NS`
  (2025-01-01 00:00:00 UTC) at the start, so that an instant taken from a
  real wall clock, or one long past such as 2001, behaves as on a machine of
  today.
"""

from __future__ import annotations

from simuring.abi.io_uring import IORING_TIMEOUT_REALTIME

MONOTONIC_START_NS = 3_600 * 1_000_000_000
"""CLOCK_MONOTONIC and CLOCK_BOOTTIME at simulated instant 0: an hour after boot."""

REALTIME_START_NS = 1_735_689_600 * 1_000_000_000
"""CLOCK_REALTIME at simulated instant 0: 2025-01-01 00:00:00 UTC, in ns since the epoch."""


def monotonic_ns(instant: int) -> int:
    """CLOCK_MONOTONIC (and CLOCK_BOOTTIME) at simulated instant ``instant``."""
    return instant + MONOTONIC_START_NS


def monotonic_instant(timeout_flags: int, ns: int) -> int:
    """The simulated instant of the absolute time ``ns`` of the clock that the
    IORING_TIMEOUT_* ``timeout_flags`` select (``io_timeout_get_clock``); before
    0 for an instant earlier than the simulation's start (an hour after boot,
    or 2025-01-01 for REALTIME)."""
    if timeout_flags & IORING_TIMEOUT_REALTIME:
        return ns - REALTIME_START_NS
    return ns - MONOTONIC_START_NS
