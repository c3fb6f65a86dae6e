"""MKDIRAT, UNLINKAT, RENAMEAT, SYMLINKAT and LINKAT as liburing's tests use them (mkdir, unlink, rename,
symlink, hardlink), written from the man pages (io_uring_prep_mkdirat(3), io_uring_prep_unlinkat(3),
io_uring_prep_renameat(3), io_uring_prep_symlinkat(3), io_uring_prep_linkat(3), mkdirat(2), unlinkat(2),
renameat2(2), symlinkat(2), linkat(2)); names prefixed ``lfs-``.

What each operation leaves is looked at afterwards through OPENAT, STATX (type, link count, size),
read(2) and readlink(2).  Paths are absolute, as in liburing_open.py: the real side moves them (a
symlink's absolute target too) inside the run's private directory, and reads such a target back as
the scenario wrote it.  A relative path is used only with a directory descriptor opened here."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    file_contents,
    make_file,
    new_pipe,
    new_ring,
    nop,
    reap_one,
    round_trip,
    submit_and_reap,
)
from simuring.uapi import IOSQE_ASYNC, IOSQE_CQE_SKIP_SUCCESS, IOSQE_FIXED_FILE, IOSQE_IO_LINK

TAGS = ("liburing", "fsops")
AT_FDCWD = -100
AT_REMOVEDIR = 0x200
AT_SYMLINK_NOFOLLOW = 0x100
AT_SYMLINK_FOLLOW = 0x400
AT_EMPTY_PATH = 0x1000
RENAME_NOREPLACE = 1
RENAME_EXCHANGE = 2
RENAME_WHITEOUT = 4
O_DIRECTORY = 0o200000  # x86-64
STATX_BASIC_STATS = 0x7FF
S_IFMT = 0o170000


def _q(L: Any, ring: Any, ud: int, prep: str, *args: Any, sqe_flags: int = 0) -> Any:
    """Queue one SQE made by liburing's helper ``prep`` with ``args``; the SQE."""
    sqe = L.io_uring_get_sqe(ring)
    getattr(L, prep)(sqe, *args)
    L.io_uring_sqe_set_data64(sqe, ud)
    if sqe_flags:
        L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def _one(L: Any, ring: Any, ud: int, prep: str, *args: Any, sqe_flags: int = 0) -> Gen:
    """Submit one SQE and reap its CQE (recorded); its result."""
    _q(L, ring, ud, prep, *args, sqe_flags=sqe_flags)
    yield from L.io_uring_submit(ring)
    got = yield from reap_one(L, ring)
    return -1 if got is None else got[1]


def _each(
    L: Any, ring: Any, cases: list[tuple[str, tuple[Any, ...], dict[str, Any]]], first_ud: int = 1
) -> Gen:
    """Submit and reap each ``(prep, args, sqe field overrides)`` in turn, user_data counting up."""
    for ud, (prep, args, fields) in enumerate(cases, start=first_ud):
        sqe = _q(L, ring, ud, prep, *args)
        for name, value in fields.items():
            setattr(sqe, name, value)
        yield from submit_and_reap(L, ring)


def _stat(L: Any, ring: Any, ud: int, path: str, flags: int = 0, dfd: int = AT_FDCWD) -> Gen:
    """STATX of ``path``: the error, or the file type, link count and size."""
    buf = bytearray(256)
    res = yield from _one(
        L, ring, ud, "io_uring_prep_statx", dfd, path, flags, STATX_BASIC_STATS, buf
    )
    if res < 0:
        return res
    return {
        "type": oct(int.from_bytes(buf[28:30], "little") & S_IFMT),
        "nlink": int.from_bytes(buf[16:20], "little"),
        "size": int.from_bytes(buf[40:48], "little"),
    }


def _ino(L: Any, ring: Any, ud: int, path: str) -> Gen:
    """STATX's inode number of ``path`` (compared, never recorded: the numbers differ between sides)."""
    buf = bytearray(256)
    yield from _one(
        L,
        ring,
        ud,
        "io_uring_prep_statx",
        AT_FDCWD,
        path,
        AT_SYMLINK_NOFOLLOW,
        STATX_BASIC_STATS,
        buf,
    )
    return int.from_bytes(buf[32:40], "little")


def _readlink(L: Any, path: str, size: int = 64) -> Gen:
    """readlink(2) of ``path``: the target's bytes, or the error."""
    buf = bytearray(max(size, 1))
    n = yield from L.readlink(path, buf, size)
    return bytes(buf[:n]) if n >= 0 else n


# -- MKDIRAT ---------------------------------------------------------------------------------------


