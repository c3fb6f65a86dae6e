"""Behaviours liburing's own tests exercise in poll, read/write, registered files and CQ sizing/overflow,
written here from the man pages (io_uring_prep_poll_add(3), io_uring_prep_poll_update(3),
io_uring_prep_read(3), io_uring_register(2), io_uring_setup(2)); names prefixed ``li-``."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    new_ring,
    new_ring_params,
    nop,
    poll_add,
    poll_remove,
    poll_update,
    readv,
    reap,
    reap_one,
    reap_ready,
    round_trip,
    submit_and_reap,
    try_setup,
    writev,
)
from simuring.uapi import (
    IORING_ENTER_GETEVENTS,
    IORING_POLL_ADD_LEVEL,
    IORING_POLL_ADD_MULTI,
    IORING_POLL_UPDATE_EVENTS,
    IORING_POLL_UPDATE_USER_DATA,
    IORING_REGISTER_FILES,
    IORING_SETUP_CLAMP,
    IORING_SETUP_CQSIZE,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_IOPOLL,
    IORING_SETUP_SINGLE_ISSUER,
    IORING_SETUP_SQPOLL,
    IOSQE_ASYNC,
    IOSQE_CQE_SKIP_SUCCESS,
    IOSQE_FIXED_FILE,
    IOSQE_IO_LINK,
    POLLIN,
    POLLOUT,
    POLLPRI,
    POLLRDHUP,
)

TAGS = ("liburing",)

#: preadv2(2) flags (include/uapi/linux/fs.h).
RWF_HIPRI = 0x01
RWF_NOWAIT = 0x08
RWF_APPEND = 0x10
RWF_NOAPPEND = 0x20
RWF_ATOMIC = 0x40
RWF_DONTCACHE = 0x80

PIPE_CAPACITY = 65536


def rw(L: Any, ring: Any, write: bool, fd: int, buf: Any, n: int, off: int, user_data: int, rw_flags: int = 0) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    (L.io_uring_prep_write if write else L.io_uring_prep_read)(sqe, fd, buf, n, off)
    sqe.rw_flags = rw_flags
    L.io_uring_sqe_set_data64(sqe, user_data)
    return sqe


def new_pipe(L: Any, flags: int = 0) -> Gen:
    """A pipe made with pipe2(2) and ``flags`` (recorded as pipe2, unlike common.new_pipe); its fds."""
    fds = [0, 0]
    yield from L.pipe2(fds, flags)
    return fds


# --- POLL_ADD -----------------------------------------------------------------------------


@scenario("li-poll-mshot-each-write", tags=(*TAGS, "poll", "pipe"), expect={"read": 3})
def li_poll_mshot_each_write(L: Any) -> Gen:
    """A multishot POLL_ADD (io_uring_prep_poll_multishot(3)) on a pipe that is never drained: each of three
    write(2)s posts one CQE with POLLIN and IORING_CQE_F_MORE; POLL_REMOVE then ends it with -ECANCELED."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    poll_add(L, ring, fds[0], POLLIN, 1, multishot=True)
    yield from L.io_uring_submit(ring)
    for _ in range(3):
        yield from L.write(fds[1], b"w", 1)
        yield from reap(L, ring, 1)
    L.record("read", (yield from L.read(fds[0], bytearray(8), 8)))
    poll_remove(L, ring, 1, 2)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-poll-mshot-eventfd", tags=(*TAGS, "poll", "eventfd"))
def li_poll_mshot_eventfd(L: Any) -> Gen:
    """A multishot POLL_ADD for POLLIN on an eventfd: every eventfd_write(3) posts a CQE with F_MORE, even
    while the counter stays non-zero (each write wakes the eventfd's queue); POLL_REMOVE ends it
    (-ECANCELED)."""
    ring = yield from new_ring(L, 8)
    efd = yield from L.eventfd(0, 0)
    poll_add(L, ring, efd, POLLIN, 1, multishot=True)
    yield from L.io_uring_submit(ring)
    for v in (1, 2):
        yield from L.eventfd_write(efd, v)
        yield from reap(L, ring, 1)
    poll_remove(L, ring, 1, 2)
    yield from submit_and_reap(L, ring, 2)
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-poll-mshot-ready-at-once", tags=(*TAGS, "poll", "pipe"))
def li_poll_mshot_ready_at_once(L: Any) -> Gen:
    """A multishot POLL_ADD for POLLOUT on an empty pipe's write end is ready when armed: one CQE with
    POLLOUT and F_MORE; no further wake-up comes (a NOP round trip shows it); POLL_REMOVE ends it."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    poll_add(L, ring, fds[1], POLLOUT, 1, multishot=True)
    yield from submit_and_reap(L, ring, 1)
    yield from round_trip(L, ring, 3)
    poll_remove(L, ring, 1, 2)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-poll-mshot-update-keeps-multi", tags=(*TAGS, "poll", "pipe"))
def li_poll_mshot_update_keeps_multi(L: Any) -> Gen:
    """io_uring_prep_poll_update(3) with IORING_POLL_UPDATE_EVENTS only, on a multishot poll: the poll's
    multishot behaviour is kept (only the event bits are replaced), so two writes after the update each
    post a CQE with F_MORE."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    poll_add(L, ring, fds[0], POLLPRI, 1, multishot=True)
    yield from L.io_uring_submit(ring)
    poll_update(L, ring, 1, 2, IORING_POLL_UPDATE_EVENTS, POLLIN)
    yield from L.io_uring_submit(ring)
    update = yield from reap_one(L, ring)
    for _ in range(2):
        yield from L.write(fds[1], b"u", 1)
        yield from reap(L, ring, 1)
    if update is not None and update[1] == 0:
        poll_remove(L, ring, 1, 3)
        yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-poll-mshot-update-multi-flag", tags=(*TAGS, "poll", "pipe"))
def li_poll_mshot_update_multi_flag(L: Any) -> Gen:
    """A poll update with IORING_POLL_UPDATE_EVENTS|IORING_POLL_ADD_MULTI on a single-shot poll: the
    update is accepted (0) but replaces only the event bits, so the poll stays single-shot: the first write
    completes it without F_MORE, the second posts nothing (a NOP round trip shows it) and a POLL_REMOVE
    then finds nothing (-ENOENT)."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    poll_add(L, ring, fds[0], POLLPRI, 1)
    yield from L.io_uring_submit(ring)
    poll_update(L, ring, 1, 2, IORING_POLL_UPDATE_EVENTS | IORING_POLL_ADD_MULTI, POLLIN)
    yield from L.io_uring_submit(ring)
    yield from reap_one(L, ring)
    yield from L.write(fds[1], b"a", 1)
    yield from reap(L, ring, 1)
    yield from L.write(fds[1], b"b", 1)
    yield from round_trip(L, ring, 4)
    poll_remove(L, ring, 1, 5)
    yield from submit_and_reap(L, ring, 1)
    reap_ready(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-poll-update-events-and-user-data", tags=(*TAGS, "poll", "pipe"))
def li_poll_update_events_and_user_data(L: Any) -> Gen:
    """One poll update with both IORING_POLL_UPDATE_EVENTS and IORING_POLL_UPDATE_USER_DATA: a POLLPRI
    poll (user_data 1) becomes a POLLIN poll under user_data 7; a write completes it as 7 with POLLIN."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    poll_add(L, ring, fds[0], POLLPRI, 1)
    yield from L.io_uring_submit(ring)
    poll_update(L, ring, 1, 2, IORING_POLL_UPDATE_EVENTS | IORING_POLL_UPDATE_USER_DATA, POLLIN, 7)
    yield from L.io_uring_submit(ring)
    update = yield from reap_one(L, ring)
    yield from L.write(fds[1], b"z", 1)
    if update is not None and update[1] == 0:
        yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-poll-update-bad-flags", tags=(*TAGS, "poll", "sqe"))
def li_poll_update_bad_flags(L: Any) -> Gen:
    """POLL_REMOVE refuses flags it does not know: IORING_POLL_ADD_LEVEL in len, or a non-zero buf_index,
    is -EINVAL; the armed poll is then removed normally."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    poll_add(L, ring, fds[0], POLLIN, 1)
    yield from L.io_uring_submit(ring)
    poll_update(L, ring, 1, 2, IORING_POLL_UPDATE_EVENTS | IORING_POLL_ADD_LEVEL, POLLIN)
    yield from submit_and_reap(L, ring, 1)
    sqe = poll_remove(L, ring, 1, 3)
    sqe.buf_index = 1
    yield from submit_and_reap(L, ring, 1)
    poll_remove(L, ring, 1, 4)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-poll-fd-closed-still-armed", tags=(*TAGS, "poll", "pipe"), expect={"ready after close": 0})
def li_poll_fd_closed_still_armed(L: Any) -> Gen:
    """An armed POLL_ADD holds its own reference to the file: close(2) of the polled read end completes
    nothing, and a later write to the pipe still completes the poll with POLLIN."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    poll_add(L, ring, fds[0], POLLIN, 1)
    yield from L.io_uring_submit(ring)
    yield from L.close(fds[0])
    L.record("ready after close", L.io_uring_cq_ready(ring))
    yield from L.write(fds[1], b"c", 1)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-poll-regular-file", tags=(*TAGS, "poll", "file"))
