"""UDP sockets over loopback (simuring/kernel/objects/udp.py) as syscalls and through io_uring.

Each test pins one rule of the model that needs no real kernel: the lookup's scoring, the
destination parsing, the UDP port table kept apart from TCP's, the source name each datagram
carries, the ICMP error reaching only a connected sender of that destination, and bad addresses /
SQE fields answering -errno, never raising.
"""

from __future__ import annotations

import itertools

import pytest

from simuring import syscalls as sc
from simuring.abi.errno import (
    EAFNOSUPPORT,
    EAGAIN,
    ECONNREFUSED,
    EDESTADDRREQ,
    EFAULT,
    EINVAL,
    ENETUNREACH,
    EOPNOTSUPP,
)
from simuring.abi.io_uring import IORING_CQE_F_MORE, IORING_CQE_F_NOTIF, Iovec
from simuring.abi.posix import (
    AF_INET,
    AF_INET6,
    AF_UNIX,
    AF_UNSPEC,
    Msghdr,
    SockaddrIn,
    SockaddrIn6,
)
from simuring.kernel.objects.inet_addr import ANY4, LOOPBACK4, LOOPBACK6, Endpoint, mapped
from simuring.kernel.objects.inet_ports import EPHEMERAL_LOW, UdpPorts
from simuring.kernel.objects.socket import SKB_STRUCT_SIZE
from simuring.kernel.objects.udp import SKB_SMALL_HEAD, UdpSocket, dest_of, udp_lookup, udp_truesize
from simuring.liburing import (
    io_uring_prep_connect,
    io_uring_prep_recvmsg,
    io_uring_prep_send_zc,
    io_uring_prep_send_zc_fixed,
    io_uring_prep_sendmsg,
    io_uring_prep_sendmsg_zc,
    io_uring_prep_sendto,
    io_uring_register_buffers_tags,
    io_uring_submit,
    io_uring_unregister_buffers,
)
from tests.helpers.procs import fd_object
from tests.helpers.ring import reap, reap_flags
from tests.opcodes.test_openclose_sync import one, queue, run

SOCK_DGRAM, SOCK_STREAM = 2, 1
MSG_DONTWAIT = 0x40
LO = bytes([127, 0, 0, 1])


def v4(port, ip=LO, family=AF_INET):
    return SockaddrIn(port, ip, family), 16


def v6(port, ip=bytes(15) + b"\x01", family=AF_INET6):
    return SockaddrIn6(port, ip, family), 28


def udp(family=AF_INET):
    return (yield from sc.socket(family, SOCK_DGRAM, 0))


def bound(port, family=AF_INET):
    fd = yield from udp(family)
    assert (yield from sc.bind(fd, *(v4(port) if family == AF_INET else v6(port)))) == 0
    return fd


class FakeCosts:
    """Just enough of a cost model for a bare UdpSocket (no task runs)."""

    def get(self, cls):
        return cls()


def sock(ports, family, ip, port, remote=None):
    s = UdpSocket(FakeCosts(), 0, family, ports)
    s.lip = ip
    s.remote = remote
    s.hold(ports, port)
    return s


def test_lookup_prefers_the_exact_address_and_a_matching_connection():
    ports = UdpPorts.__new__(UdpPorts)
    ports.holders, ports.next_ephemeral = {}, EPHEMERAL_LOW
    peer = Endpoint(LOOPBACK4, 5000)
    wild = sock(ports, AF_INET, ANY4, 7000)
    exact = sock(ports, AF_INET, LOOPBACK4, 7000)
    assert udp_lookup(ports, peer, Endpoint(LOOPBACK4, 7000)) is exact
    conn = sock(ports, AF_INET, LOOPBACK4, 7000, remote=peer)  # connect set its address too
    assert udp_lookup(ports, peer, Endpoint(LOOPBACK4, 7000)) is conn
    other = Endpoint(LOOPBACK4, 5001)
    assert udp_lookup(ports, other, Endpoint(LOOPBACK4, 7000)) is exact  # the connected one only hears its peer
    assert udp_lookup(ports, peer, Endpoint(mapped(bytes([127, 0, 0, 2])), 7000)) is wild
    ports.remove(wild)
    assert udp_lookup(ports, other, Endpoint(mapped(bytes([127, 0, 0, 2])), 7000)) is None
    assert udp_lookup(ports, other, Endpoint(LOOPBACK6, 7000)) is None  # an AF_INET socket hears no IPv6
    assert udp_lookup(ports, other, Endpoint(LOOPBACK4, 7001)) is None
    dual = sock(ports, AF_INET6, bytes(16), 7000)
    assert udp_lookup(ports, other, Endpoint(LOOPBACK6, 7000)) is dual
    assert udp_lookup(ports, other, Endpoint(LOOPBACK4, 7000)) is exact  # AF_INET bound exactly wins