@scenario("lfs-mkdir-basic", tags=(*TAGS, "mkdir", "file"))
def lfs_mkdir_basic(L: Any) -> Gen:
    """io_uring_prep_mkdir(3) makes a directory (0): STATX says S_IFDIR with two links; a second MKDIRAT of
    the name is -EEXIST; an OPENAT with O_CREAT inside it creates a file there, which open(2) reads back;
    a subdirectory adds a link to its parent."""
    ring = yield from new_ring(L, 8)
    yield from _one(L, ring, 1, "io_uring_prep_mkdir", "/lfs-d", 0o755)
    L.record("dir", (yield from _stat(L, ring, 2, "/lfs-d")))
    yield from _one(L, ring, 3, "io_uring_prep_mkdir", "/lfs-d", 0o755)
    fd = yield from _one(
        L, ring, 4, "io_uring_prep_openat", AT_FDCWD, "/lfs-d/f", L.O_CREAT | L.O_RDWR, 0o644
    )
    if fd >= 0:
        yield from L.write(fd, b"inside", 6)
        yield from L.close(fd)
    L.record("contents", (yield from file_contents(L, "/lfs-d/f")))
    yield from _one(L, ring, 5, "io_uring_prep_mkdirat", AT_FDCWD, "/lfs-d/sub", 0o700)
    L.record("parent links", (yield from _stat(L, ring, 6, "/lfs-d"))["nlink"])
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-mkdir-errors", tags=(*TAGS, "mkdir", "file"))
def lfs_mkdir_errors(L: Any) -> Gen:
    """MKDIRAT errors from the walk and the last name: a missing parent -ENOENT; a file as a parent
    -ENOTDIR; an existing file, the root, ``dir/.`` and ``dir/..`` -EEXIST; a trailing slash is fine
    (the directory is made)."""
    ring = yield from new_ring(L, 8)
    yield from make_file(L, "/lfs-me-f")
    yield from L.mkdir("/lfs-me-d", 0o755)
    for ud, path in enumerate(
        (
            "/lfs-me-none/x",
            "/lfs-me-f/x",
            "/lfs-me-f",
            "/",
            "/lfs-me-d/.",
            "/lfs-me-d/..",
            "/lfs-me-new/",
        ),
        start=1,
    ):
        yield from _one(L, ring, ud, "io_uring_prep_mkdir", path, 0o755)
    L.record("made", (yield from _stat(L, ring, 8, "/lfs-me-new")))
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-mkdir-prep", tags=(*TAGS, "mkdir", "prep"))
def lfs_mkdir_prep(L: Any) -> Gen:
    """MKDIRAT's prep checks: ``off``, the op flags, ``buf_index`` or ``splice_fd_in`` non-zero -EINVAL;
    IOSQE_FIXED_FILE -EBADF; a NULL path -EFAULT; an empty one -ENOENT; 4096 bytes -ENAMETOOLONG.  Any mode
    in ``len`` is accepted (0o7777 | 1 << 20 makes the directory)."""
    ring = yield from new_ring(L, 8)
    mk = "io_uring_prep_mkdir"
    yield from _each(L, ring, [
        (mk, ("/lfs-mp", 0o755), {"off": 1}),
        (mk, ("/lfs-mp", 0o755), {"rw_flags": 1}),
        (mk, ("/lfs-mp", 0o755), {"buf_index": 1}),
        (mk, ("/lfs-mp", 0o755), {"splice_fd_in": 1}),
        (mk, ("/lfs-mp", 0o755), {"flags": IOSQE_FIXED_FILE}),
        (mk, (0, 0o755), {}),
        (mk, ("", 0o755), {}),
        (mk, ("/" + "a" * 4095, 0o755), {}),
        (mk, ("/lfs-mp", 0o7777 | 1 << 20), {}),
    ])  # fmt: skip
    L.record("made", (yield from _stat(L, ring, 10, "/lfs-mp"))["type"])
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-dirfd", tags=(*TAGS, "mkdir", "openat", "file"))
def lfs_dirfd(L: Any) -> Gen:
    """A directory opened by OPENAT with O_DIRECTORY is a ``dfd``: MKDIRAT, SYMLINKAT, RENAMEAT, LINKAT and
    UNLINKAT with relative paths act inside it, and an OPENAT relative to it sees what they left; a pipe
    as ``dfd`` is -ENOTDIR, a descriptor not open -EBADF; an absolute path ignores the pipe."""
    ring = yield from new_ring(L, 16)
    yield from L.mkdir("/lfs-dfd", 0o755)
    dfd = yield from _one(
        L, ring, 1, "io_uring_prep_openat", AT_FDCWD, "/lfs-dfd", L.O_RDONLY | O_DIRECTORY, 0
    )
    fds = yield from new_pipe(L)
    if dfd >= 0:
        yield from _one(L, ring, 2, "io_uring_prep_mkdirat", dfd, "sub", 0o755)
        yield from make_file(L, "/lfs-dfd/sub/f", b"rel")
        yield from _one(L, ring, 3, "io_uring_prep_symlinkat", "sub/f", dfd, "ln")
        yield from _one(L, ring, 4, "io_uring_prep_renameat", dfd, "ln", dfd, "ln2", 0)
        yield from _one(
            L, ring, 5, "io_uring_prep_linkat", dfd, "sub/f", AT_FDCWD, "/lfs-dfd/hard", 0
        )
        fd = yield from _one(L, ring, 6, "io_uring_prep_openat", dfd, "ln2", L.O_RDONLY, 0)
        if fd >= 0:
            buf = bytearray(8)
            L.record("through link", bytes(buf[: (yield from L.read(fd, buf, 8))]))
            yield from L.close(fd)
        L.record("readlink", (yield from _readlink(L, "/lfs-dfd/ln2")))
        L.record("hard", (yield from _stat(L, ring, 7, "/lfs-dfd/hard")))
        yield from _one(L, ring, 8, "io_uring_prep_unlinkat", dfd, "hard", 0)
        yield from _one(L, ring, 9, "io_uring_prep_unlinkat", dfd, "sub", AT_REMOVEDIR)
        yield from L.close(dfd)
    yield from _one(L, ring, 10, "io_uring_prep_mkdirat", fds[0], "x", 0o755)
    yield from _one(L, ring, 11, "io_uring_prep_mkdirat", 999, "x", 0o755)
    yield from _one(L, ring, 12, "io_uring_prep_mkdirat", fds[0], "/lfs-dfd-abs", 0o755)
    for f in fds:
        yield from L.close(f)
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-open-dir", tags=(*TAGS, "openat", "file"))
def lfs_open_dir(L: Any) -> Gen:
    """OPENAT of a directory: O_RDONLY gives a descriptor (read(2) on it is -EISDIR); O_RDWR, O_WRONLY,
    O_CREAT and O_RDONLY | O_TRUNC are -EISDIR; O_DIRECTORY on a file -ENOTDIR; a file as a path
    component -ENOTDIR; a name ending in '/' that is a file -ENOTDIR; O_CREAT in a missing directory
    -ENOENT (open(2) too)."""
    ring = yield from new_ring(L, 8)
    yield from L.mkdir("/lfs-od", 0o755)
    yield from make_file(L, "/lfs-od/f", b"x")
    fd = yield from _one(L, ring, 1, "io_uring_prep_openat", AT_FDCWD, "/lfs-od", L.O_RDONLY, 0)
    if fd >= 0:
        L.record("read dir", (yield from L.read(fd, bytearray(8), 8)))
        yield from L.close(fd)
    cases = ((L.O_RDWR, "/lfs-od"), (L.O_WRONLY, "/lfs-od"), (L.O_CREAT | L.O_RDONLY, "/lfs-od"),
             (L.O_RDONLY | L.O_TRUNC, "/lfs-od"), (L.O_RDONLY | O_DIRECTORY, "/lfs-od/f"), (L.O_RDONLY, "/lfs-od/f/x"),
             (L.O_RDONLY, "/lfs-od/f/"), (L.O_CREAT | L.O_RDWR, "/lfs-od-none/f"))  # fmt: skip
    for ud, (flags, path) in enumerate(cases, start=2):
        got = yield from _one(L, ring, ud, "io_uring_prep_openat", AT_FDCWD, path, flags, 0o644)
        if got >= 0:
            yield from L.close(got)
    L.record(
        "open(2) in missing dir", (yield from L.open("/lfs-od-none/g", L.O_CREAT | L.O_RDWR, 0o644))
    )
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-dots", tags=(*TAGS, "mkdir", "file"))
def lfs_dots(L: Any) -> Gen:
    """``.`` and ``..`` inside a path: MKDIRAT of ``/a/b/../c`` makes ``/a/c``; STATX of ``/a/./c`` and of
    ``/a/c/../b`` find the directories; a doubled slash is one separator."""
    ring = yield from new_ring(L, 8)
    yield from L.mkdir("/lfs-dot", 0o755)
    yield from L.mkdir("/lfs-dot/b", 0o755)
    yield from _one(L, ring, 1, "io_uring_prep_mkdir", "/lfs-dot/b/../c", 0o755)
    L.record("c", (yield from _stat(L, ring, 2, "/lfs-dot/./c")))
    L.record("b", (yield from _stat(L, ring, 3, "/lfs-dot/c/../b")))
    yield from _one(L, ring, 4, "io_uring_prep_mkdir", "/lfs-dot//c//d", 0o755)
    L.record("d", (yield from _stat(L, ring, 5, "/lfs-dot/c/d")))
    yield from L.io_uring_queue_exit(ring)


# -- UNLINKAT --------------------------------------------------------------------------------------


