"""IORING_OP_SHUTDOWN (opcodes/net.py) and ``UnixSocket.shutdown_sock``."""

from __future__ import annotations

from simuring.abi.errno import EBADF, ECANCELED, EINVAL, ENOTSOCK, EPIPE
from simuring.liburing import (
    io_uring_get_sqe,
    io_uring_prep_nop,
    io_uring_prep_recv,
    io_uring_prep_send,
    io_uring_prep_shutdown,
    io_uring_sqe_set_data64,
    io_uring_sqe_set_flags,
    io_uring_submit,
)
from simuring.syscalls import pipe, socketpair
from simuring.uapi import IOSQE_IO_LINK
from tests.helpers.ring import reap
from tests.opcodes.test_openclose_sync import one, run

AF_UNIX, SOCK_STREAM = 1, 1


def _pair():
    sv = [0, 0]
    yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
    return sv


def test_shut_wr_gives_the_peer_its_data_then_eof_and_our_sends_epipe(runner):
    def body(ring):
        sv = yield from _pair()
        buf = bytearray(8)
        out = [
            (yield from one(ring, io_uring_prep_send, sv[0], b"abc", 3, 0)),
            (yield from one(ring, io_uring_prep_shutdown, sv[0], 1)),
            (yield from one(ring, io_uring_prep_send, sv[0], b"x", 1, 0)),
            (yield from one(ring, io_uring_prep_recv, sv[1], buf, 8, 0)),
            (yield from one(ring, io_uring_prep_recv, sv[1], buf, 8, 0)),
            (yield from one(ring, io_uring_prep_send, sv[1], b"ok", 2, 0)),
        ]
        return {"r": out}

    assert run(runner, body)["r"] == [3, 0, -EPIPE, 3, 0, 2]


def test_shut_rd_makes_the_peer_send_epipe(runner):
    def body(ring):
        sv = yield from _pair()
        buf = bytearray(8)
        out = [
            (yield from one(ring, io_uring_prep_shutdown, sv[0], 0)),
            (yield from one(ring, io_uring_prep_send, sv[1], b"x", 1, 0)),
            (yield from one(ring, io_uring_prep_recv, sv[0], buf, 8, 0)),
            (yield from one(ring, io_uring_prep_send, sv[0], b"y", 1, 0)),
        ]
        return {"r": out}

    assert run(runner, body)["r"] == [0, -EPIPE, 0, 1]


def test_a_waiting_recv_is_woken_by_the_peer_shutdown(runner):
    def body(ring):
        sv = yield from _pair()
        buf = bytearray(8)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_recv(sqe, sv[1], buf, 8, 0)
        io_uring_sqe_set_data64(sqe, 1)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_shutdown(sqe, sv[0], 2)
        io_uring_sqe_set_data64(sqe, 2)
        yield from io_uring_submit(ring)
        return {"r": sorted((yield from reap(ring, 2)))}

    assert run(runner, body)["r"] == [(1, 0), (2, 0)]


def test_errors_and_links(runner):
    def body(ring):
        sv = yield from _pair()
        fds = []
        yield from pipe(fds)
        out = [
            (yield from one(ring, io_uring_prep_shutdown, fds[0], 1)),
            (yield from one(ring, io_uring_prep_shutdown, 999, 1)),
            (yield from one(ring, io_uring_prep_shutdown, sv[0], 3)),
            (yield from one(ring, io_uring_prep_shutdown, sv[0], -1)),
            (yield from one(ring, io_uring_prep_shutdown, sv[0], 1, addr=1)),
            (yield from one(ring, io_uring_prep_shutdown, sv[0], 1, off=object())),
        ]
        for target, how in ((fds[0], 1), (sv[0], 9)):
            sqe = io_uring_get_sqe(ring)
            io_uring_prep_shutdown(sqe, target, how)
            io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK)
            io_uring_sqe_set_data64(sqe, 1)
            sqe = io_uring_get_sqe(ring)
            io_uring_prep_nop(sqe)
            io_uring_sqe_set_data64(sqe, 2)
            yield from io_uring_submit(ring)
            out.append((yield from reap(ring, 2)))
        return {"r": out}

    assert run(runner, body)["r"] == [
        -ENOTSOCK, -EBADF, -EINVAL, -EINVAL, -EINVAL, -EINVAL,
        [(1, -ENOTSOCK), (2, -ECANCELED)], [(1, -EINVAL), (2, 0)],
    ]
