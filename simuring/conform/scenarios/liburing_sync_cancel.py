"""IORING_REGISTER_SYNC_CANCEL (io_uring_register_sync_cancel(3)) as liburing's sync-cancel test uses
it: ASYNC_CANCEL's matching done by io_uring_register(2) itself, which waits for matching requests
that are running; names prefixed ``lsc-``."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import Gen, new_pipe, new_ring, reap, timeout
from simuring.uapi import (
    IORING_ASYNC_CANCEL_ALL,
    IORING_ASYNC_CANCEL_ANY,
    IORING_ASYNC_CANCEL_FD,
    IORING_ASYNC_CANCEL_FD_FIXED,
    IORING_ASYNC_CANCEL_OP,
    IORING_OP_READ,
    IORING_REGISTER_SYNC_CANCEL,
    SyncCancelReg,
    Timespec,
)

TAGS = ("liburing", "cancel", "sync-cancel")


def read_sqe(L: Any, ring: Any, fd: int, user_data: int, flags: int = 0) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_read(sqe, fd, bytearray(8), 8, 0)
    L.io_uring_sqe_set_data64(sqe, user_data)
    L.io_uring_sqe_set_flags(sqe, flags)
    return sqe


def sync_cancel(L: Any, ring: Any, **fields: Any) -> Gen:
    """io_uring_register_sync_cancel(3) with a :class:`SyncCancelReg` of ``fields``."""
    return (yield from L.io_uring_register_sync_cancel(ring, SyncCancelReg(**fields)))


@scenario("lsc-poll-by-data", tags=TAGS)
def lsc_poll_by_data(L: Any) -> Gen:
    """A READ waiting on an empty pipe (its poll armed) is cancelled by user_data: 0, and its CQE is
    -ECANCELED; a second sync cancel of it finds nothing (-ENOENT)."""
    ring = yield from new_ring(L)
    fds = yield from new_pipe(L)
    read_sqe(L, ring, fds[0], 7)
    yield from L.io_uring_submit(ring)
    yield from sync_cancel(L, ring, addr=7)
    yield from reap(L, ring, 1)
    yield from sync_cancel(L, ring, addr=7)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsc-errors", tags=TAGS)
def lsc_errors(L: Any) -> Gen:
    """IORING_REGISTER_SYNC_CANCEL's checks: an unknown flag, a non-zero pad byte or pad2 word:
    -EINVAL; a NULL argument or a count other than 1: -EINVAL; CANCEL_FD on a descriptor not open,
    or CANCEL_FD_FIXED without a registered table: -EBADF; nothing matching: -ENOENT."""
    ring = yield from new_ring(L)
    yield from sync_cancel(L, ring, addr=1, flags=1 << 9)
    yield from sync_cancel(L, ring, addr=1, pad=[0, 0, 1, 0, 0, 0, 0])
    yield from sync_cancel(L, ring, addr=1, pad2=[0, 0, 5])
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_SYNC_CANCEL, None, 1)
    yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_SYNC_CANCEL, SyncCancelReg(addr=1), 2)
    yield from sync_cancel(L, ring, fd=900, flags=IORING_ASYNC_CANCEL_FD)
    yield from sync_cancel(L, ring, fd=0, flags=IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_FD_FIXED)
    yield from sync_cancel(L, ring, addr=12345)
    yield from sync_cancel(L, ring, flags=IORING_ASYNC_CANCEL_ANY)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsc-all-and-any", tags=TAGS)
def lsc_all_and_any(L: Any) -> Gen:
    """Three READs waiting on one pipe with the same user_data: a sync cancel with
    IORING_ASYNC_CANCEL_ALL cancels them all and returns how many it found; then three more
    cancelled with IORING_ASYNC_CANCEL_ANY."""
    ring = yield from new_ring(L)
    fds = yield from new_pipe(L)
    for _ in range(3):
        read_sqe(L, ring, fds[0], 5)
    yield from L.io_uring_submit(ring)
    yield from sync_cancel(L, ring, addr=5, flags=IORING_ASYNC_CANCEL_ALL)
    yield from reap(L, ring, 3)
    for ud in (1, 2, 3):
        read_sqe(L, ring, fds[0], ud)
    yield from L.io_uring_submit(ring)
    yield from sync_cancel(L, ring, flags=IORING_ASYNC_CANCEL_ANY)
    yield from reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsc-by-fd-and-op", tags=TAGS)
def lsc_by_fd_and_op(L: Any) -> Gen:
    """Cancel by file (IORING_ASYNC_CANCEL_FD | ALL: the READs on one pipe, not on the other), then by
    opcode (IORING_ASYNC_CANCEL_OP, READ); and by registered file (FD_FIXED)."""
    ring = yield from new_ring(L)
    a = yield from new_pipe(L)
    b = yield from new_pipe(L)
    read_sqe(L, ring, a[0], 1)
    read_sqe(L, ring, a[0], 2)
    read_sqe(L, ring, b[0], 3)
    yield from L.io_uring_submit(ring)
    yield from sync_cancel(L, ring, fd=a[0], flags=IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_ALL)
    yield from reap(L, ring, 2)
    yield from sync_cancel(L, ring, opcode=IORING_OP_READ, flags=IORING_ASYNC_CANCEL_OP)
    yield from reap(L, ring, 1)
    yield from L.io_uring_register_files(ring, [b[0]], 1)
    read_sqe(L, ring, 0, 4, flags=1)  # IOSQE_FIXED_FILE
    yield from L.io_uring_submit(ring)
    yield from sync_cancel(L, ring, fd=0, flags=IORING_ASYNC_CANCEL_FD | IORING_ASYNC_CANCEL_FD_FIXED)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsc-timeout-request", tags=TAGS)
def lsc_timeout_request(L: Any) -> Gen:
    """A pending TIMEOUT cancelled synchronously by user_data: 0, its CQE -ECANCELED."""
    ring = yield from new_ring(L)
    timeout(L, ring, 9, 5_000_000_000)
    yield from L.io_uring_submit(ring)
    yield from sync_cancel(L, ring, addr=9)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsc-running-in-iowq", tags=TAGS)
def lsc_running_in_iowq(L: Any) -> Gen:
    """A SPLICE from an empty pipe blocks in an io-wq worker: a sync cancel signals the worker (the
    splice ends with -EINTR), waits for it to complete, and returns 0."""
    ring = yield from new_ring(L)
    a = yield from new_pipe(L)
    b = yield from new_pipe(L)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_splice(sqe, a[0], -1, b[1], -1, 16, 0)
    L.io_uring_sqe_set_data64(sqe, 3)
    yield from L.io_uring_submit(ring)
    yield from L.nanosleep(20_000_000)
    yield from sync_cancel(L, ring, addr=3, timeout=Timespec(2, 0))
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)