@scenario("lfs-unlink-file", tags=(*TAGS, "unlink", "file"))
def lfs_unlink_file(L: Any) -> Gen:
    """io_uring_prep_unlink(3) of a file: 0; OPENAT of the name is then -ENOENT and a second UNLINKAT
    -ENOENT; a symlink is removed itself, its target stays."""
    ring = yield from new_ring(L, 8)
    yield from make_file(L, "/lfs-u", b"gone")
    yield from _one(L, ring, 1, "io_uring_prep_unlink", "/lfs-u", 0)
    yield from _one(L, ring, 2, "io_uring_prep_openat", AT_FDCWD, "/lfs-u", L.O_RDONLY, 0)
    yield from _one(L, ring, 3, "io_uring_prep_unlinkat", AT_FDCWD, "/lfs-u", 0)
    yield from make_file(L, "/lfs-u-t", b"target")
    yield from _one(L, ring, 4, "io_uring_prep_symlink", "/lfs-u-t", "/lfs-u-l")
    yield from _one(L, ring, 5, "io_uring_prep_unlink", "/lfs-u-l", 0)
    L.record("link", (yield from _readlink(L, "/lfs-u-l")))
    L.record("target", (yield from file_contents(L, "/lfs-u-t")))
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-unlink-errors", tags=(*TAGS, "unlink", "file"))
def lfs_unlink_errors(L: Any) -> Gen:
    """UNLINKAT (no flags) errors: a directory -EISDIR (and with a trailing slash); a file with a trailing
    slash -ENOTDIR; a missing name (with a slash too) -ENOENT; a missing parent -ENOENT; a file as a parent
    -ENOTDIR; ``dir/.`` -EISDIR; a symlink to a directory with a trailing slash -ENOTDIR."""
    ring = yield from new_ring(L, 16)
    yield from L.mkdir("/lfs-ue-d", 0o755)
    yield from make_file(L, "/lfs-ue-f")
    yield from _one(L, ring, 1, "io_uring_prep_symlink", "/lfs-ue-d", "/lfs-ue-l")
    paths = ("/lfs-ue-d", "/lfs-ue-d/", "/lfs-ue-f/", "/lfs-ue-none", "/lfs-ue-none/", "/lfs-ue-none/x",
             "/lfs-ue-f/x", "/lfs-ue-d/.", "/lfs-ue-l/")  # fmt: skip
    for ud, path in enumerate(paths, start=2):
        yield from _one(L, ring, ud, "io_uring_prep_unlink", path, 0)
    L.record("dir kept", (yield from _stat(L, ring, 20, "/lfs-ue-d"))["type"])
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-rmdir", tags=(*TAGS, "unlink", "file"))
def lfs_rmdir(L: Any) -> Gen:
    """UNLINKAT with AT_REMOVEDIR: a directory holding a file -ENOTEMPTY; a file -ENOTDIR; ``dir/.``
    -EINVAL; ``dir/..`` -ENOTEMPTY; a missing one -ENOENT; a symlink to a directory -ENOTDIR; once emptied,
    0 (with a trailing slash), and STATX then finds nothing."""
    ring = yield from new_ring(L, 16)
    yield from L.mkdir("/lfs-rd", 0o755)
    yield from make_file(L, "/lfs-rd/f")
    yield from _one(L, ring, 1, "io_uring_prep_symlink", "/lfs-rd", "/lfs-rd-l")
    for ud, path in enumerate(
        ("/lfs-rd", "/lfs-rd/f", "/lfs-rd/.", "/lfs-rd/..", "/lfs-rd-none", "/lfs-rd-l"), start=2
    ):
        yield from _one(L, ring, ud, "io_uring_prep_unlink", path, AT_REMOVEDIR)
    yield from _one(L, ring, 8, "io_uring_prep_unlink", "/lfs-rd/f", 0)
    yield from _one(L, ring, 9, "io_uring_prep_unlinkat", AT_FDCWD, "/lfs-rd/", AT_REMOVEDIR)
    yield from _stat(L, ring, 10, "/lfs-rd")
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-unlink-prep", tags=(*TAGS, "unlink", "prep"))
def lfs_unlink_prep(L: Any) -> Gen:
    """UNLINKAT's prep checks: a flag other than AT_REMOVEDIR (AT_SYMLINK_NOFOLLOW, 1 << 31) -EINVAL;
    ``off``, ``len``, ``buf_index``, ``splice_fd_in`` non-zero -EINVAL; IOSQE_FIXED_FILE -EBADF; a NULL path
    -EFAULT; an empty one -ENOENT.  The file is still there afterwards."""
    ring = yield from new_ring(L, 8)
    yield from make_file(L, "/lfs-up", b"kept")
    un = "io_uring_prep_unlink"
    yield from _each(L, ring, [
        (un, ("/lfs-up", AT_SYMLINK_NOFOLLOW), {}),
        (un, ("/lfs-up", 1 << 31), {}),
        (un, ("/lfs-up", 0), {"off": 1}),
        (un, ("/lfs-up", 0), {"len": 1}),
        (un, ("/lfs-up", 0), {"buf_index": 1}),
        (un, ("/lfs-up", 0), {"splice_fd_in": 1}),
        (un, ("/lfs-up", 0), {"flags": IOSQE_FIXED_FILE}),
        (un, (0, 0), {}),
        (un, ("", 0), {}),
    ])  # fmt: skip
    L.record("contents", (yield from file_contents(L, "/lfs-up")))
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-unlink-open-file", tags=(*TAGS, "unlink", "statx", "file"))
def lfs_unlink_open_file(L: Any) -> Gen:
    """Unlinking an open file removes the name only: the descriptor still reads and writes the bytes, STATX
    through it (AT_EMPTY_PATH) says no links are left, the name is -ENOENT, and a new file of the same name
    is a different, empty one."""
    ring = yield from new_ring(L, 8)
    fd = yield from L.open("/lfs-uo", L.O_CREAT | L.O_RDWR, 0o644)
    yield from L.write(fd, b"still", 5)
    yield from _one(L, ring, 1, "io_uring_prep_unlink", "/lfs-uo", 0)
    L.record("write after", (yield from L.write(fd, b"-here", 5)))
    yield from L.lseek(fd, 0, L.SEEK_SET)
    buf = bytearray(16)
    L.record("read after", bytes(buf[: (yield from L.read(fd, buf, 16))]))
    L.record("fstat", (yield from _stat(L, ring, 2, "", AT_EMPTY_PATH, dfd=fd)))
    yield from _stat(L, ring, 3, "/lfs-uo")
    yield from make_file(L, "/lfs-uo", b"")
    L.record("new file", (yield from _stat(L, ring, 4, "/lfs-uo")))
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


# -- RENAMEAT --------------------------------------------------------------------------------------


