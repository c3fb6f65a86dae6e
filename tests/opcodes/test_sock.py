"""SOCKET / BIND / LISTEN / CONNECT / ACCEPT (opcodes/sock.py) and the AF_UNIX connection model
(simuring/kernel/objects/unix_conn.py)."""

from __future__ import annotations

import itertools

import pytest

from simuring.abi.errno import (
    EADDRINUSE,
    EAGAIN,
    ECONNRESET,
    EINVAL,
    EISCONN,
    ENOTCONN,
)
from simuring.abi.io_uring import (
    IORING_CQE_F_MORE,
    IORING_OP_ACCEPT,
    IORING_OP_BIND,
    IORING_OP_CONNECT,
    IORING_OP_LISTEN,
    IORING_OP_SOCKET,
)
from simuring.abi.posix import SockaddrUn
from simuring.kernel.objects.socket import TCP_CLOSE, TCP_ESTABLISHED, TCP_LISTEN
from simuring.liburing import (
    io_uring_get_sqe,
    io_uring_prep_accept,
    io_uring_prep_bind,
    io_uring_prep_connect,
    io_uring_prep_listen,
    io_uring_prep_multishot_accept,
    io_uring_prep_recv,
    io_uring_prep_rw,
    io_uring_prep_send,
    io_uring_prep_socket,
    io_uring_register_files_sparse,
    io_uring_sqe_set_data64,
    io_uring_submit,
)
from simuring.syscalls import accept4, bind, close, connect, listen, recv, send, socket
from tests.helpers.ring import reap, reap_flags
from tests.opcodes.test_openclose_sync import one, run

AF_UNIX, SOCK_STREAM, SOCK_NONBLOCK = 1, 1, 0o4000
MSG_DONTWAIT = 0x40


def _name(tag: bytes) -> tuple[SockaddrUn, int]:
    path = b"\0t-" + tag
    return SockaddrUn(path), 2 + len(path)


def _listener(tag: bytes, backlog: int = 4, flags: int = 0):
    fd = yield from socket(AF_UNIX, SOCK_STREAM | flags, 0)
    a, n = _name(tag)
    assert (yield from bind(fd, a, n)) == 0
    assert (yield from listen(fd, backlog)) == 0
    return fd


def test_a_connection_is_a_working_pair_and_the_listener_polls_readable(runner):
    def body(ring):
        lfd = yield from _listener(b"pair")
        c = yield from socket(AF_UNIX, SOCK_STREAM, 0)
        a, n = _name(b"pair")
        conn = yield from one(ring, io_uring_prep_connect, c, a, n)
        fd = yield from one(ring, io_uring_prep_accept, lfd, None, None, 0)
        sent = yield from one(ring, io_uring_prep_send, fd, b"hey", 3, 0)
        buf = bytearray(4)
        got = yield from recv(c, buf, 4, 0)
        return {"r": (conn, fd >= 0, sent, got, bytes(buf[:3]))}

    assert run(runner, body)["r"] == (0, True, 3, 3, b"hey")


def test_socket_states_and_the_name_table(runner):
    seen = {}

    def body(ring):
        from simuring.host.current import current_task
        from simuring.kernel.files import files_of

        fds = files_of(current_task().process)
        s = yield from socket(AF_UNIX, SOCK_STREAM, 0)
        seen["fresh"] = fds.get(s).state
        a, n = _name(b"states")
        r1 = yield from bind(s, a, n)
        s2 = yield from socket(AF_UNIX, SOCK_STREAM, 0)
        r2 = yield from bind(s2, a, n)
        r3 = yield from listen(s, 0)
        seen["listening"] = fds.get(s).state
        c = yield from socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)
        r4 = yield from connect(c, a, n)
        seen["client"] = fds.get(c).state
        c2 = yield from socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)
        r5 = yield from connect(c2, a, n)  # backlog 0: one pending connection, then full
        r6 = yield from connect(c, a, n)  # the backlog is looked at before the socket's state
        yield from listen(s, 1)
        r7 = yield from connect(c, a, n)
        yield from close(s)  # the embryos are released: their clients get ECONNRESET
        r8 = yield from recv(c, bytearray(4), 4, MSG_DONTWAIT)
        r9 = yield from bind(s2, a, n)  # the name is free again
        return {"r": (r1, r2, r3, r4, r5, r6, r7, r8, r9)}

    out = run(runner, body)["r"]
    assert out == (0, -EADDRINUSE, 0, 0, -EAGAIN, -EAGAIN, -EISCONN, -ECONNRESET, 0)
    assert seen == {"fresh": TCP_CLOSE, "listening": TCP_LISTEN, "client": TCP_ESTABLISHED}


def test_unconnected_socket_send_is_enotconn_and_recv_einval(runner):
    def body(ring):
        s = yield from socket(AF_UNIX, SOCK_STREAM, 0)
        return {"r": ((yield from send(s, b"x", 1, 0)), (yield from recv(s, bytearray(1), 1, 0)))}

    assert run(runner, body)["r"] == (-ENOTCONN, -EINVAL)


