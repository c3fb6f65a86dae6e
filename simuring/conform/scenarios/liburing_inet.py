"""TCP over loopback (AF_INET / AF_INET6 SOCK_STREAM) as liburing's socket tests use it (accept.c,
connect.c, socket-rw.c, socket-io.c, send_recv.c, recv-multishot.c, shutdown.c, poll-link.c,
send-zerocopy.c, socket-getsetsock-cmd.c): socket(2) / SOCKET, bind / BIND, listen / LISTEN,
connect / CONNECT, accept4 / ACCEPT, getsockname / getpeername, data, shutdown, close, poll and the
URING_CMD socket commands; names prefixed ``lin-``.

Addresses are ``L.SockaddrIn`` / ``L.SockaddrIn6``.  Every scenario uses fixed ports of its own in
29100-29599 (below the kernel's ephemeral range, 32768-60999, so that no connection elsewhere on the
machine can hold one), sets SO_REUSEADDR on every socket that binds a port a connection will use (a
socket closed first leaves a TIME_WAIT on its port for 60 s, and the scenarios run again), closes
everything, and never records an ephemeral port's number (the kernel picks it at random): only
whether it is non-zero.  Each observation across two sockets waits for what it observes (a blocking
call, a POLL_ADD), as loopback delivers within softirqs."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    link_timeout,
    new_ring,
    prep_named,
    reap_one,
    submit_and_reap,
)
from simuring.conform.scenarios.liburing_pbuf import provide, recv_sel
from simuring.conform.scenarios.liburing_sockx import (
    SO_ACCEPTCONN,
    SO_DOMAIN,
    SO_ERROR,
    SO_PROTOCOL,
    SO_TYPE,
    SOL_SOCKET,
)
from simuring.uapi import (
    IORING_FILE_INDEX_ALLOC,
    IORING_RECV_MULTISHOT,
    IORING_SEND_ZC_REPORT_USAGE,
    IOSQE_FIXED_FILE,
    IOSQE_IO_LINK,
    SOCKET_URING_OP_GETSOCKOPT,
    SOCKET_URING_OP_SETSOCKOPT,
    SOCKET_URING_OP_SIOCINQ,
    SOCKET_URING_OP_SIOCOUTQ,
)

TAGS = ("liburing", "inet", "net")

PORT = 29100
LO4 = bytes([127, 0, 0, 1])
LO6 = bytes(15) + b"\x01"
ANY4 = bytes(4)


def mapped(v4: bytes) -> bytes:
    """``::ffff:a.b.c.d``."""
    return bytes(10) + b"\xff\xff" + v4


#: <asm-generic/socket.h>, <netinet/in.h>, <netinet/tcp.h>, <poll.h>
SO_REUSEADDR = 2
SO_REUSEPORT = 15
TCP_NODELAY = 1
IPV6_V6ONLY = 26
POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP = 0x1, 0x2, 0x4, 0x8, 0x10
POLLRDNORM, POLLWRNORM, POLLWRBAND, POLLRDHUP = 0x40, 0x100, 0x200, 0x2000
ALL_EVENTS = POLLIN | POLLPRI | POLLOUT | POLLRDNORM | POLLWRNORM | POLLWRBAND | POLLRDHUP
SHUT_RD, SHUT_WR = 0, 1
MSG_NOSIGNAL = 0x4000


def sin(L: Any, port: int, ip: bytes = LO4, family: int | None = None) -> tuple[Any, int]:
    """A ``sockaddr_in`` and its length (16)."""
    return L.SockaddrIn(port, ip, L.AF_INET if family is None else family), 16


def sin6(L: Any, port: int, ip: bytes = LO6, family: int | None = None, scope_id: int = 0) -> tuple[Any, int]:
    """A ``sockaddr_in6`` and its length (28)."""
    return L.SockaddrIn6(port, ip, L.AF_INET6 if family is None else family, scope_id=scope_id), 28


def one(L: Any, ring: Any, ud: int, helper: str, *args: Any, sqe_flags: int = 0) -> Gen:
    """Submit one SQE and reap it: its result (-1 if none came)."""
    prep_named(L, ring, ud, helper, *args, sqe_flags=sqe_flags)
    yield from L.io_uring_submit(ring)
    got = yield from reap_one(L, ring)
    return -1 if got is None else got[1]


def intval(n: int) -> bytearray:
    """A C int in 4 bytes (a socklen_t, an option value)."""
    return bytearray((n & 0xFFFF_FFFF).to_bytes(4, "little"))


def setopt(L: Any, ring: Any, ud: int, fd: int, level: int, name: int, val: int = 1) -> Gen:
    """SETSOCKOPT through URING_CMD (io_uring_prep_cmd_sock(3)); its result."""
    return (yield from one(L, ring, ud, "io_uring_prep_cmd_sock", SOCKET_URING_OP_SETSOCKOPT, fd, level, name, intval(val), 4))


def getopt(L: Any, ring: Any, ud: int, fd: int, name: int, label: str) -> Gen:
    """GETSOCKOPT at SOL_SOCKET through URING_CMD; the value is recorded under ``label``."""
    buf = bytearray(4)
    yield from one(L, ring, ud, "io_uring_prep_cmd_sock", SOCKET_URING_OP_GETSOCKOPT, fd, SOL_SOCKET, name, buf, 4)
    L.record(label, int.from_bytes(buf, "little"))


def stream(L: Any, v6: bool = False, flags: int = 0) -> Gen:
    """socket(2): a TCP socket."""
    return (yield from L.socket(L.AF_INET6 if v6 else L.AF_INET, L.SOCK_STREAM | flags, 0))


def streams(L: Any, n: int) -> Gen:
    """``n`` AF_INET TCP sockets."""
    out = []
    for _ in range(n):
        out.append((yield from stream(L)))
    return out


def clients(L: Any, port: int, n: int) -> Gen:
    """``n`` sockets connected to ``port`` on 127.0.0.1."""
    out = []
    for _ in range(n):
        out.append((yield from client(L, port)))
    return out


def listener(L: Any, ring: Any, port: int, v6: bool = False, ip: bytes | None = None, backlog: int = 8) -> Gen:
    """A socket with SO_REUSEADDR bound to ``port`` (on loopback, or ``ip``) and listening."""
    fd = yield from stream(L, v6)
    yield from setopt(L, ring, 90, fd, SOL_SOCKET, SO_REUSEADDR)
    a, n = sin6(L, port, LO6 if ip is None else ip) if v6 else sin(L, port, LO4 if ip is None else ip)
    yield from L.bind(fd, a, n)
    yield from L.listen(fd, backlog)
    return fd


def client(L: Any, port: int, v6: bool = False, ip: bytes | None = None, flags: int = 0, to_v6: bool | None = None) -> Gen:
    """A socket connected with connect(2) to ``port`` on loopback (or ``ip``)."""
    fd = yield from stream(L, v6, flags)
    dest_v6 = v6 if to_v6 is None else to_v6
    a, n = sin6(L, port, LO6 if ip is None else ip) if dest_v6 else sin(L, port, LO4 if ip is None else ip)
    yield from L.connect(fd, a, n)
    return fd


def accept(L: Any, lfd: int, label: str = "peer", v6: bool = False) -> Gen:
    """accept4(2) with room for the peer's address, which is recorded (the port only as non-zero)."""
    sa = L.SockaddrIn6() if v6 else L.SockaddrIn()
    alen = intval(28 if v6 else 16)
    fd = yield from L.accept4(lfd, sa, alen, 0)
    show(L, label, sa, alen)
    return fd


def show(L: Any, label: str, sa: Any, alen: bytearray, fixed_port: bool = False) -> None:
    """Record an address: its length, family, address bytes and port (or whether the port is non-zero)."""
    port = sa.port if fixed_port else sa.port != 0
    L.record(label, (int.from_bytes(alen, "little"), sa.family, sa.addr.hex(), port))


def name_of(L: Any, fd: int, label: str, v6: bool = False, peer: bool = False, fixed_port: bool = False) -> Gen:
    """getsockname(2) / getpeername(2) of ``fd``, recorded with :func:`show`."""
    sa = L.SockaddrIn6() if v6 else L.SockaddrIn()
    alen = intval(28 if v6 else 16)
    ret = yield from (L.getpeername if peer else L.getsockname)(fd, sa, alen)
    if ret == 0:
        show(L, label, sa, alen, fixed_port)


def received(L: Any, fd: int, n: int = 8, label: str = "data") -> Gen:
    """recv(2) of at most ``n`` bytes on ``fd`` (it waits for them); the bytes are recorded."""
    buf = bytearray(n)
    got = yield from L.recv(fd, buf, n, 0)
    L.record(label, bytes(buf[: max(got, 0)]))


def closing(L: Any, ring: Any, *fds: int) -> Gen:
    """Close ``fds`` in order (clients first: their ephemeral ports take the TIME_WAIT) and the ring."""
    for fd in fds:
        if fd >= 0:
            yield from L.close(fd)
    if ring is not None:
        yield from L.io_uring_queue_exit(ring)


def poll_wait(L: Any, ring: Any, ud: int, fd: int, mask: int = ALL_EVENTS) -> Gen:
    """A POLL_ADD of ``mask`` on ``fd`` reaped (it waits for an event): the mask it reports."""
    return (yield from one(L, ring, ud, "io_uring_prep_poll_add", fd, mask))


def pair(L: Any, ring: Any, port: int, v6: bool = False) -> Gen:
    """A listener on ``port``, a client connected to it and the accepted socket: (listener, client, server)."""
    lfd = yield from listener(L, ring, port, v6)
    c = yield from client(L, port, v6)
    s = yield from L.accept4(lfd, None, None, 0)
    return lfd, c, s


# -- socket(2), SOCKET --------------------------------------------------------------------


