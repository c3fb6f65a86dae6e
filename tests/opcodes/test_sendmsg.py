"""IORING_OP_SENDMSG / RECVMSG (opcodes/net.py) with plain iovecs."""

from __future__ import annotations

from simuring.abi.errno import EAGAIN, EFAULT, EINVAL, EISCONN, EMSGSIZE, ENOTSOCK
from simuring.liburing import io_uring_prep_recvmsg, io_uring_prep_sendmsg
from simuring.syscalls import Msghdr, pipe, socketpair
from tests.opcodes.test_openclose_sync import one, run

AF_UNIX, SOCK_STREAM, MSG_WAITALL = 1, 1, 0x100


def _pair():
    sv = [0, 0]
    yield from socketpair(AF_UNIX, SOCK_STREAM, 0, sv)
    return sv


def test_gather_and_scatter(runner):
    def body(ring):
        sv = yield from _pair()
        a, b, c = bytearray(2), bytearray(0), bytearray(8)
        return {
            "r": [
                (yield from one(ring, io_uring_prep_sendmsg, sv[0], Msghdr([b"ab", bytearray(b"cd"), memoryview(b"ef")]), 0)),
                (yield from one(ring, io_uring_prep_recvmsg, sv[1], Msghdr([a, b, c]), 0)),
                bytes(a),
                bytes(c),
            ]
        }

    assert run(runner, body)["r"] == [6, 6, b"ab", b"cdef" + bytes(4)]


def test_recvmsg_waitall_accumulates_across_sends(runner):
    def body(ring):
        from simuring.liburing import io_uring_get_sqe, io_uring_sqe_set_data64, io_uring_submit
        from tests.helpers.ring import reap

        sv = yield from _pair()
        x, y = bytearray(3), bytearray(3)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_recvmsg(sqe, sv[1], Msghdr([x, y]), MSG_WAITALL)
        io_uring_sqe_set_data64(sqe, 1)
        yield from io_uring_submit(ring)
        first = yield from one(ring, io_uring_prep_sendmsg, sv[0], Msghdr([b"1234"]), 0, ud=2)
        second = yield from one(ring, io_uring_prep_sendmsg, sv[0], Msghdr([b"56"]), 0, ud=3)
        return {"r": [first, second, (yield from reap(ring, 1)), bytes(x + y)]}

    assert run(runner, body)["r"] == [4, 2, [(1, 6)], b"123456"]


def test_errors(runner):
    def body(ring):
        sv = yield from _pair()
        fds = []
        yield from pipe(fds)
        return {
            "r": [
                (yield from one(ring, io_uring_prep_sendmsg, fds[1], Msghdr([b"x"]), 0)),
                (yield from one(ring, io_uring_prep_sendmsg, sv[0], None, 0)),
                (yield from one(ring, io_uring_prep_sendmsg, sv[0], Msghdr([b"x"], 1025), 0)),
                (yield from one(ring, io_uring_prep_sendmsg, sv[0], Msghdr([b"x"], 3), 0)),
                (yield from one(ring, io_uring_prep_sendmsg, sv[0], Msghdr([object()]), 0)),
                (yield from one(ring, io_uring_prep_sendmsg, sv[0], Msghdr([b"x"], msg_name=bytearray(8), msg_namelen=8), 0)),
                (yield from one(ring, io_uring_prep_sendmsg, sv[0], Msghdr([b"x"], msg_name=bytearray(8), msg_namelen=-5), 0)),
                (yield from one(ring, io_uring_prep_sendmsg, sv[0], Msghdr([b"x"], msg_namelen="x"), 0)),
                (yield from one(ring, io_uring_prep_recvmsg, sv[1], Msghdr([b"x"]), 0, addr2=1)),
                (yield from one(ring, io_uring_prep_recvmsg, fds[0], Msghdr([bytearray(1)]), 0)),
            ]
        }

    assert run(runner, body)["r"] == [
        -ENOTSOCK, -EFAULT, -EMSGSIZE, -EFAULT, -EFAULT, -EISCONN, -EINVAL, -EFAULT, -EINVAL, -ENOTSOCK,
    ]


def test_recvmsg_into_read_only_memory_faults(runner):
    def body(ring):
        sv = yield from _pair()
        yield from one(ring, io_uring_prep_sendmsg, sv[0], Msghdr([b"abc"]), 0)
        return {"r": (yield from one(ring, io_uring_prep_recvmsg, sv[1], Msghdr([b"xyz"]), 0))}

    assert run(runner, body)["r"] == -EFAULT


def test_recvmsg_on_a_nonblocking_socket_does_not_wait_in_the_worker(runner):
    """State seed 104441 (fz9-recvmsg-nonblock-shut-rd): a datagram socket shut for reading polls readable
    while a non-blocking receive is -EAGAIN, so the request ends in an io-wq worker's blocking issue;
    ____sys_recvmsg adds MSG_DONTWAIT for an O_NONBLOCK file there (-EAGAIN), sock_recvmsg (RECV) does not
    (a waiting unix_dgram_recvmsg answers 0 at once on a socket shut for reading)."""
    from simuring.liburing import io_uring_prep_recv, io_uring_prep_shutdown

    SOCK_DGRAM, SOCK_NONBLOCK, SHUT_RD = 2, 0o4000, 0

    def body(ring):
        out = []
        for kind in (SOCK_DGRAM, SOCK_DGRAM | SOCK_NONBLOCK):
            for prep, arg in ((io_uring_prep_recvmsg, None), (io_uring_prep_recv, 4)):
                sv = [0, 0]
                yield from socketpair(AF_UNIX, kind, 0, sv)
                assert (yield from one(ring, io_uring_prep_shutdown, sv[0], SHUT_RD)) == 0
                buf = bytearray(4)
                args = (sv[0], Msghdr([buf]), 0) if arg is None else (sv[0], buf, arg, 0)
                out.append((yield from one(ring, prep, *args)))
        return {"r": out}

    assert run(runner, body)["r"] == [0, 0, -EAGAIN, 0]
