"""FTRUNCATE, FALLOCATE, SHUTDOWN, SENDMSG / RECVMSG and PIPE as liburing's tests use them (ftruncate.c,
fallocate.c, shutdown.c, send_recvmsg.c, pipe.c), written from the man pages (io_uring_prep_ftruncate(3),
io_uring_prep_fallocate(3), io_uring_prep_shutdown(3), io_uring_prep_sendmsg(3), io_uring_prep_pipe(3));
names prefixed ``lo2-``.

The real side's files live on whatever file system holds the temporary directory (ext4 here), the
simulated ones on tmpfs: the scenarios use only what both give alike (plain allocation, hole punching,
the VFS's own checks, sizes far below any ``s_maxbytes``)."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    new_pipe,
    new_ring,
    nop,
    poll_add,
    prep_named,
    reap,
    submit_and_reap,
)
from simuring.uapi import (
    IORING_FILE_INDEX_ALLOC,
    IORING_RECV_MULTISHOT,
    IORING_RECVSEND_BUNDLE,
    IORING_RECVSEND_POLL_FIRST,
    IORING_SETUP_IOPOLL,
    IOSQE_ASYNC,
    IOSQE_CQE_SKIP_SUCCESS,
    IOSQE_FIXED_FILE,
    IOSQE_IO_LINK,
    POLLERR,
    POLLHUP,
    POLLIN,
    POLLOUT,
    POLLRDHUP,
)

TAGS = ("liburing",)

#: fallocate(2) modes (include/uapi/linux/falloc.h)
FALLOC_FL_KEEP_SIZE = 0x01
FALLOC_FL_PUNCH_HOLE = 0x02
FALLOC_FL_COLLAPSE_RANGE = 0x08
FALLOC_FL_INSERT_RANGE = 0x20
FALLOC_FL_WRITE_ZEROES = 0x80

LLONG_MAX = (1 << 63) - 1

#: shutdown(2)'s ``how``
SHUT_RD, SHUT_WR, SHUT_RDWR = 0, 1, 2
#: sendmsg(2) / recvmsg(2) flags
MSG_OOB, MSG_DONTWAIT, MSG_WAITALL = 0x01, 0x40, 0x100
#: every event a POLL_ADD below asks for
ALL_EVENTS = POLLIN | POLLOUT | POLLRDHUP | POLLHUP | POLLERR


_prep = prep_named


def _file(L: Any, path: str, data: bytes = b"", flags: int = 0) -> Gen:
    fd = yield from L.open(path, L.O_CREAT | L.O_RDWR | L.O_TRUNC | flags, 0o644)
    if data:
        yield from L.write(fd, data, len(data))
    return fd


def _size(L: Any, fd: int, label: str) -> Gen:
    """Record the file's size (lseek to the end) and put the position back at 0."""
    L.record(label, (yield from L.lseek(fd, 0, L.SEEK_END)))
    yield from L.lseek(fd, 0, L.SEEK_SET)


def _pread(L: Any, ring: Any, fd: int, n: int, off: int, user_data: int, label: str) -> Gen:
    """An io_uring READ of ``n`` bytes at ``off``; the CQE and the bytes read are recorded."""
    buf = bytearray(n)
    _prep(L, ring, user_data, "io_uring_prep_read", fd, buf, n, off)
    yield from submit_and_reap(L, ring)
    L.record(label, bytes(buf))


def _others(L: Any) -> Gen:
    """A pipe, a socket pair, an eventfd and a second ring: the non-regular files to try."""
    fds = yield from new_pipe(L)
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)
    efd = yield from L.eventfd(0, 0)
    other = yield from new_ring(L, 4)
    return fds, sv, efd, other


def _close_others(L: Any, fds: Any, sv: Any, efd: int, other: Any) -> Gen:
    for f in (fds[0], fds[1], sv[0], sv[1], efd):
        yield from L.close(f)
    yield from L.io_uring_queue_exit(other)


# -- FTRUNCATE --------------------------------------------------------------------------------------


