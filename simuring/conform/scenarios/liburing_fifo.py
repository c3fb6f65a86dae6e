"""FIFOs (named pipes) as liburing's tests that mkfifo(3) a path use them, written from the man pages
(mkfifo(3), mknod(2), fifo(7), pipe(7), open(2), poll(2), io_uring_prep_openat(3),
io_uring_prep_read(3), io_uring_prep_poll_add(3)); names prefixed ``lff-``.

What is checked: what mknod(2) makes and refuses; the open rules of a FIFO (O_RDONLY | O_NONBLOCK at
once, O_WRONLY | O_NONBLOCK without a reader -ENXIO, O_RDWR at once; a blocking open waits for the
other end); that every open shares one pipe while any end is open and that its data goes with the last
close; end of file and -EPIPE; poll's POLLHUP, which a reader that has never seen a writer does not get;
and io_uring's OPENAT, whose inline attempt opens with O_NONBLOCK (so a blocking open of a FIFO does not
wait there: O_RDONLY completes at once, O_WRONLY with no reader fails with -ENXIO), while an OPENAT sent
to io-wq (IOSQE_ASYNC, O_CREAT) waits for the other end, and a cancel interrupts it with -ERESTARTSYS.

The real side runs one thread: a blocking open(2) would never return, so the waits are io-wq's, and the
other end is opened with a call that cannot wait (O_RDONLY | O_NONBLOCK, O_RDWR) or by a second OPENAT
in io-wq.  Paths are absolute, as in liburing_open.py."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    cancel,
    make_file,
    new_pipe,
    new_ring,
    poll_add,
    reap,
    reap_one,
    record_unordered,
    round_trip,
    submit_and_reap,
)
from simuring.conform.scenarios.liburing_fsops import _one, _stat
from simuring.conform.scenarios.liburing_io import RWF_NOWAIT, rw
from simuring.conform.scenarios.liburing_net import splice
from simuring.uapi import IOSQE_ASYNC

TAGS = ("liburing", "fifo")
AT_FDCWD = -100
AT_EMPTY_PATH = 0x1000
O_DIRECTORY = 0o200000  # x86-64
STATX_BASIC_STATS = 0x7FF
POLLIN, POLLOUT, POLLERR, POLLHUP = 0x1, 0x4, 0x8, 0x10
WAIT_NS = 200_000_000  # a generous margin for an io-wq worker to be asleep in the open


def _openat(L: Any, ring: Any, ud: int, path: str, flags: int, sqe_flags: int = 0) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_openat(sqe, AT_FDCWD, path, flags, 0)
    L.io_uring_sqe_set_data64(sqe, ud)
    if sqe_flags:
        L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def _fifo(L: Any, path: str) -> Gen:
    """mkfifo(3) ``path`` with mode 0600 (the result is recorded)."""
    return (yield from L.mkfifo(path, 0o600))


def _ring_and_ends(L: Any, path: str) -> Gen:
    """A ring, and a FIFO made at ``path`` opened with O_NONBLOCK for reading, then for writing."""
    ring = yield from new_ring(L, 8)
    yield from _fifo(L, path)
    r = yield from L.open(path, L.O_RDONLY | L.O_NONBLOCK)
    w = yield from L.open(path, L.O_WRONLY | L.O_NONBLOCK)
    return ring, r, w


def _read(L: Any, label: str, fd: int, n: int = 16) -> Gen:
    """read(2) of up to ``n`` bytes: recorded as the count or -errno, with the bytes read."""
    buf = bytearray(n)
    got = yield from L.read(fd, buf, n)
    L.record(label, [got, bytes(buf[: max(got, 0)])])
    return got


# -- mknod(2) and mkfifo(3) -------------------------------------------------------------------------


@scenario("lff-mkfifo-statx", tags=TAGS)
def lff_mkfifo_statx(L: Any) -> Gen:
    """mkfifo(3) makes a FIFO: STATX reports S_IFIFO, one link, size 0; a second mkfifo of the name is
    -EEXIST, one in a missing directory -ENOENT, one under a regular file -ENOTDIR, one of a name
    ending in '/' -ENOENT."""
    ring = yield from new_ring(L, 8)
    yield from _fifo(L, "/lff-a")
    L.record("stat", (yield from _stat(L, ring, 1, "/lff-a")))
    yield from _fifo(L, "/lff-a")
    yield from _fifo(L, "/lff-nodir/x")
    yield from make_file(L, "/lff-file", b"")
    yield from _fifo(L, "/lff-file/x")
    yield from _fifo(L, "/lff-slash/")
    yield from L.io_uring_queue_exit(ring)


@scenario("lff-mknod-types", tags=TAGS)
def lff_mknod_types(L: Any) -> Gen:
    """mknod(2) by type: S_IFIFO and S_IFSOCK make those nodes, type 0 and S_IFREG an empty regular file,
    S_IFCHR and S_IFBLK device nodes (root may); STATX reports each type; S_IFDIR is -EPERM, S_IFMT and
    0o030000 -EINVAL.  Opening the socket node or a 0:0 device is -ENXIO."""
    ring = yield from new_ring(L, 8)
    kinds = (
        ("fifo", L.S_IFIFO), ("sock", L.S_IFSOCK), ("zero", 0), ("reg", L.S_IFREG),
        ("chr", L.S_IFCHR), ("blk", L.S_IFBLK), ("dir", L.S_IFDIR), ("fmt", L.S_IFMT), ("three", 0o030000),
    )  # fmt: skip
    for ud, (name, kind) in enumerate(kinds, start=1):
        if (yield from L.mknod(f"/lff-{name}", kind | 0o600, 0)) == 0:
            L.record(name, (yield from _stat(L, ring, ud, f"/lff-{name}")))
    for name in ("sock", "chr", "blk"):
        yield from L.open(f"/lff-{name}", L.O_RDONLY | L.O_NONBLOCK)
    yield from L.io_uring_queue_exit(ring)


@scenario("lff-mknod-check-order", tags=TAGS)
def lff_mknod_check_order(L: Any) -> Gen:
    """mknod(2) checks the type before the name: an empty name is -EPERM with S_IFDIR and -ENOENT with
    S_IFIFO; the mode is a 16-bit umode_t, so a bit above it is dropped (a FIFO is made); a FIFO over an
    existing directory is -EEXIST; the owner's permission bits are kept."""
    ring = yield from new_ring(L, 8)
    yield from L.mknod("", L.S_IFDIR | 0o700, 0)
    yield from L.mknod("", L.S_IFIFO | 0o600, 0)
    yield from L.mknod("/lff-wide", (1 << 16) | L.S_IFIFO | 0o640, 0)
    yield from L.mkdir("/lff-d", 0o755)
    yield from L.mknod("/lff-d", L.S_IFIFO | 0o600, 0)
    buf = bytearray(256)
    if (yield from _one(L, ring, 1, "io_uring_prep_statx", AT_FDCWD, "/lff-wide", 0, STATX_BASIC_STATS, buf)) == 0:
        L.record("type and owner bits", oct(int.from_bytes(buf[28:30], "little") & 0o170700))
    yield from L.io_uring_queue_exit(ring)