@scenario("lfs-rename-file", tags=(*TAGS, "rename", "file"))
def lfs_rename_file(L: Any) -> Gen:
    """io_uring_prep_rename(3) of a file to a new name: 0; the old name is -ENOENT, the new one has the
    bytes; renaming over an existing file replaces it (its bytes gone, one link); into a subdirectory works
    too."""
    ring = yield from new_ring(L, 8)
    yield from make_file(L, "/lfs-rf-a", b"alpha")
    yield from make_file(L, "/lfs-rf-b", b"beta")
    yield from L.mkdir("/lfs-rf-d", 0o755)
    yield from _one(L, ring, 1, "io_uring_prep_rename", "/lfs-rf-a", "/lfs-rf-c")
    L.record("old", (yield from file_contents(L, "/lfs-rf-a")))
    L.record("new", (yield from file_contents(L, "/lfs-rf-c")))
    yield from _one(L, ring, 2, "io_uring_prep_rename", "/lfs-rf-c", "/lfs-rf-b")
    L.record("replaced", (yield from file_contents(L, "/lfs-rf-b")))
    L.record("replaced stat", (yield from _stat(L, ring, 3, "/lfs-rf-b")))
    yield from _one(
        L, ring, 4, "io_uring_prep_renameat", AT_FDCWD, "/lfs-rf-b", AT_FDCWD, "/lfs-rf-d/b", 0
    )
    L.record("moved", (yield from file_contents(L, "/lfs-rf-d/b")))
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-rename-flags", tags=(*TAGS, "rename", "file"))
def lfs_rename_flags(L: Any) -> Gen:
    """renameat2(2)'s flags: RENAME_NOREPLACE onto an existing name -EEXIST (nothing moves), onto a free one
    0; RENAME_EXCHANGE swaps two files' names (each reads the other's bytes), and onto a missing name is
    -ENOENT; NOREPLACE | EXCHANGE, EXCHANGE | WHITEOUT and an unknown bit (8) are -EINVAL at issue."""
    ring = yield from new_ring(L, 16)
    yield from make_file(L, "/lfs-rx-a", b"aaa")
    yield from make_file(L, "/lfs-rx-b", b"bbb")
    rn = "io_uring_prep_renameat"
    yield from _one(L, ring, 1, rn, AT_FDCWD, "/lfs-rx-a", AT_FDCWD, "/lfs-rx-b", RENAME_NOREPLACE)
    L.record("b kept", (yield from file_contents(L, "/lfs-rx-b")))
    yield from _one(L, ring, 2, rn, AT_FDCWD, "/lfs-rx-a", AT_FDCWD, "/lfs-rx-c", RENAME_NOREPLACE)
    yield from _one(L, ring, 3, rn, AT_FDCWD, "/lfs-rx-c", AT_FDCWD, "/lfs-rx-b", RENAME_EXCHANGE)
    L.record("c after exchange", (yield from file_contents(L, "/lfs-rx-c")))
    L.record("b after exchange", (yield from file_contents(L, "/lfs-rx-b")))
    yield from _one(
        L, ring, 4, rn, AT_FDCWD, "/lfs-rx-c", AT_FDCWD, "/lfs-rx-none", RENAME_EXCHANGE
    )
    for ud, flags in (
        (5, RENAME_NOREPLACE | RENAME_EXCHANGE),
        (6, RENAME_EXCHANGE | RENAME_WHITEOUT),
        (7, 8),
    ):
        yield from _one(L, ring, ud, rn, AT_FDCWD, "/lfs-rx-c", AT_FDCWD, "/lfs-rx-d", flags)
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-rename-whiteout", tags=(*TAGS, "rename", "statx", "file"))
def lfs_rename_whiteout(L: Any) -> Gen:
    """RENAME_WHITEOUT moves the file and leaves a whiteout, a character device, at the old name (STATX
    with AT_SYMLINK_NOFOLLOW sees S_IFCHR); UNLINKAT removes it.  WHITEOUT | NOREPLACE onto a free name
    works too."""
    ring = yield from new_ring(L, 8)
    yield from make_file(L, "/lfs-rw-a", b"moved")
    yield from _one(
        L,
        ring,
        1,
        "io_uring_prep_renameat",
        AT_FDCWD,
        "/lfs-rw-a",
        AT_FDCWD,
        "/lfs-rw-b",
        RENAME_WHITEOUT,
    )
    L.record("new", (yield from file_contents(L, "/lfs-rw-b")))
    L.record("old type", (yield from _stat(L, ring, 2, "/lfs-rw-a", AT_SYMLINK_NOFOLLOW))["type"])
    yield from _one(L, ring, 3, "io_uring_prep_unlink", "/lfs-rw-a", 0)
    flags = RENAME_WHITEOUT | RENAME_NOREPLACE
    yield from _one(
        L, ring, 4, "io_uring_prep_renameat", AT_FDCWD, "/lfs-rw-b", AT_FDCWD, "/lfs-rw-c", flags
    )
    L.record("c", (yield from file_contents(L, "/lfs-rw-c")))
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-rename-dir", tags=(*TAGS, "rename", "file"))
def lfs_rename_dir(L: Any) -> Gen:
    """RENAMEAT of a directory moves what is inside it: a file and a subdirectory's file read through the
    new name, the old name is -ENOENT; a directory onto an empty directory replaces it; RENAME_EXCHANGE
    swaps a directory with a file."""
    ring = yield from new_ring(L, 8)
    yield from L.mkdir("/lfs-rdd", 0o755)
    yield from L.mkdir("/lfs-rdd/sub", 0o755)
    yield from make_file(L, "/lfs-rdd/f", b"top")
    yield from make_file(L, "/lfs-rdd/sub/g", b"deep")
    yield from L.mkdir("/lfs-rdd-empty", 0o755)
    yield from _one(L, ring, 1, "io_uring_prep_rename", "/lfs-rdd", "/lfs-rdd2")
    L.record("f", (yield from file_contents(L, "/lfs-rdd2/f")))
    L.record("g", (yield from file_contents(L, "/lfs-rdd2/sub/g")))
    yield from _stat(L, ring, 2, "/lfs-rdd/f")
    yield from _one(L, ring, 3, "io_uring_prep_rename", "/lfs-rdd2", "/lfs-rdd-empty")
    L.record("over empty", (yield from file_contents(L, "/lfs-rdd-empty/sub/g")))
    yield from make_file(L, "/lfs-rdd-file", b"plain")
    yield from _one(
        L,
        ring,
        4,
        "io_uring_prep_renameat",
        AT_FDCWD,
        "/lfs-rdd-empty",
        AT_FDCWD,
        "/lfs-rdd-file",
        RENAME_EXCHANGE,
    )
    L.record("swapped dir", (yield from file_contents(L, "/lfs-rdd-file/f")))
    L.record("swapped file", (yield from file_contents(L, "/lfs-rdd-empty")))
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-rename-errors", tags=(*TAGS, "rename", "file"))
def lfs_rename_errors(L: Any) -> Gen:
    """RENAMEAT errors: a missing source -ENOENT; a missing target directory -ENOENT; a directory into
    itself -EINVAL; onto its own ancestor -ENOTEMPTY (with RENAME_EXCHANGE -EINVAL); a file over a
    directory -EISDIR; a directory over a file -ENOTDIR; over a non-empty directory -ENOTEMPTY; a file
    named with a trailing slash, as source or target, -ENOTDIR; ``.`` as the source -EBUSY, as the target
    -EBUSY (-EEXIST with RENAME_NOREPLACE)."""
    ring = yield from new_ring(L, 16)
    yield from L.mkdir("/lfs-re", 0o755)
    yield from L.mkdir("/lfs-re/sub", 0o755)
    yield from L.mkdir("/lfs-re2", 0o755)
    yield from make_file(L, "/lfs-re2/x")
    yield from make_file(L, "/lfs-re-f")
    rn = "io_uring_prep_renameat"
    cases = (("/lfs-re-none", "/lfs-re-n2", 0), ("/lfs-re-f", "/lfs-re-none/f", 0), ("/lfs-re", "/lfs-re/sub/in", 0),
             ("/lfs-re/sub", "/lfs-re", 0), ("/lfs-re/sub", "/lfs-re", RENAME_EXCHANGE), ("/lfs-re-f", "/lfs-re", 0),
             ("/lfs-re", "/lfs-re-f", 0), ("/lfs-re", "/lfs-re2", 0), ("/lfs-re-f/", "/lfs-re-g", 0),
             ("/lfs-re-f", "/lfs-re-g/", 0), ("/lfs-re/.", "/lfs-re-g", 0), ("/lfs-re-f", "/lfs-re/.", 0),
             ("/lfs-re-f", "/lfs-re/.", RENAME_NOREPLACE))  # fmt: skip
    for ud, (old, new, flags) in enumerate(cases, start=1):
        yield from _one(L, ring, ud, rn, AT_FDCWD, old, AT_FDCWD, new, flags)
    L.record("file kept", (yield from _stat(L, ring, 20, "/lfs-re-f"))["type"])
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-rename-same-inode", tags=(*TAGS, "rename", "link", "file"))
def lfs_rename_same_inode(L: Any) -> Gen:
    """Renaming a name onto itself is 0 (with RENAME_EXCHANGE too, -EEXIST with RENAME_NOREPLACE); renaming
    onto another hard link of the same file is 0 and leaves both names (two links)."""
    ring = yield from new_ring(L, 8)
    yield from make_file(L, "/lfs-rs", b"same")
    rn = "io_uring_prep_renameat"
    for ud, flags in ((1, 0), (2, RENAME_EXCHANGE), (3, RENAME_NOREPLACE)):
        yield from _one(L, ring, ud, rn, AT_FDCWD, "/lfs-rs", AT_FDCWD, "/lfs-rs", flags)
    yield from _one(L, ring, 4, "io_uring_prep_link", "/lfs-rs", "/lfs-rs2", 0)
    yield from _one(L, ring, 5, "io_uring_prep_rename", "/lfs-rs", "/lfs-rs2")
    L.record("old", (yield from _stat(L, ring, 6, "/lfs-rs")))
    L.record("new", (yield from _stat(L, ring, 7, "/lfs-rs2")))
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-rename-prep", tags=(*TAGS, "rename", "prep"))
def lfs_rename_prep(L: Any) -> Gen:
    """RENAMEAT's prep checks: ``buf_index`` or ``splice_fd_in`` non-zero -EINVAL; IOSQE_FIXED_FILE -EBADF; a
    NULL old or new path -EFAULT, an empty one -ENOENT.  ``off`` holds the new path and the flags are not
    looked at before the issue (an unknown flag is the CQE's -EINVAL)."""
    ring = yield from new_ring(L, 8)
    yield from make_file(L, "/lfs-rp", b"")
    rn = "io_uring_prep_renameat"
    yield from _each(L, ring, [
        (rn, (AT_FDCWD, "/lfs-rp", AT_FDCWD, "/lfs-rp2", 0), {"buf_index": 1}),
        (rn, (AT_FDCWD, "/lfs-rp", AT_FDCWD, "/lfs-rp2", 0), {"splice_fd_in": 1}),
        (rn, (AT_FDCWD, "/lfs-rp", AT_FDCWD, "/lfs-rp2", 0), {"flags": IOSQE_FIXED_FILE}),
        (rn, (AT_FDCWD, 0, AT_FDCWD, "/lfs-rp2", 0), {}),
        (rn, (AT_FDCWD, "/lfs-rp", AT_FDCWD, 0, 0), {}),
        (rn, (AT_FDCWD, "", AT_FDCWD, "/lfs-rp2", 0), {}),
        (rn, (AT_FDCWD, "/lfs-rp", AT_FDCWD, "", 0), {}),
        (rn, (AT_FDCWD, "/lfs-rp", AT_FDCWD, "/lfs-rp2", 1 << 31), {}),
    ])  # fmt: skip
    yield from _stat(L, ring, 9, "/lfs-rp2")
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-rename-dfd", tags=(*TAGS, "rename", "file", "pipe"))
def lfs_rename_dfd(L: Any) -> Gen:
    """RENAMEAT's two directory descriptors (``fd`` and ``len``): a relative old path with a pipe is -ENOTDIR,
    a relative new path with a descriptor not open -EBADF; the old walk's -ENOENT comes before the new
    descriptor's -EBADF; absolute paths ignore both."""
    ring = yield from new_ring(L, 8)
    yield from make_file(L, "/lfs-rdf", b"")
    fds = yield from new_pipe(L)
    rn = "io_uring_prep_renameat"
    yield from _one(L, ring, 1, rn, fds[0], "lfs-rdf", AT_FDCWD, "/lfs-rdf2", 0)
    yield from _one(L, ring, 2, rn, AT_FDCWD, "/lfs-rdf", 999, "lfs-rdf2", 0)
    yield from _one(L, ring, 3, rn, AT_FDCWD, "/lfs-rdf-none", 999, "lfs-rdf2", 0)
    yield from _one(L, ring, 4, rn, fds[0], "/lfs-rdf", 999, "/lfs-rdf2", 0)
    L.record("moved", (yield from _stat(L, ring, 5, "/lfs-rdf2"))["type"])
    for f in fds:
        yield from L.close(f)
    yield from L.io_uring_queue_exit(ring)


