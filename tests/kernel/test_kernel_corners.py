"""Kernel corner cases: timeouts ending waits, partial EXT_ARG waits, enter flags,
registered-file references, null pipe I/O and setup-flag dependencies."""

from __future__ import annotations

import pytest

from simuring import Simulation
from simuring.abi.errno import EINVAL, EPIPE, ETIME
from simuring.host.current import current_sim
from simuring.liburing import (
    Cqe,
    Params,
    Ring,
    io_uring_cqe_seen,
    io_uring_enter2,
    io_uring_get_sqe,
    io_uring_peek_cqe,
    io_uring_prep_nop,
    io_uring_prep_read,
    io_uring_prep_timeout,
    io_uring_queue_init,
    io_uring_queue_init_params,
    io_uring_register_files,
    io_uring_sqe_set_data64,
    io_uring_sqe_set_flags,
    io_uring_submit,
    io_uring_submit_and_wait,
    io_uring_unregister_files,
)
from simuring.syscalls import O_NONBLOCK, close, pipe, pipe2, read, write
from simuring.uapi import (
    IORING_ENTER_ABS_TIMER,
    IORING_ENTER_EXT_ARG,
    IORING_ENTER_GETEVENTS,
    IORING_ENTER_NO_IOWAIT,
    IORING_SETUP_CQE32,
    IORING_SETUP_CQE_MIXED,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_HYBRID_IOPOLL,
    IORING_SETUP_IOPOLL,
    IORING_SETUP_NO_MMAP,
    IORING_SETUP_REGISTERED_FD_ONLY,
    IORING_SETUP_SINGLE_ISSUER,
    IOSQE_FIXED_FILE,
    GeteventsArg,
    Timespec,
)

MS = 1_000_000


def run(body, *args):
    sim = Simulation(seed=1)
    task = sim.spawn(body, *args)
    return sim.run().task(task.name).value


def drain(ring):
    out, cqe = [], Cqe()
    while io_uring_peek_cqe(ring, cqe) == 0:
        out.append((cqe[0].user_data, cqe[0].res))
        io_uring_cqe_seen(ring, cqe[0])
    return out


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

    ret, waited, cqes = run(body)
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
        partial = yield from io_uring_enter2(ring.ring_fd, 0, 2, flags, GeteventsArg(ts=Timespec(0, MS)))
        drain(ring)
        empty = yield from io_uring_enter2(ring.ring_fd, 0, 2, flags, GeteventsArg(ts=Timespec(0, MS)))
        return partial, empty

    assert run(body) == (0, -ETIME)


def test_abs_timer_is_an_instant_of_the_clock_and_no_iowait_is_accepted():
    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        sim = current_sim()
        deadline = sim.now + 3 * MS
        flags = IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG | IORING_ENTER_ABS_TIMER | IORING_ENTER_NO_IOWAIT
        ret = yield from io_uring_enter2(ring.ring_fd, 0, 1, flags, GeteventsArg(ts=Timespec(0, deadline)))
        return ret, sim.now - deadline

    ret, late = run(body)
    assert ret == -ETIME
    assert 0 <= late < MS  # woke at the absolute deadline, not deadline ns after the call


def test_a_registered_file_keeps_its_file_open_after_close():
    """io_sqe_files_register takes a reference (io_uring_registered_files(7))."""

    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        fds = []
        yield from pipe(fds)
        assert (yield from io_uring_register_files(ring, [fds[0]], 1)) == 0
        assert (yield from close(fds[0])) == 0
        written = yield from write(fds[1], b"data", 4)  # a reader still exists: the table's
        buf = bytearray(4)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_read(sqe, 0, buf, 4, 0)
        io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)
        io_uring_sqe_set_data64(sqe, 1)
        yield from io_uring_submit_and_wait(ring, 1)
        got = drain(ring)
        assert (yield from io_uring_unregister_files(ring)) == 0
        after = yield from write(fds[1], b"x", 1)  # the last reader is gone now
        return written, got, bytes(buf), after

    assert run(body) == (4, [(1, 4)], b"data", -EPIPE)


def test_null_pipe_io_succeeds_at_once():
    """fs/pipe.c: a zero-length read or write returns 0 (no wait, no -EPIPE)."""

    def body():
        fds = []
        yield from pipe(fds)
        blocking = yield from read(fds[0], bytearray(8), 0)  # empty pipe, blocking mode
        nullbuf = yield from read(fds[0], None, 0)
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_read(sqe, fds[0], bytearray(8), 0, 0)
        io_uring_sqe_set_data64(sqe, 5)
        yield from io_uring_submit_and_wait(ring, 1)
        uring = drain(ring)
        yield from close(fds[0])
        no_reader = yield from write(fds[1], b"", 0)
        return blocking, nullbuf, uring, no_reader

    assert run(body) == (0, 0, [(5, 0)], 0)


def test_null_read_on_a_nonblocking_empty_pipe_is_zero_not_eagain():
    def body():
        fds = []
        yield from pipe2(fds, O_NONBLOCK)
        return (yield from read(fds[0], bytearray(8), 0))

    assert run(body) == 0


@pytest.mark.parametrize(
    "flags",
    [
        IORING_SETUP_REGISTERED_FD_ONLY,
        IORING_SETUP_HYBRID_IOPOLL,
        IORING_SETUP_CQE32 | IORING_SETUP_CQE_MIXED,
    ],
)
def test_setup_flags_that_need_or_exclude_another_are_einval(flags):
    def body():
        return (yield from io_uring_queue_init_params(8, Ring(), Params(flags=flags)))

    assert run(body) == -EINVAL


def test_setup_flag_dependencies_met_are_accepted():
    def body():
        ok1 = yield from io_uring_queue_init_params(8, Ring(), Params(flags=IORING_SETUP_HYBRID_IOPOLL | IORING_SETUP_IOPOLL))
        ok2 = yield from io_uring_queue_init_params(8, Ring(), Params(flags=IORING_SETUP_REGISTERED_FD_ONLY | IORING_SETUP_NO_MMAP))
        return ok1, ok2

    assert run(body) == (0, 0)


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

    assert run(body) == (2, [(1, 2)], b"hi", -EPIPE)


def test_ring_teardown_puts_the_files_of_requests_still_in_flight():
    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        fds = []
        yield from pipe(fds)
        io_uring_prep_read(io_uring_get_sqe(ring), fds[0], bytearray(2), 2, 0)
        yield from io_uring_submit(ring)
        yield from close(fds[0])
        from simuring.liburing import io_uring_queue_exit

        yield from io_uring_queue_exit(ring)
        return (yield from write(fds[1], b"x", 1))

    assert run(body) == -EPIPE


def test_munmap_releases_the_view_and_refuses_length_zero():
    from simuring.syscalls import (
        MAP_SHARED,
        O_CREAT,
        O_RDWR,
        PROT_READ,
        PROT_WRITE,
        ftruncate,
        mmap,
        munmap,
        shm_open,
    )

    def body():
        fd = yield from shm_open("/seg", O_CREAT | O_RDWR, 0o600)
        assert (yield from ftruncate(fd, 4096)) == 0
        view = yield from mmap(None, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
        zero = yield from munmap(view, 0)
        ok = yield from munmap(view, 4096)
        try:
            view[0] = 1
            touched = "no error"
        except ValueError:
            touched = "ValueError"
        grown = yield from ftruncate(fd, 8192)  # nothing is mapped any more
        return zero, ok, touched, grown

    assert run(body) == (-EINVAL, 0, "ValueError", 0)
