"""IORING_OP_FSETXATTR, SETXATTR, FGETXATTR, GETXATTR (opcodes/xattr.py, simuring/kernel/xattr.py)."""

from __future__ import annotations

from simuring.abi.errno import (
    E2BIG,
    EBADF,
    ECANCELED,
    EEXIST,
    EFAULT,
    EINVAL,
    ENAMETOOLONG,
    ENODATA,
    ENOENT,
    EOPNOTSUPP,
    EPERM,
    ERANGE,
)
from simuring.kernel import xattr as kx
from simuring.liburing import (
    io_uring_get_sqe,
    io_uring_prep_fgetxattr,
    io_uring_prep_fsetxattr,
    io_uring_prep_getxattr,
    io_uring_prep_nop,
    io_uring_prep_setxattr,
    io_uring_sqe_set_data64,
    io_uring_sqe_set_flags,
    io_uring_submit,
)
from simuring.syscalls import eventfd, pipe, shm_open, socketpair
from simuring.syscalls import open as sys_open
from simuring.uapi import IOSQE_FIXED_FILE, IOSQE_IO_LINK
from tests.helpers.ring import odd_fields, reap
from tests.opcodes.test_openclose_sync import one, run

CREATE, REPLACE = kx.XATTR_CREATE, kx.XATTR_REPLACE
O_CREAT_RDWR = 0o102


def test_set_then_get_by_fd_and_by_path(runner):
    def body(ring):
        fd = yield from sys_open("/f", O_CREAT_RDWR, 0o644)
        a, b = bytearray(16), bytearray(16)
        return {
            "r": [
                (yield from one(ring, io_uring_prep_fsetxattr, fd, "user.k", b"value", 0, 5)),
                (yield from one(ring, io_uring_prep_fgetxattr, fd, "user.k", a, 16)),
                bytes(a[:5]),
                (yield from one(ring, io_uring_prep_setxattr, "user.p", b"pv", "/f", 0, 2)),
                (
                    yield from one(ring, io_uring_prep_getxattr, "user.p", b, "f", 16)
                ),  # relative: under /
                bytes(b[:2]),
                (yield from one(ring, io_uring_prep_fgetxattr, fd, "user.k", None, 0)),
                (yield from one(ring, io_uring_prep_fgetxattr, fd, "user.k", a, 4)),
                (yield from one(ring, io_uring_prep_fgetxattr, fd, "user.none", a, 16)),
            ]
        }

    assert run(runner, body)["r"] == [0, 5, b"value", 0, 2, b"pv", 5, -ERANGE, -ENODATA]


def test_create_replace_and_empty_values(runner):
    def body(ring):
        fd = yield from sys_open("/c", O_CREAT_RDWR, 0o644)
        out = []
        for flags, value in (
            (REPLACE, b"x"),
            (CREATE, b"one"),
            (CREATE, b"two"),
            (CREATE | REPLACE, b"3"),
            (REPLACE, b""),
        ):
            out.append(
                (
                    yield from one(
                        ring, io_uring_prep_fsetxattr, fd, "user.c", value, flags, len(value)
                    )
                )
            )
        out.append((yield from one(ring, io_uring_prep_fgetxattr, fd, "user.c", bytearray(4), 4)))
        out.append(
            (yield from one(ring, io_uring_prep_fsetxattr, fd, "user.n", None, CREATE | REPLACE, 0))
        )
        return {"r": out}

    assert run(runner, body)["r"] == [-ENODATA, 0, -EEXIST, -EEXIST, 0, 0, -ENODATA]