@scenario("lin-socket-inet", tags=TAGS)
def lin_socket_inet(L: Any) -> Gen:
    """socket(2) AF_INET / AF_INET6 SOCK_STREAM with protocol 0 or IPPROTO_TCP, SOCK_NONBLOCK |
    SOCK_CLOEXEC too; GETSOCKOPT SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_ACCEPTCONN, SO_ERROR (URING_CMD)."""
    ring = yield from new_ring(L, 8)
    fds = [
        (yield from L.socket(L.AF_INET, L.SOCK_STREAM, 0)),
        (yield from L.socket(L.AF_INET6, L.SOCK_STREAM, L.IPPROTO_TCP)),
        (yield from L.socket(L.AF_INET, L.SOCK_STREAM | L.SOCK_NONBLOCK | L.SOCK_CLOEXEC, L.IPPROTO_TCP)),
    ]
    for i, fd in enumerate(fds[:2]):
        for j, opt in enumerate((SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_ACCEPTCONN, SO_ERROR)):
            yield from getopt(L, ring, 10 * i + j, fd, opt, f"fd{i} opt{opt}")
    yield from closing(L, ring, *fds)


@scenario("lin-socket-protocols", tags=TAGS)
def lin_socket_protocols(L: Any) -> Gen:
    """``inet_create``'s protocol rules: UDP (17), SCTP (132) or 255 for SOCK_STREAM -EPROTONOSUPPORT,
    263 (IPPROTO_MAX) or -1 -EINVAL, SOCK_SEQPACKET -ESOCKTNOSUPPORT (no SCTP), SOCK_DGRAM with TCP and
    SOCK_RAW with protocol 0 -EPROTONOSUPPORT; the same through SOCKET; socketpair(2) AF_INET -EOPNOTSUPP."""
    ring = yield from new_ring(L, 8)
    cases = ((2, 1, 17), (10, 1, 132), (2, 1, 255), (2, 1, 263), (10, 1, -1), (2, 5, 0), (10, 5, 132), (2, 2, 6), (2, 3, 0), (10, 2, 6))
    for ud, (dom, typ, proto) in enumerate(cases, 1):
        yield from L.socket(dom, typ, proto)
        yield from one(L, ring, ud, "io_uring_prep_socket", dom, typ, proto, 0)
    sv = [0, 0]
    yield from L.socketpair(L.AF_INET, L.SOCK_STREAM, 0, sv)
    yield from L.socketpair(L.AF_INET6, L.SOCK_STREAM, 17, sv)
    yield from L.io_uring_queue_exit(ring)


@scenario("lin-socket-op", tags=TAGS)
def lin_socket_op(L: Any) -> Gen:
    """SOCKET AF_INET and AF_INET6 give TCP sockets that bind and listen; SOCKET into a registered slot
    (IORING_FILE_INDEX_ALLOC), then BIND and LISTEN on the fixed file, and getsockname shows the port."""
    ring = yield from new_ring(L, 8)
    fd = yield from one(L, ring, 1, "io_uring_prep_socket", L.AF_INET, L.SOCK_STREAM, 0, 0)
    fd6 = yield from one(L, ring, 2, "io_uring_prep_socket", L.AF_INET6, L.SOCK_STREAM | L.SOCK_NONBLOCK, 0, 0)
    yield from getopt(L, ring, 3, fd6, SO_DOMAIN, "domain")
    yield from L.io_uring_register_files_sparse(ring, 2)
    slot = yield from one(L, ring, 4, "io_uring_prep_socket_direct_alloc", L.AF_INET, L.SOCK_STREAM, 0, 0)
    a, n = sin(L, PORT + 1)
    yield from one(L, ring, 5, "io_uring_prep_bind", slot, a, n, sqe_flags=IOSQE_FIXED_FILE)
    yield from one(L, ring, 6, "io_uring_prep_listen", slot, 4, sqe_flags=IOSQE_FIXED_FILE)
    c = yield from client(L, PORT + 1)
    yield from name_of(L, c, "client's peer", peer=True, fixed_port=True)
    yield from closing(L, ring, c, fd, fd6)


# -- bind ---------------------------------------------------------------------------------


def bind_fresh(L: Any, v6: bool, a: Any, n: int) -> Gen:
    """bind(2) of a new socket to ``a`` (length ``n``), then close it."""
    fd = yield from stream(L, v6)
    yield from L.bind(fd, a, n)
    yield from L.close(fd)


@scenario("lin-bind-v4-errors", tags=TAGS)
def lin_bind_v4_errors(L: Any) -> Gen:
    """``__inet_bind``: a length under 16 (15, 2, 0) -EINVAL, a family other than AF_INET -EAFNOSUPPORT
    (AF_UNIX, AF_INET6 with a 28-byte sockaddr_in6, AF_UNSPEC with 127.0.0.1), AF_UNSPEC with INADDR_ANY
    taken as AF_INET (0), an address the host does not have (203.0.113.1, 0.0.0.1) -EADDRNOTAVAIL."""
    p = PORT + 10
    a, _ = sin(L, p)
    for n in (15, 2, 0):
        yield from bind_fresh(L, False, a, n)
    for fam, ip in ((L.AF_UNIX, LO4), (L.AF_UNSPEC, LO4), (L.AF_UNSPEC, ANY4)):
        yield from bind_fresh(L, False, *sin(L, p, ip, fam))
    yield from bind_fresh(L, False, *sin6(L, p))
    for ip in (bytes([203, 0, 113, 1]), bytes([0, 0, 0, 1])):
        yield from bind_fresh(L, False, *sin(L, p, ip))


@scenario("lin-bind-v4-kinds", tags=TAGS)
def lin_bind_v4_kinds(L: Any) -> Gen:
    """Addresses an AF_INET TCP socket may bind (``inet_addr_valid_or_nonlocal``): 127.0.0.2 and 127.1.2.3
    (all of 127/8 is local), the wildcard, the limited broadcast, a multicast group; a 20-byte length
    is fine; getsockname shows the address and port."""
    ips = (bytes([127, 0, 0, 2]), bytes([127, 1, 2, 3]), ANY4, bytes([255] * 4), bytes([224, 0, 0, 1]))
    for i, ip in enumerate(ips):
        fd = yield from stream(L)
        a, _ = sin(L, PORT + 20 + i, ip)
        yield from L.bind(fd, a, 20 if i == 0 else 16)
        yield from name_of(L, fd, f"name {i}", fixed_port=True)
        yield from L.close(fd)


@scenario("lin-bind-v6-errors", tags=TAGS)
def lin_bind_v6_errors(L: Any) -> Gen:
    """``__inet6_bind``: a length under 24 (23, or a 16-byte sockaddr_in) -EINVAL, another family
    -EAFNOSUPPORT, a multicast address -EINVAL, a link-local one without a scope id -EINVAL (with lo's
    index -EADDRNOTAVAIL: lo has none), addresses the host lacks (2001:db8::1, ::2,
    ::ffff:203.0.113.1) -EADDRNOTAVAIL; an AF_INET socket given a sockaddr_in6 -EAFNOSUPPORT."""
    p = PORT + 30
    a, _ = sin6(L, p)
    yield from bind_fresh(L, True, a, 23)
    yield from bind_fresh(L, True, *sin(L, p))
    yield from bind_fresh(L, True, *sin6(L, p, family=L.AF_INET))
    ll = bytes([0xFE, 0x80]) + bytes(13) + b"\x01"
    cases = (sin6(L, p, bytes([0xFF, 0x02]) + bytes(13) + b"\x01"), sin6(L, p, ll), sin6(L, p, ll, scope_id=1),
             sin6(L, p, bytes([0x20, 0x01, 0x0D, 0xB8]) + bytes(11) + b"\x01"), sin6(L, p, bytes(15) + b"\x02"),
             sin6(L, p, mapped(bytes([203, 0, 113, 1]))))  # fmt: skip
    for a6, n in cases:
        yield from bind_fresh(L, True, a6, n)
    yield from bind_fresh(L, False, *sin6(L, p))


@scenario("lin-bind-v6-kinds", tags=TAGS)
def lin_bind_v6_kinds(L: Any) -> Gen:
    """AF_INET6 binds: ``::1`` (with a 24-byte length too), ``::``, ``::ffff:127.0.0.1`` and
    ``::ffff:0.0.0.0`` (v4-mapped); getsockname gives a 28-byte sockaddr_in6 with the address."""
    ips = (LO6, bytes(16), mapped(LO4), mapped(ANY4))
    for i, ip in enumerate(ips):
        fd = yield from stream(L, True)
        a, _ = sin6(L, PORT + 40 + i, ip)
        yield from L.bind(fd, a, 24 if i == 0 else 28)
        yield from name_of(L, fd, f"name {i}", v6=True, fixed_port=True)
        yield from L.close(fd)


@scenario("lin-bind-twice", tags=TAGS)
def lin_bind_twice(L: Any) -> Gen:
    """A bound socket cannot bind again (-EINVAL, also to another port, and for AF_INET6); nor a
    listening one; a bind with an unavailable address on a bound socket: AF_INET checks the address first
    (-EADDRNOTAVAIL), AF_INET6 the socket (-EINVAL)."""
    p = PORT + 50
    fd = yield from stream(L)
    yield from L.bind(fd, *sin(L, p))
    yield from L.bind(fd, *sin(L, p + 1))
    yield from L.bind(fd, *sin(L, p, bytes([203, 0, 113, 1])))
    yield from L.listen(fd, 1)
    yield from L.bind(fd, *sin(L, p + 2))
    fd6 = yield from stream(L, True)
    yield from L.bind(fd6, *sin6(L, p + 3))
    yield from L.bind(fd6, *sin6(L, p + 4))
    yield from L.bind(fd6, *sin6(L, p + 4, bytes(15) + b"\x02"))
    yield from closing(L, None, fd, fd6)


