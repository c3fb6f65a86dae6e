"""FSETXATTR, SETXATTR, FGETXATTR and GETXATTR as liburing's test/xattr.c uses them, written from the man
pages (io_uring_prep_fsetxattr(3), io_uring_prep_setxattr(3), io_uring_prep_fgetxattr(3),
io_uring_prep_getxattr(3), setxattr(2), getxattr(2), xattr(7)); names prefixed ``lx-``.

Paths are absolute: the real side moves them inside the run's private directory (as ``L.open`` does).
That directory is under the host's temporary directory (ext4 here, which keeps ``user.*`` attributes);
ext4 holds a file's attributes in one 4 KiB block and answers -ENOSPC past it where tmpfs (which the
simulator's file system follows) takes up to 64 KiB a value, so no file here carries more than 3 KiB.
Only ``user.*`` names are set: ``trusted.*`` needs privilege and ``security.*`` and ``gnu.*`` depend on
the security modules and the file system."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    new_pipe,
    new_ring,
    nop,
    reap_one,
    reap_ready,
    submit_and_reap,
)
from simuring.uapi import IOSQE_ASYNC, IOSQE_CQE_SKIP_SUCCESS, IOSQE_FIXED_FILE, IOSQE_IO_LINK

TAGS = ("liburing", "xattr")
XATTR_CREATE = 1
XATTR_REPLACE = 2


def _queue(L: Any, ring: Any, ud: int, helper: str, *args: Any, sqe_flags: int = 0) -> Any:
    """Queue one request prepared by ``io_uring_prep_<helper>(sqe, *args)``; the SQE."""
    sqe = L.io_uring_get_sqe(ring)
    getattr(L, f"io_uring_prep_{helper}")(sqe, *args)
    L.io_uring_sqe_set_data64(sqe, ud)
    if sqe_flags:
        L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def _n(value: Any, size: int | None) -> int:
    """The ``len`` of a request: ``size``, or the value's length when not given."""
    return len(value) if size is None else size


def _flags_size(more: tuple[Any, ...]) -> tuple[Any, Any]:
    """A set's optional ``[flags[, size]]`` with their defaults (0, and the value's length)."""
    return (more[0] if more else 0), (more[1] if len(more) > 1 else None)


def _fset(L: Any, ring: Any, ud: int, fd: Any, name: Any, value: Any, *more: Any, **kw: Any) -> Any:
    """FSETXATTR; ``more`` is ``[flags[, size]]``."""
    flags, size = _flags_size(more)
    return _queue(L, ring, ud, "fsetxattr", fd, name, value, flags, _n(value, size), **kw)


def _set(L: Any, ring: Any, ud: int, at: Any, name: Any, value: Any, *more: Any, **kw: Any) -> Any:
    """SETXATTR on path ``at``; ``more`` is ``[flags[, size]]``."""
    flags, size = _flags_size(more)
    return _queue(L, ring, ud, "setxattr", name, value, at, flags, _n(value, size), **kw)


def _fget(L: Any, ring: Any, ud: int, fd: Any, name: Any, buf: Any, *size: Any, **kw: Any) -> Any:
    """FGETXATTR; ``size`` is the ``len`` (the buffer's length when not given)."""
    return _queue(L, ring, ud, "fgetxattr", fd, name, buf, _n(buf, (*size, None)[0]), **kw)


def _get(L: Any, ring: Any, ud: int, at: Any, name: Any, buf: Any, *size: Any, **kw: Any) -> Any:
    """GETXATTR on path ``at``; ``size`` is the ``len`` (the buffer's length when not given)."""
    return _queue(L, ring, ud, "getxattr", name, buf, at, _n(buf, (*size, None)[0]), **kw)


def _one(L: Any, ring: Any) -> Gen:
    """Submit what is queued and reap one completion: its result (or None)."""
    yield from L.io_uring_submit(ring)
    got = yield from reap_one(L, ring)
    return None if got is None else got[1]


def _file(L: Any, path: str, flags: int | None = None) -> Gen:
    """Create ``path`` (empty) and return a descriptor on it (O_RDWR unless ``flags``)."""
    fd = yield from L.open(path, L.O_CREAT | L.O_RDWR | L.O_TRUNC, 0o644)
    if flags is not None and fd >= 0:
        yield from L.close(fd)
        fd = yield from L.open(path, flags, 0)
    return fd


