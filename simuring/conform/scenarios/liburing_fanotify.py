"""fanotify(7) as liburing's test/fsnotify.c uses it: a FAN_CLASS_NOTIF group marks a file for
FAN_ACCESS | FAN_MODIFY, io_uring reads and writes it, and the group's read(2) returns
``struct fanotify_event_metadata`` records.  Written from the man pages (fanotify(7),
fanotify_init(2), fanotify_mark(2)); names prefixed ``lfa-``.

Each scenario works in a directory of its own (``/lfa-<name>``).  A record is kept as
``[event_len, vers, metadata_len, mask, fd_ok, pid]`` where the descriptor's number and the pid's
value are the process's own: ``fd_ok`` says the fd is >= 0, and the pid is recorded as ``"pid"``
when it is the scenario's own getpid(2).  That the descriptor is open on the marked file is shown by
reading the file's bytes through it (which raises no event: it is opened FMODE_NONOTIFY)."""

from __future__ import annotations

from typing import Any

from simuring.abi.fanotify import (
    FAN_ACCESS,
    FAN_ATTRIB,
    FAN_CLASS_CONTENT,
    FAN_CLASS_PRE_CONTENT,
    FAN_CLOEXEC,
    FAN_CLOSE_NOWRITE,
    FAN_CLOSE_WRITE,
    FAN_EVENT_ON_CHILD,
    FAN_MARK_ADD,
    FAN_MARK_DONT_FOLLOW,
    FAN_MARK_FLUSH,
    FAN_MARK_ONLYDIR,
    FAN_MARK_REMOVE,
    FAN_MODIFY,
    FAN_NONBLOCK,
    FAN_ONDIR,
    FAN_OPEN,
    FAN_Q_OVERFLOW,
    fanotify_events,
)
from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    make_file,
    new_pipe,
    new_ring,
    one_result,
    poll_add,
    reap_one,
)
from simuring.uapi import IOSQE_ASYNC

TAGS = ("liburing", "notify")
AT_FDCWD = -100
POLLIN = 0x001
O_DIRECTORY = 0o200000  # x86-64


def _group(L: Any, top: str, data: bytes = b"", mask: int = FAN_ACCESS | FAN_MODIFY) -> Gen:
    """:func:`_setup`, the group marking the file for ``mask``; ``(group fd, file path)``."""
    gfd, path = yield from _setup(L, top, data)
    yield from L.fanotify_mark(gfd, FAN_MARK_ADD, mask, AT_FDCWD, path)
    return gfd, path


def _setup(L: Any, top: str, data: bytes = b"", init_flags: int = FAN_NONBLOCK) -> Gen:
    """Directory ``top`` with a file ``f`` holding ``data``, and a FAN_CLASS_NOTIF group made
    with ``init_flags`` (no mark yet); ``(group fd, file path)``."""
    yield from L.mkdir(top, 0o755)
    path = top + "/f"
    yield from make_file(L, path, data)
    gfd = yield from L.fanotify_init(init_flags, L.O_RDONLY)
    return gfd, path


def _drain(L: Any, gfd: int, label: str = "events", peek: int = 0) -> Gen:
    """Read the queued records (one read(2) of 4 KiB) and record them; each event's descriptor is
    read from (``peek`` bytes at offset 0, recorded) and closed."""
    buf = bytearray(4096)
    n = yield from L.read(gfd, buf, len(buf))
    events = fanotify_events(buf, n) if n > 0 else []
    me = yield from L.getpid()
    L.record(label, [[ln, vers, mlen, mask, fd >= 0, "pid" if pid == me else pid] for ln, vers, mlen, mask, fd, pid in events])
    for *_, fd, _pid in events:
        if fd >= 0:
            if peek:
                got = bytearray(peek)
                yield from L.lseek(fd, 0, 0)
                k = yield from L.read(fd, got, peek)
                L.record("via-event-fd", bytes(got[: max(k, 0)]))
            yield from L.close(fd)
    return events


