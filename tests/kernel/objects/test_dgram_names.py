"""Unconnected AF_UNIX datagram sockets with abstract names and SOCK_SEQPACKET listeners
(net/unix/af_unix.c: unix_dgram_sendmsg, unix_dgram_connect, unix_find_other, unix_recvq_full;
unix_stream_connect / unix_accept for seqpacket), as syscalls and through io_uring.

Each test pins one rule: the name table is per socket type, a send to a name reaches that socket
and the receiver learns the sender's name, connect sets / re-targets / drops the default peer, the
receive-queue limit between unconnected peers, seqpacket connections keep message boundaries, and
no SQE field value makes the simulator raise.
"""

from __future__ import annotations

from simuring import syscalls as sc
from simuring.abi.errno import (
    EADDRINUSE,
    EAGAIN,
    ECONNREFUSED,
    ECONNRESET,
    EINVAL,
    EISCONN,
    ENOTCONN,
    EOPNOTSUPP,
    EPERM,
)
from simuring.abi.posix import Msghdr, SockaddrUn
from simuring.kernel.objects.socket import UnixDgramSocket, UnixSeqpacketSocket
from simuring.liburing import (
    io_uring_prep_connect,
    io_uring_prep_recvmsg,
    io_uring_prep_send,
    io_uring_prep_send_set_addr,
    io_uring_prep_sendmsg,
    io_uring_prep_sendto,
    io_uring_prep_socket,
)
from tests.helpers.procs import fd_object
from tests.opcodes.test_openclose_sync import one, run

AF_UNIX, SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_NONBLOCK = 1, 1, 2, 5, 0o4000
MSG_TRUNC, MSG_DONTWAIT = 0x20, 0x40


def addr(tag):
    path = b"\0t-" + tag.encode()
    return SockaddrUn(path), 2 + len(path)


def named(tag, kind=SOCK_DGRAM, flags=0):
    fd = yield from sc.socket(AF_UNIX, kind | flags, 0)
    a, n = addr(tag)
    assert (yield from sc.bind(fd, a, n)) == 0
    return fd


def test_socket_makes_each_type(runner):
    def body(ring):
        out = []
        for kind in (SOCK_DGRAM, SOCK_SEQPACKET):
            fd = yield from sc.socket(AF_UNIX, kind | SOCK_NONBLOCK, 0)
            out.append((type(fd_object(fd)), fd_object(fd).nonblock, (yield from sc.send(fd, b"x", 1, 0))))
        fd = (yield from one(ring, io_uring_prep_socket, AF_UNIX, SOCK_DGRAM, 0, 0))
        out.append(type(fd_object(fd)))
        return {"out": out}

    out = run(runner, body)["out"]
    assert out == [(UnixDgramSocket, True, -ENOTCONN), (UnixSeqpacketSocket, True, -ENOTCONN), UnixDgramSocket]


def test_names_are_per_type(runner):
    def body(ring):
        res = []
        for kind in (SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET):
            fd = yield from sc.socket(AF_UNIX, kind, 0)
            a, n = addr("shared")
            res.append((yield from sc.bind(fd, a, n)))
        fd = yield from sc.socket(AF_UNIX, SOCK_DGRAM, 0)
        res.append((yield from sc.bind(fd, a, n)))
        return {"res": res}

    assert run(runner, body)["res"] == [0, 0, 0, -EADDRINUSE]


def test_sendto_and_recvfrom_carry_the_sender_name(runner):
    def body(ring):
        s = yield from named("src")
        u = yield from sc.socket(AF_UNIX, SOCK_DGRAM, 0)
        r = yield from named("dst")
        a, n = addr("dst")
        out = [(yield from sc.sendto(s, b"one", 3, 0, a, n)), (yield from sc.sendto(u, b"two", 3, 0, a, n))]
        for room in (110, 110):
            sa, ln = SockaddrUn(), bytearray((room).to_bytes(4, "little"))
            buf = bytearray(8)
            got = yield from sc.recvfrom(r, buf, 8, 0, sa, ln)
            out.append((got, bytes(buf[:got]), int.from_bytes(ln, "little"), bytes(sa.raw[:8])))
        nb, nn = addr("nobody")
        out.append((yield from sc.sendto(s, b"x", 1, 0, nb, nn)))
        return {"out": out}

    src_name = b"\x01\x00\0t-src"
    assert run(runner, body)["out"] == [3, 3, (3, b"one", 8, src_name), (3, b"two", 0, b"\x01\x00" + b"\0" * 6), -ECONNREFUSED]