def _fetch(L: Any, ring: Any, ud: int, fd: int, name: str, size: int = 32) -> Gen:
    """FGETXATTR of ``name`` into a fresh buffer: what the kernel wrote (or the error)."""
    buf = bytearray(size)
    _fget(L, ring, ud, fd, name, buf)
    res = yield from _one(L, ring)
    return bytes(buf[:res]) if isinstance(res, int) and res >= 0 else res


def _start(L: Any, path: str) -> Gen:
    """A ring of 16 entries and a new empty file at ``path`` opened O_RDWR."""
    ring = yield from new_ring(L, 16)
    fd = yield from _file(L, path)
    return ring, fd


def _finish(L: Any, ring: Any, *fds: int) -> Gen:
    for fd in fds:
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lx-fset-fget", tags=(*TAGS, "file"))
def lx_fset_fget(L: Any) -> Gen:
    """FSETXATTR stores ``user.greeting`` = "hello" (result 0); FGETXATTR with a 32-byte buffer returns 5 and
    the five bytes."""
    ring, fd = yield from _start(L, "/lx-a")
    _fset(L, ring, 1, fd, "user.greeting", b"hello")
    yield from _one(L, ring)
    L.record("value", (yield from _fetch(L, ring, 2, fd, "user.greeting")))
    yield from _finish(L, ring, fd)


@scenario("lx-set-get-path", tags=(*TAGS, "file"))
def lx_set_get_path(L: Any) -> Gen:
    """The path forms: SETXATTR on the file's absolute path, GETXATTR by path returns the value; the same
    attribute is seen through a descriptor (FGETXATTR), and one set through the descriptor by GETXATTR."""
    ring, fd = yield from _start(L, "/lx-p")
    _set(L, ring, 1, "/lx-p", "user.by-path", b"path-value")
    yield from _one(L, ring)
    buf = bytearray(32)
    _get(L, ring, 2, "/lx-p", "user.by-path", buf)
    n = yield from _one(L, ring)
    L.record("by path", bytes(buf[: max(n or 0, 0)]))
    L.record("by fd", (yield from _fetch(L, ring, 3, fd, "user.by-path")))
    _fset(L, ring, 4, fd, "user.by-fd", b"fd-value")
    yield from _one(L, ring)
    buf = bytearray(32)
    _get(L, ring, 5, "/lx-p", "user.by-fd", buf)
    n = yield from _one(L, ring)
    L.record("fd's by path", bytes(buf[: max(n or 0, 0)]))
    yield from _finish(L, ring, fd)


@scenario("lx-size-query", tags=(*TAGS, "file"))
def lx_size_query(L: Any) -> Gen:
    """A size of 0 asks for the length: FGETXATTR and GETXATTR with len 0 (and a NULL buffer) return the
    value's length (11) and copy nothing."""
    ring, fd = yield from _start(L, "/lx-q")
    _fset(L, ring, 1, fd, "user.q", b"eleven-byte")
    yield from _one(L, ring)
    _fget(L, ring, 2, fd, "user.q", None, 0)
    yield from _one(L, ring)
    _get(L, ring, 3, "/lx-q", "user.q", None, 0)
    yield from _one(L, ring)
    buf = bytearray(b"untouched")
    _fget(L, ring, 4, fd, "user.q", buf, 0)
    yield from _one(L, ring)
    L.record("buffer", bytes(buf))
    yield from _finish(L, ring, fd)


@scenario("lx-erange", tags=(*TAGS, "file"))
def lx_erange(L: Any) -> Gen:
    """A buffer smaller than the value is -ERANGE (FGETXATTR and GETXATTR, len 4 for 5 bytes), nothing is
    written; a buffer of exactly the value's length works."""
    ring, fd = yield from _start(L, "/lx-r")
    _fset(L, ring, 1, fd, "user.r", b"12345")
    yield from _one(L, ring)
    buf = bytearray(8)
    _fget(L, ring, 2, fd, "user.r", buf, 4)
    yield from _one(L, ring)
    _get(L, ring, 3, "/lx-r", "user.r", buf, 4)
    yield from _one(L, ring)
    L.record("after -ERANGE", bytes(buf))
    _fget(L, ring, 4, fd, "user.r", buf, 5)
    yield from _one(L, ring)
    L.record("exact", bytes(buf))
    yield from _finish(L, ring, fd)


