"""io_uring_enter(2): flags, file descriptors, waiting for completions, the extended argument."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import Gen, new_ring, nop, reap
from simuring.uapi import (
    GETEVENTS_ARG_SIZE,
    IORING_ENTER_ABS_TIMER,
    IORING_ENTER_EXT_ARG,
    IORING_ENTER_GETEVENTS,
    IORING_ENTER_REGISTERED_RING,
    IORING_ENTER_SQ_WAIT,
    IORING_ENTER_SQ_WAKEUP,
)

BAD_FD = 100_000  # not an open descriptor in either process
EXT_ARG_SIZE = GETEVENTS_ARG_SIZE  # sizeof(struct io_uring_getevents_arg)


@scenario("enter-bad-arguments", tags=("enter",), expect={"unknown flag": -22, "closed fd": -9, "pipe fd": -95})
def enter_bad_arguments(L: Any) -> Gen:
    """io_uring_enter(2): an unknown flag bit is -EINVAL, a descriptor that is not open is -EBADF,
    an open descriptor that is not a ring is -EOPNOTSUPP."""
    ring = yield from new_ring(L, 4)
    fds = [0, 0]
    yield from L.pipe(fds)
    L.record("unknown flag", (yield from L.io_uring_enter(ring.ring_fd, 0, 0, 1 << 31, None)))
    L.record("closed fd", (yield from L.io_uring_enter(BAD_FD, 0, 0, 0, None)))
    L.record("pipe fd", (yield from L.io_uring_enter(fds[0], 0, 0, 0, None)))
    yield from L.io_uring_queue_exit(ring)


@scenario("enter-getevents-min-complete", tags=("enter",), expect={"ready": 3, "ready after capped wait": 4})
def enter_getevents_min_complete(L: Any) -> Gen:
    """io_uring_enter(2): GETEVENTS returns at once when min_complete completions are already in the CQ,
    and min_complete is capped at the CQ size (asking for 100 on a 4-entry CQ holding 4 does not block)."""
    ring = yield from new_ring(L, 4)
    for i in range(3):
        nop(L, ring, i)
    yield from L.io_uring_submit(ring)
    yield from L.io_uring_enter(ring.ring_fd, 0, 3, IORING_ENTER_GETEVENTS, None)
    L.record("ready", L.io_uring_cq_ready(ring))
    yield from reap(L, ring, 3)
    ring2 = yield from new_ring(L, 2)
    for batch in range(2):
        nop(L, ring2, 10 + 2 * batch)
        nop(L, ring2, 11 + 2 * batch)
        yield from L.io_uring_submit(ring2)
    yield from L.io_uring_enter(ring2.ring_fd, 0, 100, IORING_ENTER_GETEVENTS, None)
    L.record("ready after capped wait", L.io_uring_cq_ready(ring2))
    yield from reap(L, ring2, 4)
    yield from L.io_uring_queue_exit(ring)
    yield from L.io_uring_queue_exit(ring2)


@scenario("enter-submit-more-than-queued", tags=("enter",), expect={"to_submit=8, none queued": 0})
def enter_submit_more_than_queued(L: Any) -> Gen:
    """io_uring_enter(2): to_submit larger than the SQEs in the SQ submits only those (none: 0)."""
    ring = yield from new_ring(L, 4)
    L.record("to_submit=8, none queued", (yield from L.io_uring_enter(ring.ring_fd, 8, 0, 0, None)))
    nop(L, ring, 1)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("enter-ext-arg-timeout", tags=("enter", "timeouts"), expect={"wait_cqe_timeout": -62, "ext arg bad size": -22, "ext arg expires": -62})
def enter_ext_arg_timeout(L: Any) -> Gen:
    """io_uring_enter(2) with IORING_ENTER_EXT_ARG: a wait bounded by a timespec ends with -ETIME when
    nothing completes; the argument size must be sizeof(struct io_uring_getevents_arg) (-EINVAL otherwise)."""
    ring = yield from new_ring(L, 4)
    cqe = L.Cqe()
    L.record("wait_cqe_timeout", (yield from L.io_uring_wait_cqe_timeout(ring, cqe, L.Timespec(0, 2_000_000))))
    arg = L.GeteventsArg(ts=L.Timespec(0, 1_000_000))
    flags = IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG
    L.record("ext arg bad size", (yield from L.io_uring_enter2(ring.ring_fd, 0, 1, flags, arg, 16)))
    L.record("ext arg expires", (yield from L.io_uring_enter2(ring.ring_fd, 0, 1, flags, arg, EXT_ARG_SIZE)))
    yield from L.io_uring_queue_exit(ring)


@scenario("enter-submit-and-wait-timeout", tags=("enter", "timeouts"))
def enter_submit_and_wait_timeout(L: Any) -> Gen:
    """io_uring_submit_and_wait_timeout(3): submits the queued NOPs and returns once they completed,
    well before the timeout; the completions are then reaped."""
    ring = yield from new_ring(L, 4)
    nop(L, ring, 1)
    nop(L, ring, 2)
    cqe = L.Cqe()
    yield from L.io_uring_submit_and_wait_timeout(ring, cqe, 2, L.Timespec(5, 0))
    L.record("ready", L.io_uring_cq_ready(ring))
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "enter-unknown-flag-bits",
    tags=("enter",),
    expect={"bit 8": -22, "bit 9": -22, "bit 12": -22, "bit 16": -22, "bit 30": -22},
)
def enter_unknown_flag_bits(L: Any) -> Gen:
    """io_uring_enter(2): every flag bit above the defined IORING_ENTER_* flags is -EINVAL, one bit at a
    time (bits 8, 9, 12, 16, 30), whatever else the call asks."""
    ring = yield from new_ring(L, 4)
    for bit in (8, 9, 12, 16, 30):
        L.record(f"bit {bit}", (yield from L.io_uring_enter(ring.ring_fd, 0, 0, 1 << bit, None)))
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "enter-sq-flags-without-sqpoll",
    tags=("enter", "sqpoll"),
    expect={"SQ_WAKEUP": 0, "SQ_WAIT": 0, "SQ_WAKEUP|SQ_WAIT|GETEVENTS": 0},
)
def enter_sq_flags_without_sqpoll(L: Any) -> Gen:
    """IORING_ENTER_SQ_WAKEUP and IORING_ENTER_SQ_WAIT concern the SQ thread; on a ring without SQPOLL
    they are accepted and do nothing (0), alone or with GETEVENTS waiting for a NOP already completed."""
    ring = yield from new_ring(L, 4)
    L.record("SQ_WAKEUP", (yield from L.io_uring_enter(ring.ring_fd, 0, 0, IORING_ENTER_SQ_WAKEUP, None)))
    L.record("SQ_WAIT", (yield from L.io_uring_enter(ring.ring_fd, 0, 0, IORING_ENTER_SQ_WAIT, None)))
    nop(L, ring, 1)
    yield from L.io_uring_submit(ring)
    flags = IORING_ENTER_SQ_WAKEUP | IORING_ENTER_SQ_WAIT | IORING_ENTER_GETEVENTS
    L.record("SQ_WAKEUP|SQ_WAIT|GETEVENTS", (yield from L.io_uring_enter(ring.ring_fd, 0, 1, flags, None)))
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("enter-ext-arg-null", tags=("enter",), expect={"null arg": -14})
def enter_ext_arg_null(L: Any) -> Gen:
    """io_uring_enter(2) with GETEVENTS|IORING_ENTER_EXT_ARG and a NULL argument of the right size: the
    kernel cannot read the struct io_uring_getevents_arg, so the call fails with -EFAULT (here with a
    completion already waiting, so a wait would return at once)."""
    ring = yield from new_ring(L, 4)
    nop(L, ring, 1)
    yield from L.io_uring_submit(ring)
    flags = IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG
    L.record("null arg", (yield from L.io_uring_enter2(ring.ring_fd, 0, 1, flags, None, EXT_ARG_SIZE)))
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("enter-abs-timer", tags=("enter", "timeouts"), expect={"instant past": -62})
def enter_abs_timer(L: Any) -> Gen:
    """IORING_ENTER_ABS_TIMER: the EXT_ARG timespec is an instant of the ring's clock (CLOCK_MONOTONIC); a
    wait for one completion bounded by an instant already past ends at once with -ETIME."""
    ring = yield from new_ring(L, 4)
    arg = L.GeteventsArg(ts=L.Timespec(0, 1))
    flags = IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG | IORING_ENTER_ABS_TIMER
    L.record("instant past", (yield from L.io_uring_enter2(ring.ring_fd, 0, 1, flags, arg, EXT_ARG_SIZE)))
    yield from L.io_uring_queue_exit(ring)


@scenario("enter-wait-timeout-partial", tags=("enter", "timeouts"), expect={"wait for 3, 2 ready": 0, "ready": 2})
def enter_wait_timeout_partial(L: Any) -> Gen:
    """A bounded wait (EXT_ARG, 1 ms) for 3 completions when only 2 will ever come: when the time is up
    the call returns 0, not -ETIME, because the CQ is not empty; both completions are then reaped."""
    ring = yield from new_ring(L, 4)
    nop(L, ring, 1)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    arg = L.GeteventsArg(ts=L.Timespec(0, 1_000_000))
    flags = IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG
    L.record("wait for 3, 2 ready", (yield from L.io_uring_enter2(ring.ring_fd, 0, 3, flags, arg, EXT_ARG_SIZE)))
    L.record("ready", L.io_uring_cq_ready(ring))
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "enter-registered-ring-none",
    tags=("enter",),
    expect={"index 0, none registered": -9, "index past the table": -22},
)
def enter_registered_ring_none(L: Any) -> Gen:
    """IORING_ENTER_REGISTERED_RING takes fd as an index into the task's registered ring table: with no
    ring registered (after a submit, so the task has io_uring state) index 0 is -EBADF and an index past
    the table (100) is -EINVAL."""
    ring = yield from new_ring(L, 4)
    nop(L, ring, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    L.record("index 0, none registered", (yield from L.io_uring_enter(0, 0, 0, IORING_ENTER_REGISTERED_RING, None)))
    L.record("index past the table", (yield from L.io_uring_enter(100, 0, 0, IORING_ENTER_REGISTERED_RING, None)))
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "enter-ext-arg-min-wait",
    tags=("enter", "timeouts"),
    expect={"min wait, 1 of 2 ready": 0, "ready": 1, "min wait, no timeout, none ready": -62},
)
def enter_ext_arg_min_wait(L: Any) -> Gen:
    """IORING_ENTER_EXT_ARG's min_wait_usec (IORING_FEAT_MIN_TIMEOUT): a wait for 2 completions with one
    already in the CQ ends when the 2 ms minimum wait is over (0, one ready), not when the 20 ms TIMEOUT
    request completes; with no general timeout the wait ends after the minimum wait even with the CQ
    empty (-ETIME)."""
    ring = yield from new_ring(L, 4)
    nop(L, ring, 1)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_timeout(sqe, L.Timespec(0, 20_000_000), 0, 0)
    L.io_uring_sqe_set_data64(sqe, 2)
    yield from L.io_uring_submit(ring)
    flags = IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG
    arg = L.GeteventsArg(min_wait_usec=2000, ts=L.Timespec(0, 100_000_000))
    L.record("min wait, 1 of 2 ready", (yield from L.io_uring_enter2(ring.ring_fd, 0, 2, flags, arg, EXT_ARG_SIZE)))
    L.record("ready", L.io_uring_cq_ready(ring))
    yield from reap(L, ring, 2)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_timeout(sqe, L.Timespec(0, 20_000_000), 0, 0)
    L.io_uring_sqe_set_data64(sqe, 3)
    yield from L.io_uring_submit(ring)
    arg = L.GeteventsArg(min_wait_usec=2000)
    L.record("min wait, no timeout, none ready", (yield from L.io_uring_enter2(ring.ring_fd, 0, 1, flags, arg, EXT_ARG_SIZE)))
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "enter-ext-arg-odd-timespec",
    tags=("enter", "timeouts"),
    expect={"tv_sec -1": -62, "tv_nsec -1": -62, "tv_sec -2, tv_nsec 1.5e9": -62},
)
def enter_ext_arg_odd_timespec(L: Any) -> Gen:
    """io_uring_enter(2) with an EXT_ARG timespec outside the usual ranges (a negative tv_sec, a negative
    tv_nsec, a tv_nsec above a second with a tv_sec of -2): the kernel does not check the timespec, it
    converts it as it is, so each is a deadline already past and the wait for a completion that never
    comes ends at once with -ETIME.  (A negative IORING_ENTER_ABS_TIMER instant is left out: on Linux
    6.18 that wait did not end within the harness's 10 s.)"""
    ring = yield from new_ring(L, 4)
    flags = IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG
    for label, ts, extra in (
        ("tv_sec -1", L.Timespec(-1, 0), 0),
        ("tv_nsec -1", L.Timespec(0, -1), 0),
        ("tv_sec -2, tv_nsec 1.5e9", L.Timespec(-2, 1_500_000_000), 0),
    ):
        arg = L.GeteventsArg(ts=ts)
        L.record(label, (yield from L.io_uring_enter2(ring.ring_fd, 0, 1, flags | extra, arg, EXT_ARG_SIZE)))
    yield from L.io_uring_queue_exit(ring)