def li_poll_regular_file(L: Any) -> Gen:
    """A regular file has no poll wait queue: POLL_ADD for POLLIN completes at once with POLLIN, a multishot
    one too (one CQE, without F_MORE), and a poll for POLLPRI alone, which the file never reports, is
    -EINVAL."""
    ring = yield from new_ring(L, 8)
    fd = yield from L.open("/li-poll-file", L.O_CREAT | L.O_RDWR | L.O_TRUNC, 0o644)
    poll_add(L, ring, fd, POLLIN, 1)
    yield from submit_and_reap(L, ring, 1)
    poll_add(L, ring, fd, POLLIN | POLLOUT, 2, multishot=True)
    yield from submit_and_reap(L, ring, 1)
    poll_add(L, ring, fd, POLLPRI, 3)
    yield from submit_and_reap(L, ring, 1)
    yield from round_trip(L, ring, 4)
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-poll-fixed-bad-index", tags=(*TAGS, "poll", "files"))
def li_poll_fixed_bad_index(L: Any) -> Gen:
    """POLL_ADD with IOSQE_FIXED_FILE: an empty slot of a sparse table and an index past its end both
    complete with -EBADF; the registered slot is polled."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    yield from L.io_uring_register_files(ring, [-1, fds[1]], 2)
    for ud, index in ((1, 0), (2, 2), (3, 1)):
        poll_add(L, ring, index, POLLOUT, ud, sqe_flags=IOSQE_FIXED_FILE)
        yield from submit_and_reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


# --- READ / WRITE -------------------------------------------------------------------------


@scenario("li-rw-file-position", tags=(*TAGS, "rw", "file"), expect={"data": [repr(b"abc"), repr(b"def")], "position": 9})
def li_rw_file_position(L: Any) -> Gen:
    """io_uring_prep_read(3): offset -1 uses and advances the file position.  Two WRITEs at -1 append
    where the previous ended; after lseek to 0, two READs at -1 get successive pieces; an explicit offset
    leaves the position alone."""
    ring = yield from new_ring(L, 8)
    fd = yield from L.open("/li-pos", L.O_CREAT | L.O_RDWR | L.O_TRUNC, 0o644)
    rw(L, ring, True, fd, b"abcdef", 6, -1, 1)
    yield from submit_and_reap(L, ring)
    rw(L, ring, True, fd, b"ghi", 3, -1, 2)
    yield from submit_and_reap(L, ring)
    yield from L.lseek(fd, 0, L.SEEK_SET)
    a, b = bytearray(3), bytearray(3)
    rw(L, ring, False, fd, a, 3, -1, 3)
    yield from submit_and_reap(L, ring)
    rw(L, ring, False, fd, b, 3, -1, 4)
    yield from submit_and_reap(L, ring)
    rw(L, ring, False, fd, bytearray(3), 3, 0, 5)
    yield from submit_and_reap(L, ring)
    L.record("data", [bytes(a), bytes(b)])
    L.record("position", (yield from L.lseek(fd, 0, L.SEEK_END)))
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-rw-file-eof", tags=(*TAGS, "rw", "file"))
def li_rw_file_eof(L: Any) -> Gen:
    """READ of a 4-byte regular file: 16 bytes at offset 2 is short (2), at offset 4 and past the end 0;
    a READ and a WRITE of 0 bytes complete with 0."""
    ring = yield from new_ring(L, 8)
    fd = yield from L.open("/li-eof", L.O_CREAT | L.O_RDWR | L.O_TRUNC, 0o644)
    yield from L.write(fd, b"data", 4)
    buf = bytearray(16)
    for ud, off in ((1, 2), (2, 4), (3, 1000)):
        rw(L, ring, False, fd, buf, 16, off, ud)
        yield from submit_and_reap(L, ring)
    rw(L, ring, False, fd, buf, 0, 0, 4)
    yield from submit_and_reap(L, ring)
    rw(L, ring, True, fd, b"", 0, 0, 5)
    yield from submit_and_reap(L, ring)
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-rw-access-mode", tags=(*TAGS, "rw", "file"))
def li_rw_access_mode(L: Any) -> Gen:
    """A WRITE to a file opened O_RDONLY and a READ from one opened O_WRONLY complete with -EBADF."""
    ring = yield from new_ring(L, 8)
    wfd = yield from L.open("/li-mode", L.O_CREAT | L.O_WRONLY | L.O_TRUNC, 0o644)
    rfd = yield from L.open("/li-mode", L.O_RDONLY, 0)
    rw(L, ring, True, rfd, b"x", 1, 0, 1)
    yield from submit_and_reap(L, ring)
    rw(L, ring, False, wfd, bytearray(1), 1, 0, 2)
    yield from submit_and_reap(L, ring)
    yield from L.close(rfd)
    yield from L.close(wfd)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-rw-pipe-zero-length", tags=(*TAGS, "rw", "pipe"), expect={"ready": 2})
def li_rw_pipe_zero_length(L: Any) -> Gen:
    """A READ of 0 bytes from an empty pipe and a WRITE of 0 bytes both complete at once with 0 (nothing to
    wait for)."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    rw(L, ring, False, fds[0], bytearray(1), 0, 0, 1)
    rw(L, ring, True, fds[1], b"", 0, 0, 2)
    yield from L.io_uring_submit(ring)
    L.record("ready", L.io_uring_cq_ready(ring))
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "li-rw-pipe-write-over-capacity", tags=(*TAGS, "rw", "pipe"), expect={"ready": 1, "drained": PIPE_CAPACITY}
)
def li_rw_pipe_write_over_capacity(L: Any) -> Gen:
    """A WRITE of 64 KiB + 4 KiB to an empty pipe (64 KiB capacity) completes at once with the short count
    65536: a pipe is not a regular file, so io_uring does not retry the rest of a partial write; the 64 KiB
    are read back."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    n = PIPE_CAPACITY + 4096
    rw(L, ring, True, fds[1], bytes(n), n, 0, 1)
    yield from L.io_uring_submit(ring)
    L.record("ready", L.io_uring_cq_ready(ring))
    got = 0
    buf = bytearray(PIPE_CAPACITY)
    got = yield from L.read(fds[0], buf, PIPE_CAPACITY)
    L.record("drained", got)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-rw-nowait-empty", tags=(*TAGS, "rw", "pipe", "socket"))
def li_rw_nowait_empty(L: Any) -> Gen:
    """RWF_NOWAIT: a READ of an empty pipe, of an empty AF_UNIX stream socket and of a zero eventfd
    completes at once with -EAGAIN instead of waiting."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)
    efd = yield from L.eventfd(0, 0)
    for ud, fd, n in ((1, fds[0], 4), (2, sv[0], 4), (3, efd, 8)):
        rw(L, ring, False, fd, bytearray(8), n, 0, ud, RWF_NOWAIT)
        yield from submit_and_reap(L, ring)
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-rw-flags-errors", tags=(*TAGS, "rw", "pipe", "sqe"))
def li_rw_flags_errors(L: Any) -> Gen:
    """preadv2(2) flags on a pipe WRITE: RWF_APPEND|RWF_NOAPPEND together, an unknown bit (1 << 12),
    RWF_ATOMIC, RWF_DONTCACHE (a pipe supports neither), RWF_ATOMIC on a READ, and RWF_HIPRI (accepted on a
    ring without IOPOLL): each result as the kernel posts it."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    for ud, write, flags in (
        (1, True, RWF_APPEND | RWF_NOAPPEND),
        (2, True, 1 << 12),
        (3, True, RWF_ATOMIC),
        (4, True, RWF_DONTCACHE),
        (5, False, RWF_ATOMIC),
        (6, True, RWF_HIPRI),
    ):
        rw(L, ring, write, fds[1] if write else fds[0], b"ab" if write else bytearray(2), 2, 0, ud, flags)
        yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-rw-rwf-nosignal-bit", tags=(*TAGS, "rw", "pipe", "sqe"))
def li_rw_rwf_nosignal_bit(L: Any) -> Gen:
    """The preadv2(2) flag bit 0x100 (RWF_NOSIGNAL in recent kernels) on a pipe WRITE: accepted (2) or
    refused with -EOPNOTSUPP, as the kernel's RWF_SUPPORTED says."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    rw(L, ring, True, fds[1], b"ab", 2, 0, 1, 0x100)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-rw-append", tags=(*TAGS, "rw", "file"), expect={"rwf_append": repr(b"abcdXY"), "o_append": repr(b"abcdXYpq")})