@scenario("lfa-init-flags", TAGS)
def init_flags(L: Any) -> Gen:
    """fanotify_init(2) as root: the classes, FAN_CLOEXEC and FAN_NONBLOCK give a group; both class
    bits, an unknown flag, an access mode of 3 or an open flag outside the allowed set are -EINVAL."""
    cases = (
        (0, L.O_RDONLY),
        (FAN_NONBLOCK | FAN_CLOEXEC, L.O_RDWR),
        (FAN_CLASS_CONTENT, L.O_WRONLY | L.O_CLOEXEC),
        (FAN_CLASS_PRE_CONTENT, L.O_RDONLY | L.O_NONBLOCK),
        (FAN_CLASS_CONTENT | FAN_CLASS_PRE_CONTENT, L.O_RDONLY),
        (0x8000_0000, L.O_RDONLY),
        (0, 3),
        (0, L.O_RDONLY | L.O_CREAT),
        (0, L.O_RDONLY | L.O_DIRECT),
    )
    for flags, event_f_flags in cases:
        fd = yield from L.fanotify_init(flags, event_f_flags)
        if fd >= 0:
            yield from L.close(fd)


@scenario("lfa-mark-errors", TAGS)
def mark_errors(L: Any) -> Gen:
    """fanotify_mark(2)'s errors: an empty mask to add, a bit no event has, ADD with REMOVE, no
    command, FLUSH with another flag are -EINVAL (before the descriptor is looked at); a closed
    descriptor -EBADF, one not a group's -EINVAL; FAN_ATTRIB on a group without FID reporting
    -EINVAL; a missing path -ENOENT, ONLYDIR on a file -ENOTDIR; removing a mark never added -ENOENT."""
    gfd, path = yield from _setup(L, "/lfa-markerr")
    fds = yield from new_pipe(L)
    yield from L.fanotify_mark(gfd, FAN_MARK_ADD, 0, AT_FDCWD, path)
    yield from L.fanotify_mark(gfd, FAN_MARK_ADD, FAN_Q_OVERFLOW, AT_FDCWD, path)
    yield from L.fanotify_mark(99, FAN_MARK_ADD, FAN_Q_OVERFLOW, AT_FDCWD, path)
    yield from L.fanotify_mark(gfd, FAN_MARK_ADD | FAN_MARK_REMOVE, FAN_MODIFY, AT_FDCWD, path)
    yield from L.fanotify_mark(gfd, 0, FAN_MODIFY, AT_FDCWD, path)
    yield from L.fanotify_mark(gfd, FAN_MARK_ADD | 0x8000, FAN_MODIFY, AT_FDCWD, path)
    yield from L.fanotify_mark(gfd, FAN_MARK_FLUSH | FAN_MARK_DONT_FOLLOW, 0, AT_FDCWD, None)
    yield from L.fanotify_mark(99, FAN_MARK_ADD, FAN_MODIFY, AT_FDCWD, path)
    yield from L.fanotify_mark(fds[0], FAN_MARK_ADD, FAN_MODIFY, AT_FDCWD, path)
    yield from L.fanotify_mark(gfd, FAN_MARK_ADD, FAN_ATTRIB, AT_FDCWD, path)
    yield from L.fanotify_mark(gfd, FAN_MARK_ADD, FAN_MODIFY, AT_FDCWD, "/lfa-markerr/missing")
    yield from L.fanotify_mark(gfd, FAN_MARK_ADD | FAN_MARK_ONLYDIR, FAN_MODIFY, AT_FDCWD, path)
    yield from L.fanotify_mark(gfd, FAN_MARK_ADD | FAN_MARK_ONLYDIR, FAN_MODIFY, AT_FDCWD, "/lfa-markerr")
    yield from L.fanotify_mark(gfd, FAN_MARK_REMOVE, FAN_MODIFY, AT_FDCWD, path)
    yield from L.fanotify_mark(gfd, FAN_MARK_ADD, FAN_MODIFY, 99, None)
    yield from L.fanotify_mark(gfd, FAN_MARK_FLUSH, 0, AT_FDCWD, None)


@scenario("lfa-read-empty", TAGS)
def read_empty(L: Any) -> Gen:
    """read(2) of a non-blocking group with nothing queued is -EAGAIN; with a record queued, a
    buffer shorter than it is -EINVAL and the record stays queued."""
    gfd, path = yield from _group(L, "/lfa-empty")
    buf = bytearray(64)
    yield from L.read(gfd, buf, 64)
    fd = yield from L.open(path, L.O_WRONLY, 0)
    yield from L.write(fd, b"x", 1)
    yield from L.read(gfd, buf, 23)
    yield from _drain(L, gfd)
    yield from L.close(fd)