def test_connect_sets_retargets_and_drops_the_peer(runner):
    def body(ring):
        c = yield from named("c")
        r1 = yield from named("r1")
        r2 = yield from named("r2")
        out = []
        for tag in ("r1", "r2"):
            a, n = addr(tag)
            out.append((yield from sc.connect(c, a, n)))
        out.append((yield from sc.send(c, b"hi", 2, 0)))
        out.append((yield from sc.recv(r1, bytearray(4), 4, MSG_DONTWAIT)))
        out.append((yield from sc.recv(r2, bytearray(4), 4, MSG_DONTWAIT)))
        # r2 connects back, c queues nothing from r2 yet; r2 sends, then c re-targets: the queue is dropped
        a, n = addr("c")
        out.append((yield from sc.connect(r2, a, n)))
        out.append((yield from sc.send(r2, b"lost", 4, 0)))
        a, n = addr("r1")
        out.append((yield from sc.connect(c, a, n)))
        out.append((yield from sc.recv(c, bytearray(8), 8, MSG_DONTWAIT)))
        out.append((yield from sc.recv(r2, bytearray(8), 8, MSG_DONTWAIT)))
        out.append((yield from sc.connect(c, SockaddrUn(sun_family=0), 2)))
        out.append((yield from sc.send(c, b"x", 1, 0)))
        # r1 is connected to nobody, x connects r1 to c: c (connected elsewhere) refuses y
        y = yield from sc.socket(AF_UNIX, SOCK_DGRAM, 0)
        a, n = addr("c")
        out.append((yield from sc.connect(r1, a, n)))
        out.append((yield from sc.sendto(y, b"y", 1, 0, *addr("r1"))))
        return {"out": out}

    assert run(runner, body)["out"] == [0, 0, 2, -EAGAIN, 2, 0, 4, 0, -EAGAIN, -ECONNRESET, 0, -ENOTCONN, 0, -EPERM]


def test_receive_queue_limit_between_unconnected_peers(runner):
    def body(ring):
        s = yield from sc.socket(AF_UNIX, SOCK_DGRAM, 0)
        r = yield from named("q")
        a, n = addr("q")
        out = []
        for _ in range(12):
            out.append((yield from sc.sendto(s, b"m", 1, MSG_DONTWAIT, a, n)))
        out.append((yield from sc.recv(r, bytearray(2), 2, 0)))
        out.append((yield from sc.sendto(s, b"m", 1, MSG_DONTWAIT, a, n)))
        return {"out": out}

    assert run(runner, body)["out"] == [1] * 11 + [-EAGAIN, 1, 1]


def test_io_uring_send_with_an_address_and_recvmsg_name(runner):
    def body(ring):
        s = yield from named("us")
        r = yield from named("ur")
        a, n = addr("ur")
        out = [(yield from one(ring, io_uring_prep_sendto, s, b"abc", 3, 0, a, n))]
        out.append((yield from one(ring, io_uring_prep_sendmsg, s, Msghdr([b"de"], msg_name=a, msg_namelen=n), 0)))
        sa = SockaddrUn()
        msg = Msghdr([bytearray(8)], msg_name=sa, msg_namelen=4)
        out.append((yield from one(ring, io_uring_prep_recvmsg, r, msg, 0)))
        out.append((msg.msg_namelen, bytes(sa.raw[:5])))
        return {"out": out}

    assert run(runner, body)["out"] == [3, 2, 3, (7, b"\x01\x00\0t\0")]