@scenario("lo2-ftruncate-shrink-grow", tags=(*TAGS, "ftruncate", "file"))
def lo2_ftruncate_shrink_grow(L: Any) -> Gen:
    """FTRUNCATE (io_uring_prep_ftruncate(3)) of a two-page file to 100 bytes: 0, the size is 100 and a READ
    gets those 100 bytes; growing it to 5000 is 0, the new bytes read as zeros; the file position is not
    moved; truncating to the same size and to 0 are 0."""
    ring = yield from new_ring(L, 8)
    fd = yield from _file(L, "/lo2-ftrunc", b"abcdefgh" * 1024)
    yield from L.lseek(fd, 7, L.SEEK_SET)
    _prep(L, ring, 1, "io_uring_prep_ftruncate", fd, 100)
    yield from submit_and_reap(L, ring)
    L.record("pos", (yield from L.lseek(fd, 0, L.SEEK_CUR)))
    yield from _size(L, fd, "size 100")
    yield from _pread(L, ring, fd, 128, 90, 2, "tail")
    _prep(L, ring, 3, "io_uring_prep_ftruncate", fd, 5000)
    yield from submit_and_reap(L, ring)
    yield from _size(L, fd, "size 5000")
    yield from _pread(L, ring, fd, 16, 96, 4, "grown")
    yield from _pread(L, ring, fd, 16, 4990, 5, "end")
    _prep(L, ring, 6, "io_uring_prep_ftruncate", fd, 5000)
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 7, "io_uring_prep_ftruncate", fd, 0)
    yield from submit_and_reap(L, ring)
    yield from _size(L, fd, "size 0")
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lo2-ftruncate-errors", tags=(*TAGS, "ftruncate", "file", "pipe", "socket"))
def lo2_ftruncate_errors(L: Any) -> Gen:
    """FTRUNCATE of what is not a regular file open for writing is -EINVAL: a pipe's two ends, a socket, an
    eventfd, another ring, a file opened O_RDONLY; a negative length is -EINVAL; a descriptor never opened
    -EBADF.  The file keeps its size."""
    ring = yield from new_ring(L, 16)
    fd = yield from _file(L, "/lo2-ftrunc-err", b"x" * 64)
    ro = yield from L.open("/lo2-ftrunc-err", L.O_RDONLY, 0)
    fds, sv, efd, other = yield from _others(L)
    targets = (fds[0], fds[1], sv[0], efd, other.ring_fd, ro, 999)
    for ud, target in enumerate(targets, start=1):
        _prep(L, ring, ud, "io_uring_prep_ftruncate", target, 10)
        yield from submit_and_reap(L, ring)
    _prep(L, ring, 20, "io_uring_prep_ftruncate", fd, -1)
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 21, "io_uring_prep_ftruncate", fd, -(1 << 62))
    yield from submit_and_reap(L, ring)
    yield from _size(L, fd, "size")
    yield from _close_others(L, fds, sv, efd, other)
    yield from L.close(ro)
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lo2-ftruncate-bad-fields", tags=(*TAGS, "ftruncate", "file"))
def lo2_ftruncate_bad_fields(L: Any) -> Gen:
    """io_ftruncate_prep: a non-zero op flags word, addr, len, buf_index, file_index (splice_fd_in) or addr3
    is -EINVAL, and so is a non-zero ioprio (the opcode takes none); none of them truncated the file."""
    ring = yield from new_ring(L, 16)
    fd = yield from _file(L, "/lo2-ftrunc-fields", b"y" * 64)
    for ud, field in enumerate(("rw_flags", "addr", "len", "buf_index", "file_index", "addr3", "ioprio"), start=1):
        sqe = _prep(L, ring, ud, "io_uring_prep_ftruncate", fd, 8)
        setattr(sqe, field, 1)
        yield from submit_and_reap(L, ring)
    yield from _size(L, fd, "size")
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lo2-ftruncate-links", tags=(*TAGS, "ftruncate", "file", "links", "pipe"))
def lo2_ftruncate_links(L: Any) -> Gen:
    """io_ftruncate sets its result without req_set_fail: an FTRUNCATE failing on a pipe (-EINVAL) at the
    head of a link leaves the NOP after it to run; a successful one linked to a READ lets the READ see the
    new size; with IOSQE_CQE_SKIP_SUCCESS a failing one posts no CQE either (REQ_F_CQE_SKIP stays, as no
    req_set_fail clears it) and the NOP runs; a bad fd
    (-EBADF from the file lookup) cancels the NOP (-ECANCELED); a successful one with CQE_SKIP_SUCCESS posts
    nothing, and once its linked NOP completed the file has the new size."""
    ring = yield from new_ring(L, 8)
    fd = yield from _file(L, "/lo2-ftrunc-link", b"0123456789" * 10)
    fds = yield from new_pipe(L)
    _prep(L, ring, 1, "io_uring_prep_ftruncate", fds[1], 0, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    buf = bytearray(64)
    _prep(L, ring, 3, "io_uring_prep_ftruncate", fd, 12, sqe_flags=IOSQE_IO_LINK)
    _prep(L, ring, 4, "io_uring_prep_read", fd, buf, 64, 0)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    L.record("read", bytes(buf[:16]))
    _prep(L, ring, 5, "io_uring_prep_ftruncate", fds[0], 0, sqe_flags=IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS)
    nop(L, ring, 6)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    _prep(L, ring, 7, "io_uring_prep_ftruncate", 999, 0, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 8)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    _prep(L, ring, 9, "io_uring_prep_ftruncate", fd, 4, sqe_flags=IOSQE_CQE_SKIP_SUCCESS | IOSQE_IO_LINK)
    nop(L, ring, 10)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    yield from _size(L, fd, "size")
    yield from L.close(fds[0])
    yield from L.close(fds[1])
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lo2-ftruncate-fallocate-iopoll", tags=(*TAGS, "ftruncate", "fallocate", "iopoll", "file"))
def lo2_ftruncate_fallocate_iopoll(L: Any) -> Gen:
    """Neither FTRUNCATE nor FALLOCATE may be used on an IORING_SETUP_IOPOLL ring: -EINVAL."""
    ring = yield from new_ring(L, 8, IORING_SETUP_IOPOLL)
    fd = yield from _file(L, "/lo2-iopoll", b"z" * 16)
    _prep(L, ring, 1, "io_uring_prep_ftruncate", fd, 4)
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 2, "io_uring_prep_fallocate", fd, 0, 0, 4096)
    yield from submit_and_reap(L, ring)
    yield from _size(L, fd, "size")
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lo2-ftruncate-fallocate-fixed-file", tags=(*TAGS, "ftruncate", "fallocate", "file", "files"))
def lo2_ftruncate_fallocate_fixed_file(L: Any) -> Gen:
    """FTRUNCATE and FALLOCATE through a registered file (IOSQE_FIXED_FILE): they act on that file; an empty
    slot is -EBADF, a slot past the table -EBADF; the size shows each effect."""
    ring = yield from new_ring(L, 8)
    fd = yield from _file(L, "/lo2-fixed", b"f" * 100)
    yield from L.io_uring_register_files(ring, [-1, fd], 2)
    _prep(L, ring, 1, "io_uring_prep_ftruncate", 1, 10, sqe_flags=IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring)
    yield from _size(L, fd, "size 10")
    _prep(L, ring, 2, "io_uring_prep_fallocate", 1, 0, 0, 300, sqe_flags=IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring)
    yield from _size(L, fd, "size 300")
    _prep(L, ring, 3, "io_uring_prep_ftruncate", 0, 0, sqe_flags=IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 4, "io_uring_prep_fallocate", 5, 0, 0, 10, sqe_flags=IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring)
    yield from _size(L, fd, "size kept")
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


# -- FALLOCATE --------------------------------------------------------------------------------------


