"""IORING_REGISTER_FILES / UNREGISTER_FILES and IOSQE_FIXED_FILE (io_uring_register(2),
io_uring_register_files(3)); IORING_REGISTER_ENABLE_RINGS with IORING_SETUP_R_DISABLED."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import Gen, new_ring, nop, poll_add, reap, reap_ready
from simuring.uapi import (
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_R_DISABLED,
    IORING_SETUP_SINGLE_ISSUER,
    IOSQE_FIXED_FILE,
    POLLIN,
)


def fixed_rw(L: Any, ring: Any, write: bool, index: int, buf: Any, n: int, user_data: int) -> Any:
    """A READ or WRITE on registered file ``index`` (IOSQE_FIXED_FILE)."""
    sqe = L.io_uring_get_sqe(ring)
    (L.io_uring_prep_write if write else L.io_uring_prep_read)(sqe, index, buf, n, 0)
    L.io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)
    L.io_uring_sqe_set_data64(sqe, user_data)
    return sqe


@scenario("register-files-fixed-rw", tags=("files", "pipe"), expect={"data": repr(b"hello")})
def register_files_fixed_rw(L: Any) -> Gen:
    """IORING_REGISTER_FILES of a pipe's two ends, then a WRITE to fixed file 1 and a READ from fixed
    file 0 (IOSQE_FIXED_FILE): both transfer the 5 bytes."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    yield from L.io_uring_register_files(ring, [fds[0], fds[1]], 2)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_write(sqe, 1, b"hello", 5, 0)
    L.io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)
    L.io_uring_sqe_set_data64(sqe, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    buf = bytearray(16)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_read(sqe, 0, buf, 16, 0)
    L.io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)
    L.io_uring_sqe_set_data64(sqe, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    L.record("data", bytes(buf[:5]))
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "register-files-errors",
    tags=("files",),
    expect={"again": -16, "unregister": 0, "unregister again": -6, "closed fd": -9, "nr 0": -22},
)
def register_files_errors(L: Any) -> Gen:
    """io_uring_register(2): registering files twice is -EBUSY, unregistering without a table is
    -ENXIO, a descriptor that is not open is -EBADF, nr_args 0 is -EINVAL; a fixed-file index past
    the table completes with -EBADF."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    yield from L.io_uring_register_files(ring, [fds[0], fds[1]], 2)
    L.record("again", (yield from L.io_uring_register_files(ring, [fds[0]], 1)))
    sqe = nop(L, ring, 1)
    buf = bytearray(4)
    L.io_uring_prep_read(sqe, 5, buf, 4, 0)
    L.io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)
    L.io_uring_sqe_set_data64(sqe, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    L.record("unregister", (yield from L.io_uring_unregister_files(ring)))
    L.record("unregister again", (yield from L.io_uring_unregister_files(ring)))
    L.record("closed fd", (yield from L.io_uring_register_files(ring, [100_000], 1)))
    L.record("nr 0", (yield from L.io_uring_register_files(ring, [fds[0]], 0)))
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "enable-rings",
    tags=("register", "setup"),
    expect={"submit while disabled": -77, "enable": 0, "enable again": -77},
)
def enable_rings(L: Any) -> Gen:
    """IORING_SETUP_R_DISABLED: submitting to the disabled ring is -EBADFD; IORING_REGISTER_ENABLE_RINGS
    enables it (0), the queued NOP is then submitted and completes; enabling again is -EBADFD."""
    ring = yield from new_ring(L, 4, IORING_SETUP_R_DISABLED)
    nop(L, ring, 1)
    L.record("submit while disabled", (yield from L.io_uring_submit(ring)))
    L.record("enable", (yield from L.io_uring_enable_rings(ring)))
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    L.record("enable again", (yield from L.io_uring_enable_rings(ring)))
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "enable-rings-activates-poll",
    tags=("register", "setup", "poll", "defer-taskrun"),
    expect={"enable": 0, "ready after enable": 0, "poll": [1, POLLIN]},
)
def enable_rings_activates_poll(L: Any) -> Gen:
    """A SINGLE_ISSUER | DEFER_TASKRUN ring set up with IORING_SETUP_R_DISABLED, its descriptor polled for
    POLLIN by a POLL_ADD on a second ring: the poll finds the ring with no submitter task, so its poll queue
    is not activated.  IORING_REGISTER_ENABLE_RINGS makes the caller the submitter and, as a poll waits on
    the queue, activates it (``io_register_enable_rings`` -> ``io_activate_pollwq``): the wake without a key
    finds no CQE (the poll waits on), and the CQE of a NOP then submitted to the ring wakes it with POLLIN.
    The poll's result is waited for with a 1 s limit (-ETIME if no wake comes)."""
    flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_R_DISABLED
    ring = yield from new_ring(L, 4, flags)
    watcher = yield from new_ring(L, 4)
    poll_add(L, watcher, ring.ring_fd, POLLIN, 1)
    yield from L.io_uring_submit(watcher)
    L.record("enable", (yield from L.io_uring_enable_rings(ring)))
    L.record("ready after enable", reap_ready(L, watcher))
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    cqe = L.Cqe()
    ret = yield from L.io_uring_wait_cqe_timeout(watcher, cqe, L.Timespec(1, 0))
    L.record("poll", [cqe[0].user_data, cqe[0].res] if ret == 0 else ret)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(watcher)
    yield from L.io_uring_queue_exit(ring)


