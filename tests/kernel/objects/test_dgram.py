"""AF_UNIX SOCK_DGRAM / SOCK_SEQPACKET pairs (UnixDgramSocket; net/unix/af_unix.c) as syscalls and
through io_uring.

Each test pins one rule the model must keep: whole messages (a short buffer truncates, MSG_TRUNC
answers the length), the skb true size that bounds the in-flight bytes, the close and shutdown rules
that differ between the two types, a blocking receive's EOF on a socket shut for reading, and that
no SQE field value makes the simulator raise.
"""

from __future__ import annotations

import struct

import pytest

from simuring.abi.errno import (
    EAGAIN,
    ECONNREFUSED,
    ECONNRESET,
    EINVAL,
    EMSGSIZE,
    ENOBUFS,
    ENOTCONN,
    EOPNOTSUPP,
    EOVERFLOW,
    EPIPE,
)
from simuring.abi.io_uring import (
    IORING_CQE_BUFFER_SHIFT,
    IORING_CQE_F_BUFFER,
    IORING_CQE_F_MORE,
    IORING_RECV_MULTISHOT,
    IOSQE_BUFFER_SELECT,
)
from simuring.abi.posix import Msghdr
from simuring.kernel.objects.socket import (
    UnixDgramSocket,
    UnixSeqpacketSocket,
    dgram_frags,
    dgram_truesize,
)
from simuring.liburing import (
    io_uring_prep_provide_buffers,
    io_uring_prep_read,
    io_uring_prep_recv,
    io_uring_prep_recvmsg,
    io_uring_prep_send,
    io_uring_prep_shutdown,
    io_uring_submit,
)
from simuring.syscalls import close, recv, send, socketpair
from tests.helpers.procs import fd_object
from tests.helpers.ring import reap_flags
from tests.opcodes.test_openclose_sync import queue, run

AF_UNIX, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_NONBLOCK = 1, 2, 5, 0o4000
MSG_OOB, MSG_PEEK, MSG_TRUNC, MSG_DONTWAIT, MSG_WAITALL = 0x01, 0x02, 0x20, 0x40, 0x100
TYPES = pytest.mark.parametrize("kind", [SOCK_DGRAM, SOCK_SEQPACKET])


def pair(kind, flags=0):
    sv = [0, 0]
    assert (yield from socketpair(AF_UNIX, kind | flags, 0, sv)) == 0
    return sv


def one(ring, prep, *args, ud=1, **fields):
    queue(ring, prep, *args, ud=ud, **fields)
    yield from io_uring_submit(ring)
    return (yield from reap_flags(ring, 1))[0]


@pytest.mark.parametrize("n,expected", [(0, 768), (100, 768), (193, 1280), (3777, 8448), (16064, 16640),
                                        (16065, 20736), (212960, 332032)])
def test_truesize_matches_the_kernel(n, expected):
    """SIOCOUTQ after one send of n bytes, measured on Linux 6.18."""
    assert dgram_truesize(n, dgram_frags(n)) == expected


@TYPES
def test_messages_keep_their_boundaries(runner, kind):
    def body(ring):
        a, b = yield from pair(kind)
        assert isinstance(fd_object(a), UnixDgramSocket)
        assert isinstance(fd_object(a), UnixSeqpacketSocket) == (kind == SOCK_SEQPACKET)
        for data in (b"hello world", b"", b"xy"):
            assert (yield from send(a, data, len(data), 0)) == len(data)
        out = []
        for n, flags in ((5, 0), (8, 0), (1, MSG_TRUNC), (8, MSG_DONTWAIT)):
            buf = bytearray(n)
            out.append(((yield from recv(b, buf, n, flags)), bytes(buf)))
        return {"out": out}

    assert run(runner, body)["out"] == [(5, b"hello"), (0, b"\0" * 8), (2, b"x"), (-EAGAIN, b"\0" * 8)]