@scenario("lo2-fallocate-allocate", tags=(*TAGS, "fallocate", "file"))
def lo2_fallocate_allocate(L: Any) -> Gen:
    """FALLOCATE (io_uring_prep_fallocate(3)) with mode 0 on an empty file grows it to the end of the range
    (0, size 8192, the new bytes read as zeros); with FALLOC_FL_KEEP_SIZE the size stays; a range inside the
    file changes nothing; a write after the allocated range still lands where asked."""
    ring = yield from new_ring(L, 8)
    fd = yield from _file(L, "/lo2-falloc")
    _prep(L, ring, 1, "io_uring_prep_fallocate", fd, 0, 0, 8192)
    yield from submit_and_reap(L, ring)
    yield from _size(L, fd, "size 8192")
    yield from _pread(L, ring, fd, 8, 4000, 2, "zeros")
    _prep(L, ring, 3, "io_uring_prep_fallocate", fd, FALLOC_FL_KEEP_SIZE, 8192, 8192)
    yield from submit_and_reap(L, ring)
    yield from _size(L, fd, "size kept")
    _prep(L, ring, 4, "io_uring_prep_fallocate", fd, 0, 100, 200)
    yield from submit_and_reap(L, ring)
    yield from _size(L, fd, "size inside")
    _prep(L, ring, 5, "io_uring_prep_fallocate", fd, 0, 10000, 1)
    yield from submit_and_reap(L, ring)
    yield from _size(L, fd, "size 10001")
    _prep(L, ring, 6, "io_uring_prep_write", fd, b"tail", 4, 12000)
    yield from submit_and_reap(L, ring)
    yield from _size(L, fd, "size 12004")
    yield from _pread(L, ring, fd, 8, 11998, 7, "tail")
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lo2-fallocate-punch-hole", tags=(*TAGS, "fallocate", "file"))
def lo2_fallocate_punch_hole(L: Any) -> Gen:
    """FALLOC_FL_PUNCH_HOLE | KEEP_SIZE over part of a three-page file: 0, the range reads as zeros (partial
    pages and a whole page), the bytes around it are kept and the size does not change; a hole past the end
    is 0 too and changes nothing."""
    ring = yield from new_ring(L, 8)
    fd = yield from _file(L, "/lo2-punch", b"a" * 4096 + b"b" * 4096 + b"c" * 4096)
    mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
    _prep(L, ring, 1, "io_uring_prep_fallocate", fd, mode, 4000, 4196)
    yield from submit_and_reap(L, ring)
    yield from _size(L, fd, "size")
    yield from _pread(L, ring, fd, 8, 3996, 2, "before")
    yield from _pread(L, ring, fd, 8, 4096 * 2 + 92, 3, "after")
    yield from _pread(L, ring, fd, 8, 6000, 4, "inside")
    _prep(L, ring, 5, "io_uring_prep_fallocate", fd, mode, 1 << 20, 4096)
    yield from submit_and_reap(L, ring)
    yield from _size(L, fd, "size after far hole")
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lo2-fallocate-modes", tags=(*TAGS, "fallocate", "file", "pipe"))
def lo2_fallocate_modes(L: Any) -> Gen:
    """vfs_fallocate refuses, before asking the file system, with -EOPNOTSUPP: PUNCH_HOLE without
    KEEP_SIZE, COLLAPSE_RANGE / INSERT_RANGE / WRITE_ZEROES with KEEP_SIZE, an unknown mode bit, a mode of
    -1; even on a pipe (the mode is looked at before the file).  The file keeps its size and content."""
    ring = yield from new_ring(L, 16)
    fd = yield from _file(L, "/lo2-modes", b"m" * 4096)
    fds = yield from new_pipe(L)
    modes = (
        FALLOC_FL_PUNCH_HOLE,
        FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_KEEP_SIZE,
        FALLOC_FL_INSERT_RANGE | FALLOC_FL_KEEP_SIZE,
        FALLOC_FL_WRITE_ZEROES | FALLOC_FL_KEEP_SIZE,
        0x100,
        0x4000,
        -1,
        FALLOC_FL_PUNCH_HOLE | FALLOC_FL_COLLAPSE_RANGE,
    )
    for ud, mode in enumerate(modes, start=1):
        _prep(L, ring, ud, "io_uring_prep_fallocate", fd, mode, 0, 4096)
        yield from submit_and_reap(L, ring)
    _prep(L, ring, 20, "io_uring_prep_fallocate", fds[1], FALLOC_FL_PUNCH_HOLE, 0, 4096)
    yield from submit_and_reap(L, ring)
    yield from _size(L, fd, "size")
    yield from _pread(L, ring, fd, 4, 0, 21, "data")
    yield from L.close(fds[0])
    yield from L.close(fds[1])
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lo2-fallocate-errors", tags=(*TAGS, "fallocate", "file", "pipe", "socket"))
def lo2_fallocate_errors(L: Any) -> Gen:
    """FALLOCATE's errors in vfs_fallocate's order: a negative offset, a zero or negative length -EINVAL
    (even on a read-only descriptor); a descriptor not open for writing -EBADF (a file opened O_RDONLY, a
    pipe's read end); a pipe's write end -ESPIPE; a socket, an eventfd and a ring whatever the kernel
    answers for a file that is neither regular nor a pipe; an end past LLONG_MAX -EFBIG; a descriptor never
    opened -EBADF."""
    ring = yield from new_ring(L, 16)
    fd = yield from _file(L, "/lo2-falloc-err", b"e" * 64)
    ro = yield from L.open("/lo2-falloc-err", L.O_RDONLY, 0)
    fds, sv, efd, other = yield from _others(L)
    cases = (
        (fd, -4096, 4096),
        (fd, 0, 0),
        (fd, 0, -1),
        (ro, 0, 0),
        (ro, 0, 4096),
        (fds[0], 0, 4096),
        (fds[1], 0, 4096),
        (sv[0], 0, 4096),
        (efd, 0, 4096),
        (other.ring_fd, 0, 4096),
        (fd, LLONG_MAX - 100, 4096),
        (fd, LLONG_MAX, LLONG_MAX),
        (999, 0, 4096),
    )
    for ud, (target, off, length) in enumerate(cases, start=1):
        _prep(L, ring, ud, "io_uring_prep_fallocate", target, 0, off, length)
        yield from submit_and_reap(L, ring)
    yield from _size(L, fd, "size")
    yield from _close_others(L, fds, sv, efd, other)
    yield from L.close(ro)
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lo2-fallocate-bad-fields", tags=(*TAGS, "fallocate", "file"))
def lo2_fallocate_bad_fields(L: Any) -> Gen:
    """io_fallocate_prep: a non-zero buf_index, op flags word or file_index (splice_fd_in) is -EINVAL, and so
    is a non-zero ioprio; addr3 is not looked at (0: the allocation happens)."""
    ring = yield from new_ring(L, 16)
    fd = yield from _file(L, "/lo2-falloc-fields")
    for ud, field in enumerate(("buf_index", "rw_flags", "file_index", "ioprio"), start=1):
        sqe = _prep(L, ring, ud, "io_uring_prep_fallocate", fd, 0, 0, 4096)
        setattr(sqe, field, 1)
        yield from submit_and_reap(L, ring)
    yield from _size(L, fd, "size 0")
    sqe = _prep(L, ring, 9, "io_uring_prep_fallocate", fd, 0, 0, 4096)
    sqe.addr3 = 1
    yield from submit_and_reap(L, ring)
    yield from _size(L, fd, "size 4096")
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lo2-fallocate-links", tags=(*TAGS, "fallocate", "file", "links", "pipe"))
def lo2_fallocate_links(L: Any) -> Gen:
    """io_fallocate sets its result without req_set_fail: a FALLOCATE failing (-ESPIPE on a pipe,
    -EOPNOTSUPP for a bad mode) at the head of a link lets the NOP after it run; a successful one, with
    IOSQE_CQE_SKIP_SUCCESS, posts no CQE and the linked READ sees the grown size; a bad fd cancels the
    rest of the link."""
    ring = yield from new_ring(L, 8)
    fd = yield from _file(L, "/lo2-falloc-link", b"L" * 10)
    fds = yield from new_pipe(L)
    _prep(L, ring, 1, "io_uring_prep_fallocate", fds[1], 0, 0, 4096, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    _prep(L, ring, 3, "io_uring_prep_fallocate", fd, FALLOC_FL_PUNCH_HOLE, 0, 4096, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 4)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    buf = bytearray(32)
    _prep(L, ring, 5, "io_uring_prep_fallocate", fd, 0, 0, 20, sqe_flags=IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS)
    _prep(L, ring, 6, "io_uring_prep_read", fd, buf, 32, 0)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    L.record("read", bytes(buf))
    _prep(L, ring, 7, "io_uring_prep_fallocate", 999, 0, 0, 4096, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 8)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.close(fds[0])
    yield from L.close(fds[1])
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


# -- SHUTDOWN ---------------------------------------------------------------------------------------


def _sock_pair(L: Any) -> Gen:
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)
    return sv