def _uring(L: Any, top: str, data: bytes = b"", mask: int = FAN_ACCESS | FAN_MODIFY) -> Gen:
    ring = yield from new_ring(L)
    gfd, path = yield from _group(L, top, data, mask)
    return ring, path, gfd


@scenario("lfa-uring-read", TAGS)
def uring_read(L: Any) -> Gen:
    """liburing's fsnotify.c: an io_uring READ of a marked file queues FAN_ACCESS; the record is
    version 3, 24 bytes, its pid the reader's, its fd open on the file."""
    ring, path, gfd = yield from _uring(L, "/lfa-uread", b"hello")
    fd = yield from L.open(path, L.O_RDONLY, 0)
    yield from one_result(L, ring, 1, "io_uring_prep_read", fd, bytearray(5), 5, 0)
    yield from _drain(L, gfd, peek=5)
    yield from L.close(fd)


@scenario("lfa-uring-write", TAGS)
def uring_write(L: Any) -> Gen:
    """io_uring WRITEs of a marked file queue FAN_MODIFY, the two merged into one record."""
    ring, path, gfd = yield from _uring(L, "/lfa-uwrite")
    fd = yield from L.open(path, L.O_WRONLY, 0)
    yield from one_result(L, ring, 1, "io_uring_prep_write", fd, b"abc", 3, 0)
    yield from one_result(L, ring, 2, "io_uring_prep_write", fd, b"def", 3, 3)
    yield from _drain(L, gfd, peek=6)
    yield from L.close(fd)


@scenario("lfa-uring-merge", TAGS)
def uring_merge(L: Any) -> Gen:
    """A WRITE then a READ of the same file by the same process merge into one record
    (FAN_ACCESS | FAN_MODIFY); a read(2) of the group between them splits them."""
    ring, path, gfd = yield from _uring(L, "/lfa-umerge")
    fd = yield from L.open(path, L.O_RDWR, 0)
    yield from one_result(L, ring, 1, "io_uring_prep_write", fd, b"abc", 3, 0)
    yield from one_result(L, ring, 2, "io_uring_prep_read", fd, bytearray(3), 3, 0)
    yield from one_result(L, ring, 3, "io_uring_prep_write", fd, b"d", 1, 3)
    yield from _drain(L, gfd, "merged")
    yield from one_result(L, ring, 4, "io_uring_prep_read", fd, bytearray(4), 4, 0)
    yield from _drain(L, gfd, "after")
    yield from L.close(fd)


@scenario("lfa-two-files", TAGS)
def two_files(L: Any) -> Gen:
    """Events on two marked files stay two records, in the order first raised; a third event on
    the first file merges into its record, which keeps its place."""
    ring, path, gfd = yield from _uring(L, "/lfa-two", b"one")
    other = "/lfa-two/g"
    yield from make_file(L, other, b"two")
    yield from L.fanotify_mark(gfd, FAN_MARK_ADD, FAN_ACCESS | FAN_MODIFY, AT_FDCWD, other)
    fa = yield from L.open(path, L.O_RDWR, 0)
    fb = yield from L.open(other, L.O_RDWR, 0)
    yield from one_result(L, ring, 1, "io_uring_prep_read", fa, bytearray(3), 3, 0)
    yield from one_result(L, ring, 2, "io_uring_prep_read", fb, bytearray(3), 3, 0)
    yield from one_result(L, ring, 3, "io_uring_prep_write", fa, b"ONE", 3, 0)
    yield from _drain(L, gfd, peek=3)
    yield from L.close(fa)
    yield from L.close(fb)


@scenario("lfa-open-close", TAGS)
def open_close(L: Any) -> Gen:
    """io_uring OPENAT and CLOSE of a file marked for FAN_OPEN and the closes: every event merges
    into one record (FAN_OPEN | FAN_CLOSE_NOWRITE | FAN_CLOSE_WRITE); FAN_ACCESS, not asked for,
    is not reported."""
    ring, path, gfd = yield from _uring(L, "/lfa-uopen", b"x", FAN_OPEN | FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE)
    fd = yield from one_result(L, ring, 1, "io_uring_prep_openat", AT_FDCWD, path, L.O_RDONLY, 0)
    yield from one_result(L, ring, 2, "io_uring_prep_read", fd, bytearray(1), 1, 0)
    yield from one_result(L, ring, 3, "io_uring_prep_close", fd)
    yield from _drain(L, gfd, "nowrite")
    fd = yield from one_result(L, ring, 4, "io_uring_prep_openat", AT_FDCWD, path, L.O_RDWR, 0)
    yield from one_result(L, ring, 5, "io_uring_prep_close", fd)
    yield from _drain(L, gfd, "write")


