"""O_PATH descriptors, as liburing's close-opath test uses them, and what else works on one, written from
open(2) (O_PATH: "the file itself is not opened ... operations that act purely at the file descriptor
level" work, the others fail with EBADF), io_uring_prep_close(3) and io_uring_prep_openat(3); names
prefixed ``lop-path-``.

Two lookups decide (docs/objects.md): a descriptor used for I/O is found as ``fget`` / ``fdget`` find it,
which skip an O_PATH file (-EBADF, as if it were not open); close(2), IORING_OP_CLOSE and a directory
descriptor for a path walk use ``fdget_raw`` / ``file_close_fd``, which see it.  An O_PATH file put in a
registered slot by a direct open is used through it as it is: a file with neither FMODE_READ nor
FMODE_WRITE and no file operations."""

from __future__ import annotations

from typing import Any

from simuring.abi.epoll import epoll_event
from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    file_contents,
    make_file,
    new_pipe,
    new_ring,
    one_result,
    prep_named,
    reap_one,
    submit_and_reap,
)
from simuring.uapi import IORING_FILE_INDEX_ALLOC, IOSQE_FIXED_FILE

TAGS = ("liburing", "openat", "opath")
AT_FDCWD = -100
AT_EMPTY_PATH = 0x1000
STATX_BASIC_STATS = 0x7FF
O_DIRECTORY = 0o200000  # x86-64
S_IFMT = 0o170000
POLLIN = 0x001
POSIX_FADV_NORMAL = 0
XATTR_NAME = "user.lop"


def _open_op(L: Any, ring: Any, ud: int, path: str, flags: int, dfd: int = AT_FDCWD) -> Gen:
    """Submit one OPENAT and reap it: its result (a descriptor or -errno)."""
    return (yield from one_result(L, ring, ud, "io_uring_prep_openat", dfd, path, flags, 0o644))


def _statx_size_type(buf: bytearray) -> dict[str, int]:
    """A ``struct statx``'s file type and size."""
    return {"type": int.from_bytes(buf[28:30], "little") & S_IFMT, "size": int.from_bytes(buf[40:48], "little")}


