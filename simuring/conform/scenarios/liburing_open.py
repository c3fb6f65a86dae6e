"""OPENAT, OPENAT2 and STATX as liburing's tests use them (open-close, open-direct-link, openat2, statx),
written from the man pages (io_uring_prep_openat(3), io_uring_prep_openat2(3), io_uring_prep_statx(3),
openat(2), openat2(2), statx(2)); names prefixed ``lop-`` (``lop-o2-`` for OPENAT2, ``lop-statx-``).

Paths are absolute: the real side moves them inside the run's private directory (as ``L.open`` does),
the simulated side names the file in its in-memory file system.  A relative path is used only with a
descriptor that is not a directory (the working directories of the two sides differ)."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    new_pipe,
    new_ring,
    nop,
    reap,
    reap_one,
    submit_and_reap,
)
from simuring.conform.scenarios.common import (
    file_contents as _contents,
)
from simuring.conform.scenarios.common import (
    make_file as _file,
)
from simuring.uapi import (
    IORING_FILE_INDEX_ALLOC,
    IOSQE_ASYNC,
    IOSQE_CQE_SKIP_SUCCESS,
    IOSQE_FIXED_FILE,
    IOSQE_IO_LINK,
)

TAGS = ("liburing", "openat")
AT_FDCWD = -100
O_DIRECTORY = 0o200000  # x86-64


def _openat(L: Any, ring: Any, ud: int, path: Any, flags: int, mode: int = 0o644, dfd: int = AT_FDCWD, sqe_flags: int = 0) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_openat(sqe, dfd, path, flags, mode)
    L.io_uring_sqe_set_data64(sqe, ud)
    if sqe_flags:
        L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def _direct(L: Any, ring: Any, ud: int, path: Any, flags: int, slot: int, sqe_flags: int = 0) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_openat_direct(sqe, AT_FDCWD, path, flags, 0o644, slot)
    L.io_uring_sqe_set_data64(sqe, ud)
    if sqe_flags:
        L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def _open_one(L: Any, ring: Any, ud: int, path: Any, flags: int, **kw: Any) -> Gen:
    """Submit one OPENAT and reap it: its result (a descriptor or -errno)."""
    _openat(L, ring, ud, path, flags, **kw)
    yield from L.io_uring_submit(ring)
    got = yield from reap_one(L, ring)
    return -1 if got is None else got[1]


@scenario("lop-create-write-read", tags=(*TAGS, "file"))
def lop_create_write_read(L: Any) -> Gen:
    """OPENAT with O_CREAT | O_WRONLY creates the file (a descriptor, which write(2) writes through); a second
    OPENAT with O_RDONLY opens it again and read(2) gives the bytes back."""
    ring = yield from new_ring(L, 8)
    fd = yield from _open_one(L, ring, 1, "/lop-a", L.O_CREAT | L.O_WRONLY)
    if fd >= 0:
        L.record("write", (yield from L.write(fd, b"hello", 5)))
        yield from L.close(fd)
    fd = yield from _open_one(L, ring, 2, "/lop-a", L.O_RDONLY)
    if fd >= 0:
        buf = bytearray(8)
        L.record("read", (yield from L.read(fd, buf, 8)))
        L.record("data", bytes(buf[:5]))
        L.record("write to O_RDONLY", (yield from L.write(fd, b"x", 1)))
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-enoent-eexist", tags=(*TAGS, "file"))
def lop_enoent_eexist(L: Any) -> Gen:
    """OPENAT of a missing file without O_CREAT is -ENOENT; O_CREAT | O_EXCL creates it once, then -EEXIST;
    O_CREAT alone opens the existing file."""
    ring = yield from new_ring(L, 8)
    L.record("missing", (yield from _open_one(L, ring, 1, "/lop-missing", L.O_RDONLY)) == -2)
    fd = yield from _open_one(L, ring, 2, "/lop-excl", L.O_CREAT | L.O_EXCL | L.O_RDWR)
    if fd >= 0:
        yield from L.close(fd)
    yield from _open_one(L, ring, 3, "/lop-excl", L.O_CREAT | L.O_EXCL | L.O_RDWR)
    fd = yield from _open_one(L, ring, 4, "/lop-excl", L.O_CREAT | L.O_RDWR)
    if fd >= 0:
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-trunc", tags=(*TAGS, "file"))
def lop_trunc(L: Any) -> Gen:
    """OPENAT with O_WRONLY | O_TRUNC empties a file of 10 bytes (lseek(SEEK_END) gives 0); without O_TRUNC
    the bytes stay."""
    ring = yield from new_ring(L, 8)
    yield from _file(L, "/lop-t", b"0123456789")
    fd = yield from _open_one(L, ring, 1, "/lop-t", L.O_RDWR)
    if fd >= 0:
        L.record("size kept", (yield from L.lseek(fd, 0, L.SEEK_END)))
        yield from L.close(fd)
    fd = yield from _open_one(L, ring, 2, "/lop-t", L.O_WRONLY | L.O_TRUNC)
    if fd >= 0:
        L.record("size after O_TRUNC", (yield from L.lseek(fd, 0, L.SEEK_END)))
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-append", tags=(*TAGS, "file"))
def lop_append(L: Any) -> Gen:
    """OPENAT with O_WRONLY | O_APPEND: a write(2) after an lseek to 0 still goes to the end."""
    ring = yield from new_ring(L, 8)
    yield from _file(L, "/lop-ap", b"abc")
    fd = yield from _open_one(L, ring, 1, "/lop-ap", L.O_WRONLY | L.O_APPEND)
    if fd >= 0:
        yield from L.lseek(fd, 0, L.SEEK_SET)
        L.record("write", (yield from L.write(fd, b"def", 3)))
        yield from L.close(fd)
    L.record("contents", (yield from _contents(L, "/lop-ap")))
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-flags-accepted", tags=(*TAGS, "file"))
def lop_flags_accepted(L: Any) -> Gen:
    """O_NONBLOCK, O_CLOEXEC and a flag bit openat(2) does not know (1 << 30) are accepted: each OPENAT
    gives a descriptor that reads the file."""
    ring = yield from new_ring(L, 8)
    yield from _file(L, "/lop-fl", b"xyz")
    for ud, flags in ((1, L.O_RDONLY | L.O_NONBLOCK), (2, L.O_RDONLY | L.O_CLOEXEC), (3, L.O_RDONLY | (1 << 30))):
        fd = yield from _open_one(L, ring, ud, "/lop-fl", flags)
        if fd >= 0:
            buf = bytearray(4)
            L.record(f"read {ud}", (yield from L.read(fd, buf, 4)))
            yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-prep-errors", tags=(*TAGS, "file"))
def lop_prep_errors(L: Any) -> Gen:
    """OPENAT errors found at prep: ``buf_index`` non-zero -EINVAL; IOSQE_FIXED_FILE -EBADF; a NULL path
    -EFAULT; an empty path -ENOENT; a path of 4096 bytes -ENAMETOOLONG; a registered slot with O_CLOEXEC
    -EINVAL."""
    ring = yield from new_ring(L, 16)
    yield from _file(L, "/lop-pe", b"")
    sqe = _openat(L, ring, 1, "/lop-pe", L.O_RDONLY)
    sqe.buf_index = 1
    yield from submit_and_reap(L, ring)
    _openat(L, ring, 2, "/lop-pe", L.O_RDONLY, sqe_flags=IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring)
    _openat(L, ring, 3, 0, L.O_RDONLY)
    yield from submit_and_reap(L, ring)
    _openat(L, ring, 4, "", L.O_RDONLY)
    yield from submit_and_reap(L, ring)
    _openat(L, ring, 5, "/" + "a" * 4095, L.O_RDONLY)
    yield from submit_and_reap(L, ring)
    _direct(L, ring, 6, "/lop-pe", L.O_RDONLY | L.O_CLOEXEC, 0)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-dfd", tags=(*TAGS, "file", "pipe"))
def lop_dfd(L: Any) -> Gen:
    """The directory descriptor: a relative path with a pipe's descriptor is -ENOTDIR, with a descriptor not
    open -EBADF; an absolute path ignores the descriptor (opened with a pipe's, and with 999)."""
    ring = yield from new_ring(L, 8)
    yield from _file(L, "/lop-dfd", b"d")
    fds = yield from new_pipe(L)
    yield from _open_one(L, ring, 1, "lop-dfd", L.O_RDONLY, dfd=fds[0])
    yield from _open_one(L, ring, 2, "lop-dfd", L.O_RDONLY, dfd=999)
    for ud, dfd in ((3, fds[0]), (4, 999)):
        fd = yield from _open_one(L, ring, ud, "/lop-dfd", L.O_RDONLY, dfd=dfd)
        if fd >= 0:
            yield from L.close(fd)
    for f in fds:
        yield from L.close(f)
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-directory-flags", tags=(*TAGS, "file"))
def lop_directory_flags(L: Any) -> Gen:
    """O_DIRECTORY on a regular file is -ENOTDIR, on a missing name -ENOENT; O_CREAT | O_DIRECTORY is -EINVAL;
    O_CREAT of a name ending in '/' is -EISDIR and creates nothing."""
    ring = yield from new_ring(L, 8)
    yield from _file(L, "/lop-dir", b"")
    yield from _open_one(L, ring, 1, "/lop-dir", L.O_RDONLY | O_DIRECTORY)
    yield from _open_one(L, ring, 2, "/lop-nodir", L.O_RDONLY | O_DIRECTORY)
    yield from _open_one(L, ring, 3, "/lop-newdir", L.O_CREAT | L.O_RDWR | O_DIRECTORY)
    yield from _open_one(L, ring, 4, "/lop-slash/", L.O_CREAT | L.O_RDWR)
    fd = yield from L.open("/lop-slash", L.O_RDONLY, 0)
    L.record("created", fd >= 0)
    if fd >= 0:
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-direct", tags=(*TAGS, "file", "files"))
def lop_direct(L: Any) -> Gen:
    """io_uring_prep_openat_direct(3) into slot 1 of a sparse table of 4: 0, and a fixed-file WRITE through
    slot 1 lands in the file; IORING_FILE_INDEX_ALLOC gives the next free slot (2, then 3, then 0) and,
    with the table full, -ENFILE."""
    ring = yield from new_ring(L, 8)
    yield from L.io_uring_register_files_sparse(ring, 4)
    _direct(L, ring, 1, "/lop-direct", L.O_CREAT | L.O_RDWR, 1)
    yield from submit_and_reap(L, ring)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_write(sqe, 1, b"fixed", 5, 0)
    L.io_uring_sqe_set_data64(sqe, 2)
    L.io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring)
    L.record("contents", (yield from _contents(L, "/lop-direct")))
    for ud in (3, 4, 5, 6):
        _direct(L, ring, ud, "/lop-direct", L.O_RDONLY, IORING_FILE_INDEX_ALLOC)
        yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-direct-errors", tags=(*TAGS, "file", "files"))