@scenario("lin-bind-addrinuse", tags=TAGS)
def lin_bind_addrinuse(L: Any) -> Gen:
    """Without SO_REUSEADDR a port held at an overlapping address is -EADDRINUSE: the same address,
    the wildcard against 127.0.0.1 both ways; 127.0.0.2 beside 127.0.0.1 is fine; once the holder is
    closed the port is free again."""
    p = PORT + 60
    a = yield from stream(L)
    yield from L.bind(a, *sin(L, p))
    for ip in (LO4, ANY4, bytes([127, 0, 0, 2])):
        yield from bind_fresh(L, False, *sin(L, p, ip))
    b = yield from stream(L)
    yield from L.bind(b, *sin(L, p + 1, ANY4))
    yield from bind_fresh(L, False, *sin(L, p + 1))
    yield from L.close(a)
    yield from bind_fresh(L, False, *sin(L, p))
    yield from L.close(b)


@scenario("lin-bind-reuseaddr", tags=TAGS)
def lin_bind_reuseaddr(L: Any) -> Gen:
    """SO_REUSEADDR (URING_CMD SETSOCKOPT, read back with GETSOCKOPT): two sockets with it share a port;
    with it on one side only -EADDRINUSE; once one listens a third -EADDRINUSE, and the second cannot
    listen (``inet_csk_listen_start`` checks again: -EADDRINUSE)."""
    ring = yield from new_ring(L, 8)
    p = PORT + 70
    a, b, c, d = yield from streams(L, 4)
    for ud, fd in enumerate((a, b, c), 1):
        yield from setopt(L, ring, ud, fd, SOL_SOCKET, SO_REUSEADDR)
    yield from getopt(L, ring, 5, a, SO_REUSEADDR, "reuseaddr")
    yield from getopt(L, ring, 6, d, SO_REUSEADDR, "not set")
    yield from L.bind(a, *sin(L, p))
    yield from L.bind(b, *sin(L, p))
    yield from L.bind(d, *sin(L, p))
    yield from L.listen(a, 4)
    yield from L.bind(c, *sin(L, p))
    yield from L.listen(b, 4)
    yield from closing(L, ring, a, b, c, d)


@scenario("lin-bind-reuseport", tags=TAGS)
def lin_bind_reuseport(L: Any) -> Gen:
    """SO_REUSEPORT on both: two sockets bind and listen on one port; without it on the second
    -EADDRINUSE; on an AF_UNIX socket SO_REUSEPORT is -EOPNOTSUPP."""
    ring = yield from new_ring(L, 8)
    p = PORT + 80
    a, b, c = yield from streams(L, 3)
    yield from setopt(L, ring, 1, a, SOL_SOCKET, SO_REUSEPORT)
    yield from setopt(L, ring, 2, b, SOL_SOCKET, SO_REUSEPORT)
    yield from getopt(L, ring, 3, b, SO_REUSEPORT, "reuseport")
    yield from L.bind(a, *sin(L, p))
    yield from L.listen(a, 4)
    yield from L.bind(b, *sin(L, p))
    yield from L.listen(b, 4)
    yield from L.bind(c, *sin(L, p))
    u = yield from L.socket(L.AF_UNIX, L.SOCK_STREAM, 0)
    yield from setopt(L, ring, 4, u, SOL_SOCKET, SO_REUSEPORT)
    yield from setopt(L, ring, 5, u, SOL_SOCKET, SO_REUSEADDR)
    yield from closing(L, ring, a, b, c, u)


@scenario("lin-bind-dualstack", tags=TAGS)
def lin_bind_dualstack(L: Any) -> Gen:
    """The dual-stack rule: an AF_INET6 socket on ``::`` holds the IPv4 port too (127.0.0.1 and 0.0.0.0
    -EADDRINUSE); an AF_INET socket on 127.0.0.1 blocks ``::`` but not ``::1``; with IPV6_V6ONLY
    (SETSOCKOPT at IPPROTO_IPV6) ``::`` leaves IPv4 free."""
    ring = yield from new_ring(L, 8)
    p = PORT + 90
    a = yield from stream(L, True)
    yield from L.bind(a, *sin6(L, p, bytes(16)))
    yield from bind_fresh(L, False, *sin(L, p))
    yield from bind_fresh(L, False, *sin(L, p, ANY4))
    b = yield from stream(L)
    yield from L.bind(b, *sin(L, p + 1))
    yield from bind_fresh(L, True, *sin6(L, p + 1, bytes(16)))
    yield from bind_fresh(L, True, *sin6(L, p + 1))
    c = yield from stream(L, True)
    yield from setopt(L, ring, 1, c, L.IPPROTO_IPV6, IPV6_V6ONLY)
    yield from L.bind(c, *sin6(L, p + 2, bytes(16)))
    yield from bind_fresh(L, False, *sin(L, p + 2))
    yield from closing(L, ring, a, b, c)


@scenario("lin-bind-port0", tags=TAGS)
def lin_bind_port0(L: Any) -> Gen:
    """Port 0 picks an ephemeral port (getsockname: non-zero; its number is the kernel's random
    choice, not recorded); an unbound socket's name is the wildcard with port 0 (16 bytes, or 28 for
    AF_INET6); getpeername of an unconnected socket -ENOTCONN; a short length gets a truncated copy and
    the full length."""
    a = yield from stream(L)
    yield from L.bind(a, *sin(L, 0))
    yield from name_of(L, a, "bound")
    b = yield from stream(L, True)
    yield from name_of(L, b, "unbound v6", v6=True, fixed_port=True)
    yield from L.bind(b, *sin6(L, 0))
    yield from name_of(L, b, "bound v6", v6=True)
    c = yield from stream(L)
    yield from name_of(L, c, "unbound", fixed_port=True)
    yield from name_of(L, c, "peer", peer=True)
    short, slen = bytearray(8), intval(8)
    yield from L.getsockname(c, short, slen)
    L.record("short", (bytes(short).hex(), int.from_bytes(slen, "little")))
    yield from closing(L, None, a, b, c)


@scenario("lin-bind-op", tags=TAGS)
def lin_bind_op(L: Any) -> Gen:
    """BIND with a sockaddr_in: 0; a 15-byte length -EINVAL at issue (fails the link); -EADDRINUSE for a
    taken port; LISTEN then shows in SO_ACCEPTCONN; BIND on an AF_INET6 socket with a sockaddr_in6."""
    ring = yield from new_ring(L, 8)
    p = PORT + 100
    a, b, c = (yield from stream(L)), (yield from stream(L)), (yield from stream(L, True))
    yield from one(L, ring, 1, "io_uring_prep_bind", a, *sin(L, p))
    prep_named(L, ring, 2, "io_uring_prep_bind", b, sin(L, p + 1)[0], 15, sqe_flags=IOSQE_IO_LINK)
    prep_named(L, ring, 3, "io_uring_prep_nop")
    yield from submit_and_reap(L, ring, 2)
    yield from one(L, ring, 4, "io_uring_prep_bind", b, *sin(L, p))
    yield from one(L, ring, 5, "io_uring_prep_listen", a, 4)
    yield from getopt(L, ring, 6, a, SO_ACCEPTCONN, "listening")
    yield from one(L, ring, 7, "io_uring_prep_bind", c, *sin6(L, p + 2))
    yield from closing(L, ring, a, b, c)


@scenario("lin-sockopt-levels", tags=TAGS)
def lin_sockopt_levels(L: Any) -> Gen:
    """SETSOCKOPT levels on TCP: TCP_NODELAY at IPPROTO_TCP 0, an unknown TCP option -ENOPROTOOPT,
    IPV6_V6ONLY on an AF_INET socket -ENOPROTOOPT and on an AF_INET6 one once bound -EINVAL, a short
    optlen -EINVAL; an AF_UNIX socket answers IPPROTO_TCP with -EOPNOTSUPP; GETSOCKOPT at IPPROTO_TCP
    -EOPNOTSUPP (io_uring takes only SOL_SOCKET)."""
    ring = yield from new_ring(L, 8)
    a, b = (yield from stream(L)), (yield from stream(L, True))
    u = yield from L.socket(L.AF_UNIX, L.SOCK_STREAM, 0)
    yield from setopt(L, ring, 1, a, L.IPPROTO_TCP, TCP_NODELAY)
    yield from setopt(L, ring, 2, a, L.IPPROTO_TCP, 99)
    yield from setopt(L, ring, 3, a, L.IPPROTO_IPV6, IPV6_V6ONLY)
    yield from setopt(L, ring, 4, b, L.IPPROTO_IPV6, IPV6_V6ONLY, 0)
    yield from L.bind(b, *sin6(L, PORT + 105))
    yield from setopt(L, ring, 5, b, L.IPPROTO_IPV6, IPV6_V6ONLY, 0)
    yield from one(L, ring, 6, "io_uring_prep_cmd_sock", SOCKET_URING_OP_SETSOCKOPT, a, L.IPPROTO_TCP, TCP_NODELAY, intval(1), 2)
    yield from setopt(L, ring, 7, u, L.IPPROTO_TCP, TCP_NODELAY)
    yield from one(L, ring, 8, "io_uring_prep_cmd_sock", SOCKET_URING_OP_GETSOCKOPT, a, L.IPPROTO_TCP, TCP_NODELAY, bytearray(4), 4)
    yield from closing(L, ring, a, b, u)


# -- listen -------------------------------------------------------------------------------


@scenario("lin-listen-autobind", tags=TAGS)
def lin_listen_autobind(L: Any) -> Gen:
    """listen(2) on an unbound socket takes an ephemeral port on the wildcard (getsockname: 0.0.0.0, port
    non-zero), and a client reaches it at 127.0.0.1 on that port; listening again only sets the backlog."""
    lfd = yield from stream(L)
    yield from L.listen(lfd, 4)
    yield from L.listen(lfd, 8)
    sa, alen = L.SockaddrIn(), intval(16)
    yield from L.getsockname(lfd, sa, alen)
    show(L, "listener", sa, alen)
    c = yield from stream(L)
    yield from L.connect(c, L.SockaddrIn(sa.port, LO4), 16)
    s = yield from accept(L, lfd)
    yield from closing(L, None, c, s, lfd)


