"""URING_CMD socket commands (io_uring_prep_cmd_sock(3)) on AF_UNIX stream sockets and other files,
as liburing's socket-getsetsock-cmd and socket-io-cmd tests issue them over TCP; names prefixed
``lsx-``.  An AF_UNIX socket's protocol has no ``ioctl`` method, so ``io_uring_cmd_sock`` refuses
every command on it with -EOPNOTSUPP; these scenarios pin that down, with the prep checks of
``io_uring_cmd_prep`` and the answer of files that have no ``uring_cmd`` at all."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    make_file,
    new_pipe,
    new_ring,
    nop,
    prep_named,
    reap_one,
    round_trip,
    submit_and_reap,
)
from simuring.uapi import (
    IORING_URING_CMD_FIXED,
    IORING_URING_CMD_MULTISHOT,
    IOSQE_ASYNC,
    IOSQE_BUFFER_SELECT,
    IOSQE_CQE_SKIP_SUCCESS,
    IOSQE_FIXED_FILE,
    IOSQE_IO_LINK,
    SOCKET_URING_OP_GETSOCKOPT,
    SOCKET_URING_OP_SETSOCKOPT,
    SOCKET_URING_OP_SIOCINQ,
    SOCKET_URING_OP_SIOCOUTQ,
    SOCKET_URING_OP_TX_TIMESTAMP,
)

TAGS = ("liburing", "sockx")

#: <asm-generic/socket.h>
SOL_SOCKET = 1
SO_TYPE = 3
SO_ERROR = 4
SO_SNDBUF = 7
SO_RCVBUF = 8
SO_ACCEPTCONN = 30
SO_PROTOCOL = 38
SO_DOMAIN = 39


def socketpair(L: Any) -> Gen:
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)
    return sv


def peer_and_close(L: Any, ring: Any, label: str, reader: int, *fds: int) -> Gen:
    """Record what a non-blocking recv(2) on ``reader`` gets (the bytes left queued), close ``fds``
    and the ring."""
    L.record(label, (yield from L.recv(reader, bytearray(16), 16, 0x40)))
    for fd in fds:
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


def cmd(L: Any, ring: Any, ud: int, cmd_op: int, fd: int, optname: int = 0, sqe_flags: int = 0, **fields: Any) -> Any:
    """Queue a URING_CMD from ``io_uring_prep_cmd_sock`` at SOL_SOCKET with a 4-byte option buffer;
    ``fields`` are then set on the SQE."""
    sqe = prep_named(
        L, ring, ud, "io_uring_prep_cmd_sock", cmd_op, fd, SOL_SOCKET, optname, bytearray(4), 4,
        sqe_flags=sqe_flags,
    )  # fmt: skip
    for name, value in fields.items():
        setattr(sqe, name, value)
    return sqe


def one_cmd(L: Any, ring: Any, ud: int, cmd_op: int, fd: int, optname: int = 0, **fields: Any) -> Gen:
    """Submit one socket command and reap its CQE."""
    cmd(L, ring, ud, cmd_op, fd, optname, **fields)
    yield from L.io_uring_submit(ring)
    yield from reap_one(L, ring)


def getsockopt(L: Any, ring: Any, ud: int, fd: int, optname: int, optlen: int = 4, level: int = SOL_SOCKET) -> Gen:
    """A GETSOCKOPT into a fresh 8-byte buffer (0xee bytes); the CQE and the buffer are recorded."""
    buf = bytearray(b"\xee" * 8)
    prep_named(L, ring, ud, "io_uring_prep_cmd_sock", SOCKET_URING_OP_GETSOCKOPT, fd, level, optname, buf, optlen)
    yield from L.io_uring_submit(ring)
    yield from reap_one(L, ring)
    L.record(f"optval {ud}", bytes(buf))


def setsockopt(L: Any, ring: Any, ud: int, fd: int, optname: int, value: Any, optlen: int = 4, level: int = SOL_SOCKET) -> Gen:
    """A SETSOCKOPT of ``value`` (an int as 8 little-endian bytes, or a buffer / None as given)."""
    buf = value.to_bytes(8, "little", signed=True) if isinstance(value, int) else value
    prep_named(L, ring, ud, "io_uring_prep_cmd_sock", SOCKET_URING_OP_SETSOCKOPT, fd, level, optname, buf, optlen)
    yield from L.io_uring_submit(ring)
    yield from reap_one(L, ring)


@scenario("lsx-cmd-sock-ioctl", tags=(*TAGS, "net", "socket"))
def lsx_cmd_sock_ioctl(L: Any) -> Gen:
    """SIOCINQ and SIOCOUTQ on a connected AF_UNIX stream socket holding 5 unread bytes each way, TX_TIMESTAMP
    and an unknown cmd_op (99, 0xffffffff): SIOCINQ / SIOCOUTQ are -EOPNOTSUPP (``io_uring_cmd_sock``
    asks the protocol's ``ioctl``, which AF_UNIX's ``struct proto`` lacks: unlike ioctl(2), which
    goes through ``unix_ioctl``), TX_TIMESTAMP on a ring without CQE32 -EINVAL, the unknown ones
    -EOPNOTSUPP; inline and forced async (IOSQE_ASYNC) alike; the data is still queued afterwards."""
    ring = yield from new_ring(L, 16)
    a, b = yield from socketpair(L)
    yield from L.send(a, b"hello", 5, 0)
    yield from L.send(b, b"world", 5, 0)
    for ud, op in enumerate((SOCKET_URING_OP_SIOCINQ, SOCKET_URING_OP_SIOCOUTQ, SOCKET_URING_OP_TX_TIMESTAMP, 99, (1 << 32) - 1), 1):
        yield from one_cmd(L, ring, ud, op, a)
    cmd(L, ring, 20, SOCKET_URING_OP_SIOCINQ, b, sqe_flags=IOSQE_ASYNC)
    cmd(L, ring, 21, SOCKET_URING_OP_SIOCOUTQ, b, sqe_flags=IOSQE_ASYNC)
    yield from submit_and_reap(L, ring, 2)
    yield from peer_and_close(L, ring, "unread", b, a, b)


@scenario("lsx-cmd-getsockopt", tags=(*TAGS, "net", "socket"))
def lsx_cmd_getsockopt(L: Any) -> Gen:
    """GETSOCKOPT at SOL_SOCKET on an AF_UNIX stream socket: the result is the length written (as
    getsockopt(2)'s ``optlen`` after the call) and the value lands in ``optval``: SO_TYPE (SOCK_STREAM),
    SO_ERROR, SO_SNDBUF and SO_RCVBUF (the defaults), SO_DOMAIN, SO_PROTOCOL, SO_ACCEPTCONN; a length of 8
    writes 4 bytes (result 4), 2 writes 2, 0 writes nothing (0), a negative one -EINVAL; an unknown
    option -ENOPROTOOPT; a level other than SOL_SOCKET -EOPNOTSUPP; forced async the same."""
    ring = yield from new_ring(L, 8)
    a, b = yield from socketpair(L)
    ud = 1
    for name in (SO_TYPE, SO_ERROR, SO_SNDBUF, SO_RCVBUF, SO_DOMAIN, SO_PROTOCOL, SO_ACCEPTCONN):
        yield from getsockopt(L, ring, ud, a, name)
        ud += 1
    for optlen in (8, 2, 0, -1):
        yield from getsockopt(L, ring, ud, a, SO_TYPE, optlen)
        ud += 1
    yield from getsockopt(L, ring, ud, a, 9999)
    yield from getsockopt(L, ring, ud + 1, a, SO_TYPE, level=6)
    yield from getsockopt(L, ring, ud + 2, a, 9999, -1)
    buf = bytearray(4)
    cmd(L, ring, 30, SOCKET_URING_OP_GETSOCKOPT, b, SO_TYPE, sqe_flags=IOSQE_ASYNC, optval=buf)
    yield from submit_and_reap(L, ring, 1)
    L.record("async optval", bytes(buf))
    for fd in (a, b):
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsx-cmd-setsockopt", tags=(*TAGS, "net", "socket"))
def lsx_cmd_setsockopt(L: Any) -> Gen:
    """SETSOCKOPT at SOL_SOCKET on an AF_UNIX stream socket (0 on success), read back with GETSOCKOPT:
    SO_SNDBUF 10000 doubles it, SO_SNDBUF 1 gives the minimum, SO_RCVBUF 50000 doubles it; an
    ``optlen`` under 4 -EINVAL, a missing ``optval`` -EFAULT; a level other than SOL_SOCKET -EOPNOTSUPP
    (AF_UNIX has no ``setsockopt`` of its own); a read-only option (SO_TYPE) -ENOPROTOOPT."""
    ring = yield from new_ring(L, 8)
    a, b = yield from socketpair(L)
    yield from setsockopt(L, ring, 1, a, SO_SNDBUF, 10000)
    yield from getsockopt(L, ring, 2, a, SO_SNDBUF)
    yield from setsockopt(L, ring, 3, a, SO_SNDBUF, 1)
    yield from getsockopt(L, ring, 4, a, SO_SNDBUF)
    yield from setsockopt(L, ring, 5, a, SO_RCVBUF, 50000)
    yield from getsockopt(L, ring, 6, a, SO_RCVBUF)
    yield from setsockopt(L, ring, 7, a, SO_SNDBUF, 10000, optlen=3)
    yield from setsockopt(L, ring, 8, a, SO_SNDBUF, None)
    yield from setsockopt(L, ring, 9, a, SO_SNDBUF, 10000, level=6)
    yield from setsockopt(L, ring, 10, a, SO_TYPE, 2)
    yield from setsockopt(L, ring, 11, a, 9999, 2)
    for fd in (a, b):
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsx-cmd-sock-unconnected", tags=(*TAGS, "net", "socket"))
def lsx_cmd_sock_unconnected(L: Any) -> Gen:
    """On a fresh AF_UNIX stream socket: SIOCINQ -EOPNOTSUPP, GETSOCKOPT SO_TYPE and SO_ACCEPTCONN answer;
    a failed command fails its link (the NOP is -ECANCELED), a successful one does not."""
    ring = yield from new_ring(L, 8)
    s = yield from L.socket(L.AF_UNIX, L.SOCK_STREAM, 0)
    yield from one_cmd(L, ring, 1, SOCKET_URING_OP_SIOCINQ, s)
    yield from getsockopt(L, ring, 2, s, SO_ACCEPTCONN)
    cmd(L, ring, 3, SOCKET_URING_OP_SIOCOUTQ, s, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 4)
    cmd(L, ring, 5, SOCKET_URING_OP_GETSOCKOPT, s, SO_TYPE, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 6)
    yield from submit_and_reap(L, ring, 4)
    yield from L.close(s)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsx-cmd-other-files", tags=(*TAGS, "net"))
def lsx_cmd_other_files(L: Any) -> Gen:
    """A socket command on files that are not sockets: a pipe's ends and a regular file have no
    ``uring_cmd`` method (-EOPNOTSUPP, not -ENOTSOCK); a closed descriptor is -EBADF, a registered
    slot of a socket -EOPNOTSUPP like the descriptor."""
    ring = yield from new_ring(L, 8)
    r, w = yield from new_pipe(L)
    path = "/lsx-cmd-file"
    yield from make_file(L, path, b"abc")
    f = yield from L.open(path, L.O_RDONLY, 0)
    yield from one_cmd(L, ring, 1, SOCKET_URING_OP_SIOCINQ, r)
    yield from one_cmd(L, ring, 2, SOCKET_URING_OP_GETSOCKOPT, w, SO_TYPE)
    yield from one_cmd(L, ring, 3, SOCKET_URING_OP_SIOCINQ, f)
    yield from one_cmd(L, ring, 4, SOCKET_URING_OP_SIOCINQ, 1000)
    a, b = yield from socketpair(L)
    yield from L.io_uring_register_files(ring, [a], 1)
    yield from one_cmd(L, ring, 5, SOCKET_URING_OP_SIOCINQ, 0, flags=IOSQE_FIXED_FILE)
    yield from one_cmd(L, ring, 6, SOCKET_URING_OP_SIOCINQ, 1, flags=IOSQE_FIXED_FILE)
    for fd in (r, w, f, a, b):
        yield from L.close(fd)
    yield from L.unlink(path)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsx-cmd-sqe-fields", tags=(*TAGS, "net", "sqe"))
def lsx_cmd_sqe_fields(L: Any) -> Gen:
    """``io_uring_cmd_prep`` on a socket: the high half of ``off`` (``__pad1``) non-zero is -EINVAL; a
    ``uring_cmd_flags`` bit outside IORING_URING_CMD_MASK -EINVAL; FIXED with MULTISHOT -EINVAL;
    MULTISHOT without IOSQE_BUFFER_SELECT -EINVAL, BUFFER_SELECT without MULTISHOT too; FIXED alone
    (any ``buf_index``) passes prep and the command is -EOPNOTSUPP; the fields the helper leaves for
    the command (``len``, ``ioprio``, ``addr``) pass prep; a prep error comes before the file's
    (-EINVAL, not -EBADF, on a closed descriptor)."""
    ring = yield from new_ring(L, 8)
    a, b = yield from socketpair(L)
    op = SOCKET_URING_OP_SIOCINQ
    yield from one_cmd(L, ring, 1, op, a, off=1 << 32)
    yield from one_cmd(L, ring, 2, op, a, uring_cmd_flags=4)
    yield from one_cmd(L, ring, 3, op, a, uring_cmd_flags=1 << 31)
    yield from one_cmd(L, ring, 4, op, a, uring_cmd_flags=IORING_URING_CMD_FIXED | IORING_URING_CMD_MULTISHOT)
    yield from one_cmd(L, ring, 5, op, a, uring_cmd_flags=IORING_URING_CMD_MULTISHOT)
    yield from one_cmd(L, ring, 6, op, a, flags=IOSQE_BUFFER_SELECT)
    yield from one_cmd(L, ring, 7, op, a, uring_cmd_flags=IORING_URING_CMD_FIXED, buf_index=77)
    yield from one_cmd(L, ring, 8, op, a, len=64)
    yield from one_cmd(L, ring, 9, op, a, ioprio=3)
    yield from one_cmd(L, ring, 10, op, a, addr=(1 << 64) - 1)
    yield from one_cmd(L, ring, 11, op, a, addr3=(1 << 64) - 1)
    yield from one_cmd(L, ring, 12, op, a, personality=0)
    yield from one_cmd(L, ring, 13, op, 1000, off=1 << 40)
    for fd in (a, b):
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsx-cmd-sndbuf-limits-send", tags=(*TAGS, "net", "socket"))
def lsx_cmd_sndbuf_limits_send(L: Any) -> Gen:
    """A send buffer shrunk with SETSOCKOPT SO_SNDBUF (1: the minimum, 4608) bounds what one non-blocking
    send(2) queues: 20000 bytes offered, fewer taken; a second send then fails -EAGAIN; once the peer
    read everything, SETSOCKOPT SO_SNDBUF 100000 lets a 20000-byte send through whole."""
    ring = yield from new_ring(L, 8)
    a, b = yield from socketpair(L)
    yield from setsockopt(L, ring, 1, a, SO_SNDBUF, 1)
    data = bytes(20000)
    L.record("first", (yield from L.send(a, data, 20000, 0x40)))
    L.record("second", (yield from L.send(a, data, 20000, 0x40)))
    buf = bytearray(65536)
    total = 0
    while True:
        n = yield from L.recv(b, buf, 65536, 0x40)
        if n <= 0:
            break
        total += n
    L.record("drained", total)
    yield from setsockopt(L, ring, 2, a, SO_SNDBUF, 100000)
    L.record("third", (yield from L.send(a, data, 20000, 0x40)))
    for fd in (a, b):
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


# -- SEND_ZC / SENDMSG_ZC -------------------------------------------------------------------


def zc_one(L: Any, ring: Any, ud: int, helper: str, *args: Any, sqe_flags: int = 0, **fields: Any) -> Gen:
    """Submit one zero-copy send (``fields`` set on its SQE), then a NOP round trip: the CQEs show the
    send's result and flags and whether a notification followed."""
    sqe = prep_named(L, ring, ud, helper, *args, sqe_flags=sqe_flags)
    for name, value in fields.items():
        setattr(sqe, name, value)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 99)


