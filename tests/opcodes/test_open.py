"""IORING_OP_OPENAT (opcodes/open.py)."""

from __future__ import annotations

import itertools

from simuring.abi.errno import (
    E2BIG,
    EAGAIN,
    EBADF,
    EEXIST,
    EFAULT,
    EINVAL,
    EMFILE,
    ENAMETOOLONG,
    ENFILE,
    ENOENT,
    ENOTDIR,
    ENXIO,
    EXDEV,
)
from simuring.liburing import (
    io_uring_get_sqe,
    io_uring_prep_nop,
    io_uring_prep_openat,
    io_uring_prep_openat2,
    io_uring_prep_openat2_direct,
    io_uring_prep_openat_direct,
    io_uring_prep_read,
    io_uring_register_files_sparse,
    io_uring_sqe_set_data64,
    io_uring_submit,
)
from simuring.syscalls import RLIMIT_NOFILE, Rlimit, close, getrlimit, pipe, read, setrlimit, write
from simuring.uapi import IORING_FILE_INDEX_ALLOC, IOSQE_FIXED_FILE
from tests.helpers.ring import odd_fields, reap
from tests.opcodes.test_openclose_sync import one, run

AT_FDCWD = -100
O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_CLOEXEC = 0, 1, 2, 0o100, 0o200, 0o1000, 0o2000000
O_DIRECTORY = 0o200000


def test_create_then_reopen_reads_the_bytes(runner):
    def body(ring):
        fd = yield from one(ring, io_uring_prep_openat, AT_FDCWD, "/f", O_CREAT | O_WRONLY, 0o644)
        w = yield from write(fd, b"hello", 5)
        yield from close(fd)
        fd2 = yield from one(ring, io_uring_prep_openat, AT_FDCWD, "/f", O_RDONLY, 0)
        buf = bytearray(8)
        n = yield from read(fd2, buf, 8)
        rel = yield from one(ring, io_uring_prep_openat, AT_FDCWD, "f", O_RDONLY, 0)  # the cwd is /
        return {"r": [fd >= 0, w, n, bytes(buf[:n]), fd2 >= 0, rel >= 0]}

    assert run(runner, body)["r"] == [True, 5, 5, b"hello", True, True]


def test_errors(runner):
    def body(ring):
        fds = []
        yield from pipe(fds)
        yield from one(ring, io_uring_prep_openat, AT_FDCWD, "/e", O_CREAT | O_RDWR, 0o644)
        return {
            "r": [
                (yield from one(ring, io_uring_prep_openat, AT_FDCWD, "/missing", O_RDONLY, 0)),
                (yield from one(ring, io_uring_prep_openat, AT_FDCWD, "/e", O_CREAT | O_EXCL | O_RDWR, 0)),
                (yield from one(ring, io_uring_prep_openat, AT_FDCWD, "/e", O_RDONLY, 0, buf_index=1)),
                (yield from one(ring, io_uring_prep_openat, AT_FDCWD, "/e", O_RDONLY, 0, sqe_flags=IOSQE_FIXED_FILE)),
                (yield from one(ring, io_uring_prep_openat, AT_FDCWD, None, O_RDONLY, 0)),
                (yield from one(ring, io_uring_prep_openat, AT_FDCWD, "", O_RDONLY, 0)),
                (yield from one(ring, io_uring_prep_openat, AT_FDCWD, "/" + "x" * 4095, O_RDONLY, 0)),
                (yield from one(ring, io_uring_prep_openat, fds[0], "e", O_RDONLY, 0)),
                (yield from one(ring, io_uring_prep_openat, 999, "e", O_RDONLY, 0)),
                (yield from one(ring, io_uring_prep_openat, AT_FDCWD, "/e", O_RDONLY | O_DIRECTORY, 0)),
                (yield from one(ring, io_uring_prep_openat, AT_FDCWD, "/e", O_CREAT | O_DIRECTORY, 0)),
                (yield from one(ring, io_uring_prep_openat_direct, AT_FDCWD, "/e", O_RDONLY | O_CLOEXEC, 0, 0)),
                (yield from one(ring, io_uring_prep_openat_direct, AT_FDCWD, "/e", O_RDONLY, 0, 0)),
                (yield from one(ring, io_uring_prep_openat_direct, AT_FDCWD, "/e", O_RDONLY, 0, IORING_FILE_INDEX_ALLOC)),
            ]
        }

    assert run(runner, body)["r"] == [
        -ENOENT, -EEXIST, -EINVAL, -EBADF, -EFAULT, -ENOENT, -ENAMETOOLONG,
        -ENOTDIR, -EBADF, -ENOTDIR, -EINVAL, -EINVAL, -ENXIO, -ENFILE,
    ]


def test_absolute_path_ignores_dfd_and_trunc_empties(runner):
    def body(ring):
        fd = yield from one(ring, io_uring_prep_openat, AT_FDCWD, "/t", O_CREAT | O_RDWR, 0o644)
        yield from write(fd, b"0123", 4)
        fd2 = yield from one(ring, io_uring_prep_openat, 999, "/t", O_RDWR | O_TRUNC, 0)
        n = yield from read(fd, bytearray(4), 4)  # the shared inode is now empty (fd's position is 4)
        return {"r": [fd2 >= 0, n]}

    assert run(runner, body)["r"] == [True, 0]


