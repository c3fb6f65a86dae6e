"""inotify(7) as liburing's test/fsnotify.c uses the idea: io_uring requests on watched files and
directories raise the events the system calls raise.  Written from the man pages (inotify(7),
inotify_init1(2), inotify_add_watch(2), inotify_rm_watch(2)); names prefixed ``lno-``.

Each scenario works in a directory of its own (``/lno-<name>``; the real side moves it inside the
run's private directory), watches with a non-blocking inotify descriptor and reads the queued events
with read(2) into a 4 KiB buffer: each is recorded as ``[wd, mask, name]``.  A rename's cookie is a
global counter on the real kernel, so only whether the two halves share a non-zero one is recorded."""

from __future__ import annotations

from typing import Any

from simuring.abi.inotify import (
    IN_ACCESS,
    IN_ALL_EVENTS,
    IN_ATTRIB,
    IN_CLOEXEC,
    IN_CLOSE_WRITE,
    IN_CREATE,
    IN_DELETE,
    IN_DELETE_SELF,
    IN_EXCL_UNLINK,
    IN_MASK_ADD,
    IN_MASK_CREATE,
    IN_MODIFY,
    IN_MOVE,
    IN_NONBLOCK,
    IN_ONESHOT,
    IN_ONLYDIR,
    IN_OPEN,
    inotify_events,
)
from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    make_file,
    new_pipe,
    new_ring,
    one_result,
    poll_add,
    prep_named,
    reap_one,
)
from simuring.uapi import IORING_FILE_INDEX_ALLOC

TAGS = ("liburing", "notify")
AT_FDCWD = -100
AT_REMOVEDIR = 0x200
POLLIN = 0x001
O_DIRECTORY = 0o200000  # x86-64
RENAME_EXCHANGE = 1 << 1


def _watching(L: Any, top: str, watched: str | None = None, mask: int = IN_ALL_EVENTS) -> Gen:
    """Make directory ``top`` and a non-blocking inotify descriptor watching ``watched`` (``top``
    when not given) for ``mask``; the descriptor."""
    yield from L.mkdir(top, 0o755)
    ifd = yield from L.inotify_init1(IN_NONBLOCK)
    yield from L.inotify_add_watch(ifd, watched or top, mask)
    return ifd


def _drain(L: Any, ifd: int, label: str = "events") -> Gen:
    """Read the queued events (one read(2) of 4 KiB) and record them as ``[wd, mask, name]``."""
    buf = bytearray(4096)
    n = yield from L.read(ifd, buf, len(buf))
    events = inotify_events(buf, n) if n > 0 else []
    L.record(label, [[wd, mask, name] for wd, mask, _, name in events])
    return events


def _file(L: Any, top: str, data: bytes = b"") -> Gen:
    """``top`` with a file ``f`` holding ``data`` in it; the file's path."""
    yield from L.mkdir(top, 0o755)
    path = top + "/f"
    yield from make_file(L, path, data)
    return path


@scenario("lno-init-flags", TAGS)
def init_flags(L: Any) -> Gen:
    """inotify_init1(2): 0, IN_NONBLOCK and IN_CLOEXEC give a descriptor; any other flag is -EINVAL."""
    for flags in (0, IN_NONBLOCK, IN_CLOEXEC, IN_NONBLOCK | IN_CLOEXEC, 1, 0x10, IN_NONBLOCK | 4):
        fd = yield from L.inotify_init1(flags)
        if fd >= 0:
            yield from L.close(fd)


@scenario("lno-add-errors", TAGS)
def add_errors(L: Any) -> Gen:
    """inotify_add_watch(2)'s errors: an empty mask is -EINVAL, IN_MASK_ADD with IN_MASK_CREATE
    -EINVAL, a closed descriptor -EBADF, a descriptor that is not an inotify one -EINVAL, a missing
    path -ENOENT, IN_ONLYDIR on a file -ENOTDIR, IN_MASK_CREATE on a watched inode -EEXIST."""
    path = yield from _file(L, "/lno-adderr")
    ifd = yield from L.inotify_init1(IN_NONBLOCK)
    fds = yield from new_pipe(L)
    yield from L.inotify_add_watch(ifd, path, 0)
    yield from L.inotify_add_watch(ifd, path, IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE)
    yield from L.inotify_add_watch(99, path, IN_MODIFY)
    yield from L.inotify_add_watch(fds[0], path, IN_MODIFY)
    yield from L.inotify_add_watch(99, path, 0)
    yield from L.inotify_add_watch(ifd, "/lno-adderr/missing", IN_MODIFY)
    yield from L.inotify_add_watch(ifd, path, IN_MODIFY | IN_ONLYDIR)
    yield from L.inotify_add_watch(ifd, "/lno-adderr", IN_MODIFY | IN_ONLYDIR)
    yield from L.inotify_add_watch(ifd, path, IN_MODIFY | IN_MASK_CREATE)
    yield from L.inotify_add_watch(ifd, path, IN_MODIFY | IN_MASK_CREATE)


@scenario("lno-wd-numbering", TAGS)
def wd_numbering(L: Any) -> Gen:
    """Watch descriptors count up from 1 per inotify instance; a second watch on the same inode
    returns its descriptor; a removed one's number is not handed out again."""
    a = yield from _file(L, "/lno-wd")
    b = "/lno-wd/g"
    yield from make_file(L, b)
    ifd = yield from L.inotify_init1(IN_NONBLOCK)
    other = yield from L.inotify_init1(IN_NONBLOCK)
    yield from L.inotify_add_watch(ifd, a, IN_MODIFY)
    yield from L.inotify_add_watch(ifd, b, IN_MODIFY)
    yield from L.inotify_add_watch(ifd, a, IN_ACCESS)
    yield from L.inotify_add_watch(other, b, IN_MODIFY)
    yield from L.inotify_rm_watch(ifd, 2)
    yield from L.inotify_add_watch(ifd, b, IN_MODIFY)
    yield from L.inotify_add_watch(ifd, "/lno-wd", IN_CREATE)