# -- SYMLINKAT -------------------------------------------------------------------------------------


@scenario("lfs-symlink-basic", tags=(*TAGS, "symlink", "statx", "file"))
def lfs_symlink_basic(L: Any) -> Gen:
    """io_uring_prep_symlink(3): 0; readlink(2) gives the target back (a relative one, an absolute one, cut
    to a short buffer); STATX with AT_SYMLINK_NOFOLLOW says S_IFLNK of the target's length, without it the
    file's type and size; OPENAT through the link reads the file."""
    ring = yield from new_ring(L, 8)
    yield from L.mkdir("/lfs-sb", 0o755)
    yield from make_file(L, "/lfs-sb/file", b"0123456789")
    yield from _one(L, ring, 1, "io_uring_prep_symlink", "file", "/lfs-sb/rel")
    yield from _one(L, ring, 2, "io_uring_prep_symlinkat", "/lfs-sb/file", AT_FDCWD, "/lfs-sb/abs")
    L.record("rel", (yield from _readlink(L, "/lfs-sb/rel")))
    L.record("abs", (yield from _readlink(L, "/lfs-sb/abs")))
    L.record("short", (yield from _readlink(L, "/lfs-sb/abs", 4)))
    L.record("nofollow", (yield from _stat(L, ring, 3, "/lfs-sb/rel", AT_SYMLINK_NOFOLLOW)))
    L.record("follow", (yield from _stat(L, ring, 4, "/lfs-sb/abs")))
    fd = yield from _one(L, ring, 5, "io_uring_prep_openat", AT_FDCWD, "/lfs-sb/rel", L.O_RDONLY, 0)
    if fd >= 0:
        buf = bytearray(16)
        L.record("read", bytes(buf[: (yield from L.read(fd, buf, 16))]))
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-symlink-dangling", tags=(*TAGS, "symlink", "file"))
def lfs_symlink_dangling(L: Any) -> Gen:
    """A symlink to a missing name is made all the same (the target is not checked); OPENAT through it is
    -ENOENT, STATX -ENOENT but with AT_SYMLINK_NOFOLLOW 0; OPENAT with O_CREAT through it creates the
    target, which then reads through both names."""
    ring = yield from new_ring(L, 8)
    yield from _one(L, ring, 1, "io_uring_prep_symlink", "/lfs-sd-t", "/lfs-sd-l")
    yield from _one(L, ring, 2, "io_uring_prep_openat", AT_FDCWD, "/lfs-sd-l", L.O_RDONLY, 0)
    yield from _stat(L, ring, 3, "/lfs-sd-l")
    L.record("nofollow", (yield from _stat(L, ring, 4, "/lfs-sd-l", AT_SYMLINK_NOFOLLOW))["type"])
    fd = yield from _one(
        L, ring, 5, "io_uring_prep_openat", AT_FDCWD, "/lfs-sd-l", L.O_CREAT | L.O_WRONLY, 0o644
    )
    if fd >= 0:
        yield from L.write(fd, b"made", 4)
        yield from L.close(fd)
    L.record("target", (yield from file_contents(L, "/lfs-sd-t")))
    yield from _one(
        L,
        ring,
        6,
        "io_uring_prep_openat",
        AT_FDCWD,
        "/lfs-sd-l",
        L.O_CREAT | L.O_EXCL | L.O_WRONLY,
        0o644,
    )
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-symlink-errors", tags=(*TAGS, "symlink", "file"))
def lfs_symlink_errors(L: Any) -> Gen:
    """SYMLINKAT errors: an existing name (file, directory, symlink) -EEXIST; a missing parent -ENOENT; a
    file as a parent -ENOTDIR; a new name with a trailing slash -ENOENT.  readlink(2) of a file is -EINVAL,
    of a missing name -ENOENT, with a size of 0 -EINVAL."""
    ring = yield from new_ring(L, 16)
    yield from make_file(L, "/lfs-se-f")
    yield from L.mkdir("/lfs-se-d", 0o755)
    yield from _one(L, ring, 1, "io_uring_prep_symlink", "x", "/lfs-se-l")
    for ud, path in enumerate(
        ("/lfs-se-f", "/lfs-se-d", "/lfs-se-l", "/lfs-se-none/l", "/lfs-se-f/l", "/lfs-se-new/"),
        start=2,
    ):
        yield from _one(L, ring, ud, "io_uring_prep_symlink", "target", path)
    L.record("readlink file", (yield from _readlink(L, "/lfs-se-f")))
    L.record("readlink missing", (yield from _readlink(L, "/lfs-se-none")))
    L.record("readlink size 0", (yield from _readlink(L, "/lfs-se-l", 0)))
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-symlink-prep", tags=(*TAGS, "symlink", "prep"))
def lfs_symlink_prep(L: Any) -> Gen:
    """SYMLINKAT's prep checks: ``len``, the op flags, ``buf_index``, ``splice_fd_in`` non-zero -EINVAL;
    IOSQE_FIXED_FILE -EBADF; a NULL target or link path -EFAULT; an empty target -ENOENT."""
    ring = yield from new_ring(L, 8)
    sl = "io_uring_prep_symlink"
    yield from _each(L, ring, [
        (sl, ("t", "/lfs-sp"), {"len": 1}),
        (sl, ("t", "/lfs-sp"), {"rw_flags": 1}),
        (sl, ("t", "/lfs-sp"), {"buf_index": 1}),
        (sl, ("t", "/lfs-sp"), {"splice_fd_in": 1}),
        (sl, ("t", "/lfs-sp"), {"flags": IOSQE_FIXED_FILE}),
        (sl, (0, "/lfs-sp"), {}),
        (sl, ("t", 0), {}),
        (sl, ("", "/lfs-sp"), {}),
    ])  # fmt: skip
    L.record("nothing made", (yield from _readlink(L, "/lfs-sp")))
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-symlink-dir", tags=(*TAGS, "symlink", "file"))
def lfs_symlink_dir(L: Any) -> Gen:
    """A symlink to a directory is walked through: OPENAT of ``link/f`` reads the file inside, MKDIRAT of
    ``link/sub`` makes it in the directory; STATX of ``link/`` (a trailing slash follows) is the directory;
    UNLINKAT of ``link`` removes only the link."""
    ring = yield from new_ring(L, 8)
    yield from L.mkdir("/lfs-sdir", 0o755)
    yield from make_file(L, "/lfs-sdir/f", b"via")
    yield from _one(L, ring, 1, "io_uring_prep_symlink", "lfs-sdir", "/lfs-sdir-l")
    L.record("through", (yield from file_contents(L, "/lfs-sdir-l/f")))
    yield from _one(L, ring, 2, "io_uring_prep_mkdir", "/lfs-sdir-l/sub", 0o755)
    L.record("made", (yield from _stat(L, ring, 3, "/lfs-sdir/sub"))["type"])
    L.record("slash", (yield from _stat(L, ring, 4, "/lfs-sdir-l/", AT_SYMLINK_NOFOLLOW))["type"])
    yield from _one(L, ring, 5, "io_uring_prep_unlink", "/lfs-sdir-l", 0)
    L.record("dir kept", (yield from _stat(L, ring, 6, "/lfs-sdir"))["type"])
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-symlink-loop", tags=(*TAGS, "symlink", "file"))
def lfs_symlink_loop(L: Any) -> Gen:
    """Two symlinks naming each other: OPENAT and STATX through them are -ELOOP, a path through one as a
    directory -ELOOP too; STATX with AT_SYMLINK_NOFOLLOW describes the link; a chain of 3 links resolves."""
    ring = yield from new_ring(L, 8)
    yield from _one(L, ring, 1, "io_uring_prep_symlink", "/lfs-sl-b", "/lfs-sl-a")
    yield from _one(L, ring, 2, "io_uring_prep_symlink", "/lfs-sl-a", "/lfs-sl-b")
    yield from _one(L, ring, 3, "io_uring_prep_openat", AT_FDCWD, "/lfs-sl-a", L.O_RDONLY, 0)
    yield from _stat(L, ring, 4, "/lfs-sl-b")
    yield from _stat(L, ring, 5, "/lfs-sl-a/x")
    L.record("nofollow", (yield from _stat(L, ring, 6, "/lfs-sl-a", AT_SYMLINK_NOFOLLOW))["type"])
    yield from make_file(L, "/lfs-sl-t", b"end")
    for ud, (target, name) in enumerate(
        (("lfs-sl-t", "/lfs-sl-1"), ("lfs-sl-1", "/lfs-sl-2"), ("lfs-sl-2", "/lfs-sl-3")), start=7
    ):
        yield from _one(L, ring, ud, "io_uring_prep_symlink", target, name)
    L.record("chain", (yield from file_contents(L, "/lfs-sl-3")))
    yield from L.io_uring_queue_exit(ring)


