"""clock_gettime through the vDSO: the calling task's own instant, no kernel entry."""

from __future__ import annotations

from simuring import Simulation
from simuring.errno import EINVAL
from simuring.syscalls import (
    CLOCK_BOOTTIME,
    CLOCK_MONOTONIC,
    CLOCK_REALTIME,
    Timespec,
    clock_gettime,
    getpid,
    nanosleep,
)
from tests.helpers.sim import NO_NOISE


def test_readings_follow_the_task_and_cost_nothing() -> None:
    sim_costs = Simulation(seed=0).costs.with_overrides(NO_NOISE)
    sim = Simulation(host=sim_costs, seed=0)
    seen: dict[str, object] = {}

    def task():
        tp = Timespec()
        assert clock_gettime(CLOCK_MONOTONIC, tp) == 0
        t0 = tp.to_ns()
        assert clock_gettime(CLOCK_MONOTONIC, tp) == 0
        seen["free"] = tp.to_ns() - t0  # a reading costs nothing
        yield from getpid()
        clock_gettime(CLOCK_MONOTONIC, tp)
        seen["getpid"] = tp.to_ns() - t0
        yield from nanosleep(1_000_000)
        clock_gettime(CLOCK_BOOTTIME, tp)
        seen["slept"] = tp.to_ns() - t0
        real = Timespec()
        clock_gettime(CLOCK_REALTIME, real)
        seen["realtime_minus_boot"] = real.to_ns() - tp.to_ns()
        seen["bad"] = clock_gettime(12345, tp)

    sim.spawn(task, cpu=0)
    result = sim.run()
    c = sim_costs.syscall
    assert seen["free"] == 0
    assert seen["getpid"] == c.entry_ns + c.exit_ns  # the syscall's cost, read in the same burst
    assert isinstance(seen["slept"], int) and seen["slept"] >= 1_000_000
    assert seen["realtime_minus_boot"] > 1_700_000_000 * 10**9  # after 2023, in ns since the epoch
    assert seen["bad"] == -EINVAL
    assert "clock_gettime" not in str(result.to_json())  # not a system call: never counted
