"""TCP sockets over loopback (simuring/kernel/objects/tcp.py, inet_addr.py, inet_ports.py) as
syscalls and through io_uring.

Each test pins one rule the model follows: the port table's overlap and reuse rules, ephemeral
ports, the handshake completing inside connect (-EINPROGRESS for O_NONBLOCK, then 0, then -EISCONN),
the reset a send to a closed peer draws, SHUT_RD not reaching the peer, the TIME_WAIT a first
closer leaves, and bad addresses / SQE fields answering -errno, never raising.
"""

from __future__ import annotations

import pytest

from simuring import syscalls as sc
from simuring.abi.errno import (
    EADDRINUSE,
    EADDRNOTAVAIL,
    EAFNOSUPPORT,
    ECONNREFUSED,
    ECONNRESET,
    EFAULT,
    EINPROGRESS,
    EINVAL,
    EISCONN,
    ENETUNREACH,
    ENOTCONN,
    EOPNOTSUPP,
    EPIPE,
)
from simuring.abi.posix import AF_INET, AF_INET6, AF_UNSPEC, SockaddrIn, SockaddrIn6
from simuring.kernel.objects.inet_addr import ANY4, ANY6, LOOPBACK4, LOOPBACK6, mapped
from simuring.kernel.objects.inet_ports import EPHEMERAL_LOW, TimeWait, conflict, overlap
from simuring.kernel.objects.tcp import (
    TCP_RMEM_DEFAULT,
    TCP_SNDBUF_ESTABLISHED,
    TCP_WMEM_DEFAULT,
    TcpSocket,
    inet_protocol,
)
from simuring.liburing import (
    io_uring_prep_accept,
    io_uring_prep_bind,
    io_uring_prep_connect,
    io_uring_prep_recv,
    io_uring_prep_socket,
    io_uring_submit,
)
from simuring.uapi import IORING_CQE_F_SOCK_NONEMPTY, IORING_RECVSEND_POLL_FIRST, IOSQE_ASYNC
from tests.helpers.procs import fd_object
from tests.helpers.ring import reap_flags
from tests.opcodes.test_openclose_sync import one, queue, run

SOCK_STREAM, SOCK_NONBLOCK = 1, 0o4000
LO = bytes([127, 0, 0, 1])


def v4(port, ip=LO, family=AF_INET):
    return SockaddrIn(port, ip, family), 16


def v6(port, ip=bytes(15) + b"\x01", family=AF_INET6, scope_id=0):
    return SockaddrIn6(port, ip, family, scope_id=scope_id), 28


def tcp(family=AF_INET, flags=0):
    return (yield from sc.socket(family, SOCK_STREAM | flags, 0))


def bound(addr, family=AF_INET):
    fd = yield from tcp(family)
    return fd, (yield from sc.bind(fd, *addr))


def listening(port, family=AF_INET):
    fd = yield from tcp(family)
    assert (yield from sc.bind(fd, *(v4(port) if family == AF_INET else v6(port)))) == 0
    assert (yield from sc.listen(fd, 8)) == 0
    return fd


def connected(port):
    """A listener on ``port``, a client connected to it and the accepted socket: (listener, client, server)."""
    lfd = yield from listening(port)
    c = yield from tcp()
    assert (yield from sc.connect(c, *v4(port))) == 0
    s = yield from sc.accept4(lfd, None, None, 0)
    return lfd, c, s


class Holder:
    def __init__(self, family, ip, v6only=False, reuse=False, reuseport=False, listening=False):
        self.family, self.lip, self.lport = family, ip, 1
        self.v6only, self.reuse, self.reuseport, self.listening = v6only, reuse, reuseport, listening


@pytest.mark.parametrize(
    ("a", "b", "expect"),
    [
        (Holder(AF_INET, LOOPBACK4), Holder(AF_INET, ANY4), True),
        (Holder(AF_INET, LOOPBACK4), Holder(AF_INET, mapped(bytes([127, 0, 0, 2]))), False),
        (Holder(AF_INET6, ANY6), Holder(AF_INET, LOOPBACK4), True),
        (Holder(AF_INET6, ANY6, v6only=True), Holder(AF_INET, LOOPBACK4), False),
        (Holder(AF_INET6, LOOPBACK6), Holder(AF_INET, ANY4), False),
        (Holder(AF_INET6, mapped(LO)), Holder(AF_INET, ANY4), True),
        (Holder(AF_INET6, LOOPBACK6), Holder(AF_INET6, ANY6, v6only=True), True),
    ],
)
def test_overlap_is_the_dual_stack_rule(a, b, expect):
    assert overlap(a, b) is expect and overlap(b, a) is expect