def lop_direct_errors(L: Any) -> Gen:
    """Direct opens that fail: without a table, a slot is -ENXIO and IORING_FILE_INDEX_ALLOC -ENFILE; a slot
    past a table of 2 -EINVAL; a missing file -ENOENT before any slot is looked at."""
    ring = yield from new_ring(L, 8)
    yield from _file(L, "/lop-de", b"")
    _direct(L, ring, 1, "/lop-de", L.O_RDONLY, 0)
    yield from submit_and_reap(L, ring)
    _direct(L, ring, 2, "/lop-de", L.O_RDONLY, IORING_FILE_INDEX_ALLOC)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_register_files_sparse(ring, 2)
    _direct(L, ring, 3, "/lop-de", L.O_RDONLY, 5)
    yield from submit_and_reap(L, ring)
    _direct(L, ring, 4, "/lop-missing", L.O_RDONLY, 5)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-direct-replace", tags=(*TAGS, "file", "files"))
def lop_direct_replace(L: Any) -> Gen:
    """A direct open into an occupied slot replaces its file: a fixed READ through the slot then reads the
    second file."""
    ring = yield from new_ring(L, 8)
    yield from _file(L, "/lop-r1", b"first")
    yield from _file(L, "/lop-r2", b"second")
    yield from L.io_uring_register_files_sparse(ring, 2)
    _direct(L, ring, 1, "/lop-r1", L.O_RDONLY, 0)
    _direct(L, ring, 2, "/lop-r2", L.O_RDONLY, 0)
    yield from submit_and_reap(L, ring, 2)
    buf = bytearray(8)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_read(sqe, 0, buf, 8, 0)
    L.io_uring_sqe_set_data64(sqe, 3)
    L.io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring)
    L.record("data", bytes(buf[:6]))
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-direct-link", tags=(*TAGS, "file", "files", "link"))
def lop_direct_link(L: Any) -> Gen:
    """As liburing's open-direct-link test: a direct OPENAT (O_CREAT) linked to a fixed-file WRITE and a
    fixed-file READ of the slot it fills: the chain runs in order, the READ sees the WRITE's bytes."""
    ring = yield from new_ring(L, 8)
    yield from L.io_uring_register_files_sparse(ring, 2)
    _direct(L, ring, 1, "/lop-link", L.O_CREAT | L.O_RDWR, 0, sqe_flags=IOSQE_IO_LINK)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_write(sqe, 0, b"linked", 6, 0)
    L.io_uring_sqe_set_data64(sqe, 2)
    L.io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE | IOSQE_IO_LINK)
    buf = bytearray(8)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_read(sqe, 0, buf, 8, 0)
    L.io_uring_sqe_set_data64(sqe, 3)
    L.io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring, 3)
    L.record("data", bytes(buf[:6]))
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-link-fail", tags=(*TAGS, "file", "link"))
def lop_link_fail(L: Any) -> Gen:
    """A failing OPENAT (-ENOENT) at the head of a link cancels the NOP linked to it (-ECANCELED)."""
    ring = yield from new_ring(L, 8)
    _openat(L, ring, 1, "/lop-nolink", L.O_RDONLY, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-create-goes-async", tags=(*TAGS, "file", "order"))
def lop_create_goes_async(L: Any) -> Gen:
    """An OPENAT with O_CREAT (or O_TRUNC) is sent to io-wq at prep: a NOP submitted after it in the same
    batch completes first.  An OPENAT of an existing file without them opens inline: its CQE comes before
    the NOP's."""
    ring = yield from new_ring(L, 8)
    yield from _file(L, "/lop-inline", b"")
    for ud, path, flags in ((1, "/lop-async", L.O_CREAT | L.O_RDWR), (3, "/lop-inline", L.O_WRONLY | L.O_TRUNC),
                            (5, "/lop-inline", L.O_RDONLY)):
        _openat(L, ring, ud, path, flags)
        nop(L, ring, ud + 1)
        yield from L.io_uring_submit(ring)
        for _ in range(2):
            got = yield from reap_one(L, ring)
            if got is not None and got[0] == ud and got[1] >= 0:
                yield from L.close(got[1])
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-async-flag", tags=(*TAGS, "file"))
def lop_async_flag(L: Any) -> Gen:
    """IOSQE_ASYNC OPENATs (an existing file, a missing one) give the same results from io-wq: a descriptor,
    -ENOENT."""
    ring = yield from new_ring(L, 8)
    yield from _file(L, "/lop-as", b"")
    fd = yield from _open_one(L, ring, 1, "/lop-as", L.O_RDONLY, sqe_flags=IOSQE_ASYNC)
    if fd >= 0:
        yield from L.close(fd)
    yield from _open_one(L, ring, 2, "/lop-as-missing", L.O_RDONLY, sqe_flags=IOSQE_ASYNC)
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-cqe-skip", tags=(*TAGS, "file", "files"))
def lop_cqe_skip(L: Any) -> Gen:
    """IOSQE_CQE_SKIP_SUCCESS on OPENAT: a successful (direct) open posts nothing, a failed one still posts
    its -ENOENT; the NOP's CQE comes first (the missing name is looked up from io-wq)."""
    ring = yield from new_ring(L, 8)
    yield from _file(L, "/lop-skip", b"")
    yield from L.io_uring_register_files_sparse(ring, 1)
    _direct(L, ring, 1, "/lop-skip", L.O_RDONLY, 0, sqe_flags=IOSQE_CQE_SKIP_SUCCESS)
    _openat(L, ring, 2, "/lop-skip-missing", L.O_RDONLY, sqe_flags=IOSQE_CQE_SKIP_SUCCESS)
    nop(L, ring, 3)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-missing-twice", tags=(*TAGS, "file", "order"))
def lop_missing_twice(L: Any) -> Gen:
    """A name never looked up is not in the dentry cache: the inline (LOOKUP_CACHED) attempt gives up and the
    open runs from io-wq, so the NOP submitted after it completes first; that lookup leaves a negative
    dentry, and a second open of the same missing name fails inline, before its NOP."""
    ring = yield from new_ring(L, 8)
    for ud in (1, 3):
        _openat(L, ring, ud, "/lop-never", L.O_RDONLY)
        nop(L, ring, ud + 1)
        yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


# -- OPENAT2 ---------------------------------------------------------------------------------------

RESOLVE_NO_SYMLINKS = 0x04
RESOLVE_BENEATH = 0x08
RESOLVE_IN_ROOT = 0x10
RESOLVE_CACHED = 0x20


def _how(flags: int, mode: int = 0, resolve: int = 0, extra: bytes = b"") -> bytes:
    """``struct open_how`` (flags, mode, resolve as little-endian u64), with ``extra`` bytes after it."""
    return flags.to_bytes(8, "little") + mode.to_bytes(8, "little") + resolve.to_bytes(8, "little") + extra


def _openat2(L: Any, ring: Any, ud: int, path: Any, how: Any, dfd: int = AT_FDCWD, sqe_flags: int = 0) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_openat2(sqe, dfd, path, how)
    L.io_uring_sqe_set_data64(sqe, ud)
    if sqe_flags:
        L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def _open2_one(L: Any, ring: Any, ud: int, path: Any, how: Any, **kw: Any) -> Gen:
    """One OPENAT2, reaped; a descriptor it gave is closed.  Its result."""
    _openat2(L, ring, ud, path, how, **kw)
    yield from L.io_uring_submit(ring)
    got = yield from reap_one(L, ring)
    res = -1 if got is None else got[1]
    if res >= 0:
        yield from L.close(res)
    return res


@scenario("lop-o2-basic", tags=(*TAGS, "openat2", "file"))
def lop_o2_basic(L: Any) -> Gen:
    """io_uring_prep_openat2(3): O_CREAT | O_RDWR with mode 0644 creates the file (a descriptor); O_RDONLY
    opens it; a missing name without O_CREAT is -ENOENT; O_CREAT | O_EXCL on it -EEXIST; RESOLVE_NO_SYMLINKS
    changes nothing for a plain file."""
    ring = yield from new_ring(L, 8)
    fd = yield from _open_one_2(L, ring, 1, "/lop-o2-a", _how(L.O_CREAT | L.O_RDWR, 0o644))
    if fd >= 0:
        L.record("write", (yield from L.write(fd, b"two", 3)))
        yield from L.close(fd)
    L.record("contents", (yield from _contents(L, "/lop-o2-a")))
    yield from _open2_one(L, ring, 2, "/lop-o2-a", _how(L.O_RDONLY))
    yield from _open2_one(L, ring, 3, "/lop-o2-missing", _how(L.O_RDONLY))
    yield from _open2_one(L, ring, 4, "/lop-o2-a", _how(L.O_CREAT | L.O_EXCL | L.O_RDWR, 0o600))
    yield from _open2_one(L, ring, 5, "/lop-o2-a", _how(L.O_RDONLY, 0, RESOLVE_NO_SYMLINKS))
    yield from L.io_uring_queue_exit(ring)


def _open_one_2(L: Any, ring: Any, ud: int, path: Any, how: Any) -> Gen:
    """One OPENAT2, reaped; its result (the caller closes a descriptor)."""
    _openat2(L, ring, ud, path, how)
    yield from L.io_uring_submit(ring)
    got = yield from reap_one(L, ring)
    return -1 if got is None else got[1]


@scenario("lop-o2-how-size", tags=(*TAGS, "openat2", "file"))
def lop_o2_how_size(L: Any) -> Gen:
    """The size of ``struct open_how`` in ``len``: under 24 is -EINVAL; 32 with zeros after the struct is
    accepted; 32 with a non-zero byte there -E2BIG; ``addr2`` NULL -EFAULT."""
    ring = yield from new_ring(L, 8)
    yield from _file(L, "/lop-o2-s", b"")
    for ud, size, how in ((1, 16, _how(0)), (2, 0, _how(0)), (3, 32, _how(0, extra=bytes(8))),
                          (4, 32, _how(0, extra=b"\0\0\0\1" + bytes(4)))):
        sqe = _openat2(L, ring, ud, "/lop-o2-s", how)
        sqe.len = size
        yield from L.io_uring_submit(ring)
        got = yield from reap_one(L, ring)
        if got is not None and got[1] >= 0:
            yield from L.close(got[1])
    sqe = _openat2(L, ring, 6, "/lop-o2-s", 0)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-o2-bad-how", tags=(*TAGS, "openat2", "file"))
def lop_o2_bad_how(L: Any) -> Gen:
    """open_how checks (-EINVAL): a flag bit openat(2) does not know (1 << 30, and bit 40); a resolve bit past
    RESOLVE_CACHED; RESOLVE_BENEATH with RESOLVE_IN_ROOT; a mode without O_CREAT; a mode with bits past
    07777 with O_CREAT; O_CREAT | O_DIRECTORY.  A mode of 0 without O_CREAT is fine."""
    ring = yield from new_ring(L, 16)
    yield from _file(L, "/lop-o2-b", b"")
    cases = (
        _how(L.O_RDONLY | (1 << 30)),
        _how(L.O_RDONLY | (1 << 40)),
        _how(L.O_RDONLY, 0, 0x40),
        _how(L.O_RDONLY, 0, RESOLVE_BENEATH | RESOLVE_IN_ROOT),
        _how(L.O_RDONLY, 0o644),
        _how(L.O_CREAT | L.O_RDWR, 0o10000),
        _how(L.O_CREAT | L.O_RDWR | O_DIRECTORY, 0o644),
        _how(L.O_RDONLY, 0),
    )
    for ud, how in enumerate(cases, start=1):
        yield from _open2_one(L, ring, ud, "/lop-o2-b", how)
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-o2-resolve-cached", tags=(*TAGS, "openat2", "file"))
def lop_o2_resolve_cached(L: Any) -> Gen:
    """RESOLVE_CACHED: with O_CREAT or O_TRUNC -EAGAIN; a name never looked up -EAGAIN (not retried from
    io-wq), also with IOSQE_ASYNC; a file just created (in the dentry cache) opens; after a plain OPENAT2 has
    looked the missing name up, RESOLVE_CACHED gives -ENOENT."""
    ring = yield from new_ring(L, 8)
    yield from _file(L, "/lop-o2-c", b"")
    yield from _open2_one(L, ring, 1, "/lop-o2-c2", _how(L.O_CREAT | L.O_RDWR, 0o644, RESOLVE_CACHED))
    yield from _open2_one(L, ring, 2, "/lop-o2-c", _how(L.O_WRONLY | L.O_TRUNC, 0, RESOLVE_CACHED))
    yield from _open2_one(L, ring, 3, "/lop-o2-never", _how(L.O_RDONLY, 0, RESOLVE_CACHED))
    yield from _open2_one(L, ring, 4, "/lop-o2-never2", _how(L.O_RDONLY, 0, RESOLVE_CACHED), sqe_flags=IOSQE_ASYNC)
    L.record("cached file opens", (yield from _open2_one(L, ring, 5, "/lop-o2-c", _how(L.O_RDONLY, 0, RESOLVE_CACHED))) >= 0)
    yield from _open2_one(L, ring, 6, "/lop-o2-never", _how(L.O_RDONLY))
    yield from _open2_one(L, ring, 7, "/lop-o2-never", _how(L.O_RDONLY, 0, RESOLVE_CACHED))
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-o2-beneath", tags=(*TAGS, "openat2", "file"))
def lop_o2_beneath(L: Any) -> Gen:
    """RESOLVE_BENEATH with an absolute path is -EXDEV; with a relative path and a pipe as the directory
    -ENOTDIR."""
    ring = yield from new_ring(L, 8)
    yield from _file(L, "/lop-o2-bn", b"")
    fds = yield from new_pipe(L)
    yield from _open2_one(L, ring, 1, "/lop-o2-bn", _how(L.O_RDONLY, 0, RESOLVE_BENEATH))
    yield from _open2_one(L, ring, 2, "lop-o2-bn", _how(L.O_RDONLY, 0, RESOLVE_BENEATH), dfd=fds[0])
    for f in fds:
        yield from L.close(f)
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-o2-direct", tags=(*TAGS, "openat2", "file", "files"))
def lop_o2_direct(L: Any) -> Gen:
    """io_uring_prep_openat2_direct(3): into slot 0 (0), then IORING_FILE_INDEX_ALLOC (slot 1), then -ENFILE
    with the table of 2 full; O_CLOEXEC with a slot -EINVAL; a fixed READ through slot 0 reads the file."""
    ring = yield from new_ring(L, 8)
    yield from _file(L, "/lop-o2-d", b"direct")
    yield from L.io_uring_register_files_sparse(ring, 2)
    for ud, slot, flags in ((1, 0, L.O_RDONLY), (2, IORING_FILE_INDEX_ALLOC, L.O_RDONLY),
                            (3, IORING_FILE_INDEX_ALLOC, L.O_RDONLY), (4, 1, L.O_RDONLY | L.O_CLOEXEC)):
        sqe = L.io_uring_get_sqe(ring)
        L.io_uring_prep_openat2_direct(sqe, AT_FDCWD, "/lop-o2-d", _how(flags), slot)
        L.io_uring_sqe_set_data64(sqe, ud)
        yield from submit_and_reap(L, ring)
    buf = bytearray(8)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_read(sqe, 0, buf, 8, 0)
    L.io_uring_sqe_set_data64(sqe, 5)
    L.io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring)
    L.record("data", bytes(buf[:6]))
    yield from L.io_uring_queue_exit(ring)


