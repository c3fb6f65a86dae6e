"""io_uring_register(2): the fixed-file table (IORING_REGISTER_FILES)."""

from __future__ import annotations

from simuring.abi.errno import EPIPE
from simuring.liburing import (
    Ring,
    io_uring_get_sqe,
    io_uring_prep_read,
    io_uring_queue_init,
    io_uring_register_files,
    io_uring_sqe_set_data64,
    io_uring_sqe_set_flags,
    io_uring_submit,
    io_uring_submit_and_wait,
    io_uring_unregister_files,
)
from simuring.syscalls import close, pipe, write
from simuring.uapi import IOSQE_FIXED_FILE
from tests.helpers.ring import drain
from tests.helpers.sim import run_task


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

    assert run_task(body) == (4, [(1, 4)], b"data", -EPIPE)


def test_register_checks_in_the_kernels_order():
    """SYSCALL_DEFINE4(io_uring_register): opcode range, blind fd -1, registered-ring index, then the
    command's own argument check before the ring's state (__io_uring_register)."""
    from simuring.abi.errno import EBADF, EINVAL
    from simuring.liburing import Ring, io_uring_queue_init, io_uring_register
    from simuring.uapi import (
        IORING_REGISTER_ENABLE_RINGS,
        IORING_REGISTER_LAST,
        IORING_REGISTER_USE_REGISTERED_RING,
    )

    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(4, ring, 0)) == 0
        reg = IORING_REGISTER_USE_REGISTERED_RING | IORING_REGISTER_ENABLE_RINGS
        return [
            (yield from io_uring_register(100_000, IORING_REGISTER_LAST, None, 0)),
            (yield from io_uring_register(-1, IORING_REGISTER_ENABLE_RINGS, None, 0)),
            (yield from io_uring_register(0, reg, None, 0)),
            (yield from io_uring_register(100, reg, None, 0)),
            (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_ENABLE_RINGS, None, 1)),
        ]

    assert run_task(body) == [-EINVAL, -EINVAL, -EBADF, -EINVAL, -EINVAL]


def test_register_files_null_array_faults_before_other_checks():
    """IORING_REGISTER_FILES with a NULL array: -EFAULT with nr_args 4 or 0, and with a table already
    registered (the real kernel's order: scenario li-register-files-null-array)."""
    from simuring.abi.errno import EFAULT
    from simuring.liburing import Ring, io_uring_queue_init, io_uring_register_files
    from simuring.liburing.syscall import io_uring_register
    from simuring.uapi import IORING_REGISTER_FILES

    out = []

    def body():
        ring = Ring()
        yield from io_uring_queue_init(4, ring, 0)
        out.append((yield from io_uring_register(ring.ring_fd, IORING_REGISTER_FILES, None, 4)))
        out.append((yield from io_uring_register(ring.ring_fd, IORING_REGISTER_FILES, None, 0)))
        out.append((yield from io_uring_register_files(ring, [-1, -1], 2)))
        out.append((yield from io_uring_register(ring.ring_fd, IORING_REGISTER_FILES, None, 4)))

    run_task(body)
    assert out == [-EFAULT, -EFAULT, 0, -EFAULT]


def test_a_pending_fixed_file_request_keeps_its_file_after_unregister():
    """A READ through a fixed file pins the file (io_req_assign_rsrc_node): with the read end's fd
    closed and the table unregistered while the READ waits, the pipe still has a reader (write(2) is
    not -EPIPE) and the READ completes (scenario li-fixed-file-unregister-inflight); once it has, the
    last reader is gone."""

    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        fds = []
        yield from pipe(fds)
        assert (yield from io_uring_register_files(ring, [fds[0]], 1)) == 0
        assert (yield from close(fds[0])) == 0
        buf = bytearray(2)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_read(sqe, 0, buf, 2, 0)
        io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)
        io_uring_sqe_set_data64(sqe, 1)
        yield from io_uring_submit(ring)
        assert (yield from io_uring_unregister_files(ring)) == 0
        written = yield from write(fds[1], b"io", 2)
        yield from io_uring_submit_and_wait(ring, 1)
        got = drain(ring)
        after = yield from write(fds[1], b"x", 1)
        return written, got, bytes(buf), after

    assert run_task(body) == (2, [(1, 2)], b"io", -EPIPE)


def test_register_files_sizes_are_checked_before_the_array():
    """nr_args above IORING_MAX_FIXED_FILES, or above the process's RLIMIT_NOFILE (1024 in the model), is
    -EMFILE before the array is read, so a short array does not matter (scenario
    li-register-files-too-many); 0 is -EINVAL; a table of 1024 empty slots is accepted."""
    from simuring.abi.errno import EINVAL, EMFILE
    from simuring.liburing import Ring, io_uring_queue_init, io_uring_register_files

    def body():
        ring = Ring()
        yield from io_uring_queue_init(4, ring, 0)
        out = []
        for files, nr in (([-1], (1 << 20) + 1), ([-1], 1025), ([-1], 0), ([-1] * 1024, 1024)):
            out.append((yield from io_uring_register_files(ring, files, nr)))
        return out

    assert run_task(body) == [-EMFILE, -EMFILE, -EINVAL, 0]