def test_reuse_needs_both_sides_and_no_listener():
    a, b = Holder(AF_INET, LOOPBACK4, reuse=True), Holder(AF_INET, LOOPBACK4, reuse=True)
    assert not conflict(a, b)
    b.listening = True
    assert conflict(a, b)
    assert conflict(Holder(AF_INET, LOOPBACK4), Holder(AF_INET, LOOPBACK4, reuse=True))
    assert not conflict(Holder(AF_INET, LOOPBACK4, reuseport=True), Holder(AF_INET, LOOPBACK4, reuseport=True, listening=True))


@pytest.mark.parametrize(
    ("family", "base", "protocol", "expect"),
    [(AF_INET, 1, 0, 6), (AF_INET6, 1, 6, 6), (AF_INET, 1, 17, -93), (AF_INET, 1, 263, -EINVAL),
     (AF_INET, 5, 0, -94), (AF_INET, 3, 0, -93), (AF_INET, 3, 255, 255), (AF_INET6, 2, 1, -93)],
)  # fmt: skip
def test_inet_protocol_table(family, base, protocol, expect):
    assert inet_protocol(family, base, protocol) == expect


def test_bind_errors_are_errno_never_exceptions(runner):
    def body(ring):
        res = []
        cases = [(AF_INET, v4(40000)[0], 15), (AF_INET, v4(40000, family=1)[0], 16),
                 (AF_INET, v4(40000, bytes([10, 0, 0, 1]))[0], 16), (AF_INET, None, 16), (AF_INET, b"\x02\x00", 16),
                 (AF_INET6, v6(40000)[0], 23), (AF_INET6, v6(40000, bytes([0xFE, 0x80]) + bytes(14))[0], 28),
                 (AF_INET6, v6(40000, bytes([0xFE, 0x80]) + bytes(14), scope_id=7)[0], 28),
                 (AF_INET6, v4(40000)[0], 16), (AF_INET, v4(40000)[0], -1), (AF_INET, object(), 16)]  # fmt: skip
        for family, addr, n in cases:
            fd = yield from tcp(family)
            res.append((yield from sc.bind(fd, addr, n)))
            yield from sc.close(fd)
        return {"res": res}

    res = run(runner, body)["res"]
    assert res == [-EINVAL, -EAFNOSUPPORT, -EADDRNOTAVAIL, -EFAULT, -EFAULT, -EINVAL, -EINVAL, -19, -EINVAL,
                   -EINVAL, -EFAULT]  # fmt: skip


def test_addrinuse_and_the_ephemeral_range(runner):
    def body(ring):
        a, ra = yield from bound(v4(41000))
        _, rb = yield from bound(v4(41000, bytes(4)))
        _, rc = yield from bound(v6(41000, bytes(16)), AF_INET6)
        _, rd = yield from bound(v6(41000), AF_INET6)
        e, re = yield from bound(v4(0))
        return {"r": (ra, rb, rc, rd, re), "eph": fd_object(e).lport}

    out = run(runner, body)
    assert out["r"] == (0, -EADDRINUSE, -EADDRINUSE, 0, 0)
    assert out["eph"] >= EPHEMERAL_LOW


def test_connect_completes_within_the_call(runner):
    def body(ring):
        lfd = yield from listening(41010)
        c = yield from tcp(flags=SOCK_NONBLOCK)
        first = yield from sc.connect(c, *v4(41010))
        second = yield from sc.connect(c, *v4(41010))
        third = yield from sc.connect(c, *v4(41010))
        b = yield from tcp()
        blocking = yield from sc.connect(b, *v4(41010))
        queued = len(fd_object(lfd).acceptq)
        s = yield from sc.accept4(lfd, None, None, 0)
        return {"r": (first, second, third, blocking, queued), "peer": fd_object(s).peer is fd_object(c)}

    out = run(runner, body)
    assert out["r"] == (-EINPROGRESS, 0, -EISCONN, 0, 2)
    assert out["peer"]