# -- LINKAT ----------------------------------------------------------------------------------------


@scenario("lfs-link-basic", tags=(*TAGS, "link", "statx", "file"))
def lfs_link_basic(L: Any) -> Gen:
    """io_uring_prep_link(3) makes a second name for a file: both STATX with two links and the same inode
    number; a write through one name is read through the other; unlinking one leaves one link."""
    ring = yield from new_ring(L, 8)
    yield from make_file(L, "/lfs-lb", b"one")
    yield from _one(L, ring, 1, "io_uring_prep_link", "/lfs-lb", "/lfs-lb2", 0)
    L.record("a", (yield from _stat(L, ring, 2, "/lfs-lb")))
    L.record("b", (yield from _stat(L, ring, 3, "/lfs-lb2")))
    L.record(
        "same inode",
        (yield from _ino(L, ring, 4, "/lfs-lb")) == (yield from _ino(L, ring, 5, "/lfs-lb2")),
    )
    fd = yield from L.open("/lfs-lb2", L.O_WRONLY | L.O_APPEND, 0)
    yield from L.write(fd, b"+two", 4)
    yield from L.close(fd)
    L.record("through a", (yield from file_contents(L, "/lfs-lb")))
    yield from _one(L, ring, 6, "io_uring_prep_unlink", "/lfs-lb", 0)
    L.record("left", (yield from _stat(L, ring, 7, "/lfs-lb2")))
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-link-errors", tags=(*TAGS, "link", "file"))
def lfs_link_errors(L: Any) -> Gen:
    """LINKAT errors: an existing new name -EEXIST; a missing old name -ENOENT; a directory -EPERM; a missing
    new parent -ENOENT; the old name with a trailing slash -ENOTDIR; a new name with one -ENOENT; a flag
    other than AT_SYMLINK_FOLLOW / AT_EMPTY_PATH (AT_SYMLINK_NOFOLLOW) -EINVAL at issue."""
    ring = yield from new_ring(L, 16)
    yield from make_file(L, "/lfs-le-f")
    yield from make_file(L, "/lfs-le-g")
    yield from L.mkdir("/lfs-le-d", 0o755)
    cases = (("/lfs-le-f", "/lfs-le-g", 0), ("/lfs-le-none", "/lfs-le-n", 0), ("/lfs-le-d", "/lfs-le-d2", 0),
             ("/lfs-le-f", "/lfs-le-none/x", 0), ("/lfs-le-f/", "/lfs-le-h", 0), ("/lfs-le-f", "/lfs-le-h/", 0),
             ("/lfs-le-f", "/lfs-le-h", AT_SYMLINK_NOFOLLOW))  # fmt: skip
    for ud, (old, new, flags) in enumerate(cases, start=1):
        yield from _one(L, ring, ud, "io_uring_prep_linkat", AT_FDCWD, old, AT_FDCWD, new, flags)
    L.record("f", (yield from _stat(L, ring, 10, "/lfs-le-f")))
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-link-symlink", tags=(*TAGS, "link", "symlink", "statx", "file"))
def lfs_link_symlink(L: Any) -> Gen:
    """LINKAT of a symlink: without flags the new name is a second link to the symlink itself (S_IFLNK, two
    links, readlink gives the target); with AT_SYMLINK_FOLLOW it is a link to the file (S_IFREG, and the
    file has two links)."""
    ring = yield from new_ring(L, 8)
    yield from make_file(L, "/lfs-ls-t", b"t")
    yield from _one(L, ring, 1, "io_uring_prep_symlink", "lfs-ls-t", "/lfs-ls-l")
    yield from _one(L, ring, 2, "io_uring_prep_link", "/lfs-ls-l", "/lfs-ls-nf", 0)
    L.record("nofollow", (yield from _stat(L, ring, 3, "/lfs-ls-nf", AT_SYMLINK_NOFOLLOW)))
    L.record("readlink", (yield from _readlink(L, "/lfs-ls-nf")))
    yield from _one(L, ring, 4, "io_uring_prep_link", "/lfs-ls-l", "/lfs-ls-f", AT_SYMLINK_FOLLOW)
    L.record("follow", (yield from _stat(L, ring, 5, "/lfs-ls-f", AT_SYMLINK_NOFOLLOW)))
    L.record("target", (yield from _stat(L, ring, 6, "/lfs-ls-t")))
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-link-empty-path", tags=(*TAGS, "link", "file"))
def lfs_link_empty_path(L: Any) -> Gen:
    """LINKAT with AT_EMPTY_PATH and an empty old path links the descriptor's file (0; the new name reads
    its bytes); an empty path without AT_EMPTY_PATH is -ENOENT at prep; AT_FDCWD (the working directory)
    -EPERM; a descriptor not open -EBADF; a file no name holds any more -ENOENT."""
    ring = yield from new_ring(L, 16)
    fd = yield from L.open("/lfs-lep", L.O_CREAT | L.O_RDWR, 0o644)
    yield from L.write(fd, b"by fd", 5)
    ln = "io_uring_prep_linkat"
    yield from _one(L, ring, 1, ln, fd, "", AT_FDCWD, "/lfs-lep2", AT_EMPTY_PATH)
    L.record("new name", (yield from file_contents(L, "/lfs-lep2")))
    yield from _one(L, ring, 2, ln, fd, "", AT_FDCWD, "/lfs-lep3", 0)
    yield from _one(L, ring, 3, ln, AT_FDCWD, "", AT_FDCWD, "/lfs-lep4", AT_EMPTY_PATH)
    yield from _one(L, ring, 4, ln, 999, "", AT_FDCWD, "/lfs-lep5", AT_EMPTY_PATH)
    yield from L.unlink("/lfs-lep")
    yield from L.unlink("/lfs-lep2")
    yield from _one(L, ring, 5, ln, fd, "", AT_FDCWD, "/lfs-lep6", AT_EMPTY_PATH)
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-link-prep", tags=(*TAGS, "link", "prep"))
def lfs_link_prep(L: Any) -> Gen:
    """LINKAT's prep checks: ``buf_index`` or ``splice_fd_in`` non-zero -EINVAL; IOSQE_FIXED_FILE -EBADF; a
    NULL old or new path -EFAULT; an empty new path -ENOENT (even with AT_EMPTY_PATH)."""
    ring = yield from new_ring(L, 8)
    yield from make_file(L, "/lfs-lp", b"")
    ln = "io_uring_prep_link"
    yield from _each(L, ring, [
        (ln, ("/lfs-lp", "/lfs-lp2", 0), {"buf_index": 1}),
        (ln, ("/lfs-lp", "/lfs-lp2", 0), {"splice_fd_in": 1}),
        (ln, ("/lfs-lp", "/lfs-lp2", 0), {"flags": IOSQE_FIXED_FILE}),
        (ln, (0, "/lfs-lp2", 0), {}),
        (ln, ("/lfs-lp", 0, 0), {}),
        (ln, ("/lfs-lp", "", AT_EMPTY_PATH), {}),
    ])  # fmt: skip
    L.record("links", (yield from _stat(L, ring, 7, "/lfs-lp"))["nlink"])
    yield from L.io_uring_queue_exit(ring)