@scenario("lsx-zc-unix", tags=(*TAGS, "net", "socket"))
def lsx_zc_unix(L: Any) -> Gen:
    """SEND_ZC and SENDMSG_ZC on a connected AF_UNIX stream socket: the socket does not support zero
    copy (no SOCK_SUPPORT_ZC), so the send fails with -EOPNOTSUPP, its CQE carries IORING_CQE_F_MORE and
    a notification CQE (res 0, IORING_CQE_F_NOTIF, same user_data) follows; nothing reaches the peer;
    forced async the same; linked, the failure cancels the next request, whose CQE comes before the
    notification."""
    ring = yield from new_ring(L, 16)
    a, b = yield from socketpair(L)
    yield from zc_one(L, ring, 1, "io_uring_prep_send_zc", a, b"hello", 5, 0, 0)
    yield from zc_one(L, ring, 2, "io_uring_prep_sendmsg_zc", a, L.Msghdr([b"hel", b"lo"]), 0)
    for ud, helper, args in (
        (3, "io_uring_prep_send_zc", (a, b"hello", 5, 0, 0)),
        (4, "io_uring_prep_sendmsg_zc", (a, L.Msghdr([b"x"]), 0)),
    ):
        prep_named(L, ring, ud, helper, *args, sqe_flags=IOSQE_ASYNC)
        yield from L.io_uring_submit(ring)
        yield from reap_one(L, ring)  # from io-wq: the send's CQE, then its notification
        yield from reap_one(L, ring)
    prep_named(L, ring, 5, "io_uring_prep_send_zc", a, b"hello", 5, 0, 0, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 6)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 99)
    yield from peer_and_close(L, ring, "peer", b, a, b)