def test_connect_refused_and_unreachable(runner):
    def body(ring):
        res = []
        for addr, family in ((v4(41020), AF_INET), (v4(41020, bytes([255] * 4)), AF_INET), (v4(41020, bytes([8, 8, 8, 8])), AF_INET),
                             (v6(41020, bytes([0xFF, 2]) + bytes(14)), AF_INET6), (v4(41020), AF_INET6), (v6(41020), AF_INET)):  # fmt: skip
            fd = yield from tcp(family)
            res.append((yield from sc.connect(fd, *addr)))
        fd = yield from tcp()
        res.append((yield from one(ring, io_uring_prep_connect, fd, *v4(41020))))
        return {"res": res}

    assert run(runner, body)["res"] == [-ECONNREFUSED, -ENETUNREACH, -ENETUNREACH, -ENETUNREACH, -EINVAL, -EAFNOSUPPORT,
                                        -ECONNREFUSED]  # fmt: skip


def test_send_to_a_closed_peer_is_accepted_once(runner):
    def body(ring):
        lfd, c, s = yield from connected(41030)
        yield from sc.close(s)
        buf = bytearray(4)
        r = [(yield from sc.recv(c, buf, 4, 0)), (yield from sc.send(c, b"x", 1, 0)), (yield from sc.send(c, b"x", 1, 0))]
        return {"r": r, "err": fd_object(c).sk_err}

    out = run(runner, body)
    assert out["r"] == [0, 1, -EPIPE]
    assert out["err"] == 0


def test_close_with_unread_data_resets_the_peer(runner):
    def body(ring):
        lfd, c, s = yield from connected(41040)
        yield from sc.send(c, b"unread", 6, 0)
        yield from sc.close(s)
        buf = bytearray(8)
        return {"r": [(yield from sc.recv(c, buf, 8, 0)), (yield from sc.recv(c, buf, 8, 0))]}

    assert run(runner, body)["r"] == [-ECONNRESET, 0]


def test_shut_rd_does_not_reach_the_peer(runner):
    def body(ring):
        lfd, c, s = yield from connected(41050)
        shut = fd_object(c).shutdown_sock(None, 0)
        sent = yield from sc.send(s, b"more", 4, 0)
        buf = bytearray(8)
        got = yield from sc.recv(c, buf, 8, 0)
        return {"r": (shut, sent, got, bytes(buf[:4]))}

    assert run(runner, body)["r"] == (0, 4, 4, b"more")


def test_first_closer_leaves_a_time_wait(runner):
    def body(ring):
        lfd, c, s = yield from connected(41060)
        ports = fd_object(lfd).ports
        yield from sc.close(s)
        yield from sc.close(c)
        yield from sc.close(lfd)
        held = [type(h) for h in ports.holders.get(41060, [])]
        _, again = yield from bound(v4(41060))
        return {"held": held, "again": again}

    out = run(runner, body)
    assert out["held"] == [TimeWait]
    assert out["again"] == -EADDRINUSE


def test_getname_and_unspec(runner):
    def body(ring):
        fd = yield from tcp(AF_INET6)
        sa, alen = SockaddrIn6(), bytearray((28).to_bytes(4, "little"))
        own = yield from sc.getsockname(fd, sa, alen)
        peer = yield from sc.getpeername(fd, SockaddrIn6(), bytearray(4))
        unspec = yield from sc.connect(fd, *v6(0, family=AF_UNSPEC))
        tiny = yield from sc.connect(fd, v6(0)[0], 1)
        u = yield from sc.socket(1, SOCK_STREAM, 0)
        upeer = yield from sc.getpeername(u, SockaddrIn(), bytearray(4))
        return {"r": (own, int.from_bytes(alen, "little"), sa.family, peer, unspec, tiny, upeer)}

    assert run(runner, body)["r"] == (0, 28, AF_INET6, -ENOTCONN, 0, -EINVAL, -ENOTCONN)


def test_ring_ops_on_tcp(runner):
    def body(ring):
        fd = yield from one(ring, io_uring_prep_socket, AF_INET, SOCK_STREAM, 0, 0)
        cls = type(fd_object(fd))
        res = [(yield from one(ring, io_uring_prep_bind, fd, *v4(41070)))]
        assert (yield from sc.listen(fd, 4)) == 0
        c = yield from tcp(flags=SOCK_NONBLOCK)
        res.append((yield from one(ring, io_uring_prep_connect, c, *v4(41070))))
        res.append((yield from one(ring, io_uring_prep_accept, fd, None, None, 0)) >= 0)
        res.append((yield from one(ring, io_uring_prep_connect, c, *v4(41070))))
        sv: list[int] = []
        res.append((yield from sc.socketpair(AF_INET, SOCK_STREAM, 0, sv)))
        return {"cls": cls, "res": res}

    out = run(runner, body)
    assert out["cls"] is TcpSocket
    assert out["res"] == [0, 0, True, -EISCONN, -EOPNOTSUPP]