@scenario("lff-mkfifoat-dirfd", tags=TAGS)
def lff_mkfifoat_dirfd(L: Any) -> Gen:
    """mkfifoat(3) and mknodat(2) with a directory descriptor make the FIFO under that directory (opened
    then by its absolute path); a pipe's descriptor is -ENOTDIR, a descriptor not open -EBADF; an
    absolute path ignores the descriptor."""
    yield from L.mkdir("/lff-dir", 0o755)
    dfd = yield from L.open("/lff-dir", L.O_RDONLY | O_DIRECTORY)
    yield from L.mkfifoat(dfd, "f1", 0o600)
    yield from L.mknodat(dfd, "f2", L.S_IFIFO | 0o600, 0)
    for path in ("/lff-dir/f1", "/lff-dir/f2"):
        fd = yield from L.open(path, L.O_RDONLY | L.O_NONBLOCK)
        if fd >= 0:
            yield from L.close(fd)
    fds = yield from new_pipe(L)
    yield from L.mkfifoat(fds[0], "f3", 0o600)
    yield from L.mkfifoat(999, "f4", 0o600)
    yield from L.mkfifoat(999, "/lff-abs", 0o600)
    for fd in (*fds, dfd):
        yield from L.close(fd)


@scenario("lff-rename-link-unlink", tags=TAGS)
def lff_rename_link_unlink(L: Any) -> Gen:
    """A FIFO's name moves and goes as any file's: RENAMEAT moves it (the old name is -ENOENT, the new
    one S_IFIFO), LINKAT gives it a second name (two links), UNLINKAT removes both."""
    ring = yield from new_ring(L, 8)
    yield from _fifo(L, "/lff-r1")
    yield from _one(L, ring, 1, "io_uring_prep_rename", "/lff-r1", "/lff-r2")
    L.record("old", (yield from _stat(L, ring, 2, "/lff-r1")))
    yield from _one(L, ring, 3, "io_uring_prep_link", "/lff-r2", "/lff-r3", 0)
    L.record("linked", (yield from _stat(L, ring, 4, "/lff-r3")))
    yield from _one(L, ring, 5, "io_uring_prep_unlink", "/lff-r2", 0)
    yield from _one(L, ring, 6, "io_uring_prep_unlink", "/lff-r3", 0)
    L.record("gone", (yield from _stat(L, ring, 7, "/lff-r3")))
    yield from L.io_uring_queue_exit(ring)


