"""AF_UNIX SOCK_DGRAM and SOCK_SEQPACKET socket pairs (socketpair(2), unix(7)) through send(2) / recv(2)
and io_uring's SEND / RECV / SENDMSG / RECVMSG / READ / WRITE / SHUTDOWN / POLL_ADD, as liburing's
send/recv and recvmsg tests use them; names prefixed ``ldg-``.

Most scenarios run once per type (``-dgram``, ``-seqpacket``): the message rules are the same, the
connection rules (shutdown, the peer's close) are not."""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    nop,
    poll_add,
    prep_named,
    reap,
    round_trip,
    submit_and_reap,
)
from simuring.conform.scenarios.common import new_ring as _new_ring
from simuring.conform.scenarios.liburing_net import recv, send
from simuring.conform.scenarios.liburing_pbuf import provide, recv_sel
from simuring.uapi import (
    IORING_RECV_MULTISHOT,
    IOSQE_ASYNC,
    IOSQE_BUFFER_SELECT,
    IOSQE_IO_LINK,
)

TAGS = ("liburing", "socket", "net")

#: recv(2) / send(2) flags (include/linux/socket.h).
MSG_OOB = 0x01
MSG_PEEK = 0x02
MSG_TRUNC = 0x20
MSG_DONTWAIT = 0x40
MSG_WAITALL = 0x100

#: poll(2) bits; ALL asks for every one unix_dgram_poll reports.
POLLIN, POLLOUT, POLLERR, POLLHUP, POLLRDNORM, POLLRDHUP = 0x1, 0x4, 0x8, 0x10, 0x40, 0x2000
ALL = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x40 | 0x100 | 0x200 | 0x2000

SNDBUF = 212992
"""The default send buffer (net.core.wmem_default); a datagram may be 32 bytes less."""

Scn = Callable[[Any, int], Gen]


def pair(L: Any, kind: int, flags: int = 0) -> Gen:
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, kind | flags, 0, sv)
    return sv


def new_ring(L: Any, entries: int = 16) -> Gen:
    ring = yield from _new_ring(L, entries)
    return ring


def setup(L: Any, kind: int) -> Gen:
    """A ring and a pair of ``kind``."""
    ring = yield from new_ring(L)
    sv = yield from pair(L, kind)
    return ring, sv


def poll_now(L: Any, ring: Any, fd: int, ud: int) -> Gen:
    """The socket's ready mask: a one-shot POLL_ADD of every bit, answered at once when any is set."""
    poll_add(L, ring, fd, ALL, ud)
    yield from submit_and_reap(L, ring)


def recvmsg(L: Any, ring: Any, fd: int, msg: Any, flags: int, ud: int, sqe_flags: int = 0) -> Any:
    return prep_named(L, ring, ud, "io_uring_prep_recvmsg", fd, msg, flags, sqe_flags=sqe_flags)


def shutdown(L: Any, ring: Any, fd: int, how: int, ud: int) -> Gen:
    prep_named(L, ring, ud, "io_uring_prep_shutdown", fd, how)
    yield from submit_and_reap(L, ring)


def both(name: str, doc: str, extra: tuple[str, ...] = ()) -> Callable[[Scn], Scn]:
    """Register ``fn(L, kind)`` twice: ``ldg-<name>-dgram`` and ``ldg-<name>-seqpacket``."""

    def deco(fn: Scn) -> Scn:
        for suffix, attr in (("dgram", "SOCK_DGRAM"), ("seqpacket", "SOCK_SEQPACKET")):

            def run(L: Any, attr: str = attr) -> Gen:
                yield from fn(L, getattr(L, attr))

            run.__doc__ = doc
            run.__name__ = f"ldg_{name.replace('-', '_')}_{suffix}"
            scenario(f"ldg-{name}-{suffix}", tags=(*TAGS, "dgram", *extra))(run)
        return fn

    return deco


# -- socketpair(2) and the message rules ---------------------------------------------------------