def test_shut_wr_first_takes_the_time_wait(runner):
    def body(ring):
        lfd, c, s = yield from connected(41080)
        ports = fd_object(lfd).ports
        assert fd_object(s).shutdown_sock(None, 1) == 0  # the server's FIN goes first
        yield from sc.close(c)
        yield from sc.close(s)
        return {"held": [(type(h), h.lport) for h in ports.holders.get(41080, [])]}

    assert run(runner, body)["held"] == [(TcpSocket, 41080), (TimeWait, 41080)]


def test_sockopt_syscalls_answer_errno(runner):
    def body(ring):
        fd = yield from tcp()
        val, n = bytearray(4), bytearray((4).to_bytes(4, "little"))
        res = [(yield from sc.setsockopt(fd, 6, 1, bytearray((1).to_bytes(4, "little")), 4)),
               (yield from sc.getsockopt(fd, 6, 1, val, n)), int.from_bytes(val, "little"),
               (yield from sc.getsockopt(fd, 6, 1, None, n)), (yield from sc.getsockopt(fd, 6, 1, val, None)),
               (yield from sc.setsockopt(fd, 1, 2, None, 4)), (yield from sc.setsockopt(fd, 1, 2, b"\1", 1)),
               (yield from sc.getsockopt(99, 1, 3, val, n))]  # fmt: skip
        return {"res": res}

    assert run(runner, body)["res"] == [0, 0, 1, -EFAULT, -EFAULT, -EFAULT, -EINVAL, -9]


def test_full_accept_queue_drops_the_syn_until_a_retransmission(runner):
    def body(ring):
        lfd = yield from tcp()
        assert (yield from sc.bind(lfd, *v4(41090))) == 0
        assert (yield from sc.listen(lfd, 0)) == 0
        first = yield from tcp()
        assert (yield from sc.connect(first, *v4(41090))) == 0
        late, never = (yield from tcp(flags=SOCK_NONBLOCK)), (yield from tcp(flags=SOCK_NONBLOCK))
        r = [(yield from sc.connect(late, *v4(41090))), (yield from sc.connect(late, *v4(41090)))]
        yield from sc.accept4(lfd, None, None, 0)  # room, but the SYN was dropped: the timer retries
        r.append((yield from sc.connect(late, *v4(41090))))
        yield from sc.nanosleep(1_500_000_000)
        r.append((yield from sc.connect(late, *v4(41090))))
        r.append((yield from sc.connect(never, *v4(41090))))
        yield from sc.nanosleep(200_000_000_000)
        r.append((yield from sc.connect(never, *v4(41090))))
        return {"r": r}

    assert run(runner, body)["r"] == [-EINPROGRESS, -114, -114, 0, -EINPROGRESS, -110]


def test_odd_sqe_fields_on_tcp_are_errno(runner):
    """BIND / CONNECT / ACCEPT of a TCP socket with addresses that are no sockaddr, lengths out of range,
    a short address buffer: -errno CQEs, never an exception."""

    def body(ring):
        fd = yield from tcp()
        res = []
        for prep, args in ((io_uring_prep_bind, (fd, object(), 16)), (io_uring_prep_bind, (fd, bytearray(8), 16)),
                           (io_uring_prep_bind, (fd, v4(0)[0], 200)), (io_uring_prep_connect, (fd, "x", 16)),
                           (io_uring_prep_connect, (fd, SockaddrIn6(), 28)), (io_uring_prep_connect, (fd, v4(0)[0], 0)),
                           (io_uring_prep_accept, (fd, SockaddrIn(), bytearray((16).to_bytes(4, "little")), 0))):  # fmt: skip
            res.append((yield from one(ring, prep, *args)))
        return {"res": res}

    assert run(runner, body)["res"] == [-EFAULT, -EFAULT, -EINVAL, -EFAULT, -EAFNOSUPPORT, -EINVAL, -EINVAL]


