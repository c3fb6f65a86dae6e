"""The simulated clocks (simuring/kernel/clock.py)."""

from __future__ import annotations

import datetime

from simuring.abi.io_uring import IORING_TIMEOUT_BOOTTIME, IORING_TIMEOUT_REALTIME
from simuring.kernel.clock import (
    MONOTONIC_START_NS,
    REALTIME_START_NS,
    monotonic_instant,
    monotonic_ns,
)


def test_realtime_starts_at_a_fixed_wall_clock_instant() -> None:
    start = datetime.datetime.fromtimestamp(REALTIME_START_NS // 10**9, tz=datetime.UTC)
    assert start == datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)


def test_absolute_instants_on_each_clock() -> None:
    # the machine booted an hour before the simulation: a monotonic instant of
    # 1 ms is long past, as on a machine in use
    assert monotonic_ns(0) == MONOTONIC_START_NS == 3_600 * 10**9
    assert monotonic_instant(0, MONOTONIC_START_NS + 5_000) == 5_000
    assert monotonic_instant(IORING_TIMEOUT_BOOTTIME, MONOTONIC_START_NS + 5_000) == 5_000
    assert monotonic_instant(0, 1_000_000) < 0
    assert monotonic_instant(IORING_TIMEOUT_REALTIME, REALTIME_START_NS + 5_000) == 5_000
    assert monotonic_instant(IORING_TIMEOUT_REALTIME, 10**18) < 0  # 2001: before the start