@scenario("lfa-event-fd-silent", TAGS)
def event_fd_silent(L: Any) -> Gen:
    """The descriptor a record carries raises no event: reading it and closing it queue nothing."""
    gfd, path = yield from _group(L, "/lfa-silent", b"data", FAN_ACCESS | FAN_CLOSE_NOWRITE)
    fd = yield from L.open(path, L.O_RDONLY, 0)
    yield from L.read(fd, bytearray(4), 4)
    yield from _drain(L, gfd, peek=4)
    yield from _drain(L, gfd, "after")
    yield from L.close(fd)
    yield from _drain(L, gfd, "closed")


@scenario("lfa-remove-flush", TAGS)
def remove_flush(L: Any) -> Gen:
    """FAN_MARK_REMOVE clears bits (a write is no longer reported, a read still is); removing the
    last bit drops the mark (removing again is -ENOENT); FAN_MARK_ADD widens; FLUSH drops all."""
    ring, path, gfd = yield from _uring(L, "/lfa-remove", b"abc")
    fd = yield from L.open(path, L.O_RDWR, 0)
    yield from L.fanotify_mark(gfd, FAN_MARK_REMOVE, FAN_MODIFY, AT_FDCWD, path)
    yield from one_result(L, ring, 1, "io_uring_prep_write", fd, b"x", 1, 0)
    yield from _drain(L, gfd, "no-modify")
    yield from one_result(L, ring, 2, "io_uring_prep_read", fd, bytearray(1), 1, 0)
    yield from _drain(L, gfd, "access")
    yield from L.fanotify_mark(gfd, FAN_MARK_REMOVE, FAN_ACCESS, AT_FDCWD, path)
    yield from L.fanotify_mark(gfd, FAN_MARK_REMOVE, FAN_ACCESS, AT_FDCWD, path)
    yield from L.fanotify_mark(gfd, FAN_MARK_ADD, FAN_MODIFY, AT_FDCWD, path)
    yield from L.fanotify_mark(gfd, FAN_MARK_ADD, FAN_ACCESS, AT_FDCWD, path)
    yield from one_result(L, ring, 3, "io_uring_prep_write", fd, b"y", 1, 0)
    yield from one_result(L, ring, 4, "io_uring_prep_read", fd, bytearray(1), 1, 0)
    yield from _drain(L, gfd, "widened")
    yield from L.fanotify_mark(gfd, FAN_MARK_FLUSH, 0, AT_FDCWD, None)
    yield from one_result(L, ring, 5, "io_uring_prep_write", fd, b"z", 1, 0)
    yield from _drain(L, gfd, "flushed")
    yield from L.fanotify_mark(gfd, FAN_MARK_REMOVE, FAN_MODIFY, AT_FDCWD, path)
    yield from L.close(fd)


@scenario("lfa-mark-by-fd", TAGS)
def mark_by_fd(L: Any) -> Gen:
    """A NULL pathname marks the file ``dirfd`` is open on."""
    ring = yield from new_ring(L)
    gfd, path = yield from _setup(L, "/lfa-byfd", b"q")
    fd = yield from L.open(path, L.O_RDWR, 0)
    yield from L.fanotify_mark(gfd, FAN_MARK_ADD, FAN_MODIFY, fd, None)
    yield from one_result(L, ring, 1, "io_uring_prep_write", fd, b"Q", 1, 0)
    yield from _drain(L, gfd, peek=1)
    yield from L.close(fd)


