"""Rules the differential fuzzer's ``state2`` mode (TCP and UDP over loopback, FIFOs, inotify in odd
states; :mod:`simuring.conform.difffuzz_state2`) found the simulator breaking, each pinned on its
own; names prefixed ``fs2-``.

* RWF_NOWAIT on a file without FMODE_NOWAIT is -EOPNOTSUPP (``kiocb_set_rw_flags``) before the
  read is tried: an inotify descriptor's file (``inotify_init1`` sets no FMODE_NOWAIT) is such a
  file, as a FIFO's is (state2 seeds 48, 77, 150, 184), and a fanotify group's.
* A TCP connection whose two FINs have crossed is closed on both ends (``tcp_done``: LAST_ACK's
  side when the ACK of its FIN comes in, FIN_WAIT2's when the FIN does, ``tcp_time_wait``): a
  shutdown then answers -ENOTCONN, getpeername -ENOTCONN, poll POLLHUP (state2 seed 102).
* Found by the ``fields`` mode's sweep from seed 60000 (seed 60024): a PIPE with
  O_NOTIFICATION_PIPE is -ENOPKG, as pipe2(2)'s (``create_pipe_files``: this kernel has no watch
  queues, CONFIG_WATCH_QUEUE unset).

TCP ports 29950-29959 (below the ephemeral range, apart from the ``lin-`` and ``lud-`` ranges and the
fuzzer's 29900-29919); each observation across two sockets waits for what it observes, as the
``lin-`` scenarios do."""

from __future__ import annotations

from typing import Any

from simuring.abi.fanotify import FAN_NONBLOCK
from simuring.abi.inotify import IN_ALL_EVENTS, IN_NONBLOCK
from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import Gen, new_ring, prep_named, reap_one
from simuring.conform.scenarios.liburing_inet import (
    ALL_EVENTS,
    POLLRDHUP,
    SHUT_WR,
    closing,
    name_of,
    one,
    pair,
    poll_wait,
)

TAGS = ("liburing", "difffuzz")
PORT = 29950
RWF_NOWAIT = 0x08
SHUT_RDWR = 2
MSG_NOSIGNAL = 0x4000
O_NOTIFICATION_PIPE = 0o200  # include/uapi/linux/watch_queue.h: O_EXCL


def _readv(L: Any, ring: Any, ud: int, fd: int, buf: bytearray, rw_flags: int = 0) -> Gen:
    """A READV of ``buf`` on ``fd`` with ``rw_flags`` (``sqe->rw_flags``), reaped: its result."""
    sqe = prep_named(L, ring, ud, "io_uring_prep_readv", fd, [buf], 1, -1)
    sqe.op_flags = rw_flags
    yield from L.io_uring_submit(ring)
    got = yield from reap_one(L, ring)
    return -1 if got is None else got[1]


@scenario("fs2-inotify-rwf-nowait", tags=TAGS)
def fs2_inotify_rwf_nowait(L: Any) -> Gen:
    """An inotify descriptor's file has no FMODE_NOWAIT: READ / READV with RWF_NOWAIT are -EOPNOTSUPP,
    with nothing queued and with events queued (whatever the buffer's size); without the flag the
    read is tried: -EINVAL for a buffer too small for the first event, the events with room."""
    ring = yield from new_ring(L, 8)
    yield from L.mkdir("/fs2-w", 0o755)
    ifd = yield from L.inotify_init1(IN_NONBLOCK)
    yield from L.inotify_add_watch(ifd, "/fs2-w", IN_ALL_EVENTS)
    for ud, size in ((1, 16), (3, 4096)):
        yield from _readv(L, ring, ud, ifd, bytearray(size), RWF_NOWAIT)
    fd = yield from L.open("/fs2-w/f", L.O_CREAT | L.O_WRONLY, 0o644)
    yield from L.close(fd)
    for ud, size in ((11, 16), (13, 4096)):
        yield from _readv(L, ring, ud, ifd, bytearray(size), RWF_NOWAIT)
        got = bytearray(size)
        yield from _readv(L, ring, ud + 1, ifd, got)
    L.record("first event's wd and mask", [int.from_bytes(got[0:4], "little"), hex(int.from_bytes(got[4:8], "little"))])
    gfd = yield from L.fanotify_init(FAN_NONBLOCK, L.O_RDONLY)
    yield from _readv(L, ring, 21, gfd, bytearray(4096), RWF_NOWAIT)
    yield from closing(L, ring, ifd, gfd)