def test_connect_twice_is_eisconn_and_accept4_reports_the_peer_address(runner):
    def body(ring):
        lfd = yield from _listener(b"peer")
        c = yield from socket(AF_UNIX, SOCK_STREAM, 0)
        me, mn = _name(b"client")
        yield from bind(c, me, mn)
        a, n = _name(b"peer")
        first = yield from connect(c, a, n)
        again = yield from connect(c, a, n)
        peer, plen = SockaddrUn(b""), bytearray((110).to_bytes(4, "little"))
        fd = yield from accept4(lfd, peer, plen, 0)
        return {
            "r": (first, again, fd >= 0, int.from_bytes(plen, "little"), peer.sun_path[: mn - 2])
        }

    assert run(runner, body)["r"] == (0, -EISCONN, True, 11, b"\0t-client")


def test_multishot_accept_posts_a_cqe_per_connection_with_more(runner):
    def body(ring):
        lfd = yield from _listener(b"mshot")
        a, n = _name(b"mshot")
        for _ in range(2):
            c = yield from socket(AF_UNIX, SOCK_STREAM, 0)
            yield from connect(c, a, n)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_multishot_accept(sqe, lfd, None, None, 0)
        io_uring_sqe_set_data64(sqe, 7)
        yield from io_uring_submit(ring)
        cqes = yield from reap_flags(ring, 2)
        return {"flags": [c[2] for c in cqes]}

    assert run(runner, body)["flags"] == [IORING_CQE_F_MORE, IORING_CQE_F_MORE]


def test_accept_and_recv_wait_then_complete(runner):
    def body(ring):
        lfd = yield from _listener(b"wait")
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_accept(sqe, lfd, None, None, 0)
        io_uring_sqe_set_data64(sqe, 1)
        yield from io_uring_submit(ring)
        c = yield from socket(AF_UNIX, SOCK_STREAM, 0)
        a, n = _name(b"wait")
        yield from connect(c, a, n)
        (cqe,) = yield from reap(ring, 1)
        buf = bytearray(4)
        yield from send(c, b"ok", 2, 0)
        got = yield from one(ring, io_uring_prep_recv, cqe[1], buf, 4, 0)
        return {"r": (cqe[1] >= 0, got, bytes(buf[:2]))}

    assert run(runner, body)["r"] == (True, 2, b"ok")


FUZZ_VALUES = [
    None,
    0,
    1,
    -1,
    2,
    110,
    129,
    1 << 31,
    (1 << 64) - 1,
    10**30,
    "x",
    b"\0ab",
    bytearray(4),
    SockaddrUn(b"\0z"),
    3.5,
]
FIELDS = ["fd", "off", "addr", "len", "op_flags", "buf_index", "file_index", "ioprio", "addr3"]


@pytest.mark.parametrize(
    "opcode",
    [IORING_OP_SOCKET, IORING_OP_BIND, IORING_OP_LISTEN, IORING_OP_CONNECT, IORING_OP_ACCEPT],
)
def test_no_sqe_field_makes_the_simulator_raise(runner, opcode):
    """Every field set to a wrong type, huge or negative value: a CQE each, never an exception."""
    cases = list(itertools.product(FIELDS, FUZZ_VALUES))

    def body(ring):
        yield from io_uring_register_files_sparse(ring, 2)
        lfd = yield from _listener(b"fuzz%d" % opcode, backlog=64)
        a, n = _name(b"fuzz%d" % opcode)
        results = []
        for i, (field, value) in enumerate(cases):
            c = yield from socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)
            if opcode == IORING_OP_ACCEPT:
                yield from connect(c, a, n)
            sqe = io_uring_get_sqe(ring)
            if opcode == IORING_OP_SOCKET:
                io_uring_prep_socket(sqe, AF_UNIX, SOCK_STREAM, 0, 0)
            elif opcode == IORING_OP_BIND:
                io_uring_prep_bind(sqe, c, a, n)
            elif opcode == IORING_OP_LISTEN:
                io_uring_prep_listen(sqe, lfd, 4)
            elif opcode == IORING_OP_CONNECT:
                io_uring_prep_connect(sqe, c, a, n)
            else:
                io_uring_prep_accept(sqe, lfd, None, None, SOCK_NONBLOCK)
                sqe.ioprio = 2  # DONTWAIT: never left waiting
            setattr(sqe, field, value)
            io_uring_sqe_set_data64(sqe, i)
            yield from io_uring_submit(ring)
            (cqe,) = yield from reap(ring, 1)
            results.append(cqe[1])
            if cqe[1] > 2:
                yield from close(cqe[1])
            yield from close(c)
        return {"n": len(results)}

    assert run(runner, body)["n"] == len(cases)


def test_prep_helpers_fill_the_fields_liburing_does():
    from simuring.abi.io_uring import IORING_ACCEPT_MULTISHOT, IORING_FILE_INDEX_ALLOC, Sqe
    from simuring.liburing import io_uring_prep_multishot_accept_direct, io_uring_prep_socket_direct

    sqe = Sqe()
    io_uring_prep_rw(0, sqe, 0, None, 0, 0)
    io_uring_prep_socket_direct(sqe, AF_UNIX, SOCK_STREAM, 0, 3, 0)
    assert (sqe.opcode, sqe.fd, sqe.off, sqe.len, sqe.file_index) == (
        IORING_OP_SOCKET,
        AF_UNIX,
        SOCK_STREAM,
        0,
        4,
    )
    io_uring_prep_multishot_accept_direct(sqe, 5, None, None, 0)
    assert (sqe.opcode, sqe.ioprio, sqe.file_index) == (
        IORING_OP_ACCEPT,
        IORING_ACCEPT_MULTISHOT,
        IORING_FILE_INDEX_ALLOC,
    )