@scenario("lin-listen-errors", tags=TAGS)
def lin_listen_errors(L: Any) -> Gen:
    """``inet_listen``: a connected socket and an accepted one -EINVAL; LISTEN on them too; a listener's
    SO_ACCEPTCONN is 1, a connected socket's 0."""
    ring = yield from new_ring(L, 8)
    lfd, c, s = yield from pair(L, ring, PORT + 110)
    yield from L.listen(c, 4)
    yield from L.listen(s, 4)
    yield from one(L, ring, 1, "io_uring_prep_listen", c, 4)
    yield from getopt(L, ring, 2, lfd, SO_ACCEPTCONN, "listener")
    yield from getopt(L, ring, 3, c, SO_ACCEPTCONN, "client")
    yield from closing(L, ring, c, s, lfd)


# -- connect ------------------------------------------------------------------------------


@scenario("lin-connect-basic", tags=TAGS)
def lin_connect_basic(L: Any) -> Gen:
    """connect(2) to a listener on 127.0.0.1 completes (0); accept4 gives the client's address (16 bytes,
    127.0.0.1, its ephemeral port); the client's getpeername is the listener's address and port, the
    accepted socket's getsockname the same, and the two ends agree on the client's port."""
    p = PORT + 120
    ring = yield from new_ring(L, 8)
    lfd = yield from listener(L, ring, p)
    c = yield from client(L, p)
    s = yield from accept(L, lfd)
    yield from name_of(L, c, "client peer", peer=True, fixed_port=True)
    yield from name_of(L, s, "server name", fixed_port=True)
    cs, n1 = L.SockaddrIn(), intval(16)
    sp, n2 = L.SockaddrIn(), intval(16)
    yield from L.getsockname(c, cs, n1)
    yield from L.getpeername(s, sp, n2)
    L.record("same client port", cs.port == sp.port)
    yield from closing(L, ring, c, s, lfd)


@scenario("lin-connect-v6", tags=TAGS)
def lin_connect_v6(L: Any) -> Gen:
    """AF_INET6 on ::1: connect, accept (a 28-byte sockaddr_in6 with ::1), getpeername of the client."""
    p = PORT + 125
    ring = yield from new_ring(L, 8)
    lfd = yield from listener(L, ring, p, v6=True)
    c = yield from client(L, p, v6=True)
    s = yield from accept(L, lfd, v6=True)
    yield from name_of(L, c, "client peer", v6=True, peer=True, fixed_port=True)
    yield from closing(L, ring, c, s, lfd)


@scenario("lin-connect-refused", tags=TAGS)
def lin_connect_refused(L: Any) -> Gen:
    """A connect to a port nobody listens on (only a bound, not listening, socket holds it) is
    -ECONNREFUSED; SO_ERROR is then 0 (consumed); the same socket may connect again (-ECONNREFUSED);
    CONNECT gives -ECONNREFUSED too; AF_INET6 alike."""
    ring = yield from new_ring(L, 8)
    p = PORT + 130
    holder = yield from stream(L)
    yield from L.bind(holder, *sin(L, p))
    c = yield from stream(L)
    yield from L.connect(c, *sin(L, p))
    yield from getopt(L, ring, 1, c, SO_ERROR, "so_error")
    yield from L.connect(c, *sin(L, p))
    d = yield from stream(L)
    yield from one(L, ring, 2, "io_uring_prep_connect", d, *sin(L, p))
    e = yield from stream(L, True)
    yield from L.connect(e, *sin6(L, p + 1))
    yield from closing(L, ring, c, d, e, holder)


@scenario("lin-connect-errors", tags=TAGS)
def lin_connect_errors(L: Any) -> Gen:
    """``inet_stream_connect`` / ``tcp_v4_connect``: a length under 2 or under 16 -EINVAL, AF_UNIX as the
    family -EAFNOSUPPORT, the limited broadcast and a multicast group -ENETUNREACH; ``tcp_v6_connect``:
    under 24 bytes (a sockaddr_in) -EINVAL, a multicast address -ENETUNREACH, link-local without a scope
    -EINVAL; an AF_INET socket given a sockaddr_in6 -EAFNOSUPPORT.  Each on a fresh socket."""
    p = PORT + 140
    cases4 = ((sin(L, p)[0], 1), (sin(L, p)[0], 15), sin(L, p, family=L.AF_UNIX), sin(L, p, bytes([255] * 4)),
              sin(L, p, bytes([224, 0, 0, 1])), sin6(L, p))  # fmt: skip
    cases6 = (sin(L, p), sin6(L, p, bytes([0xFF, 0x02]) + bytes(13) + b"\x01"),
              sin6(L, p, bytes([0xFE, 0x80]) + bytes(13) + b"\x01"))  # fmt: skip
    for v6, cases in ((False, cases4), (True, cases6)):
        for a, n in cases:
            fd = yield from stream(L, v6)
            yield from L.connect(fd, a, n)
            yield from L.close(fd)


@scenario("lin-connect-isconn", tags=TAGS)
def lin_connect_isconn(L: Any) -> Gen:
    """A connected socket connecting again -EISCONN (CONNECT too); a listening socket -EISCONN; AF_UNSPEC
    on an unconnected socket disconnects nothing (0)."""
    ring = yield from new_ring(L, 8)
    p = PORT + 150
    lfd, c, s = yield from pair(L, ring, p)
    yield from L.connect(c, *sin(L, p))
    yield from one(L, ring, 1, "io_uring_prep_connect", c, *sin(L, p))
    yield from L.connect(lfd, *sin(L, p))
    u = yield from stream(L)
    yield from L.connect(u, *sin(L, p, ANY4, L.AF_UNSPEC))
    yield from closing(L, ring, c, s, u, lfd)


@scenario("lin-connect-unspec-connected", tags=TAGS)
def lin_connect_unspec_connected(L: Any) -> Gen:
    """AF_UNSPEC on a connected socket (``tcp_disconnect``): 0; the peer is reset (its recv -ECONNRESET,
    then 0); the socket itself has ECONNRESET pending (SO_ERROR), its getpeername is -ENOTCONN, and it
    may connect again."""
    ring = yield from new_ring(L, 8)
    p = PORT + 155
    lfd, c, s = yield from pair(L, ring, p)
    yield from L.connect(c, *sin(L, p, ANY4, L.AF_UNSPEC))
    yield from L.recv(s, bytearray(4), 4, 0)
    yield from L.recv(s, bytearray(4), 4, 0)
    yield from getopt(L, ring, 1, c, SO_ERROR, "so_error")
    yield from name_of(L, c, "peer", peer=True)
    yield from L.connect(c, *sin(L, p))
    s2 = yield from L.accept4(lfd, None, None, 0)
    yield from closing(L, ring, c, s, s2, lfd)


@scenario("lin-connect-nonblock", tags=TAGS)
def lin_connect_nonblock(L: Any) -> Gen:
    """An O_NONBLOCK connect answers -EINPROGRESS even on loopback; the socket is then writable (POLL_ADD:
    POLLOUT|POLLWRNORM), a second connect answers 0, a third -EISCONN; SO_ERROR 0."""
    ring = yield from new_ring(L, 8)
    p = PORT + 160
    lfd = yield from listener(L, ring, p)
    c = yield from stream(L, flags=L.SOCK_NONBLOCK)
    yield from L.connect(c, *sin(L, p))
    yield from poll_wait(L, ring, 1, c, POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR)
    yield from L.connect(c, *sin(L, p))
    yield from L.connect(c, *sin(L, p))
    yield from getopt(L, ring, 2, c, SO_ERROR, "so_error")
    s = yield from accept(L, lfd)
    yield from closing(L, ring, c, s, lfd)


@scenario("lin-connect-nonblock-refused", tags=TAGS)
def lin_connect_nonblock_refused(L: Any) -> Gen:
    """An O_NONBLOCK connect to a port nobody listens on: -EINPROGRESS, then the socket reports POLLERR
    (with POLLHUP, POLLIN, POLLRDHUP, POLLOUT: reset, shut both ways) and the next connect gives
    -ECONNREFUSED; when SO_ERROR took the error first, the next connect is -ECONNABORTED."""
    ring = yield from new_ring(L, 8)
    p = PORT + 165
    c = yield from stream(L, flags=L.SOCK_NONBLOCK)
    yield from L.connect(c, *sin(L, p))
    yield from poll_wait(L, ring, 1, c, ALL_EVENTS | POLLERR)
    yield from L.connect(c, *sin(L, p))
    d = yield from stream(L, flags=L.SOCK_NONBLOCK)
    yield from L.connect(d, *sin(L, p))
    yield from poll_wait(L, ring, 2, d, POLLERR)
    yield from getopt(L, ring, 3, d, SO_ERROR, "so_error")
    yield from L.connect(d, *sin(L, p))
    yield from closing(L, ring, c, d)


@scenario("lin-connect-op", tags=TAGS)
def lin_connect_op(L: Any) -> Gen:
    """CONNECT (io_uring_prep_connect(3), connect.c) to a listener completes with 0, from a blocking and
    from an O_NONBLOCK socket (the inline -EINPROGRESS waits in the poll); forced async (IOSQE_ASYNC) too;
    ACCEPT then takes each."""
    ring = yield from new_ring(L, 8)
    p = PORT + 170
    lfd = yield from listener(L, ring, p)
    a = yield from stream(L)
    b = yield from stream(L, flags=L.SOCK_NONBLOCK)
    c = yield from stream(L)
    yield from one(L, ring, 1, "io_uring_prep_connect", a, *sin(L, p))
    yield from one(L, ring, 2, "io_uring_prep_connect", b, *sin(L, p))
    yield from one(L, ring, 3, "io_uring_prep_connect", c, *sin(L, p), sqe_flags=0x10)
    for ud in (4, 5, 6):  # each accepted socket closed at once: the descriptor numbers stay low
        yield from closing(L, None, (yield from one(L, ring, ud, "io_uring_prep_accept", lfd, None, None, 0)))
    yield from closing(L, ring, a, b, c, lfd)


