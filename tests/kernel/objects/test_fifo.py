"""FIFOs (fs/pipe.c fifo_open) and mknod(2) (fs/namei.c do_mknodat): syscalls and io_uring OPENAT."""

from __future__ import annotations

from typing import Any

import pytest

from simuring.abi.errno import (
    EAGAIN,
    EALREADY,
    EBADF,
    EEXIST,
    EINVAL,
    ENOENT,
    ENXIO,
    EPERM,
    ERESTARTSYS,
)
from simuring.kernel.namei import do_mknodat
from simuring.kernel.objects.fifo import NodeInode
from simuring.kernel.objects.regfile import Inode, SimFs
from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_cq_ready,
    io_uring_cqe_seen,
    io_uring_get_sqe,
    io_uring_prep_cancel64,
    io_uring_prep_openat,
    io_uring_queue_init,
    io_uring_sqe_set_data64,
    io_uring_sqe_set_flags,
    io_uring_submit,
    io_uring_wait_cqe,
)
from simuring.syscalls import (
    O_NONBLOCK,
    O_RDONLY,
    O_RDWR,
    O_WRONLY,
    S_IFBLK,
    S_IFDIR,
    S_IFIFO,
    S_IFREG,
    S_IFSOCK,
    close,
    mkfifo,
    mkfifoat,
    mknod,
    mknodat,
    nanosleep,
    open,
    read,
    write,
)
from simuring.uapi import IOSQE_ASYNC
from tests.helpers.procs import run_threads
from tests.helpers.sim import run_task


def test_do_mknodat_types_and_order():
    fs = SimFs()
    assert do_mknodat(fs, "/", "", S_IFDIR | 0o700, 0) == -EPERM  # the type before the name
    assert do_mknodat(fs, "/", "", S_IFIFO | 0o600, 0) == -ENOENT
    assert do_mknodat(fs, "/", "/x", 0o170000, 0) == -EINVAL
    assert do_mknodat(fs, "/", "/x", 0o030000, 0) == -EINVAL
    assert do_mknodat(fs, "/", "/f", S_IFIFO | 0o666, 0) == 0
    node = fs.inodes["/f"]
    assert isinstance(node, NodeInode) and node.is_fifo and node.mode == S_IFIFO | 0o644  # umask 022
    assert do_mknodat(fs, "/", "/f", S_IFIFO | 0o600, 0) == -EEXIST
    assert do_mknodat(fs, "/", "/none/f", S_IFIFO, 0) == -ENOENT
    assert do_mknodat(fs, "/", "/r", 0, 0) == 0 and type(fs.inodes["/r"]) is Inode
    assert do_mknodat(fs, "/", "/r2", S_IFREG, 0) == 0 and type(fs.inodes["/r2"]) is Inode
    assert do_mknodat(fs, "/", "/b", S_IFBLK | 0o600, 7) == 0
    blk = fs.inodes["/b"]
    assert isinstance(blk, NodeInode) and not blk.is_fifo and blk.rdev == 7
    assert do_mknodat(fs, "/", "/s", S_IFSOCK | 0o600, 7) == 0
    sock = fs.inodes["/s"]
    assert isinstance(sock, NodeInode) and sock.rdev == 0
    assert do_mknodat(fs, "/", "/w", (1 << 16) | S_IFIFO, 0) == 0  # umode_t: 16 bits
    assert do_mknodat(fs, "/", "/neg", -1, 0) == -EINVAL


def test_libc_wrappers_and_bad_arguments():
    def body() -> Any:
        out = [
            (yield from mkfifo("/a", 0o600)),
            (yield from mkfifoat(-100, "b", 0o600)),
            (yield from mknod("/c", S_IFIFO | 0o600, 0)),
            (yield from mknodat(-100, "/d", S_IFIFO | 0o600, 0)),
            (yield from mknod("/e", S_IFIFO, 1 << 40)),  # glibc: a dev_t past 32 bits
            (yield from mkfifoat(99, "f", 0o600)),
            (yield from mknod("/g", 2**70, 0)),  # huge: only the low 16 bits count (type 0: a file)
        ]
        return out

    assert run_task(body) == [0, 0, 0, 0, -EINVAL, -EBADF, 0]
    with pytest.raises(TypeError):
        run_task(lambda: (yield from mkfifo(b"/x", 0o600)))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        run_task(lambda: (yield from mknod("/x", "0", 0)))  # type: ignore[arg-type]