@TYPES
def test_io_uring_truncation_and_msg_flags(runner, kind):
    def body(ring):
        a, b = yield from pair(kind)
        out = []
        out.append((yield from one(ring, io_uring_prep_send, a, b"abcdef", 6, 0)))
        out.append((yield from one(ring, io_uring_prep_send, a, b"xyz", 3, 0)))
        parts = [bytearray(2), bytearray(2)]
        msg = Msghdr(parts)
        out.append((yield from one(ring, io_uring_prep_recvmsg, b, msg, 0, ud=2)))
        out.append((bytes(parts[0] + parts[1]), msg.msg_flags))
        buf = bytearray(2)
        out.append((yield from one(ring, io_uring_prep_recv, b, buf, 2, MSG_TRUNC | MSG_PEEK, ud=3)))
        out.append((yield from one(ring, io_uring_prep_read, b, bytearray(8), 8, 0, ud=4)))
        return {"out": out}

    assert run(runner, body)["out"] == [
        (1, 6, 0), (1, 3, 0), (2, 4, 0), (b"abcd", MSG_TRUNC), (3, 3, 0), (4, 3, 0),
    ]


@TYPES
def test_send_limits(runner, kind):
    def body(ring):
        a, b = yield from pair(kind, SOCK_NONBLOCK)
        out = [(yield from send(a, b"x", 1, MSG_OOB)), (yield from send(a, bytes(212961), 212961, 0))]
        sent = 0
        while (yield from send(a, bytes(100), 100, 0)) == 100:
            sent += 1
        out.append(sent)
        out.append((yield from recv(b, bytearray(4), 4, MSG_OOB)))
        return {"out": out}

    assert run(runner, body)["out"] == [-EOPNOTSUPP, -EMSGSIZE, 278, -EOPNOTSUPP]


@TYPES
def test_peer_close(runner, kind):
    def body(ring):
        a, b = yield from pair(kind)
        yield from send(b, b"unread", 6, 0)
        yield from send(a, b"one", 3, 0)
        yield from close(a)
        out = []
        for _ in range(3):
            out.append((yield from recv(b, bytearray(8), 8, MSG_DONTWAIT)))
        for _ in range(2):
            out.append((yield from send(b, b"z", 1, MSG_DONTWAIT)))
        return {"out": out}

    got = run(runner, body)["out"]
    if kind == SOCK_DGRAM:
        assert got == [3, -EAGAIN, -EAGAIN, -ECONNREFUSED, -ENOTCONN]
    else:
        assert got == [-ECONNRESET, 3, 0, -EPIPE, -EPIPE]


@TYPES
def test_shutdown_read_side(runner, kind):
    """SHUT_RD: the peer's send is -EPIPE; a non-blocking receive then finds -EAGAIN (DGRAM) or EOF
    (SEQPACKET); a waiting RECV (io-wq, no MSG_DONTWAIT) gets 0 for both."""

    def body(ring):
        a, b = yield from pair(kind)
        out = [(yield from one(ring, io_uring_prep_shutdown, b, 0))]
        out.append((yield from send(a, b"z", 1, MSG_DONTWAIT)))
        out.append((yield from recv(b, bytearray(8), 8, MSG_DONTWAIT)))
        out.append((yield from recv(b, bytearray(8), 8, 0)))
        return {"out": out}

    got = run(runner, body)["out"]
    assert got[:2] == [(1, 0, 0), -EPIPE]
    assert got[2:] == ([-EAGAIN, 0] if kind == SOCK_DGRAM else [0, 0])