@scenario("lx-enodata", tags=(*TAGS, "file"))
def lx_enodata(L: Any) -> Gen:
    """A name the file does not have is -ENODATA, by descriptor and by path, with a buffer or with len 0."""
    ring, fd = yield from _start(L, "/lx-n")
    buf = bytearray(16)
    _fget(L, ring, 1, fd, "user.missing", buf)
    yield from _one(L, ring)
    _get(L, ring, 2, "/lx-n", "user.missing", buf)
    yield from _one(L, ring)
    _fget(L, ring, 3, fd, "user.missing", None, 0)
    yield from _one(L, ring)
    yield from _finish(L, ring, fd)


@scenario("lx-create", tags=(*TAGS, "file"))
def lx_create(L: Any) -> Gen:
    """XATTR_CREATE adds a missing name (0) and refuses an existing one (-EEXIST), leaving its value."""
    ring, fd = yield from _start(L, "/lx-c")
    _fset(L, ring, 1, fd, "user.c", b"first", XATTR_CREATE)
    yield from _one(L, ring)
    _fset(L, ring, 2, fd, "user.c", b"second", XATTR_CREATE)
    yield from _one(L, ring)
    _set(L, ring, 3, "/lx-c", "user.c", b"third", XATTR_CREATE)
    yield from _one(L, ring)
    L.record("value", (yield from _fetch(L, ring, 4, fd, "user.c")))
    yield from _finish(L, ring, fd)


@scenario("lx-replace", tags=(*TAGS, "file"))
def lx_replace(L: Any) -> Gen:
    """XATTR_REPLACE on a missing name is -ENODATA (nothing created); on an existing one it replaces the
    value (a longer one, then a shorter one)."""
    ring, fd = yield from _start(L, "/lx-rp")
    _fset(L, ring, 1, fd, "user.rp", b"x", XATTR_REPLACE)
    yield from _one(L, ring)
    L.record("not created", (yield from _fetch(L, ring, 2, fd, "user.rp")))
    _fset(L, ring, 3, fd, "user.rp", b"old")
    yield from _one(L, ring)
    _set(L, ring, 4, "/lx-rp", "user.rp", b"longer value", XATTR_REPLACE)
    yield from _one(L, ring)
    L.record("replaced", (yield from _fetch(L, ring, 5, fd, "user.rp")))
    _fset(L, ring, 6, fd, "user.rp", b"s", XATTR_REPLACE)
    yield from _one(L, ring)
    L.record("shorter", (yield from _fetch(L, ring, 7, fd, "user.rp")))
    yield from _finish(L, ring, fd)


@scenario("lx-create-and-replace", tags=(*TAGS, "file"))
def lx_create_and_replace(L: Any) -> Gen:
    """XATTR_CREATE | XATTR_REPLACE together: -ENODATA for a missing name, -EEXIST for an existing one."""
    ring, fd = yield from _start(L, "/lx-cr")
    _fset(L, ring, 1, fd, "user.cr", b"v", XATTR_CREATE | XATTR_REPLACE)
    yield from _one(L, ring)
    _fset(L, ring, 2, fd, "user.cr", b"v")
    yield from _one(L, ring)
    _fset(L, ring, 3, fd, "user.cr", b"w", XATTR_CREATE | XATTR_REPLACE)
    yield from _one(L, ring)
    yield from _finish(L, ring, fd)


@scenario("lx-overwrite", tags=(*TAGS, "file"))
def lx_overwrite(L: Any) -> Gen:
    """Without flags a set replaces the value whatever its length; several names keep their own values."""
    ring, fd = yield from _start(L, "/lx-o")
    for ud, (name, value) in enumerate(
        (("user.one", b"1"), ("user.two", b"22"), ("user.one", b"111111"), ("user.three", b"333")),
        1,
    ):
        _fset(L, ring, ud, fd, name, value)
        yield from _one(L, ring)
    for ud, name in enumerate(("user.one", "user.two", "user.three"), 10):
        L.record(name, (yield from _fetch(L, ring, ud, fd, name)))
    yield from _finish(L, ring, fd)