@scenario("lsx-zc-sqe-fields", tags=(*TAGS, "net", "sqe"))
def lsx_zc_sqe_fields(L: Any) -> Gen:
    """SEND_ZC prep checks (``io_send_zc_prep``) on an AF_UNIX socket, and which errors still bring the
    notification: a non-zero ``addr3`` or IOSQE_CQE_SKIP_SUCCESS fail before the notification exists
    (-EINVAL alone); a zc flag outside the valid ones fails after (-EINVAL with F_MORE, then the
    notification), so do a destination address longer than a sockaddr_storage (-EINVAL) and a non-zero high half of
    ``file_index`` (-EINVAL); IORING_SEND_ZC_REPORT_USAGE makes the notification's res IORING_NOTIF_USAGE_ZC_COPIED;
    POLL_FIRST, FIXED_BUF with an unregistered index, MSG_* flags, an address length in ``file_index``
    reach the socket (-EOPNOTSUPP); a pipe is -ENOTSOCK, a closed descriptor -EBADF; IOSQE_BUFFER_SELECT
    -EOPNOTSUPP at submission."""
    ring = yield from new_ring(L, 16)
    a, b = yield from socketpair(L)
    r, w = yield from new_pipe(L)
    cases: tuple[tuple[int, int, int, int, dict[str, Any]], ...] = (
        (a, 0, 1 << 7, 0, {}),
        (a, 0, 1 << 4, 0, {}),
        (a, 0, 0, 0, {"file_index": 1 << 16}),
        (a, 0, 0, 0, {"addr2": bytearray(16), "file_index": 200}),
        (a, 0, 0, 0, {"addr2": bytearray(16), "file_index": 16}),
        (a, 0, 1 << 3, 0, {}),
        (a, 0, 1 << 2, 0, {"buf_index": 3}),
        (a, 0, 1 << 0, 0, {}),
        (a, 0, 0, 0, {"addr3": 8}),
        (a, 0, 1 << 7, 0, {"addr3": 8}),
        (a, 0, 0, IOSQE_CQE_SKIP_SUCCESS, {}),
        (a, 0, 0, 0, {"file_index": 1}),
        (a, 0x4000 | 0x40, 0, 0, {}),
        (w, 0, 0, 0, {}),
        (1000, 0, 0, 0, {}),
        (a, 0, 0, IOSQE_BUFFER_SELECT, {}),
        (a, 0, 0, 0, {"len": 100}),
    )
    for ud, (fd, flags, zc, sqe_flags, fields) in enumerate(cases, 1):
        yield from zc_one(L, ring, ud, "io_uring_prep_send_zc", fd, b"hello", 5, flags, zc, sqe_flags=sqe_flags, **fields)
    for fd in (a, b, r, w):
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsx-zc-sendmsg-fields", tags=(*TAGS, "net", "sqe"))
def lsx_zc_sendmsg_fields(L: Any) -> Gen:
    """SENDMSG_ZC prep checks: a non-zero ``addr2`` or ``file_index`` (-EINVAL, after the notification
    exists), an unreadable msghdr (-EFAULT), a zc flag outside the valid ones; on a pipe -ENOTSOCK."""
    ring = yield from new_ring(L, 16)
    a, b = yield from socketpair(L)
    r, w = yield from new_pipe(L)
    msg = L.Msghdr([b"abc"])
    yield from zc_one(L, ring, 1, "io_uring_prep_sendmsg_zc", a, msg, 0, off=8)
    yield from zc_one(L, ring, 2, "io_uring_prep_sendmsg_zc", a, msg, 0, file_index=1)
    yield from zc_one(L, ring, 3, "io_uring_prep_sendmsg_zc", a, msg, 0, addr=0)
    yield from zc_one(L, ring, 4, "io_uring_prep_sendmsg_zc", a, msg, 0, ioprio=1 << 7)
    yield from zc_one(L, ring, 5, "io_uring_prep_sendmsg_zc", w, msg, 0)
    yield from zc_one(L, ring, 6, "io_uring_prep_sendmsg_zc", a, msg, 0, addr3=8)
    for fd in (a, b, r, w):
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