@scenario("fs2-notification-pipe", tags=TAGS)
def fs2_notification_pipe(L: Any) -> Gen:
    """O_NOTIFICATION_PIPE (O_EXCL): pipe2(2) and PIPE -ENOPKG (no watch queues in this kernel), with
    O_NONBLOCK too, and into a registered slot; a flag outside pipe2's set is -EINVAL first."""
    ring = yield from new_ring(L, 8)
    fds = [-1, -1]
    for flags in (O_NOTIFICATION_PIPE, O_NOTIFICATION_PIPE | L.O_NONBLOCK, O_NOTIFICATION_PIPE | 0o1):
        yield from L.pipe2(fds, flags)
    yield from L.io_uring_register_files_sparse(ring, 4)
    for ud, (helper, flags) in enumerate((("io_uring_prep_pipe", O_NOTIFICATION_PIPE), ("io_uring_prep_pipe", O_NOTIFICATION_PIPE | L.O_NONBLOCK)), 1):
        out = bytearray(b"\xff" * 8)
        yield from one(L, ring, ud, helper, out, flags)
        L.record("fds", out.hex())
    out = bytearray(b"\xff" * 8)
    yield from one(L, ring, 3, "io_uring_prep_pipe_direct", out, O_NOTIFICATION_PIPE, 1)
    L.record("fds", out.hex())
    yield from L.io_uring_queue_exit(ring)


def _fins_crossed(L: Any, ring: Any, port: int, second: str) -> Gen:
    """A connection whose accepted end shuts down for writing first; once the client sees the FIN
    (POLLRDHUP), the client's FIN follows by ``second`` ("shutdown" or "close").  (client, server)
    (the client -1 when closed)."""
    lfd, c, s = yield from pair(L, ring, port)
    yield from closing(L, None, lfd)
    yield from one(L, ring, 1, "io_uring_prep_shutdown", s, SHUT_WR)
    L.record("client sees the FIN", (yield from poll_wait(L, ring, 2, c, POLLRDHUP)))
    if second == "shutdown":
        yield from one(L, ring, 3, "io_uring_prep_shutdown", c, SHUT_WR)
    else:
        yield from closing(L, None, c)
        c = -1
    L.record("server sees the FIN", (yield from poll_wait(L, ring, 4, s, POLLRDHUP)))
    return c, s


def _closed_end(L: Any, ring: Any, ud: int, fd: int, label: str) -> Gen:
    """What a TCP_CLOSE end answers: its poll mask, getpeername, SHUTDOWN, RECV and SEND."""
    L.record(f"{label} poll", (yield from poll_wait(L, ring, ud, fd, ALL_EVENTS)))
    yield from name_of(L, fd, f"{label} peer", peer=True)
    yield from one(L, ring, ud + 1, "io_uring_prep_shutdown", fd, SHUT_RDWR)
    yield from one(L, ring, ud + 2, "io_uring_prep_recv", fd, bytearray(8), 8, 0)
    yield from one(L, ring, ud + 3, "io_uring_prep_send", fd, bytearray(b"late"), 4, MSG_NOSIGNAL)


@scenario("fs2-tcp-fins-crossed-shutdown", tags=(*TAGS, "inet", "net"))
def fs2_tcp_fins_crossed_shutdown(L: Any) -> Gen:
    """Both ends SHUT_WR in turn (the server first): each is then in TCP_CLOSE (the client's LAST_ACK
    ends with the ACK of its FIN, the server's FIN_WAIT2 with the client's FIN): poll POLLHUP with
    POLLIN / POLLRDHUP / POLLOUT, getpeername -ENOTCONN, a SHUTDOWN -ENOTCONN, a RECV 0, a SEND -EPIPE."""
    ring = yield from new_ring(L, 8)
    c, s = yield from _fins_crossed(L, ring, PORT, "shutdown")
    yield from _closed_end(L, ring, 10, c, "client")
    yield from _closed_end(L, ring, 20, s, "server")
    yield from closing(L, ring, c, s)


@scenario("fs2-tcp-fins-crossed-close", tags=(*TAGS, "inet", "net"))
def fs2_tcp_fins_crossed_close(L: Any) -> Gen:
    """The server SHUT_WR, then the client closes (its FIN second): the server's FIN_WAIT2 takes the
    FIN and the server is in TCP_CLOSE, as after a second SHUT_WR."""
    ring = yield from new_ring(L, 8)
    _, s = yield from _fins_crossed(L, ring, PORT + 1, "close")
    yield from _closed_end(L, ring, 20, s, "server")
    yield from closing(L, ring, s)
