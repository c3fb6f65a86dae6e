"""RECV / RECVMSG with MSG_PEEK (opcodes/net.py, UnixSocket.peek): the data is copied and stays queued."""

from __future__ import annotations

from simuring.abi.errno import EAGAIN
from simuring.abi.io_uring import IORING_CQE_F_SOCK_NONEMPTY
from simuring.abi.posix import Msghdr
from simuring.liburing import io_uring_prep_recv, io_uring_prep_recvmsg, io_uring_submit
from simuring.syscalls import recv, send, socketpair
from tests.helpers.ring import reap_flags
from tests.opcodes.test_openclose_sync import queue, run

AF_UNIX, SOCK_STREAM = 1, 1
MSG_PEEK, MSG_TRUNC, MSG_DONTWAIT = 0x02, 0x20, 0x40


def test_peek_copies_across_skbs_and_leaves_the_data(runner):
    def body(ring):
        sv = [0, 0]
        yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
        a, b = sv
        yield from send(a, b"hello", 5, 0)
        yield from send(a, b" world", 6, 0)
        out = []
        for ud, (n, flags) in enumerate(((5, MSG_PEEK), (16, MSG_PEEK), (3, MSG_TRUNC)), 1):
            buf = bytearray(n)
            queue(ring, io_uring_prep_recv, b, buf, n, flags, ud=ud)
            yield from io_uring_submit(ring)
            out.append(((yield from reap_flags(ring, 1))[0], bytes(buf)))
        parts = [bytearray(4), bytearray(4)]
        queue(ring, io_uring_prep_recvmsg, b, Msghdr(parts), MSG_PEEK, ud=4)
        yield from io_uring_submit(ring)
        out.append(((yield from reap_flags(ring, 1))[0], bytes(parts[0] + parts[1])))
        rest = bytearray(16)
        out.append((yield from recv(b, rest, 16, 0)))
        queue(ring, io_uring_prep_recv, b, bytearray(4), 4, MSG_PEEK | MSG_DONTWAIT, ud=5)
        yield from io_uring_submit(ring)
        out.append((yield from reap_flags(ring, 1))[0])
        return {"out": out}

    out = run(runner, body)["out"]
    nonempty = IORING_CQE_F_SOCK_NONEMPTY
    assert out[0] == ((1, 5, nonempty), b"hello")
    assert out[1] == ((2, 11, nonempty), b"hello world\0\0\0\0\0")
    assert out[2] == ((3, 3, nonempty), b"hel")
    assert out[3] == ((4, 8, nonempty), b"lo world")
    assert out[4] == 8
    assert out[5] == (5, -EAGAIN, 0)