def li_rw_append(L: Any) -> Gen:
    """Appending writes: a WRITE at offset 0 with RWF_APPEND lands at the end of the file; so does a WRITE at
    offset 0 through a descriptor opened with O_APPEND."""
    ring = yield from new_ring(L, 8)
    fd = yield from L.open("/li-append", L.O_CREAT | L.O_RDWR | L.O_TRUNC, 0o644)
    yield from L.write(fd, b"abcd", 4)
    rw(L, ring, True, fd, b"XY", 2, 0, 1, RWF_APPEND)
    yield from submit_and_reap(L, ring)
    buf = bytearray(16)
    rw(L, ring, False, fd, buf, 16, 0, 2)
    yield from L.io_uring_submit(ring)
    done = yield from reap_one(L, ring)
    L.record("rwf_append", bytes(buf[: done[1] if done and done[1] > 0 else 0]))
    afd = yield from L.open("/li-append", L.O_WRONLY | L.O_APPEND, 0)
    rw(L, ring, True, afd, b"pq", 2, 0, 3)
    yield from submit_and_reap(L, ring)
    rw(L, ring, False, fd, buf, 16, 0, 4)
    yield from L.io_uring_submit(ring)
    done = yield from reap_one(L, ring)
    L.record("o_append", bytes(buf[: done[1] if done and done[1] > 0 else 0]))
    yield from L.close(afd)
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-readv-iovec-limits", tags=(*TAGS, "rw", "pipe"))
def li_readv_iovec_limits(L: Any) -> Gen:
    """IORING_OP_READV: more than UIO_MAXIOV (1024) iovecs is -EINVAL; 0 iovecs on an empty pipe completes
    with 0; 1024 one-byte iovecs read the 3 bytes in the pipe."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    many = [bytearray(1) for _ in range(1025)]
    readv(L, ring, fds[0], many, 1025, 1)
    yield from submit_and_reap(L, ring)
    readv(L, ring, fds[0], many, 0, 2)
    yield from submit_and_reap(L, ring)
    yield from L.write(fds[1], b"xyz", 3)
    readv(L, ring, fds[0], many, 1024, 3)
    yield from submit_and_reap(L, ring)
    L.record("data", bytes(b[0] for b in many[:3]))
    yield from L.io_uring_queue_exit(ring)


@scenario("li-rw-socket-short-read", tags=(*TAGS, "rw", "socket", "links"))
def li_rw_socket_short_read(L: Any) -> Gen:
    """A READ of 64 bytes from an AF_UNIX stream socket holding 5 completes with 5; linked to a NOP, the
    short read breaks the link (-ECANCELED)."""
    ring = yield from new_ring(L, 8)
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)
    yield from L.send(sv[0], b"hello", 5, 0)
    sqe = rw(L, ring, False, sv[1], bytearray(64), 64, 0, 1)
    L.io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


# --- registered files -----------------------------------------------------------------------


def fixed_read(L: Any, ring: Any, index: int, buf: Any, n: int, user_data: int) -> Any:
    sqe = rw(L, ring, False, index, buf, n, 0, user_data)
    L.io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)
    return sqe


@scenario("li-register-files-bad-entry", tags=(*TAGS, "files"), expect={"bad middle": -9, "after": 0})
def li_register_files_bad_entry(L: Any) -> Gen:
    """io_uring_register_files(3) with a closed descriptor between two good ones is -EBADF and registers
    nothing: a READ through fixed index 0 is -EBADF, and registering a good table afterwards succeeds."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    L.record("bad middle", (yield from L.io_uring_register_files(ring, [fds[0], 100_000, fds[1]], 3)))
    fixed_read(L, ring, 0, bytearray(1), 1, 1)
    yield from submit_and_reap(L, ring)
    L.record("after", (yield from L.io_uring_register_files(ring, [fds[0], fds[1]], 2)))
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "li-register-files-null-array",
    tags=(*TAGS, "files"),
    expect={"null": -14, "null, nr 0": -14, "sparse": 0, "null while registered": -14},
)
def li_register_files_null_array(L: Any) -> Gen:
    """io_uring_register(2) IORING_REGISTER_FILES reads the descriptor array from user memory: a NULL array
    is -EFAULT, before any other check (with nr_args 0, and with a table already registered); a table of
    four -1 entries is then a sparse table, and a READ through its slot 0 is -EBADF."""
    ring = yield from new_ring(L, 8)
    L.record("null", (yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_FILES, None, 4)))
    L.record("null, nr 0", (yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_FILES, None, 0)))
    L.record("sparse", (yield from L.io_uring_register_files(ring, [-1, -1, -1, -1], 4)))
    L.record("null while registered", (yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_FILES, None, 4)))
    fixed_read(L, ring, 0, bytearray(1), 1, 1)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-register-files-skip-value", tags=(*TAGS, "files"), expect={"skip in register": -9})
def li_register_files_skip_value(L: Any) -> Gen:
    """IORING_REGISTER_FILES_SKIP (-2) means "leave this slot" only for updates; in a registration it is
    not a descriptor (-EBADF)."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    L.record("skip in register", (yield from L.io_uring_register_files(ring, [fds[0], -2], 2)))
    yield from L.io_uring_queue_exit(ring)


@scenario("li-fixed-file-after-unregister", tags=(*TAGS, "files", "pipe"), expect={"unregister": 0})
def li_fixed_file_after_unregister(L: Any) -> Gen:
    """After io_uring_unregister_files(3) the fixed index that worked before is -EBADF; the pipe itself,
    still open, keeps its data (read(2) gets it)."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    yield from L.write(fds[1], b"keep", 4)
    yield from L.io_uring_register_files(ring, [fds[0]], 1)
    buf = bytearray(2)
    fixed_read(L, ring, 0, buf, 2, 1)
    yield from submit_and_reap(L, ring)
    L.record("unregister", (yield from L.io_uring_unregister_files(ring)))
    fixed_read(L, ring, 0, buf, 2, 2)
    yield from submit_and_reap(L, ring)
    L.record("rest", (yield from L.read(fds[0], buf, 2)))
    yield from L.io_uring_queue_exit(ring)


@scenario("li-fixed-file-regular", tags=(*TAGS, "files", "file"), expect={"data": repr(b"fixedfile")})
def li_fixed_file_regular(L: Any) -> Gen:
    """A regular file in a registered table: a WRITEV of two buffers and a READ at offset 5 through the
    fixed index move the data; a READ at offset -1 through it uses the file position (0, after the
    explicit-offset I/O)."""
    ring = yield from new_ring(L, 8)
    fd = yield from L.open("/li-fixed", L.O_CREAT | L.O_RDWR | L.O_TRUNC, 0o644)
    yield from L.io_uring_register_files(ring, [-1, fd], 2)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_writev(sqe, 1, [b"fixed", b"file"], 2, 0)
    L.io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)
    L.io_uring_sqe_set_data64(sqe, 1)
    yield from submit_and_reap(L, ring)
    buf = bytearray(9)
    fixed_read(L, ring, 1, buf, 9, 2)
    yield from submit_and_reap(L, ring)
    L.record("data", bytes(buf))
    buf2 = bytearray(4)
    sqe = fixed_read(L, ring, 1, buf2, 4, 3)
    sqe.off = 5
    yield from submit_and_reap(L, ring)
    L.record("at 5", bytes(buf2))
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


# --- CQ size and overflow -----------------------------------------------------------------


@scenario("li-cqsize-ignored-without-flag", tags=(*TAGS, "setup"), expect={"sizes": [4, 8]})
def li_cqsize_ignored_without_flag(L: Any) -> Gen:
    """io_uring_setup(2): cq_entries is read only with IORING_SETUP_CQSIZE; without it a value there is
    ignored and the CQ is twice the SQ."""
    p = L.Params(flags=0)
    p.cq_entries = 3
    fd = yield from L.io_uring_setup(4, p)
    L.record("sizes", [p.sq_entries, p.cq_entries])
    if fd >= 0:
        yield from L.close(fd)