def _send(L: Any, ring: Any, fd: int, data: bytes, user_data: int, sqe_flags: int = 0) -> Any:
    return _prep(L, ring, user_data, "io_uring_prep_send", fd, data, len(data), 0, sqe_flags=sqe_flags)


def _recv(L: Any, ring: Any, fd: int, buf: bytearray, user_data: int, sqe_flags: int = 0) -> Any:
    return _prep(L, ring, user_data, "io_uring_prep_recv", fd, buf, len(buf), 0, sqe_flags=sqe_flags)


def _masks(L: Any, ring: Any, sv: Any, user_data: int) -> Gen:
    """One-shot POLL_ADDs on both ends: each completes at once with the events ready."""
    poll_add(L, ring, sv[0], ALL_EVENTS, user_data)
    poll_add(L, ring, sv[1], ALL_EVENTS, user_data + 1)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)


@scenario("lo2-shutdown-wr", tags=(*TAGS, "shutdown", "net", "socket"))
def lo2_shutdown_wr(L: Any) -> Gen:
    """SHUTDOWN (io_uring_prep_shutdown(3)) with SHUT_WR after a SEND: 0; a SEND from that end is then -EPIPE,
    the peer's RECV still gets the queued bytes, then 0 (end of file) and 0 again; the other direction still
    works; poll shows POLLRDHUP on the peer; a second SHUT_WR is 0."""
    ring = yield from new_ring(L, 8)
    sv = yield from _sock_pair(L)
    _send(L, ring, sv[0], b"hello", 1)
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 2, "io_uring_prep_shutdown", sv[0], SHUT_WR)
    yield from submit_and_reap(L, ring)
    _send(L, ring, sv[0], b"more", 3)
    yield from submit_and_reap(L, ring)
    buf = bytearray(16)
    for ud in (4, 5, 6):
        _recv(L, ring, sv[1], buf, ud)
        yield from submit_and_reap(L, ring)
    L.record("received", bytes(buf[:5]))
    _send(L, ring, sv[1], b"back", 7)
    yield from submit_and_reap(L, ring)
    _recv(L, ring, sv[0], buf, 8)
    yield from submit_and_reap(L, ring)
    L.record("back", bytes(buf[:4]))
    yield from _masks(L, ring, sv, 9)
    _prep(L, ring, 11, "io_uring_prep_shutdown", sv[0], SHUT_WR)
    yield from submit_and_reap(L, ring)
    yield from L.close(sv[0])
    yield from L.close(sv[1])
    yield from L.io_uring_queue_exit(ring)


@scenario("lo2-shutdown-rd", tags=(*TAGS, "shutdown", "net", "socket"))
def lo2_shutdown_rd(L: Any) -> Gen:
    """SHUTDOWN with SHUT_RD on one end that has bytes queued: 0; its RECV still gets them, then 0; the peer's
    SEND is -EPIPE, as is a send(2) with MSG_NOSIGNAL; this end can still send, and the peer receives."""
    ring = yield from new_ring(L, 8)
    sv = yield from _sock_pair(L)
    _send(L, ring, sv[1], b"queued", 1)
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 2, "io_uring_prep_shutdown", sv[0], SHUT_RD)
    yield from submit_and_reap(L, ring)
    _send(L, ring, sv[1], b"late", 3)
    yield from submit_and_reap(L, ring)
    L.record("send(2)", (yield from L.send(sv[1], b"x", 1, L.MSG_NOSIGNAL)))
    buf = bytearray(16)
    for ud in (4, 5):
        _recv(L, ring, sv[0], buf, ud)
        yield from submit_and_reap(L, ring)
    L.record("received", bytes(buf[:6]))
    _send(L, ring, sv[0], b"out", 6)
    yield from submit_and_reap(L, ring)
    _recv(L, ring, sv[1], buf, 7)
    yield from submit_and_reap(L, ring)
    yield from _masks(L, ring, sv, 8)
    yield from L.close(sv[0])
    yield from L.close(sv[1])
    yield from L.io_uring_queue_exit(ring)


@scenario("lo2-shutdown-rdwr", tags=(*TAGS, "shutdown", "net", "socket"))
def lo2_shutdown_rdwr(L: Any) -> Gen:
    """SHUTDOWN with SHUT_RDWR: 0; both ends report POLLHUP with POLLRDHUP|POLLIN; a SEND either way is -EPIPE
    and a RECV on either end 0; a zero-length SEND is -EPIPE too."""
    ring = yield from new_ring(L, 8)
    sv = yield from _sock_pair(L)
    _prep(L, ring, 1, "io_uring_prep_shutdown", sv[1], SHUT_RDWR)
    yield from submit_and_reap(L, ring)
    yield from _masks(L, ring, sv, 2)
    buf = bytearray(8)
    _send(L, ring, sv[0], b"a", 4)
    _send(L, ring, sv[1], b"b", 5)
    _send(L, ring, sv[0], b"", 6)
    _recv(L, ring, sv[0], buf, 7)
    _recv(L, ring, sv[1], buf, 8)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 5)
    yield from L.close(sv[0])
    yield from L.close(sv[1])
    yield from L.io_uring_queue_exit(ring)


@scenario("lo2-shutdown-wakes-recv", tags=(*TAGS, "shutdown", "net", "socket"))
def lo2_shutdown_wakes_recv(L: Any) -> Gen:
    """A RECV waiting on an empty socket (on a second ring) completes with 0 when the peer's SHUTDOWN with
    SHUT_WR runs (the shutdown wakes it); a blocked poll for POLLRDHUP on it fires too."""
    ring = yield from new_ring(L, 8)
    waiter = yield from new_ring(L, 8)
    sv = yield from _sock_pair(L)
    buf = bytearray(8)
    _recv(L, waiter, sv[1], buf, 1)
    poll_add(L, waiter, sv[1], POLLRDHUP, 2)
    yield from L.io_uring_submit(waiter)
    L.record("ready before", L.io_uring_cq_ready(waiter))
    _prep(L, ring, 3, "io_uring_prep_shutdown", sv[0], SHUT_WR)
    yield from submit_and_reap(L, ring)
    yield from reap(L, waiter, 2)
    yield from L.close(sv[0])
    yield from L.close(sv[1])
    yield from L.io_uring_queue_exit(waiter)
    yield from L.io_uring_queue_exit(ring)