@scenario("ldg-socketpair-types", tags=(*TAGS, "dgram"))
def ldg_socketpair_types(L: Any) -> Gen:
    """socketpair(2) of AF_UNIX SOCK_DGRAM and SOCK_SEQPACKET, plain and with SOCK_NONBLOCK|SOCK_CLOEXEC:
    0 each; a non-blocking pair's recv(2) on nothing is -EAGAIN; protocol PF_UNIX is accepted, 2 is
    -EPROTONOSUPPORT; SOCK_RAW makes a datagram pair (a short recv truncates); types 4, 6 and 10 are
    -ESOCKTNOSUPPORT, 11 and an unknown flag bit -EINVAL."""
    for kind in (L.SOCK_DGRAM, L.SOCK_SEQPACKET):
        sv = yield from pair(L, kind)
        nb = yield from pair(L, kind, L.SOCK_NONBLOCK | L.SOCK_CLOEXEC)
        yield from L.recv(nb[0], bytearray(4), 4, 0)
        for fd in (*sv, *nb):
            yield from L.close(fd)
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_DGRAM, 1, sv)
    yield from L.socketpair(L.AF_UNIX, L.SOCK_DGRAM, 2, [0, 0])
    raw = yield from pair(L, 3)
    yield from L.send(raw[0], b"abcd", 4, 0)
    yield from L.send(raw[0], b"ef", 2, 0)
    yield from L.recv(raw[1], bytearray(2), 2, 0)
    yield from L.recv(raw[1], bytearray(8), 8, 0)
    for kind in (4, 6, 10, 11, L.SOCK_DGRAM | 0x1000):
        yield from L.socketpair(L.AF_UNIX, kind, 0, [0, 0])


@both("boundaries", "Three send(2)s (11 bytes, none, 2) are three messages: recv(2) of 5 takes the first "
      "5 bytes and drops the rest, the next recv is 0 (the empty message), the next 2; then -EAGAIN.")
def ldg_boundaries(L: Any, kind: int) -> Gen:
    sv = yield from pair(L, kind)
    for data in (b"hello world", b"", b"xy"):
        yield from L.send(sv[0], data, len(data), 0)
    for _ in range(3):
        buf = bytearray(5)
        n = yield from L.recv(sv[1], buf, 5, 0)
        L.record("got", bytes(buf[: max(n, 0)]))
    yield from L.recv(sv[1], bytearray(8), 8, MSG_DONTWAIT)


@both("trunc-peek", "recv(2) with MSG_TRUNC answers the whole length (6) though 2 bytes fit; MSG_PEEK "
      "copies the head message and leaves it (twice the same), MSG_PEEK|MSG_TRUNC its length.")
def ldg_trunc_peek(L: Any, kind: int) -> Gen:
    sv = yield from pair(L, kind)
    yield from L.send(sv[0], b"abcdef", 6, 0)
    yield from L.send(sv[0], b"123", 3, 0)
    buf = bytearray(2)
    yield from L.recv(sv[1], buf, 2, MSG_TRUNC)
    L.record("trunc", bytes(buf))
    for _ in range(2):
        p = bytearray(8)
        yield from L.recv(sv[1], p, 8, MSG_PEEK)
        L.record("peek", bytes(p))
    yield from L.recv(sv[1], bytearray(1), 1, MSG_PEEK | MSG_TRUNC)
    yield from L.recv(sv[1], bytearray(8), 8, 0)


@both("zero-length", "A zero-length recv(2) takes a whole message (0, the next recv finds the one after); "
      "read(2) of 0 bytes is 0 without taking one; an empty message makes the socket readable.")
def ldg_zero_length(L: Any, kind: int) -> Gen:
    ring, sv = yield from setup(L, kind)
    yield from L.send(sv[0], b"abc", 3, 0)
    yield from L.send(sv[0], b"de", 2, 0)
    yield from L.read(sv[1], bytearray(0), 0)
    yield from L.recv(sv[1], bytearray(0), 0, 0)
    buf = bytearray(8)
    yield from L.recv(sv[1], buf, 8, 0)
    L.record("next", bytes(buf))
    yield from L.send(sv[0], b"", 0, 0)
    yield from poll_now(L, ring, sv[1], 1)
    yield from L.recv(sv[1], bytearray(8), 8, MSG_DONTWAIT)
    yield from L.recv(sv[1], bytearray(8), 8, MSG_DONTWAIT)
    yield from L.io_uring_queue_exit(ring)


@both("emsgsize", "A datagram of sndbuf - 32 bytes is sent whole and received whole; one byte more is "
      "-EMSGSIZE (send(2) and SEND); a non-blocking send while that big one is unread is -EAGAIN.")
def ldg_emsgsize(L: Any, kind: int) -> Gen:
    ring, sv = yield from setup(L, kind)
    big = bytes(SNDBUF - 32)
    yield from L.send(sv[0], big, len(big), 0)
    yield from L.send(sv[0], b"x", 1, MSG_DONTWAIT)
    yield from L.send(sv[0], bytes(SNDBUF - 31), SNDBUF - 31, 0)
    send(L, ring, sv[0], bytes(SNDBUF), SNDBUF, 0, 1)
    yield from submit_and_reap(L, ring)
    yield from L.recv(sv[1], bytearray(SNDBUF), SNDBUF, 0)
    yield from L.io_uring_queue_exit(ring)