# -- open(2) ----------------------------------------------------------------------------------------


@scenario("lff-open-nonblock-rules", tags=TAGS)
def lff_open_nonblock_rules(L: Any) -> Gen:
    """fifo(7): O_WRONLY | O_NONBLOCK with no reader is -ENXIO; O_RDONLY | O_NONBLOCK succeeds with no
    writer, and a read(2) then gives 0 (no writer: end of file); with that reader open, O_WRONLY |
    O_NONBLOCK succeeds."""
    yield from _fifo(L, "/lff-nb")
    yield from L.open("/lff-nb", L.O_WRONLY | L.O_NONBLOCK)
    r = yield from L.open("/lff-nb", L.O_RDONLY | L.O_NONBLOCK)
    yield from _read(L, "read, no writer", r)
    w = yield from L.open("/lff-nb", L.O_WRONLY | L.O_NONBLOCK)
    yield from _read(L, "read, writer, empty", r)
    for fd in (w, r):
        yield from L.close(fd)


@scenario("lff-open-rdwr", tags=TAGS)
def lff_open_rdwr(L: Any) -> Gen:
    """open(2) of a FIFO with O_RDWR succeeds at once (Linux): the descriptor is both ends, so what it
    writes it reads back; the access mode 3 (neither read nor write) is -EINVAL (fifo_open)."""
    yield from _fifo(L, "/lff-rw")
    fd = yield from L.open("/lff-rw", L.O_RDWR)
    L.record("write", (yield from L.write(fd, b"loop", 4)))
    yield from _read(L, "read", fd)
    yield from L.open("/lff-rw", L.O_ACCMODE | L.O_NONBLOCK)
    yield from L.close(fd)


@scenario("lff-shared-pipe", tags=TAGS)
def lff_shared_pipe(L: Any) -> Gen:
    """Every open of one FIFO shares one pipe: bytes written through one descriptor are read through
    another opened separately, in order, by any reader."""
    yield from _fifo(L, "/lff-sh")
    r1 = yield from L.open("/lff-sh", L.O_RDONLY | L.O_NONBLOCK)
    r2 = yield from L.open("/lff-sh", L.O_RDONLY | L.O_NONBLOCK)
    w = yield from L.open("/lff-sh", L.O_WRONLY | L.O_NONBLOCK)
    rw_fd = yield from L.open("/lff-sh", L.O_RDWR)
    yield from L.write(w, b"abc", 3)
    yield from L.write(rw_fd, b"def", 3)
    yield from _read(L, "r1", r1, 4)
    yield from _read(L, "r2", r2, 4)
    yield from _read(L, "r1 empty", r1, 4)
    for fd in (r1, r2, w, rw_fd):
        yield from L.close(fd)