@scenario("lx-bad-flags", tags=(*TAGS, "file"))
def lx_bad_flags(L: Any) -> Gen:
    """Set flags other than XATTR_CREATE | XATTR_REPLACE are -EINVAL (4, 1 << 31; by fd and by path); a
    get with non-zero ``xattr_flags`` is -EINVAL too.  Nothing is stored."""
    ring, fd = yield from _start(L, "/lx-bf")
    _fset(L, ring, 1, fd, "user.bf", b"v", 4)
    yield from _one(L, ring)
    _fset(L, ring, 2, fd, "user.bf", b"v", 1 << 31)
    yield from _one(L, ring)
    _set(L, ring, 3, "/lx-bf", "user.bf", b"v", XATTR_CREATE | 8)
    yield from _one(L, ring)
    buf = bytearray(8)
    sqe = _fget(L, ring, 4, fd, "user.bf", buf)
    sqe.xattr_flags = XATTR_CREATE
    yield from _one(L, ring)
    sqe = _get(L, ring, 5, "/lx-bf", "user.bf", buf)
    sqe.xattr_flags = 0x100
    yield from _one(L, ring)
    L.record("stored", (yield from _fetch(L, ring, 6, fd, "user.bf")))
    yield from _finish(L, ring, fd)


@scenario("lx-namespaces", tags=(*TAGS, "file"))
def lx_namespaces(L: Any) -> Gen:
    """Names outside the file system's namespaces are -EOPNOTSUPP (``system.x``, ``foo.x``, ``user`` with no
    dot), set or get; a name that is only the prefix ``user.`` is -EINVAL."""
    ring, fd = yield from _start(L, "/lx-ns")
    ud = 1
    for name in ("system.x", "foo.x", "user", "user.", "USER.x"):
        _fset(L, ring, ud, fd, name, b"v")
        yield from _one(L, ring)
        _fget(L, ring, ud + 1, fd, name, bytearray(8))
        yield from _one(L, ring)
        ud += 2
    yield from _finish(L, ring, fd)


@scenario("lx-name-length", tags=(*TAGS, "file"))
def lx_name_length(L: Any) -> Gen:
    """Names: an empty one is -ERANGE (set and get); one of 255 bytes works; one of 256 bytes is -ERANGE
    (XATTR_NAME_MAX), by fd and by path."""
    ring, fd = yield from _start(L, "/lx-nl")
    longest = "user." + "n" * 250
    too_long = longest + "n"
    _fset(L, ring, 1, fd, "", b"v")
    yield from _one(L, ring)
    _fget(L, ring, 2, fd, "", bytearray(8))
    yield from _one(L, ring)
    _fset(L, ring, 3, fd, longest, b"255")
    yield from _one(L, ring)
    L.record("longest", (yield from _fetch(L, ring, 4, fd, longest)))
    _fset(L, ring, 5, fd, too_long, b"256")
    yield from _one(L, ring)
    _set(L, ring, 6, "/lx-nl", too_long, b"256")
    yield from _one(L, ring)
    _get(L, ring, 7, "/lx-nl", too_long, bytearray(8))
    yield from _one(L, ring)
    yield from _finish(L, ring, fd)


@scenario("lx-name-nul", tags=(*TAGS, "file"))
def lx_name_nul(L: Any) -> Gen:
    """The name is a C string: a NUL inside ends it, so ``user.ab\\0cd`` sets ``user.ab``."""
    ring, fd = yield from _start(L, "/lx-nul")
    _fset(L, ring, 1, fd, "user.ab\0cd", b"nul")
    yield from _one(L, ring)
    L.record("user.ab", (yield from _fetch(L, ring, 2, fd, "user.ab")))
    yield from _finish(L, ring, fd)