@scenario("lfa-dir-mark", TAGS)
def dir_mark(L: Any) -> Gen:
    """A group marking a directory (without FAN_EVENT_ON_CHILD) hears nothing of its files."""
    ring = yield from new_ring(L)
    gfd, path = yield from _setup(L, "/lfa-dir")
    yield from L.fanotify_mark(gfd, FAN_MARK_ADD | FAN_MARK_ONLYDIR, FAN_MODIFY | FAN_ACCESS, AT_FDCWD, "/lfa-dir")
    fd = yield from L.open(path, L.O_RDWR, 0)
    yield from one_result(L, ring, 1, "io_uring_prep_write", fd, b"a", 1, 0)
    yield from one_result(L, ring, 2, "io_uring_prep_read", fd, bytearray(1), 1, 0)
    yield from _drain(L, gfd)
    yield from L.close(fd)


@scenario("lfa-poll", TAGS)
def poll(L: Any) -> Gen:
    """An io_uring POLL_ADD on an empty group completes with POLLIN when a marked file is written."""
    ring, path, gfd = yield from _uring(L, "/lfa-poll")
    poll_add(L, ring, gfd, POLLIN, 1)
    yield from L.io_uring_submit(ring)
    fd = yield from L.open(path, L.O_WRONLY, 0)
    yield from L.write(fd, b"x", 1)
    yield from reap_one(L, ring)
    yield from _drain(L, gfd)
    yield from L.close(fd)


@scenario("lfa-uring-read-group", TAGS)
def uring_read_group(L: Any) -> Gen:
    """An io_uring READ of an empty blocking group waits (poll-driven) and completes with the
    record once a marked file is written; the record's fd is the submitter's."""
    ring = yield from new_ring(L)
    gfd, path = yield from _setup(L, "/lfa-ugroup", init_flags=0)
    yield from L.fanotify_mark(gfd, FAN_MARK_ADD, FAN_MODIFY, AT_FDCWD, path)
    buf = bytearray(64)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_read(sqe, gfd, buf, 64, 0)
    L.io_uring_sqe_set_data64(sqe, 1)
    yield from L.io_uring_submit(ring)
    fd = yield from L.open(path, L.O_WRONLY, 0)
    yield from L.write(fd, b"z", 1)
    got = yield from reap_one(L, ring)
    if got is not None and got[1] > 0:
        me = yield from L.getpid()
        ev = fanotify_events(buf, got[1])
        L.record("events", [[ln, v, m, mask, efd >= 0, pid == me] for ln, v, m, mask, efd, pid in ev])
        for *_, efd, _pid in ev:
            if efd >= 0:
                yield from L.close(efd)
    yield from L.close(fd)


@scenario("lfa-uring-async", TAGS)
def uring_async(L: Any) -> Gen:
    """A WRITE and a READ forced to io-wq (IOSQE_ASYNC) are reported like inline ones: one merged
    record whose pid is the submitter's (io-wq's workers are threads of its process)."""
    ring, path, gfd = yield from _uring(L, "/lfa-async", b"abc")
    fd = yield from L.open(path, L.O_RDWR, 0)
    yield from one_result(L, ring, 1, "io_uring_prep_write", fd, b"A", 1, 0, sqe_flags=IOSQE_ASYNC)
    yield from one_result(L, ring, 2, "io_uring_prep_read", fd, bytearray(3), 3, 0, sqe_flags=IOSQE_ASYNC)
    yield from _drain(L, gfd, peek=3)
    yield from L.close(fd)


@scenario("lfa-event-on-child", TAGS)
def event_on_child(L: Any) -> Gen:
    """FAN_EVENT_ON_CHILD on a directory mark: io_uring WRITE and READ of a file in it are reported
    as one merged event about the file (its descriptor reads the file); a subdirectory's open is
    not (no FAN_ONDIR)."""
    ring = yield from new_ring(L)
    gfd, path = yield from _setup(L, "/lfa-onchild", b"z")
    yield from L.mkdir("/lfa-onchild/sub", 0o755)
    yield from L.fanotify_mark(
        gfd, FAN_MARK_ADD, FAN_MODIFY | FAN_ACCESS | FAN_OPEN | FAN_EVENT_ON_CHILD, AT_FDCWD, "/lfa-onchild"
    )
    dfd = yield from L.open("/lfa-onchild/sub", L.O_RDONLY | O_DIRECTORY, 0)
    yield from L.close(dfd)
    yield from _drain(L, gfd, "subdir")
    fd = yield from L.open(path, L.O_RDWR, 0)
    yield from one_result(L, ring, 1, "io_uring_prep_write", fd, b"a", 1, 1)
    yield from one_result(L, ring, 2, "io_uring_prep_read", fd, bytearray(1), 1, 0)
    yield from _drain(L, gfd, peek=2)
    yield from L.close(fd)


