"""IORING_OP_STATX (opcodes/statx.py)."""

from __future__ import annotations

from simuring.abi.errno import EBADF, EFAULT, EINVAL, ENOENT, ENOTDIR
from simuring.liburing import (
    io_uring_get_sqe,
    io_uring_prep_nop,
    io_uring_prep_statx,
    io_uring_sqe_set_data64,
    io_uring_submit,
)
from simuring.syscalls import open as sys_open
from simuring.syscalls import pipe, write
from simuring.uapi import IOSQE_FIXED_FILE
from tests.helpers.ring import odd_fields, reap
from tests.opcodes.test_openclose_sync import one, run

AT_FDCWD = -100
AT_EMPTY_PATH = 0x1000
BASIC = 0x7FF


def fields(buf):
    return [int.from_bytes(buf[0:4], "little") & BASIC, int.from_bytes(buf[28:30], "little") & 0o170000,
            int.from_bytes(buf[16:20], "little"), int.from_bytes(buf[40:48], "little"),
            int.from_bytes(buf[48:56], "little")]


def test_statx_of_a_file_by_path_and_by_fd(runner):
    def body(ring):
        fd = yield from sys_open("/s", 0o102, 0o644)  # O_CREAT | O_RDWR
        yield from write(fd, b"x" * 5000, 5000)
        a, b = bytearray(256), bytearray(256)
        r1 = yield from one(ring, io_uring_prep_statx, AT_FDCWD, "/s", 0, BASIC, a)
        r2 = yield from one(ring, io_uring_prep_statx, fd, "", AT_EMPTY_PATH, BASIC, b)
        fds = []
        yield from pipe(fds)
        c = bytearray(256)
        r3 = yield from one(ring, io_uring_prep_statx, fds[0], "", AT_EMPTY_PATH, BASIC, c)
        return {"r": [r1, fields(a), r2, fields(b), r3, fields(c)[1]]}

    assert run(runner, body)["r"] == [0, [BASIC, 0o100000, 1, 5000, 16], 0, [BASIC, 0o100000, 1, 5000, 16], 0, 0o010000]


def test_statx_errors(runner):
    def body(ring):
        yield from sys_open("/e", 0o102, 0o644)
        fds = []
        yield from pipe(fds)
        b = bytearray(256)
        return {
            "r": [
                (yield from one(ring, io_uring_prep_statx, AT_FDCWD, "/missing", 0, BASIC, b)),
                (yield from one(ring, io_uring_prep_statx, AT_FDCWD, "/e", 0, 0x8000_0000, b)),
                (yield from one(ring, io_uring_prep_statx, AT_FDCWD, "/e", 0x6000, BASIC, b)),
                (yield from one(ring, io_uring_prep_statx, AT_FDCWD, "/e", 1, BASIC, b)),
                (yield from one(ring, io_uring_prep_statx, AT_FDCWD, "/e", 0, BASIC, bytearray(100))),
                (yield from one(ring, io_uring_prep_statx, AT_FDCWD, "/e", 0, BASIC, bytes(256))),
                (yield from one(ring, io_uring_prep_statx, AT_FDCWD, None, 0, BASIC, b)),
                (yield from one(ring, io_uring_prep_statx, AT_FDCWD, "", 0, BASIC, b)),
                (yield from one(ring, io_uring_prep_statx, 999, "", AT_EMPTY_PATH, BASIC, b)),
                (yield from one(ring, io_uring_prep_statx, fds[0], "e", 0, BASIC, b)),
                (yield from one(ring, io_uring_prep_statx, AT_FDCWD, "/e", 0, BASIC, b, buf_index=1)),
                (yield from one(ring, io_uring_prep_statx, AT_FDCWD, "/e", 0, BASIC, b, sqe_flags=IOSQE_FIXED_FILE)),
            ]
        }

    assert run(runner, body)["r"] == [-ENOENT, -EINVAL, -EINVAL, -EINVAL, -EFAULT, -EFAULT, -EFAULT, -ENOENT,
                                      -EBADF, -ENOTDIR, -EINVAL, -EBADF]


def test_statx_always_goes_to_iowq(runner):
    def body(ring):
        yield from sys_open("/o", 0o102, 0o644)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_statx(sqe, AT_FDCWD, "/o", 0, BASIC, bytearray(256))
        io_uring_sqe_set_data64(sqe, 1)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_nop(sqe)
        io_uring_sqe_set_data64(sqe, 2)
        yield from io_uring_submit(ring)
        return {"r": (yield from reap(ring, 2))}

    assert run(runner, body)["r"] == [(2, 0), (1, 0)]


def test_no_field_combination_raises(runner):
    """Odd values in every field the prep reads: always a CQE, never a Python exception."""
    values = (0, 1, -1, 1 << 40, None, "x", b"abcd", bytearray(300), 3.5)
    fields_ = ("fd", "addr", "len", "off", "op_flags", "buf_index", "file_index")

    def body(ring):
        yield from sys_open("/odd", 0o102, 0o644)
        fill = lambda sqe: io_uring_prep_statx(sqe, AT_FDCWD, "/odd", 0, BASIC, bytearray(256))  # noqa: E731
        return {"r": (yield from odd_fields(ring, fill, fields_, values))}

    r = run(runner, body)["r"]
    assert len(r) > 30
    assert all(len(got) == 1 and got[0][0] == 1 for got in r)