# -- RECV / RECVMSG flags -------------------------------------------------------------------

MSG_PEEK = 0x02
MSG_TRUNC = 0x20
MSG_DONTWAIT = 0x40
MSG_WAITALL = 0x100
MSG_CMSG_CLOEXEC = 0x40000000


def recv_one(L: Any, ring: Any, ud: int, fd: int, n: int, flags: int, label: str) -> Gen:
    """A RECV of up to ``n`` bytes with ``flags`` into a fresh buffer, reaped; the bytes it holds
    afterwards are recorded under ``label``."""
    buf = bytearray(b"." * n)
    prep_named(L, ring, ud, "io_uring_prep_recv", fd, buf, n, flags)
    yield from L.io_uring_submit(ring)
    yield from reap_one(L, ring)
    L.record(label, bytes(buf))


@scenario("lsx-recv-peek-trunc", tags=(*TAGS, "net", "socket"))
def lsx_recv_peek_trunc(L: Any) -> Gen:
    """RECV flags on an AF_UNIX stream socket holding "hello world" (two sends): MSG_PEEK copies without
    consuming (a peek of 5, then of 64 across both skbs, each leaving the data queued), MSG_TRUNC on a
    stream socket, MSG_CMSG_CLOEXEC (no effect without SCM_RIGHTS), MSG_PEEK | MSG_DONTWAIT on an empty
    socket (-EAGAIN); whatever stays queued is read back with recv(2) at the end."""
    ring = yield from new_ring(L, 8)
    a, b = yield from socketpair(L)
    yield from L.send(a, b"hello", 5, 0)
    yield from L.send(a, b" world", 6, 0)
    yield from recv_one(L, ring, 1, b, 5, MSG_PEEK, "peek 5")
    yield from recv_one(L, ring, 2, b, 16, MSG_PEEK, "peek 16")
    yield from recv_one(L, ring, 3, b, 3, MSG_TRUNC, "trunc 3")
    yield from recv_one(L, ring, 4, b, 2, MSG_CMSG_CLOEXEC, "cloexec 2")
    yield from recv_one(L, ring, 5, b, 16, MSG_PEEK | MSG_TRUNC, "peek trunc")
    yield from recv_one(L, ring, 6, b, 16, 0, "rest")
    yield from recv_one(L, ring, 7, b, 4, MSG_PEEK | MSG_DONTWAIT, "empty peek")
    yield from L.send(a, b"xyz", 3, 0)
    msg = L.Msghdr([bytearray(2), bytearray(4)])
    prep_named(L, ring, 8, "io_uring_prep_recvmsg", b, msg, MSG_PEEK)
    yield from L.io_uring_submit(ring)
    yield from reap_one(L, ring)
    yield from peer_and_close(L, ring, "left", b, a, b)


