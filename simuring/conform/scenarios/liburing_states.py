"""Requests on objects in odd states -- pipes, unix sockets, eventfds, regular files -- as the differential
fuzzer's ``state`` mode (``python -m simuring.conform.difffuzz --mode state``) draws them; names prefixed
``lst-``.

Each scenario puts an object into its state with plain syscalls, then submits one request at a time and
reaps it before the next, so the completions' order is fixed; no request is left waiting.  The first
pins the rule the mode found the simulator breaking (``io_write`` on an io-wq worker); the others pin
answers of the states the mode covers, as Linux 6.18.44 gave them.
"""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import Gen, new_pipe, new_ring, prep_named, submit_and_reap
from simuring.uapi import IOSQE_ASYNC

TAGS = ("liburing", "difffuzz", "state")
RWF_NOWAIT = 0x08
MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL, MSG_NOSIGNAL = 0x02, 0x40, 0x100, 0x4000
POLLIN, POLLOUT, POLLERR, POLLHUP, POLLRDHUP = 0x1, 0x4, 0x8, 0x10, 0x2000


def _one(L: Any, ring: Any, user_data: int, name: str, *args: Any, sqe_flags: int = 0, **fields: int) -> Gen:
    """Queue one SQE from ``L.<name>(sqe, *args)`` with ``sqe_flags`` and ``fields``, submit and reap it."""
    sqe = prep_named(L, ring, user_data, name, *args, sqe_flags=sqe_flags)
    for field, value in fields.items():
        setattr(sqe, field, value)
    yield from submit_and_reap(L, ring)


@scenario("lst-regfile-nowait-async-write", tags=(*TAGS, "rw", "file"))
def lst_regfile_nowait_async_write(L: Any) -> Gen:
    """A RWF_NOWAIT write to a regular file (ext4) is -EAGAIN when issued inline (the buffered write
    refuses IOCB_NOWAIT), but with IOSQE_ASYNC it is written: the io-wq worker issues it blocking, and
    ``io_write`` clears IOCB_NOWAIT there, RWF_NOWAIT's included.  WRITE and WRITEV alike, at an offset and
    at the file position; the file then holds the async writes only.  Found by the state mode."""
    ring = yield from new_ring(L, 8)
    f = yield from L.open("/lst-nowait", L.O_CREAT | L.O_RDWR, 0o644)
    yield from L.write(f, b"0123456789abcdef", 16)
    yield from _one(L, ring, 1, "io_uring_prep_write", f, bytearray(b"AAAA"), 4, 0, rw_flags=RWF_NOWAIT)
    yield from _one(L, ring, 2, "io_uring_prep_write", f, bytearray(b"BBBB"), 4, 0, rw_flags=RWF_NOWAIT, sqe_flags=IOSQE_ASYNC)
    yield from _one(L, ring, 3, "io_uring_prep_writev", f, [bytearray(b"CCCC")], 1, 8, rw_flags=RWF_NOWAIT)
    yield from _one(L, ring, 4, "io_uring_prep_writev", f, [bytearray(b"DDDD")], 1, 8, rw_flags=RWF_NOWAIT, sqe_flags=IOSQE_ASYNC)
    yield from _one(L, ring, 5, "io_uring_prep_write", f, bytearray(b"EEEE"), 4, -1, rw_flags=RWF_NOWAIT, sqe_flags=IOSQE_ASYNC)
    got = bytearray(24)
    yield from L.lseek(f, 0, L.SEEK_SET)
    yield from L.read(f, got, 24)
    L.record("content", bytes(got))