def test_send_buffer_grows_at_connect_unless_locked_and_children_inherit(runner):
    """``tcp_init_sock``'s defaults, ``tcp_sndbuf_expand`` at establishment on both ends, SO_SNDBUF's
    lock keeping a set size, and an accepted socket starting from its listener's sizes and locks."""
    def sizes(fd):
        sock = fd_object(fd)
        return sock.sndbuf, sock.rcvbuf

    def body(ring):
        out = {}
        fresh = yield from tcp()
        out["fresh"] = sizes(fresh)
        lfd, c, s = yield from connected(41090)
        out["plain"] = (sizes(lfd), sizes(c), sizes(s))
        locked = yield from tcp()
        assert (yield from sc.setsockopt(locked, 1, 7, (3000).to_bytes(4, "little"), 4)) == 0  # SO_SNDBUF
        assert (yield from sc.connect(locked, *v4(41090))) == 0
        out["locked"] = sizes(locked)
        lfd2 = yield from tcp()
        assert (yield from sc.setsockopt(lfd2, 1, 7, (5000).to_bytes(4, "little"), 4)) == 0
        assert (yield from sc.setsockopt(lfd2, 1, 8, (6000).to_bytes(4, "little"), 4)) == 0  # SO_RCVBUF
        assert (yield from sc.bind(lfd2, *v4(41091))) == 0
        assert (yield from sc.listen(lfd2, 8)) == 0
        c2 = yield from tcp()
        assert (yield from sc.connect(c2, *v4(41091))) == 0
        child = yield from sc.accept4(lfd2, None, None, 0)
        out["child"] = sizes(child)
        return out

    out = run(runner, body)
    assert out["fresh"] == (TCP_WMEM_DEFAULT, TCP_RMEM_DEFAULT)
    grown = (TCP_SNDBUF_ESTABLISHED, TCP_RMEM_DEFAULT)
    assert out["plain"] == ((TCP_WMEM_DEFAULT, TCP_RMEM_DEFAULT), grown, grown)
    assert out["locked"] == (6000, TCP_RMEM_DEFAULT)
    assert out["child"] == (10000, 12000)


def test_msg_inq_counts_the_peers_fin(runner):
    """``tcp_inq_hint``: once the peer's FIN is in, a receive's ``msg_inq`` is the bytes queued plus
    one (the FIN's sequence number), 1 with none left; SIOCINQ's count (``rx_bytes``) is the bytes."""

    def body(ring):
        lfd, c, s = yield from connected(41100)
        yield from sc.send(c, b"01234567", 8, 0)
        sock = fd_object(s)
        seen = [(sock.inq_hint(), sock.rx_bytes())]
        assert fd_object(c).shutdown_sock(None, 1) == 0  # SHUT_WR: the FIN
        buf = bytearray(8)
        for _ in range(3):
            seen.append((sock.inq_hint(), sock.rx_bytes()))
            yield from sc.recv(s, buf, 4, 0)
        seen.append((sock.inq_hint(), sock.rx_bytes()))
        return {"seen": seen}

    assert run(runner, body)["seen"] == [(8, 8), (9, 8), (5, 4), (1, 0), (1, 0)]


def test_iowq_waitall_cut_short_by_the_fin_fails_without_sock_nonempty(runner):
    """A RECV with MSG_WAITALL of 16, IOSQE_ASYNC and POLL_FIRST on 7 bytes and the peer's FIN: io-wq's
    blocking receive returns the 7 at the FIN, and ``io_recv``'s -EAGAIN for them ends the request
    through ``io_req_defer_failed`` (no IORING_CQE_F_SOCK_NONEMPTY); without POLL_FIRST the
    non-blocking try keeps the 7 and the blocking retry's 0 goes through ``io_recv_finish``, which
    sets it (the FIN counts in ``msg_inq``)."""

    def body(ring):
        out = []
        for port, ioprio in ((41110, IORING_RECVSEND_POLL_FIRST), (41120, 0)):
            lfd, c, s = yield from connected(port)
            yield from sc.send(c, b"0123456", 7, 0)
            assert fd_object(c).shutdown_sock(None, 1) == 0
            queue(ring, io_uring_prep_recv, s, bytearray(16), 16, 0x100, ud=port, sqe_flags=IOSQE_ASYNC, ioprio=ioprio)
            yield from io_uring_submit(ring)
            out += yield from reap_flags(ring, 1)
        return {"cqes": out}

    assert run(runner, body)["cqes"] == [(41110, 7, 0), (41120, 7, IORING_CQE_F_SOCK_NONEMPTY)]