@scenario("lin-connect-any", tags=TAGS)
def lin_connect_any(L: Any) -> Gen:
    """A connect to the wildcard goes to loopback: 0.0.0.0 reaches a listener on 127.0.0.1 (getpeername:
    127.0.0.1), ``::`` one on ``::1``."""
    ring = yield from new_ring(L, 8)
    p = PORT + 180
    l4 = yield from listener(L, ring, p)
    l6 = yield from listener(L, ring, p + 1, v6=True)
    c4 = yield from client(L, p, ip=ANY4)
    c6 = yield from client(L, p + 1, v6=True, ip=bytes(16))
    yield from name_of(L, c4, "v4 peer", peer=True, fixed_port=True)
    yield from name_of(L, c6, "v6 peer", v6=True, peer=True, fixed_port=True)
    s4 = yield from L.accept4(l4, None, None, 0)
    s6 = yield from L.accept4(l6, None, None, 0)
    yield from closing(L, ring, c4, c6, s4, s6, l4, l6)


@scenario("lin-connect-dualstack", tags=TAGS)
def lin_connect_dualstack(L: Any) -> Gen:
    """An AF_INET6 listener on ``::`` takes an IPv4 connection to 127.0.0.1 (the accepted peer is
    ``::ffff:127.0.0.1`` in a sockaddr_in6); an AF_INET6 client reaches an AF_INET listener through
    ``::ffff:127.0.0.1``; with IPV6_V6ONLY on the listener the IPv4 connect is refused."""
    ring = yield from new_ring(L, 8)
    p = PORT + 190
    l6 = yield from listener(L, ring, p, v6=True, ip=bytes(16))
    c = yield from client(L, p)
    s = yield from accept(L, l6, v6=True)
    l4 = yield from listener(L, ring, p + 1)
    c6 = yield from client(L, p + 1, v6=True, ip=mapped(LO4))
    yield from name_of(L, c6, "v6 client name", v6=True)
    s4 = yield from accept(L, l4, "v4 peer")
    only = yield from stream(L, True)
    yield from setopt(L, ring, 1, only, SOL_SOCKET, SO_REUSEADDR)
    yield from setopt(L, ring, 2, only, L.IPPROTO_IPV6, IPV6_V6ONLY)
    yield from L.bind(only, *sin6(L, p + 2, bytes(16)))
    yield from L.listen(only, 4)
    r = yield from client(L, p + 2)
    yield from closing(L, ring, c, c6, r, s, s4, l6, l4, only)


# -- accept -------------------------------------------------------------------------------


@scenario("lin-accept-op", tags=TAGS)
def lin_accept_op(L: Any) -> Gen:
    """ACCEPT (accept.c) waits for a connection: a NOP round trip completes first; the connect then
    completes it with the new descriptor and the peer's sockaddr_in; the descriptor carries data."""
    ring = yield from new_ring(L, 8)
    p = PORT + 200
    lfd = yield from listener(L, ring, p)
    sa, alen = L.SockaddrIn(), intval(16)
    prep_named(L, ring, 1, "io_uring_prep_accept", lfd, sa, alen, 0)
    prep_named(L, ring, 2, "io_uring_prep_nop")
    yield from submit_and_reap(L, ring, 1)
    c = yield from client(L, p)
    got = yield from reap_one(L, ring)
    s = -1 if got is None else got[1]
    show(L, "peer", sa, alen)
    yield from L.send(c, b"ping", 4, 0)
    yield from received(L, s)
    yield from closing(L, ring, c, s, lfd)


@scenario("lin-accept-nonempty", tags=TAGS)
def lin_accept_nonempty(L: Any) -> Gen:
    """With two connections queued, the first ACCEPT's CQE carries IORING_CQE_F_SOCK_NONEMPTY (TCP says
    whether more are queued; AF_UNIX never does), the second's not."""
    ring = yield from new_ring(L, 8)
    p = PORT + 210
    lfd = yield from listener(L, ring, p)
    c1 = yield from client(L, p)
    c2 = yield from client(L, p)
    s1 = yield from one(L, ring, 1, "io_uring_prep_accept", lfd, None, None, 0)
    s2 = yield from one(L, ring, 2, "io_uring_prep_accept", lfd, None, None, 0)
    yield from closing(L, ring, c1, c2, s1, s2, lfd)


@scenario("lin-accept-multishot", tags=TAGS)
def lin_accept_multishot(L: Any) -> Gen:
    """A multishot ACCEPT (io_uring_prep_multishot_accept(3)) with two connections queued posts a CQE
    for each with IORING_CQE_F_MORE (the first with SOCK_NONEMPTY: one more is queued), then waits: a
    third connection posts another; cancelling ends it (-ECANCELED, no F_MORE).  The accepted sockets
    are closed as they come (descriptor numbers stay low: the real process may hold higher ones)."""
    ring = yield from new_ring(L, 16)
    p = PORT + 220
    lfd = yield from listener(L, ring, p)
    cs = yield from clients(L, p, 2)
    prep_named(L, ring, 1, "io_uring_prep_multishot_accept", lfd, None, None, 0)
    yield from L.io_uring_submit(ring)
    for _ in range(2):
        got = yield from reap_one(L, ring)
        yield from closing(L, None, -1 if got is None else got[1])
    cs.append((yield from client(L, p)))
    got = yield from reap_one(L, ring)
    yield from closing(L, None, -1 if got is None else got[1])
    prep_named(L, ring, 2, "io_uring_prep_cancel64", 1, 0)
    yield from submit_and_reap(L, ring, 2)
    yield from closing(L, ring, *cs, lfd)


@scenario("lin-accept-direct", tags=TAGS)
def lin_accept_direct(L: Any) -> Gen:
    """ACCEPT into a registered slot (io_uring_prep_accept_direct(3), IORING_FILE_INDEX_ALLOC): the CQE is
    the slot; a SEND on the fixed file reaches the client, a RECV on it gets the answer."""
    ring = yield from new_ring(L, 8)
    p = PORT + 230
    yield from L.io_uring_register_files_sparse(ring, 4)
    lfd = yield from listener(L, ring, p)
    c = yield from client(L, p)
    slot = yield from one(L, ring, 1, "io_uring_prep_accept_direct", lfd, None, None, 0, IORING_FILE_INDEX_ALLOC)
    yield from one(L, ring, 2, "io_uring_prep_send", slot, b"hello", 5, 0, sqe_flags=IOSQE_FIXED_FILE)
    yield from received(L, c, label="client got")
    yield from L.send(c, b"back", 4, 0)
    rbuf = bytearray(8)
    yield from one(L, ring, 3, "io_uring_prep_recv", slot, rbuf, 8, 0, sqe_flags=IOSQE_FIXED_FILE)
    L.record("server got", bytes(rbuf[:4]))
    yield from closing(L, ring, c, lfd)


@scenario("lin-accept-errors", tags=TAGS)
def lin_accept_errors(L: Any) -> Gen:
    """accept4 on a socket not listening (unbound, or bound) -EINVAL, ACCEPT too; on an O_NONBLOCK
    listener with nothing queued -EAGAIN; a short address length gets the first bytes and the full
    length 16."""
    ring = yield from new_ring(L, 8)
    p = PORT + 240
    u = yield from stream(L)
    yield from L.accept4(u, None, None, 0)
    yield from L.bind(u, *sin(L, p))
    yield from L.accept4(u, None, None, 0)
    yield from one(L, ring, 1, "io_uring_prep_accept", u, None, None, 0)
    lfd = yield from stream(L, flags=L.SOCK_NONBLOCK)
    yield from setopt(L, ring, 2, lfd, SOL_SOCKET, SO_REUSEADDR)
    yield from L.bind(lfd, *sin(L, p + 1))
    yield from L.listen(lfd, 4)
    yield from L.accept4(lfd, None, None, 0)
    c = yield from client(L, p + 1)
    short, slen = bytearray(6), intval(6)
    yield from poll_wait(L, ring, 3, lfd, POLLIN)
    s = yield from L.accept4(lfd, short, slen, 0)
    L.record("short", (bytes(short[:2]).hex(), bytes(short[4:6]).hex(), int.from_bytes(slen, "little")))
    yield from closing(L, ring, c, s, u, lfd)


# -- data ---------------------------------------------------------------------------------


@scenario("lin-send-recv", tags=TAGS)
def lin_send_recv(L: Any) -> Gen:
    """SEND and RECV over a TCP connection (send_recv.c, socket-rw.c): the bytes arrive; a RECV of 2 of
    the 6 queued bytes carries IORING_CQE_F_SOCK_NONEMPTY, the next RECV takes the rest without it;
    WRITEV / READV too; MSG_PEEK leaves the bytes queued; a send with a destination address is
    ignored by TCP."""
    ring = yield from new_ring(L, 8)
    lfd, c, s = yield from pair(L, ring, PORT + 250)
    yield from one(L, ring, 1, "io_uring_prep_send", c, b"abcdef", 6, 0)
    yield from poll_wait(L, ring, 2, s, POLLIN)
    b1, b2 = bytearray(2), bytearray(8)
    yield from one(L, ring, 3, "io_uring_prep_recv", s, b1, 2, 0)
    yield from one(L, ring, 4, "io_uring_prep_recv", s, b2, 8, 0)
    L.record("data", (bytes(b1), bytes(b2[:4])))
    yield from one(L, ring, 5, "io_uring_prep_writev", s, [bytearray(b"xy"), bytearray(b"z")], 2, 0)
    yield from poll_wait(L, ring, 6, c, POLLIN)
    peek = bytearray(4)
    yield from one(L, ring, 7, "io_uring_prep_recv", c, peek, 4, 2)  # MSG_PEEK
    v = [bytearray(1), bytearray(4)]
    yield from one(L, ring, 8, "io_uring_prep_readv", c, v, 2, 0)
    L.record("vec", (bytes(peek[:3]), bytes(v[0]), bytes(v[1][:2])))
    yield from L.sendto(c, b"to", 2, 0, *sin(L, 9))
    yield from L.recv(s, bytearray(4), 4, 0)
    yield from closing(L, ring, c, s, lfd)


