"""IORING_OP_FTRUNCATE / FALLOCATE (opcodes/truncate.py)."""

from __future__ import annotations

from simuring.abi.errno import EBADF, ECANCELED, EFBIG, EINVAL, ENODEV, EOPNOTSUPP, ESPIPE
from simuring.liburing import (
    io_uring_get_sqe,
    io_uring_prep_fallocate,
    io_uring_prep_ftruncate,
    io_uring_prep_nop,
    io_uring_sqe_set_data64,
    io_uring_sqe_set_flags,
    io_uring_submit,
)
from simuring.opcodes.truncate import ftruncate_prep
from simuring.syscalls import lseek, pipe, read, socketpair, write
from simuring.syscalls import open as sys_open
from simuring.uapi import IOSQE_IO_LINK, Sqe
from tests.helpers.ring import reap
from tests.opcodes.test_openclose_sync import O_RDWR_CREAT, one, run

SEEK_SET, SEEK_END = 0, 2


def _size(fd):
    size = yield from lseek(fd, 0, SEEK_END)
    yield from lseek(fd, 0, SEEK_SET)
    return size


def test_ftruncate_shrinks_and_grows_with_zeros(runner):
    def body(ring):
        fd = yield from sys_open("/t-ftrunc", O_RDWR_CREAT, 0o644)
        yield from write(fd, b"abcdefgh" * 1024, 8192)
        out = [(yield from one(ring, io_uring_prep_ftruncate, fd, 10)), (yield from _size(fd))]
        out.append((yield from one(ring, io_uring_prep_ftruncate, fd, 5000)))
        out.append((yield from _size(fd)))
        buf = bytearray(16)
        out.append((yield from read(fd, buf, 16)))
        out.append(bytes(buf))
        return {"r": out}

    assert run(runner, body)["r"] == [0, 10, 0, 5000, 16, b"abcdefgh" + b"ab" + bytes(6)]


def test_ftruncate_errors(runner):
    def body(ring):
        fd = yield from sys_open("/t-ftrunc-err", O_RDWR_CREAT, 0o644)
        ro = yield from sys_open("/t-ftrunc-err", 0, 0)
        fds = []
        yield from pipe(fds)
        return {
            "r": [
                (yield from one(ring, io_uring_prep_ftruncate, fds[1], 0)),
                (yield from one(ring, io_uring_prep_ftruncate, ro, 0)),
                (yield from one(ring, io_uring_prep_ftruncate, fd, -1)),
                (yield from one(ring, io_uring_prep_ftruncate, 999, 0)),
                (yield from one(ring, io_uring_prep_ftruncate, fd, 0, addr3=1)),
                (yield from one(ring, io_uring_prep_ftruncate, fd, 0, len=1)),
                (yield from one(ring, io_uring_prep_ftruncate, fd, 0, ioprio=1)),
            ]
        }

    assert run(runner, body)["r"] == [-EINVAL, -EINVAL, -EINVAL, -EBADF, -EINVAL, -EINVAL, -EINVAL]


def test_ftruncate_prep_never_raises_on_odd_fields():
    class FakeReq:
        flags = 0
        op = None

    for field, value in (("off", object()), ("addr", bytearray(4)), ("addr3", None), ("op_flags", "x")):
        sqe = Sqe()
        io_uring_prep_ftruncate(sqe, 3, 0)
        setattr(sqe, field, value)
        assert ftruncate_prep(FakeReq(), sqe) in (0, -EINVAL)  # type: ignore[arg-type]


def test_fallocate_allocates_punches_and_refuses(runner):
    def body(ring):
        fd = yield from sys_open("/t-falloc", O_RDWR_CREAT, 0o644)
        out = [(yield from one(ring, io_uring_prep_fallocate, fd, 0, 0, 8192)), (yield from _size(fd))]
        out.append((yield from one(ring, io_uring_prep_fallocate, fd, 1, 8192, 4096)))  # KEEP_SIZE
        out.append((yield from _size(fd)))
        yield from write(fd, b"x" * 8192, 8192)
        out.append((yield from one(ring, io_uring_prep_fallocate, fd, 3, 100, 5000)))  # PUNCH_HOLE|KEEP_SIZE
        yield from lseek(fd, 96, SEEK_SET)
        buf = bytearray(8)
        yield from read(fd, buf, 8)
        out.append(bytes(buf))
        out.append((yield from _size(fd)))
        return {"r": out}

    assert run(runner, body)["r"] == [0, 8192, 0, 8192, 0, b"xxxx" + bytes(4), 8192]


def test_fallocate_errors(runner):
    def body(ring):
        fd = yield from sys_open("/t-falloc-err", O_RDWR_CREAT, 0o644)
        ro = yield from sys_open("/t-falloc-err", 0, 0)
        fds = []
        yield from pipe(fds)
        sv = [0, 0]
        yield from socketpair(1, 1, 0, sv)
        return {
            "r": [
                (yield from one(ring, io_uring_prep_fallocate, fd, 0, -1, 10)),
                (yield from one(ring, io_uring_prep_fallocate, ro, 0, 0, 0)),
                (yield from one(ring, io_uring_prep_fallocate, ro, 0, 0, 10)),
                (yield from one(ring, io_uring_prep_fallocate, fd, 2, 0, 10)),
                (yield from one(ring, io_uring_prep_fallocate, fd, 0x10, 0, 10)),  # ZERO_RANGE: not on tmpfs
                (yield from one(ring, io_uring_prep_fallocate, fds[1], 0, 0, 10)),
                (yield from one(ring, io_uring_prep_fallocate, fds[0], 0, 0, 10)),
                (yield from one(ring, io_uring_prep_fallocate, sv[0], 0, 0, 10)),
                (yield from one(ring, io_uring_prep_fallocate, fd, 0, (1 << 63) - 10, 20)),
                (yield from one(ring, io_uring_prep_fallocate, fd, 0, 0, 10, buf_index=1)),
                (yield from _size(fd)),
            ]
        }

    assert run(runner, body)["r"] == [
        -EINVAL, -EINVAL, -EBADF, -EOPNOTSUPP, -EOPNOTSUPP, -ESPIPE, -EBADF, -ENODEV, -EFBIG, -EINVAL, 0,
    ]


def test_failures_do_not_fail_the_link_but_a_bad_fd_does(runner):
    def body(ring):
        fds = []
        yield from pipe(fds)
        out = []
        for target in (fds[1], 999):
            sqe = io_uring_get_sqe(ring)
            io_uring_prep_fallocate(sqe, target, 0, 0, 10)
            io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK)
            io_uring_sqe_set_data64(sqe, 1)
            sqe = io_uring_get_sqe(ring)
            io_uring_prep_nop(sqe)
            io_uring_sqe_set_data64(sqe, 2)
            yield from io_uring_submit(ring)
            out.append((yield from reap(ring, 2)))
        return {"r": out}

    assert run(runner, body)["r"] == [[(1, -ESPIPE), (2, 0)], [(1, -EBADF), (2, -ECANCELED)]]