def test_other_objects_and_namespaces(runner):
    def body(ring):
        fds, sv = [], []
        yield from pipe(fds)
        yield from socketpair(1, 1, 0, sv)
        efd = yield from eventfd(0, 0)
        shm = yield from shm_open("/xs", O_CREAT_RDWR, 0o600)
        reg = yield from sys_open("/ns", O_CREAT_RDWR, 0o644)
        out = {}
        for label, fd in (
            ("pipe", fds[0]),
            ("sock", sv[0]),
            ("efd", efd),
            ("ring", ring.ring_fd),
            ("shm", shm),
            ("reg", reg),
        ):
            row = []
            for name in ("user.x", "user.", "trusted.x", "system.posix_acl_access", "foo"):
                row.append((yield from one(ring, io_uring_prep_fsetxattr, fd, name, b"v", 0, 1)))
                row.append(
                    (yield from one(ring, io_uring_prep_fgetxattr, fd, name, bytearray(4), 4))
                )
            out[label] = row
        return out

    got = run(runner, body)
    anon = [-EPERM, -ENODATA, -EPERM, -ENODATA] + [-EOPNOTSUPP] * 6
    for label in ("pipe", "sock", "efd", "ring"):
        assert got[label] == anon, label
    stored = [0, 1, -EINVAL, -EINVAL, 0, 1, -EOPNOTSUPP, -EOPNOTSUPP, -EOPNOTSUPP, -EOPNOTSUPP]
    assert got["shm"] == stored
    assert got["reg"] == stored


def test_prep_errors_in_the_kernels_order(runner):
    def body(ring):
        return {
            "r": [
                (yield from one(ring, io_uring_prep_fsetxattr, 999, "", b"v", 4, 1)),
                (yield from one(ring, io_uring_prep_fsetxattr, 999, "", None, 0, 1 << 20)),
                (yield from one(ring, io_uring_prep_fsetxattr, 999, "user.x", None, 0, 65537)),
                (yield from one(ring, io_uring_prep_fsetxattr, 999, "user.x", None, 0, 1)),
                (
                    yield from one(
                        ring, io_uring_prep_fsetxattr, 999, "user." + "n" * 251, b"v", 0, 1
                    )
                ),
                (yield from one(ring, io_uring_prep_fgetxattr, 999, "", None, 0, op_flags=1)),
                (yield from one(ring, io_uring_prep_fgetxattr, 999, 7, None, 0)),
                (yield from one(ring, io_uring_prep_fgetxattr, 999, "user.x", None, 0)),
                (
                    yield from one(
                        ring, io_uring_prep_setxattr, "", b"v", 0, 4, 1, sqe_flags=IOSQE_FIXED_FILE
                    )
                ),
                (yield from one(ring, io_uring_prep_setxattr, "user.x", b"v", None, 0, 1)),
                (yield from one(ring, io_uring_prep_getxattr, "user.x", None, "", 0)),
                (yield from one(ring, io_uring_prep_getxattr, "user.x", None, "/" + "p" * 4095, 0)),
                (yield from one(ring, io_uring_prep_getxattr, "user.x", None, "/missing", 0)),
            ]
        }

    assert run(runner, body)["r"] == [
        -EINVAL,
        -ERANGE,
        -E2BIG,
        -EFAULT,
        -ERANGE,
        -EINVAL,
        -EFAULT,
        -EBADF,
        -EBADF,
        -EFAULT,
        -ENOENT,
        -ENAMETOOLONG,
        -ENOENT,
    ]


def test_fixed_file_and_get_into_bad_memory(runner):
    def body(ring):
        from simuring.liburing import io_uring_register_files

        fd = yield from sys_open("/fx", O_CREAT_RDWR, 0o644)
        yield from io_uring_register_files(ring, [fd], 1)
        return {
            "r": [
                (
                    yield from one(
                        ring,
                        io_uring_prep_fsetxattr,
                        0,
                        "user.f",
                        b"abc",
                        0,
                        3,
                        sqe_flags=IOSQE_FIXED_FILE,
                    )
                ),
                (yield from one(ring, io_uring_prep_fgetxattr, fd, "user.f", None, 8)),
                (yield from one(ring, io_uring_prep_fgetxattr, fd, "user.f", bytes(8), 8)),
                (
                    yield from one(
                        ring, io_uring_prep_fgetxattr, fd, "user.f", bytearray(2), 1 << 20
                    )
                ),
            ]
        }

    assert run(runner, body)["r"] == [0, -EFAULT, -EFAULT, -EFAULT]