@scenario("lin-recv-waitall", tags=TAGS)
def lin_recv_waitall(L: Any) -> Gen:
    """RECV with MSG_WAITALL of 8 bytes completes only once all 8 came, in two sends (a NOP round trip
    first shows it waiting); a MSG_DONTWAIT RECV with nothing queued -EAGAIN."""
    ring = yield from new_ring(L, 8)
    lfd, c, s = yield from pair(L, ring, PORT + 260)
    buf = bytearray(8)
    prep_named(L, ring, 1, "io_uring_prep_recv", s, buf, 8, 0x100)
    prep_named(L, ring, 2, "io_uring_prep_nop")
    yield from submit_and_reap(L, ring, 1)
    yield from L.send(c, b"abcd", 4, 0)
    yield from L.send(c, b"efgh", 4, 0)
    yield from reap_one(L, ring)
    L.record("data", bytes(buf))
    yield from one(L, ring, 3, "io_uring_prep_recv", s, bytearray(4), 4, 0x40)
    yield from closing(L, ring, c, s, lfd)


@scenario("lin-unconnected-io", tags=TAGS)
def lin_unconnected_io(L: Any) -> Gen:
    """I/O on sockets never connected (``tcp_sendmsg_locked``, ``tcp_recvmsg_locked``): recv -ENOTCONN
    (AF_UNIX: -EINVAL), send -EPIPE (AF_UNIX: -ENOTCONN); on a listener the same; SEND / RECV too."""
    ring = yield from new_ring(L, 8)
    u = yield from stream(L)
    yield from L.recv(u, bytearray(4), 4, 0)
    yield from L.send(u, b"x", 1, MSG_NOSIGNAL)
    yield from one(L, ring, 1, "io_uring_prep_send", u, b"x", 1, 0)
    yield from one(L, ring, 2, "io_uring_prep_recv", u, bytearray(4), 4, 0)
    lfd = yield from listener(L, ring, PORT + 270)
    yield from L.recv(lfd, bytearray(4), 4, 0)
    yield from L.send(lfd, b"x", 1, MSG_NOSIGNAL)
    yield from closing(L, ring, u, lfd)


@scenario("lin-peer-close-fin", tags=TAGS)
def lin_peer_close_fin(L: Any) -> Gen:
    """The peer closes with nothing unread (a FIN): what it sent is still read, then 0 (EOF, again and
    again); a send to it is accepted (the count) and draws a reset: POLLERR comes, and the next send is
    -EPIPE; recv stays 0 (the FIN came first)."""
    ring = yield from new_ring(L, 8)
    lfd, c, s = yield from pair(L, ring, PORT + 280)
    yield from L.send(s, b"bye", 3, 0)
    yield from L.close(s)
    buf = bytearray(8)
    yield from L.recv(c, buf, 8, 0)
    yield from L.recv(c, buf, 8, 0)
    yield from L.recv(c, buf, 8, 0)
    yield from L.send(c, b"late", 4, MSG_NOSIGNAL)
    yield from poll_wait(L, ring, 1, c, POLLERR)
    yield from L.send(c, b"late", 4, MSG_NOSIGNAL)
    yield from L.recv(c, buf, 8, 0)
    yield from closing(L, ring, c, lfd)


@scenario("lin-peer-close-unread", tags=TAGS)
def lin_peer_close_unread(L: Any) -> Gen:
    """The peer closes with data unread (``tcp_close`` resets the connection): recv -ECONNRESET once, then
    0; send -EPIPE; SEND on the ring too; getpeername -ENOTCONN."""
    ring = yield from new_ring(L, 8)
    lfd, c, s = yield from pair(L, ring, PORT + 290)
    yield from L.send(c, b"unread", 6, 0)
    yield from poll_wait(L, ring, 1, s, POLLIN)
    yield from L.close(s)
    yield from L.recv(c, bytearray(8), 8, 0)
    yield from L.recv(c, bytearray(8), 8, 0)
    yield from L.send(c, b"x", 1, MSG_NOSIGNAL)
    yield from one(L, ring, 2, "io_uring_prep_send", c, b"x", 1, 0)
    yield from name_of(L, c, "peer", peer=True)
    yield from closing(L, ring, c, lfd)


@scenario("lin-close-listener-queued", tags=TAGS)
def lin_close_listener_queued(L: Any) -> Gen:
    """Closing a listener with a connection still queued resets it: the client's recv -ECONNRESET, then 0."""
    ring = yield from new_ring(L, 8)
    p = PORT + 300
    lfd = yield from listener(L, ring, p)
    c = yield from client(L, p)
    yield from poll_wait(L, ring, 1, lfd, POLLIN)
    yield from L.close(lfd)
    yield from L.recv(c, bytearray(4), 4, 0)
    yield from L.recv(c, bytearray(4), 4, 0)
    yield from closing(L, ring, c)


# -- shutdown -----------------------------------------------------------------------------


@scenario("lin-shutdown-wr", tags=TAGS)
def lin_shutdown_wr(L: Any) -> Gen:
    """SHUTDOWN SHUT_WR (shutdown.c) sends a FIN: the peer reads the queued bytes, then 0; a send from the
    shut socket -EPIPE; the peer can still send and the shut socket reads it."""
    ring = yield from new_ring(L, 8)
    lfd, c, s = yield from pair(L, ring, PORT + 310)
    yield from L.send(c, b"last", 4, 0)
    yield from one(L, ring, 1, "io_uring_prep_shutdown", c, SHUT_WR)
    buf = bytearray(8)
    yield from L.recv(s, buf, 8, 0)
    yield from L.recv(s, buf, 8, 0)
    yield from L.send(c, b"x", 1, MSG_NOSIGNAL)
    yield from L.send(s, b"reply", 5, 0)
    yield from received(L, c, label="reply")
    yield from closing(L, ring, c, s, lfd)


@scenario("lin-shutdown-rd", tags=TAGS)
def lin_shutdown_rd(L: Any) -> Gen:
    """SHUT_RD on TCP only marks this socket: its recv answers 0 with nothing queued, the peer's sends
    still succeed (AF_UNIX: -EPIPE) and what they send is read."""
    ring = yield from new_ring(L, 8)
    lfd, c, s = yield from pair(L, ring, PORT + 320)
    yield from one(L, ring, 1, "io_uring_prep_shutdown", c, SHUT_RD)
    yield from L.recv(c, bytearray(8), 8, 0)
    yield from L.send(s, b"more", 4, MSG_NOSIGNAL)
    yield from poll_wait(L, ring, 2, c, POLLIN)
    yield from received(L, c)
    yield from closing(L, ring, c, s, lfd)


@scenario("lin-shutdown-unconnected", tags=TAGS)
def lin_shutdown_unconnected(L: Any) -> Gen:
    """``inet_shutdown``: an unconnected socket -ENOTCONN; a bad ``how`` -EINVAL; a listener's SHUT_WR 0
    (nothing happens), its SHUT_RD 0 and it stops listening: accept4 -EINVAL, a connect -ECONNREFUSED."""
    ring = yield from new_ring(L, 8)
    p = PORT + 330
    u = yield from stream(L)
    yield from one(L, ring, 1, "io_uring_prep_shutdown", u, SHUT_WR)
    yield from one(L, ring, 2, "io_uring_prep_shutdown", u, 3)
    lfd = yield from listener(L, ring, p)
    yield from one(L, ring, 3, "io_uring_prep_shutdown", lfd, SHUT_WR)
    yield from one(L, ring, 4, "io_uring_prep_shutdown", lfd, SHUT_RD)
    yield from L.accept4(lfd, None, None, 0)
    c = yield from client(L, p)
    yield from closing(L, ring, c, u, lfd)


# -- poll, URING_CMD ----------------------------------------------------------------------


@scenario("lin-poll-masks", tags=TAGS)
def lin_poll_masks(L: Any) -> Gen:
    """``tcp_poll`` through POLL_ADD (poll-link.c): a new socket POLLOUT|POLLWRNORM|POLLHUP (no POLLWRBAND,
    which AF_UNIX reports); a listener with a connection queued POLLIN|POLLRDNORM; a connected socket
    POLLOUT|POLLWRNORM, with data POLLIN|POLLRDNORM too; after the peer's FIN POLLRDHUP with them."""
    ring = yield from new_ring(L, 8)
    p = PORT + 340
    u = yield from stream(L)
    yield from poll_wait(L, ring, 1, u)
    lfd = yield from listener(L, ring, p)
    c = yield from client(L, p)
    yield from poll_wait(L, ring, 2, lfd)
    s = yield from L.accept4(lfd, None, None, 0)
    yield from poll_wait(L, ring, 3, c)
    yield from L.send(s, b"x", 1, 0)
    yield from poll_wait(L, ring, 4, c, POLLIN)
    yield from poll_wait(L, ring, 5, c)
    yield from L.close(s)
    yield from poll_wait(L, ring, 6, c, POLLRDHUP)
    yield from poll_wait(L, ring, 7, c)
    yield from closing(L, ring, c, u, lfd)