@scenario("lff-data-goes-with-last-close", tags=TAGS)
def lff_data_goes_with_last_close(L: Any) -> Gen:
    """The pipe lives while any end is open: data written, then its writer closed while a reader stays,
    is still read (then end of file); data left when the last end closes is gone at the next open."""
    yield from _fifo(L, "/lff-last")
    fd = yield from L.open("/lff-last", L.O_RDWR)
    r = yield from L.open("/lff-last", L.O_RDONLY | L.O_NONBLOCK)
    yield from L.write(fd, b"kept", 4)
    yield from L.close(fd)
    yield from _read(L, "after writer closed", r)
    yield from _read(L, "then", r)
    fd = yield from L.open("/lff-last", L.O_RDWR)
    yield from L.write(fd, b"lost", 4)
    yield from L.close(r)
    yield from L.close(fd)
    r = yield from L.open("/lff-last", L.O_RDONLY | L.O_NONBLOCK)
    w = yield from L.open("/lff-last", L.O_WRONLY | L.O_NONBLOCK)
    yield from _read(L, "after last close", r)
    for x in (r, w):
        yield from L.close(x)


@scenario("lff-eof-and-epipe", tags=TAGS)
def lff_eof_and_epipe(L: Any) -> Gen:
    """pipe(7) through a FIFO: after the last writer closes, a read gives the data left then 0; after
    the last reader closes, write(2) is -EPIPE (SIGPIPE is ignored by the Python process) and so is a
    WRITE."""
    ring, r, w = yield from _ring_and_ends(L, "/lff-eof")
    yield from L.write(w, b"xyz", 3)
    yield from L.close(w)
    yield from _read(L, "data", r)
    yield from _read(L, "eof", r)
    w = yield from L.open("/lff-eof", L.O_WRONLY | L.O_NONBLOCK)
    yield from L.close(r)
    L.record("write(2)", (yield from L.write(w, b"x", 1)))
    rw(L, ring, True, w, b"x", 1, 0, 1)
    yield from submit_and_reap(L, ring)
    yield from L.close(w)
    yield from L.io_uring_queue_exit(ring)


@scenario("lff-open-flags-ignored", tags=TAGS)
def lff_open_flags_ignored(L: Any) -> Gen:
    """O_TRUNC does not empty a FIFO (it is not a regular file); O_CREAT opens the existing FIFO, O_CREAT |
    O_EXCL is -EEXIST; O_DIRECTORY is -ENOTDIR."""
    yield from _fifo(L, "/lff-fl")
    fd = yield from L.open("/lff-fl", L.O_RDWR)
    yield from L.write(fd, b"stay", 4)
    t = yield from L.open("/lff-fl", L.O_RDWR | L.O_TRUNC)
    c = yield from L.open("/lff-fl", L.O_RDONLY | L.O_CREAT | L.O_NONBLOCK)
    yield from L.open("/lff-fl", L.O_RDONLY | L.O_CREAT | L.O_EXCL | L.O_NONBLOCK)
    yield from L.open("/lff-fl", L.O_RDONLY | O_DIRECTORY | L.O_NONBLOCK)
    yield from _read(L, "after O_TRUNC", c)
    for x in (fd, t, c):
        yield from L.close(x)


@scenario("lff-unlinked-still-open", tags=TAGS)
def lff_unlinked_still_open(L: Any) -> Gen:
    """Unlinking a FIFO leaves its open descriptors working (data still goes through); the name is gone
    (-ENOENT), and a new FIFO of that name is another pipe."""
    yield from _fifo(L, "/lff-ul")
    fd = yield from L.open("/lff-ul", L.O_RDWR)
    yield from L.unlink("/lff-ul")
    yield from L.write(fd, b"ok", 2)
    yield from _read(L, "read", fd)
    yield from L.open("/lff-ul", L.O_RDONLY | L.O_NONBLOCK)
    yield from L.write(fd, b"old", 3)
    yield from _fifo(L, "/lff-ul")
    fd2 = yield from L.open("/lff-ul", L.O_RDWR | L.O_NONBLOCK)
    yield from _read(L, "new fifo", fd2)
    for x in (fd, fd2):
        yield from L.close(x)


# -- OPENAT -----------------------------------------------------------------------------------------