@scenario("lx-efault", tags=(*TAGS, "file"))
def lx_efault(L: Any) -> Gen:
    """Unreadable memory: a NULL name is -EFAULT (set and get); a NULL value with len 5 is -EFAULT at prep;
    FGETXATTR into a NULL buffer with len 8 is -EFAULT once the value exists (-ENODATA before)."""
    ring, fd = yield from _start(L, "/lx-f")
    _fset(L, ring, 1, fd, 0, b"v")
    yield from _one(L, ring)
    _fget(L, ring, 2, fd, 0, bytearray(8))
    yield from _one(L, ring)
    _fset(L, ring, 3, fd, "user.f", None, 0, 5)
    yield from _one(L, ring)
    _fget(L, ring, 4, fd, "user.f", None, 8)
    yield from _one(L, ring)
    _fset(L, ring, 5, fd, "user.f", b"value")
    yield from _one(L, ring)
    _fget(L, ring, 6, fd, "user.f", None, 8)
    yield from _one(L, ring)
    yield from _finish(L, ring, fd)


@scenario("lx-empty-value", tags=(*TAGS, "file"))
def lx_empty_value(L: Any) -> Gen:
    """A value of size 0 (with a NULL pointer) is stored, not removed: FGETXATTR returns 0 (with a buffer and
    with len 0), XATTR_CREATE then finds it (-EEXIST) and XATTR_REPLACE replaces it."""
    ring, fd = yield from _start(L, "/lx-e")
    _fset(L, ring, 1, fd, "user.empty", None, 0, 0)
    yield from _one(L, ring)
    _fget(L, ring, 2, fd, "user.empty", bytearray(8))
    yield from _one(L, ring)
    _fget(L, ring, 3, fd, "user.empty", None, 0)
    yield from _one(L, ring)
    _fset(L, ring, 4, fd, "user.empty", b"x", XATTR_CREATE)
    yield from _one(L, ring)
    _fset(L, ring, 5, fd, "user.empty", b"now", XATTR_REPLACE)
    yield from _one(L, ring)
    L.record("replaced", (yield from _fetch(L, ring, 6, fd, "user.empty")))
    yield from _finish(L, ring, fd)


@scenario("lx-e2big", tags=(*TAGS, "file"))
def lx_e2big(L: Any) -> Gen:
    """A set of more than XATTR_SIZE_MAX (65536) bytes is -E2BIG at prep, before the value is read (len
    65537 on a buffer that size, and len 0xFFFFFFFF on an 8-byte buffer)."""
    ring, fd = yield from _start(L, "/lx-big")
    _fset(L, ring, 1, fd, "user.big", bytes(65537))
    yield from _one(L, ring)
    _set(L, ring, 2, "/lx-big", "user.big", bytes(8), 0, 0xFFFF_FFFF)
    yield from _one(L, ring)
    _fget(L, ring, 3, fd, "user.big", None, 0)
    yield from _one(L, ring)
    yield from _finish(L, ring, fd)


@scenario("lx-large-value", tags=(*TAGS, "file"))
def lx_large_value(L: Any) -> Gen:
    """A 3000-byte value round-trips; a get whose len (1 MiB, clamped to 65536) is larger than the value
    copies only the value's bytes into a 4096-byte buffer."""
    ring, fd = yield from _start(L, "/lx-lv")
    value = bytes((i * 7) & 0xFF for i in range(3000))
    _fset(L, ring, 1, fd, "user.large", value)
    yield from _one(L, ring)
    buf = bytearray(b"\xee" * 4096)
    _fget(L, ring, 2, fd, "user.large", buf, 1 << 20)
    yield from _one(L, ring)
    L.record("same", bytes(buf[:3000]) == value)
    L.record("tail", bytes(buf[3000:3004]))
    _get(L, ring, 3, "/lx-lv", "user.large", None, 0)
    yield from _one(L, ring)
    yield from _finish(L, ring, fd)


@scenario("lx-readonly-fd", tags=(*TAGS, "file"))
def lx_readonly_fd(L: Any) -> Gen:
    """Attributes are the inode's, not the open file's: FSETXATTR through an O_RDONLY descriptor works, and
    a second descriptor sees the value."""
    ring = yield from new_ring(L, 8)
    fd = yield from _file(L, "/lx-ro", L.O_RDONLY)
    _fset(L, ring, 1, fd, "user.ro", b"read-only fd")
    yield from _one(L, ring)
    fd2 = yield from L.open("/lx-ro", L.O_WRONLY, 0)
    L.record("other fd", (yield from _fetch(L, ring, 2, fd2, "user.ro")))
    yield from _finish(L, ring, fd, fd2)