@scenario("lst-pipe-ends-closed", tags=(*TAGS, "pipe", "rw", "poll"))
def lst_pipe_ends_closed(L: Any) -> Gen:
    """A pipe whose write end is closed: a READ gets the bytes left, then 0 (end of file), with or without
    RWF_NOWAIT; a POLL_ADD for POLLIN completes with POLLHUP (and POLLIN while data is left).  A pipe whose
    read end is closed: a WRITE is -EPIPE (SIGPIPE is ignored by the process), a POLL_ADD for POLLOUT
    completes with POLLERR."""
    ring = yield from new_ring(L, 8)
    p = yield from new_pipe(L)
    yield from L.write(p[1], b"tail", 4)
    yield from L.close(p[1])
    yield from _one(L, ring, 1, "io_uring_prep_poll_add", p[0], POLLIN)
    buf = bytearray(16)
    yield from _one(L, ring, 2, "io_uring_prep_read", p[0], buf, 16, -1)
    L.record("data", bytes(buf))
    yield from _one(L, ring, 3, "io_uring_prep_read", p[0], bytearray(16), 16, -1, rw_flags=RWF_NOWAIT)
    yield from _one(L, ring, 4, "io_uring_prep_poll_add", p[0], POLLIN | POLLRDHUP)
    q = yield from new_pipe(L)
    yield from L.close(q[0])
    yield from _one(L, ring, 5, "io_uring_prep_write", q[1], bytearray(b"lost"), 4, -1)
    yield from _one(L, ring, 6, "io_uring_prep_write", q[1], bytearray(b"lost"), 4, -1, sqe_flags=IOSQE_ASYNC)
    yield from _one(L, ring, 7, "io_uring_prep_poll_add", q[1], POLLOUT)


@scenario("lst-pipe-full", tags=(*TAGS, "pipe", "rw", "poll"))
def lst_pipe_full(L: Any) -> Gen:
    """A pipe filled with 16 pages (its default capacity): a RWF_NOWAIT WRITE is -EAGAIN, a POLL_ADD for
    POLLOUT parks (cancelled: -ECANCELED after the cancel's 0), a READ takes a page's worth; then the
    RWF_NOWAIT WRITE goes in.  An O_NONBLOCK pipe takes 16 pages' writes and refuses the 17th."""
    ring = yield from new_ring(L, 8)
    p = yield from new_pipe(L)
    for _ in range(16):
        yield from L.write(p[1], bytes(4096), 4096)
    yield from _one(L, ring, 1, "io_uring_prep_write", p[1], bytearray(b"more"), 4, -1, rw_flags=RWF_NOWAIT)
    prep_named(L, ring, 2, "io_uring_prep_poll_add", p[1], POLLOUT)
    yield from L.io_uring_submit(ring)
    prep_named(L, ring, 3, "io_uring_prep_cancel64", 2, 0)
    yield from submit_and_reap(L, ring, 2)
    yield from _one(L, ring, 4, "io_uring_prep_read", p[0], bytearray(4096), 4096, -1)
    yield from _one(L, ring, 5, "io_uring_prep_write", p[1], bytearray(b"more"), 4, -1, rw_flags=RWF_NOWAIT)
    q = [0, 0]
    yield from L.pipe2(q, L.O_NONBLOCK)
    for _ in range(17):
        yield from L.write(q[1], bytes(4096), 4096)


@scenario("lst-eventfd-states", tags=(*TAGS, "eventfd", "rw", "poll"))
def lst_eventfd_states(L: Any) -> Gen:
    """An eventfd at 0xfffffffffffffffe: a RWF_NOWAIT WRITE of 1 is -EAGAIN (the count would pass the
    maximum), a POLL_ADD for POLLOUT parks (cancelled), a READ takes the whole count.  In EFD_SEMAPHORE mode
    a READ takes 1 at a time; at 0 a RWF_NOWAIT READ is -EAGAIN."""
    ring = yield from new_ring(L, 8)
    efd = yield from L.eventfd(0, 0)
    yield from L.write(efd, (0xFFFF_FFFF_FFFF_FFFE).to_bytes(8, "little"), 8)
    yield from _one(L, ring, 1, "io_uring_prep_write", efd, bytearray((1).to_bytes(8, "little")), 8, -1, rw_flags=RWF_NOWAIT)
    prep_named(L, ring, 2, "io_uring_prep_poll_add", efd, POLLOUT)
    yield from L.io_uring_submit(ring)
    prep_named(L, ring, 3, "io_uring_prep_cancel64", 2, 0)
    yield from submit_and_reap(L, ring, 2)
    buf = bytearray(8)
    yield from _one(L, ring, 4, "io_uring_prep_read", efd, buf, 8, -1)
    L.record("count", bytes(buf).hex())
    sem = yield from L.eventfd(2, L.EFD_SEMAPHORE)
    for ud in (5, 6, 7):
        buf = bytearray(8)
        yield from _one(L, ring, ud, "io_uring_prep_read", sem, buf, 8, -1, rw_flags=RWF_NOWAIT)
        L.record("count", bytes(buf).hex())


