"""SEND and RECV (io_uring_prep_send(3), io_uring_prep_recv(3)) on AF_UNIX stream socket pairs, as
liburing's send/recv tests exercise them; names prefixed ``ln-``."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    new_pipe,
    new_ring,
    reap,
    round_trip,
    submit_and_reap,
)
from simuring.uapi import (
    IORING_RECV_MULTISHOT,
    IORING_RECVSEND_POLL_FIRST,
    IOSQE_ASYNC,
    IOSQE_IO_LINK,
)

TAGS = ("liburing",)

#: recv(2) / send(2) flags (include/linux/socket.h).
MSG_OOB = 0x01
MSG_DONTWAIT = 0x40
MSG_WAITALL = 0x100
MSG_NOSIGNAL = 0x4000


def send(L: Any, ring: Any, fd: int, buf: Any, n: int, flags: int, user_data: int, sqe_flags: int = 0) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_send(sqe, fd, buf, n, flags)
    L.io_uring_sqe_set_data64(sqe, user_data)
    if sqe_flags:
        L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def recv(L: Any, ring: Any, fd: int, buf: Any, n: int, flags: int, user_data: int, sqe_flags: int = 0) -> Any:
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_recv(sqe, fd, buf, n, flags)
    L.io_uring_sqe_set_data64(sqe, user_data)
    if sqe_flags:
        L.io_uring_sqe_set_flags(sqe, sqe_flags)
    return sqe


def socketpair(L: Any, flags: int = 0) -> Gen:
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM | flags, 0, sv)
    return sv


@scenario("ln-send-recv-basic", tags=(*TAGS, "net", "socket"))
def ln_send_recv_basic(L: Any) -> Gen:
    """A SEND of 5 bytes on one end and a RECV of up to 16 on the other: 5 and 5; the received bytes are
    read back with a second SEND/RECV pair; a zero-length SEND is 0."""
    ring = yield from new_ring(L, 8)
    sv = yield from socketpair(L)
    send(L, ring, sv[0], b"hello", 5, 0, 1)
    yield from submit_and_reap(L, ring)
    buf = bytearray(16)
    recv(L, ring, sv[1], buf, 16, 0, 2)
    yield from submit_and_reap(L, ring)
    yield from L.send(sv[1], bytes(buf[:5]), 5, 0)
    yield from L.recv(sv[0], bytearray(16), 16, 0)
    send(L, ring, sv[0], b"", 0, 0, 3)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("ln-recv-waits-for-send", tags=(*TAGS, "net", "socket", "poll"))
def ln_recv_waits_for_send(L: Any) -> Gen:
    """A RECV on an empty socket waits (a NOP round trip completes first); a send(2) from the peer
    completes it with the bytes sent.  A RECV of 2 bytes on 5 queued gets 2; the next gets the rest."""
    ring = yield from new_ring(L, 8)
    sv = yield from socketpair(L)
    recv(L, ring, sv[1], bytearray(8), 8, 0, 1)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 9)
    yield from L.send(sv[0], b"abc", 3, 0)
    yield from reap(L, ring, 1)
    yield from L.send(sv[0], b"12345", 5, 0)
    recv(L, ring, sv[1], bytearray(2), 2, 0, 2)
    yield from submit_and_reap(L, ring)
    recv(L, ring, sv[1], bytearray(8), 8, 0, 3)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("ln-recv-dontwait", tags=(*TAGS, "net", "socket"))
def ln_recv_dontwait(L: Any) -> Gen:
    """MSG_DONTWAIT: a RECV of an empty socket completes at once with -EAGAIN (also forced async), and
    a linked NOP after it is cancelled; with MSG_WAITALL too and 2 of 4 bytes queued it completes with 2."""
    ring = yield from new_ring(L, 8)
    sv = yield from socketpair(L)
    recv(L, ring, sv[1], bytearray(8), 8, MSG_DONTWAIT, 1, IOSQE_IO_LINK)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_nop(sqe)
    L.io_uring_sqe_set_data64(sqe, 2)
    yield from submit_and_reap(L, ring, 2)
    recv(L, ring, sv[1], bytearray(8), 8, MSG_DONTWAIT, 3, IOSQE_ASYNC)
    yield from submit_and_reap(L, ring)
    yield from L.send(sv[0], b"ab", 2, 0)
    recv(L, ring, sv[1], bytearray(4), 4, MSG_DONTWAIT | MSG_WAITALL, 4)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("ln-recv-waitall", tags=(*TAGS, "net", "socket", "poll"))
def ln_recv_waitall(L: Any) -> Gen:
    """MSG_WAITALL: a RECV of 6 bytes with 2 queued waits, gathering the 2, then 3 more from a second
    send(2) (still waiting: a NOP round trip completes first), and completes with 6 once the last byte
    arrives.  Another for 8 with 3 queued completes with 3 when the peer closes (EOF)."""
    ring = yield from new_ring(L, 8)
    sv = yield from socketpair(L)
    yield from L.send(sv[0], b"ab", 2, 0)
    buf = bytearray(6)
    recv(L, ring, sv[1], buf, 6, MSG_WAITALL, 1)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 9)
    yield from L.send(sv[0], b"cde", 3, 0)
    yield from round_trip(L, ring, 10)
    yield from L.send(sv[0], b"fg", 2, 0)
    yield from reap(L, ring, 1)
    yield from L.send(sv[1], bytes(buf), 6, 0)
    yield from L.recv(sv[0], bytearray(8), 8, 0)
    yield from L.send(sv[0], b"xyz", 3, 0)
    recv(L, ring, sv[1], bytearray(8), 8, MSG_WAITALL, 2, IOSQE_IO_LINK)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_nop(sqe)
    L.io_uring_sqe_set_data64(sqe, 3)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 11)
    yield from L.close(sv[0])
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("ln-recv-waitall-async", tags=(*TAGS, "net", "socket", "iowq"))
def ln_recv_waitall_async(L: Any) -> Gen:
    """MSG_WAITALL forced async (IOSQE_ASYNC): a RECV of 4 bytes gathers two sends of 2."""
    ring = yield from new_ring(L, 8)
    sv = yield from socketpair(L)
    recv(L, ring, sv[1], bytearray(4), 4, MSG_WAITALL, 1, IOSQE_ASYNC)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 9)
    yield from L.send(sv[0], b"ab", 2, 0)
    yield from round_trip(L, ring, 10)
    yield from L.send(sv[0], b"cd", 2, 0)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("ln-send-full-buffer", tags=(*TAGS, "net", "socket", "poll"))
def ln_send_full_buffer(L: Any) -> Gen:
    """Filling the send buffer: a 1 MiB SEND completes short with what fit; a SEND with MSG_DONTWAIT
    then is -EAGAIN; a plain SEND waits (a NOP round trip first) until recv(2) drains the peer, and a
    MSG_WAITALL SEND of 1 MiB completes with the whole MiB once the peer reads it all."""
    ring = yield from new_ring(L, 8)
    sv = yield from socketpair(L)
    big = bytes(1 << 20)
    send(L, ring, sv[0], big, 1 << 20, 0, 1)
    yield from submit_and_reap(L, ring)
    send(L, ring, sv[0], b"x", 1, MSG_DONTWAIT, 2)
    yield from submit_and_reap(L, ring)
    send(L, ring, sv[0], b"y", 1, 0, 3)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 9)
    sink = bytearray(1 << 20)
    yield from L.recv(sv[1], sink, 1 << 20, MSG_WAITALL | MSG_DONTWAIT)
    yield from reap(L, ring, 1)
    yield from L.recv(sv[1], sink, 1 << 20, MSG_DONTWAIT)
    send(L, ring, sv[0], big, 1 << 20, MSG_WAITALL, 4)
    yield from L.io_uring_submit(ring)
    total = 0
    for _ in range(64):
        n = yield from L.recv(sv[1], sink, 1 << 20, 0)
        if n <= 0:
            break
        total += n
        if total >= 1 << 20:
            break
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("ln-send-recv-errors", tags=(*TAGS, "net", "socket", "pipe", "sqe"))
def ln_send_recv_errors(L: Any) -> Gen:
    """-ENOTSOCK for SEND and RECV on a pipe; -EBADF on a descriptor that is not open; -EPIPE for a SEND
    (MSG_NOSIGNAL implied: no SIGPIPE) and 0 for a RECV once the peer is closed; RECV with MSG_OOB and
    nothing out of band is -EINVAL."""
    ring = yield from new_ring(L, 8)
    fds = yield from new_pipe(L)
    send(L, ring, fds[1], b"a", 1, 0, 1)
    yield from submit_and_reap(L, ring)
    recv(L, ring, fds[0], bytearray(1), 1, 0, 2)
    yield from submit_and_reap(L, ring)
    send(L, ring, 100_000, b"a", 1, 0, 3)
    yield from submit_and_reap(L, ring)
    recv(L, ring, 100_000, bytearray(1), 1, 0, 4)
    yield from submit_and_reap(L, ring)
    sv = yield from socketpair(L)
    recv(L, ring, sv[1], bytearray(1), 1, MSG_OOB, 5)
    yield from submit_and_reap(L, ring)
    yield from L.close(sv[1])
    send(L, ring, sv[0], b"a", 1, 0, 6)
    yield from submit_and_reap(L, ring)
    recv(L, ring, sv[0], bytearray(1), 1, 0, 7)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("ln-send-recv-sqe-fields", tags=(*TAGS, "net", "socket", "sqe"))
def ln_send_recv_sqe_fields(L: Any) -> Gen:
    """Prep checks: an unknown ioprio flag bit, MULTISHOT (RECV) without a provided buffer, a non-zero ``addr2`` or ``file_index`` on RECV, a non-zero ``__pad3`` on SEND: -EINVAL each."""
    ring = yield from new_ring(L, 8)
    sv = yield from socketpair(L)
    yield from L.send(sv[1], b"zz", 2, 0)
    cases: list[tuple[bool, str, int]] = [
        (True, "ioprio", 1 << 3),
        (False, "ioprio", 1 << 3),
        (False, "ioprio", IORING_RECV_MULTISHOT),
        (False, "addr2", 8),
        (False, "file_index", 1),
        (True, "file_index", 1 << 16),
    ]
    for ud, (is_send, name, value) in enumerate(cases, 1):
        if is_send:
            sqe = send(L, ring, sv[0], b"a", 1, 0, ud)
        else:
            sqe = recv(L, ring, sv[0], bytearray(1), 1, MSG_DONTWAIT, ud)
        setattr(sqe, name, value)
        yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("ln-poll-first", tags=(*TAGS, "net", "socket", "poll"))
def ln_poll_first(L: Any) -> Gen:
    """IORING_RECVSEND_POLL_FIRST: a RECV with data already queued still completes (it polls first, the
    socket is ready); a SEND on a socket with room completes; a RECV on an empty socket waits for a
    send(2); with MSG_DONTWAIT it is -EAGAIN at once."""
    ring = yield from new_ring(L, 8)
    sv = yield from socketpair(L)
    yield from L.send(sv[0], b"abc", 3, 0)
    sqe = recv(L, ring, sv[1], bytearray(8), 8, 0, 1)
    sqe.ioprio = IORING_RECVSEND_POLL_FIRST
    yield from submit_and_reap(L, ring)
    sqe = send(L, ring, sv[1], b"de", 2, 0, 2)
    sqe.ioprio = IORING_RECVSEND_POLL_FIRST
    yield from submit_and_reap(L, ring)
    sqe = recv(L, ring, sv[1], bytearray(8), 8, 0, 3)
    sqe.ioprio = IORING_RECVSEND_POLL_FIRST
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 9)
    yield from L.send(sv[0], b"f", 1, 0)
    yield from reap(L, ring, 1)
    sqe = recv(L, ring, sv[1], bytearray(8), 8, MSG_DONTWAIT, 4)
    sqe.ioprio = IORING_RECVSEND_POLL_FIRST
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("ln-recv-zero-length", tags=(*TAGS, "net", "socket"))
def ln_recv_zero_length(L: Any) -> Gen:
    """A zero-length RECV waits for data like any other (a NOP round trip first), then completes with 0
    without consuming it: a RECV of 8 after it gets the whole 3 bytes."""
    ring = yield from new_ring(L, 8)
    sv = yield from socketpair(L)
    recv(L, ring, sv[1], bytearray(1), 0, 0, 1)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 9)
    yield from L.send(sv[0], b"abc", 3, 0)
    yield from reap(L, ring, 1)
    recv(L, ring, sv[1], bytearray(8), 8, 0, 2)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)
