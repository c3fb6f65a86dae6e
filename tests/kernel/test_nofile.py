"""RLIMIT_NOFILE: prlimit64(2) (kernel/sys.c do_prlimit), the -EMFILE of a new descriptor past the
soft limit, and liburing's retry of a file registration after raising it (increase_rlimit_nofile)."""

from __future__ import annotations

from simuring.abi.errno import EINVAL, EMFILE, ENOENT, EPERM
from simuring.kernel.files import DEFAULT_NOFILE, DEFAULT_NOFILE_MAX
from simuring.kernel.sys.resource import NR_OPEN
from simuring.liburing import (
    Ring,
    io_uring_queue_init,
    io_uring_register,
    io_uring_register_files,
    io_uring_register_files_sparse,
)
from simuring.syscalls import (
    O_CREAT,
    O_RDONLY,
    O_RDWR,
    RLIMIT_NOFILE,
    Rlimit,
    close,
    getrlimit,
    open,
    pipe,
    prlimit,
    setrlimit,
    shm_open,
)
from simuring.uapi import IORING_REGISTER_FILES
from tests.helpers.sim import run_one, run_task


def _limits():
    rlim = Rlimit()
    ret = yield from getrlimit(RLIMIT_NOFILE, rlim)
    return ret, rlim.rlim_cur, rlim.rlim_max


def test_a_new_process_has_the_default_limits():
    assert run_task(_limits) == (0, DEFAULT_NOFILE, DEFAULT_NOFILE_MAX)


def test_setrlimit_checks_in_do_prlimit_order():
    """Soft above hard -EINVAL; a hard limit past fs.nr_open -EPERM; root may raise its hard limit;
    prlimit returns the old limits while setting the new ones."""

    def body():
        out = [
            (yield from setrlimit(RLIMIT_NOFILE, Rlimit(11, 10))),
            (yield from setrlimit(RLIMIT_NOFILE, Rlimit(10, NR_OPEN + 1))),
            (yield from setrlimit(RLIMIT_NOFILE, Rlimit(10, 20))),
            (yield from setrlimit(RLIMIT_NOFILE, Rlimit(10, 40))),
        ]
        old = Rlimit()
        out.append((yield from prlimit(0, RLIMIT_NOFILE, Rlimit(5, 30), old)))
        out.append((old.rlim_cur, old.rlim_max))
        out.append((yield from _limits()))
        return out

    assert run_task(body) == [-EINVAL, -EPERM, 0, 0, 0, (10, 40), (0, 5, 30)]


def test_raising_the_hard_limit_needs_cap_sys_resource():
    """A process that is not root (uid 1000) may lower its hard limit but not raise it again."""

    def body():
        lowered = yield from setrlimit(RLIMIT_NOFILE, Rlimit(10, 100))
        raised = yield from setrlimit(RLIMIT_NOFILE, Rlimit(10, 101))
        return lowered, raised

    assert run_one(body, uid=1000)[0] == (0, -EPERM)


def test_a_descriptor_past_the_soft_limit_is_emfile():
    """With the soft limit at 5 (0-2 stdio, 3-4 a pipe) the next pipe is -EMFILE."""

    def body():
        yield from setrlimit(RLIMIT_NOFILE, Rlimit(5, DEFAULT_NOFILE_MAX))
        first = yield from pipe([0, 0])
        second = yield from pipe([0, 0])
        return first, second

    assert run_task(body) == (0, -EMFILE)


def test_liburing_raises_the_soft_limit_and_registers_again():
    """io_uring_register(2) of 16 slots under a soft limit of 8 is -EMFILE; io_uring_register_files and
    io_uring_register_files_sparse raise the soft limit by the table's size and succeed."""

    def body():
        ring = Ring()
        yield from io_uring_queue_init(4, ring, 0)
        yield from setrlimit(RLIMIT_NOFILE, Rlimit(8, 64))
        raw = yield from io_uring_register(ring.ring_fd, IORING_REGISTER_FILES, [-1] * 16, 16)
        registered = yield from io_uring_register_files(ring, [-1] * 16, 16)
        soft = (yield from _limits())[1]
        return raw, registered, soft

    assert run_task(body) == (-EMFILE, 0, 24)

    def sparse():
        ring = Ring()
        yield from io_uring_queue_init(4, ring, 0)
        yield from setrlimit(RLIMIT_NOFILE, Rlimit(8, 20))
        return (yield from io_uring_register_files_sparse(ring, 16)), (yield from _limits())[1]

    assert run_task(sparse) == (-EMFILE, 8)  # 8 + 16 is past the hard limit: no raise, the -EMFILE stays


def test_open_takes_the_descriptor_before_the_walk():
    """``do_sys_openat2``: ``getname`` (an empty path -ENOENT), then ``get_unused_fd_flags``, then the walk:
    with the table full a missing name is -EMFILE and O_CREAT creates nothing (with room again the name is
    still missing)."""

    def body():
        fds = [0, 0]
        yield from pipe(fds)
        yield from close(fds[1])
        yield from setrlimit(RLIMIT_NOFILE, Rlimit(fds[1], DEFAULT_NOFILE_MAX))
        full = [
            (yield from open("/missing", O_RDONLY)),
            (yield from open("/new", O_CREAT | O_RDWR, 0o644)),
            (yield from open("", O_RDONLY)),
        ]
        yield from setrlimit(RLIMIT_NOFILE, Rlimit(fds[1] + 1, DEFAULT_NOFILE_MAX))
        return full, (yield from open("/new", O_RDONLY))

    assert run_task(body) == ([-EMFILE, -EMFILE, -ENOENT], -ENOENT)


def test_shm_open_takes_the_descriptor_before_the_object():
    """shm_open(3) is an open(2) of /dev/shm: with the table full O_CREAT is -EMFILE and makes no object
    (checked on Linux 6.18: with room again the name is missing)."""

    def body():
        fds = [0, 0]
        yield from pipe(fds)
        yield from close(fds[1])
        yield from setrlimit(RLIMIT_NOFILE, Rlimit(fds[1], DEFAULT_NOFILE_MAX))
        full = yield from shm_open("/obj", O_CREAT | O_RDWR, 0o600)
        yield from setrlimit(RLIMIT_NOFILE, Rlimit(fds[1] + 1, DEFAULT_NOFILE_MAX))
        return full, (yield from shm_open("/obj", O_RDWR, 0))

    assert run_task(body) == (-EMFILE, -ENOENT)