def _pair(L: Any, kind: int) -> Gen:
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, kind, 0, sv)
    return sv


@scenario("lst-socket-peer-closed", tags=(*TAGS, "socket", "net"))
def lst_socket_peer_closed(L: Any) -> Gen:
    """A unix socketpair whose peer sent data and closed, for each type: RECV with MSG_PEEK and then RECV get
    the data, a second RECV 0 (stream, seqpacket) or -EAGAIN with MSG_DONTWAIT (dgram); a SEND with
    MSG_NOSIGNAL is -EPIPE (stream, seqpacket) or -ECONNREFUSED (dgram); a POLL_ADD completes with the
    type's hang-up bits."""
    ring = yield from new_ring(L, 8)
    ud = 0
    for kind in (L.SOCK_STREAM, L.SOCK_DGRAM, L.SOCK_SEQPACKET):
        sv = yield from _pair(L, kind)
        yield from L.send(sv[1], b"last-words", 10, 0)
        yield from L.close(sv[1])
        for name, args in (
            ("io_uring_prep_recv", (bytearray(16), 16, MSG_PEEK)),
            ("io_uring_prep_recv", (bytearray(16), 16, MSG_WAITALL)),
            ("io_uring_prep_recv", (bytearray(16), 16, MSG_DONTWAIT)),
            ("io_uring_prep_send", (bytearray(b"late"), 4, MSG_NOSIGNAL)),
            ("io_uring_prep_poll_add", (POLLIN | POLLOUT | POLLRDHUP,)),
        ):
            ud += 1
            yield from _one(L, ring, ud, name, sv[0], *args)


@scenario("lst-socket-shutdown", tags=(*TAGS, "socket", "net"))
def lst_socket_shutdown(L: Any) -> Gen:
    """A unix stream socketpair shut down with IORING_OP_SHUTDOWN: after SHUT_WR a SEND is -EPIPE and the
    peer's RECV 0; after SHUT_RD a RECV is 0 at once while the peer can still send; SHUT_RDWR both; the
    POLL_ADD of each side completes with what is left of it."""
    ring = yield from new_ring(L, 8)
    ud = 0
    for how in (1, 0, 2):
        sv = yield from _pair(L, L.SOCK_STREAM)
        ud += 1
        yield from _one(L, ring, ud, "io_uring_prep_shutdown", sv[0], how)
        for fd, name, args in (
            (sv[0], "io_uring_prep_send", (bytearray(b"data"), 4, MSG_NOSIGNAL | MSG_DONTWAIT)),
            (sv[0], "io_uring_prep_recv", (bytearray(16), 16, MSG_DONTWAIT)),
            (sv[1], "io_uring_prep_send", (bytearray(b"back"), 4, MSG_NOSIGNAL | MSG_DONTWAIT)),
            (sv[1], "io_uring_prep_recv", (bytearray(16), 16, MSG_DONTWAIT)),
            (sv[0], "io_uring_prep_poll_add", (POLLIN | POLLOUT | POLLRDHUP,)),
            (sv[1], "io_uring_prep_poll_add", (POLLIN | POLLOUT | POLLRDHUP,)),
        ):
            ud += 1
            yield from _one(L, ring, ud, name, fd, *args)