@both("fill", "Non-blocking 100-byte sends until -EAGAIN (each skb charges its true size, 768, to the "
      "sender: 278 fit); a POLLOUT poll then waits, and fires only once the reader has drained the "
      "in-flight bytes to a quarter of the send buffer (unix_writable).")
def ldg_fill(L: Any, kind: int) -> Gen:
    ring = yield from new_ring(L)
    sv = yield from pair(L, kind, L.SOCK_NONBLOCK)
    sent = 0
    while sent < 400:
        r = yield from L.send(sv[0], bytes(100), 100, 0)
        if r != 100:
            break
        sent += 1
    L.record("sent", sent)
    poll_add(L, ring, sv[0], POLLOUT, 1)
    yield from L.io_uring_submit(ring)
    for _ in range(200):
        yield from L.recv(sv[1], bytearray(100), 100, 0)
    yield from round_trip(L, ring, 2)
    for _ in range(20):
        yield from L.recv(sv[1], bytearray(100), 100, 0)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@both("oob", "MSG_OOB: send(2), SEND and a RECV with it are -EOPNOTSUPP on a datagram socket.")
def ldg_oob(L: Any, kind: int) -> Gen:
    ring, sv = yield from setup(L, kind)
    yield from L.send(sv[0], b"z", 1, MSG_OOB)
    send(L, ring, sv[0], b"z", 1, MSG_OOB, 1)
    yield from submit_and_reap(L, ring)
    yield from L.send(sv[0], b"q", 1, 0)
    recv(L, ring, sv[1], bytearray(4), 4, MSG_OOB, 2)
    yield from submit_and_reap(L, ring)
    yield from L.recv(sv[1], bytearray(4), 4, 0)
    yield from L.io_uring_queue_exit(ring)


# -- shutdown and close ----------------------------------------------------------------------------


@both("close-peer", "The peer closes with nothing unread by it: the queued message is still read; then "
      "DGRAM finds nothing (-EAGAIN, no EOF) and its sends are -ECONNREFUSED once, then -ENOTCONN; "
      "SEQPACKET reads EOF (0) and its sends are -EPIPE.  The poll masks before and after.", ("shutdown",))
def ldg_close_peer(L: Any, kind: int) -> Gen:
    ring, sv = yield from setup(L, kind)
    yield from L.send(sv[0], b"last", 4, 0)
    yield from poll_now(L, ring, sv[1], 1)
    yield from L.close(sv[0])
    yield from poll_now(L, ring, sv[1], 2)
    for _ in range(2):
        yield from L.recv(sv[1], bytearray(8), 8, MSG_DONTWAIT)
    for _ in range(2):
        yield from L.send(sv[1], b"z", 1, MSG_DONTWAIT)
    yield from poll_now(L, ring, sv[1], 3)
    yield from L.io_uring_queue_exit(ring)


@both("close-unread", "The peer closes with a message from us unread and one to us queued: SEQPACKET's "
      "next recv is -ECONNRESET (POLLERR before it), then the message, then 0; DGRAM reads the message, "
      "and a send's -ECONNREFUSED drops what was still queued to it.", ("shutdown",))
def ldg_close_unread(L: Any, kind: int) -> Gen:
    ring, sv = yield from setup(L, kind)
    yield from L.send(sv[1], b"unread", 6, 0)
    yield from L.send(sv[0], b"one", 3, 0)
    yield from L.send(sv[0], b"two", 3, 0)
    yield from L.close(sv[0])
    yield from poll_now(L, ring, sv[1], 1)
    yield from L.recv(sv[1], bytearray(8), 8, MSG_DONTWAIT)
    yield from L.send(sv[1], b"z", 1, MSG_DONTWAIT)
    for _ in range(2):
        yield from L.recv(sv[1], bytearray(8), 8, MSG_DONTWAIT)
    yield from L.io_uring_queue_exit(ring)


@both("shutdown-wr", "SHUTDOWN SHUT_WR of one end: its sends are -EPIPE; the other end still gets the "
      "queued message, then DGRAM -EAGAIN (no mirror on the peer) and SEQPACKET EOF; the poll masks of "
      "both ends.", ("shutdown",))
