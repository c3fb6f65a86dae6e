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
from simuring.syscalls import close, nanosleep, pipe, write
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


def _fd_call_ns(fd_ref_ns: int, body_of_second: object = None, calls: int = 10) -> int:
    """CPU time of ``calls`` eventfd writes by a task, alone in its process or with a
    second task of the same process alive (``body_of_second``: its body), under
    ``syscall.fd_ref_ns``."""
    from simuring import Simulation
    from simuring.host.current import current_task
    from simuring.syscalls import eventfd, eventfd_write

    sim = Simulation(seed=1, overrides=["syscall.jitter_ns=0", f"syscall.fd_ref_ns={fd_ref_ns}"])
    out: list[int] = []

    def first() -> object:
        fd = yield from eventfd(0, 0)
        me = current_task()
        yield from nanosleep(1000)  # the second task (if any) has started and sleeps
        t0 = me.cpu_time()
        for _ in range(calls):
            yield from eventfd_write(fd, 1)
        out.append(me.cpu_time() - t0)

    t = sim.spawn(first, name="first", cpu=0)
    if body_of_second is not None:
        sim.spawn(body_of_second, name="second", cpu=1, process=t.process)
    sim.run()
    return out[0]


def test_a_call_on_a_descriptor_pays_a_file_reference_only_once_the_table_is_shared():
    """fdget (__fget_light): a single-threaded process borrows the file; a second thread of
    the process (asleep, not touching the file) makes every call take and drop a reference."""

    def asleep() -> object:
        yield from nanosleep(1_000_000)

    def gone() -> object:  # exits before the calls: files->count is back to one
        yield from nanosleep(1)

    alone = _fd_call_ns(500) - _fd_call_ns(0)
    shared = _fd_call_ns(500, asleep) - _fd_call_ns(0, asleep)
    after = _fd_call_ns(500, gone) - _fd_call_ns(0, gone)
    assert (alone, shared, after) == (0, 10 * 500, 0)


def test_io_uring_enter_takes_a_reference_unless_the_ring_fd_is_registered():
    """io_uring_enter(2) gets its ring by fget (a reference in any process);
    IORING_ENTER_REGISTERED_RING reads the task's table of registered rings instead."""
    from simuring import Simulation
    from simuring.host.current import current_task
    from simuring.liburing import io_uring_enter, io_uring_register
    from simuring.uapi import IORING_ENTER_REGISTERED_RING, IORING_REGISTER_RING_FDS, RsrcUpdate

    def cpu_ns(fd_ref_ns: int, registered: bool) -> int:
        sim = Simulation(seed=1, overrides=["syscall.jitter_ns=0", f"syscall.fd_ref_ns={fd_ref_ns}"])
        out: list[int] = []

        def task() -> object:
            ring = Ring()
            assert (yield from io_uring_queue_init(4, ring, 0)) == 0
            up = RsrcUpdate(offset=0xFFFF_FFFF, data=ring.ring_fd)
            assert (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_RING_FDS, [up], 1)) == 1
            fd, flags = (up.offset, IORING_ENTER_REGISTERED_RING) if registered else (ring.ring_fd, 0)
            me = current_task()
            t0 = me.cpu_time()
            for _ in range(10):
                assert (yield from io_uring_enter(fd, 0, 0, flags)) == 0
            out.append(me.cpu_time() - t0)

        sim.spawn(task, name="t", cpu=0)
        sim.run()
        return out[0]

    assert cpu_ns(500, False) - cpu_ns(0, False) == 10 * 500
    assert cpu_ns(500, True) - cpu_ns(0, True) == 0
