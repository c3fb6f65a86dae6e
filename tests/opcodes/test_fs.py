"""MKDIRAT, UNLINKAT, RENAMEAT, SYMLINKAT, LINKAT (opcodes/fs.py)."""

from __future__ import annotations

import itertools

from simuring.abi.errno import EBADF, EEXIST, EFAULT, EINVAL, ENAMETOOLONG, ENOENT, ENOTDIR
from simuring.engine.sim import current_simulation as current_sim
from simuring.kernel.objects.regfile import create_file
from simuring.liburing import (
    io_uring_get_sqe,
    io_uring_prep_link,
    io_uring_prep_linkat,
    io_uring_prep_mkdir,
    io_uring_prep_mkdirat,
    io_uring_prep_openat,
    io_uring_prep_rename,
    io_uring_prep_renameat,
    io_uring_prep_symlink,
    io_uring_prep_symlinkat,
    io_uring_prep_unlink,
    io_uring_prep_unlinkat,
    io_uring_sqe_set_data64,
    io_uring_submit,
)
from simuring.syscalls import close, mkdir, pipe, readlink, rmdir, unlink
from simuring.uapi import IOSQE_FIXED_FILE
from tests.helpers.ring import reap
from tests.opcodes.test_openclose_sync import one, run

AT_FDCWD = -100
AT_REMOVEDIR = 0x200
O_RDONLY, O_RDWR, O_CREAT = 0, 2, 0o100
O_DIRECTORY = 0o200000


def test_the_five_ops_and_what_they_leave(runner):
    def body(ring):
        r = [
            (yield from one(ring, io_uring_prep_mkdir, "/d", 0o755)),
            (yield from one(ring, io_uring_prep_openat, AT_FDCWD, "/d/f", O_CREAT | O_RDWR, 0o644))
            >= 0,
            (yield from one(ring, io_uring_prep_symlink, "f", "/d/l")),
            (yield from one(ring, io_uring_prep_link, "/d/f", "/d/h", 0)),
            (yield from one(ring, io_uring_prep_rename, "/d", "/e")),
            (yield from one(ring, io_uring_prep_openat, AT_FDCWD, "/e/l", O_RDONLY, 0)) >= 0,
            (yield from one(ring, io_uring_prep_unlink, "/e/h", 0)),
            (yield from one(ring, io_uring_prep_unlink, "/e", AT_REMOVEDIR)),
        ]
        buf = bytearray(8)
        r.append(bytes(buf[: (yield from readlink("/e/l", buf, 8))]))
        return {"r": r}

    assert run(runner, body)["r"] == [0, True, 0, 0, 0, True, 0, -39, b"f"]


def test_prep_errors(runner):
    def body(ring):
        r = [
            (yield from one(ring, io_uring_prep_mkdir, "/p", 0o755, off=1)),
            (yield from one(ring, io_uring_prep_mkdir, "/p", 0o755, op_flags=1)),
            (yield from one(ring, io_uring_prep_mkdir, "/p", 0o755, sqe_flags=IOSQE_FIXED_FILE)),
            (yield from one(ring, io_uring_prep_mkdir, None, 0o755)),
            (yield from one(ring, io_uring_prep_mkdir, "/" + "a" * 5000, 0o755)),
            (yield from one(ring, io_uring_prep_unlink, "/p", 0x100)),
            (yield from one(ring, io_uring_prep_unlink, "/p", 0, len=1)),
            (yield from one(ring, io_uring_prep_symlink, "t", "/p", len=1)),
            (yield from one(ring, io_uring_prep_symlink, "", "/p")),
            (yield from one(ring, io_uring_prep_renameat, AT_FDCWD, "/p", AT_FDCWD, 7, 0)),
            (yield from one(ring, io_uring_prep_link, "/p", "/q", 0, buf_index=1)),
            (yield from one(ring, io_uring_prep_linkat, AT_FDCWD, "", AT_FDCWD, "/q", 0)),
        ]
        return {"r": r}

    assert run(runner, body)["r"] == [
        -EINVAL, -EINVAL, -EBADF, -EFAULT, -ENAMETOOLONG, -EINVAL, -EINVAL, -EINVAL, -ENOENT, -EFAULT, -EINVAL, -ENOENT,
    ]  # fmt: skip


def test_dfd_and_libc_calls(runner):
    def body(ring):
        fds = []
        yield from pipe(fds)
        r = [(yield from mkdir("/dd", 0o755)), (yield from mkdir("/dd", 0o755))]
        dfd = yield from one(ring, io_uring_prep_openat, AT_FDCWD, "/dd", O_RDONLY | O_DIRECTORY, 0)
        r.append((yield from one(ring, io_uring_prep_mkdirat, dfd, "sub", 0o755)))
        r.append((yield from one(ring, io_uring_prep_symlinkat, "sub", dfd, "ln")))
        r.append((yield from one(ring, io_uring_prep_unlinkat, fds[0], "x", 0)))
        r.append((yield from one(ring, io_uring_prep_unlinkat, 999, "x", 0)))
        r.append((yield from rmdir("/dd/ln/")))
        r.append((yield from unlink("/dd/ln")))
        r.append((yield from rmdir("/dd/sub")))
        r.append((yield from readlink("/dd/ln", bytearray(4), 4)))
        yield from close(dfd)
        return {"r": r}

    assert run(runner, body)["r"] == [0, -EEXIST, 0, 0, -ENOTDIR, -EBADF, -ENOTDIR, 0, 0, -ENOENT]


def test_create_file_makes_its_directories(runner):
    def body(ring):
        create_file(current_sim().kernel, "/disk/deep/f", b"x")
        return {"r": (yield from one(ring, io_uring_prep_unlink, "/disk/deep", AT_REMOVEDIR))}

    assert run(runner, body)["r"] == -39  # ENOTEMPTY: the directories exist


def test_no_field_combination_raises(runner):
    """Odd values in every field the preps read: always a CQE, never a Python exception."""
    values = (0, 1, -1, 1 << 40, None, "x", "", b"abcd", bytearray(4), 3.5)
    fields = ("fd", "addr", "off", "len", "op_flags", "buf_index", "file_index")
    preps = (
        (io_uring_prep_mkdirat, (AT_FDCWD, "/o", 0o755)),
        (io_uring_prep_unlinkat, (AT_FDCWD, "/o", 0)),
        (io_uring_prep_renameat, (AT_FDCWD, "/o", AT_FDCWD, "/o2", 0)),
        (io_uring_prep_symlinkat, ("/o", AT_FDCWD, "/o3")),
        (io_uring_prep_linkat, (AT_FDCWD, "/o", AT_FDCWD, "/o4", 0)),
    )

    def body(ring):
        results = []
        for (prep, args), field, value in itertools.product(preps, fields, values):
            sqe = io_uring_get_sqe(ring)
            prep(sqe, *args)
            io_uring_sqe_set_data64(sqe, 1)
            try:
                setattr(sqe, field, value)
            except TypeError:
                continue  # the compiled Sqe refuses the store itself
            yield from io_uring_submit(ring)
            results.append((yield from reap(ring, 1)))
        return {"r": results}

    r = run(runner, body)["r"]
    assert len(r) > 150
    assert all(len(got) == 1 and got[0][0] == 1 for got in r)