@scenario("li-cqsize-equal-to-sq-overflow", tags=(*TAGS, "setup", "overflow"), expect={"sizes": [4, 4], "ready": 4, "overflow": True})
def li_cqsize_equal_to_sq_overflow(L: Any) -> Gen:
    """IORING_SETUP_CQSIZE with cq_entries equal to the SQ size (4): accepted; six NOPs in two submissions
    fill the 4-entry CQ and two overflow (IORING_FEAT_NODROP keeps them); all six are reaped in order."""
    _, ring, p = yield from new_ring_params(L, 4, IORING_SETUP_CQSIZE, cq_entries=4)
    L.record("sizes", [p.sq_entries, p.cq_entries])
    for ud in range(6):
        nop(L, ring, ud)
        if ud in (3, 5):
            yield from L.io_uring_submit(ring)
    L.record("ready", L.io_uring_cq_ready(ring))
    L.record("overflow", L.io_uring_cq_has_overflow(ring))
    reap_ready(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-cq-one-entry", tags=(*TAGS, "setup", "overflow"), expect={"sizes": [1, 1], "ready": 1, "overflow": True})
def li_cq_one_entry(L: Any) -> Gen:
    """A 1-entry SQ with IORING_SETUP_CQSIZE cq_entries 1: a 1-entry CQ.  Three NOPs, one per submit: one
    CQE is visible and two wait in the overflow list; waiting for CQEs one by one gets all three in
    order."""
    _, ring, p = yield from new_ring_params(L, 1, IORING_SETUP_CQSIZE, cq_entries=1)
    L.record("sizes", [p.sq_entries, p.cq_entries])
    for ud in range(3):
        nop(L, ring, ud)
        yield from L.io_uring_submit(ring)
    L.record("ready", L.io_uring_cq_ready(ring))
    L.record("overflow", L.io_uring_cq_has_overflow(ring))
    yield from reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-cq-overflow-enter-getevents", tags=(*TAGS, "overflow", "enter"), expect={"ready": 4, "ready after": 2})
def li_cq_overflow_enter_getevents(L: Any) -> Gen:
    """io_uring_enter(2) with IORING_ENTER_GETEVENTS and min_complete 0 on a ring with overflowed CQEs and
    an emptied CQ returns 0 and moves the overflowed CQEs into the CQ."""
    ring = yield from new_ring(L, 2)
    for ud in range(6):
        nop(L, ring, ud)
        if ud % 2:
            yield from L.io_uring_submit(ring)
    L.record("ready", L.io_uring_cq_ready(ring))
    L.io_uring_cq_advance(ring, 4)
    yield from L.io_uring_enter(ring.ring_fd, 0, 0, IORING_ENTER_GETEVENTS, None)
    L.record("ready after", L.io_uring_cq_ready(ring))
    L.io_uring_cq_advance(ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-cq-overflow-wait-nr", tags=(*TAGS, "overflow"), expect={"ready": 4})
def li_cq_overflow_wait_nr(L: Any) -> Gen:
    """io_uring_wait_cqe_nr(3) for 2 on a ring whose 4-entry CQ is full with two more overflowed: returns at
    once; the six CQEs are then reaped in order with peeks."""
    ring = yield from new_ring(L, 2)
    for ud in range(6):
        nop(L, ring, ud)
        if ud % 2:
            yield from L.io_uring_submit(ring)
    L.record("ready", L.io_uring_cq_ready(ring))
    cqe = L.Cqe()
    yield from L.io_uring_wait_cqe_nr(ring, cqe, 2)
    reap_ready(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-cq-overflow-poll-ring", tags=(*TAGS, "overflow", "poll"))
def li_cq_overflow_poll_ring(L: Any) -> Gen:
    """A ring whose CQ overflowed and was emptied with io_uring_cq_advance still has CQEs to deliver: a
    POLL_ADD for POLLIN on its fd from another ring completes at once with POLLIN."""
    ring = yield from new_ring(L, 2)
    other = yield from new_ring(L, 8)
    for ud in range(6):
        nop(L, ring, ud)
        if ud % 2:
            yield from L.io_uring_submit(ring)
    L.io_uring_cq_advance(ring, 4)
    poll_add(L, other, ring.ring_fd, POLLIN, 9)
    yield from submit_and_reap(L, other)
    reap_ready(L, ring)
    yield from L.io_uring_queue_exit(other)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-cq-overflow-mshot-then-nops", tags=(*TAGS, "overflow", "poll", "pipe"))
def li_cq_overflow_mshot_then_nops(L: Any) -> Gen:
    """A multishot POLL_ADD posts its F_MORE CQEs while the CQ has room; when the CQ (2 entries) is full it
    ends with a final CQE in the overflow list; re-armed afterwards, it posts F_MORE again."""
    _, ring, _ = yield from new_ring_params(L, 1, IORING_SETUP_CQSIZE, cq_entries=2)
    fds = yield from new_pipe(L)
    poll_add(L, ring, fds[0], POLLIN, 1, multishot=True)
    yield from L.io_uring_submit(ring)
    for _ in range(3):
        yield from L.write(fds[1], b"m", 1)
    L.record("ready", L.io_uring_cq_ready(ring))
    L.record("overflow", L.io_uring_cq_has_overflow(ring))
    reap_ready(L, ring)
    poll_add(L, ring, fds[0], POLLIN, 2, multishot=True)
    yield from submit_and_reap(L, ring)
    poll_remove(L, ring, 2, 3)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-rw-flags-after-file-checks", tags=(*TAGS, "rw", "pipe", "sqe"))
def li_rw_flags_after_file_checks(L: Any) -> Gen:
    """The rw_flags are checked when the request is issued, after its file: a WRITE with an unknown flag bit
    to a pipe's read end, or to a descriptor that is not open, is -EBADF, not -EOPNOTSUPP; so is a READ with
    RWF_APPEND|RWF_NOAPPEND from the write end."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    rw(L, ring, True, fds[0], b"ab", 2, 0, 1, 1 << 12)
    yield from submit_and_reap(L, ring)
    rw(L, ring, True, 100_000, b"ab", 2, 0, 2, 1 << 12)
    yield from submit_and_reap(L, ring)
    rw(L, ring, False, fds[1], bytearray(2), 2, 0, 3, RWF_APPEND | RWF_NOAPPEND)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-rw-noappend", tags=(*TAGS, "rw", "file"), expect={"data": repr(b"XYcdpq")})
def li_rw_noappend(L: Any) -> Gen:
    """RWF_NOAPPEND on a WRITE through an O_APPEND descriptor writes at the given offset (0) instead of the
    end; a write(2) on that descriptor still appends."""
    ring = yield from new_ring(L, 8)
    fd = yield from L.open("/li-noappend", L.O_CREAT | L.O_RDWR | L.O_TRUNC | L.O_APPEND, 0o644)
    yield from L.write(fd, b"abcd", 4)
    rw(L, ring, True, fd, b"XY", 2, 0, 1, RWF_NOAPPEND)
    yield from submit_and_reap(L, ring)
    yield from L.write(fd, b"pq", 2)
    buf = bytearray(16)
    rw(L, ring, False, fd, buf, 16, 0, 2)
    yield from L.io_uring_submit(ring)
    done = yield from reap_one(L, ring)
    L.record("data", bytes(buf[: done[1] if done and done[1] > 0 else 0]))
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-iopoll-ring-rw-poll", tags=(*TAGS, "rw", "poll", "setup"))
def li_iopoll_ring_rw_poll(L: Any) -> Gen:
    """On an IORING_SETUP_IOPOLL ring (io_uring_setup(2): only O_DIRECT files of a driver that can be polled
    suit it): a READ and a WRITE on a pipe, and a READ with RWF_HIPRI, are refused when issued; a POLL_ADD,
    an opcode that cannot be used with IOPOLL, is refused at submission (-EINVAL); a NOP, which can, completes.
    One SQE per submit."""
    ring = yield from new_ring(L, 8, IORING_SETUP_IOPOLL)
    fds = yield from new_pipe(L)
    yield from L.write(fds[1], b"data", 4)
    for ud, write, flags in ((1, False, 0), (2, True, 0), (3, False, RWF_HIPRI)):
        rw(L, ring, write, fds[1] if write else fds[0], b"ab" if write else bytearray(2), 2, 0, ud, flags)
        yield from submit_and_reap(L, ring)
    poll_add(L, ring, fds[0], POLLIN, 4)
    yield from submit_and_reap(L, ring)
    nop(L, ring, 5)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


# --- more poll ------------------------------------------------------------------------------


@scenario("li-poll-pollout-reader-closes", tags=(*TAGS, "poll", "pipe"), expect={"ready while full": 0})
def li_poll_pollout_reader_closes(L: Any) -> Gen:
    """A POLL_ADD for POLLOUT on a full pipe's write end is completed by close(2) of the last read end: the
    result is the mask the kernel reports for a pipe without readers (POLLERR is always reported)."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L, L.O_NONBLOCK)
    yield from L.write(fds[1], bytes(PIPE_CAPACITY), PIPE_CAPACITY)
    poll_add(L, ring, fds[1], POLLOUT, 1)
    yield from L.io_uring_submit(ring)
    L.record("ready while full", L.io_uring_cq_ready(ring))
    yield from L.close(fds[0])
    yield from reap(L, ring, 1)
    poll_add(L, ring, fds[1], POLLOUT, 2)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-poll-eventfd-pollout-full", tags=(*TAGS, "poll", "eventfd"), expect={"ready while full": 0})
def li_poll_eventfd_pollout_full(L: Any) -> Gen:
    """eventfd(2): POLLOUT is true while a write of 1 would fit.  With the counter at 2^64-2 a POLL_ADD for
    POLLOUT waits; eventfd_read(3) empties the counter and completes it with POLLOUT."""
    ring = yield from new_ring(L, 8)
    efd = yield from L.eventfd(0, 0)
    yield from L.eventfd_write(efd, (1 << 64) - 2)
    poll_add(L, ring, efd, POLLOUT, 1)
    yield from L.io_uring_submit(ring)
    L.record("ready while full", L.io_uring_cq_ready(ring))
    yield from L.eventfd_read(efd, [0])
    yield from reap(L, ring, 1)
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-poll-mshot-linked", tags=(*TAGS, "poll", "pipe", "links"))
def li_poll_mshot_linked(L: Any) -> Gen:
    """A multishot POLL_ADD with IOSQE_IO_LINK before a NOP: its F_MORE CQEs do not start the NOP; the link
    moves on only at the poll's final completion, which after POLL_REMOVE is -ECANCELED, so the NOP is
    -ECANCELED too."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    poll_add(L, ring, fds[0], POLLIN, 1, multishot=True, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    yield from L.write(fds[1], b"l", 1)
    yield from reap(L, ring, 1)
    poll_remove(L, ring, 1, 3)
    yield from submit_and_reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-poll-linked-single", tags=(*TAGS, "poll", "pipe", "links"))
def li_poll_linked_single(L: Any) -> Gen:
    """A single-shot POLL_ADD linked to a READ: the READ starts only when the poll completed (POLLIN after a
    write), then reads the byte."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    poll_add(L, ring, fds[0], POLLIN, 1, sqe_flags=IOSQE_IO_LINK)
    buf = bytearray(4)
    rw(L, ring, False, fds[0], buf, 4, 0, 2)
    yield from L.io_uring_submit(ring)
    L.record("ready before write", L.io_uring_cq_ready(ring))
    yield from L.write(fds[1], b"k", 1)
    yield from reap(L, ring, 2)
    L.record("data", bytes(buf[:1]))
    yield from L.io_uring_queue_exit(ring)


@scenario("li-poll-remove-completed", tags=(*TAGS, "poll", "pipe"))
def li_poll_remove_completed(L: Any) -> Gen:
    """POLL_REMOVE and a poll update for a POLL_ADD that already completed (its CQE reaped) find nothing:
    -ENOENT both."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    poll_add(L, ring, fds[1], POLLOUT, 1)
    yield from submit_and_reap(L, ring)
    poll_remove(L, ring, 1, 2)
    yield from submit_and_reap(L, ring)
    poll_update(L, ring, 1, 3, IORING_POLL_UPDATE_EVENTS, POLLIN)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-poll-async", tags=(*TAGS, "poll", "pipe", "iowq"))
def li_poll_async(L: Any) -> Gen:
    """POLL_ADD with IOSQE_ASYNC is armed from io-wq and behaves as inline: it waits for a write(2) and
    completes with POLLIN."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    poll_add(L, ring, fds[0], POLLIN, 1, sqe_flags=IOSQE_ASYNC)
    yield from L.io_uring_submit(ring)
    yield from L.write(fds[1], b"a", 1)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


# --- more read / write ------------------------------------------------------------------------


@scenario("li-rw-negative-offset", tags=(*TAGS, "rw", "pipe", "file"), expect={"data": repr(b"neg")})
def li_rw_negative_offset(L: Any) -> Gen:
    """io_uring_prep_read(3): only -1 means "the file position".  A negative offset other than -1 (-2, i.e.
    2^64-2 in the u64 field) is refused (-EINVAL) on a pipe and on a regular file, but the file checks come
    first: on a descriptor that is not open it is -EBADF.  A positive offset on a pipe is ignored."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    rw(L, ring, True, fds[1], b"neg", 3, -2, 1)
    yield from submit_and_reap(L, ring)
    rw(L, ring, True, fds[1], b"neg", 3, 12345, 2)
    yield from submit_and_reap(L, ring)
    buf = bytearray(3)
    rw(L, ring, False, fds[0], buf, 3, 99, 3)
    yield from submit_and_reap(L, ring)
    L.record("data", bytes(buf))
    fd = yield from L.open("/li-negoff", L.O_CREAT | L.O_RDWR | L.O_TRUNC, 0o644)
    rw(L, ring, True, fd, b"x", 1, -2, 4)
    yield from submit_and_reap(L, ring)
    rw(L, ring, False, fd, buf, 1, -2, 5)
    yield from submit_and_reap(L, ring)
    rw(L, ring, False, 100_000, buf, 1, -2, 6)
    yield from submit_and_reap(L, ring)
    rw(L, ring, False, fds[1], buf, 1, -2, 7)
    yield from submit_and_reap(L, ring)
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-rw-eventfd-vectored", tags=(*TAGS, "rw", "eventfd"), expect={"counter": 1})
def li_rw_eventfd_vectored(L: Any) -> Gen:
    """eventfd(2) through READV/WRITEV.  Reads gather: a READV into two 4-byte iovecs gets the counter split
    across them, a READ of 16 bytes returns 8.  Writes do not (the eventfd has a plain write method, so
    each iovec is written by itself): two 4-byte iovecs are -EINVAL, two 8-byte ones add both values (16),
    an empty iovec between them is stepped over, a leading empty one is -EINVAL, and an 8-byte iovec
    followed by a 4-byte one writes the first (8).  An eventfd write takes exactly 8 bytes: a plain WRITE
    of 16 is -EINVAL, and so is write(2) of 16."""
    ring = yield from new_ring(L, 8)
    efd = yield from L.eventfd(1, 0)
    value = (0x0102030405060708).to_bytes(8, "little")
    writev(L, ring, efd, [value[:4], value[4:]], 2, 1)
    yield from submit_and_reap(L, ring)
    lo, hi = bytearray(4), bytearray(4)
    readv(L, ring, efd, [lo, hi], 2, 2)
    yield from submit_and_reap(L, ring)
    L.record("counter", int.from_bytes(bytes(lo) + bytes(hi), "little"))
    yield from L.eventfd_write(efd, 5)
    big = bytearray(16)
    rw(L, ring, False, efd, big, 16, 0, 3)
    yield from submit_and_reap(L, ring)
    L.record("read 16", int.from_bytes(bytes(big[:8]), "little"))
    one8, two8 = (1).to_bytes(8, "little"), (2).to_bytes(8, "little")
    for ud, iovs in ((4, [one8, two8]), (5, [one8, b"", two8]), (6, [b"", one8]), (7, [one8, two8[:4]])):
        writev(L, ring, efd, iovs, len(iovs), ud)
        yield from submit_and_reap(L, ring)
    total = [0]
    yield from L.eventfd_read(efd, total)
    L.record("sum", total[0])
    rw(L, ring, True, efd, one8 + two8, 16, 0, 8)
    yield from submit_and_reap(L, ring)
    L.record("write(2) of 16", (yield from L.write(efd, one8 + two8, 16)))
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-rw-async-nonblock-pipe", tags=(*TAGS, "rw", "pipe", "iowq"), expect={"data": repr(b"late")})
def li_rw_async_nonblock_pipe(L: Any) -> Gen:
    """A READ with IOSQE_ASYNC on an empty O_NONBLOCK pipe is not -EAGAIN: the io-wq worker arms a poll,
    and a later write(2) completes the read with 4."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L, L.O_NONBLOCK)
    buf = bytearray(4)
    sqe = rw(L, ring, False, fds[0], buf, 4, 0, 1)
    L.io_uring_sqe_set_flags(sqe, IOSQE_ASYNC)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 2)
    yield from L.write(fds[1], b"late", 4)
    yield from reap(L, ring, 1)
    L.record("data", bytes(buf))
    yield from L.io_uring_queue_exit(ring)


@scenario("li-rw-nowait-partial-pipe", tags=(*TAGS, "rw", "pipe"))
def li_rw_nowait_partial_pipe(L: Any) -> Gen:
    """RWF_NOWAIT on a READ of 8 bytes from a pipe holding 3 returns the 3 (a short read, not -EAGAIN); on
    a WRITE bigger than the room left in the pipe it writes what fits."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L, L.O_NONBLOCK)
    yield from L.write(fds[1], b"abc", 3)
    rw(L, ring, False, fds[0], bytearray(8), 8, 0, 1, RWF_NOWAIT)
    yield from submit_and_reap(L, ring)
    yield from L.write(fds[1], bytes(PIPE_CAPACITY - 4096), PIPE_CAPACITY - 4096)
    rw(L, ring, True, fds[1], bytes(8192), 8192, 0, 2, RWF_NOWAIT)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


# --- more registered files ----------------------------------------------------------------------


@scenario("li-fixed-file-unregister-inflight", tags=(*TAGS, "files", "pipe"), expect={"unregister": 0, "data": repr(b"io")})
def li_fixed_file_unregister_inflight(L: Any) -> Gen:
    """A READ through a fixed file keeps that file while it waits: with the read end registered and its
    descriptor closed, a pending fixed READ survives io_uring_unregister_files(3) and completes when the
    pipe gets data."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    yield from L.io_uring_register_files(ring, [fds[0]], 1)
    yield from L.close(fds[0])
    buf = bytearray(2)
    fixed_read(L, ring, 0, buf, 2, 1)
    yield from L.io_uring_submit(ring)
    L.record("unregister", (yield from L.io_uring_unregister_files(ring)))
    L.record("write", (yield from L.write(fds[1], b"io", 2)))
    yield from reap(L, ring, 1)
    L.record("data", bytes(buf))
    yield from L.io_uring_queue_exit(ring)


@scenario("li-fixed-file-flag-on-nop", tags=(*TAGS, "files"))
def li_fixed_file_flag_on_nop(L: Any) -> Gen:
    """IOSQE_FIXED_FILE on an opcode that takes no file (NOP, POLL_REMOVE) is ignored, even with no table
    registered: the NOP completes with 0 and the POLL_REMOVE with -ENOENT."""
    ring = yield from new_ring(L, 8)
    nop(L, ring, 1, IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring)
    sqe = poll_remove(L, ring, 42, 2)
    L.io_uring_sqe_set_flags(sqe, IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


# --- more setup -------------------------------------------------------------------------------


@scenario("li-setup-clamp-edges", tags=(*TAGS, "setup"), expect={"0 CLAMP": -22, "cq<sq CLAMP": -22, "cq=sq": [8, 8], "cq=5 sq=1": [1, 8]})
def li_setup_clamp_edges(L: Any) -> Gen:
    """io_uring_setup(2) with IORING_SETUP_CLAMP: 0 entries are still -EINVAL; a CQSIZE below the SQ size is
    not raised by CLAMP (-EINVAL); cq_entries equal to the SQ is accepted; cq 5 with sq 1 is rounded to 8."""
    for label, entries, flags, cq in (
        ("0 CLAMP", 0, IORING_SETUP_CLAMP, 0),
        ("cq<sq CLAMP", 8, IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP, 2),
        ("cq=sq", 8, IORING_SETUP_CQSIZE, 8),
        ("cq=5 sq=1", 1, IORING_SETUP_CQSIZE, 5),
    ):
        yield from try_setup(L, label, entries, flags, cq_entries=cq)


@scenario(
    "li-rw-eventfd-write-not-inline",
    tags=(*TAGS, "rw", "eventfd", "delivery"),
    expect={"blocking: ready after submit": 0, "EFD_NONBLOCK: ready after submit": 1},
)
def li_rw_eventfd_write_not_inline(L: Any) -> Gen:
    """An IORING_OP_WRITE of 8 bytes to an eventfd with room is not completed during the submit unless the
    eventfd is EFD_NONBLOCK (the eventfd's plain write method cannot be tried without blocking, so the
    request goes the asynchronous way).  On an IORING_SETUP_DEFER_TASKRUN ring nothing asynchronous is
    posted before the task waits, so the CQ is empty after the submit; with EFD_NONBLOCK the write is done
    inline and its CQE is there.  Both complete with 8."""
    ring = yield from new_ring(L, 8, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)
    for label, flags in (("blocking", 0), ("EFD_NONBLOCK", L.EFD_NONBLOCK)):
        efd = yield from L.eventfd(0, flags)
        rw(L, ring, True, efd, (1).to_bytes(8, "little"), 8, 0, 1)
        yield from L.io_uring_submit(ring)
        L.record(f"{label}: ready after submit", L.io_uring_cq_ready(ring))
        yield from reap(L, ring, 1)
        yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-register-files-too-many", tags=(*TAGS, "files"), expect={"nr 2^20+1": -24, "nr 0": -22})
def li_register_files_too_many(L: Any) -> Gen:
    """io_uring_register(2): nr_args above IORING_MAX_FIXED_FILES (2^20) is -EMFILE, decided before the
    array is read (a one-entry array is passed); nr_args 0 is -EINVAL."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    L.record("nr 2^20+1", (yield from L.io_uring_register_files(ring, [fds[0]], (1 << 20) + 1)))
    L.record("nr 0", (yield from L.io_uring_register_files(ring, [fds[0]], 0)))
    yield from L.io_uring_queue_exit(ring)


@scenario("li-poll-skip-success", tags=(*TAGS, "poll", "pipe", "skip"))
def li_poll_skip_success(L: Any) -> Gen:
    """IOSQE_CQE_SKIP_SUCCESS on a single-shot POLL_ADD: a poll that completes with its mask posts no CQE (a
    NOP round trip shows it), one on a descriptor that is not open posts -EBADF, and a removed one posts
    -ECANCELED."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    for ud, fd, mask in ((1, fds[1], POLLOUT), (2, 100_000, POLLIN), (3, fds[0], POLLIN)):
        poll_add(L, ring, fd, mask, ud, sqe_flags=IOSQE_CQE_SKIP_SUCCESS)
    yield from L.io_uring_submit(ring)
    nop(L, ring, 4)
    yield from L.io_uring_submit_and_wait(ring, 2)
    reap_ready(L, ring)
    poll_remove(L, ring, 3, 5)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-poll-mshot-update-user-data", tags=(*TAGS, "poll", "pipe"))
def li_poll_mshot_update_user_data(L: Any) -> Gen:
    """IORING_POLL_UPDATE_USER_DATA on an armed multishot poll: its later F_MORE CQEs and its final
    -ECANCELED carry the new user_data (9)."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    poll_add(L, ring, fds[0], POLLIN, 1, multishot=True)
    yield from L.io_uring_submit(ring)
    yield from L.write(fds[1], b"a", 1)
    yield from reap(L, ring, 1)
    poll_update(L, ring, 1, 2, IORING_POLL_UPDATE_USER_DATA, new_user_data=9)
    yield from L.io_uring_submit(ring)
    update = yield from reap_one(L, ring)
    if update is not None and update[1] == 0:
        reap_ready(L, ring)
        yield from L.write(fds[1], b"b", 1)
        yield from reap(L, ring, 1)
        poll_remove(L, ring, 9, 3)
        yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-cq-overflow-pending-ends-mshot", tags=(*TAGS, "overflow", "poll", "pipe"), expect={"overflow before": True})
def li_cq_overflow_pending_ends_mshot(L: Any) -> Gen:
    """A multishot poll's F_MORE CQE needs a free CQ slot and an empty overflow list: with a CQE still in the
    overflow list (the CQ itself has a free slot after io_uring_cq_advance, which does not flush), a write
    ends the poll: its final CQE (the mask, no F_MORE) queues behind the overflowed one."""
    _, ring, _ = yield from new_ring_params(L, 2, IORING_SETUP_CQSIZE, cq_entries=2)
    fds = yield from new_pipe(L)
    poll_add(L, ring, fds[0], POLLIN, 1, multishot=True)
    yield from L.io_uring_submit(ring)
    for ud in (10, 11, 12):
        nop(L, ring, ud)
        yield from L.io_uring_submit(ring)
    L.record("overflow before", L.io_uring_cq_has_overflow(ring))
    L.io_uring_cq_advance(ring, 1)
    yield from L.write(fds[1], b"o", 1)
    L.record("ready after write", L.io_uring_cq_ready(ring))
    reap_ready(L, ring)
    yield from L.write(fds[1], b"p", 1)
    yield from round_trip(L, ring, 13)
    yield from L.io_uring_queue_exit(ring)


#: epoll(7) behaviour bits a POLL_ADD's poll32_events may carry.
EPOLLEXCLUSIVE = 1 << 28
EPOLLONESHOT = 1 << 30


@scenario("li-poll-exclusive", tags=(*TAGS, "poll", "pipe"))
def li_poll_exclusive(L: Any) -> Gen:
    """EPOLLEXCLUSIVE in a POLL_ADD's events (as epoll_ctl(2) describes it): two exclusive polls (1, 2) and an
    ordinary one (3) for POLLIN on one empty pipe; a write(2) wakes the ordinary poll and only the first
    exclusive one, so 3 and 1 complete and 2 stays armed (POLL_REMOVE of 1 and 3 finds nothing, of 2
    cancels it)."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    poll_add(L, ring, fds[0], POLLIN | EPOLLEXCLUSIVE, 1)
    poll_add(L, ring, fds[0], POLLIN | EPOLLEXCLUSIVE, 2)
    poll_add(L, ring, fds[0], POLLIN, 3)
    yield from L.io_uring_submit(ring)
    yield from L.write(fds[1], b"x", 1)
    yield from round_trip(L, ring, 9)
    for ud in (1, 2, 3):
        poll_remove(L, ring, ud, 10 + ud)
        yield from L.io_uring_submit(ring)
        yield from round_trip(L, ring, 20 + ud)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-poll-oneshot-bit-beats-multi", tags=(*TAGS, "poll", "pipe"))
def li_poll_oneshot_bit_beats_multi(L: Any) -> Gen:
    """EPOLLONESHOT in the events of a POLL_ADD with IORING_POLL_ADD_MULTI makes it single-shot: the first
    write completes it without IORING_CQE_F_MORE, a second write posts nothing, and POLL_REMOVE then finds
    nothing (-ENOENT)."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    poll_add(L, ring, fds[0], POLLIN | EPOLLONESHOT, 1, multishot=True)
    yield from L.io_uring_submit(ring)
    yield from L.write(fds[1], b"x", 1)
    yield from round_trip(L, ring, 9)
    yield from L.write(fds[1], b"x", 1)
    yield from round_trip(L, ring, 10)
    poll_remove(L, ring, 1, 11)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 12)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-poll-wrong-end-hangup", tags=(*TAGS, "poll", "pipe"), expect={"ready": 0})
def li_poll_wrong_end_hangup(L: Any) -> Gen:
    """Polling a pipe end for the direction it does not have: POLLOUT on the read end stays pending until
    the write end is closed, then completes with what the hang-up reports for that end (POLLHUP), as does a
    new poll; POLLIN on another pipe's write end completes with POLLERR when its read end is closed."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    poll_add(L, ring, fds[0], POLLOUT, 1)
    yield from L.io_uring_submit(ring)
    L.record("ready", L.io_uring_cq_ready(ring))
    yield from L.close(fds[1])
    yield from reap(L, ring, 1)
    poll_add(L, ring, fds[0], POLLOUT, 2)
    yield from submit_and_reap(L, ring)
    other = yield from new_pipe(L)
    poll_add(L, ring, other[1], POLLIN, 3)
    yield from L.io_uring_submit(ring)
    yield from L.close(other[0])
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-poll-mshot-socket", tags=(*TAGS, "poll", "socket"))
def li_poll_mshot_socket(L: Any) -> Gen:
    """A multishot POLL_ADD for POLLIN|POLLRDHUP on an AF_UNIX stream socket: every send(2) from the peer
    posts an F_MORE CQE (drained or not), and the peer's close posts one with the hang-up bits; the poll
    stays armed (a NOP round trip shows nothing more) until POLL_REMOVE ends it with -ECANCELED."""
    ring = yield from new_ring(L, 8)
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_poll_multishot(sqe, sv[1], POLLIN | POLLRDHUP)
    L.io_uring_sqe_set_data64(sqe, 1)
    yield from L.io_uring_submit(ring)
    for m in (b"a", b"bc"):
        yield from L.send(sv[0], m, len(m), 0)
        yield from reap(L, ring, 1)
    yield from L.recv(sv[1], bytearray(8), 8, 0)
    yield from L.send(sv[0], b"d", 1, 0)
    yield from reap(L, ring, 1)
    yield from L.close(sv[0])
    yield from reap(L, ring, 1)
    yield from round_trip(L, ring, 9)
    poll_remove(L, ring, 1, 10)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 11)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-poll-link-failures", tags=(*TAGS, "poll", "links", "eventfd"))
def li_poll_link_failures(L: Any) -> Gen:
    """A POLL_ADD on a descriptor that is not open fails (-EBADF) and cancels the READ linked after it
    (-ECANCELED).  A multishot poll on an eventfd whose counter is already non-zero posts an F_MORE CQE at
    once, nothing more while the counter is unchanged, and one per later write."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    poll_add(L, ring, 100_000, POLLIN, 1, sqe_flags=IOSQE_IO_LINK)
    rw(L, ring, False, fds[0], bytearray(4), 4, 0, 2)
    yield from submit_and_reap(L, ring, 2)
    efd = yield from L.eventfd(0, 0)
    yield from L.eventfd_write(efd, 3)
    poll_add(L, ring, efd, POLLIN, 3, multishot=True)
    yield from submit_and_reap(L, ring)
    yield from L.eventfd_read(efd, [0])
    yield from round_trip(L, ring, 4)
    yield from L.eventfd_write(efd, 1)
    yield from reap(L, ring, 1)
    poll_remove(L, ring, 3, 5)
    yield from submit_and_reap(L, ring, 2)
    yield from L.close(efd)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-poll-mshot-defer-taskrun", tags=(*TAGS, "poll", "pipe", "delivery"), expect={"ready after writes": 0})
def li_poll_mshot_defer_taskrun(L: Any) -> Gen:
    """A multishot POLL_ADD on an IORING_SETUP_DEFER_TASKRUN ring: three write(2)s post nothing until the
    task asks for events, and then the wake-ups that piled up give the CQEs the kernel posts for them (the
    poll owns one pending run at a time); a later write posts one more F_MORE CQE; POLL_REMOVE ends it."""
    ring = yield from new_ring(L, 8, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)
    fds = yield from new_pipe(L)
    poll_add(L, ring, fds[0], POLLIN, 1, multishot=True)
    yield from L.io_uring_submit(ring)
    for _ in range(3):
        yield from L.write(fds[1], b"x", 1)
    L.record("ready after writes", L.io_uring_cq_ready(ring))
    yield from L.io_uring_get_events(ring)
    reap_ready(L, ring)
    yield from L.write(fds[1], b"x", 1)
    yield from reap(L, ring, 1)
    poll_remove(L, ring, 1, 2)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-poll-remove-after-overflow-end", tags=(*TAGS, "poll", "overflow", "pipe"))
def li_poll_remove_after_overflow_end(L: Any) -> Gen:
    """A multishot poll ended by a full 2-entry CQ (its final CQE waits in the overflow list) is no longer
    armed: after the two NOP CQEs are consumed with io_uring_cq_advance, a POLL_REMOVE for it is -ENOENT,
    posted after the poll's final CQE (which the submit's flush moves in first)."""
    _, ring, _ = yield from new_ring_params(L, 2, IORING_SETUP_CQSIZE, cq_entries=2)
    fds = yield from new_pipe(L)
    poll_add(L, ring, fds[0], POLLIN, 1, multishot=True)
    yield from L.io_uring_submit(ring)
    for ud in (2, 3):
        nop(L, ring, ud)
        yield from L.io_uring_submit(ring)
    yield from L.write(fds[1], b"x", 1)
    L.io_uring_cq_advance(ring, 2)
    poll_remove(L, ring, 1, 4)
    yield from L.io_uring_submit(ring)
    reap_ready(L, ring)
    yield from round_trip(L, ring, 5)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-rw-poll-link-timeout", tags=(*TAGS, "rw", "poll", "links", "timeouts"))
def li_rw_poll_link_timeout(L: Any) -> Gen:
    """A chain WRITEV (a regular file) -> POLL_ADD (an empty pipe, POLLIN) -> LINK_TIMEOUT (1 ms): the write
    completes (4096), the timeout fires (-ETIME) and cancels the poll (-ECANCELED)."""
    ring = yield from new_ring(L, 8)
    fd = yield from L.open("/li-link", L.O_CREAT | L.O_RDWR | L.O_TRUNC, 0o644)
    fds = yield from new_pipe(L)
    writev(L, ring, fd, [bytes(4096)], 1, 1, sqe_flags=IOSQE_IO_LINK)
    poll_add(L, ring, fds[0], POLLIN, 2, sqe_flags=IOSQE_IO_LINK)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_link_timeout(sqe, L.Timespec(0, 1_000_000), 0)
    L.io_uring_sqe_set_data64(sqe, 3)
    yield from submit_and_reap(L, ring, 3)
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-rw-async-write-chain", tags=(*TAGS, "rw", "file", "links", "iowq"))
def li_rw_async_write_chain(L: Any) -> Gen:
    """A chain of six WRITEVs with IOSQE_ASYNC|IOSQE_IO_LINK to one regular file (offset 0): each runs in
    io-wq after the previous one and completes with 512, in order; a READ of an eventfd holding 1 then
    completes with 8."""
    ring = yield from new_ring(L, 8)
    fd = yield from L.open("/li-chain", L.O_CREAT | L.O_RDWR | L.O_TRUNC, 0o644)
    for i in range(6):
        writev(L, ring, fd, [bytes(512)], 1, 10 + i, sqe_flags=IOSQE_ASYNC | (IOSQE_IO_LINK if i != 5 else 0))
    yield from submit_and_reap(L, ring, 6)
    efd = yield from L.eventfd(1, 0)
    rw(L, ring, False, efd, bytearray(8), 8, 0, 20)
    yield from submit_and_reap(L, ring)
    yield from L.close(efd)
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-fixed-file-sqpoll", tags=(*TAGS, "files", "file", "sqpoll"), expect={"same data": True})
def li_fixed_file_sqpoll(L: Any) -> Gen:
    """An IORING_SETUP_SQPOLL ring with a registered regular file: a WRITEV and a READ through the fixed
    index (IOSQE_FIXED_FILE), submitted by the SQ thread, move 4096 bytes each; unregistering then works."""
    ring = yield from new_ring(L, 8, IORING_SETUP_SQPOLL)
    fd = yield from L.open("/li-sq", L.O_CREAT | L.O_RDWR | L.O_TRUNC, 0o644)
    yield from L.io_uring_register_files(ring, [fd], 1)
    writev(L, ring, 0, [b"a" * 4096], 1, 1, sqe_flags=IOSQE_FIXED_FILE)
    yield from submit_and_reap(L, ring)
    buf = bytearray(4096)
    fixed_read(L, ring, 0, buf, 4096, 2)
    yield from submit_and_reap(L, ring)
    L.record("same data", bytes(buf) == b"a" * 4096)
    L.record("unregister", (yield from L.io_uring_unregister_files(ring)))
    yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario(
    "li-rw-pipe-full-writes",
    tags=(*TAGS, "rw", "pipe", "iowq"),
    expect={"ready while full": 0, "rest": PIPE_CAPACITY - 4096 + 10, "then empty": -11},
)
def li_rw_pipe_full_writes(L: Any) -> Gen:
    """WRITEs to a full O_NONBLOCK pipe: a plain WRITE waits (io_uring polls instead of failing) and
    completes with 10 once a read(2) frees a page; one with RWF_NOWAIT is -EAGAIN at once.  A WRITE of
    64 KiB + 4464 bytes to an empty pipe is short (65536), inline, with IOSQE_ASYNC, and on a blocking
    pipe with IOSQE_ASYNC alike."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L, L.O_NONBLOCK)
    yield from L.write(fds[1], bytes(PIPE_CAPACITY), PIPE_CAPACITY)
    rw(L, ring, True, fds[1], b"0123456789", 10, 0, 1)
    yield from L.io_uring_submit(ring)
    L.record("ready while full", L.io_uring_cq_ready(ring))
    rw(L, ring, True, fds[1], b"abc", 3, 0, 2, RWF_NOWAIT)
    yield from submit_and_reap(L, ring)
    buf = bytearray(PIPE_CAPACITY)
    yield from L.read(fds[0], buf, 4096)
    yield from reap(L, ring, 1)
    L.record("rest", (yield from L.read(fds[0], buf, PIPE_CAPACITY)))
    L.record("then empty", (yield from L.read(fds[0], buf, PIPE_CAPACITY)))
    blocking = yield from new_pipe(L)
    for ud, wfd, rfd, flags in ((3, fds[1], fds[0], IOSQE_ASYNC), (4, fds[1], fds[0], 0), (5, blocking[1], blocking[0], IOSQE_ASYNC)):
        sqe = rw(L, ring, True, wfd, bytes(70000), 70000, 0, ud)
        L.io_uring_sqe_set_flags(sqe, flags)
        yield from submit_and_reap(L, ring)
        L.record(f"drained after {ud}", (yield from L.read(rfd, buf, PIPE_CAPACITY)))
    yield from L.io_uring_queue_exit(ring)


@scenario("li-poll-remove-only-polls", tags=(*TAGS, "poll", "cancel"))
def li_poll_remove_only_polls(L: Any) -> Gen:
    """POLL_REMOVE and a poll update look only at POLL_ADD requests: for the user_data of a READ waiting
    (internally polling) on an empty pipe, or of a pending TIMEOUT, both are -ENOENT; ASYNC_CANCEL removes
    the timeout (0, then -ECANCELED) and the READ completes when data comes."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    rw(L, ring, False, fds[0], bytearray(4), 4, 0, 1)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_timeout(sqe, L.Timespec(10, 0), 0, 0)
    L.io_uring_sqe_set_data64(sqe, 2)
    yield from L.io_uring_submit(ring)
    poll_remove(L, ring, 1, 3)
    yield from submit_and_reap(L, ring)
    poll_update(L, ring, 1, 4, IORING_POLL_UPDATE_EVENTS, POLLIN)
    yield from submit_and_reap(L, ring)
    poll_remove(L, ring, 2, 5)
    yield from submit_and_reap(L, ring)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_cancel64(sqe, 2, 0)
    L.io_uring_sqe_set_data64(sqe, 6)
    yield from submit_and_reap(L, ring, 2)
    yield from L.write(fds[1], b"abcd", 4)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-sqe-fields-ignored-or-not", tags=(*TAGS, "rw", "poll", "sqe"))
def li_sqe_fields_ignored_or_not(L: Any) -> Gen:
    """Which spare SQE fields each opcode refuses (-EINVAL) and which it ignores: READ and WRITE on a pipe
    ignore file_index (write_stream), addr3 and buf_index; POLL_ADD ignores file_index and addr3 but refuses
    ioprio and buf_index; POLL_REMOVE (for a user_data nothing has: -ENOENT) ignores addr3 and fd but refuses
    ioprio.  One SQE per submit."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    for ud, field, val in ((1, "file_index", 1), (2, "file_index", 0x100), (3, "addr3", 1), (4, "buf_index", 3)):
        sqe = rw(L, ring, True, fds[1], b"ab", 2, 0, ud)
        setattr(sqe, field, val)
        yield from submit_and_reap(L, ring)
    for ud, field, val in ((11, "file_index", 1), (12, "addr3", 1), (13, "buf_index", 3)):
        sqe = rw(L, ring, False, fds[0], bytearray(2), 2, 0, ud)
        setattr(sqe, field, val)
        yield from submit_and_reap(L, ring)
    for ud, field, val in ((21, "file_index", 1), (22, "addr3", 1), (23, "ioprio", 1), (24, "buf_index", 1)):
        sqe = poll_add(L, ring, fds[1], POLLOUT, ud)
        setattr(sqe, field, val)
        yield from submit_and_reap(L, ring)
    for ud, field, val in ((31, "addr3", 1), (32, "ioprio", 1), (33, "fd", 5)):
        sqe = poll_remove(L, ring, 777, ud)
        setattr(sqe, field, val)
        yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("li-poll-exclusive-multishot", tags=(*TAGS, "poll", "pipe"))
def li_poll_exclusive_multishot(L: Any) -> Gen:
    """Two multishot POLL_ADDs with EPOLLEXCLUSIVE on one pipe (1 armed first, so first in the queue): each
    write(2) wakes only poll 1 (F_MORE).  A poll update of 1 re-arms it, at the tail of the queue behind 2
    (the re-arm finds data and posts at once), so the next write wakes 2 only.  POLL_REMOVE ends both."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    poll_add(L, ring, fds[0], POLLIN | EPOLLEXCLUSIVE, 1, multishot=True)
    poll_add(L, ring, fds[0], POLLIN | EPOLLEXCLUSIVE, 2, multishot=True)
    yield from L.io_uring_submit(ring)
    for i in range(2):
        yield from L.write(fds[1], b"x", 1)
        yield from round_trip(L, ring, 10 + i)
    poll_update(L, ring, 1, 3, IORING_POLL_UPDATE_EVENTS, POLLIN)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 12)
    yield from L.write(fds[1], b"x", 1)
    yield from round_trip(L, ring, 13)
    for ud in (1, 2):
        poll_remove(L, ring, ud, 20 + ud)
        yield from L.io_uring_submit(ring)
        yield from round_trip(L, ring, 30 + ud)
    yield from L.io_uring_queue_exit(ring)