def ldg_shutdown_wr(L: Any, kind: int) -> Gen:
    ring, sv = yield from setup(L, kind)
    yield from L.send(sv[1], b"msg", 3, 0)
    yield from shutdown(L, ring, sv[1], 1, 1)
    yield from L.send(sv[1], b"q", 1, MSG_DONTWAIT)
    yield from poll_now(L, ring, sv[0], 2)
    yield from poll_now(L, ring, sv[1], 3)
    for _ in range(2):
        yield from L.recv(sv[0], bytearray(8), 8, MSG_DONTWAIT)
    yield from L.io_uring_queue_exit(ring)


@both("shutdown-rd", "SHUTDOWN SHUT_RD of one end: the peer's send is -EPIPE; the end reads what was "
      "queued, then DGRAM -EAGAIN and SEQPACKET 0 (a RECV too); SHUT_RDWR sets POLLHUP on it (and, "
      "SEQPACKET, on the peer).", ("shutdown",))
def ldg_shutdown_rd(L: Any, kind: int) -> Gen:
    ring, sv = yield from setup(L, kind)
    yield from L.send(sv[0], b"q", 1, 0)
    yield from shutdown(L, ring, sv[1], 0, 1)
    yield from L.send(sv[0], b"z", 1, MSG_DONTWAIT)
    yield from L.recv(sv[1], bytearray(8), 8, MSG_DONTWAIT)
    recv(L, ring, sv[1], bytearray(8), 8, MSG_DONTWAIT, 2)
    yield from submit_and_reap(L, ring)
    yield from shutdown(L, ring, sv[1], 2, 3)
    yield from poll_now(L, ring, sv[1], 4)
    yield from poll_now(L, ring, sv[0], 5)
    yield from L.io_uring_queue_exit(ring)


# -- io_uring -----------------------------------------------------------------------------------


@both("uring-send-recv", "SENDs of 5, 0 and 3 bytes are three messages; a RECV of 2 gets 2 (the rest "
      "dropped, IORING_CQE_F_SOCK_NONEMPTY as more are queued), the next RECV 0, the last 3.", ("send", "recv"))
def ldg_uring_send_recv(L: Any, kind: int) -> Gen:
    ring, sv = yield from setup(L, kind)
    for ud, data in enumerate((b"hello", b"", b"xyz"), 1):
        send(L, ring, sv[0], data, len(data), 0, ud)
        yield from submit_and_reap(L, ring)
    for ud, n in ((4, 2), (5, 8), (6, 8)):
        buf = bytearray(n)
        recv(L, ring, sv[1], buf, n, 0, ud)
        yield from submit_and_reap(L, ring)
        L.record("buf", bytes(buf))
    yield from L.io_uring_queue_exit(ring)


@both("uring-recv-flags", "RECV with MSG_TRUNC answers the message's length (7) with 3 bytes copied; "
      "with MSG_PEEK the message stays (a second RECV gets it again); MSG_PEEK|MSG_TRUNC.", ("recv",))
def ldg_uring_recv_flags(L: Any, kind: int) -> Gen:
    ring, sv = yield from setup(L, kind)
    yield from L.send(sv[0], b"1234567", 7, 0)
    yield from L.send(sv[0], b"abcdef", 6, 0)
    buf = bytearray(3)
    recv(L, ring, sv[1], buf, 3, MSG_TRUNC, 1)
    yield from submit_and_reap(L, ring)
    L.record("trunc", bytes(buf))
    p = bytearray(4)
    recv(L, ring, sv[1], p, 4, MSG_PEEK, 2)
    yield from submit_and_reap(L, ring)
    recv(L, ring, sv[1], bytearray(2), 2, MSG_PEEK | MSG_TRUNC, 3)
    yield from submit_and_reap(L, ring)
    q = bytearray(8)
    recv(L, ring, sv[1], q, 8, 0, 4)
    yield from submit_and_reap(L, ring)
    L.record("bufs", [bytes(p), bytes(q)])
    yield from L.io_uring_queue_exit(ring)


@both("uring-recvmsg", "RECVMSG of a 6-byte message into iovecs of 2 and 2 bytes: 4, msg_flags MSG_TRUNC; "
      "with MSG_TRUNC asked: 6; a message that fits: msg_flags 0; SENDMSG of three iovecs is one message "
      "and an empty SENDMSG an empty one.", ("sendmsg", "recvmsg"))