@scenario("lff-openat-inline-rdonly", tags=TAGS)
def lff_openat_inline_rdonly(L: Any) -> Gen:
    """OPENAT O_RDONLY of a FIFO with no writer completes at once (the inline attempt opens with
    O_NONBLOCK); the descriptor is blocking afterwards, and a read(2) with no writer gives 0."""
    ring = yield from new_ring(L, 8)
    yield from _fifo(L, "/lff-oi")
    _openat(L, ring, 1, "/lff-oi", L.O_RDONLY)
    yield from L.io_uring_submit(ring)
    got = yield from reap_one(L, ring)
    if got is not None and got[1] >= 0:
        yield from _read(L, "read", got[1])
        yield from L.close(got[1])
    yield from L.io_uring_queue_exit(ring)


@scenario("lff-openat-inline-wronly-enxio", tags=TAGS)
def lff_openat_inline_wronly_enxio(L: Any) -> Gen:
    """OPENAT O_WRONLY (no O_NONBLOCK) of a FIFO with no reader fails with -ENXIO: the inline attempt's
    O_NONBLOCK makes fifo_open refuse rather than wait, and -ENXIO is not retried.  With a reader open it
    succeeds, and the descriptor writes."""
    ring = yield from new_ring(L, 8)
    yield from _fifo(L, "/lff-ow")
    _openat(L, ring, 1, "/lff-ow", L.O_WRONLY)
    yield from submit_and_reap(L, ring)
    r = yield from L.open("/lff-ow", L.O_RDONLY | L.O_NONBLOCK)
    _openat(L, ring, 2, "/lff-ow", L.O_WRONLY)
    yield from L.io_uring_submit(ring)
    got = yield from reap_one(L, ring)
    if got is not None and got[1] >= 0:
        L.record("write", (yield from L.write(got[1], b"hi", 2)))
        yield from _read(L, "read", r)
        yield from L.close(got[1])
    yield from L.close(r)
    yield from L.io_uring_queue_exit(ring)


def _wait_then_partner(L: Any, path: str, flags: int, sqe_flags: int, partner: int) -> Gen:
    """An OPENAT of ``path`` sent to io-wq that has to wait: no CQE before the other end opens (with
    ``partner`` flags, which cannot wait), then its descriptor."""
    ring = yield from new_ring(L, 8)
    yield from _fifo(L, path)
    _openat(L, ring, 1, path, flags, sqe_flags)
    yield from L.io_uring_submit(ring)
    yield from L.nanosleep(WAIT_NS)
    L.record("ready before the other end", L.io_uring_cq_ready(ring))
    other = yield from L.open(path, partner)
    got = yield from reap_one(L, ring)
    return ring, other, None if got is None or got[1] < 0 else got[1]


def _waits_then_talks(L: Any, path: str, flags: int, partner: int, data: bytes) -> Gen:
    """:func:`_wait_then_partner` with IOSQE_ASYNC, then ``data`` written by the writer of the two
    descriptors and read by the reader."""
    ring, other, fd = yield from _wait_then_partner(L, path, flags, IOSQE_ASYNC, partner)
    if fd is not None:
        writer, reader = (other, fd) if flags == L.O_RDONLY else (fd, other)
        yield from L.write(writer, data, len(data))
        yield from _read(L, "read", reader)
        yield from L.close(fd)
    yield from L.close(other)
    yield from L.io_uring_queue_exit(ring)


@scenario("lff-openat-async-rdonly-waits", tags=TAGS, expect={"ready before the other end": 0})
def lff_openat_async_rdonly_waits(L: Any) -> Gen:
    """OPENAT O_RDONLY with IOSQE_ASYNC runs in io-wq without O_NONBLOCK: it waits for a writer, and
    completes once one opens (an O_RDWR open(2)); data written then reaches it."""
    yield from _waits_then_talks(L, "/lff-ar", L.O_RDONLY, L.O_RDWR, b"hey")


@scenario("lff-openat-async-wronly-waits", tags=TAGS, expect={"ready before the other end": 0})
def lff_openat_async_wronly_waits(L: Any) -> Gen:
    """OPENAT O_WRONLY with IOSQE_ASYNC waits in io-wq for a reader, and completes once an O_RDONLY |
    O_NONBLOCK open(2) comes; what it then writes the reader reads."""
    yield from _waits_then_talks(L, "/lff-aw", L.O_WRONLY, L.O_RDONLY | L.O_NONBLOCK, b"yo")