def test_direct_slots(runner):
    def body(ring):
        yield from io_uring_register_files_sparse(ring, 2)
        yield from one(ring, io_uring_prep_openat, AT_FDCWD, "/d", O_CREAT | O_RDWR, 0o644)
        a = yield from one(ring, io_uring_prep_openat_direct, AT_FDCWD, "/d", O_RDWR, 0, 1)
        b = yield from one(ring, io_uring_prep_openat_direct, AT_FDCWD, "/d", O_RDWR, 0, IORING_FILE_INDEX_ALLOC)
        c = yield from one(ring, io_uring_prep_openat_direct, AT_FDCWD, "/d", O_RDWR, 0, IORING_FILE_INDEX_ALLOC)
        past = yield from one(ring, io_uring_prep_openat_direct, AT_FDCWD, "/d", O_RDWR, 0, 7)
        return {"r": [a, b, c, past]}

    assert run(runner, body)["r"] == [0, 0, -ENFILE, -EINVAL]


def test_create_and_missing_names_go_to_iowq_then_a_miss_is_cached(runner):
    """O_CREAT forces io-wq (the NOP after it completes first); a name never looked up too; the second miss
    of the same name fails inline, before its NOP."""

    def body(ring):
        order = []
        for ud, path, flags in ((1, "/n", O_CREAT | O_RDWR), (3, "/never", O_RDONLY), (5, "/never", O_RDONLY), (7, "/n", O_RDONLY)):
            sqe = io_uring_get_sqe(ring)
            io_uring_prep_openat(sqe, AT_FDCWD, path, flags, 0o644)
            io_uring_sqe_set_data64(sqe, ud)
            sqe = io_uring_get_sqe(ring)
            io_uring_prep_nop(sqe)
            io_uring_sqe_set_data64(sqe, ud + 1)
            yield from io_uring_submit(ring)
            order.append([u for u, _ in (yield from reap(ring, 2))])
        return {"r": order}

    assert run(runner, body)["r"] == [[2, 1], [4, 3], [5, 6], [7, 8]]


def test_direct_open_then_fixed_read(runner):
    def body(ring):
        yield from io_uring_register_files_sparse(ring, 1)
        fd = yield from one(ring, io_uring_prep_openat, AT_FDCWD, "/r", O_CREAT | O_RDWR, 0o644)
        yield from write(fd, b"abc", 3)
        yield from one(ring, io_uring_prep_openat_direct, AT_FDCWD, "/r", O_RDONLY, 0, 0)
        buf = bytearray(4)
        n = yield from one(ring, io_uring_prep_read, 0, buf, 4, 0, sqe_flags=IOSQE_FIXED_FILE)
        return {"r": [n, bytes(buf[:3])]}

    assert run(runner, body)["r"] == [3, b"abc"]


def test_no_field_combination_raises(runner):
    """Odd values in every field the prep reads: always a CQE, never a Python exception."""
    values = (0, 1, -1, 1 << 40, None, "x", b"abcd", bytearray(4), 3.5)
    fields = ("fd", "addr", "len", "op_flags", "buf_index", "file_index")

    def body(ring):
        results = []
        for field, value in itertools.product(fields, values):
            sqe = io_uring_get_sqe(ring)
            io_uring_prep_openat(sqe, AT_FDCWD, "/odd", O_CREAT | O_RDWR, 0o644)
            io_uring_sqe_set_data64(sqe, 1)
            try:
                setattr(sqe, field, value)
            except TypeError:
                continue  # the compiled Sqe refuses the store itself
            yield from io_uring_submit(ring)
            got = yield from reap(ring, 1)
            if got[0][1] >= 0 and field != "file_index":
                yield from close(got[0][1])
            results.append(got)
        return {"r": results}

    r = run(runner, body)["r"]
    assert len(r) > 30
    assert all(len(got) == 1 and got[0][0] == 1 for got in r)


def how(flags, mode=0, resolve=0, extra=b""):
    return flags.to_bytes(8, "little") + mode.to_bytes(8, "little") + resolve.to_bytes(8, "little") + extra


def test_openat2_how_checks(runner):
    def body(ring):
        yield from one(ring, io_uring_prep_openat, AT_FDCWD, "/h", O_CREAT | O_RDWR, 0o644)
        r = []
        for h, size in ((how(0), 16), (how(0, extra=b"\1" + bytes(7)), 32), (b"short", 24), (how(1 << 40), 24),
                        (how(0, 0, 0x40), 24), (how(0, 0, 0x18), 24), (how(0, 0o644), 24), (how(O_CREAT, 0o10000), 24),
                        (how(0, 0, 0x08), 24), (how(O_CREAT, 0, 0x20), 24), (how(0, extra=bytes(8)), 32)):
            res = yield from one(ring, io_uring_prep_openat2, AT_FDCWD, "/h", h, len=size)
            r.append(res if res < 0 else "fd")
        return {"r": r}

    assert run(runner, body)["r"] == [-EINVAL, -E2BIG, -EFAULT, -EINVAL, -EINVAL, -EINVAL, -EINVAL, -EINVAL, -EXDEV, -EAGAIN, "fd"]