def ldg_uring_recvmsg(L: Any, kind: int) -> Gen:
    ring, sv = yield from setup(L, kind)
    for ud, iovs in ((1, [b"ab", b"cd", b"ef"]), (2, [])):
        prep_named(L, ring, ud, "io_uring_prep_sendmsg", sv[0], L.Msghdr(iovs), 0)
        yield from submit_and_reap(L, ring)
    yield from L.send(sv[0], b"uvwxyz", 6, 0)
    yield from L.send(sv[0], b"ok", 2, 0)
    for ud, flags in ((3, 0), (4, 0), (5, MSG_TRUNC), (6, 0)):
        a, b = bytearray(2), bytearray(2)
        msg = L.Msghdr([a, b])
        recvmsg(L, ring, sv[1], msg, flags, ud)
        yield from submit_and_reap(L, ring)
        L.record("msg", [bytes(a + b), msg.msg_flags])
    yield from L.io_uring_queue_exit(ring)


@both("uring-read-write", "WRITE of 4 and 6 bytes are two messages; a READ of 3 takes 3 of the first "
      "(the rest lost); a READ of 0 bytes is 0 and takes nothing; the next READ gets the second.", ("read", "write"))
def ldg_uring_read_write(L: Any, kind: int) -> Gen:
    ring, sv = yield from setup(L, kind)
    for ud, data in ((1, b"wxyz"), (2, b"123456")):
        prep_named(L, ring, ud, "io_uring_prep_write", sv[0], data, len(data), 0)
        yield from submit_and_reap(L, ring)
    for ud, n in ((3, 3), (4, 0), (5, 16)):
        buf = bytearray(n)
        prep_named(L, ring, ud, "io_uring_prep_read", sv[1], buf, n, 0)
        yield from submit_and_reap(L, ring)
        L.record("buf", bytes(buf))
    yield from L.io_uring_queue_exit(ring)


@both("uring-recv-waits", "A RECV on an empty socket waits (a NOP round trip completes first); a send(2) "
      "completes it with that one message though two are sent; IOSQE_ASYNC RECV and SEND likewise.", ("recv", "poll"))
def ldg_uring_recv_waits(L: Any, kind: int) -> Gen:
    ring, sv = yield from setup(L, kind)
    buf = bytearray(16)
    recv(L, ring, sv[1], buf, 16, 0, 1)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 9)
    yield from L.send(sv[0], b"first", 5, 0)
    yield from L.send(sv[0], b"second", 6, 0)
    yield from reap(L, ring, 1)
    L.record("buf", bytes(buf))
    recv(L, ring, sv[1], bytearray(16), 16, 0, 2, IOSQE_ASYNC)
    yield from submit_and_reap(L, ring)
    recv(L, ring, sv[1], bytearray(16), 16, 0, 3, IOSQE_ASYNC)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 9)
    send(L, ring, sv[0], b"async", 5, 0, 4, IOSQE_ASYNC)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@both("uring-waitall", "RECV with MSG_WAITALL for 10 bytes and a 3-byte message queued, linked to a NOP: "
      "DGRAM completes with 3 and fails the link (no retry: io_net_retry); SEQPACKET keeps going and "
      "completes with 10 once a 7-byte message comes.", ("recv",))
def ldg_uring_waitall(L: Any, kind: int) -> Gen:
    ring, sv = yield from setup(L, kind)
    yield from L.send(sv[0], b"abc", 3, 0)
    buf = bytearray(10)
    recv(L, ring, sv[1], buf, 10, MSG_WAITALL, 1, IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 9)
    yield from L.send(sv[0], b"defghij", 7, 0)
    if kind == L.SOCK_SEQPACKET:
        yield from reap(L, ring, 2)
    else:
        yield from L.recv(sv[1], bytearray(8), 8, 0)
    L.record("buf", bytes(buf))
    yield from L.io_uring_queue_exit(ring)


@both("uring-send-full", "Three 100000-byte sends (the third starts below the limit, so all go); a SEND "
      "with MSG_DONTWAIT is then -EAGAIN; one without waits, still after two of the three are read (the "
      "in-flight bytes are below the limit but above a quarter of it), and completes after the third.", ("send", "poll"))
def ldg_uring_send_full(L: Any, kind: int) -> Gen:
    ring, sv = yield from setup(L, kind)
    big = bytes(100_000)
    for _ in range(3):
        yield from L.send(sv[0], big, len(big), 0)
    send(L, ring, sv[0], b"x", 1, MSG_DONTWAIT, 1)
    yield from submit_and_reap(L, ring)
    send(L, ring, sv[0], b"later", 5, 0, 2)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 9)
    yield from L.recv(sv[1], bytearray(8), 8, 0)
    yield from L.recv(sv[1], bytearray(8), 8, 0)
    yield from round_trip(L, ring, 10)
    yield from L.recv(sv[1], bytearray(8), 8, 0)
    yield from reap(L, ring, 1)
    buf = bytearray(8)
    yield from L.recv(sv[1], buf, 8, 0)
    L.record("buf", bytes(buf))
    yield from L.io_uring_queue_exit(ring)


