"""IORING_OP_READ / WRITE argument checks (io_uring_prep_read(3)): buffers, priorities, blocking writes."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import Gen, new_ring, nop, reap, reap_ready
from simuring.uapi import IOSQE_CQE_SKIP_SUCCESS, IOSQE_IO_LINK

#: An I/O priority with class 7, which no scheduler defines (ioprio_set(2): classes 0 to 3).
BAD_IOPRIO = 7 << 13


def read_sqe(L: Any, ring: Any, fd: int, buf: Any, n: int, user_data: int, sqe_flags: int = 0) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_read(sqe, fd, buf, n, 0)
    L.io_uring_sqe_set_data64(sqe, user_data)
    L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


@scenario("read-null-buffer", tags=("rw", "pipe"))
def read_null_buffer(L: Any) -> Gen:
    """A READ of a pipe holding data into a NULL buffer completes with -EFAULT (the copy faults when the
    read is issued)."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    yield from L.write(fds[1], b"data", 4)
    read_sqe(L, ring, fds[0], None, 4, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("read-null-buffer-skip-chain", tags=("rw", "links", "skip"))
def read_null_buffer_skip_chain(L: Any) -> Gen:
    """A skip-success chain NOP -> READ into NULL -> NOP on a pipe holding data: the NOP before posts
    nothing, the READ fails at issue with -EFAULT, the NOP after it is -ECANCELED."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    yield from L.write(fds[1], b"data", 4)
    nop(L, ring, 1, IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS)
    read_sqe(L, ring, fds[0], None, 4, 2, IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS)
    nop(L, ring, 3, IOSQE_CQE_SKIP_SUCCESS)
    yield from L.io_uring_submit(ring)
    nop(L, ring, 4)
    yield from L.io_uring_submit_and_wait(ring, 1)
    reap_ready(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("read-bad-ioprio", tags=("rw", "sqe"))
def read_bad_ioprio(L: Any) -> Gen:
    """A READ whose ioprio has an undefined class is refused at submission with -EINVAL; the same read
    with ioprio 0 then gets the pipe's first 4 bytes."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    yield from L.write(fds[1], b"datadata", 8)
    buf = bytearray(4)
    sqe = read_sqe(L, ring, fds[0], buf, 4, 1)
    sqe.ioprio = BAD_IOPRIO
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    read_sqe(L, ring, fds[0], buf, 4, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "eventfd-write-would-overflow",
    tags=("rw", "eventfd"),
    expect={"ready before read": 0, "counter read": 10, "counter after": (1 << 64) - 5},
)
def eventfd_write_would_overflow(L: Any) -> Gen:
    """eventfd(2): a write whose value does not fit the counter (counter 10, value 2**64-5) blocks.  As an
    IORING_OP_WRITE it stays pending until eventfd_read empties the counter, then completes with 8
    and the counter holds the value."""
    ring = yield from new_ring(L, 8)
    efd = yield from L.eventfd(10, 0)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_write(sqe, efd, ((1 << 64) - 5).to_bytes(8, "little"), 8, 0)
    L.io_uring_sqe_set_data64(sqe, 1)
    yield from L.io_uring_submit(ring)
    L.record("ready before read", L.io_uring_cq_ready(ring))
    value = [0]
    yield from L.eventfd_read(efd, value)
    L.record("counter read", value[0])
    yield from reap(L, ring, 1)
    yield from L.eventfd_read(efd, value)
    L.record("counter after", value[0])
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)