def test_seqpacket_listener_keeps_boundaries(runner):
    def body(ring):
        lis = yield from named("lis", SOCK_SEQPACKET)
        out = [(yield from sc.listen(lis, 2))]
        c = yield from sc.socket(AF_UNIX, SOCK_SEQPACKET, 0)
        a, n = addr("lis")
        out.append((yield from one(ring, io_uring_prep_connect, c, a, n)))
        out.append((yield from sc.connect(c, a, n)))
        acc = yield from sc.accept4(lis, None, None, 0)
        out.append(type(fd_object(acc)))
        out.append((yield from sc.send(c, b"abc", 3, 0)))
        out.append((yield from sc.send(c, b"de", 2, 0)))
        out.append((yield from sc.recv(acc, bytearray(2), 2, 0)))
        out.append((yield from sc.recv(acc, bytearray(2), 2, MSG_TRUNC)))
        out.append((yield from sc.recv(lis, bytearray(2), 2, MSG_DONTWAIT)))
        yield from sc.close(acc)
        out.append((yield from sc.recv(c, bytearray(2), 2, 0)))
        return {"out": out}

    assert run(runner, body)["out"] == [0, 0, -EISCONN, UnixSeqpacketSocket, 3, 2, 2, 2, -ENOTCONN, 0]


def test_dgram_cannot_listen_and_stream_refuses_an_address(runner):
    def body(ring):
        d = yield from named("d")
        out = [(yield from sc.listen(d, 1))]
        st = yield from sc.socket(AF_UNIX, SOCK_STREAM, 0)
        a, n = addr("d")
        out.append((yield from sc.sendto(st, b"x", 1, 0, a, n)))
        out.append((yield from sc.connect(st, a, n)))
        out.append((yield from sc.sendto(d, b"x", 1, 0, a, 1)))
        return {"out": out}

    assert run(runner, body)["out"] == [-EOPNOTSUPP, -EOPNOTSUPP, -ECONNREFUSED, -EINVAL]


def test_send_address_fields_never_raise(runner):
    """Odd destination fields on SEND / SENDMSG / CONNECT of a datagram socket: -errno or a count."""

    def body(ring):
        s = yield from sc.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0)
        res = []
        cases = (
            (io_uring_prep_send, (s, b"a", 1, 0), {"addr2": "x", "file_index": 5}),
            (io_uring_prep_send, (s, b"a", 1, 0), {"addr2": bytearray(3), "file_index": 110}),
            (io_uring_prep_send, (s, b"a", 1, 0), {"addr2": SockaddrUn(b"\0z"), "file_index": 0xFFFF}),
            (io_uring_prep_send, (s, b"a", 1, 0), {"addr2": -1, "file_index": 4}),
            (io_uring_prep_sendmsg, (s, Msghdr([b"a"], msg_name=b"\x01\x00\0q", msg_namelen=-7), 0), {}),
            (io_uring_prep_sendmsg, (s, Msghdr([b"a"], msg_name=12, msg_namelen=4), 0), {}),
            (io_uring_prep_sendmsg, (s, Msghdr([b"a"], msg_name=b"\x00\x00", msg_namelen=1 << 40), 0), {}),
            (io_uring_prep_recvmsg, (s, Msghdr([bytearray(1)], msg_name=bytearray(1), msg_namelen=-1), 0), {}),
            (io_uring_prep_connect, (s, SockaddrUn(b"\0zz", sun_family=0), 1), {}),
            (io_uring_prep_connect, (s, b"\x00\x00", 2), {}),
            (io_uring_prep_connect, (s, None, 1 << 33), {}),
        )
        for ud, (prep, args, fields) in enumerate(cases, 1):
            res.append((yield from one(ring, prep, *args, ud=ud, **fields)))
        sqe_res = []
        for length in (-1, 0, 1, 2, 1 << 20):
            sqe_res.append((yield from one(ring, _send_to, s, length)))
        return {"res": res + sqe_res}

    res = run(runner, body)["res"]
    assert all(isinstance(r, int) for r in res)


def _send_to(sqe, fd, length):
    io_uring_prep_send(sqe, fd, b"x", 1, MSG_DONTWAIT)
    io_uring_prep_send_set_addr(sqe, SockaddrUn(b"\0t-none"), length & 0xFFFF)
