"""The Python API's contract for misuse: wrong types raise a TypeError naming the
argument (C would not compile them); values of the right type that the kernel
refuses come back as -errno (workload-api.md, rule 3)."""

from __future__ import annotations

import pytest

from simuring.abi.errno import EINVAL, ETIME
from simuring.engine.sim import current_simulation as current_sim
from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_cq_ready,
    io_uring_cqe_seen,
    io_uring_enter,
    io_uring_get_sqe,
    io_uring_peek_batch_cqe,
    io_uring_prep_nop,
    io_uring_prep_read,
    io_uring_prep_timeout,
    io_uring_queue_init,
    io_uring_sq_space_left,
    io_uring_sqe_set_data64,
    io_uring_sqe_set_flags,
    io_uring_submit,
    io_uring_submit_and_wait_timeout,
    io_uring_wait_cqe,
    io_uring_wait_cqe_nr,
    io_uring_wait_cqe_timeout,
    io_uring_wait_cqes,
)
from simuring.syscalls import close, eventfd, eventfd_write, read
from simuring.uapi import (
    IORING_FEAT_EXT_ARG,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_SINGLE_ISSUER,
    IORING_SETUP_TASKRUN_FLAG,
    Sqe,
    Timespec,
)
from tests.helpers.sim import run_task

MS = 1_000_000
DEFER = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN


@pytest.mark.parametrize(
    "call",
    [
        lambda: io_uring_get_sqe("ring"),
        lambda: io_uring_cq_ready(None),
        lambda: io_uring_sq_space_left(3),
        lambda: io_uring_cqe_seen("ring", object()),
        lambda: next(io_uring_submit("ring")),
        lambda: next(io_uring_wait_cqe("ring", Cqe())),
    ],
)
def test_a_non_ring_is_a_type_error_that_says_ring(call):
    with pytest.raises(TypeError, match="expected a Ring"):
        call()


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: io_uring_prep_read(Sqe(), "0", bytearray(4), 4, 0), "fd"),
        (lambda: io_uring_prep_read(Sqe(), 0, bytearray(4), "4", 0), "len"),
        (lambda: io_uring_prep_read(Sqe(), 0, bytearray(4), 4, None), "offset"),
        (lambda: io_uring_sqe_set_data64(Sqe(), "x"), "data"),
        (lambda: io_uring_sqe_set_flags(Sqe(), "LINK"), "flags"),
        (lambda: next(read("0", bytearray(4), 4)), "fd"),
        (lambda: next(close("3")), "fd"),
        (lambda: next(eventfd("0", 0)), "initval"),
        (lambda: next(io_uring_enter("3", 0, 0, 0)), "fd"),
        (lambda: next(io_uring_wait_cqe_nr(Ring(), Cqe(), "1")), "wait_nr"),
        (lambda: Timespec(0, 1e6), "tv_nsec"),
    ],
)
def test_a_wrong_typed_argument_is_a_type_error_naming_it(call, name):
    with pytest.raises(TypeError, match=rf"\b{name} must be an int"):
        call()


def test_prep_on_the_none_of_a_full_sq_says_so():
    with pytest.raises(TypeError, match="SQ ring is full"):
        io_uring_prep_nop(None)


def test_c_integer_conversions_are_applied():
    """liburing stores (__u8) flags and a __u64 user_data; eventfd_t is uint64_t."""
    sqe = Sqe()
    io_uring_sqe_set_flags(sqe, 0x100)
    io_uring_sqe_set_data64(sqe, -1)
    assert sqe.flags == 0
    assert sqe.user_data == 2**64 - 1

    def body():
        fd = yield from eventfd(0, 0)
        return (yield from eventfd_write(fd, -1))  # 2**64-1: refused by the kernel

    assert run_task(body) == -EINVAL


def test_peek_batch_flushes_pending_task_work_once_like_liburing():
    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, DEFER | IORING_SETUP_TASKRUN_FLAG)) == 0
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_timeout(sqe, Timespec(0, 1000), 0, 0)
        yield from io_uring_submit(ring)
        from simuring.syscalls import nanosleep

        yield from nanosleep(MS)  # the timeout fired; its CQE waits as deferred work
        before = io_uring_cq_ready(ring)
        cqes = Cqe(4)
        got = io_uring_peek_batch_cqe(ring, cqes, 4)
        return before, got, cqes[0].res

    assert run_task(body) == (0, 1, -ETIME)


def test_wait_cqes_and_submit_and_wait_timeout():
    def body():
        ring, cqe = Ring(), Cqe()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        sim = current_sim()
        t0 = sim.now
        timed_out = yield from io_uring_wait_cqes(ring, cqe, 1, Timespec(0, MS))
        waited = sim.now - t0
        io_uring_prep_nop(io_uring_get_sqe(ring))
        io_uring_prep_nop(io_uring_get_sqe(ring))
        submitted = yield from io_uring_submit_and_wait_timeout(ring, cqe, 2, Timespec(1, 0))
        first = cqe[0].res if cqe[0] is not None else None
        return timed_out, waited, submitted, first, io_uring_cq_ready(ring)

    timed_out, waited, submitted, first, ready = run_task(body)
    assert timed_out == -ETIME and MS <= waited < 2 * MS
    assert submitted == 2 and first == 0 and ready == 2


def test_waits_without_ext_arg_use_a_timeout_sqe_like_liburing():
    """Without IORING_FEAT_EXT_ARG in ring.features, liburing's timed waits queue a TIMEOUT SQE
    (user_data LIBURING_UDATA_TIMEOUT, count wait_nr), submit it with what is queued, and consume
    its CQE themselves (__io_uring_submit_timeout, __io_uring_peek_cqe)."""

    def body():
        ring, cqe = Ring(), Cqe()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        ring.features &= ~IORING_FEAT_EXT_ARG
        sim = current_sim()
        t0 = sim.now
        expired = yield from io_uring_wait_cqe_timeout(ring, cqe, Timespec(0, MS))  # the enter's count
        waited = sim.now - t0
        expired_cqe = cqe[0]
        left = io_uring_cq_ready(ring)  # the timeout's own -ETIME CQE was consumed
        io_uring_prep_nop(io_uring_get_sqe(ring))
        io_uring_sqe_set_data64(io_uring_get_sqe(ring), 0)  # a second NOP, queued too
        got = yield from io_uring_wait_cqe_timeout(ring, cqe, Timespec(1, 0))
        return expired, waited, expired_cqe, left, got, cqe[0].user_data

    expired, waited, expired_cqe, left, got, ud = run_task(body)
    assert expired == 1 and MS <= waited < 2 * MS and expired_cqe is None and left == 0
    assert got == 3 and ud == 0  # two NOPs and the timeout submitted; the first NOP returned