@scenario("lo2-shutdown-errors", tags=(*TAGS, "shutdown", "net", "socket", "pipe", "file"))
def lo2_shutdown_errors(L: Any) -> Gen:
    """SHUTDOWN of what is not a socket is -ENOTSOCK (a pipe, a regular file, an eventfd, a ring); a
    descriptor never opened -EBADF; a ``how`` outside SHUT_RD..SHUT_RDWR (3, -1) -EINVAL from the socket;
    io_shutdown_prep: a non-zero off, addr, op flags word, buf_index or file_index is -EINVAL, and so is
    ioprio; through a registered file (IOSQE_FIXED_FILE) it works.  The socket still carries data."""
    ring = yield from new_ring(L, 16)
    sv = yield from _sock_pair(L)
    fds = yield from new_pipe(L)
    fd = yield from _file(L, "/lo2-shut")
    efd = yield from L.eventfd(0, 0)
    for ud, target in enumerate((fds[0], fd, efd, ring.ring_fd, 999), start=1):
        _prep(L, ring, ud, "io_uring_prep_shutdown", target, SHUT_WR)
        yield from submit_and_reap(L, ring)
    for ud, how in ((10, 3), (11, -1), (12, 1 << 31)):
        _prep(L, ring, ud, "io_uring_prep_shutdown", sv[0], how)
        yield from submit_and_reap(L, ring)
    for ud, field in enumerate(("off", "addr", "rw_flags", "buf_index", "file_index", "ioprio"), start=20):
        sqe = _prep(L, ring, ud, "io_uring_prep_shutdown", sv[0], SHUT_RDWR)
        setattr(sqe, field, 1)
        yield from submit_and_reap(L, ring)
    _send(L, ring, sv[0], b"still", 30)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_register_files(ring, [sv[1]], 1)
    _prep(L, ring, 31, "io_uring_prep_shutdown", 0, SHUT_RD, sqe_flags=IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring)
    _send(L, ring, sv[0], b"gone", 32)
    yield from submit_and_reap(L, ring)
    for f in (sv[0], sv[1], fds[0], fds[1], fd, efd):
        yield from L.close(f)
    yield from L.io_uring_queue_exit(ring)