@both("uring-pbuf", "RECV with a provided 8-byte buffer: a 12-byte message fills it and the rest is lost "
      "(8, the buffer id); a 3-byte one takes the next buffer (3).", ("recv", "pbuf"))
def ldg_uring_pbuf(L: Any, kind: int) -> Gen:
    ring, sv = yield from setup(L, kind)
    mem = bytearray(16)
    provide(L, ring, mem, 8, 2, 7, 0, 1)
    yield from submit_and_reap(L, ring)
    yield from L.send(sv[0], b"0123456789AB", 12, 0)
    yield from L.send(sv[0], b"xyz", 3, 0)
    recv_sel(L, ring, sv[1], 8, 7, 2)
    yield from submit_and_reap(L, ring)
    recv_sel(L, ring, sv[1], 8, 7, 3)
    yield from submit_and_reap(L, ring)
    L.record("mem", bytes(mem))
    yield from L.io_uring_queue_exit(ring)


@both("uring-multishot", "Multishot RECV with provided buffers: one CQE per message (5, then 4, each "
      "IORING_CQE_F_MORE, the first with SOCK_NONEMPTY), a message longer than a buffer truncated to it; "
      "an empty message ends the request (0, no F_MORE).", ("recv", "pbuf", "multishot"))
def ldg_uring_multishot(L: Any, kind: int) -> Gen:
    ring, sv = yield from setup(L, kind)
    mem = bytearray(32)
    provide(L, ring, mem, 4, 8, 3, 0, 1)
    yield from submit_and_reap(L, ring)
    yield from L.send(sv[0], b"hello", 5, 0)
    yield from L.send(sv[0], b"abcd", 4, 0)
    sqe = recv_sel(L, ring, sv[1], 0, 3, 2)
    sqe.ioprio = IORING_RECV_MULTISHOT
    yield from submit_and_reap(L, ring, 2)
    yield from L.send(sv[0], b"", 0, 0)
    yield from reap(L, ring, 1)
    L.record("mem", bytes(mem))
    yield from L.io_uring_queue_exit(ring)


@both("close-wakes-sender", "A SEND waiting for buffer space (three big messages unread) is woken when the "
      "reader closes, its messages freed: DGRAM -ECONNREFUSED, SEQPACKET -EPIPE; the next SEND is "
      "-ENOTCONN / -EPIPE.", ("send", "shutdown"))
def ldg_close_wakes_sender(L: Any, kind: int) -> Gen:
    ring, sv = yield from setup(L, kind)
    big = bytes(100_000)
    for _ in range(3):
        yield from L.send(sv[0], big, len(big), 0)
    send(L, ring, sv[0], b"x", 1, 0, 1)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 9)
    yield from L.close(sv[1])
    yield from reap(L, ring, 1)
    send(L, ring, sv[0], b"y", 1, 0, 2)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@both("uring-waitall-trunc", "RECV and RECVMSG with MSG_WAITALL of a message longer than the buffer: the "
      "buffer's length (the minimum is met) but the message was truncated, so the linked NOP is "
      "cancelled; a message that fits leaves the link alone.", ("recv", "recvmsg"))
def ldg_uring_waitall_trunc(L: Any, kind: int) -> Gen:
    ring, sv = yield from setup(L, kind)
    for _ in range(2):
        yield from L.send(sv[0], b"123456", 6, 0)
    yield from L.send(sv[0], b"ab", 2, 0)
    recv(L, ring, sv[1], bytearray(4), 4, MSG_WAITALL, 1, IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 2)
    msg = L.Msghdr([bytearray(3)])
    recvmsg(L, ring, sv[1], msg, MSG_WAITALL, 3, IOSQE_IO_LINK)
    nop(L, ring, 4)
    yield from submit_and_reap(L, ring, 2)
    L.record("msg_flags", msg.msg_flags)
    recv(L, ring, sv[1], bytearray(2), 2, MSG_WAITALL, 5, IOSQE_IO_LINK)
    nop(L, ring, 6)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("ldg-connection-calls", tags=(*TAGS, "dgram", "sock"))