@scenario("lno-rm-watch", TAGS)
def rm_watch(L: Any) -> Gen:
    """inotify_rm_watch(2) queues IN_IGNORED for the watch; removing it again, or a descriptor never
    handed out, is -EINVAL; a descriptor that is not an inotify one -EINVAL, a closed one -EBADF."""
    path = yield from _file(L, "/lno-rm")
    ifd = yield from L.inotify_init1(IN_NONBLOCK)
    fds = yield from new_pipe(L)
    wd = yield from L.inotify_add_watch(ifd, path, IN_MODIFY)
    yield from L.inotify_rm_watch(ifd, wd)
    yield from L.inotify_rm_watch(ifd, wd)
    yield from L.inotify_rm_watch(ifd, 7)
    yield from L.inotify_rm_watch(fds[0], wd)
    yield from L.inotify_rm_watch(99, wd)
    yield from _drain(L, ifd)


@scenario("lno-read-empty", TAGS)
def read_empty(L: Any) -> Gen:
    """read(2) of a non-blocking inotify descriptor with no event is -EAGAIN; write(2) is -EINVAL."""
    ifd = yield from L.inotify_init1(IN_NONBLOCK)
    buf = bytearray(64)
    yield from L.read(ifd, buf, 64)
    yield from L.write(ifd, buf, 8)


@scenario("lno-read-too-small", TAGS)
def read_too_small(L: Any) -> Gen:
    """A read(2) buffer smaller than the next event is -EINVAL and leaves it queued (16 bytes for an
    event without a name; the name is padded to a multiple of 16 bytes, NUL included); a buffer
    that holds one event but not two returns one."""
    yield from L.mkdir("/lno-small", 0o755)
    ifd = yield from L.inotify_init1(IN_NONBLOCK)
    yield from L.inotify_add_watch(ifd, "/lno-small", IN_CREATE)
    yield from make_file(L, "/lno-small/f")
    yield from make_file(L, "/lno-small/abcdefghijklmnop")
    buf = bytearray(256)
    yield from L.read(ifd, buf, 15)
    yield from L.read(ifd, buf, 16)
    yield from L.read(ifd, buf, 31)
    n = yield from L.read(ifd, buf, 32)
    L.record("first", [[wd, mask, name] for wd, mask, _, name in inotify_events(buf, max(n, 0))])
    yield from L.read(ifd, buf, 47)
    yield from _drain(L, ifd)


@scenario("lno-sys-read", TAGS)
def sys_read(L: Any) -> Gen:
    """read(2) of a watched file: IN_OPEN, IN_ACCESS for a read that returns data (none at end of
    file), IN_CLOSE_NOWRITE on close."""
    path = yield from _file(L, "/lno-sysread", b"hello")
    ifd = yield from L.inotify_init1(IN_NONBLOCK)
    yield from L.inotify_add_watch(ifd, path, IN_ALL_EVENTS)
    fd = yield from L.open(path, L.O_RDONLY, 0)
    buf = bytearray(16)
    yield from L.read(fd, buf, 16)
    yield from _drain(L, ifd, "after-read")
    yield from L.read(fd, buf, 16)
    yield from _drain(L, ifd, "after-eof")
    yield from L.close(fd)
    yield from _drain(L, ifd, "after-close")


@scenario("lno-sys-write-merge", TAGS)
def sys_write_merge(L: Any) -> Gen:
    """write(2) raises IN_MODIFY; identical events in a row are queued once (the kernel merges an
    event equal to the last one queued), but not when another came between; close of a writable
    file is IN_CLOSE_WRITE."""
    path = yield from _file(L, "/lno-merge")
    ifd = yield from L.inotify_init1(IN_NONBLOCK)
    yield from L.inotify_add_watch(ifd, path, IN_ALL_EVENTS)
    fd = yield from L.open(path, L.O_RDWR, 0)
    for _ in range(3):
        yield from L.write(fd, b"ab", 2)
    yield from L.lseek(fd, 0, 0)
    buf = bytearray(2)
    yield from L.read(fd, buf, 2)
    yield from L.write(fd, b"cd", 2)
    yield from L.write(fd, b"ef", 2)
    yield from L.close(fd)
    yield from _drain(L, ifd)


@scenario("lno-sys-truncate", TAGS)
def sys_truncate(L: Any) -> Gen:
    """ftruncate(2) raises IN_MODIFY; open(2) with O_TRUNC raises IN_OPEN, then IN_MODIFY (the
    truncation comes after ``vfs_open``)."""
    path = yield from _file(L, "/lno-trunc", b"0123456789")
    ifd = yield from L.inotify_init1(IN_NONBLOCK)
    yield from L.inotify_add_watch(ifd, path, IN_ALL_EVENTS)
    fd = yield from L.open(path, L.O_RDWR, 0)
    yield from L.ftruncate(fd, 4)
    yield from L.close(fd)
    fd = yield from L.open(path, L.O_WRONLY | L.O_TRUNC, 0)
    yield from L.close(fd)
    yield from _drain(L, ifd)


@scenario("lno-mask-filter", TAGS)
def mask_filter(L: Any) -> Gen:
    """Only the events in a watch's mask are queued: a watch for IN_CLOSE_WRITE sees none of the
    open, read and write events, and the read-only close is not reported either."""
    path = yield from _file(L, "/lno-filter", b"abc")
    ifd = yield from L.inotify_init1(IN_NONBLOCK)
    yield from L.inotify_add_watch(ifd, path, IN_CLOSE_WRITE)
    fd = yield from L.open(path, L.O_RDONLY, 0)
    yield from L.read(fd, bytearray(4), 4)
    yield from L.close(fd)
    fd = yield from L.open(path, L.O_WRONLY, 0)
    yield from L.write(fd, b"x", 1)
    yield from L.close(fd)
    yield from _drain(L, ifd)