@scenario("lff-openat-creat-waits", tags=TAGS, expect={"ready before the other end": 0})
def lff_openat_creat_waits(L: Any) -> Gen:
    """OPENAT O_WRONLY | O_CREAT of an existing FIFO goes to io-wq at once (a creating open) and so waits
    for a reader like a blocking open(2)."""
    ring, other, fd = yield from _wait_then_partner(
        L, "/lff-cw", L.O_WRONLY | L.O_CREAT, 0, L.O_RDONLY | L.O_NONBLOCK
    )
    for x in (fd, other):
        if x is not None:
            yield from L.close(x)
    yield from L.io_uring_queue_exit(ring)


@scenario("lff-openat-cancel-wait", tags=TAGS)
def lff_openat_cancel_wait(L: Any) -> Gen:
    """ASYNC_CANCEL of an OPENAT asleep in io-wq waiting for a writer: the cancel answers -EALREADY
    (running), the worker's wait is interrupted and the OPENAT completes with -ERESTARTSYS (512) as it
    is; its reader count is taken back, so an O_WRONLY | O_NONBLOCK open(2) then finds no reader."""
    ring = yield from new_ring(L, 8)
    yield from _fifo(L, "/lff-cx")
    _openat(L, ring, 1, "/lff-cx", L.O_RDONLY, IOSQE_ASYNC)
    yield from L.io_uring_submit(ring)
    yield from L.nanosleep(WAIT_NS)
    cancel(L, ring, 9, 1)
    yield from L.io_uring_submit(ring)
    yield from record_unordered(L, ring, 2, "cancel and open")
    yield from L.open("/lff-cx", L.O_WRONLY | L.O_NONBLOCK)
    yield from L.io_uring_queue_exit(ring)


# -- poll -------------------------------------------------------------------------------------------


@scenario("lff-poll-no-hup-before-writer", tags=TAGS)
def lff_poll_no_hup_before_writer(L: Any) -> Gen:
    """pipe_poll: a reader opened with O_NONBLOCK before any writer gets no POLLHUP (POLL_ADD of
    POLLIN | POLLHUP stays pending), nor when a writer opens; once that writer closes it does (POLLHUP),
    and a read gives 0."""
    ring = yield from new_ring(L, 8)
    yield from _fifo(L, "/lff-ph")
    r = yield from L.open("/lff-ph", L.O_RDONLY | L.O_NONBLOCK)
    poll_add(L, ring, r, POLLIN | POLLHUP, 1)
    yield from round_trip(L, ring)
    w = yield from L.open("/lff-ph", L.O_WRONLY | L.O_NONBLOCK)
    yield from round_trip(L, ring, 98)
    yield from L.close(w)
    yield from reap(L, ring, 1)
    yield from _read(L, "read", r)
    yield from L.close(r)
    yield from L.io_uring_queue_exit(ring)


@scenario("lff-poll-hup-after-writer", tags=TAGS)
def lff_poll_hup_after_writer(L: Any) -> Gen:
    """A reader opened while a writer was there, and one opened before, both get POLLHUP at once once
    that writer has closed; a reader opened after (O_NONBLOCK, no writer now) does not (its POLL_ADD
    stays pending until a writer comes and goes)."""
    ring = yield from new_ring(L, 8)
    yield from _fifo(L, "/lff-ph2")
    r1 = yield from L.open("/lff-ph2", L.O_RDONLY | L.O_NONBLOCK)
    w = yield from L.open("/lff-ph2", L.O_WRONLY | L.O_NONBLOCK)
    r2 = yield from L.open("/lff-ph2", L.O_RDONLY | L.O_NONBLOCK)
    yield from L.close(w)
    r3 = yield from L.open("/lff-ph2", L.O_RDONLY | L.O_NONBLOCK)
    poll_add(L, ring, r1, POLLIN | POLLHUP, 1)
    poll_add(L, ring, r2, POLLIN | POLLHUP, 2)
    poll_add(L, ring, r3, POLLIN | POLLHUP, 3)
    yield from submit_and_reap(L, ring, 2)
    yield from round_trip(L, ring)
    for x in (r1, r2, r3):
        yield from L.close(x)
    yield from L.io_uring_queue_exit(ring)