def ldg_connection_calls(L: Any) -> Gen:
    """The connection calls on socketpair(2) ends: listen(2) and accept4(2) of a DGRAM socket are
    -EOPNOTSUPP, of a SEQPACKET one -EINVAL (not listening); bind(2) of an abstract name is 0; connect(2)
    of either to the name of a listening stream socket is -ECONNREFUSED (names are per socket type)."""
    path = b"\0ldg-conn-stream"
    addr, alen = L.SockaddrUn(path), 2 + len(path)
    srv = yield from L.socket(L.AF_UNIX, L.SOCK_STREAM, 0)
    yield from L.bind(srv, addr, alen)
    yield from L.listen(srv, 4)
    for kind, tag in ((L.SOCK_DGRAM, b"d"), (L.SOCK_SEQPACKET, b"s")):
        sv = yield from pair(L, kind)
        yield from L.listen(sv[0], 4)
        yield from L.accept4(sv[0], None, None, 0)
        own = b"\0ldg-conn-" + tag
        yield from L.bind(sv[1], L.SockaddrUn(own), 2 + len(own))
        yield from L.connect(sv[0], addr, alen)
        yield from L.close(sv[0])
        yield from L.close(sv[1])
    yield from L.close(srv)


# -- RECVMSG with provided buffers, multishot ------------------------------------------------------


def recvmsg_sel(L: Any, ring: Any, fd: int, msg: Any, flags: int, bgid: int, ud: int, multishot: bool = False) -> Any:
    """A RECVMSG taking a buffer of group ``bgid`` (IOSQE_BUFFER_SELECT), multishot or not."""
    sqe = recvmsg(L, ring, fd, msg, flags, ud, IOSQE_BUFFER_SELECT)
    sqe.buf_group = bgid
    if multishot:
        sqe.ioprio = IORING_RECV_MULTISHOT
    return sqe


def recvmsg_out(L: Any, mem: Any, size: int, label: str) -> None:
    """Record each ``size``-byte buffer's io_uring_recvmsg_out (namelen, controllen, payloadlen, flags)
    and the 8 bytes after it."""
    L.record(label, [[*struct.unpack_from("<IIII", mem, off), bytes(mem[off + 16 : off + 24])]
                     for off in range(0, len(mem), size)])


@both("uring-recvmsg-pbuf", "RECVMSG with a provided buffer (IOSQE_BUFFER_SELECT): with no iovec it takes a "
      "whole 8-byte buffer (a 12-byte message is cut: 8, MSG_TRUNC in msg_flags), with one iovec of 2 "
      "bytes only 2 of it; two iovecs are -EINVAL.", ("recvmsg", "pbuf"))
def ldg_uring_recvmsg_pbuf(L: Any, kind: int) -> Gen:
    ring, sv = yield from setup(L, kind)
    mem = bytearray(16)
    provide(L, ring, mem, 8, 2, 5, 0, 1)
    yield from submit_and_reap(L, ring)
    yield from L.send(sv[0], b"0123456789AB", 12, 0)
    yield from L.send(sv[0], b"xyz", 3, 0)
    msg = L.Msghdr([])
    recvmsg_sel(L, ring, sv[1], msg, 0, 5, 2)
    yield from submit_and_reap(L, ring)
    L.record("msg_flags", msg.msg_flags)
    recvmsg_sel(L, ring, sv[1], L.Msghdr([bytearray(2)]), 0, 5, 3)
    yield from submit_and_reap(L, ring)
    recvmsg_sel(L, ring, sv[1], L.Msghdr([bytearray(2), bytearray(2)]), 0, 5, 4)
    yield from submit_and_reap(L, ring)
    L.record("mem", bytes(mem))
    yield from L.io_uring_queue_exit(ring)


@both("uring-recvmsg-multishot", "Multishot RECVMSG with 32-byte provided buffers: each message lands after "
      "a 16-byte io_uring_recvmsg_out (res 16 + payload, IORING_CQE_F_MORE); a 40-byte message is cut to "
      "the 16 bytes of room (payloadlen 16, flags MSG_TRUNC); an empty message ends the request (res 16, "
      "no F_MORE).", ("recvmsg", "pbuf", "multishot"))
def ldg_uring_recvmsg_multishot(L: Any, kind: int) -> Gen:
    ring, sv = yield from setup(L, kind)
    mem = bytearray(4 * 32)
    provide(L, ring, mem, 32, 4, 6, 0, 1)
    yield from submit_and_reap(L, ring)
    yield from L.send(sv[0], b"hello", 5, 0)
    yield from L.send(sv[0], bytes(range(40)), 40, 0)
    recvmsg_sel(L, ring, sv[1], L.Msghdr([]), 0, 6, 2, multishot=True)
    yield from submit_and_reap(L, ring, 2)
    yield from L.send(sv[0], b"", 0, 0)
    yield from reap(L, ring, 1)
    recvmsg_out(L, mem, 32, "out")
    yield from L.io_uring_queue_exit(ring)