@scenario("lno-mask-add", TAGS)
def mask_add(L: Any) -> Gen:
    """A second inotify_add_watch(2) on a watched inode replaces the mask, or with IN_MASK_ADD adds
    to it."""
    path = yield from _file(L, "/lno-maskadd", b"abc")
    ifd = yield from L.inotify_init1(IN_NONBLOCK)
    yield from L.inotify_add_watch(ifd, path, IN_ACCESS)
    yield from L.inotify_add_watch(ifd, path, IN_OPEN)
    fd = yield from L.open(path, L.O_RDONLY, 0)
    yield from L.read(fd, bytearray(4), 4)
    yield from _drain(L, ifd, "replaced")
    yield from L.inotify_add_watch(ifd, path, IN_ACCESS | IN_MASK_ADD)
    yield from L.lseek(fd, 0, 0)
    yield from L.read(fd, bytearray(4), 4)
    yield from L.close(fd)
    fd = yield from L.open(path, L.O_RDONLY, 0)
    yield from L.close(fd)
    yield from _drain(L, ifd, "added")


@scenario("lno-dir-children", TAGS)
def dir_children(L: Any) -> Gen:
    """A watched directory sees its children's events with their names: IN_CREATE, IN_OPEN,
    IN_MODIFY, IN_CLOSE_WRITE, IN_ACCESS, IN_CLOSE_NOWRITE and IN_DELETE for a file; IN_CREATE and
    IN_DELETE with IN_ISDIR for a subdirectory."""
    ifd = yield from _watching(L, "/lno-dir")
    fd = yield from L.open("/lno-dir/file", L.O_CREAT | L.O_WRONLY, 0o644)
    yield from L.write(fd, b"x", 1)
    yield from L.close(fd)
    fd = yield from L.open("/lno-dir/file", L.O_RDONLY, 0)
    yield from L.read(fd, bytearray(4), 4)
    yield from L.close(fd)
    yield from L.unlink("/lno-dir/file")
    yield from L.mkdir("/lno-dir/sub", 0o755)
    yield from L.rmdir("/lno-dir/sub")
    yield from _drain(L, ifd)


@scenario("lno-dir-and-file", TAGS)
def dir_and_file(L: Any) -> Gen:
    """A file watched by itself and through its watched directory: one write queues the
    directory's event (with the name) and then the file's (without)."""
    path = yield from _file(L, "/lno-both")
    ifd = yield from L.inotify_init1(IN_NONBLOCK)
    yield from L.inotify_add_watch(ifd, "/lno-both", IN_MODIFY)
    yield from L.inotify_add_watch(ifd, path, IN_MODIFY)
    fd = yield from L.open(path, L.O_WRONLY, 0)
    yield from L.write(fd, b"x", 1)
    yield from L.close(fd)
    yield from _drain(L, ifd)


def _uring(L: Any, top: str, data: bytes = b"") -> Gen:
    """A ring, a file in ``top`` and an inotify descriptor watching the file; (ring, path, ifd)."""
    ring = yield from new_ring(L)
    path = yield from _file(L, top, data)
    ifd = yield from L.inotify_init1(IN_NONBLOCK)
    yield from L.inotify_add_watch(ifd, path, IN_ALL_EVENTS)
    return ring, path, ifd


def _uring_read_at(L: Any, top: str, offset: int) -> Gen:
    """A watched file holding 5 bytes, opened; the events of the open, then of an io_uring READ of
    8 bytes at ``offset``."""
    ring, path, ifd = yield from _uring(L, top, b"hello")
    fd = yield from L.open(path, L.O_RDONLY, 0)
    yield from _drain(L, ifd, "open")
    yield from one_result(L, ring, 1, "io_uring_prep_read", fd, bytearray(8), 8, offset)
    yield from _drain(L, ifd, "read")


@scenario("lno-uring-read", TAGS)
def uring_read(L: Any) -> Gen:
    """An io_uring READ of a watched file raises IN_ACCESS, as read(2) does."""
    yield from _uring_read_at(L, "/lno-uread", 0)


@scenario("lno-uring-read-eof", TAGS)
def uring_read_eof(L: Any) -> Gen:
    """An io_uring READ at the end of a watched file (0 bytes) still raises IN_ACCESS, where read(2)
    at the end of the file raises nothing (lno-sys-read)."""
    yield from _uring_read_at(L, "/lno-ureof", 5)


@scenario("lno-uring-write", TAGS)
def uring_write(L: Any) -> Gen:
    """io_uring WRITEs of a watched file raise IN_MODIFY, merged when in a row."""
    ring, path, ifd = yield from _uring(L, "/lno-uwrite")
    fd = yield from L.open(path, L.O_WRONLY, 0)
    yield from one_result(L, ring, 1, "io_uring_prep_write", fd, b"abc", 3, 0)
    yield from one_result(L, ring, 2, "io_uring_prep_write", fd, b"def", 3, 3)
    yield from _drain(L, ifd)


@scenario("lno-uring-readv-writev", TAGS)
def uring_readv_writev(L: Any) -> Gen:
    """io_uring WRITEV and READV raise IN_MODIFY and IN_ACCESS."""
    ring, path, ifd = yield from _uring(L, "/lno-uvec")
    fd = yield from L.open(path, L.O_RDWR, 0)
    src = [bytearray(b"ab"), bytearray(b"cd")]
    yield from one_result(L, ring, 1, "io_uring_prep_writev", fd, src, 2, 0)
    dst = [bytearray(2), bytearray(2)]
    yield from one_result(L, ring, 2, "io_uring_prep_readv", fd, dst, 2, 0)
    yield from _drain(L, ifd)


@scenario("lno-uring-open-close", TAGS)
def uring_open_close(L: Any) -> Gen:
    """io_uring OPENAT raises IN_OPEN and CLOSE IN_CLOSE_NOWRITE / IN_CLOSE_WRITE."""
    ring, path, ifd = yield from _uring(L, "/lno-uopen", b"x")
    fd = yield from one_result(L, ring, 1, "io_uring_prep_openat", AT_FDCWD, path, L.O_RDONLY, 0)
    yield from one_result(L, ring, 2, "io_uring_prep_close", fd)
    fd = yield from one_result(L, ring, 3, "io_uring_prep_openat", AT_FDCWD, path, L.O_RDWR, 0)
    yield from one_result(L, ring, 4, "io_uring_prep_close", fd)
    yield from _drain(L, ifd)


