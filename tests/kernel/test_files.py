"""File references: a request holds its own reference to its file (io_file_get_normal)."""

from __future__ import annotations

from simuring.abi.errno import EPIPE
from simuring.liburing import (
    Ring,
    io_uring_get_sqe,
    io_uring_prep_files_update,
    io_uring_prep_read,
    io_uring_queue_exit,
    io_uring_queue_init,
    io_uring_register_file_alloc_range,
    io_uring_register_files_sparse,
    io_uring_register_files_update,
    io_uring_sqe_set_data64,
    io_uring_submit,
    io_uring_submit_and_wait,
)
from simuring.syscalls import close, pipe, write
from simuring.uapi import IORING_FILE_INDEX_ALLOC
from tests.helpers.ring import drain
from tests.helpers.sim import run_task


def test_an_in_flight_request_keeps_its_file_open_after_close_until_it_completes():
    """io_file_get_normal takes the request's own reference: close() only drops the fd."""

    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        fds = []
        yield from pipe(fds)
        buf = bytearray(2)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_read(sqe, fds[0], buf, 2, 0)  # parks: the pipe is empty
        io_uring_sqe_set_data64(sqe, 1)
        yield from io_uring_submit(ring)
        assert (yield from close(fds[0])) == 0
        written = yield from write(fds[1], b"hi", 2)  # the READ still holds the read end
        yield from io_uring_submit_and_wait(ring, 1)
        got = drain(ring)
        after = yield from write(fds[1], b"x", 1)  # the READ completed: no reader is left
        return written, got, bytes(buf), after

    assert run_task(body) == (2, [(1, 2)], b"hi", -EPIPE)


def test_ring_teardown_puts_the_files_of_requests_still_in_flight():
    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        fds = []
        yield from pipe(fds)
        io_uring_prep_read(io_uring_get_sqe(ring), fds[0], bytearray(2), 2, 0)
        yield from io_uring_submit(ring)
        yield from close(fds[0])
        yield from io_uring_queue_exit(ring)
        return (yield from write(fds[1], b"x", 1))

    assert run_task(body) == -EPIPE


def test_slot_allocation_stays_in_the_alloc_range_whatever_the_hint():
    """io_file_bitmap_get: a removal below the range moves the hint there; the next
    IORING_FILE_INDEX_ALLOC still picks the range's first free slot (liburing's
    file-alloc-range-hint test, as Linux 6.18.44 does)."""

    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        fds = []
        yield from pipe(fds)
        assert (yield from io_uring_register_files_sparse(ring, 20)) == 0
        assert (yield from io_uring_register_file_alloc_range(ring, 10, 10)) == 0
        assert (yield from io_uring_register_files_update(ring, 2, [fds[0]], 1)) == 1
        assert (yield from io_uring_register_files_update(ring, 2, [-1], 1)) == 1
        slots = [fds[1]]
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_files_update(sqe, slots, 1, IORING_FILE_INDEX_ALLOC)
        io_uring_sqe_set_data64(sqe, 1)
        yield from io_uring_submit_and_wait(ring, 1)
        return drain(ring), slots

    assert run_task(body) == ([(1, 1)], [10])