@scenario("lx-pipe", tags=(*TAGS, "pipe"))
def lx_pipe(L: Any) -> Gen:
    """On a pipe: a ``user.*`` set is -EPERM, a get -ENODATA (only regular files and directories have user
    attributes); other namespaces are -EOPNOTSUPP (pipefs keeps none); ``user.`` alone is -EPERM."""
    ring = yield from new_ring(L, 16)
    fds = yield from new_pipe(L)
    yield from _probe_object(L, ring, fds[1])
    yield from _finish(L, ring, *fds)


def _probe_object(L: Any, ring: Any, fd: int) -> Gen:
    """FSETXATTR and FGETXATTR of ``user.x``, ``user.``, ``system.x`` and ``foo.x`` on ``fd``."""
    ud = 1
    for name in ("user.x", "user.", "system.x", "foo.x"):
        _fset(L, ring, ud, fd, name, b"v")
        yield from _one(L, ring)
        _fget(L, ring, ud + 1, fd, name, bytearray(8))
        yield from _one(L, ring)
        ud += 2


@scenario("lx-socket", tags=(*TAGS, "net"))
def lx_socket(L: Any) -> Gen:
    """On an AF_UNIX socket: as on a pipe (``user.*`` -EPERM / -ENODATA, the rest -EOPNOTSUPP)."""
    ring = yield from new_ring(L, 16)
    sv = [-1, -1]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)
    yield from _probe_object(L, ring, sv[0])
    yield from _finish(L, ring, *sv)


@scenario("lx-eventfd", tags=(*TAGS, "eventfd"))
def lx_eventfd(L: Any) -> Gen:
    """On an eventfd (an anonymous inode): as on a pipe."""
    ring = yield from new_ring(L, 16)
    efd = yield from L.eventfd(0, 0)
    yield from _probe_object(L, ring, efd)
    yield from _finish(L, ring, efd)