@scenario("lop-path-close-opath", tags=(*TAGS, "file"))
def lop_path_close_opath(L: Any) -> Gen:
    """liburing's close-opath: a file opened with open(2) O_RDONLY and one opened O_PATH are both closed by
    io_uring_prep_close(3) with 0; the descriptor is gone afterwards (a second CLOSE is -EBADF)."""
    ring = yield from new_ring(L, 8)
    yield from make_file(L, "/lop-path-c", b"abc")
    for ud, flags in ((1, L.O_RDONLY), (3, L.O_PATH)):
        fd = yield from L.open("/lop-path-c", flags, 0)
        if fd < 0:
            continue
        yield from one_result(L, ring, ud, "io_uring_prep_close", fd)
        yield from one_result(L, ring, ud + 1, "io_uring_prep_close", fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-path-syscalls", tags=(*TAGS, "file"))
def lop_path_syscalls(L: Any) -> Gen:
    """open(2) with O_PATH of a regular file gives a descriptor on which read(2), write(2), lseek(2),
    ftruncate(2) and epoll_ctl(2) fail with EBADF, as for a descriptor not open; close(2) works; then the
    same descriptor number is closed (-EBADF)."""
    yield from make_file(L, "/lop-path-s", b"0123456789")
    fd = yield from L.open("/lop-path-s", L.O_PATH, 0)
    if fd < 0:
        return
    buf = bytearray(8)
    L.record("read", (yield from L.read(fd, buf, 8)))
    L.record("write", (yield from L.write(fd, b"x", 1)))
    L.record("lseek", (yield from L.lseek(fd, 0, L.SEEK_END)))
    L.record("ftruncate", (yield from L.ftruncate(fd, 0)))
    ep = yield from L.epoll_create1(0)
    if ep >= 0:
        L.record("epoll_ctl", (yield from L.epoll_ctl(ep, 1, fd, epoll_event(POLLIN, 1))))
        yield from L.close(ep)
    L.record("close", (yield from L.close(fd)))
    L.record("close again", (yield from L.close(fd)))


@scenario("lop-path-ops-ebadf", tags=(*TAGS, "file"))
def lop_path_ops_ebadf(L: Any) -> Gen:
    """A normal (not registered) O_PATH descriptor in an SQE's ``fd`` is -EBADF for every request that
    needs a file: READ, WRITE, READV, WRITEV, FSYNC, SYNC_FILE_RANGE, FADVISE, FTRUNCATE, FALLOCATE,
    POLL_ADD, FGETXATTR, FSETXATTR, SPLICE (either end), SEND, RECV; the file it names is untouched."""
    ring = yield from new_ring(L, 8)
    yield from make_file(L, "/lop-path-o", b"0123456789")
    fd = yield from L.open("/lop-path-o", L.O_PATH, 0)
    pipe = yield from new_pipe(L)
    if fd < 0:
        return
    buf = bytearray(8)
    ops: list[tuple[str, tuple[Any, ...]]] = [
        ("io_uring_prep_read", (fd, buf, 8, 0)),
        ("io_uring_prep_write", (fd, b"zz", 2, 0)),
        ("io_uring_prep_readv", (fd, [bytearray(4)], 1, 0)),
        ("io_uring_prep_writev", (fd, [b"zz"], 1, 0)),
        ("io_uring_prep_fsync", (fd, 0)),
        ("io_uring_prep_sync_file_range", (fd, 0, 0, 0)),
        ("io_uring_prep_fadvise", (fd, 0, 0, POSIX_FADV_NORMAL)),
        ("io_uring_prep_ftruncate", (fd, 0)),
        ("io_uring_prep_fallocate", (fd, 0, 0, 4096)),
        ("io_uring_prep_poll_add", (fd, POLLIN)),
        ("io_uring_prep_fgetxattr", (fd, XATTR_NAME, bytearray(16), 16)),
        ("io_uring_prep_fsetxattr", (fd, XATTR_NAME, b"v", 0, 1)),
        ("io_uring_prep_splice", (fd, 0, pipe[1], -1, 4, 0)),
        ("io_uring_prep_splice", (pipe[0], -1, fd, 0, 4, 0)),
        ("io_uring_prep_send", (fd, b"x", 1, 0)),
        ("io_uring_prep_recv", (fd, bytearray(4), 4, 0)),
    ]
    for ud, (name, args) in enumerate(ops, 1):
        yield from one_result(L, ring, ud, name, *args)
    L.record("contents", (yield from file_contents(L, "/lop-path-o")))
    for f in (fd, *pipe):
        yield from L.close(f)
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-path-openat", tags=(*TAGS, "file"))
def lop_path_openat(L: Any) -> Gen:
    """IORING_OP_OPENAT with O_PATH gives a descriptor that IORING_OP_CLOSE closes; the flags O_PATH does
    not keep are dropped (openat(2)): O_WRONLY | O_TRUNC neither needs write access nor empties the file
    (and O_PATH | O_RDWR of a directory is not -EISDIR), O_CREAT does not create (-ENOENT for a missing
    name), O_NONBLOCK and O_APPEND are ignored; O_DIRECTORY is kept (-ENOTDIR for a regular file)."""
    ring = yield from new_ring(L, 8)
    yield from make_file(L, "/lop-path-f", b"0123456789")
    yield from L.mkdir("/lop-path-d", 0o755)
    cases = (
        (1, "/lop-path-f", L.O_PATH),
        (3, "/lop-path-f", L.O_PATH | L.O_WRONLY | L.O_TRUNC),
        (5, "/lop-path-d", L.O_PATH | L.O_RDWR),
        (7, "/lop-path-f", L.O_PATH | L.O_NONBLOCK | L.O_APPEND | L.O_CLOEXEC),
        (9, "/lop-path-missing", L.O_PATH | L.O_CREAT),
        (11, "/lop-path-f", L.O_PATH | O_DIRECTORY),
        (13, "/lop-path-d", L.O_PATH | O_DIRECTORY),
    )
    for ud, path, flags in cases:
        fd = yield from _open_op(L, ring, ud, path, flags)
        if fd >= 0:
            L.record(f"fd {ud}", "fd")
            yield from one_result(L, ring, ud + 1, "io_uring_prep_close", fd)
    L.record("contents", (yield from file_contents(L, "/lop-path-f")))
    L.record("created", (yield from L.open("/lop-path-missing", L.O_RDONLY, 0)) >= 0)
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-path-dirfd", tags=(*TAGS, "file"))
def lop_path_dirfd(L: Any) -> Gen:
    """An O_PATH | O_DIRECTORY descriptor of a directory serves as the ``dfd`` of OPENAT and STATX for a
    relative name (the walk's ``fdget_raw`` sees it); an O_PATH descriptor of a regular file there is
    -ENOTDIR; STATX with AT_EMPTY_PATH and an empty name describes the O_PATH file itself (type, size)."""
    ring = yield from new_ring(L, 8)
    yield from L.mkdir("/lop-path-dd", 0o755)
    yield from make_file(L, "/lop-path-dd/in", b"inside")
    dfd = yield from L.open("/lop-path-dd", L.O_PATH | O_DIRECTORY, 0)
    ffd = yield from L.open("/lop-path-dd/in", L.O_PATH, 0)
    if dfd < 0 or ffd < 0:
        return
    fd = yield from _open_op(L, ring, 1, "in", L.O_RDONLY, dfd=dfd)
    if fd >= 0:
        buf = bytearray(8)
        L.record("read", (yield from L.read(fd, buf, 8)))
        L.record("data", bytes(buf[:6]))
        yield from L.close(fd)
    yield from _open_op(L, ring, 2, "in", L.O_RDONLY, dfd=ffd)
    buf = bytearray(256)
    yield from one_result(L, ring, 3, "io_uring_prep_statx", dfd, "in", 0, STATX_BASIC_STATS, buf)
    L.record("statx under dfd", _statx_size_type(buf))
    buf = bytearray(256)
    yield from one_result(L, ring, 4, "io_uring_prep_statx", ffd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, buf)
    L.record("statx of the O_PATH file", _statx_size_type(buf))
    buf = bytearray(256)
    yield from one_result(L, ring, 5, "io_uring_prep_statx", dfd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, buf)
    L.record("statx of the O_PATH dir", _statx_size_type(buf)["type"])
    yield from L.close(ffd)
    yield from L.close(dfd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-path-fifo", tags=(*TAGS, "fifo"))
def lop_path_fifo(L: Any) -> Gen:
    """O_PATH does not open the file itself: a FIFO with no other end opens at once with O_PATH, through
    open(2) and OPENAT, even with O_WRONLY (no -ENXIO) and without O_NONBLOCK (no wait)."""
    ring = yield from new_ring(L, 8)
    L.record("mkfifo", (yield from L.mkfifo("/lop-path-ff", 0o644)))
    fd = yield from L.open("/lop-path-ff", L.O_PATH | L.O_WRONLY, 0)
    L.record("open(2)", "fd" if fd >= 0 else fd)
    if fd >= 0:
        yield from L.close(fd)
    fd = yield from _open_op(L, ring, 1, "/lop-path-ff", L.O_PATH)
    if fd >= 0:
        yield from one_result(L, ring, 2, "io_uring_prep_close", fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-path-register", tags=(*TAGS, "file", "files"))
def lop_path_register(L: Any) -> Gen:
    """io_uring_register_files(3) of an O_PATH descriptor is -EBADF (each fd is taken with ``fget``), as is
    FILES_UPDATE, by the register command and by the opcode, into a sparse table."""
    ring = yield from new_ring(L, 8)
    yield from make_file(L, "/lop-path-r", b"abc")
    fd = yield from L.open("/lop-path-r", L.O_PATH, 0)
    if fd < 0:
        return
    yield from L.io_uring_register_files(ring, [fd], 1)
    yield from L.io_uring_register_files_sparse(ring, 2)
    yield from L.io_uring_register_files_update(ring, 0, [fd], 1)
    yield from one_result(L, ring, 1, "io_uring_prep_files_update", [fd], 1, 1)
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-path-direct", tags=(*TAGS, "file", "files"))
def lop_path_direct(L: Any) -> Gen:
    """A direct OPENAT with O_PATH puts the file in a registered slot (0; IORING_FILE_INDEX_ALLOC gives the
    slot), and used through it (IOSQE_FIXED_FILE) it is the file itself with no access mode and no file
    operations: READ and WRITE -EBADF, FSYNC, FADVISE, FTRUNCATE, FALLOCATE, POLL_ADD, FGETXATTR and SEND
    as the kernel answers them; FIXED_FD_INSTALL makes it a normal descriptor, which read(2) finds -EBADF;
    CLOSE of the slot works."""
    ring = yield from new_ring(L, 8)
    yield from make_file(L, "/lop-path-x", b"0123456789")
    yield from L.io_uring_register_files_sparse(ring, 4)
    prep_named(L, ring, 1, "io_uring_prep_openat_direct", AT_FDCWD, "/lop-path-x", L.O_PATH, 0, 0)
    yield from submit_and_reap(L, ring)
    prep_named(L, ring, 2, "io_uring_prep_openat_direct", AT_FDCWD, "/lop-path-x", L.O_PATH, 0, IORING_FILE_INDEX_ALLOC)
    yield from submit_and_reap(L, ring)
    buf = bytearray(8)
    ops: list[tuple[str, tuple[Any, ...]]] = [
        ("io_uring_prep_read", (0, buf, 8, 0)),
        ("io_uring_prep_write", (0, b"zz", 2, 0)),
        ("io_uring_prep_fsync", (0, 0)),
        ("io_uring_prep_fadvise", (0, 0, 0, POSIX_FADV_NORMAL)),
        ("io_uring_prep_ftruncate", (0, 0)),
        ("io_uring_prep_fallocate", (0, 0, 0, 4096)),
        ("io_uring_prep_poll_add", (0, POLLIN)),
        ("io_uring_prep_fgetxattr", (0, XATTR_NAME, bytearray(16), 16)),
        ("io_uring_prep_send", (0, b"x", 1, 0)),
    ]
    for ud, (name, args) in enumerate(ops, 10):
        yield from one_result(L, ring, ud, name, *args, sqe_flags=IOSQE_FIXED_FILE)
    prep_named(L, ring, 30, "io_uring_prep_fixed_fd_install", 0, 0)
    yield from L.io_uring_submit(ring)
    got = yield from reap_one(L, ring)
    if got is not None and got[1] >= 0:
        L.record("read(2) of the installed fd", (yield from L.read(got[1], bytearray(4), 4)))
        L.record("close(2) of the installed fd", (yield from L.close(got[1])))
    yield from one_result(L, ring, 31, "io_uring_prep_close_direct", 0)
    yield from one_result(L, ring, 32, "io_uring_prep_close_direct", 1)
    L.record("contents", (yield from file_contents(L, "/lop-path-x")))
    yield from L.io_uring_queue_exit(ring)


@scenario("lop-path-nofollow", tags=(*TAGS, "file", "fsops"))
def lop_path_nofollow(L: Any) -> Gen:
    """O_PATH | O_NOFOLLOW of a symbolic link opens the link itself (STATX with AT_EMPTY_PATH: S_IFLNK); O_PATH
    alone follows it to the file (S_IFREG); read(2) of either is
    -EBADF."""
    ring = yield from new_ring(L, 8)
    yield from make_file(L, "/lop-path-t", b"target")
    yield from one_result(L, ring, 1, "io_uring_prep_symlink", "/lop-path-t", "/lop-path-l")
    for ud, flags in ((2, L.O_PATH | L.O_NOFOLLOW), (4, L.O_PATH)):
        fd = yield from _open_op(L, ring, ud, "/lop-path-l", flags)
        if fd < 0:
            continue
        buf = bytearray(256)
        yield from one_result(L, ring, ud + 1, "io_uring_prep_statx", fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, buf)
        L.record(f"statx {ud}", int.from_bytes(buf[28:30], "little") & S_IFMT)
        L.record(f"read {ud}", (yield from L.read(fd, bytearray(4), 4)))
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)