@scenario("lno-uring-ftruncate", TAGS)
def uring_ftruncate(L: Any) -> Gen:
    """io_uring FTRUNCATE raises IN_MODIFY."""
    ring, path, ifd = yield from _uring(L, "/lno-utrunc", b"0123456789")
    fd = yield from L.open(path, L.O_RDWR, 0)
    yield from _drain(L, ifd, "open")
    yield from one_result(L, ring, 1, "io_uring_prep_ftruncate", fd, 3)
    yield from _drain(L, ifd, "truncate")


@scenario("lno-uring-dirops", TAGS)
def uring_dirops(L: Any) -> Gen:
    """io_uring OPENAT with O_CREAT, MKDIRAT, UNLINKAT (a file and, with AT_REMOVEDIR, a directory)
    on a watched directory raise IN_CREATE and IN_DELETE with the names (IN_ISDIR for the
    directory)."""
    ring = yield from new_ring(L)
    ifd = yield from _watching(L, "/lno-udir", None, IN_CREATE | IN_DELETE)
    fd = yield from one_result(
        L, ring, 1, "io_uring_prep_openat", AT_FDCWD, "/lno-udir/f", L.O_CREAT | L.O_RDWR, 0o644
    )
    yield from L.close(fd)
    yield from one_result(L, ring, 2, "io_uring_prep_mkdirat", AT_FDCWD, "/lno-udir/d", 0o755)
    yield from one_result(L, ring, 3, "io_uring_prep_unlinkat", AT_FDCWD, "/lno-udir/f", 0)
    yield from one_result(L, ring, 4, "io_uring_prep_unlinkat", AT_FDCWD, "/lno-udir/d", AT_REMOVEDIR)
    yield from _drain(L, ifd)


@scenario("lno-uring-rename", TAGS)
def uring_rename(L: Any) -> Gen:
    """io_uring RENAMEAT between two watched directories: IN_MOVED_FROM on the old one and
    IN_MOVED_TO on the new one, with the names and one non-zero cookie."""
    ring = yield from new_ring(L)
    ifd = yield from _watching(L, "/lno-urename", None, IN_MOVE)
    yield from L.mkdir("/lno-urename/to", 0o755)
    yield from L.inotify_add_watch(ifd, "/lno-urename/to", IN_MOVE)
    yield from make_file(L, "/lno-urename/a")
    yield from one_result(
        L, ring, 1, "io_uring_prep_renameat", AT_FDCWD, "/lno-urename/a", AT_FDCWD, "/lno-urename/to/b", 0
    )
    events = yield from _drain(L, ifd)
    cookies = [cookie for _, _, cookie, _ in events]
    L.record("cookies", [len(set(cookies)), all(cookies)])


@scenario("lno-uring-poll", TAGS)
def uring_poll(L: Any) -> Gen:
    """An io_uring POLL_ADD for POLLIN on an inotify descriptor completes when an event is queued."""
    ring, path, ifd = yield from _uring(L, "/lno-upoll", b"x")
    poll_add(L, ring, ifd, POLLIN, 1)
    yield from L.io_uring_submit(ring)
    fd = yield from L.open(path, L.O_RDONLY, 0)
    yield from reap_one(L, ring)
    yield from L.close(fd)
    yield from _drain(L, ifd)


@scenario("lno-uring-read-inotify", TAGS)
def uring_read_inotify(L: Any) -> Gen:
    """An io_uring READ of an empty inotify descriptor waits (poll-driven) and completes with the
    event once one is queued; a buffer too small for it completes with -EINVAL."""
    ring, path, ifd = yield from _uring(L, "/lno-uinot", b"x")
    buf = bytearray(64)
    prep_named(L, ring, 1, "io_uring_prep_read", ifd, buf, 64, 0)
    yield from L.io_uring_submit(ring)
    fd = yield from L.open(path, L.O_RDONLY, 0)
    got = yield from reap_one(L, ring)
    n = got[1] if got else 0
    L.record("read", [[wd, mask, name] for wd, mask, _, name in inotify_events(buf, max(n, 0))])
    yield from L.close(fd)
    yield from one_result(L, ring, 2, "io_uring_prep_read", ifd, buf, 8, 0)
    yield from _drain(L, ifd)


@scenario("lno-uring-write-empty", TAGS)
def uring_write_empty(L: Any) -> Gen:
    """A WRITE of 0 bytes raises IN_MODIFY (io_uring notifies for any result >= 0) where write(2)
    of 0 bytes raises nothing; a READ that fails (-EBADF on a write-only file) raises nothing."""
    ring, path, ifd = yield from _uring(L, "/lno-uwempty")
    fd = yield from L.open(path, L.O_WRONLY, 0)
    yield from _drain(L, ifd, "open")
    yield from L.write(fd, b"", 0)
    yield from _drain(L, ifd, "sys-write")
    yield from one_result(L, ring, 1, "io_uring_prep_write", fd, b"", 0, 0)
    yield from _drain(L, ifd, "uring-write")
    yield from one_result(L, ring, 2, "io_uring_prep_read", fd, bytearray(4), 4, 0)
    yield from _drain(L, ifd, "uring-read-fails")


@scenario("lno-uring-link-unlink", TAGS)
def uring_link_unlink(L: Any) -> Gen:
    """io_uring LINKAT and UNLINKAT of a second name of a watched file in a watched directory:
    IN_ATTRIB on the file (its link count) before IN_CREATE / IN_DELETE in the directory."""
    ring = yield from new_ring(L)
    ifd = yield from _watching(L, "/lno-ulink", None, IN_CREATE | IN_DELETE)
    yield from make_file(L, "/lno-ulink/a")
    yield from L.inotify_add_watch(ifd, "/lno-ulink/a", IN_ATTRIB)
    yield from one_result(
        L, ring, 1, "io_uring_prep_linkat", AT_FDCWD, "/lno-ulink/a", AT_FDCWD, "/lno-ulink/b", 0
    )
    yield from one_result(L, ring, 2, "io_uring_prep_unlinkat", AT_FDCWD, "/lno-ulink/b", 0)
    yield from _drain(L, ifd)