@pytest.mark.parametrize(
    ("family", "name", "expect"),
    [
        (AF_INET, b"\x02", -EINVAL),
        (AF_INET, b"\x02\x00" + bytes(13), -EINVAL),
        (AF_INET, (AF_INET6).to_bytes(2, "little") + (9).to_bytes(2, "big") + bytes(12), -EAFNOSUPPORT),
        (AF_INET, (AF_UNSPEC).to_bytes(2, "little") + (9).to_bytes(2, "big") + LO + bytes(8), Endpoint(LOOPBACK4, 9)),
        (AF_INET, (AF_INET).to_bytes(2, "little") + bytes(2) + LO + bytes(8), -EINVAL),
        (AF_INET6, (AF_UNSPEC).to_bytes(2, "little") + bytes(26), None),
        (AF_INET6, (AF_UNIX).to_bytes(2, "little") + bytes(26), -EINVAL),
        (AF_INET6, (AF_INET6).to_bytes(2, "little") + bytes(21), -EINVAL),
        (AF_INET6, (AF_INET).to_bytes(2, "little") + (9).to_bytes(2, "big") + LO + bytes(8), Endpoint(LOOPBACK4, 9)),
        (AF_INET6, (AF_INET6).to_bytes(2, "little") + (9).to_bytes(2, "big") + bytes(4) + LOOPBACK6 + bytes(4),
         Endpoint(LOOPBACK6, 9)),
    ],
)  # fmt: skip
def test_dest_of_reads_the_name_as_the_family_does(family, name, expect):
    ports = UdpPorts.__new__(UdpPorts)
    ports.holders, ports.next_ephemeral = {}, EPHEMERAL_LOW
    assert dest_of(UdpSocket(FakeCosts(), 0, family, ports), name) == expect


def test_ipv6_only_socket_refuses_v4_destinations():
    ports = UdpPorts.__new__(UdpPorts)
    ports.holders, ports.next_ephemeral = {}, EPHEMERAL_LOW
    s = UdpSocket(FakeCosts(), 0, AF_INET6, ports)
    s.v6only = True
    v4name = (AF_INET).to_bytes(2, "little") + (9).to_bytes(2, "big") + LO + bytes(8)
    v4mapped = (AF_INET6).to_bytes(2, "little") + (9).to_bytes(2, "big") + bytes(4) + LOOPBACK4 + bytes(4)
    assert dest_of(s, v4name) == -ENETUNREACH
    assert dest_of(s, v4mapped) == -ENETUNREACH


def test_udp_and_tcp_ports_are_apart_and_ephemeral_ports_count_from_the_bottom(runner):
    def body(ring):
        t = yield from sc.socket(AF_INET, SOCK_STREAM, 0)
        u = yield from udp()
        res = [(yield from sc.bind(t, *v4(0))), (yield from sc.bind(u, *v4(0)))]
        return {"res": res, "ports": (fd_object(t).lport, fd_object(u).lport)}

    out = run(runner, body)
    assert out["res"] == [0, 0]
    assert out["ports"] == (EPHEMERAL_LOW, EPHEMERAL_LOW)


def test_each_datagram_carries_the_source_it_was_sent_from(runner):
    """A datagram sent before the sender connected is still named as it was sent (0.0.0.0's route
    source, 127.0.0.1, and the autobound port)."""

    def body(ring):
        r = yield from bound(41500)
        s = yield from udp()
        assert (yield from sc.sendto(s, b"a", 1, 0, *v4(41500))) == 1
        port = fd_object(s).lport
        names = []
        for _ in range(2):
            sa, alen = SockaddrIn(), bytearray((16).to_bytes(4, "little"))
            assert (yield from sc.recvfrom(r, bytearray(4), 4, MSG_DONTWAIT, sa, alen)) == 1
            names.append((sa.addr, sa.port == port))
            assert (yield from sc.connect(s, *v4(41500))) == 0
            assert (yield from sc.send(s, b"b", 1, 0)) == 1
        return {"names": names, "wmem": fd_object(s).wmem}

    out = run(runner, body)
    assert out["names"] == [(LO, True), (LO, True)]
    assert out["wmem"] == 0  # loopback orphans the skb: nothing stays charged to the sender