def _queue(ring, ud, prep, *args, flags=0):
    sqe = io_uring_get_sqe(ring)
    prep(sqe, *args)
    io_uring_sqe_set_data64(sqe, ud)
    io_uring_sqe_set_flags(sqe, flags)


def test_iowq_order_and_links(runner):
    def body(ring):
        fd = yield from sys_open("/l", O_CREAT_RDWR, 0o644)
        _queue(ring, 1, io_uring_prep_fsetxattr, fd, "user.l", b"v", 0, 1)
        _queue(ring, 2, io_uring_prep_nop)
        yield from io_uring_submit(ring)
        first = yield from reap(ring, 2)
        _queue(ring, 3, io_uring_prep_fsetxattr, fd, "user.l", b"v", CREATE, 1, flags=IOSQE_IO_LINK)
        _queue(ring, 4, io_uring_prep_nop)
        _queue(ring, 5, io_uring_prep_fsetxattr, fd, "user.l", b"v", 8, 1, flags=IOSQE_IO_LINK)
        _queue(ring, 6, io_uring_prep_nop)
        yield from io_uring_submit(ring)
        second = yield from reap(ring, 4)
        return {"r": [first, sorted(second)]}

    first, second = run(runner, body)["r"]
    assert first == [(2, 0), (1, 0)]
    assert second == [(3, -EEXIST), (4, 0), (5, -EINVAL), (6, -ECANCELED)]


def test_no_field_combination_raises(runner):
    """Odd values in every field the preps read: always a CQE, never a Python exception."""
    values = (0, 1, -1, 1 << 40, None, "x", "user.x", "\ud800", b"abcd", bytearray(300), 3.5)
    fields_ = ("fd", "addr", "len", "off", "op_flags", "buf_index", "file_index", "addr3")
    preps = (
        (io_uring_prep_fsetxattr, lambda fd: (fd, "user.a", b"v", 0, 1)),
        (io_uring_prep_setxattr, lambda fd: ("user.a", b"v", "/odd", 0, 1)),
        (io_uring_prep_fgetxattr, lambda fd: (fd, "user.a", bytearray(8), 8)),
        (io_uring_prep_getxattr, lambda fd: ("user.a", bytearray(8), "/odd", 8)),
    )

    def body(ring):
        fd = yield from sys_open("/odd", O_CREAT_RDWR, 0o644)
        results = []
        for prep, args in preps:
            fill = lambda sqe, prep=prep, args=args: prep(sqe, *args(fd))  # noqa: E731
            results += yield from odd_fields(ring, fill, fields_, values)
        return {"r": results}

    r = run(runner, body)["r"]
    assert len(r) > 200
    assert all(len(got) == 1 and got[0][0] == 1 for got in r)


def test_kernel_helpers():
    assert kx.import_name("user.a\0b") == "user.a"
    assert kx.import_name("") == -ERANGE
    assert kx.import_name("é" * 128) == -ERANGE  # 256 bytes in UTF-8
    assert kx.import_name(b"user.a") == -EFAULT
    assert kx.import_name("user.\ud800") == "user.\ud800"  # a lone surrogate: no exception
    assert kx.import_name("user." + "\ud800" * 84) == -ERANGE  # 5 + 84 * 3 bytes
    assert kx.setxattr_copy("user.a", bytearray(3), 4, 0) == -EFAULT
    assert kx.setxattr_copy("user.a", None, 0, CREATE) == ("user.a", b"")
    table: dict[str, bytes] = {}
    assert kx.vfs_setxattr(table, "security.x", b"s", 0) == 0
    assert kx.do_getxattr(table, "security.x", bytearray(1), 1 << 40) == 1
    assert kx.do_getxattr(None, "trusted.x", None, 0) == -EOPNOTSUPP