@scenario("lst-dgram-shut-rd-async", tags=(*TAGS, "socket", "net"))
def lst_dgram_shut_rd_async(L: Any) -> Gen:
    """A datagram socket shut for reading, with nothing queued: a non-blocking ``unix_dgram_recvmsg`` is
    -EAGAIN (only SEQPACKET turns that into 0), a waiting one 0 (``__skb_wait_for_more_packets`` sees
    RCV_SHUTDOWN).  So a RECV or RECVMSG with MSG_DONTWAIT is -EAGAIN inline and with IOSQE_ASYNC too (the
    io-wq worker's first try is non-blocking), and one without MSG_DONTWAIT ends with 0; a SEQPACKET socket
    answers 0 to each.  Found by the state mode (seed 2210)."""
    ring = yield from new_ring(L, 8)
    ud = 0
    for kind in (L.SOCK_DGRAM, L.SOCK_SEQPACKET):
        sv = yield from _pair(L, kind)
        ud += 1
        yield from _one(L, ring, ud, "io_uring_prep_shutdown", sv[0], 0)
        for name, flags, sqe_flags in (
            ("io_uring_prep_recv", MSG_DONTWAIT, 0),
            ("io_uring_prep_recv", MSG_DONTWAIT, IOSQE_ASYNC),
            ("io_uring_prep_recv", MSG_DONTWAIT | MSG_PEEK, IOSQE_ASYNC),
            ("io_uring_prep_recvmsg", MSG_DONTWAIT, IOSQE_ASYNC),
            ("io_uring_prep_recv", 0, 0),
            ("io_uring_prep_recv", 0, IOSQE_ASYNC),
        ):
            ud += 1
            if name == "io_uring_prep_recv":
                yield from _one(L, ring, ud, name, sv[0], bytearray(16), 16, flags, sqe_flags=sqe_flags)
            else:
                yield from _one(L, ring, ud, name, sv[0], L.Msghdr([bytearray(16)]), flags, sqe_flags=sqe_flags)


@scenario("lst-dgram-full-rdhup-write", tags=(*TAGS, "socket", "net", "poll", "cancel"))
def lst_dgram_full_rdhup_write(L: Any) -> Gen:
    """A WRITE on a datagram socket whose send buffer is full (MSG_DONTWAIT sends until -EAGAIN) parks on
    its fast poll: cancelled after 50 ms, the cancel is 0 and the WRITE -ECANCELED.  Shut for reading
    first, the socket reports POLLRDHUP, which every poll waits for (``io_init_poll_iocb`` adds
    IO_POLL_UNMASK, fast polls included): the fast poll fires at each arm, the write is -EAGAIN each time,
    and once the budget is spent (APOLL_MAX_RETRY) an io-wq worker blocks in the send; cancelled, the
    cancel is -EALREADY and the WRITE -EINTR.  Found by the state mode (seed 21)."""
    ring = yield from new_ring(L, 8)
    for ud, shut in ((1, False), (3, True)):
        sv = yield from _pair(L, L.SOCK_DGRAM)
        for _ in range(100):
            if (yield from L.send(sv[0], bytes(4096), 4096, MSG_DONTWAIT | MSG_NOSIGNAL)) < 0:
                break
        if shut:
            yield from _one(L, ring, 9, "io_uring_prep_shutdown", sv[0], 0)
        prep_named(L, ring, ud, "io_uring_prep_write", sv[0], bytearray(b"w" * 8), 8, -1)
        yield from L.io_uring_submit(ring)
        yield from L.io_uring_wait_cqe_timeout(ring, L.Cqe(), L.Timespec(0, 50_000_000))
        prep_named(L, ring, ud + 1, "io_uring_prep_cancel64", ud, 0)
        yield from submit_and_reap(L, ring, 2)
