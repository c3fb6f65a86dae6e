"""io_cqring_wait: what ends a wait for completions (timeouts, EXT_ARG, ABS_TIMER)."""

from __future__ import annotations

import pytest

from simuring.abi.errno import ETIME
from simuring.engine.sim import current_simulation as current_sim
from simuring.kernel.clock import monotonic_ns
from simuring.libc.time import nanosleep
from simuring.libc.unistd import pipe, write
from simuring.liburing import (
    Ring,
    io_uring_enter2,
    io_uring_get_sqe,
    io_uring_prep_nop,
    io_uring_prep_read,
    io_uring_prep_timeout,
    io_uring_queue_init,
    io_uring_sqe_set_data64,
    io_uring_submit,
    io_uring_submit_and_wait,
)
from simuring.uapi import (
    GETEVENTS_ARG_SIZE,
    IORING_ENTER_ABS_TIMER,
    IORING_ENTER_EXT_ARG,
    IORING_ENTER_GETEVENTS,
    IORING_ENTER_NO_IOWAIT,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_SINGLE_ISSUER,
    GeteventsArg,
    Timespec,
)
from tests.helpers.procs import run_pair
from tests.helpers.ring import MS, drain
from tests.helpers.sim import run_task


@pytest.mark.parametrize("flags", [0, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN])
def test_a_firing_timeout_ends_a_wait_short_of_min_complete(flags):
    """io_uring_enter(2): a timeout triggers a wake-up for anyone waiting (io_should_wake)."""

    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, flags)) == 0
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_timeout(sqe, Timespec(0, 1 * MS), 0, 0)
        io_uring_sqe_set_data64(sqe, 7)
        t0 = current_sim().now
        ret = yield from io_uring_submit_and_wait(ring, 4)
        return ret, current_sim().now - t0, drain(ring)

    ret, waited, cqes = run_task(body)
    assert ret == 1
    assert MS <= waited < 2 * MS
    assert cqes == [(7, -ETIME)]


def test_ext_arg_timeout_returns_zero_when_some_cqes_are_ready_and_etime_when_none():
    """io_cqring_wait: -ETIME only if the CQ is empty when the time is up."""

    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        io_uring_prep_nop(io_uring_get_sqe(ring))
        yield from io_uring_submit(ring)
        flags = IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG
        partial = yield from io_uring_enter2(ring.ring_fd, 0, 2, flags, GeteventsArg(ts=Timespec(0, MS)), GETEVENTS_ARG_SIZE)
        drain(ring)
        empty = yield from io_uring_enter2(ring.ring_fd, 0, 2, flags, GeteventsArg(ts=Timespec(0, MS)), GETEVENTS_ARG_SIZE)
        return partial, empty

    assert run_task(body) == (0, -ETIME)


def test_abs_timer_is_an_instant_of_the_clock_and_no_iowait_is_accepted():
    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        sim = current_sim()
        deadline = monotonic_ns(sim.now) + 3 * MS  # an instant of CLOCK_MONOTONIC
        flags = IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG | IORING_ENTER_ABS_TIMER | IORING_ENTER_NO_IOWAIT
        ts = Timespec(*divmod(deadline, 10**9))
        ret = yield from io_uring_enter2(ring.ring_fd, 0, 1, flags, GeteventsArg(ts=ts), GETEVENTS_ARG_SIZE)
        return ret, monotonic_ns(sim.now) - deadline

    ret, late = run_task(body)
    assert ret == -ETIME
    assert 0 <= late < MS  # woke at the absolute deadline, not deadline ns after the call


def min_wait_case(setup_flags, ready_nops, min_complete, timeout_ms, arg):
    """Submit ``ready_nops`` NOPs and TIMEOUTs of ``timeout_ms``, then one EXT_ARG wait with ``arg``:
    (result, ms waited, CQEs ready)."""

    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, setup_flags)) == 0
        for _ in range(ready_nops):
            io_uring_prep_nop(io_uring_get_sqe(ring))
        for ms in timeout_ms:
            io_uring_prep_timeout(io_uring_get_sqe(ring), Timespec(0, ms * MS), 0, 0)
        yield from io_uring_submit(ring)
        t0 = current_sim().now
        flags = IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG
        ret = yield from io_uring_enter2(ring.ring_fd, 0, min_complete, flags, arg, GETEVENTS_ARG_SIZE)
        waited = (current_sim().now - t0) / MS
        return ret, waited, len(drain(ring))

    return run_task(body)


DEFER = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN


@pytest.mark.parametrize("flags", [0, DEFER])
def test_min_wait_ends_the_wait_when_a_cqe_is_ready(flags):
    """io_cqring_min_timer_wakeup: events in the CQ when the minimum wait is over end the wait."""
    ret, waited, ready = min_wait_case(flags, 1, 2, [20], GeteventsArg(min_wait_usec=2000, ts=Timespec(0, 100 * MS)))
    assert (ret, ready) == (0, 1)
    assert 2 <= waited < 3


@pytest.mark.parametrize("flags", [0, DEFER])
def test_min_wait_without_a_general_timeout_ends_the_wait_even_empty(flags):
    ret, waited, ready = min_wait_case(flags, 0, 1, [20], GeteventsArg(min_wait_usec=2000))
    assert (ret, ready) == (-ETIME, 0)
    assert 2 <= waited < 3


@pytest.mark.parametrize("flags", [0, DEFER])
def test_after_an_empty_min_wait_the_next_cqe_ends_the_wait(flags):
    """No CQE when the 1 ms minimum wait is over: the general timeout (100 ms) applies, and the first CQE
    posted after that (a pipe READ another thread satisfies at 5 ms) ends a wait for 3, with 1 ready."""

    def main(out):
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, flags)) == 0
        fds = [0, 0]
        yield from pipe(fds)
        out["wfd"] = fds[1]
        io_uring_prep_read(io_uring_get_sqe(ring), fds[0], bytearray(8), 8, 0)
        yield from io_uring_submit(ring)
        t0 = current_sim().now
        arg = GeteventsArg(min_wait_usec=1000, ts=Timespec(0, 100 * MS))
        flags_ = IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG
        out["ret"] = yield from io_uring_enter2(ring.ring_fd, 0, 3, flags_, arg, GETEVENTS_ARG_SIZE)
        out["waited"] = (current_sim().now - t0) / MS
        out["ready"] = len(drain(ring))

    def writer(out):
        yield from nanosleep(5 * MS)
        yield from write(out["wfd"], b"x", 1)

    _, out = run_pair(main, writer)
    assert (out["ret"], out["ready"]) == (0, 1)
    assert 4.9 <= out["waited"] < 6  # the write at 5 ms from the writer's start, not the 100 ms timeout


def test_min_wait_longer_than_the_timeout_ends_at_the_minimum():
    """The only timer is the minimum one: a general timeout that is shorter takes effect when it expires."""
    ret, waited, ready = min_wait_case(0, 0, 1, [50], GeteventsArg(min_wait_usec=3000, ts=Timespec(0, 1 * MS)))
    assert (ret, ready) == (-ETIME, 0)
    assert 3 <= waited < 4