@scenario("lfa-ondir", TAGS)
def ondir(L: Any) -> Gen:
    """FAN_ONDIR: a directory mark for FAN_OPEN | FAN_CLOSE_NOWRITE hears the directory's own open
    (open(2), io_uring OPENAT) and close only with FAN_ONDIR; the events carry a descriptor of the
    directory."""
    ring = yield from new_ring(L)
    gfd, _ = yield from _setup(L, "/lfa-ondir")
    yield from L.fanotify_mark(gfd, FAN_MARK_ADD, FAN_OPEN | FAN_CLOSE_NOWRITE, AT_FDCWD, "/lfa-ondir")
    dfd = yield from L.open("/lfa-ondir", L.O_RDONLY | O_DIRECTORY, 0)
    yield from L.close(dfd)
    yield from _drain(L, gfd, "without")
    yield from L.fanotify_mark(gfd, FAN_MARK_ADD, FAN_ONDIR, AT_FDCWD, "/lfa-ondir")
    dfd = yield from L.open("/lfa-ondir", L.O_RDONLY | O_DIRECTORY, 0)
    yield from L.close(dfd)
    yield from _drain(L, gfd, "with")
    dfd = yield from one_result(L, ring, 1, "io_uring_prep_openat", AT_FDCWD, "/lfa-ondir", L.O_RDONLY | O_DIRECTORY, 0)
    yield from one_result(L, ring, 2, "io_uring_prep_close", dfd)
    yield from _drain(L, gfd, "uring")


@scenario("lfa-ondir-child", TAGS)
def ondir_child(L: Any) -> Gen:
    """FAN_EVENT_ON_CHILD | FAN_ONDIR on a directory mark: a subdirectory's open is reported (with
    the subdirectory's descriptor), as is the marked directory's own."""
    gfd, _ = yield from _setup(L, "/lfa-ondirch")
    yield from L.mkdir("/lfa-ondirch/sub", 0o755)
    yield from L.fanotify_mark(
        gfd, FAN_MARK_ADD, FAN_OPEN | FAN_EVENT_ON_CHILD | FAN_ONDIR, AT_FDCWD, "/lfa-ondirch"
    )
    dfd = yield from L.open("/lfa-ondirch/sub", L.O_RDONLY | O_DIRECTORY, 0)
    yield from L.close(dfd)
    yield from _drain(L, gfd, "subdir")
    dfd = yield from L.open("/lfa-ondirch", L.O_RDONLY | O_DIRECTORY, 0)
    yield from L.close(dfd)
    yield from _drain(L, gfd, "self")


@scenario("lfa-remove-flags", TAGS)
def remove_flags(L: Any) -> Gen:
    """FAN_MARK_REMOVE of a mark's last event bit keeps a mark holding FAN_ONDIR or
    FAN_EVENT_ON_CHILD: removing those then succeeds, and once none is left the mark is gone
    (-ENOENT); a child event needs FAN_EVENT_ON_CHILD at the time of the event."""
    gfd, path = yield from _setup(L, "/lfa-rmflags", b"q")
    yield from L.fanotify_mark(
        gfd, FAN_MARK_ADD, FAN_ACCESS | FAN_ONDIR | FAN_EVENT_ON_CHILD, AT_FDCWD, "/lfa-rmflags"
    )
    yield from L.fanotify_mark(gfd, FAN_MARK_REMOVE, FAN_EVENT_ON_CHILD, AT_FDCWD, "/lfa-rmflags")
    fd = yield from L.open(path, L.O_RDONLY, 0)
    yield from L.read(fd, bytearray(1), 1)
    yield from L.close(fd)
    yield from _drain(L, gfd, "no-child")
    yield from L.fanotify_mark(gfd, FAN_MARK_REMOVE, FAN_ACCESS, AT_FDCWD, "/lfa-rmflags")
    yield from L.fanotify_mark(gfd, FAN_MARK_REMOVE, FAN_ONDIR, AT_FDCWD, "/lfa-rmflags")
    yield from L.fanotify_mark(gfd, FAN_MARK_REMOVE, FAN_ONDIR, AT_FDCWD, "/lfa-rmflags")