def test_icmp_error_reaches_only_a_connected_sender_of_that_destination(runner):
    def body(ring):
        c = yield from udp()
        assert (yield from sc.connect(c, *v4(41510))) == 0
        res = [(yield from sc.send(c, b"x", 1, 0)), (yield from sc.send(c, b"x", 1, 0))]
        res.append((yield from sc.sendto(c, b"x", 1, 0, *v4(41511))))  # not its destination
        res.append((yield from sc.recv(c, bytearray(1), 1, MSG_DONTWAIT)))
        u = yield from udp()
        res.append((yield from sc.sendto(u, b"x", 1, 0, *v4(41510))))
        res.append((yield from sc.recv(u, bytearray(1), 1, MSG_DONTWAIT)))
        return {"res": res}

    assert run(runner, body)["res"] == [1, -ECONNREFUSED, 1, -EAGAIN, 1, -EAGAIN]


def test_odd_addresses_and_sqe_fields_on_udp_are_errno(runner):
    """sendto / connect / SEND / SENDMSG / RECVMSG of a UDP socket with names that are no sockaddr,
    lengths out of range, the wrong family: -errno, never an exception."""

    def body(ring):
        fd = yield from udp()
        res = [
            (yield from sc.sendto(fd, b"x", 1, 0, object(), 16)),
            (yield from sc.sendto(fd, b"x", 1, 0, bytearray(8), 16)),
            (yield from sc.sendto(fd, b"x", 1, 0, v4(41520)[0], 200)),
            (yield from sc.send(fd, b"x", 1, 0x1)),
            (yield from sc.connect(fd, object(), 16)),
            (yield from one(ring, io_uring_prep_sendto, fd, b"x", 1, 0, object(), 16)),
            (yield from one(ring, io_uring_prep_sendto, fd, b"x", 1, 0, SockaddrIn6(), 28)),
            (yield from one(ring, io_uring_prep_connect, fd, SockaddrIn6(), 28)),
            (yield from one(ring, io_uring_prep_connect, fd, v4(0)[0], 1)),
            (yield from one(ring, io_uring_prep_sendmsg, fd, Msghdr([b"x"]), 0)),
            (yield from one(ring, io_uring_prep_sendmsg, fd, Msghdr([b"x"], msg_name=object(), msg_namelen=16), 0)),
            (yield from one(ring, io_uring_prep_recvmsg, fd, Msghdr([bytearray(4)]), MSG_DONTWAIT)),
        ]
        return {"res": res}

    assert run(runner, body)["res"] == [-EFAULT, -EFAULT, -EINVAL, -EOPNOTSUPP, -EFAULT, -EFAULT, -EAFNOSUPPORT,
                                        -EAFNOSUPPORT, -EINVAL, -EDESTADDRREQ, -EFAULT, -EAGAIN]  # fmt: skip


def test_send_zc_copies_its_destination_at_prep(runner):
    """SEND_ZC reads ``addr2`` as SEND does (``io_send_setup``): unreadable -EFAULT, too long -EINVAL,
    and a UDP socket sends there."""

    def body(ring):
        r = yield from bound(41530)
        fd = yield from udp()
        res = []
        for name, n in ((object(), 16), (v4(41530)[0], 200), (v4(41530)[0], 16)):
            queue(ring, io_uring_prep_send_zc, fd, b"zc", 2, 0, 0, addr2=name, file_index=n)  # send_set_addr
            yield from io_uring_submit(ring)
            res.append([c[1] for c in (yield from reap(ring, 2))])
        res.append((yield from sc.recv(r, bytearray(4), 4, MSG_DONTWAIT)))
        return {"res": res}

    assert run(runner, body)["res"] == [[-EFAULT, 0], [-EINVAL, 0], [2, 0], 2]