@TYPES
def test_sqe_fields_never_raise(runner, kind):
    """Odd flags, lengths and types on SEND / RECV / RECVMSG of a datagram socket: -errno CQEs."""

    def body(ring):
        a, b = yield from pair(kind, SOCK_NONBLOCK)
        res = []
        for ud, (prep, args, fields) in enumerate((
            (io_uring_prep_send, (a, b"abc", 3, 0xFFFF_FFFF), {}),
            (io_uring_prep_send, (a, b"abc", 3, -1), {}),
            (io_uring_prep_recv, (b, bytearray(4), 4, MSG_WAITALL | MSG_TRUNC | MSG_PEEK | MSG_DONTWAIT), {}),
            (io_uring_prep_recv, (b, bytearray(4), 1 << 40, MSG_DONTWAIT), {}),
            (io_uring_prep_recv, (b, None, 4, MSG_DONTWAIT), {}),
            (io_uring_prep_recvmsg, (b, Msghdr([bytearray(2)]), MSG_TRUNC | MSG_DONTWAIT), {}),
            (io_uring_prep_send, (a, b"abc", 3, 0), {"addr2": 5, "file_index": 110}),
            (io_uring_prep_recv, (b, bytearray(4), 4, 0), {"op_flags": "x"}),
            (io_uring_prep_send, (a, b"abc", 3, 0), {"len": -5}),
        ), 1):
            res.append((yield from one(ring, prep, *args, ud=ud, **fields))[1])
        return {"res": res}

    res = run(runner, body)["res"]
    assert all(isinstance(r, int) for r in res)


def test_multishot_recvmsg_writes_the_recvmsg_out_header(runner):
    """IORING_RECV_MULTISHOT on RECVMSG with provided buffers: header, then payload; a datagram cut
    to the room has MSG_TRUNC in the header's flags; with no buffer left the request ends (-ENOBUFS)."""

    def body(ring):
        a, b = yield from pair(SOCK_DGRAM)
        mem = bytearray(64)
        out = [(yield from one(ring, io_uring_prep_provide_buffers, mem, 32, 2, 3, 0))]
        yield from send(a, b"hello", 5, 0)
        yield from send(a, bytes(40), 40, 0)
        queue(ring, io_uring_prep_recvmsg, b, Msghdr([]), 0, ud=2, sqe_flags=IOSQE_BUFFER_SELECT,
              buf_group=3, ioprio=IORING_RECV_MULTISHOT)
        yield from io_uring_submit(ring)
        out += (yield from reap_flags(ring, 3))
        out.append([struct.unpack_from("<IIII", mem, off) for off in (0, 32)])
        out.append(bytes(mem[16:21]))
        return {"out": out}

    more, shift = IORING_CQE_F_MORE, IORING_CQE_BUFFER_SHIFT
    assert run(runner, body)["out"] == [
        (1, 0, 0),
        (2, 21, more | IORING_CQE_F_BUFFER),
        (2, 32, more | IORING_CQE_F_BUFFER | (1 << shift)),
        (2, -ENOBUFS, 0),
        [(0, 0, 5, 0), (0, 0, 16, MSG_TRUNC)],
        b"hello",
    ]


def test_recvmsg_select_prep_checks(runner):
    """RECVMSG with a provided buffer: two iovecs -EINVAL; multishot with MSG_WAITALL -EINVAL, with a
    negative msg_namelen and no name -EOVERFLOW, a header past INT_MAX -EOVERFLOW."""

    def body(ring):
        a, b = yield from pair(SOCK_DGRAM)
        res = []
        for msg, flags, ioprio in (
            (Msghdr([bytearray(2), bytearray(2)]), 0, 0),
            (Msghdr([]), MSG_WAITALL, IORING_RECV_MULTISHOT),
            (Msghdr([], msg_namelen=-1), 0, IORING_RECV_MULTISHOT),
            (Msghdr([], msg_controllen=1 << 31), 0, IORING_RECV_MULTISHOT),
        ):
            res.append((yield from one(ring, io_uring_prep_recvmsg, b, msg, flags, sqe_flags=IOSQE_BUFFER_SELECT,
                                       buf_group=1, ioprio=ioprio))[1])
        return {"res": res}

    assert run(runner, body)["res"] == [-EINVAL, -EINVAL, -EOVERFLOW, -EOVERFLOW]