@scenario("lx-ebadf", tags=(*TAGS, "file"))
def lx_ebadf(L: Any) -> Gen:
    """The fd forms need an open descriptor: 999 and -1 are -EBADF (set and get)."""
    ring = yield from new_ring(L, 8)
    _fset(L, ring, 1, 999, "user.x", b"v")
    yield from _one(L, ring)
    _fget(L, ring, 2, -1, "user.x", bytearray(8))
    yield from _one(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lx-fixed-file", tags=(*TAGS, "file", "register"))
def lx_fixed_file(L: Any) -> Gen:
    """With IOSQE_FIXED_FILE the fd forms name a registered file (slot 0: set, then get through it); the
    path forms refuse the flag (-EBADF)."""
    ring, fd = yield from _start(L, "/lx-fx")
    yield from L.io_uring_register_files(ring, [fd], 1)
    _fset(L, ring, 1, 0, "user.fixed", b"slot0", sqe_flags=IOSQE_FIXED_FILE)
    yield from _one(L, ring)
    buf = bytearray(16)
    _fget(L, ring, 2, 0, "user.fixed", buf, sqe_flags=IOSQE_FIXED_FILE)
    yield from _one(L, ring)
    L.record("through slot", bytes(buf[:5]))
    L.record("through fd", (yield from _fetch(L, ring, 3, fd, "user.fixed")))
    _set(L, ring, 4, "/lx-fx", "user.fixed", b"v", sqe_flags=IOSQE_FIXED_FILE)
    yield from _one(L, ring)
    _get(L, ring, 5, "/lx-fx", "user.fixed", buf, sqe_flags=IOSQE_FIXED_FILE)
    yield from _one(L, ring)
    yield from _finish(L, ring, fd)


@scenario("lx-path-errors", tags=(*TAGS, "file"))
def lx_path_errors(L: Any) -> Gen:
    """The path of SETXATTR / GETXATTR: a missing file is -ENOENT (at issue), an empty path -ENOENT, a NULL
    one -EFAULT, one of 4096 bytes -ENAMETOOLONG (at prep)."""
    ring = yield from new_ring(L, 16)
    ud = 1
    for path in ("/lx-no-such-file", "", 0, "/" + "p" * 4095):
        _set(L, ring, ud, path, "user.x", b"v")
        yield from _one(L, ring)
        _get(L, ring, ud + 1, path, "user.x", bytearray(8))
        yield from _one(L, ring)
        ud += 2
    yield from L.io_uring_queue_exit(ring)


@scenario("lx-prep-order", tags=(*TAGS, "file"))
def lx_prep_order(L: Any) -> Gen:
    """The order of the prep checks: bad flags before a bad name (-EINVAL); the name before the size
    (-ERANGE); the size before the value (-E2BIG with a NULL value); the name before the path (-ERANGE with
    a NULL path); IOSQE_FIXED_FILE first on a path form (-EBADF with bad flags); a get's flags before its
    name (-EINVAL)."""
    ring = yield from new_ring(L, 16)
    _fset(L, ring, 1, 0, "", b"v", 4)
    yield from _one(L, ring)
    _fset(L, ring, 2, 0, "", b"v", 0, 1 << 20)
    yield from _one(L, ring)
    _fset(L, ring, 3, 0, "user.x", None, 0, 65537)
    yield from _one(L, ring)
    _set(L, ring, 4, 0, "", b"v")
    yield from _one(L, ring)
    _set(L, ring, 5, 0, "", b"v", 4, sqe_flags=IOSQE_FIXED_FILE)
    yield from _one(L, ring)
    sqe = _get(L, ring, 6, "", "", None, 0)
    sqe.xattr_flags = 1
    yield from _one(L, ring)
    _get(L, ring, 7, 0, "", None, 0)
    yield from _one(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lx-prep-error-order-fd", tags=(*TAGS, "file"))
def lx_prep_error_order_fd(L: Any) -> Gen:
    """Prep errors come before the descriptor is looked up: a bad name on descriptor 999 is -ERANGE, not
    -EBADF; a good request on it is -EBADF."""
    ring = yield from new_ring(L, 8)
    _fset(L, ring, 1, 999, "", b"v")
    yield from _one(L, ring)
    _fget(L, ring, 2, 999, "", None, 0)
    yield from _one(L, ring)
    _fget(L, ring, 3, 999, "user.x", None, 0)
    yield from _one(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lx-async", tags=(*TAGS, "file", "order"))
def lx_async(L: Any) -> Gen:
    """Every xattr request runs from io-wq: a NOP submitted after an FSETXATTR (and after a GETXATTR)
    completes first."""
    ring, fd = yield from _start(L, "/lx-as")
    _fset(L, ring, 1, fd, "user.as", b"async")
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 2)
    _get(L, ring, 3, "/lx-as", "user.as", bytearray(8))
    nop(L, ring, 4)
    yield from submit_and_reap(L, ring, 2)
    yield from _finish(L, ring, fd)


@scenario("lx-link-chain", tags=(*TAGS, "file", "link"))
def lx_link_chain(L: Any) -> Gen:
    """A linked chain SETXATTR -> FGETXATTR -> FSETXATTR (XATTR_REPLACE) -> GETXATTR completes in order,
    each seeing what the one before it stored."""
    ring, fd = yield from _start(L, "/lx-ln")
    b1, b2 = bytearray(16), bytearray(16)
    _set(L, ring, 1, "/lx-ln", "user.ln", b"first", sqe_flags=IOSQE_IO_LINK)
    _fget(L, ring, 2, fd, "user.ln", b1, sqe_flags=IOSQE_IO_LINK)
    _fset(L, ring, 3, fd, "user.ln", b"second!", XATTR_REPLACE, sqe_flags=IOSQE_IO_LINK)
    _get(L, ring, 4, "/lx-ln", "user.ln", b2)
    yield from submit_and_reap(L, ring, 4)
    L.record("first", bytes(b1[:5]))
    L.record("second", bytes(b2[:7]))
    yield from _finish(L, ring, fd)


@scenario("lx-link-issue-failure", tags=(*TAGS, "file", "link"))
def lx_link_issue_failure(L: Any) -> Gen:
    """A failure at issue does not break a link: FSETXATTR with XATTR_REPLACE on a missing name (-ENODATA)
    and FGETXATTR of a missing name (-ENODATA), each linked to a NOP: the NOPs complete with 0."""
    ring, fd = yield from _start(L, "/lx-lf")
    _fset(L, ring, 1, fd, "user.none", b"v", XATTR_REPLACE, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 2)
    _fget(L, ring, 3, fd, "user.none", bytearray(8), sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 4)
    yield from submit_and_reap(L, ring, 2)
    _set(L, ring, 5, "/lx-missing-file", "user.x", b"v", sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 6)
    yield from submit_and_reap(L, ring, 2)
    yield from _finish(L, ring, fd)


@scenario("lx-link-prep-failure", tags=(*TAGS, "file", "link"))
def lx_link_prep_failure(L: Any) -> Gen:
    """A failure at prep does break the link: FSETXATTR with bad flags (-EINVAL) and FGETXATTR with an empty
    name (-ERANGE), each linked to a NOP: the NOPs are -ECANCELED."""
    ring, fd = yield from _start(L, "/lx-lp")
    _fset(L, ring, 1, fd, "user.x", b"v", 16, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 2)
    _fget(L, ring, 3, fd, "", bytearray(8), sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 4)
    yield from submit_and_reap(L, ring, 2)
    yield from _finish(L, ring, fd)


@scenario("lx-skip-success", tags=(*TAGS, "file", "link"))
def lx_skip_success(L: Any) -> Gen:
    """IOSQE_CQE_SKIP_SUCCESS: a successful FSETXATTR posts no CQE (the NOP linked after it is the only one).
    A failing one (XATTR_CREATE on the existing name: -EEXIST) posts none either: the result is set
    without ``req_set_fail``, which is what clears the skip; only the linked NOP's CQE comes."""
    ring, fd = yield from _start(L, "/lx-sk")
    _fset(L, ring, 1, fd, "user.sk", b"v", sqe_flags=IOSQE_CQE_SKIP_SUCCESS | IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 1)
    _fset(
        L,
        ring,
        3,
        fd,
        "user.sk",
        b"w",
        XATTR_CREATE,
        sqe_flags=IOSQE_CQE_SKIP_SUCCESS | IOSQE_IO_LINK,
    )
    nop(L, ring, 4)
    yield from submit_and_reap(L, ring, 1)
    L.record("more CQEs", reap_ready(L, ring))
    L.record("value", (yield from _fetch(L, ring, 5, fd, "user.sk")))
    yield from _finish(L, ring, fd)


@scenario("lx-iosqe-async", tags=(*TAGS, "file"))
def lx_iosqe_async(L: Any) -> Gen:
    """IOSQE_ASYNC changes nothing for requests that always run from io-wq: set and get with it work."""
    ring, fd = yield from _start(L, "/lx-ia")
    _fset(L, ring, 1, fd, "user.ia", b"async flag", sqe_flags=IOSQE_ASYNC)
    yield from _one(L, ring)
    buf = bytearray(16)
    _get(L, ring, 2, "/lx-ia", "user.ia", buf, sqe_flags=IOSQE_ASYNC)
    yield from _one(L, ring)
    L.record("value", bytes(buf[:10]))
    yield from _finish(L, ring, fd)


@scenario("lx-many-requests", tags=(*TAGS, "file", "link"))
def lx_many_requests(L: Any) -> Gen:
    """Eight linked FSETXATTRs of distinct names (values of 1 to 8 bytes) in one submission, then eight
    linked FGETXATTRs read them back, in order."""
    ring = yield from new_ring(L, 16)
    fd = yield from _file(L, "/lx-many")
    for i in range(8):
        _fset(
            L,
            ring,
            i + 1,
            fd,
            f"user.k{i}",
            bytes([0x30 + i]) * (i + 1),
            sqe_flags=IOSQE_IO_LINK if i < 7 else 0,
        )
    yield from submit_and_reap(L, ring, 8)
    bufs = [bytearray(8) for _ in range(8)]
    for i in range(8):
        _fget(L, ring, 20 + i, fd, f"user.k{i}", bufs[i], sqe_flags=IOSQE_IO_LINK if i < 7 else 0)
    yield from submit_and_reap(L, ring, 8)
    L.record("values", [bytes(b).rstrip(b"\0") for b in bufs])
    yield from _finish(L, ring, fd)