@scenario("lin-cmd-siocq", tags=TAGS)
def lin_cmd_siocq(L: Any) -> Gen:
    """SIOCINQ / SIOCOUTQ through URING_CMD (socket-getsetsock-cmd.c; AF_UNIX answers -EOPNOTSUPP): on a
    listener -EINVAL; on a fresh connection 0 and 0; with 10 bytes sent and 4 read, SIOCINQ 6."""
    ring = yield from new_ring(L, 8)
    lfd, c, s = yield from pair(L, ring, PORT + 350)
    for ud, (op, fd) in enumerate(((SOCKET_URING_OP_SIOCINQ, lfd), (SOCKET_URING_OP_SIOCOUTQ, lfd),
                                   (SOCKET_URING_OP_SIOCINQ, s), (SOCKET_URING_OP_SIOCOUTQ, c)), 1):  # fmt: skip
        yield from one(L, ring, ud, "io_uring_prep_cmd_sock", op, fd, 0, 0, None, 0)
    yield from L.send(c, b"0123456789", 10, 0)
    yield from L.recv(s, bytearray(4), 4, 0)
    yield from one(L, ring, 5, "io_uring_prep_cmd_sock", SOCKET_URING_OP_SIOCINQ, s, 0, 0, None, 0)
    yield from closing(L, ring, c, s, lfd)


def armed_multishot(L: Any, ring: Any, fd: int) -> Gen:
    """Four provided 8-byte buffers (group 3) and a multishot RECV of ``fd`` (user_data 2) submitted:
    the buffers' memory."""
    mem = bytearray(32)
    provide(L, ring, mem, 8, 4, 3, 0, 1)
    yield from submit_and_reap(L, ring)
    sqe = recv_sel(L, ring, fd, 0, 3, 2)
    sqe.ioprio = IORING_RECV_MULTISHOT
    yield from L.io_uring_submit(ring)
    return mem


@scenario("lin-recv-multishot", tags=TAGS)
def lin_recv_multishot(L: Any) -> Gen:
    """A multishot RECV with provided buffers over TCP (recv-multishot.c): one CQE per arrival with
    IORING_CQE_F_MORE and the buffer id, 8 bytes filling one buffer; the peer's FIN ends it (0, no
    F_MORE)."""
    ring = yield from new_ring(L, 8)
    lfd, c, s = yield from pair(L, ring, PORT + 370)
    mem = yield from armed_multishot(L, ring, s)
    yield from L.send(c, b"abc", 3, 0)
    yield from reap_one(L, ring)
    yield from L.send(c, b"defghijk", 8, 0)
    yield from reap_one(L, ring)
    yield from L.close(c)
    yield from reap_one(L, ring)
    L.record("mem", bytes(mem))
    yield from closing(L, ring, s, lfd)


@scenario("lin-time-wait", tags=TAGS)
def lin_time_wait(L: Any) -> Gen:
    """The side that closes first keeps its port (FIN_WAIT2, then TIME_WAIT): after the accepted socket
    and the listener are closed, a bind to the listener's port without SO_REUSEADDR is -EADDRINUSE, with
    it (the closed sockets had it too) 0."""
    ring = yield from new_ring(L, 8)
    p = PORT + 380
    lfd, c, s = yield from pair(L, ring, p)
    yield from L.close(s)
    yield from L.recv(c, bytearray(4), 4, 0)
    yield from L.close(c)
    yield from L.close(lfd)
    yield from bind_fresh(L, False, *sin(L, p))
    fd = yield from stream(L)
    yield from setopt(L, ring, 1, fd, SOL_SOCKET, SO_REUSEADDR)
    yield from L.bind(fd, *sin(L, p))
    yield from closing(L, ring, fd)


@scenario("lin-send-zc", tags=TAGS)
def lin_send_zc(L: Any) -> Gen:
    """SEND_ZC over TCP (send-zerocopy.c): the result CQE (the count, IORING_CQE_F_MORE) and then the
    notification (IORING_CQE_F_NOTIF), before the receiver reads (loopback copies the pages on
    delivery); with IORING_SEND_ZC_REPORT_USAGE the notification says the data was copied; SENDMSG_ZC
    with two iovecs alike; the bytes arrive in order."""
    ring = yield from new_ring(L, 8)
    lfd, c, s = yield from pair(L, ring, PORT + 390)
    prep_named(L, ring, 1, "io_uring_prep_send_zc", c, b"zerocopy", 8, 0, 0)
    yield from submit_and_reap(L, ring, 2)
    prep_named(L, ring, 2, "io_uring_prep_send_zc", c, b"usage", 5, 0, IORING_SEND_ZC_REPORT_USAGE)
    yield from submit_and_reap(L, ring, 2)
    msg = L.Msghdr(msg_iov=[bytearray(b"ab"), bytearray(b"cde")], msg_iovlen=2)
    prep_named(L, ring, 3, "io_uring_prep_sendmsg_zc", c, msg, 0)
    yield from submit_and_reap(L, ring, 2)
    buf = bytearray(18)
    yield from L.recv(s, buf, 18, 0x100)
    L.record("data", bytes(buf))
    yield from closing(L, ring, c, s, lfd)


@scenario("lin-accept-aborted", tags=TAGS)
def lin_accept_aborted(L: Any) -> Gen:
    """A connection reset while it waits in the accept queue (the client connects to AF_UNSPEC): accept4
    asking for the peer's address fails with -ECONNABORTED (the reset socket has no peer name), and the
    next connection is accepted; without an address the reset one is accepted and reads -ECONNRESET."""
    ring = yield from new_ring(L, 8)
    p = PORT + 400
    lfd = yield from listener(L, ring, p)
    c = yield from client(L, p)
    yield from L.connect(c, *sin(L, p, ANY4, L.AF_UNSPEC))
    c2 = yield from client(L, p)
    s1 = yield from accept(L, lfd)
    s2 = yield from accept(L, lfd)
    yield from L.connect(c2, *sin(L, p, ANY4, L.AF_UNSPEC))
    c3 = yield from client(L, p)
    yield from L.connect(c3, *sin(L, p, ANY4, L.AF_UNSPEC))
    s3 = yield from L.accept4(lfd, None, None, 0)
    yield from L.recv(s3, bytearray(4), 4, 0)
    yield from closing(L, ring, c, c2, c3, s1, s2, s3, lfd)


def sockopt_get(L: Any, fd: int, level: int, name: int, room: int, label: str) -> Gen:
    """getsockopt(2) with ``room`` in the length: the value (little-endian) and the length recorded."""
    val, n = bytearray(4), intval(room)
    if (yield from L.getsockopt(fd, level, name, val, n)) == 0:
        L.record(label, (int.from_bytes(val, "little"), int.from_bytes(n, "little", signed=True)))


@scenario("lin-sockopt-syscalls", tags=TAGS)
def lin_sockopt_syscalls(L: Any) -> Gen:
    """getsockopt(2) / setsockopt(2) on TCP (socket-getsetsock-cmd.c compares them with the ring's):
    TCP_NODELAY 0, set to 1, read back 1; IPV6_V6ONLY 0 until a bind to ``::1`` makes it 1; SO_TYPE with
    a 2-byte room copies 2 bytes; a negative length -EINVAL (at SOL_SOCKET and IPPROTO_TCP); setsockopt
    with a negative length -EINVAL; AF_UNIX at IPPROTO_TCP -EOPNOTSUPP both ways."""
    a, b = (yield from stream(L)), (yield from stream(L, True))
    u = yield from L.socket(L.AF_UNIX, L.SOCK_STREAM, 0)
    yield from sockopt_get(L, a, L.IPPROTO_TCP, TCP_NODELAY, 4, "nodelay")
    yield from L.setsockopt(a, L.IPPROTO_TCP, TCP_NODELAY, intval(1), 4)
    yield from sockopt_get(L, a, L.IPPROTO_TCP, TCP_NODELAY, 4, "nodelay set")
    yield from sockopt_get(L, b, L.IPPROTO_IPV6, IPV6_V6ONLY, 4, "v6only")
    yield from L.bind(b, *sin6(L, PORT + 410))
    yield from sockopt_get(L, b, L.IPPROTO_IPV6, IPV6_V6ONLY, 4, "v6only bound")
    yield from sockopt_get(L, a, SOL_SOCKET, SO_TYPE, 2, "type short")
    yield from sockopt_get(L, a, SOL_SOCKET, SO_TYPE, -1, "negative")
    yield from sockopt_get(L, a, L.IPPROTO_TCP, TCP_NODELAY, -1, "negative tcp")
    yield from L.setsockopt(a, L.IPPROTO_TCP, TCP_NODELAY, intval(1), -1)
    yield from L.setsockopt(u, L.IPPROTO_TCP, TCP_NODELAY, intval(1), 4)
    yield from sockopt_get(L, u, L.IPPROTO_TCP, TCP_NODELAY, 4, "unix")
    yield from closing(L, None, a, b, u)


@scenario("lin-connect-backlog-full", tags=TAGS)
def lin_connect_backlog_full(L: Any) -> Gen:
    """A listener with backlog 0 holds one queued connection; then its queue is full and it drops SYNs
    (connect.c's timeout test): an O_NONBLOCK connect answers -EINPROGRESS and stays pending (a second
    connect -EALREADY, a MSG_DONTWAIT send -EAGAIN, SO_ERROR 0, a POLL_ADD sees nothing before its link
    timeout cancels it); a CONNECT linked to a LINK_TIMEOUT is cancelled (-ECANCELED, the timeout
    -ETIME).  Everything is closed well before the SYN's retransmission, a second later."""
    ring = yield from new_ring(L, 8)
    p = PORT + 420
    lfd = yield from listener(L, ring, p, backlog=0)
    c1 = yield from client(L, p)
    c2 = yield from stream(L, flags=L.SOCK_NONBLOCK)
    yield from L.connect(c2, *sin(L, p))
    yield from L.connect(c2, *sin(L, p))
    yield from L.send(c2, b"x", 1, L.MSG_DONTWAIT | MSG_NOSIGNAL)
    yield from getopt(L, ring, 1, c2, SO_ERROR, "so_error")
    prep_named(L, ring, 2, "io_uring_prep_poll_add", c2, ALL_EVENTS | POLLERR, sqe_flags=IOSQE_IO_LINK)
    link_timeout(L, ring, 3, 20_000_000)
    yield from submit_and_reap(L, ring, 2)
    c3 = yield from stream(L)
    prep_named(L, ring, 4, "io_uring_prep_connect", c3, *sin(L, p), sqe_flags=IOSQE_IO_LINK)
    link_timeout(L, ring, 5, 20_000_000)
    yield from submit_and_reap(L, ring, 2)
    yield from closing(L, ring, c1, c2, c3, lfd)


