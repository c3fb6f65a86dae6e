"""io_uring_enter(2) argument checks: the EXT_ARG argument and its size, registered ring indexes."""

from __future__ import annotations

import pytest

from simuring.abi.errno import EBADF, EFAULT, EINVAL, ETIME
from simuring.abi.regions import REG_WAIT_SIZE
from simuring.kernel.tctx import IO_RINGFD_REG_MAX
from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_enter,
    io_uring_enter2,
    io_uring_get_sqe,
    io_uring_prep_nop,
    io_uring_queue_init,
    io_uring_submit,
    io_uring_wait_cqe_timeout,
)
from simuring.liburing.queue import flush_sq
from simuring.uapi import (
    GETEVENTS_ARG_SIZE,
    IORING_ENTER_EXT_ARG,
    IORING_ENTER_EXT_ARG_REG,
    IORING_ENTER_GETEVENTS,
    IORING_ENTER_REGISTERED_RING,
    IORING_SETUP_IOPOLL,
    GeteventsArg,
    Timespec,
)
from tests.helpers.ring import MS, drain
from tests.helpers.sim import run_task

WAIT = IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG


def new_ring():
    ring = Ring()
    assert (yield from io_uring_queue_init(8, ring, 0)) == 0
    return ring


@pytest.mark.parametrize("size", [0, 16, GETEVENTS_ARG_SIZE - 1, GETEVENTS_ARG_SIZE + 8])
def test_ext_arg_of_the_wrong_size_is_einval(size):
    """io_get_ext_arg: argsz must be sizeof(struct io_uring_getevents_arg), checked before any wait."""

    def body():
        ring = yield from new_ring()
        return (yield from io_uring_enter2(ring.ring_fd, 0, 1, WAIT, GeteventsArg(ts=Timespec(0, MS)), size))

    assert run_task(body) == -EINVAL


def test_ext_arg_null_is_efault_even_with_a_cqe_ready():
    def body():
        ring = yield from new_ring()
        io_uring_prep_nop(io_uring_get_sqe(ring))
        yield from io_uring_submit(ring)
        ret = yield from io_uring_enter2(ring.ring_fd, 0, 1, WAIT, None, GETEVENTS_ARG_SIZE)
        return ret, len(drain(ring))

    assert run_task(body) == (-EFAULT, 1)


def test_a_bad_ext_arg_after_submitting_returns_the_count_submitted():
    """SYSCALL_DEFINE6(io_uring_enter): the wait's error replaces the result only when nothing was submitted."""

    def body():
        ring = yield from new_ring()
        io_uring_prep_nop(io_uring_get_sqe(ring))
        io_uring_prep_nop(io_uring_get_sqe(ring))
        n = flush_sq(ring)
        ret = yield from io_uring_enter2(ring.ring_fd, n, 1, WAIT, None, GETEVENTS_ARG_SIZE)
        return ret, len(drain(ring))

    assert run_task(body) == (2, 2)


def test_ext_arg_without_getevents_is_not_read():
    def body():
        ring = yield from new_ring()
        return (yield from io_uring_enter2(ring.ring_fd, 0, 0, IORING_ENTER_EXT_ARG, None, 3))

    assert run_task(body) == 0


def test_liburing_timed_waits_pass_the_argument_size():
    """liburing's EXT_ARG waits (io_uring_wait_cqe_timeout) pass sizeof the argument: the wait times out."""

    def body():
        ring = yield from new_ring()
        return (yield from io_uring_wait_cqe_timeout(ring, Cqe(), Timespec(0, MS)))

    assert run_task(body) == -ETIME


@pytest.mark.parametrize(
    ("index", "used_io_uring", "expect"),
    [
        (0, True, -EBADF),
        (IO_RINGFD_REG_MAX - 1, True, -EBADF),
        (IO_RINGFD_REG_MAX, True, -EINVAL),
        (0, False, -EINVAL),  # no io_uring context: the task never used io_uring
    ],
)
def test_registered_ring_index_with_nothing_registered(index, used_io_uring, expect):
    """IORING_ENTER_REGISTERED_RING: fd indexes the task's registered-ring table, which is empty."""

    def body():
        if used_io_uring:
            yield from new_ring()
        return (yield from io_uring_enter(index, 0, 0, IORING_ENTER_REGISTERED_RING))

    assert run_task(body) == expect


@pytest.mark.parametrize("ts", [Timespec(-1, 0), Timespec(0, -1), Timespec(-2, 1_500_000_000)])
def test_ext_arg_timespec_is_not_range_checked(ts):
    """io_cqring_wait converts the timespec as it is (timespec64_to_ktime): a negative one is past, -ETIME."""

    def body():
        ring = yield from new_ring()
        return (yield from io_uring_enter2(ring.ring_fd, 0, 1, WAIT, GeteventsArg(ts=ts), GETEVENTS_ARG_SIZE))

    assert run_task(body) == -ETIME


@pytest.mark.parametrize(
    ("flags", "size", "expect"),
    [
        (IORING_ENTER_EXT_ARG_REG, 3, 0),  # without EXT_ARG: not read
        (WAIT | IORING_ENTER_EXT_ARG_REG, GETEVENTS_ARG_SIZE, -EINVAL),  # not sizeof(struct io_uring_reg_wait)
        (WAIT | IORING_ENTER_EXT_ARG_REG, REG_WAIT_SIZE, -EFAULT),  # no wait region registered
    ],
)
def test_ext_arg_reg(flags, size, expect):
    """io_get_ext_arg / io_get_ext_arg_reg: EXT_ARG_REG is a known flag; with no region the offset is past its end."""

    def body():
        ring = yield from new_ring()
        return (yield from io_uring_enter2(ring.ring_fd, 0, 1, flags, None, size))

    assert run_task(body) == expect


def test_iopoll_getevents_returns_at_once_and_only_checks_the_ext_arg():
    """io_iopoll_check: an IOPOLL ring's GETEVENTS polls and never sleeps; io_validate_ext_arg checks the argument."""

    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(4, ring, IORING_SETUP_IOPOLL)) == 0
        plain = yield from io_uring_enter(ring.ring_fd, 0, 1, IORING_ENTER_GETEVENTS, None)
        timed = yield from io_uring_enter2(ring.ring_fd, 0, 1, WAIT, GeteventsArg(ts=Timespec(0, MS)), GETEVENTS_ARG_SIZE)
        bad = yield from io_uring_enter2(ring.ring_fd, 0, 1, WAIT, GeteventsArg(ts=Timespec(0, MS)), 16)
        null = yield from io_uring_enter2(ring.ring_fd, 0, 1, WAIT, None, GETEVENTS_ARG_SIZE)
        return plain, timed, bad, null

    assert run_task(body) == (0, 0, -EINVAL, -EFAULT)


def test_counts_are_u32():
    """SYSCALL_DEFINE6(io_uring_enter): to_submit -1 is 2^32-1, so every published SQE is submitted."""

    def body():
        ring = yield from new_ring()
        io_uring_prep_nop(io_uring_get_sqe(ring))
        io_uring_prep_nop(io_uring_get_sqe(ring))
        flush_sq(ring)
        ret = yield from io_uring_enter(ring.ring_fd, -1, 0, 0, None)
        return ret, len(drain(ring))

    assert run_task(body) == (2, 2)