def test_nonblocking_opens_share_one_pipe_and_drop_it_at_last_close():
    def body() -> Any:
        assert (yield from mkfifo("/q", 0o600)) == 0
        got = [(yield from open("/q", O_WRONLY | O_NONBLOCK, 0))]  # no reader: -ENXIO
        r = yield from open("/q", O_RDONLY | O_NONBLOCK, 0)
        w = yield from open("/q", O_WRONLY | O_NONBLOCK, 0)
        got.append((yield from write(w, b"abc", 3)))
        buf = bytearray(8)
        got.append((yield from read(r, buf, 8)))
        got.append((yield from write(w, b"left", 4)))
        yield from close(r)
        yield from close(w)
        rw = yield from open("/q", O_RDWR | O_NONBLOCK, 0)  # a new pipe: the data is gone
        got.append((yield from read(rw, buf, 8)))
        got.append((yield from open("/q", 3, 0)))
        return got

    assert run_task(body) == [-ENXIO, 3, 3, 4, -EAGAIN, -EINVAL]


def test_blocking_open_sleeps_until_the_other_end_opens():
    def reader(out: dict[str, Any]) -> Any:
        assert (yield from mkfifo("/p", 0o600)) == 0
        t0 = out["sim"].now
        fd = yield from open("/p", O_RDONLY, 0)  # no writer yet: sleeps
        out["reader"] = (fd, out["sim"].now - t0)
        buf = bytearray(8)
        out["read"] = yield from read(fd, buf, 8)
        out["data"] = bytes(buf[:5])

    def writer(out: dict[str, Any]) -> Any:
        yield from nanosleep(50_000)
        fd = yield from open("/p", O_WRONLY, 0)  # a reader waits: returns at once
        out["writer"] = fd
        out["write"] = yield from write(fd, b"hello", 5)
        yield from close(fd)

    out = run_threads(reader, writer)
    fd, waited = out["reader"]
    assert fd == 3 and out["writer"] == 4  # the reader's descriptor was taken before its wait
    assert waited > 50_000
    assert (out["write"], out["read"], out["data"]) == (5, 5, b"hello")


def _submit_open(ring: Ring, ud: int, path: str, flags: int, sqe_flags: int = 0) -> None:
    sqe = io_uring_get_sqe(ring)
    io_uring_prep_openat(sqe, -100, path, flags, 0)
    io_uring_sqe_set_data64(sqe, ud)
    io_uring_sqe_set_flags(sqe, sqe_flags)


def _reap(ring: Ring, n: int) -> Any:
    got = []
    cqe = Cqe()
    for _ in range(n):
        assert (yield from io_uring_wait_cqe(ring, cqe)) == 0
        got.append((cqe[0].user_data, cqe[0].res))
        io_uring_cqe_seen(ring, cqe[0])
    return sorted(got)


def test_openat_inline_uses_o_nonblock_and_iowq_waits():
    def body() -> Any:
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        assert (yield from mkfifo("/u", 0o600)) == 0
        _submit_open(ring, 1, "/u", O_WRONLY)  # inline, O_NONBLOCK added: no reader -> -ENXIO
        yield from io_uring_submit(ring)
        first = yield from _reap(ring, 1)
        _submit_open(ring, 2, "/u", O_WRONLY, IOSQE_ASYNC)  # io-wq: waits for a reader
        yield from io_uring_submit(ring)
        yield from nanosleep(1_000_000)
        pending = io_uring_cq_ready(ring)
        r = yield from open("/u", O_RDONLY | O_NONBLOCK, 0)
        second = yield from _reap(ring, 1)
        return first, pending, r, second

    first, pending, r, second = run_task(body)
    assert first == [(1, -ENXIO)] and pending == 0
    assert r == 5 and second == [(2, 4)]  # the io-wq open took fd 4 before waiting


def test_openat_cancel_interrupts_the_wait():
    def body() -> Any:
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        assert (yield from mkfifo("/c", 0o600)) == 0
        _submit_open(ring, 1, "/c", O_RDONLY, IOSQE_ASYNC)
        yield from io_uring_submit(ring)
        yield from nanosleep(1_000_000)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_cancel64(sqe, 1, 0)
        io_uring_sqe_set_data64(sqe, 9)
        yield from io_uring_submit(ring)
        got = yield from _reap(ring, 2)
        after = yield from open("/c", O_WRONLY | O_NONBLOCK, 0)  # the reader was taken back
        spare = yield from open("/c", O_RDONLY | O_NONBLOCK, 0)  # its reserved fd is free again
        return got, after, spare

    got, after, spare = run_task(body)
    assert got == [(1, -ERESTARTSYS), (9, -EALREADY)]
    assert after == -ENXIO and spare == 4