@both("uring-recvmsg-mshot-trunc", "Multishot RECVMSG with MSG_TRUNC: payloadlen is the whole datagram (40) "
      "though 16 bytes fit, and the CQE counts only what is in the buffer (32); with a name buffer of 8 "
      "bytes the payload starts 8 bytes later (namelen 0: the sender is unbound).", ("recvmsg", "pbuf", "multishot"))
def ldg_uring_recvmsg_mshot_trunc(L: Any, kind: int) -> Gen:
    ring, sv = yield from setup(L, kind)
    other = yield from pair(L, kind)
    mem = bytearray(2 * 32)
    provide(L, ring, mem, 32, 1, 6, 0, 1)
    provide(L, ring, memoryview(mem)[32:], 32, 1, 7, 1, 2)
    yield from submit_and_reap(L, ring, 2)
    yield from L.send(sv[0], bytes(range(40)), 40, 0)
    recvmsg_sel(L, ring, sv[1], L.Msghdr([]), MSG_TRUNC, 6, 3, multishot=True)
    yield from submit_and_reap(L, ring)
    yield from L.send(other[0], b"abcdefghijkl", 12, 0)
    recvmsg_sel(L, ring, other[1], L.Msghdr([], msg_name=bytearray(8), msg_namelen=8), 0, 7, 4, multishot=True)
    yield from submit_and_reap(L, ring)
    recvmsg_out(L, mem, 32, "out")
    yield from L.io_uring_queue_exit(ring)


@scenario("ldg-uring-recvmsg-mshot-errors", tags=(*TAGS, "dgram", "recvmsg", "pbuf", "multishot"))
def ldg_uring_recvmsg_mshot_errors(L: Any) -> Gen:
    """Multishot RECVMSG's checks: without IOSQE_BUFFER_SELECT or with MSG_WAITALL -EINVAL; a negative
    msg_namelen without a name -EOVERFLOW, with one -EINVAL; a provided buffer smaller than the header
    (16 + name room 20 in 32 bytes) -EFAULT when a message comes, the buffer given back."""
    ring, sv = yield from setup(L, L.SOCK_DGRAM)
    mem = bytearray(32)
    provide(L, ring, mem, 32, 1, 6, 0, 1)
    yield from submit_and_reap(L, ring)
    sqe = recvmsg(L, ring, sv[1], L.Msghdr([]), 0, 2)
    sqe.ioprio = IORING_RECV_MULTISHOT
    recvmsg_sel(L, ring, sv[1], L.Msghdr([]), MSG_WAITALL, 6, 3, multishot=True)
    recvmsg_sel(L, ring, sv[1], L.Msghdr([], msg_namelen=-1), 0, 6, 4, multishot=True)
    recvmsg_sel(L, ring, sv[1], L.Msghdr([], msg_name=bytearray(8), msg_namelen=-1), 0, 6, 5, multishot=True)
    for _ in range(4):
        yield from submit_and_reap(L, ring)
    recvmsg_sel(L, ring, sv[1], L.Msghdr([], msg_name=bytearray(20), msg_namelen=20), 0, 6, 6, multishot=True)
    yield from L.io_uring_submit(ring)
    yield from L.send(sv[0], b"x", 1, 0)
    yield from reap(L, ring, 1)
    recvmsg_sel(L, ring, sv[1], L.Msghdr([]), 0, 6, 7)
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("ldg-uring-recvmsg-multishot-stream", tags=(*TAGS, "recvmsg", "pbuf", "multishot"))
def ldg_uring_recvmsg_multishot_stream(L: Any) -> Gen:
    """Multishot RECVMSG on a stream pair: two sends queued before land in one buffer (payloadlen 8); a
    later send in the next; the peer's close ends the request (res 16: the header alone, no F_MORE)."""
    ring = yield from new_ring(L)
    sv = yield from pair(L, L.SOCK_STREAM)
    mem = bytearray(3 * 32)
    provide(L, ring, mem, 32, 3, 6, 0, 1)
    yield from submit_and_reap(L, ring)
    yield from L.send(sv[0], b"abc", 3, 0)
    yield from L.send(sv[0], b"defgh", 5, 0)
    recvmsg_sel(L, ring, sv[1], L.Msghdr([]), 0, 6, 2, multishot=True)
    yield from submit_and_reap(L, ring)
    yield from L.send(sv[0], b"ij", 2, 0)
    yield from reap(L, ring, 1)
    yield from L.close(sv[0])
    yield from reap(L, ring, 1)
    recvmsg_out(L, mem, 32, "out")
    yield from L.io_uring_queue_exit(ring)