@scenario("lno-rename-self", TAGS)
def rename_self(L: Any) -> Gen:
    """A watched file renamed (io_uring RENAMEAT) in its watched directory: IN_MOVED_FROM and
    IN_MOVED_TO in the directory, then IN_MOVE_SELF on the file's own watch."""
    ring = yield from new_ring(L)
    ifd = yield from _watching(L, "/lno-mself", None, IN_MOVE)
    yield from make_file(L, "/lno-mself/a")
    yield from L.inotify_add_watch(ifd, "/lno-mself/a", IN_ALL_EVENTS)
    yield from one_result(
        L, ring, 1, "io_uring_prep_renameat", AT_FDCWD, "/lno-mself/a", AT_FDCWD, "/lno-mself/b", 0
    )
    events = yield from _drain(L, ifd)
    L.record("cookies", [cookie != 0 for _, _, cookie, _ in events])


@scenario("lno-oneshot", TAGS)
def oneshot(L: Any) -> Gen:
    """IN_ONESHOT: the watch's first event is queued with IN_IGNORED after it, and the watch is
    gone (removing it is -EINVAL)."""
    path = yield from _file(L, "/lno-oneshot", b"abc")
    ifd = yield from L.inotify_init1(IN_NONBLOCK)
    wd = yield from L.inotify_add_watch(ifd, path, IN_OPEN | IN_ACCESS | IN_ONESHOT)
    fd = yield from L.open(path, L.O_RDONLY, 0)
    yield from L.read(fd, bytearray(4), 4)
    yield from L.close(fd)
    yield from _drain(L, ifd)
    yield from L.inotify_rm_watch(ifd, wd)
    yield from L.inotify_add_watch(ifd, path, IN_OPEN)


def _drain_all(L: Any, ifd: int, label: str = "events") -> Gen:
    """As :func:`_drain`, but each event as ``[wd, mask, cookie, name]`` (the cookie of the events
    recorded here is fixed: 0)."""
    buf = bytearray(4096)
    n = yield from L.read(ifd, buf, len(buf))
    events = inotify_events(buf, n) if n > 0 else []
    L.record(label, [[wd, mask, cookie, name] for wd, mask, cookie, name in events])
    return events


def _watch_file_and_dir(L: Any, top: str) -> Gen:
    """``top`` watched for everything, with a file ``f`` in it watched too; (ifd, path)."""
    ifd = yield from _watching(L, top)
    path = top + "/f"
    yield from make_file(L, path)
    yield from L.inotify_add_watch(ifd, path, IN_ALL_EVENTS)
    yield from _drain_all(L, ifd, "setup")
    return ifd, path


def _remove_then_close(L: Any, ifd: int, fd: int, *removals: tuple[str, str]) -> Gen:
    """Each ``(call, path)`` of ``removals`` (``unlink`` or ``rmdir``) while ``fd`` is open, then
    its close; the events after the removals ("unlinked") and after the close ("closed")."""
    for call, path in removals:
        yield from getattr(L, call)(path)
    yield from _drain_all(L, ifd, "unlinked")
    yield from L.close(fd)
    yield from _drain_all(L, ifd, "closed")


@scenario("lno-delete-self", TAGS)
def delete_self(L: Any) -> Gen:
    """unlink(2) of a watched file's only name, no descriptor open: IN_ATTRIB (its link count),
    IN_DELETE_SELF and IN_IGNORED on the file's watch, then IN_DELETE in the watched directory;
    the watch is gone (inotify_rm_watch(2) -EINVAL)."""
    ifd, path = yield from _watch_file_and_dir(L, "/lno-dself")
    yield from L.unlink(path)
    yield from _drain_all(L, ifd)
    yield from L.inotify_rm_watch(ifd, 2)


@scenario("lno-uring-delete-self", TAGS)
def uring_delete_self(L: Any) -> Gen:
    """io_uring UNLINKAT of a watched file's only name: the events unlink(2) raises
    (lno-delete-self)."""
    ring = yield from new_ring(L)
    ifd, path = yield from _watch_file_and_dir(L, "/lno-udself")
    yield from one_result(L, ring, 1, "io_uring_prep_unlinkat", AT_FDCWD, path, 0)
    yield from _drain_all(L, ifd)


@scenario("lno-delete-self-open", TAGS)
def delete_self_open(L: Any) -> Gen:
    """A watched file unlinked while a descriptor holds it: IN_ATTRIB and the directory's IN_DELETE
    only; IN_DELETE_SELF and IN_IGNORED come when the last descriptor is closed, after its
    IN_CLOSE_NOWRITE (the first close raises only IN_CLOSE_WRITE)."""
    ifd, path = yield from _watch_file_and_dir(L, "/lno-dsopen")
    fd = yield from L.open(path, L.O_WRONLY, 0)
    dup = yield from L.open(path, L.O_RDONLY, 0)
    yield from _drain_all(L, ifd, "open")
    yield from L.unlink(path)
    yield from _drain_all(L, ifd, "unlinked")
    yield from L.close(fd)
    yield from _drain_all(L, ifd, "closed-one")
    yield from L.close(dup)
    yield from _drain_all(L, ifd, "closed-last")


