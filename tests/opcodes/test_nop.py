"""IORING_OP_NOP's nop_flags (opcodes/nop.py, io_uring/nop.c)."""

from __future__ import annotations

import pytest

from simuring.abi.errno import EBADF, EFAULT, EINVAL
from simuring.liburing import (
    Ring,
    io_uring_cq_ready,
    io_uring_get_events,
    io_uring_get_sqe,
    io_uring_prep_nop,
    io_uring_queue_init,
    io_uring_register_files,
    io_uring_sqe_set_data64,
    io_uring_submit,
)
from simuring.syscalls import pipe
from simuring.uapi import (
    IORING_NOP_CQE32,
    IORING_NOP_FILE,
    IORING_NOP_FIXED_BUFFER,
    IORING_NOP_FIXED_FILE,
    IORING_NOP_INJECT_RESULT,
    IORING_NOP_TW,
    IORING_SETUP_CQE32,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_SINGLE_ISSUER,
)
from tests.helpers.ring import reap
from tests.helpers.sim import run_task

BAD_FD = 100_000


def one_nop(flags, fd=0, length=0, setup=0, files=None):
    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(4, ring, setup)) == 0
        fds = []
        yield from pipe(fds)
        if files is not None:
            assert (yield from io_uring_register_files(ring, [fds[0] if f == "pipe" else f for f in files], len(files))) == 0
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_nop(sqe)
        io_uring_sqe_set_data64(sqe, 1)
        sqe.nop_flags = flags
        sqe.fd = fds[0] if fd == "pipe" else fd
        sqe.len = length & 0xFFFF_FFFF
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 1))[0][1]

    return run_task(body)


@pytest.mark.parametrize(
    ("flags", "fd", "length", "expect"),
    [
        (IORING_NOP_FILE, "pipe", 0, 0),
        (IORING_NOP_FILE, BAD_FD, 0, -EBADF),
        (IORING_NOP_FILE | IORING_NOP_INJECT_RESULT, BAD_FD, 9, -EBADF),  # the lookup's error wins
        (IORING_NOP_FILE | IORING_NOP_INJECT_RESULT, "pipe", 9, 9),
        (IORING_NOP_FILE | IORING_NOP_FIXED_FILE, 0, 0, -EBADF),  # no files registered
        (IORING_NOP_FIXED_FILE, 99, 0, 0),  # without NOP_FILE nothing is looked up
        (IORING_NOP_FIXED_BUFFER, 0, 0, -EFAULT),  # no registered buffers
        (IORING_NOP_FIXED_BUFFER | IORING_NOP_INJECT_RESULT, 0, -5, -EFAULT),
        (IORING_NOP_FILE | IORING_NOP_FIXED_BUFFER, BAD_FD, 0, -EBADF),  # no buffer lookup after a failed file
        (IORING_NOP_TW, 0, 0, 0),
        (IORING_NOP_CQE32, 0, 0, -EINVAL),  # not a CQE32 ring
        (1 << 20, 0, 0, -EINVAL),
    ],
)
def test_nop_flags(flags, fd, length, expect):
    assert one_nop(flags, fd, length) == expect


def test_nop_cqe32_on_a_cqe32_ring():
    assert one_nop(IORING_NOP_CQE32, setup=IORING_SETUP_CQE32) == 0


def test_nop_fixed_file_lookup():
    flags = IORING_NOP_FILE | IORING_NOP_FIXED_FILE
    assert one_nop(flags, 0, files=["pipe", -1]) == 0
    assert one_nop(flags, 1, files=["pipe", -1]) == -EBADF  # sparse slot
    assert one_nop(flags, 2, files=["pipe", -1]) == -EBADF  # past the table


def test_nop_tw_is_deferred_on_a_defer_taskrun_ring():
    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(4, ring, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)) == 0
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_nop(sqe)
        sqe.nop_flags = IORING_NOP_TW
        yield from io_uring_submit(ring)
        before = io_uring_cq_ready(ring)
        yield from io_uring_get_events(ring)
        return before, io_uring_cq_ready(ring)

    assert run_task(body) == (0, 1)


def test_iopoll_ring_takes_only_iopoll_ops():
    """io_init_req: an op without .iopoll is -EINVAL on an IOPOLL ring; READ on a pipe is -EOPNOTSUPP at issue."""
    from simuring.abi.errno import EOPNOTSUPP
    from simuring.liburing import io_uring_prep_read, io_uring_prep_timeout
    from simuring.uapi import IORING_SETUP_IOPOLL, Timespec

    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(4, ring, IORING_SETUP_IOPOLL)) == 0
        fds = []
        yield from pipe(fds)
        io_uring_prep_timeout(io_uring_get_sqe(ring), Timespec(0, 1000), 0, 0)
        io_uring_prep_nop(io_uring_get_sqe(ring))
        io_uring_prep_read(io_uring_get_sqe(ring), fds[0], bytearray(4), 4, 0)
        res = []
        for _ in range(3):
            yield from io_uring_submit(ring)  # a failed init ends its batch
            res += [r for _, r in (yield from reap(ring, 1))]
        return res

    assert run_task(body) == [-EINVAL, 0, -EOPNOTSUPP]