# -- links, ordering, libc -------------------------------------------------------------------------


@scenario("lfs-chain-mkdir-open", tags=(*TAGS, "mkdir", "link", "order", "file"))
def lfs_chain_mkdir_open(L: Any) -> Gen:
    """As liburing's tests chain them: MKDIRAT linked to an OPENAT (O_CREAT) inside the new directory,
    linked to a SYMLINKAT naming the file, linked to a RENAMEAT of the directory: the CQEs come in chain
    order, all succeed, and the file reads through the link's new path."""
    ring = yield from new_ring(L, 8)
    _q(L, ring, 1, "io_uring_prep_mkdir", "/lfs-ch", 0o755, sqe_flags=IOSQE_IO_LINK)
    _q(
        L,
        ring,
        2,
        "io_uring_prep_openat",
        AT_FDCWD,
        "/lfs-ch/f",
        L.O_CREAT | L.O_RDWR,
        0o644,
        sqe_flags=IOSQE_IO_LINK,
    )
    _q(L, ring, 3, "io_uring_prep_symlink", "f", "/lfs-ch/l", sqe_flags=IOSQE_IO_LINK)
    _q(L, ring, 4, "io_uring_prep_rename", "/lfs-ch", "/lfs-ch2")
    yield from L.io_uring_submit(ring)
    for _ in range(4):
        got = yield from reap_one(L, ring)
        if got is not None and got[0] == 2 and got[1] >= 0:
            yield from L.write(got[1], b"chained", 7)
            yield from L.close(got[1])
    L.record("through link", (yield from file_contents(L, "/lfs-ch2/l")))
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-chain-failure", tags=(*TAGS, "mkdir", "link", "order"))
def lfs_chain_failure(L: Any) -> Gen:
    """A failing name-space operation does not break its link (the kernel sets the result without failing
    the request): MKDIRAT -EEXIST, then UNLINKAT -ENOENT, then a NOP: all three run, in order.  A prep
    error (``off`` set on MKDIRAT) does break it: the NOP linked after it is -ECANCELED."""
    ring = yield from new_ring(L, 8)
    yield from L.mkdir("/lfs-cf", 0o755)
    _q(L, ring, 1, "io_uring_prep_mkdir", "/lfs-cf", 0o755, sqe_flags=IOSQE_IO_LINK)
    _q(L, ring, 2, "io_uring_prep_unlink", "/lfs-cf-none", 0, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 3)
    yield from submit_and_reap(L, ring, 3)
    sqe = _q(L, ring, 4, "io_uring_prep_mkdir", "/lfs-cf2", 0o755, sqe_flags=IOSQE_IO_LINK)
    sqe.off = 1
    nop(L, ring, 5)
    yield from submit_and_reap(L, ring, 2)
    yield from _stat(L, ring, 6, "/lfs-cf2")
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-async-order", tags=(*TAGS, "order"))
def lfs_async_order(L: Any) -> Gen:
    """Each of the five opcodes is sent to io-wq at prep: a NOP submitted after it in the same batch posts
    its CQE first (MKDIRAT, SYMLINKAT, LINKAT, RENAMEAT, UNLINKAT, each with its NOP)."""
    ring = yield from new_ring(L, 8)
    yield from make_file(L, "/lfs-ao", b"")
    ops = (("io_uring_prep_mkdir", ("/lfs-ao-d", 0o755)), ("io_uring_prep_symlink", ("x", "/lfs-ao-l")),
           ("io_uring_prep_link", ("/lfs-ao", "/lfs-ao-h", 0)), ("io_uring_prep_rename", ("/lfs-ao-h", "/lfs-ao-r")),
           ("io_uring_prep_unlink", ("/lfs-ao-r", 0)))  # fmt: skip
    for i, (prep, args) in enumerate(ops):
        _q(L, ring, 10 * i + 1, prep, *args)
        nop(L, ring, 10 * i + 2)
        yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-batch-order", tags=(*TAGS, "order", "link"))