def test_send_zc_from_a_registered_buffer_holds_it_until_the_notification(runner):
    """IORING_RECVSEND_FIXED_BUF over UDP (``io_send_zc_import``, ``io_import_reg_vec``): a range of the
    buffer is one datagram; an empty SENDMSG_ZC iovec, a range past the end and an empty slot are
    -EFAULT, each followed by its notification; the buffer's node is put once per import, so the tag
    CQE of the unregistered buffer comes once, after every notification."""
    def body(ring):
        r = yield from bound(41531)
        fd = yield from udp()
        assert (yield from sc.connect(fd, *v4(41531))) == 0
        reg = bytearray(b"0123456789")
        view = memoryview(reg)
        assert (yield from io_uring_register_buffers_tags(ring, [reg], [7], 1)) == 0
        queue(ring, io_uring_prep_send_zc_fixed, fd, view[2:], 3, 0, 0, 0)
        queue(ring, io_uring_prep_send_zc_fixed, fd, view[8:], 3, 0, 0, 0, ud=2)
        queue(ring, io_uring_prep_send_zc_fixed, fd, view, 3, 0, 0, 4, ud=3)
        msg = Msghdr([view[0:1], view[5:5]])
        queue(ring, io_uring_prep_sendmsg_zc, fd, msg, 0, ud=4, ioprio=1 << 2)
        yield from io_uring_submit(ring)
        cqes = yield from reap(ring, 8)
        assert (yield from io_uring_unregister_buffers(ring)) == 0
        tag = yield from reap(ring, 1)
        got = bytearray(8)
        n = yield from sc.recv(r, got, 8, MSG_DONTWAIT)
        return {"r": ([c[:2] for c in cqes], tag[0][:2], bytes(got[:n]))}

    cqes, tag, got = run(runner, body)["r"]
    sends = [c for c in cqes if c[1] != 0]
    assert sends == [(1, 3), (2, -EFAULT), (3, -EFAULT), (4, -EFAULT)]
    assert sorted(c[0] for c in cqes if c[1] == 0) == [1, 2, 3, 4]
    assert tag == (7, 0)
    assert got == b"234"


@pytest.mark.parametrize("v4", [True, False])
def test_truesize_steps_with_the_head_then_counts_paged_bytes(v4):
    """``udp_truesize``: constant while the head fits the small-head cache, then powers of two plus
    the ``sk_buff``, never smaller for a longer payload; past the linear limit it grows byte for byte."""
    sizes = [udp_truesize(n, v4) for n in range(0, 20001, 7)]
    assert sizes == sorted(sizes)
    assert udp_truesize(0, v4) == udp_truesize(100, v4) == SKB_SMALL_HEAD + SKB_STRUCT_SIZE
    linear = {s - SKB_STRUCT_SIZE for s in sizes if s - SKB_STRUCT_SIZE > SKB_SMALL_HEAD}
    assert {s for s in linear if s <= 16384} <= {1024, 2048, 4096, 8192, 16384}
    assert udp_truesize(30001, v4) - udp_truesize(30000, v4) == 1


def test_receive_memory_drops_what_does_not_fit_but_always_takes_one(runner):
    """``__udp_enqueue_schedule_skb``: an empty queue takes any datagram; then one is queued only if
    its true size fits beside the others in ``sk_rcvbuf``; reading gives the charge back."""

    def body(ring):
        r = yield from bound(41532)
        fd = yield from udp()
        assert (yield from sc.connect(fd, *v4(41532))) == 0
        assert (yield from sc.setsockopt(r, 1, 8, (0).to_bytes(4, "little"), 4)) == 0  # SO_RCVBUF: 2304
        sock = fd_object(r)
        sent = []
        for n in (3000, 1):
            sent.append((yield from sc.send(fd, bytes(n), n, 0)))
        after_big = (sock.rmem, len(sock.rxq))
        yield from sc.recv(r, bytearray(8), 8, MSG_DONTWAIT)
        for _ in range(4):
            sent.append((yield from sc.send(fd, b"x", 1, 0)))
        return {"r": (sent, after_big, len(sock.rxq), sock.rmem, sock.rcvbuf)}

    sent, after_big, queued, rmem, rcvbuf = run(runner, body)["r"]
    assert sent == [3000, 1, 1, 1, 1, 1]
    assert after_big == (udp_truesize(3000, True), 1)
    small = udp_truesize(1, True)
    assert queued == rcvbuf // small
    assert rmem == queued * small