@scenario("lsx-recv-peek-wait", tags=(*TAGS, "net", "socket"))
def lsx_recv_peek_wait(L: Any) -> Gen:
    """A RECV with MSG_PEEK on an empty AF_UNIX stream socket waits (a NOP round trip completes first);
    a send(2) completes it with the bytes, which stay queued (IORING_CQE_F_SOCK_NONEMPTY); a RECV with
    MSG_WAITALL of 8 bytes then gathers the 3 queued and two later sends of 2 and 3; forced async a
    MSG_PEEK waits in io-wq the same way."""
    ring = yield from new_ring(L, 8)
    a, b = yield from socketpair(L)
    buf = bytearray(b"." * 8)
    prep_named(L, ring, 1, "io_uring_prep_recv", b, buf, 8, MSG_PEEK)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 99)
    yield from L.send(a, b"abc", 3, 0)
    yield from reap_one(L, ring)
    L.record("peeked", bytes(buf))
    wbuf = bytearray(b"." * 8)
    prep_named(L, ring, 2, "io_uring_prep_recv", b, wbuf, 8, MSG_WAITALL)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 98)
    yield from L.send(a, b"de", 2, 0)
    yield from round_trip(L, ring, 97)
    yield from L.send(a, b"fgh", 3, 0)
    yield from reap_one(L, ring)
    L.record("waitall", bytes(wbuf))
    abuf = bytearray(b"." * 4)
    prep_named(L, ring, 3, "io_uring_prep_recv", b, abuf, 4, MSG_PEEK, sqe_flags=IOSQE_ASYNC)
    yield from L.io_uring_submit(ring)
    yield from L.nanosleep(20_000_000)
    yield from L.send(a, b"ij", 2, 0)
    yield from reap_one(L, ring)
    L.record("async peek", bytes(abuf))
    yield from peer_and_close(L, ring, "left", b, a, b)