@scenario("lno-uring-delete-self-open", TAGS)
def uring_delete_self_open(L: Any) -> Gen:
    """io_uring UNLINKAT of a watched file opened by io_uring OPENAT, then io_uring CLOSE: the
    IN_DELETE_SELF and IN_IGNORED wait for the CLOSE."""
    ring = yield from new_ring(L)
    ifd, path = yield from _watch_file_and_dir(L, "/lno-udsopen")
    fd = yield from one_result(L, ring, 1, "io_uring_prep_openat", AT_FDCWD, path, L.O_RDONLY, 0)
    yield from one_result(L, ring, 2, "io_uring_prep_unlinkat", AT_FDCWD, path, 0)
    yield from _drain_all(L, ifd, "unlinked")
    yield from one_result(L, ring, 3, "io_uring_prep_close", fd)
    yield from _drain_all(L, ifd, "closed")


@scenario("lno-delete-self-links", TAGS)
def delete_self_links(L: Any) -> Gen:
    """A watched file with two names: unlinking the first raises IN_ATTRIB and IN_DELETE only; the
    second, IN_DELETE_SELF and IN_IGNORED as well."""
    ring = yield from new_ring(L)
    ifd, path = yield from _watch_file_and_dir(L, "/lno-dslinks")
    yield from one_result(L, ring, 1, "io_uring_prep_linkat", AT_FDCWD, path, AT_FDCWD, "/lno-dslinks/g", 0)
    yield from _drain_all(L, ifd, "linked")
    yield from L.unlink(path)
    yield from _drain_all(L, ifd, "first")
    yield from L.unlink("/lno-dslinks/g")
    yield from _drain_all(L, ifd, "second")


@scenario("lno-delete-self-other-name", TAGS)
def delete_self_other_name(L: Any) -> Gen:
    """A file with two names, open by the first: unlinking the first, then the second (whose name
    no descriptor holds) raises IN_DELETE_SELF and IN_IGNORED at once; closing raises only
    IN_CLOSE_NOWRITE on the directory (the file's watch is gone)."""
    ring = yield from new_ring(L)
    ifd, path = yield from _watch_file_and_dir(L, "/lno-dsother")
    yield from one_result(L, ring, 1, "io_uring_prep_linkat", AT_FDCWD, path, AT_FDCWD, "/lno-dsother/g", 0)
    fd = yield from L.open(path, L.O_RDONLY, 0)
    yield from _drain_all(L, ifd, "open")
    yield from _remove_then_close(L, ifd, fd, ("unlink", path), ("unlink", "/lno-dsother/g"))


@scenario("lno-rmdir-self", TAGS)
def rmdir_self(L: Any) -> Gen:
    """rmdir(2) and io_uring UNLINKAT with AT_REMOVEDIR of watched directories: IN_DELETE_SELF and
    IN_IGNORED on the directory's watch, then IN_DELETE | IN_ISDIR in its watched parent."""
    ring = yield from new_ring(L)
    ifd = yield from _watching(L, "/lno-rmself")
    for sub in ("/lno-rmself/a", "/lno-rmself/b"):
        yield from L.mkdir(sub, 0o755)
        yield from L.inotify_add_watch(ifd, sub, IN_ALL_EVENTS)
    yield from _drain_all(L, ifd, "setup")
    yield from L.rmdir("/lno-rmself/a")
    yield from _drain_all(L, ifd, "rmdir")
    yield from one_result(L, ring, 1, "io_uring_prep_unlinkat", AT_FDCWD, "/lno-rmself/b", AT_REMOVEDIR)
    yield from _drain_all(L, ifd, "uring")


@scenario("lno-rmdir-self-open", TAGS)
def rmdir_self_open(L: Any) -> Gen:
    """A watched directory removed while a descriptor holds it open: IN_DELETE_SELF and IN_IGNORED
    come at the close, after the parent's IN_CLOSE_NOWRITE | IN_ISDIR with the removed name."""
    ifd = yield from _watching(L, "/lno-rmopen")
    yield from L.mkdir("/lno-rmopen/a", 0o755)
    yield from L.inotify_add_watch(ifd, "/lno-rmopen/a", IN_DELETE_SELF)
    fd = yield from L.open("/lno-rmopen/a", L.O_RDONLY | O_DIRECTORY, 0)
    yield from _drain_all(L, ifd, "setup")
    yield from _remove_then_close(L, ifd, fd, ("rmdir", "/lno-rmopen/a"))


@scenario("lno-excl-unlink", TAGS)
def excl_unlink(L: Any) -> Gen:
    """IN_EXCL_UNLINK: once a watched file's name is unlinked, the events of a descriptor still open
    on it (write, read, close) are not queued for the watches that asked for IN_EXCL_UNLINK (the
    directory's and the file's own), but are for another instance's watches without it; the
    unlink's IN_ATTRIB and an ftruncate(2)'s IN_MODIFY (no file in the event: ``fsnotify_change``)
    reach all of them."""
    ifd = yield from _watching(L, "/lno-excl", None, IN_ALL_EVENTS | IN_EXCL_UNLINK)
    other = yield from L.inotify_init1(IN_NONBLOCK)
    yield from L.inotify_add_watch(other, "/lno-excl", IN_ALL_EVENTS)
    path = "/lno-excl/f"
    yield from make_file(L, path)
    yield from L.inotify_add_watch(ifd, path, IN_ALL_EVENTS | IN_EXCL_UNLINK)
    yield from L.inotify_add_watch(other, path, IN_ALL_EVENTS)
    fd = yield from L.open(path, L.O_RDWR, 0)
    yield from L.write(fd, b"ab", 2)
    yield from _drain_all(L, ifd, "linked")
    yield from _drain_all(L, other, "other-linked")
    yield from L.unlink(path)
    yield from L.write(fd, b"cd", 2)
    yield from L.lseek(fd, 0, 0)
    yield from L.read(fd, bytearray(4), 4)
    yield from L.ftruncate(fd, 1)
    yield from L.close(fd)
    yield from _drain_all(L, ifd, "unlinked")
    yield from _drain_all(L, other, "other-unlinked")