def lfs_batch_order(L: Any) -> Gen:
    """A linked chain of the five opcodes in one submission, each acting on what the one before made
    (mkdir, symlink into it, hard link of the symlink, rename of the hard link, unlink of the symlink),
    with IOSQE_ASYNC on the first: the CQEs come in chain order and the rest of the tree is as left."""
    ring = yield from new_ring(L, 8)
    _q(L, ring, 1, "io_uring_prep_mkdir", "/lfs-bo", 0o755, sqe_flags=IOSQE_IO_LINK | IOSQE_ASYNC)
    _q(L, ring, 2, "io_uring_prep_symlink", "target", "/lfs-bo/l", sqe_flags=IOSQE_IO_LINK)
    _q(L, ring, 3, "io_uring_prep_link", "/lfs-bo/l", "/lfs-bo/h", 0, sqe_flags=IOSQE_IO_LINK)
    _q(L, ring, 4, "io_uring_prep_rename", "/lfs-bo/h", "/lfs-bo/r", sqe_flags=IOSQE_IO_LINK)
    _q(L, ring, 5, "io_uring_prep_unlink", "/lfs-bo/l", 0)
    yield from submit_and_reap(L, ring, 5)
    L.record("r", (yield from _readlink(L, "/lfs-bo/r")))
    L.record("r stat", (yield from _stat(L, ring, 6, "/lfs-bo/r", AT_SYMLINK_NOFOLLOW)))
    yield from _stat(L, ring, 7, "/lfs-bo/l", AT_SYMLINK_NOFOLLOW)
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-cqe-skip", tags=(*TAGS, "mkdir", "order"))
def lfs_cqe_skip(L: Any) -> Gen:
    """IOSQE_CQE_SKIP_SUCCESS on MKDIRAT: a successful one posts nothing, and neither does a failing one
    (-EEXIST): the kernel sets the result without failing the request, so the skip stands; the linked NOP
    after them posts, and a NOP round trip shows nothing else came."""
    ring = yield from new_ring(L, 8)
    skip = IOSQE_CQE_SKIP_SUCCESS | IOSQE_IO_LINK
    for ud in (1, 2):
        _q(L, ring, ud, "io_uring_prep_mkdir", "/lfs-cs", 0o755, sqe_flags=skip)
    nop(L, ring, 3)
    yield from submit_and_reap(L, ring, 1)
    yield from round_trip(L, ring)
    L.record("made", (yield from _stat(L, ring, 4, "/lfs-cs"))["type"])
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-libc", tags=(*TAGS, "mkdir", "unlink", "file"))
def lfs_libc(L: Any) -> Gen:
    """The libc calls next to the opcodes: mkdir(2) (0, then -EEXIST, -ENOENT under a missing parent),
    rmdir(2) of a non-empty directory -ENOTEMPTY, of a file -ENOTDIR, unlink(2) of a directory -EISDIR, of a
    missing name -ENOENT; then unlink(2) and rmdir(2) empty the tree; STATX of the directory is -ENOENT."""
    ring = yield from new_ring(L, 8)
    L.record("mkdir", (yield from L.mkdir("/lfs-lc", 0o755)))
    L.record("mkdir again", (yield from L.mkdir("/lfs-lc", 0o755)))
    L.record("mkdir no parent", (yield from L.mkdir("/lfs-lc-none/x", 0o755)))
    yield from make_file(L, "/lfs-lc/f", b"")
    L.record("rmdir full", (yield from L.rmdir("/lfs-lc")))
    L.record("rmdir file", (yield from L.rmdir("/lfs-lc/f")))
    L.record("unlink dir", (yield from L.unlink("/lfs-lc")))
    L.record("unlink missing", (yield from L.unlink("/lfs-lc/none")))
    L.record("unlink", (yield from L.unlink("/lfs-lc/f")))
    L.record("rmdir", (yield from L.rmdir("/lfs-lc")))
    yield from _stat(L, ring, 1, "/lfs-lc")
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-name-max", tags=(*TAGS, "mkdir", "file"))
def lfs_name_max(L: Any) -> Gen:
    """A path component of 255 bytes is a name like another (MKDIRAT 0, a SYMLINKAT inside it 0); one of 256
    bytes is -ENAMETOOLONG as the last name of MKDIRAT, SYMLINKAT, UNLINKAT and OPENAT, and as a
    directory on the way."""
    ring = yield from new_ring(L, 16)
    ok, long = "/" + "n" * 255, "/" + "m" * 256
    yield from _one(L, ring, 1, "io_uring_prep_mkdir", ok, 0o755)
    yield from _one(L, ring, 2, "io_uring_prep_symlink", "t", ok + "/l")
    yield from _one(L, ring, 3, "io_uring_prep_mkdir", long, 0o755)
    yield from _one(L, ring, 4, "io_uring_prep_symlink", "t", long)
    yield from _one(L, ring, 5, "io_uring_prep_unlink", long, 0)
    yield from _one(L, ring, 6, "io_uring_prep_openat", AT_FDCWD, long, L.O_RDONLY, 0)
    yield from _one(L, ring, 7, "io_uring_prep_mkdir", long + "/x", 0o755)
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-rename-over-open", tags=(*TAGS, "rename", "file"))
def lfs_rename_over_open(L: Any) -> Gen:
    """RENAMEAT over a file that is open: the name now reads the new bytes, the open descriptor still reads
    the old ones, and STATX through it says no links are left; the renamed file keeps its single link."""
    ring = yield from new_ring(L, 8)
    yield from make_file(L, "/lfs-ro-a", b"new")
    yield from make_file(L, "/lfs-ro-b", b"old")
    fd = yield from L.open("/lfs-ro-b", L.O_RDONLY, 0)
    yield from _one(L, ring, 1, "io_uring_prep_rename", "/lfs-ro-a", "/lfs-ro-b")
    L.record("by name", (yield from file_contents(L, "/lfs-ro-b")))
    buf = bytearray(8)
    L.record("by fd", bytes(buf[: (yield from L.read(fd, buf, 8))]))
    L.record("fd stat", (yield from _stat(L, ring, 2, "", AT_EMPTY_PATH, dfd=fd)))
    L.record("name stat", (yield from _stat(L, ring, 3, "/lfs-ro-b")))
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lfs-symlink-slash", tags=(*TAGS, "symlink", "file"))
def lfs_symlink_slash(L: Any) -> Gen:
    """A trailing slash after a symlink follows it and asks for a directory: to a file, OPENAT and STATX are
    -ENOTDIR (STATX with AT_SYMLINK_NOFOLLOW too); to a directory, OPENAT gives a descriptor; RENAMEAT of
    ``link/`` to a file link is -ENOTDIR, while the link itself renames."""
    ring = yield from new_ring(L, 16)
    yield from make_file(L, "/lfs-ss-f", b"f")
    yield from L.mkdir("/lfs-ss-d", 0o755)
    yield from _one(L, ring, 1, "io_uring_prep_symlink", "lfs-ss-f", "/lfs-ss-lf")
    yield from _one(L, ring, 2, "io_uring_prep_symlink", "lfs-ss-d", "/lfs-ss-ld")
    yield from _one(L, ring, 3, "io_uring_prep_openat", AT_FDCWD, "/lfs-ss-lf/", L.O_RDONLY, 0)
    yield from _stat(L, ring, 4, "/lfs-ss-lf/")
    yield from _stat(L, ring, 5, "/lfs-ss-lf/", AT_SYMLINK_NOFOLLOW)
    fd = yield from _one(L, ring, 6, "io_uring_prep_openat", AT_FDCWD, "/lfs-ss-ld/", L.O_RDONLY, 0)
    if fd >= 0:
        yield from L.close(fd)
    yield from _one(L, ring, 7, "io_uring_prep_rename", "/lfs-ss-lf/", "/lfs-ss-x")
    yield from _one(L, ring, 8, "io_uring_prep_rename", "/lfs-ss-lf", "/lfs-ss-x")
    L.record("renamed", (yield from _readlink(L, "/lfs-ss-x")))
    yield from L.io_uring_queue_exit(ring)