# -- STATX -----------------------------------------------------------------------------------------

AT_EMPTY_PATH = 0x1000
STATX_BASIC_STATS = 0x7FF
STATX_SIZE = 0x200
S_IFMT = 0o170000


def _statx(L: Any, ring: Any, ud: int, path: Any, flags: int, mask: int, buf: Any, dfd: int = AT_FDCWD, sqe_flags: int = 0) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_statx(sqe, dfd, path, flags, mask, buf)
    L.io_uring_sqe_set_data64(sqe, ud)
    if sqe_flags:
        L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def _fields(buf: bytearray, asked: int = STATX_BASIC_STATS) -> dict[str, int]:
    """The ``struct statx`` fields both sides fill alike: the mask bits asked for (a file system may return
    more, and which differs), the file type, the link count, the size."""
    return {
        "mask": int.from_bytes(buf[0:4], "little") & asked,
        "type": int.from_bytes(buf[28:30], "little") & S_IFMT,
        "nlink": int.from_bytes(buf[16:20], "little"),
        "size": int.from_bytes(buf[40:48], "little"),
    }


@scenario("lop-statx-file", tags=(*TAGS, "statx", "file"))
def lop_statx_file(L: Any) -> Gen:
    """io_uring_prep_statx(3) of a regular file of 10 bytes with STATX_BASIC_STATS: 0, and the struct says
    every basic field is there, S_IFREG, one link, 10 bytes; asking for STATX_SIZE alone gets STATX_SIZE; a relative name under a pipe's descriptor is -ENOTDIR."""
    ring = yield from new_ring(L, 8)
    yield from _file(L, "/lop-sx", b"0123456789")
    buf = bytearray(256)
    _statx(L, ring, 1, "/lop-sx", 0, STATX_BASIC_STATS, buf)
    yield from submit_and_reap(L, ring)
    L.record("statx", _fields(buf))
    buf = bytearray(256)
    _statx(L, ring, 2, "/lop-sx", 0, STATX_SIZE, buf)
    yield from submit_and_reap(L, ring)
    L.record("size only", _fields(buf, STATX_SIZE))
    fds = yield from new_pipe(L)
    _statx(L, ring, 3, "lop-sx", 0, STATX_BASIC_STATS, bytearray(256), dfd=fds[0])
    yield from submit_and_reap(L, ring)
    for f in fds:
        yield from L.close(f)
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-statx-empty-path", tags=(*TAGS, "statx", "file", "pipe"))
def lop_statx_empty_path(L: Any) -> Gen:
    """AT_EMPTY_PATH with an empty path describes the descriptor: a file opened by OPENAT and grown by a
    write (its new size), a pipe's read end (S_IFIFO); a descriptor not open is -EBADF; an empty path without
    AT_EMPTY_PATH -ENOENT."""
    ring = yield from new_ring(L, 8)
    fd = yield from _open_one(L, ring, 1, "/lop-sxe", L.O_CREAT | L.O_RDWR)
    if fd >= 0:
        yield from L.write(fd, b"abcdef", 6)
        buf = bytearray(256)
        _statx(L, ring, 2, "", AT_EMPTY_PATH, STATX_BASIC_STATS, buf, dfd=fd)
        yield from submit_and_reap(L, ring)
        L.record("file", _fields(buf))
        yield from L.close(fd)
    fds = yield from new_pipe(L)
    buf = bytearray(256)
    _statx(L, ring, 3, "", AT_EMPTY_PATH, STATX_BASIC_STATS, buf, dfd=fds[0])
    yield from submit_and_reap(L, ring)
    L.record("pipe type", _fields(buf)["type"])
    _statx(L, ring, 4, "", AT_EMPTY_PATH, STATX_BASIC_STATS, bytearray(256), dfd=999)
    yield from submit_and_reap(L, ring)
    _statx(L, ring, 5, "", 0, STATX_BASIC_STATS, bytearray(256), dfd=fds[0])
    yield from submit_and_reap(L, ring)
    for f in fds:
        yield from L.close(f)
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-statx-errors", tags=(*TAGS, "statx", "file"))
def lop_statx_errors(L: Any) -> Gen:
    """STATX errors: a missing file -ENOENT; STATX__RESERVED in the mask, AT_STATX_FORCE_SYNC with
    AT_STATX_DONT_SYNC, an unknown AT flag (1) -EINVAL; a NULL statx buffer or path -EFAULT; ``buf_index``
    non-zero -EINVAL; IOSQE_FIXED_FILE -EBADF."""
    ring = yield from new_ring(L, 16)
    yield from _file(L, "/lop-sxr", b"x")
    cases = (
        ("/lop-sx-missing", 0, STATX_BASIC_STATS, bytearray(256)),
        ("/lop-sxr", 0, 0x8000_0000, bytearray(256)),
        ("/lop-sxr", 0x6000, STATX_BASIC_STATS, bytearray(256)),
        ("/lop-sxr", 0x1, STATX_BASIC_STATS, bytearray(256)),
        ("/lop-sxr", 0, STATX_BASIC_STATS, 0),
        (0, 0, STATX_BASIC_STATS, bytearray(256)),
    )
    for ud, (path, flags, mask, buf) in enumerate(cases, start=1):
        _statx(L, ring, ud, path, flags, mask, buf)
        yield from submit_and_reap(L, ring)
    sqe = _statx(L, ring, 7, "/lop-sxr", 0, STATX_BASIC_STATS, bytearray(256))
    sqe.buf_index = 1
    yield from submit_and_reap(L, ring)
    _statx(L, ring, 8, "/lop-sxr", 0, STATX_BASIC_STATS, bytearray(256), sqe_flags=IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-statx-async", tags=(*TAGS, "statx", "file", "order", "link"))
def lop_statx_async(L: Any) -> Gen:
    """STATX always runs from io-wq: a NOP submitted after it completes first.  Linked after a WRITE through
    a fixed slot opened by OPENAT direct, it sees the size the WRITE left."""
    ring = yield from new_ring(L, 8)
    yield from _file(L, "/lop-sxa", b"abc")
    buf = bytearray(256)
    _statx(L, ring, 1, "/lop-sxa", 0, STATX_BASIC_STATS, buf)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_register_files_sparse(ring, 1)
    _direct(L, ring, 3, "/lop-sxa", L.O_RDWR, 0, sqe_flags=IOSQE_IO_LINK)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_write(sqe, 0, b"0123456789", 10, 0)
    L.io_uring_sqe_set_data64(sqe, 4)
    L.io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE | IOSQE_IO_LINK)
    buf = bytearray(256)
    _statx(L, ring, 5, "/lop-sxa", 0, STATX_BASIC_STATS, buf)
    yield from submit_and_reap(L, ring, 3)
    L.record("size", _fields(buf)["size"])
    yield from L.io_uring_queue_exit(ring)