@scenario("lo2-shutdown-links", tags=(*TAGS, "shutdown", "net", "socket", "links", "pipe"))
def lo2_shutdown_links(L: Any) -> Gen:
    """In a link: SHUTDOWN of a pipe (-ENOTSOCK, an issue error) cancels the NOP after it; a bad ``how``
    (-EINVAL, set as the result without req_set_fail) does not, and with IOSQE_CQE_SKIP_SUCCESS posts no CQE;
    a successful SHUT_WR linked to a SEND from the same end makes that SEND -EPIPE."""
    ring = yield from new_ring(L, 8)
    sv = yield from _sock_pair(L)
    fds = yield from new_pipe(L)
    _prep(L, ring, 1, "io_uring_prep_shutdown", fds[1], SHUT_WR, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    _prep(L, ring, 3, "io_uring_prep_shutdown", sv[0], 7, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 4)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    _prep(L, ring, 5, "io_uring_prep_shutdown", sv[0], 7, sqe_flags=IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS)
    nop(L, ring, 6)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    _prep(L, ring, 7, "io_uring_prep_shutdown", sv[0], SHUT_WR, sqe_flags=IOSQE_IO_LINK)
    _send(L, ring, sv[0], b"x", 8)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    for f in (sv[0], sv[1], fds[0], fds[1]):
        yield from L.close(f)
    yield from L.io_uring_queue_exit(ring)


@scenario("lo2-shutdown-closed-peer", tags=(*TAGS, "shutdown", "net", "socket"))
def lo2_shutdown_closed_peer(L: Any) -> Gen:
    """SHUTDOWN of a socket whose peer is closed is 0 for each ``how``; its RECV is 0 afterwards."""
    ring = yield from new_ring(L, 8)
    sv = yield from _sock_pair(L)
    yield from L.close(sv[1])
    for ud, how in enumerate((SHUT_RD, SHUT_WR, SHUT_RDWR), start=1):
        _prep(L, ring, ud, "io_uring_prep_shutdown", sv[0], how)
        yield from submit_and_reap(L, ring)
    buf = bytearray(4)
    _recv(L, ring, sv[0], buf, 4)
    yield from submit_and_reap(L, ring)
    yield from L.close(sv[0])
    yield from L.io_uring_queue_exit(ring)


# -- SENDMSG / RECVMSG ------------------------------------------------------------------------------


def _sendmsg(L: Any, ring: Any, fd: int, msg: Any, flags: int, user_data: int, sqe_flags: int = 0) -> Any:
    return _prep(L, ring, user_data, "io_uring_prep_sendmsg", fd, msg, flags, sqe_flags=sqe_flags)


def _recvmsg(L: Any, ring: Any, fd: int, msg: Any, flags: int, user_data: int, sqe_flags: int = 0) -> Any:
    return _prep(L, ring, user_data, "io_uring_prep_recvmsg", fd, msg, flags, sqe_flags=sqe_flags)


@scenario("lo2-sendmsg-recvmsg-iovecs", tags=(*TAGS, "sendmsg", "recvmsg", "net", "socket"))
def lo2_sendmsg_recvmsg_iovecs(L: Any) -> Gen:
    """SENDMSG (io_uring_prep_sendmsg(3)) of three iovecs is the total (14); RECVMSG into two 8-byte iovecs
    gets the 14 bytes, filling the first iovec, then the second; a SENDMSG of no iovec is 0; a RECVMSG whose
    iovecs hold fewer bytes than are queued takes what fits and flags the CQE IORING_CQE_F_SOCK_NONEMPTY."""
    ring = yield from new_ring(L, 8)
    sv = yield from _sock_pair(L)
    out = L.Msghdr([b"hello ", b"io_", b"uring"])
    _sendmsg(L, ring, sv[0], out, 0, 1)
    yield from submit_and_reap(L, ring)
    a, b = bytearray(8), bytearray(8)
    _recvmsg(L, ring, sv[1], L.Msghdr([a, b]), 0, 2)
    yield from submit_and_reap(L, ring)
    L.record("iov0", bytes(a))
    L.record("iov1", bytes(b))
    _sendmsg(L, ring, sv[0], L.Msghdr([]), 0, 3)
    yield from submit_and_reap(L, ring)
    _sendmsg(L, ring, sv[0], L.Msghdr([b"0123456789", b"abcdefghij"]), 0, 4)
    yield from submit_and_reap(L, ring)
    c, d = bytearray(3), bytearray(4)
    _recvmsg(L, ring, sv[1], L.Msghdr([c, d]), 0, 5)
    yield from submit_and_reap(L, ring)
    L.record("short", bytes(c) + bytes(d))
    rest = bytearray(32)
    _recvmsg(L, ring, sv[1], L.Msghdr([rest]), 0, 6)
    yield from submit_and_reap(L, ring)
    L.record("rest", bytes(rest[:13]))
    yield from L.close(sv[0])
    yield from L.close(sv[1])
    yield from L.io_uring_queue_exit(ring)


@scenario("lo2-recvmsg-scatter", tags=(*TAGS, "sendmsg", "recvmsg", "net", "socket"))
def lo2_recvmsg_scatter(L: Any) -> Gen:
    """A RECVMSG into iovecs of 3, 0 and 10 bytes after a 5-byte SEND: 5, the first iovec full and two bytes
    in the third (the empty one is skipped); msg_iovlen of 2 uses only the first two iovecs (3 bytes)."""
    ring = yield from new_ring(L, 8)
    sv = yield from _sock_pair(L)
    _send(L, ring, sv[0], b"abcde", 1)
    yield from submit_and_reap(L, ring)
    x, y, z = bytearray(3), bytearray(0), bytearray(10)
    _recvmsg(L, ring, sv[1], L.Msghdr([x, y, z]), 0, 2)
    yield from submit_and_reap(L, ring)
    L.record("x", bytes(x))
    L.record("z", bytes(z))
    _send(L, ring, sv[0], b"ABCDE", 3)
    yield from submit_and_reap(L, ring)
    p, q = bytearray(3), bytearray(3)
    _recvmsg(L, ring, sv[1], L.Msghdr([p, q, bytearray(8)], 1), 0, 4)
    yield from submit_and_reap(L, ring)
    L.record("p", bytes(p))
    L.record("q", bytes(q))
    yield from L.close(sv[0])
    yield from L.close(sv[1])
    yield from L.io_uring_queue_exit(ring)


@scenario("lo2-msghdr-iovec-entries", tags=(*TAGS, "sendmsg", "recvmsg", "net", "socket"))
def lo2_msghdr_iovec_entries(L: Any) -> Gen:
    """A msghdr's iovecs given apart (L.Iovec: a base and a length shorter than the buffer) and empty
    ({NULL, 0}): SENDMSG sends 3 + 2 bytes, RECVMSG scatters into 3 bytes of a first buffer, skips the empty
    entry, and fills the next; an iovec whose length is negative as a ssize_t is -EINVAL."""
    ring = yield from new_ring(L, 8)
    sv = yield from _sock_pair(L)
    _sendmsg(L, ring, sv[0], L.Msghdr([None, b"abc", L.Iovec(bytearray(b"xyzw"), 2)]), 0, 1)
    yield from submit_and_reap(L, ring)
    first, rest = bytearray(8), bytearray(8)
    _recvmsg(L, ring, sv[1], L.Msghdr([L.Iovec(first, 3), None, rest]), 0, 2)
    yield from submit_and_reap(L, ring)
    L.record("first", bytes(first))
    L.record("rest", bytes(rest))
    _sendmsg(L, ring, sv[0], L.Msghdr([L.Iovec(bytearray(8), -1)]), 0, 3)
    yield from submit_and_reap(L, ring)
    yield from L.close(sv[0])
    yield from L.close(sv[1])
    yield from L.io_uring_queue_exit(ring)


@scenario("lo2-recvmsg-waits", tags=(*TAGS, "sendmsg", "recvmsg", "net", "socket"))
def lo2_recvmsg_waits(L: Any) -> Gen:
    """A RECVMSG on an empty socket waits (no CQE) and completes when a SENDMSG arrives; with MSG_WAITALL it
    completes only once its iovecs are full (two SENDMSGs of 6 for 12 bytes); with MSG_DONTWAIT on an empty
    socket it is -EAGAIN; with IOSQE_ASYNC both directions work too."""
    ring = yield from new_ring(L, 8)
    sv = yield from _sock_pair(L)
    buf = bytearray(16)
    _recvmsg(L, ring, sv[1], L.Msghdr([buf]), 0, 1)
    yield from L.io_uring_submit(ring)
    L.record("ready", L.io_uring_cq_ready(ring))
    _sendmsg(L, ring, sv[0], L.Msghdr([b"wake"]), 0, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    L.record("woken", bytes(buf[:4]))
    h1, h2 = bytearray(6), bytearray(6)
    _recvmsg(L, ring, sv[1], L.Msghdr([h1, h2]), MSG_WAITALL, 3)
    yield from L.io_uring_submit(ring)
    _sendmsg(L, ring, sv[0], L.Msghdr([b"first-"]), 0, 4)
    yield from submit_and_reap(L, ring)
    L.record("ready after one", L.io_uring_cq_ready(ring))
    _sendmsg(L, ring, sv[0], L.Msghdr([b"second"]), 0, 5)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    L.record("waitall", bytes(h1) + bytes(h2))
    _recvmsg(L, ring, sv[1], L.Msghdr([buf]), MSG_DONTWAIT, 6)
    yield from submit_and_reap(L, ring)
    _sendmsg(L, ring, sv[0], L.Msghdr([b"async"]), 0, 7, sqe_flags=IOSQE_ASYNC)
    yield from submit_and_reap(L, ring)
    _recvmsg(L, ring, sv[1], L.Msghdr([buf]), 0, 8, sqe_flags=IOSQE_ASYNC)
    yield from submit_and_reap(L, ring)
    L.record("async", bytes(buf[:5]))
    yield from L.close(sv[0])
    yield from L.close(sv[1])
    yield from L.io_uring_queue_exit(ring)


@scenario("lo2-sendmsg-errors", tags=(*TAGS, "sendmsg", "net", "socket", "pipe"))
def lo2_sendmsg_errors(L: Any) -> Gen:
    """SENDMSG errors: a pipe -ENOTSOCK, a descriptor never opened -EBADF; at prep a NULL msghdr -EFAULT,
    msg_iovlen above UIO_MAXIOV -EMSGSIZE, a negative msg_namelen with a name -EINVAL, an unknown ioprio flag
    or IORING_RECVSEND_BUNDLE -EINVAL, a non-zero addr2 or file_index -EINVAL; a destination address (any
    msg_namelen, a long one is clamped) on the connected socket -EISCONN; after the peer closed -EPIPE (no
    SIGPIPE: io_uring adds MSG_NOSIGNAL).  A RECV then gets only the one good message."""
    ring = yield from new_ring(L, 16)
    sv = yield from _sock_pair(L)
    fds = yield from new_pipe(L)
    good = L.Msghdr([b"ok"])
    _sendmsg(L, ring, fds[1], good, 0, 1)
    yield from submit_and_reap(L, ring)
    _sendmsg(L, ring, 999, good, 0, 2)
    yield from submit_and_reap(L, ring)
    _sendmsg(L, ring, sv[0], 0, 0, 3)
    yield from submit_and_reap(L, ring)
    _sendmsg(L, ring, sv[0], L.Msghdr([b"x"], 1025), 0, 4)
    yield from submit_and_reap(L, ring)
    _sendmsg(L, ring, sv[0], L.Msghdr([b"x"], msg_name=bytearray(16), msg_namelen=-1), 0, 5)
    yield from submit_and_reap(L, ring)
    _sendmsg(L, ring, sv[0], L.Msghdr([b"x"], msg_name=bytearray(16), msg_namelen=16), 0, 6)
    yield from submit_and_reap(L, ring)
    _sendmsg(L, ring, sv[0], L.Msghdr([b"x"], msg_name=bytearray(256), msg_namelen=200), 0, 7)
    yield from submit_and_reap(L, ring)
    for ud, field, value in ((8, "ioprio", 0x80), (9, "ioprio", IORING_RECVSEND_BUNDLE), (10, "addr2", 1), (11, "file_index", 1)):
        sqe = _sendmsg(L, ring, sv[0], good, 0, ud)
        setattr(sqe, field, value)
        yield from submit_and_reap(L, ring)
    _sendmsg(L, ring, sv[0], good, 0, 12)
    yield from submit_and_reap(L, ring)
    buf = bytearray(16)
    _recv(L, ring, sv[1], buf, 13)
    yield from submit_and_reap(L, ring)
    L.record("received", bytes(buf[:2]))
    yield from L.close(sv[1])
    _sendmsg(L, ring, sv[0], good, 0, 14)
    yield from submit_and_reap(L, ring)
    for f in (sv[0], fds[0], fds[1]):
        yield from L.close(f)
    yield from L.io_uring_queue_exit(ring)


@scenario("lo2-recvmsg-errors", tags=(*TAGS, "recvmsg", "net", "socket", "pipe"))
def lo2_recvmsg_errors(L: Any) -> Gen:
    """RECVMSG errors: a pipe -ENOTSOCK, also with IORING_RECVSEND_POLL_FIRST (the socket is checked first);
    a descriptor never opened -EBADF; at prep a NULL msghdr -EFAULT, msg_iovlen above UIO_MAXIOV -EMSGSIZE,
    a non-zero addr2 -EINVAL, IORING_RECV_MULTISHOT without a provided buffer -EINVAL, IORING_RECVSEND_BUNDLE
    -EINVAL; MSG_OOB with no urgent byte -EINVAL; a msg_name buffer is allowed (the data arrives); after the
    peer closed, 0."""
    ring = yield from new_ring(L, 16)
    sv = yield from _sock_pair(L)
    fds = yield from new_pipe(L)
    buf = bytearray(8)
    good = L.Msghdr([buf])
    _recvmsg(L, ring, fds[0], good, 0, 1)
    yield from submit_and_reap(L, ring)
    sqe = _recvmsg(L, ring, fds[0], good, 0, 2)
    sqe.ioprio = IORING_RECVSEND_POLL_FIRST
    yield from submit_and_reap(L, ring)
    _recvmsg(L, ring, 999, good, 0, 3)
    yield from submit_and_reap(L, ring)
    _recvmsg(L, ring, sv[1], 0, 0, 4)
    yield from submit_and_reap(L, ring)
    _recvmsg(L, ring, sv[1], L.Msghdr([buf], 2000), 0, 5)
    yield from submit_and_reap(L, ring)
    for ud, field, value in ((6, "addr2", 1), (7, "ioprio", IORING_RECV_MULTISHOT), (8, "ioprio", IORING_RECVSEND_BUNDLE), (9, "ioprio", 0x80)):
        sqe = _recvmsg(L, ring, sv[1], good, 0, ud)
        setattr(sqe, field, value)
        yield from submit_and_reap(L, ring)
    _recvmsg(L, ring, sv[1], good, MSG_OOB, 10)
    yield from submit_and_reap(L, ring)
    _send(L, ring, sv[0], b"named", 11)
    yield from submit_and_reap(L, ring)
    _recvmsg(L, ring, sv[1], L.Msghdr([buf], msg_name=bytearray(128), msg_namelen=128), 0, 12)
    yield from submit_and_reap(L, ring)
    L.record("data", bytes(buf[:5]))
    yield from L.close(sv[0])
    _recvmsg(L, ring, sv[1], good, 0, 13)
    yield from submit_and_reap(L, ring)
    for f in (sv[1], fds[0], fds[1]):
        yield from L.close(f)
    yield from L.io_uring_queue_exit(ring)


@scenario("lo2-sendmsg-recvmsg-links", tags=(*TAGS, "sendmsg", "recvmsg", "net", "socket", "links"))
def lo2_sendmsg_recvmsg_links(L: Any) -> Gen:
    """A SENDMSG linked to a RECVMSG on the other end: both complete, in order, with the count; a SENDMSG that
    fails (-EISCONN) cancels its linked RECVMSG (-ECANCELED); a RECVMSG with MSG_WAITALL that gets less (the
    peer shut down its write side) completes with the count so far and cancels the NOP linked after it."""
    ring = yield from new_ring(L, 8)
    sv = yield from _sock_pair(L)
    buf = bytearray(8)
    _sendmsg(L, ring, sv[0], L.Msghdr([b"lin", b"ked"]), 0, 1, sqe_flags=IOSQE_IO_LINK)
    _recvmsg(L, ring, sv[1], L.Msghdr([buf]), 0, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    L.record("linked", bytes(buf[:6]))
    _sendmsg(L, ring, sv[0], L.Msghdr([b"x"], msg_name=bytearray(16), msg_namelen=16), 0, 3, sqe_flags=IOSQE_IO_LINK)
    _recvmsg(L, ring, sv[1], L.Msghdr([buf]), 0, 4)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    _send(L, ring, sv[0], b"abc", 5)
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 6, "io_uring_prep_shutdown", sv[0], SHUT_WR)
    yield from submit_and_reap(L, ring)
    _recvmsg(L, ring, sv[1], L.Msghdr([buf]), MSG_WAITALL, 7, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 8)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.close(sv[0])
    yield from L.close(sv[1])
    yield from L.io_uring_queue_exit(ring)


# -- PIPE -------------------------------------------------------------------------------------------


def _fds(buf: bytearray) -> tuple[int, int]:
    """The two ints the kernel wrote into ``buf``."""
    return int.from_bytes(buf[0:4], "little", signed=True), int.from_bytes(buf[4:8], "little", signed=True)


def _pipe_op(L: Any, ring: Any, user_data: int, flags: int = 0, sqe_flags: int = 0) -> Gen:
    """Queue and reap one PIPE; its fds (or None when it failed)."""
    buf = bytearray(b"\xff" * 8)
    _prep(L, ring, user_data, "io_uring_prep_pipe", buf, flags, sqe_flags=sqe_flags)
    got = yield from submit_and_reap(L, ring)
    del got
    a, b = _fds(buf)
    return (a, b) if a >= 0 and b >= 0 and a != b else None


def _round_trip_fds(L: Any, ring: Any, fds: Any, user_data: int, label: str) -> Gen:
    """A write(2) into ``fds[1]`` and an io_uring READ from ``fds[0]``; the data read is recorded."""
    L.record(f"{label} write", (yield from L.write(fds[1], b"pipe", 4)))
    yield from _pread(L, ring, fds[0], 4, 0, user_data, f"{label} read")


@scenario("lo2-pipe", tags=(*TAGS, "pipe-op", "pipe"))
def lo2_pipe(L: Any) -> Gen:
    """PIPE (io_uring_prep_pipe(3)) is 0 and writes two new descriptors into fds: the read end first, the
    write end second (data written to one is read from the other); the ends are distinct from earlier fds;
    with O_NONBLOCK an empty read is -EAGAIN, with O_CLOEXEC it works as well; closing them is 0."""
    ring = yield from new_ring(L, 8)
    fds = yield from _pipe_op(L, ring, 1)
    L.record("two fds", fds is not None)
    if fds is None:
        return
    yield from _round_trip_fds(L, ring, fds, 2, "plain")
    L.record("write to read end", (yield from L.write(fds[0], b"x", 1)))
    nb = yield from _pipe_op(L, ring, 3, L.O_NONBLOCK | L.O_CLOEXEC)
    L.record("new fds", nb is not None and not set(nb) & set(fds))
    if nb is not None:
        L.record("empty read", (yield from L.read(nb[0], bytearray(4), 4)))
        yield from _round_trip_fds(L, ring, nb, 4, "nonblock")
        for f in nb:
            yield from L.close(f)
    for f in fds:
        L.record("close", (yield from L.close(f)))
    yield from L.io_uring_queue_exit(ring)


@scenario("lo2-pipe-bad-fields", tags=(*TAGS, "pipe-op", "pipe"))
def lo2_pipe_bad_fields(L: Any) -> Gen:
    """io_pipe_prep: a non-zero fd, off or addr3 is -EINVAL, as are an unknown flag (O_RDWR, O_APPEND) and
    ioprio; len and buf_index are not looked at (the pipe is made and works); a NULL fds pointer is -EFAULT."""
    ring = yield from new_ring(L, 16)
    for ud, field in enumerate(("fd", "off", "addr3", "ioprio"), start=1):
        buf = bytearray(8)
        sqe = _prep(L, ring, ud, "io_uring_prep_pipe", buf, 0)
        setattr(sqe, field, 1)
        yield from submit_and_reap(L, ring)
    for ud, flags in ((5, L.O_RDWR), (6, L.O_APPEND)):
        _prep(L, ring, ud, "io_uring_prep_pipe", bytearray(8), flags)
        yield from submit_and_reap(L, ring)
    for ud, field in ((7, "len"), (8, "buf_index")):
        buf = bytearray(8)
        sqe = _prep(L, ring, ud, "io_uring_prep_pipe", buf, 0)
        setattr(sqe, field, 1)
        res = yield from submit_and_reap(L, ring)
        del res
        a, b = _fds(buf)
        if a > 0 and b > 0:
            yield from _round_trip_fds(L, ring, (a, b), 20 + ud, field)
            yield from L.close(a)
            yield from L.close(b)
    _prep(L, ring, 9, "io_uring_prep_pipe", 0, 0)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lo2-pipe-direct", tags=(*TAGS, "pipe-op", "pipe", "files"))
def lo2_pipe_direct(L: Any) -> Gen:
    """io_uring_prep_pipe_direct(3) into slot 1 of a sparse table: 0, the read end in slot 1 and the write end
    in slot 2 (a fixed-file WRITE to slot 2 is read back from slot 1), and fds holds the two slots; with
    IORING_FILE_INDEX_ALLOC the ends take free slots from the allocation hint on (3, then 0 after wrapping)
    and fds holds them; with the table full -ENFILE."""
    ring = yield from new_ring(L, 8)
    yield from L.io_uring_register_files_sparse(ring, 4)
    buf = bytearray(b"\xff" * 8)
    _prep(L, ring, 1, "io_uring_prep_pipe_direct", buf, 0, 1)
    yield from submit_and_reap(L, ring)
    L.record("fds", list(_fds(buf)))
    _prep(L, ring, 2, "io_uring_prep_write", 2, b"slot", 4, 0, sqe_flags=IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring)
    data = bytearray(8)
    _prep(L, ring, 3, "io_uring_prep_read", 1, data, 8, 0, sqe_flags=IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring)
    L.record("data", bytes(data[:4]))
    buf = bytearray(b"\xff" * 8)
    _prep(L, ring, 4, "io_uring_prep_pipe_direct", buf, 0, IORING_FILE_INDEX_ALLOC)
    yield from submit_and_reap(L, ring)
    L.record("alloc fds", list(_fds(buf)))
    _prep(L, ring, 5, "io_uring_prep_write", _fds(buf)[1], b"auto", 4, 0, sqe_flags=IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 6, "io_uring_prep_read", _fds(buf)[0], data, 8, 0, sqe_flags=IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring)
    L.record("auto data", bytes(data[:4]))
    _prep(L, ring, 7, "io_uring_prep_pipe_direct", bytearray(8), 0, IORING_FILE_INDEX_ALLOC)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lo2-pipe-direct-errors", tags=(*TAGS, "pipe-op", "pipe", "files"))
def lo2_pipe_direct_errors(L: Any) -> Gen:
    """PIPE into the registered table: without a table a given slot is -ENXIO and IORING_FILE_INDEX_ALLOC
    -ENFILE; O_CLOEXEC is -EINVAL; a slot past the table -EINVAL; the last slot (the write end would go past
    it) -EINVAL, and the read end installed in the last slot is removed again: CLOSE_DIRECT shows slot 0
    still holding the eventfd registered there, slots 1 and 2 empty."""
    ring = yield from new_ring(L, 16)
    _prep(L, ring, 1, "io_uring_prep_pipe_direct", bytearray(8), 0, 0)
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 2, "io_uring_prep_pipe_direct", bytearray(8), 0, IORING_FILE_INDEX_ALLOC)
    yield from submit_and_reap(L, ring)
    efd = yield from L.eventfd(0, 0)
    yield from L.io_uring_register_files(ring, [efd, -1, -1], 3)
    _prep(L, ring, 3, "io_uring_prep_pipe_direct", bytearray(8), L.O_CLOEXEC, 1)
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 4, "io_uring_prep_pipe_direct", bytearray(8), 0, 5)
    yield from submit_and_reap(L, ring)
    _prep(L, ring, 5, "io_uring_prep_pipe_direct", bytearray(8), 0, 2)
    yield from submit_and_reap(L, ring)
    for ud, slot in ((6, 0), (7, 1), (8, 2)):
        _prep(L, ring, ud, "io_uring_prep_close_direct", slot)
        yield from submit_and_reap(L, ring)
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lo2-pipe-links", tags=(*TAGS, "pipe-op", "pipe", "links"))
def lo2_pipe_links(L: Any) -> Gen:
    """A PIPE linked to a NOP: both 0, in order; a PIPE that fails (-EFAULT: fds is NULL) cancels the NOP
    (-ECANCELED); so does one failing at prep (-EINVAL)."""
    ring = yield from new_ring(L, 8)
    buf = bytearray(8)
    _prep(L, ring, 1, "io_uring_prep_pipe", buf, 0, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    for f in _fds(buf):
        yield from L.close(f)
    _prep(L, ring, 3, "io_uring_prep_pipe", 0, 0, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 4)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    _prep(L, ring, 5, "io_uring_prep_pipe", bytearray(8), 0x1, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 6)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)