@scenario("lno-uring-excl-unlink", TAGS)
def uring_excl_unlink(L: Any) -> Gen:
    """IN_EXCL_UNLINK with io_uring: after UNLINKAT, WRITE, READ and CLOSE of the open file raise
    nothing for the directory's watch with IN_EXCL_UNLINK, and FTRUNCATE's IN_MODIFY still comes."""
    ring = yield from new_ring(L)
    ifd = yield from _watching(L, "/lno-uexcl", None, IN_ALL_EVENTS | IN_EXCL_UNLINK)
    path = "/lno-uexcl/f"
    fd = yield from one_result(L, ring, 1, "io_uring_prep_openat", AT_FDCWD, path, L.O_CREAT | L.O_RDWR, 0o644)
    yield from one_result(L, ring, 2, "io_uring_prep_unlinkat", AT_FDCWD, path, 0)
    yield from one_result(L, ring, 3, "io_uring_prep_write", fd, b"abc", 3, 0)
    yield from one_result(L, ring, 4, "io_uring_prep_read", fd, bytearray(4), 4, 0)
    yield from one_result(L, ring, 5, "io_uring_prep_ftruncate", fd, 1)
    yield from one_result(L, ring, 6, "io_uring_prep_close", fd)
    yield from _drain_all(L, ifd)


MAX_QUEUED_EVENTS = 16384
"""/proc/sys/fs/inotify/max_queued_events's default, as on the test machine (the scenario below
needs it: a machine with another value differs)."""