@scenario("lff-poll-writer-err", tags=TAGS)
def lff_poll_writer_err(L: Any) -> Gen:
    """A FIFO's writer polls as a pipe's: POLLOUT while there is room; once the last reader closes,
    POLLOUT | POLLERR."""
    ring, r, w = yield from _ring_and_ends(L, "/lff-pe")
    poll_add(L, ring, w, POLLOUT, 1)
    yield from submit_and_reap(L, ring)
    yield from L.close(r)
    poll_add(L, ring, w, POLLOUT, 2)
    yield from submit_and_reap(L, ring)
    yield from L.close(w)
    yield from L.io_uring_queue_exit(ring)


@scenario("lff-poll-rdwr", tags=TAGS)
def lff_poll_rdwr(L: Any) -> Gen:
    """An O_RDWR descriptor is a reader and a writer: POLLIN | POLLOUT gives POLLOUT while empty, and
    POLLIN | POLLOUT after a write; never POLLHUP nor POLLERR (it is its own partner)."""
    ring = yield from new_ring(L, 8)
    yield from _fifo(L, "/lff-prw")
    fd = yield from L.open("/lff-prw", L.O_RDWR)
    poll_add(L, ring, fd, POLLIN | POLLOUT | POLLHUP | POLLERR, 1)
    yield from submit_and_reap(L, ring)
    yield from L.write(fd, b"z", 1)
    poll_add(L, ring, fd, POLLIN | POLLOUT, 2)
    yield from submit_and_reap(L, ring)
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lff-poll-wakes-on-write", tags=TAGS)
def lff_poll_wakes_on_write(L: Any) -> Gen:
    """POLL_ADD of POLLIN on an empty FIFO's reader (a writer open) waits; a write(2) through the writer
    completes it with POLLIN."""
    ring, r, w = yield from _ring_and_ends(L, "/lff-pw")
    poll_add(L, ring, r, POLLIN, 1)
    yield from round_trip(L, ring)
    yield from L.write(w, b"!", 1)
    yield from reap(L, ring, 1)
    for x in (r, w):
        yield from L.close(x)
    yield from L.io_uring_queue_exit(ring)


# -- READ, WRITE, SPLICE -----------------------------------------------------------------------------


@scenario("lff-read-parks-then-cancel", tags=TAGS)
def lff_read_parks_then_cancel(L: Any) -> Gen:
    """A READ of an empty FIFO opened O_RDWR (blocking) arms a poll rather than going to io-wq: a cancel
    then finds it (0) and it completes with -ECANCELED."""
    ring = yield from new_ring(L, 8)
    yield from _fifo(L, "/lff-rc")
    fd = yield from L.open("/lff-rc", L.O_RDWR)
    rw(L, ring, False, fd, bytearray(8), 8, 0, 1)
    yield from L.io_uring_submit(ring)
    cancel(L, ring, 9, 1)
    yield from submit_and_reap(L, ring, 2)
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lff-read-nonblock-fd-waits", tags=TAGS, expect={"ready before write": 0})
def lff_read_nonblock_fd_waits(L: Any) -> Gen:
    """fifo-nonblock-read on a FIFO: a READ of an empty O_NONBLOCK reader (a writer open) is not -EAGAIN:
    io_uring arms a poll, and a write(2) completes it with the bytes."""
    ring, r, w = yield from _ring_and_ends(L, "/lff-nr")
    buf = bytearray(8)
    rw(L, ring, False, r, buf, 8, 0, 1)
    yield from L.io_uring_submit(ring)
    L.record("ready before write", L.io_uring_cq_ready(ring))
    yield from L.write(w, b"data", 4)
    yield from reap(L, ring, 1)
    L.record("data", bytes(buf[:4]))
    for x in (r, w):
        yield from L.close(x)
    yield from L.io_uring_queue_exit(ring)