def test_openat2_resolve_cached_does_not_retry(runner):
    def body(ring):
        first = yield from one(ring, io_uring_prep_openat2, AT_FDCWD, "/never", how(0, 0, 0x20))
        plain = yield from one(ring, io_uring_prep_openat2, AT_FDCWD, "/never", how(0))
        again = yield from one(ring, io_uring_prep_openat2, AT_FDCWD, "/never", how(0, 0, 0x20))
        yield from io_uring_register_files_sparse(ring, 1)
        direct = yield from one(ring, io_uring_prep_openat2_direct, AT_FDCWD, "/d", how(O_CREAT | O_RDWR, 0o600), 0)
        return {"r": [first, plain, again, direct]}

    assert run(runner, body)["r"] == [-EAGAIN, -ENOENT, -ENOENT, 0]


def test_openat2_no_field_combination_raises(runner):
    values = (0, 1, -1, 1 << 40, None, "x", b"abcd", bytearray(30), 3.5)
    fields = ("fd", "addr", "len", "off", "buf_index", "file_index")

    def body(ring):
        fill = lambda sqe: io_uring_prep_openat2(sqe, AT_FDCWD, "/odd2", how(O_CREAT | O_RDWR, 0o644))  # noqa: E731
        return {"r": (yield from odd_fields(ring, fill, fields, values))}

    r = run(runner, body)["r"]
    assert len(r) > 30
    assert all(len(got) == 1 and got[0][0] == 1 for got in r)


def test_a_full_table_is_emfile_inline_before_the_walk(runner):
    """``io_openat2`` takes the descriptor before ``do_filp_open``: with the soft limit at the lowest free
    descriptor a never-looked-up name is -EMFILE inline (before the NOP after it: not sent to io-wq, so no
    negative dentry: with room again the same name still goes to io-wq); a direct open takes no descriptor
    (-ENOENT)."""

    def round_(ring, ud, path):
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_openat(sqe, AT_FDCWD, path, O_RDONLY, 0)
        io_uring_sqe_set_data64(sqe, ud)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_nop(sqe)
        io_uring_sqe_set_data64(sqe, ud + 1)
        yield from io_uring_submit(ring)
        return (yield from reap(ring, 2))

    def body(ring):
        yield from io_uring_register_files_sparse(ring, 1)
        fds = []
        yield from pipe(fds)
        yield from close(fds[1])
        rlim = Rlimit()
        yield from getrlimit(RLIMIT_NOFILE, rlim)
        yield from setrlimit(RLIMIT_NOFILE, Rlimit(fds[1], rlim.rlim_max))
        full = yield from round_(ring, 1, "/gone")
        direct = yield from one(ring, io_uring_prep_openat_direct, AT_FDCWD, "/other", O_RDONLY, 0, 0)
        yield from setrlimit(RLIMIT_NOFILE, Rlimit(fds[1] + 1, rlim.rlim_max))
        roomy = yield from round_(ring, 3, "/gone")
        return {"r": [full, direct, roomy]}

    full, direct, roomy = run(runner, body)["r"]
    assert full == [(1, -EMFILE), (2, 0)]
    assert direct == -ENOENT
    assert roomy == [(4, 0), (3, -ENOENT)]



def test_access_mode_3_opens_a_file_for_neither_way_and_o_trunc_empties_any_mode(runner):
    """Fields seed 104112 (fz9-open-accmode3, fz9-open-rdonly-trunc): OPEN_FMODE gives access mode 3 neither
    FMODE_READ nor FMODE_WRITE, and do_open truncates a regular file with O_TRUNC whatever the mode."""
    O_ACCMODE = 3

    def body(ring):
        fd = yield from one(ring, io_uring_prep_openat, AT_FDCWD, "/m", O_CREAT | O_RDWR, 0o644)
        yield from write(fd, b"0123", 4)
        odd = yield from one(ring, io_uring_prep_openat, AT_FDCWD, "/m", O_ACCMODE, 0)
        io = [(yield from read(odd, bytearray(4), 4)), (yield from write(odd, b"x", 1))]
        ro = yield from one(ring, io_uring_prep_openat, AT_FDCWD, "/m", O_RDONLY, 0)
        kept = yield from read(ro, bytearray(8), 8)
        trunc = yield from one(ring, io_uring_prep_openat, AT_FDCWD, "/m", O_RDONLY | O_TRUNC, 0)
        left = yield from read(trunc, bytearray(8), 8)
        return {"r": [odd >= 0, io, kept, trunc >= 0, left]}

    assert run(runner, body)["r"] == [True, [-EBADF, -EBADF], 4, True, 0]