@scenario("lno-queue-overflow", TAGS)
def queue_overflow(L: Any) -> Gen:
    """inotify's queue limit: write(2)s to a file watched by itself and through its directory
    queue two events each, never merged; once ``max_queued_events`` (16384) are queued, the next
    event is replaced by one IN_Q_OVERFLOW (wd -1, no name) and the rest are dropped while it is
    queued; read(2) returns them all, and then the queue takes events again.  (io_uring WRITEs
    would do: but a batch of them is not deterministic on the real kernel, its events arriving
    while the read drains the queue.)"""
    ring = yield from new_ring(L)
    ifd = yield from _watching(L, "/lno-qover", None, IN_MODIFY)
    path = "/lno-qover/f"
    yield from make_file(L, path)
    yield from L.inotify_add_watch(ifd, path, IN_MODIFY)
    fd = yield from L.open(path, L.O_WRONLY, 0)
    for _ in range(MAX_QUEUED_EVENTS // 2 + 3):
        yield from L.write(fd, b"x", 1)
    buf = bytearray((MAX_QUEUED_EVENTS + 8) * 32)
    n = yield from L.read(ifd, buf, len(buf))
    events = [[wd, mask, cookie, name] for wd, mask, cookie, name in inotify_events(buf, max(n, 0))]
    L.record("count", len(events))
    L.record("first", events[:2])
    L.record("last", events[-3:])
    yield from one_result(L, ring, 1, "io_uring_prep_write", fd, b"x", 1, 0)
    yield from _drain_all(L, ifd, "after")



@scenario("lno-dir-open-close", TAGS)
def dir_open_close(L: Any) -> Gen:
    """A directory opened and closed (open(2) and close(2), io_uring OPENAT and CLOSE) raises
    IN_OPEN and IN_CLOSE_NOWRITE with IN_ISDIR, in its watched parent (with its name) and then
    on its own watch."""
    ring = yield from new_ring(L)
    ifd = yield from _watching(L, "/lno-diropen")
    yield from L.mkdir("/lno-diropen/sub", 0o755)
    yield from L.inotify_add_watch(ifd, "/lno-diropen/sub", IN_ALL_EVENTS)
    yield from _drain_all(L, ifd, "setup")
    fd = yield from L.open("/lno-diropen/sub", L.O_RDONLY | O_DIRECTORY, 0)
    yield from _drain_all(L, ifd, "open")
    yield from L.close(fd)
    yield from _drain_all(L, ifd, "close")
    fd = yield from one_result(
        L, ring, 1, "io_uring_prep_openat", AT_FDCWD, "/lno-diropen/sub", L.O_RDONLY | O_DIRECTORY, 0
    )
    yield from one_result(L, ring, 2, "io_uring_prep_close", fd)
    yield from _drain_all(L, ifd, "uring")


@scenario("lno-uring-rename-dir", TAGS)
def uring_rename_dir(L: Any) -> Gen:
    """io_uring RENAMEAT of a watched subdirectory within its watched parent: IN_MOVED_FROM and
    IN_MOVED_TO with IN_ISDIR and one non-zero cookie, then the subdirectory's own IN_MOVE_SELF."""
    ring = yield from new_ring(L)
    ifd = yield from _watching(L, "/lno-urdir")
    yield from L.mkdir("/lno-urdir/a", 0o755)
    yield from L.inotify_add_watch(ifd, "/lno-urdir/a", IN_ALL_EVENTS)
    yield from _drain(L, ifd, "setup")
    yield from one_result(
        L, ring, 1, "io_uring_prep_renameat", AT_FDCWD, "/lno-urdir/a", AT_FDCWD, "/lno-urdir/b", 0
    )
    events = yield from _drain(L, ifd)
    cookies = [cookie for _, mask, cookie, _ in events if mask & IN_MOVE]
    L.record("cookies", [len(set(cookies)), all(cookies)])


@scenario("lno-uring-direct-open-fails", TAGS)
def uring_direct_open_fails(L: Any) -> Gen:
    """An io_uring OPENAT into a registered slot that does not exist (-EINVAL) and one allocating a
    slot from a full table (-ENFILE) open the watched file and drop it (``io_fixed_fd_install``'s
    ``fput``): IN_OPEN then IN_CLOSE_NOWRITE each, and the dropped files hold nothing: unlinking
    the file raises IN_DELETE_SELF at once."""
    ring = yield from new_ring(L)
    ifd, path = yield from _watch_file_and_dir(L, "/lno-udfail")
    yield from L.io_uring_register_files(ring, [ifd], 1)
    yield from one_result(L, ring, 1, "io_uring_prep_openat_direct", AT_FDCWD, path, L.O_RDONLY, 0, 5)
    yield from _drain_all(L, ifd, "bad-slot")
    yield from one_result(
        L, ring, 2, "io_uring_prep_openat_direct", AT_FDCWD, path, L.O_RDONLY, 0, IORING_FILE_INDEX_ALLOC
    )
    yield from _drain_all(L, ifd, "table-full")
    yield from L.unlink(path)
    yield from _drain_all(L, ifd, "unlinked")


# -- a rename's replaced target: its last name goes ----------------------------------------------
def _rename_over(L: Any, top: str, *, target_dir: bool = False) -> Gen:
    """``top`` watched for everything, holding ``a`` and ``b`` (two files holding their names, or two directories with
    ``target_dir``), each watched for everything too; the setup's events drained; (ring, ifd)."""
    ring = yield from new_ring(L)
    ifd = yield from _watching(L, top)
    for name in ("a", "b"):
        path = f"{top}/{name}"
        if target_dir:
            yield from L.mkdir(path, 0o755)
        else:
            yield from make_file(L, path, name.encode())
        yield from L.inotify_add_watch(ifd, path, IN_ALL_EVENTS)
    yield from _drain(L, ifd, "setup")
    return ring, ifd


def _rename_events(L: Any, ifd: int, label: str = "events") -> Gen:
    """The queued events (:func:`_drain`), and whether the rename's two halves share one non-zero
    cookie."""
    events = yield from _drain(L, ifd, label)
    cookies = [cookie for _, mask, cookie, _ in events if mask & IN_MOVE]
    L.record("cookies", [len(cookies), len(set(cookies)), all(cookies)])


@scenario("lno-uring-rename-over", TAGS)
def uring_rename_over(L: Any) -> Gen:
    """io_uring RENAMEAT of a watched file over another watched file in their watched directory: the
    directory's IN_MOVED_FROM and IN_MOVED_TO, the replaced file's IN_ATTRIB (its link count), the
    moved file's IN_MOVE_SELF, then the replaced file's IN_DELETE_SELF and IN_IGNORED (its last name
    went); its watch is gone (inotify_rm_watch(2) -EINVAL), the moved file's is not."""
    ring, ifd = yield from _rename_over(L, "/lno-urover")
    yield from one_result(
        L, ring, 1, "io_uring_prep_renameat", AT_FDCWD, "/lno-urover/a", AT_FDCWD, "/lno-urover/b", 0
    )
    yield from _rename_events(L, ifd)
    yield from L.inotify_rm_watch(ifd, 3)
    yield from L.inotify_rm_watch(ifd, 2)


@scenario("lno-uring-rename-over-open", TAGS)
def uring_rename_over_open(L: Any) -> Gen:
    """The replaced file open by a descriptor while a RENAMEAT replaces it: no IN_DELETE_SELF at the
    rename; the descriptor still reads the old file, and its close raises the old file's
    IN_CLOSE_NOWRITE (on its own watch and the directory's, with the name it was opened by), then
    its IN_DELETE_SELF and IN_IGNORED."""
    ring, ifd = yield from _rename_over(L, "/lno-uroopen")
    fd = yield from L.open("/lno-uroopen/b", L.O_RDONLY, 0)
    yield from _drain(L, ifd, "opened")
    yield from one_result(
        L, ring, 1, "io_uring_prep_renameat", AT_FDCWD, "/lno-uroopen/a", AT_FDCWD, "/lno-uroopen/b", 0
    )
    yield from _rename_events(L, ifd, "renamed")
    buf = bytearray(8)
    n = yield from L.read(fd, buf, 8)
    L.record("old data", bytes(buf[: max(n, 0)]))
    yield from _drain(L, ifd, "read")
    yield from L.close(fd)
    yield from _drain(L, ifd, "closed")


@scenario("lno-uring-rename-over-dir", TAGS)
def uring_rename_over_dir(L: Any) -> Gen:
    """io_uring RENAMEAT of a watched directory over an empty watched directory: IN_MOVED_FROM and
    IN_MOVED_TO with IN_ISDIR, the replaced directory's IN_ATTRIB, the moved one's IN_MOVE_SELF, then
    the replaced one's IN_DELETE_SELF and IN_IGNORED."""
    ring, ifd = yield from _rename_over(L, "/lno-urodir", target_dir=True)
    yield from one_result(
        L, ring, 1, "io_uring_prep_renameat", AT_FDCWD, "/lno-urodir/a", AT_FDCWD, "/lno-urodir/b", 0
    )
    yield from _rename_events(L, ifd)


@scenario("lno-uring-rename-over-linked", TAGS)
def uring_rename_over_linked(L: Any) -> Gen:
    """A RENAMEAT over a watched file that has a second name: its IN_ATTRIB only (a name is left); the
    second name's unlink then raises its IN_DELETE_SELF and IN_IGNORED.  RENAME_EXCHANGE of two
    watched files deletes neither: two IN_MOVED_FROM / IN_MOVED_TO pairs and two IN_MOVE_SELF."""
    ring, ifd = yield from _rename_over(L, "/lno-urolink")
    yield from one_result(
        L, ring, 1, "io_uring_prep_linkat", AT_FDCWD, "/lno-urolink/b", AT_FDCWD, "/lno-urolink/c", 0
    )
    yield from _drain(L, ifd, "linked")
    yield from one_result(
        L, ring, 2, "io_uring_prep_renameat", AT_FDCWD, "/lno-urolink/a", AT_FDCWD, "/lno-urolink/b", 0
    )
    yield from _rename_events(L, ifd, "renamed")
    yield from L.unlink("/lno-urolink/c")
    yield from _drain(L, ifd, "unlinked")
    yield from make_file(L, "/lno-urolink/d")
    yield from L.inotify_add_watch(ifd, "/lno-urolink/d", IN_ALL_EVENTS)
    yield from _drain(L, ifd, "made")
    yield from one_result(
        L, ring, 3, "io_uring_prep_renameat", AT_FDCWD, "/lno-urolink/b", AT_FDCWD, "/lno-urolink/d",
        RENAME_EXCHANGE,
    )
    yield from _rename_events(L, ifd, "exchanged")