@scenario("lff-read-nowait-eof", tags=TAGS)
def lff_read_nowait_eof(L: Any) -> Gen:
    """A READ with RWF_NOWAIT of an empty FIFO with a writer is -EAGAIN; a READ of a reader with no
    writer is 0 at once (end of file), RWF_NOWAIT or not."""
    ring, r, w = yield from _ring_and_ends(L, "/lff-nw")
    rw(L, ring, False, r, bytearray(8), 8, 0, 1, RWF_NOWAIT)
    yield from submit_and_reap(L, ring)
    yield from L.close(w)
    rw(L, ring, False, r, bytearray(8), 8, 0, 2, RWF_NOWAIT)
    rw(L, ring, False, r, bytearray(8), 8, 0, 3)
    yield from submit_and_reap(L, ring, 2)
    yield from L.close(r)
    yield from L.io_uring_queue_exit(ring)


@scenario("lff-read-woken-by-close", tags=TAGS)
def lff_read_woken_by_close(L: Any) -> Gen:
    """A READ parked on an empty FIFO completes with 0 when the last writer closes."""
    ring, r, w = yield from _ring_and_ends(L, "/lff-wc")
    rw(L, ring, False, r, bytearray(8), 8, 0, 1)
    yield from L.io_uring_submit(ring)
    yield from L.close(w)
    yield from reap(L, ring, 1)
    yield from L.close(r)
    yield from L.io_uring_queue_exit(ring)


@scenario("lff-write-read-uring", tags=TAGS)
def lff_write_read_uring(L: Any) -> Gen:
    """WRITE then READ through a FIFO's two ends opened by OPENAT (a reader with O_NONBLOCK first, then
    the writer): 6 bytes each way."""
    ring = yield from new_ring(L, 8)
    yield from _fifo(L, "/lff-wr")
    r = yield from _one(L, ring, 1, "io_uring_prep_openat", AT_FDCWD, "/lff-wr", L.O_RDONLY | L.O_NONBLOCK, 0)
    w = yield from _one(L, ring, 2, "io_uring_prep_openat", AT_FDCWD, "/lff-wr", L.O_WRONLY, 0)
    if r >= 0 and w >= 0:
        buf = bytearray(8)
        rw(L, ring, True, w, b"fifo!!", 6, 0, 3)
        rw(L, ring, False, r, buf, 8, 0, 4)
        yield from submit_and_reap(L, ring, 2)
        L.record("data", bytes(buf[:6]))
    yield from L.io_uring_queue_exit(ring)


@scenario("lff-splice-to-pipe", tags=(*TAGS, "splice"))
def lff_splice_to_pipe(L: Any) -> Gen:
    """SPLICE from a FIFO (an O_RDWR descriptor holding 5 bytes) into a pipe moves them; the pipe's read
    end gives them back."""
    ring = yield from new_ring(L, 8)
    yield from _fifo(L, "/lff-sp")
    fd = yield from L.open("/lff-sp", L.O_RDWR)
    yield from L.write(fd, b"moved", 5)
    p = yield from new_pipe(L)
    splice(L, ring, fd, -1, p[1], -1, 64, 0, 1)
    yield from submit_and_reap(L, ring)
    yield from _read(L, "pipe", p[0])
    for x in (fd, *p):
        yield from L.close(x)
    yield from L.io_uring_queue_exit(ring)


@scenario("lff-statx-empty-path", tags=TAGS)
def lff_statx_empty_path(L: Any) -> Gen:
    """STATX with AT_EMPTY_PATH of an open FIFO descriptor describes the FIFO (S_IFIFO, one link); LINKAT
    with AT_EMPTY_PATH gives that FIFO a second name (two links), which opens the same pipe."""
    ring = yield from new_ring(L, 8)
    yield from _fifo(L, "/lff-se")
    fd = yield from L.open("/lff-se", L.O_RDWR)
    L.record("stat", (yield from _stat(L, ring, 1, "", AT_EMPTY_PATH, fd)))
    yield from _one(L, ring, 2, "io_uring_prep_linkat", fd, "", AT_FDCWD, "/lff-se2", AT_EMPTY_PATH)
    L.record("second name", (yield from _stat(L, ring, 3, "/lff-se2")))
    yield from L.write(fd, b"same", 4)
    r = yield from L.open("/lff-se2", L.O_RDONLY | L.O_NONBLOCK)
    yield from _read(L, "through the second name", r)
    yield from L.close(r)
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)