@scenario("lin-connect-syn-retransmit", tags=TAGS)
def lin_connect_syn_retransmit(L: Any) -> Gen:
    """The SYN a full listener dropped is sent again a second later (``TCP_TIMEOUT_INIT``): once the
    queued connection is accepted, a POLL_ADD on the pending O_NONBLOCK socket completes with
    POLLOUT|POLLWRNORM when the retransmission gets through, its next connect answers 0 and the
    listener hands the connection out.  (This scenario takes a second of real time.)"""
    ring = yield from new_ring(L, 8)
    p = PORT + 430
    lfd = yield from listener(L, ring, p, backlog=0)
    c1 = yield from client(L, p)
    c2 = yield from stream(L, flags=L.SOCK_NONBLOCK)
    yield from L.connect(c2, *sin(L, p))
    s1 = yield from L.accept4(lfd, None, None, 0)
    yield from poll_wait(L, ring, 1, c2, POLLOUT | POLLWRNORM | POLLERR)
    yield from L.connect(c2, *sin(L, p))
    s2 = yield from accept(L, lfd)
    yield from closing(L, ring, c1, c2, s1, s2, lfd)


ZC_FIXED_BUF, ZC_VECTORIZED = 1 << 2, 1 << 5  # IORING_RECVSEND_FIXED_BUF, IORING_SEND_VECTORIZED


def zc_fixed_sends(L: Any, ring: Any, fd: int, reg: bytearray) -> Gen:
    """The zero-copy sends from registered buffer 0 (``reg``) that lin-send-zc-fixed and
    lud-send-zc-fixed make, each reaped with its notification: SEND_ZC of a range inside the buffer;
    buf_index 1 (no such buffer) and a range running past the buffer's end (-EFAULT, with the
    notification); SENDMSG_ZC with IORING_RECVSEND_FIXED_BUF and two iovecs inside the buffer, then
    with one running past it; SEND_ZC with IORING_SEND_VECTORIZED (two user iovecs); both flags
    together -EINVAL (with the notification)."""
    view = memoryview(reg)
    prep_named(L, ring, 1, "io_uring_prep_send_zc_fixed", fd, view[4:], 6, 0, 0, 0)
    yield from submit_and_reap(L, ring, 2)
    prep_named(L, ring, 2, "io_uring_prep_send_zc_fixed", fd, view, 4, 0, 0, 1)
    yield from submit_and_reap(L, ring, 2)
    prep_named(L, ring, 3, "io_uring_prep_send_zc_fixed", fd, view[8:], 16, 0, 0, 0)
    yield from submit_and_reap(L, ring, 2)
    msg = L.Msghdr(msg_iov=[view[0:2], view[12:16]], msg_iovlen=2)
    sqe = prep_named(L, ring, 4, "io_uring_prep_sendmsg_zc", fd, msg, 0)
    sqe.ioprio = ZC_FIXED_BUF
    yield from submit_and_reap(L, ring, 2)
    msg = L.Msghdr(msg_iov=[view[0:2], L.Iovec(view[12:], 8)], msg_iovlen=2)
    sqe = prep_named(L, ring, 5, "io_uring_prep_sendmsg_zc", fd, msg, 0)
    sqe.ioprio = ZC_FIXED_BUF
    yield from submit_and_reap(L, ring, 2)
    sqe = prep_named(L, ring, 6, "io_uring_prep_send_zc", fd, None, 2, 0, ZC_VECTORIZED)
    sqe.addr = [bytearray(b"ve"), bytearray(b"ctor")]
    yield from submit_and_reap(L, ring, 2)
    sqe = prep_named(L, ring, 7, "io_uring_prep_send_zc_fixed", fd, None, 2, 0, ZC_VECTORIZED, 0)
    sqe.addr = [view[0:2], view[4:6]]
    yield from submit_and_reap(L, ring, 2)


@scenario("lin-send-zc-fixed", tags=TAGS)
def lin_send_zc_fixed(L: Any) -> Gen:
    """SEND_ZC / SENDMSG_ZC over TCP from a registered buffer (send-zerocopy.c's fixed runs,
    ``io_send_zc_import``, ``io_import_reg_vec``) and SEND_ZC with IORING_SEND_VECTORIZED
    (:func:`zc_fixed_sends`): the bytes of the good sends arrive in order."""
    ring = yield from new_ring(L, 8)
    lfd, c, s = yield from pair(L, ring, 29800)
    reg = bytearray(b"0123456789abcdef")
    yield from L.io_uring_register_buffers(ring, [reg], 1)
    yield from zc_fixed_sends(L, ring, c, reg)
    buf = bytearray(18)
    yield from L.recv(s, buf, 18, 0x100)
    L.record("data", bytes(buf))
    yield from closing(L, ring, c, s, lfd)


SO_SNDBUF, SO_RCVBUF = 7, 8


def bufs(L: Any, ring: Any, fd: int, label: str) -> Gen:
    """SO_SNDBUF and SO_RCVBUF through URING_CMD GETSOCKOPT, recorded as ``label`` snd / rcv."""
    yield from getopt(L, ring, 80, fd, SO_SNDBUF, f"{label} snd")
    yield from getopt(L, ring, 81, fd, SO_RCVBUF, f"{label} rcv")


def set_bufs(L: Any, fd: int, snd: int | None, rcv: int | None) -> Gen:
    """setsockopt(2) SO_SNDBUF / SO_RCVBUF (None: left alone)."""
    for name, val in ((SO_SNDBUF, snd), (SO_RCVBUF, rcv)):
        if val is not None:
            yield from L.setsockopt(fd, SOL_SOCKET, name, intval(val), 4)


def buf_rules(L: Any, ring: Any, make: Any) -> Gen:
    """SO_SNDBUF / SO_RCVBUF on new sockets from ``make``: the defaults, then each value set (doubled,
    at least 4608 / 2304).  Nothing above net.core.wmem_max / rmem_max: that cap is the machine's
    sysctl (4 MiB on the test machine, the kernel's default 212992 in the model)."""
    fd = yield from make(L)
    yield from bufs(L, ring, fd, "new")
    yield from L.close(fd)
    for val in (0, 1000, 2304, 4607, 100000):
        fd = yield from make(L)
        yield from set_bufs(L, fd, val, val)
        yield from bufs(L, ring, fd, f"set {val}")
        yield from L.close(fd)


@scenario("lin-sockbuf", tags=TAGS)
def lin_sockbuf(L: Any) -> Gen:
    """SO_SNDBUF / SO_RCVBUF on TCP (``tcp_init_sock``, ``sk_setsockopt``, ``tcp_sndbuf_expand``): a
    new socket has net.ipv4.tcp_wmem / tcp_rmem's defaults (16384, 131072), a listener too; a set
    value is doubled and bounded as on any socket (:func:`buf_rules`); once connected, both ends' send
    buffer grows to 3939840 (loopback's segments), unless SO_SNDBUF set it before (SOCK_SNDBUF_LOCK:
    the value stays), and a receive buffer set before stays; an accepted socket starts from its
    listener's values and locks; SO_SNDBUF set on a connection is the plain doubled value."""
    ring = yield from new_ring(L, 8)
    yield from buf_rules(L, ring, stream)
    p = 29810
    lfd = yield from listener(L, ring, p)
    yield from bufs(L, ring, lfd, "listener")
    c = yield from client(L, p)
    s = yield from L.accept4(lfd, None, None, 0)
    yield from bufs(L, ring, c, "client")
    yield from bufs(L, ring, s, "accepted")
    c2 = yield from stream(L)
    yield from set_bufs(L, c2, 5000, 6000)
    yield from L.connect(c2, *sin(L, p))
    s2 = yield from L.accept4(lfd, None, None, 0)
    yield from bufs(L, ring, c2, "locked client")
    yield from bufs(L, ring, s2, "its peer")
    yield from set_bufs(L, c, 3000, None)
    yield from bufs(L, ring, c, "client set")
    lfd2 = yield from stream(L)
    yield from setopt(L, ring, 1, lfd2, SOL_SOCKET, SO_REUSEADDR)
    yield from set_bufs(L, lfd2, 7000, 8000)
    yield from L.bind(lfd2, *sin(L, p + 1))
    yield from L.listen(lfd2, 8)
    c3 = yield from client(L, p + 1)
    s3 = yield from L.accept4(lfd2, None, None, 0)
    yield from bufs(L, ring, s3, "locked listener's child")
    yield from bufs(L, ring, c3, "its client")
    yield from closing(L, ring, c, s, c2, s2, c3, s3, lfd, lfd2)


@scenario("lin-siocoutq", tags=TAGS)
def lin_siocoutq(L: Any) -> Gen:
    """SIOCOUTQ (``tcp_ioctl``: bytes sent and not yet acknowledged) over loopback is 0 once a send
    returns, while the receiver has read nothing: the segments and their ACKs are processed within
    the send (softirqs on the way out, the socket's backlog at ``release_sock``).  Only sends that
    fit the peer's receive window (31001 bytes in all here): beyond it Linux holds bytes back and
    SIOCOUTQ counts them, which the model does not (see docs/objects.md)."""
    ring = yield from new_ring(L, 8)
    lfd, c, s = yield from pair(L, ring, 29820)
    for ud, n in enumerate((1, 1000, 30000), 1):
        yield from L.send(c, bytes(n), n, 0)
        yield from one(L, ring, ud, "io_uring_prep_cmd_sock", SOCKET_URING_OP_SIOCOUTQ, c, 0, 0, None, 0)
    yield from L.recv(s, bytearray(31001), 31001, 0x100)
    yield from closing(L, ring, c, s, lfd)