@scenario("fixed-file-index-errors", tags=("files",))
def fixed_file_index_errors(L: Any) -> Gen:
    """IOSQE_FIXED_FILE with an index the table does not have completes with -EBADF: with no table
    registered (index 0), and with a 2-entry table for index 2, index 2^31-1 and index -1."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    buf = bytearray(4)
    fixed_rw(L, ring, False, 0, buf, 4, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    yield from L.io_uring_register_files(ring, [fds[0], fds[1]], 2)
    for ud, index in ((2, 2), (3, 0x7FFF_FFFF), (4, -1)):
        fixed_rw(L, ring, False, index, buf, 4, ud)
        yield from L.io_uring_submit(ring)
        yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("fixed-file-sparse", tags=("files", "pipe"), expect={"register": 0, "data": repr(b"ok")})
def fixed_file_sparse(L: Any) -> Gen:
    """io_uring_register_files(3) with -1 entries leaves those slots empty: a table [-1, write end, -1,
    read end] is accepted; a READ on the empty slot 0 is -EBADF, a WRITE through slot 1 and a READ through
    slot 3 move the data."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    L.record("register", (yield from L.io_uring_register_files(ring, [-1, fds[1], -1, fds[0]], 4)))
    buf = bytearray(4)
    fixed_rw(L, ring, False, 0, buf, 4, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    fixed_rw(L, ring, True, 1, b"ok", 2, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    fixed_rw(L, ring, False, 3, buf, 4, 3)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    L.record("data", bytes(buf[:2]))
    yield from L.io_uring_queue_exit(ring)


@scenario("fixed-file-survives-close", tags=("files", "pipe"), expect={"data": repr(b"still")})
def fixed_file_survives_close(L: Any) -> Gen:
    """A registered file holds its own reference (io_uring_registered_files(7)): after close(2) of both
    pipe descriptors, a WRITE and a READ through the fixed-file table still work."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    yield from L.io_uring_register_files(ring, [fds[0], fds[1]], 2)
    yield from L.close(fds[0])
    yield from L.close(fds[1])
    fixed_rw(L, ring, True, 1, b"still", 5, 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    buf = bytearray(8)
    fixed_rw(L, ring, False, 0, buf, 8, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    L.record("data", bytes(buf[:5]))
    yield from L.io_uring_queue_exit(ring)


@scenario("fixed-file-poll", tags=("files", "poll", "pipe"), expect={"ready before write": 0})
def fixed_file_poll(L: Any) -> Gen:
    """POLL_ADD with IOSQE_FIXED_FILE polls the registered file: POLLIN on fixed file 0 (a pipe's read
    end) waits for a write(2) to the pipe and completes with POLLIN."""
    ring = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    yield from L.io_uring_register_files(ring, [fds[0]], 1)
    sqe = poll_add(L, ring, 0, POLLIN, 1)
    L.io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)
    yield from L.io_uring_submit(ring)
    L.record("ready before write", L.io_uring_cq_ready(ring))
    yield from L.write(fds[1], b"p", 1)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("register-files-ring-fd", tags=("files",), expect={"ring fd": -9, "pipe after": 0})
def register_files_ring_fd(L: Any) -> Gen:
    """io_uring_register_files(3) refuses a table holding an io_uring fd (-EBADF: a ring whose table holds
    rings could keep itself alive); the table stays unregistered, so a table of a pipe fd is then
    accepted."""
    ring = yield from new_ring(L, 8)
    other = yield from new_ring(L, 8)
    fds = [0, 0]
    yield from L.pipe(fds)
    L.record("ring fd", (yield from L.io_uring_register_files(ring, [fds[0], other.ring_fd], 2)))
    L.record("pipe after", (yield from L.io_uring_register_files(ring, [fds[0]], 1)))
    yield from L.io_uring_queue_exit(ring)
    yield from L.io_uring_queue_exit(other)