def _deferral(runner, port, val, before_send, reads):
    """A receiver with SO_RCVBUF ``val`` and 12 one-letter datagrams sent to it, after the first
    of which ``before_send(r)`` runs; then ``reads`` rounds of one receive and one more send; the
    letters left, drained, and the receiver's ``sk_rmem_alloc`` and deficit before the drain."""

    def body(ring):
        r = yield from bound(port)
        fd = yield from udp()
        assert (yield from sc.connect(fd, *v4(port))) == 0
        assert (yield from sc.setsockopt(r, 1, 8, val.to_bytes(4, "little"), 4)) == 0
        sock = fd_object(r)
        for i in range(12):
            yield from sc.send(fd, bytes([97 + i]), 1, 0)
            if i == 0:
                yield from before_send(r)
        for i in range(reads):
            yield from sc.recv(r, bytearray(4), 4, MSG_DONTWAIT)
            yield from sc.send(fd, bytes([109 + i]), 1, 0)
        state = (sock.rmem, sock.deficit)
        got = bytearray()
        buf = bytearray(4)
        while (n := (yield from sc.recv(r, buf, 4, MSG_DONTWAIT))) > 0:
            got += buf[:n]
        return {"r": (bytes(got), state, sock.rmem, sock.deficit)}

    return run(runner, body)["r"]


def _nothing(r):
    return
    yield


def test_a_read_datagrams_memory_goes_back_once_a_quarter_of_rcvbuf_is_read(runner):
    """``udp_rmem_release``: with sk_rcvbuf 8000 (threshold 2000) and 832-byte datagrams, nine are
    queued; the first two reads keep their memory (the datagram after each is dropped), the third
    gives all three back (the next one fits), and draining empties the reader queue, giving
    everything back."""
    small = udp_truesize(1, True)
    left, (rmem, deficit), end_rmem, end_deficit = _deferral(runner, 41533, 4000, _nothing, 4)
    assert left == b"efghiop"
    assert (rmem, deficit) == (8 * small, small)  # 7 queued, d read, not given back
    assert (end_rmem, end_deficit) == (0, 0)


def test_siocinq_refills_the_reader_queue_so_the_first_read_gives_its_memory_back(runner):
    """SIOCINQ (``first_packet_length``) moves the one queued datagram into the empty reader queue:
    reading it empties that queue and gives its memory back at once, so the datagram sent after that
    read is queued, where without the SIOCINQ it is dropped."""

    def siocinq(r):
        sock = fd_object(r)
        assert sock.queue_ioctl(True) == 1
        return
        yield

    left, _, _, _ = _deferral(runner, 41534, 4000, siocinq, 2)
    # a read and given back (the reader queue empty): m queued; b read and kept (c..i in the
    # reader queue): n dropped
    assert left == b"cdefghim"  # without the SIOCINQ: b"cdefghi" (m dropped too)


def test_fuzzed_fixed_and_vectorized_zc_fields_never_raise(runner):
    """SEND_ZC / SENDMSG_ZC with IORING_RECVSEND_FIXED_BUF or IORING_SEND_VECTORIZED on a UDP socket:
    odd ``addr`` / ``len`` / ``buf_index`` / iovec values answer -errno CQEs (a request that got its
    notification, IORING_CQE_F_MORE, then posts it), never an exception."""
    odd = (0, -1, 1 << 63, 0xFFFF, bytearray(2), b"xy", [b"a", None], [Iovec(0, 4)], None, object())

    def one_zc(ring):
        yield from io_uring_submit(ring)
        first = (yield from reap_flags(ring, 1))[0]
        if first[2] & IORING_CQE_F_MORE:
            notif = (yield from reap_flags(ring, 1))[0]
            assert notif[2] & IORING_CQE_F_NOTIF
        return first

    def body(ring):
        fd = yield from udp()
        assert (yield from sc.connect(fd, *v4(41533))) == 0
        reg = bytearray(16)
        assert (yield from io_uring_register_buffers_tags(ring, [reg], None, 1)) == 0
        res = []
        for zc, field, value in itertools.product((1 << 2, 1 << 5), ("addr", "len", "buf_index"), odd):
            queue(ring, io_uring_prep_send_zc, fd, reg, 4, 0, zc, **{field: value})
            res.append((yield from one_zc(ring)))
        for value in odd:
            queue(ring, io_uring_prep_sendmsg_zc, fd, Msghdr([value] if value is not None else []), 0, ioprio=1 << 2)
            res.append((yield from one_zc(ring)))
        return {"res": res}

    res = run(runner, body)["res"]
    assert len(res) == 2 * 3 * 10 + 10
    assert all(isinstance(r[1], int) for r in res)
    assert any(r[1] == -EFAULT for r in res) and any(r[1] > 0 for r in res)
