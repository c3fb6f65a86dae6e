"""UDP over loopback (AF_INET / AF_INET6 SOCK_DGRAM) as liburing's socket tests use it (send_recv.c,
recv-msgall.c, recvsend_bundle.c, send-zerocopy.c's UDP paths, socket-io.c, socket.c): socket(2) /
SOCKET, bind, connect and AF_UNSPEC disconnect, sendto / recvfrom names, SEND / RECV / SENDMSG /
RECVMSG (provided buffers, multishot), MSG_PEEK / MSG_TRUNC / MSG_DONTWAIT, SIOCINQ / SIOCOUTQ,
the receive buffer (its drops, the deferred release of a read datagram's memory), shutdown, poll, and what an ICMP port unreachable does; names prefixed ``lud-``.

Addresses are ``L.SockaddrIn`` / ``L.SockaddrIn6``.  Every scenario uses fixed ports of its own in
29600-29799 (below the ephemeral range) and closes everything; an ephemeral port's number is never
recorded, only whether it is non-zero (a name received from an unbound sender is recorded the same
way).  Loopback delivers a datagram, and the ICMP port unreachable a send to a port nobody holds
draws, before the send returns (checked 300 times in a row on the real kernel), so a receive right
after a send finds it.  Few scenarios draw an ICMP error: the kernel rate-limits them
(``icmp_msgs_per_sec``, a burst of 50)."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import Gen, new_ring, prep_named, reap_one, submit_and_reap
from simuring.conform.scenarios.liburing_dgram import recvmsg_out, recvmsg_sel
from simuring.conform.scenarios.liburing_inet import (
    ANY4,
    IPV6_V6ONLY,
    LO4,
    LO6,
    POLLERR,
    POLLIN,
    POLLOUT,
    SO_REUSEADDR,
    SO_REUSEPORT,
    TCP_NODELAY,
    armed_multishot,
    buf_rules,
    bufs,
    closing,
    getopt,
    intval,
    mapped,
    name_of,
    one,
    poll_wait,
    setopt,
    show,
    sin,
    sin6,
    zc_fixed_sends,
)
from simuring.conform.scenarios.liburing_pbuf import provide
from simuring.conform.scenarios.liburing_sockx import (
    SO_DOMAIN,
    SO_ERROR,
    SO_PROTOCOL,
    SO_TYPE,
    SOL_SOCKET,
)
from simuring.uapi import (
    IORING_SEND_ZC_REPORT_USAGE,
    SOCKET_URING_OP_SIOCINQ,
    SOCKET_URING_OP_SIOCOUTQ,
)

TAGS = ("liburing", "inet", "udp", "net")

PORT = 29600
MSG_OOB, MSG_PEEK, MSG_TRUNC, MSG_DONTWAIT = 0x1, 0x2, 0x20, 0x40
IPPROTO_TCP, IPPROTO_IPV6 = 6, 41
SHUT_RD, SHUT_WR, SHUT_RDWR = 0, 1, 2
ALL = 0x1 | 0x4 | 0x8 | 0x10 | 0x40 | 0x100 | 0x200 | 0x2000


def udp(L: Any, v6: bool = False, flags: int = 0) -> Gen:
    """socket(2): a UDP socket."""
    return (yield from L.socket(L.AF_INET6 if v6 else L.AF_INET, L.SOCK_DGRAM | flags, 0))


def addr(L: Any, port: int, v6: bool = False, ip: bytes | None = None) -> tuple[Any, int]:
    """``sockaddr_in`` 127.0.0.1 (or ``ip``) / ``sockaddr_in6`` ::1 (or ``ip``) and its length."""
    if v6:
        return sin6(L, port, LO6 if ip is None else ip)
    return sin(L, port, LO4 if ip is None else ip)


def bound(L: Any, port: int, v6: bool = False, ip: bytes | None = None) -> Gen:
    """A UDP socket bound to ``port`` on loopback (or ``ip``)."""
    fd = yield from udp(L, v6)
    yield from L.bind(fd, *addr(L, port, v6, ip))
    return fd


def sendto(L: Any, fd: int, data: bytes, port: int, v6: bool = False, flags: int = 0) -> Gen:
    """sendto(2) of ``data`` to ``port`` on loopback."""
    return (yield from L.sendto(fd, data, len(data), flags, *addr(L, port, v6)))


def recvfrom(L: Any, fd: int, label: str, v6: bool = False, size: int = 16, flags: int = MSG_DONTWAIT,
             fixed_port: bool = False) -> Gen:  # fmt: skip
    """recvfrom(2) of one datagram with room for the sender's name: the data and the name recorded."""
    buf = bytearray(size)
    sa = L.SockaddrIn6() if v6 else L.SockaddrIn()
    alen = intval(28 if v6 else 16)
    got = yield from L.recvfrom(fd, buf, size, flags, sa, alen)
    if got >= 0:
        L.record(label, bytes(buf[: min(got, size)]))
        show(L, label + " from", sa, alen, fixed_port)
    return got


def shutdown(L: Any, ring: Any, ud: int, fd: int, how: int) -> Gen:
    """An io_uring SHUTDOWN of ``fd``."""
    return (yield from one(L, ring, ud, "io_uring_prep_shutdown", fd, how))


# -- socket(2), SOCKET, bind --------------------------------------------------------------


@scenario("lud-socket", tags=TAGS)
def lud_socket(L: Any) -> Gen:
    """socket(2) AF_INET / AF_INET6 SOCK_DGRAM with protocol 0 or IPPROTO_UDP (17), SOCK_NONBLOCK |
    SOCK_CLOEXEC too, and SOCKET: SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_ERROR; listen(2) and accept4(2)
    -EOPNOTSUPP; socketpair(2) -EOPNOTSUPP; SOCK_DGRAM with IPPROTO_TCP -EPROTONOSUPPORT."""
    ring = yield from new_ring(L, 8)
    fds = [
        (yield from L.socket(L.AF_INET, L.SOCK_DGRAM, 0)),
        (yield from L.socket(L.AF_INET6, L.SOCK_DGRAM, 17)),
        (yield from L.socket(L.AF_INET, L.SOCK_DGRAM | L.SOCK_NONBLOCK | L.SOCK_CLOEXEC, 17)),
        (yield from one(L, ring, 1, "io_uring_prep_socket", L.AF_INET6, L.SOCK_DGRAM, 0, 0)),
    ]
    for i, fd in enumerate(fds):
        for j, opt in enumerate((SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_ERROR)):
            yield from getopt(L, ring, 10 + 10 * i + j, fd, opt, f"fd{i} opt{opt}")
    yield from L.listen(fds[0], 4)
    yield from L.accept4(fds[0], None, None, 0)
    sv = [0, 0]
    yield from L.socketpair(L.AF_INET, L.SOCK_DGRAM, 0, sv)
    yield from L.socket(L.AF_INET, L.SOCK_DGRAM, 6)
    yield from closing(L, ring, *fds)


@scenario("lud-bind", tags=TAGS)
def lud_bind(L: Any) -> Gen:
    """bind(2) to 127.0.0.1 and a fixed port (getsockname shows both), and BIND through io_uring for
    AF_INET6 ::1; binding again -EINVAL; another UDP socket on the port -EADDRINUSE; a TCP socket may
    hold the same port (the tables are apart)."""
    ring = yield from new_ring(L, 8)
    p = PORT
    fd = yield from bound(L, p)
    yield from name_of(L, fd, "name", fixed_port=True)
    yield from L.bind(fd, *addr(L, p + 1))
    other = yield from udp(L)
    yield from L.bind(other, *addr(L, p))
    tcp = yield from L.socket(L.AF_INET, L.SOCK_STREAM, 0)
    yield from L.bind(tcp, *addr(L, p))
    fd6 = yield from udp(L, True)
    yield from one(L, ring, 1, "io_uring_prep_bind", fd6, *addr(L, p + 2, True))
    yield from name_of(L, fd6, "name6", v6=True, fixed_port=True)
    yield from closing(L, ring, fd, other, tcp, fd6)


@scenario("lud-bind-ephemeral", tags=TAGS)
def lud_bind_ephemeral(L: Any) -> Gen:
    """bind(2) to port 0 takes an ephemeral port (non-zero), on 127.0.0.1 and on ``::``."""
    fd = yield from udp(L)
    yield from L.bind(fd, *addr(L, 0))
    yield from name_of(L, fd, "name")
    fd6 = yield from udp(L, True)
    yield from L.bind(fd6, *sin6(L, 0, bytes(16)))
    yield from name_of(L, fd6, "name6", v6=True)
    yield from closing(L, None, fd, fd6)


@scenario("lud-bind-errors", tags=TAGS)
def lud_bind_errors(L: Any) -> Gen:
    """``__inet_bind`` / ``__inet6_bind`` on UDP sockets: a 15-byte sockaddr_in -EINVAL, AF_INET6 on an
    AF_INET socket -EAFNOSUPPORT, 203.0.113.1 -EADDRNOTAVAIL; a 23-byte sockaddr_in6 -EINVAL, ::2
    -EADDRNOTAVAIL, the link-local multicast ff02::1 without a scope id -EINVAL, but the global
    multicast ff0e::1 binds (a stream socket could not)."""
    p = PORT + 10
    cases = ((False, sin(L, p)[0], 15), (False, *sin6(L, p)), (False, *sin(L, p, bytes([203, 0, 113, 1]))),
             (True, sin6(L, p)[0], 23), (True, *sin6(L, p, bytes(15) + b"\x02")),
             (True, *sin6(L, p, bytes([0xFF, 0x02]) + bytes(13) + b"\x01")),
             (True, *sin6(L, p + 1, bytes([0xFF, 0x0E]) + bytes(13) + b"\x01")))  # fmt: skip
    for v6, a, n in cases:
        fd = yield from udp(L, v6)
        yield from L.bind(fd, a, n)
        yield from L.close(fd)


@scenario("lud-bind-dual-stack", tags=TAGS)
def lud_bind_dual_stack(L: Any) -> Gen:
    """With 127.0.0.1:p held by an AF_INET socket, an AF_INET6 socket binding ``::`` to p -EADDRINUSE
    (it would cover IPv4 too); with IPV6_V6ONLY it binds; setting IPV6_V6ONLY once bound -EINVAL."""
    ring = yield from new_ring(L, 8)
    p = PORT + 20
    v4 = yield from bound(L, p)
    a = yield from udp(L, True)
    yield from L.bind(a, *sin6(L, p, bytes(16)))
    b = yield from udp(L, True)
    yield from setopt(L, ring, 1, b, IPPROTO_IPV6, IPV6_V6ONLY)
    yield from L.bind(b, *sin6(L, p, bytes(16)))
    yield from setopt(L, ring, 2, b, IPPROTO_IPV6, IPV6_V6ONLY, 0)
    yield from closing(L, ring, v4, a, b)


@scenario("lud-reuse", tags=TAGS)
def lud_reuse(L: Any) -> Gen:
    """Port sharing: two sockets with SO_REUSEADDR bind the same address and port, a third without it
    -EADDRINUSE; two with SO_REUSEPORT share another port."""
    ring = yield from new_ring(L, 8)
    fds = []
    for i, (opt, p) in enumerate(((SO_REUSEADDR, PORT + 30), (SO_REUSEADDR, PORT + 30), (0, PORT + 30),
                                  (SO_REUSEPORT, PORT + 31), (SO_REUSEPORT, PORT + 31))):  # fmt: skip
        fd = yield from udp(L)
        if opt:
            yield from setopt(L, ring, i + 1, fd, SOL_SOCKET, opt)
        yield from L.bind(fd, *addr(L, p))
        fds.append(fd)
    yield from closing(L, ring, *fds)


@scenario("lud-close-frees-port", tags=TAGS)
def lud_close_frees_port(L: Any) -> Gen:
    """Closing a bound socket gives its port back at once (no TIME_WAIT for UDP): a new socket binds it,
    and a datagram sent to it arrives there, not at the closed socket's queue."""
    p = PORT + 35
    a = yield from bound(L, p)
    s = yield from udp(L)
    yield from sendto(L, s, b"old", p)
    yield from L.close(a)
    b = yield from bound(L, p)
    yield from sendto(L, s, b"new", p)
    yield from recvfrom(L, b, "got")
    yield from recvfrom(L, b, "then")
    yield from closing(L, None, s, b)


# -- sendto / recvfrom, names -------------------------------------------------------------


@scenario("lud-sendto-recvfrom", tags=TAGS)
def lud_sendto_recvfrom(L: Any) -> Gen:
    """sendto(2) from an unbound socket autobinds it (getsockname: 0.0.0.0, a port); recvfrom(2) gets
    the datagram and its source, 127.0.0.1 and that port; a socket bound to a fixed port is named with
    it; an empty datagram is a datagram (0)."""
    p = PORT + 40
    r = yield from bound(L, p)
    s = yield from udp(L)
    yield from sendto(L, s, b"hello", p)
    yield from name_of(L, s, "sender")
    yield from recvfrom(L, r, "first")
    f = yield from bound(L, p + 1)
    yield from sendto(L, f, b"fixed", p)
    yield from recvfrom(L, r, "second", fixed_port=True)
    yield from sendto(L, f, b"", p)
    yield from recvfrom(L, r, "empty", fixed_port=True)
    yield from closing(L, None, r, s, f)


@scenario("lud-sendto-recvfrom-v6", tags=TAGS)
def lud_sendto_recvfrom_v6(L: Any) -> Gen:
    """An AF_INET6 socket bound to ``::`` receives from an AF_INET6 sender (source ::1) and from an
    AF_INET one (source ::ffff:127.0.0.1, a 28-byte sockaddr_in6); an AF_INET6 sender aiming at
    ::ffff:127.0.0.1 reaches an AF_INET receiver, which names it 127.0.0.1."""
    p = PORT + 45
    r = yield from bound(L, p, True, bytes(16))
    s6 = yield from bound(L, p + 1, True, bytes(16))
    s4 = yield from bound(L, p + 2)
    yield from sendto(L, s6, b"six", p, True)
    yield from recvfrom(L, r, "from v6", True, fixed_port=True)
    yield from sendto(L, s4, b"four", p)
    yield from recvfrom(L, r, "from v4", True, fixed_port=True)
    r4 = yield from bound(L, p + 3)
    yield from L.sendto(s6, b"mapped", 6, 0, *sin6(L, p + 3, mapped(LO4)))
    yield from recvfrom(L, r4, "v6 to v4", fixed_port=True)
    yield from closing(L, None, r, s6, s4, r4)


@scenario("lud-send-no-destination", tags=TAGS)
def lud_send_no_destination(L: Any) -> Gen:
    """send(2) on an unconnected socket without a name -EDESTADDRREQ (AF_INET and AF_INET6, and SEND
    through io_uring), the socket autobound all the same (getsockname shows a port)."""
    ring = yield from new_ring(L, 8)
    a = yield from udp(L)
    yield from L.send(a, b"x", 1, 0)
    yield from name_of(L, a, "v4")
    b = yield from udp(L, True)
    yield from L.send(b, b"x", 1, 0)
    yield from name_of(L, b, "v6", v6=True)
    c = yield from udp(L)
    yield from one(L, ring, 1, "io_uring_prep_send", c, b"x", 1, 0)
    yield from closing(L, ring, a, b, c)


@scenario("lud-sendto-errors", tags=TAGS)
def lud_sendto_errors(L: Any) -> Gen:
    """``udp_sendmsg``'s checks (sent to a port nobody holds, from an unconnected socket: no error comes
    back): a 15-byte name -EINVAL, an AF_INET6 name -EAFNOSUPPORT, AF_UNSPEC taken as AF_INET, port 0
    -EINVAL, MSG_OOB -EOPNOTSUPP, 65508 bytes -EMSGSIZE and 65507 sent.  AF_INET6: an AF_UNIX name
    -EINVAL, 65528 bytes -EMSGSIZE and 65527 sent, an AF_INET name sent."""
    p = PORT + 50
    s = yield from udp(L)
    yield from L.sendto(s, b"x", 1, 0, sin(L, p)[0], 15)
    yield from L.sendto(s, b"x", 1, 0, *sin6(L, p))
    yield from L.sendto(s, b"x", 1, 0, *sin(L, p, family=L.AF_UNSPEC))
    yield from sendto(L, s, b"x", 0)
    yield from sendto(L, s, b"x", p, flags=MSG_OOB)
    for n in (65508, 65507):
        yield from sendto(L, s, bytes(n), p)
    s6 = yield from udp(L, True)
    yield from L.sendto(s6, b"x", 1, 0, *sin6(L, p, family=L.AF_UNIX))
    for n in (65528, 65527):
        yield from sendto(L, s6, bytes(n), p, True)
    yield from L.sendto(s6, b"x", 1, 0, *sin(L, p))
    yield from L.recv(s, bytearray(1), 1, MSG_DONTWAIT)
    yield from closing(L, None, s, s6)


# -- connect ------------------------------------------------------------------------------


@scenario("lud-connect", tags=TAGS)
def lud_connect(L: Any) -> Gen:
    """connect(2) of an unbound socket to a bound one: it is autobound to 127.0.0.1 (getsockname), its
    peer is the destination (getpeername); send(2) without a name reaches it, and the receiver names
    the sender as getsockname did; CONNECT through io_uring does the same for AF_INET6."""
    ring = yield from new_ring(L, 8)
    p = PORT + 60
    r = yield from bound(L, p)
    c = yield from udp(L)
    yield from L.connect(c, *addr(L, p))
    yield from name_of(L, c, "local")
    yield from name_of(L, c, "peer", peer=True, fixed_port=True)
    yield from L.send(c, b"hi", 2, 0)
    yield from recvfrom(L, r, "got")
    r6 = yield from bound(L, p + 1, True)
    c6 = yield from udp(L, True)
    yield from one(L, ring, 1, "io_uring_prep_connect", c6, *addr(L, p + 1, True))
    yield from name_of(L, c6, "local6", v6=True)
    yield from name_of(L, c6, "peer6", v6=True, peer=True, fixed_port=True)
    yield from L.send(c6, b"hi6", 3, 0)
    yield from recvfrom(L, r6, "got6", True)
    yield from closing(L, ring, r, c, r6, c6)


@scenario("lud-connect-filters", tags=TAGS)
def lud_connect_filters(L: Any) -> Gen:
    """A connected socket takes datagrams from its peer only: another sender's is not delivered to it
    (a receive -EAGAIN), the peer's is; a connected socket may still sendto(2) another address."""
    p = PORT + 65
    a = yield from bound(L, p)
    yield from L.connect(a, *addr(L, p + 1))
    peer = yield from bound(L, p + 1)
    stranger = yield from bound(L, p + 2)
    yield from sendto(L, stranger, b"no", p)
    yield from recvfrom(L, a, "stranger's", fixed_port=True)
    yield from sendto(L, peer, b"yes", p)
    yield from recvfrom(L, a, "peer's", fixed_port=True)
    yield from sendto(L, a, b"elsewhere", p + 2)
    yield from recvfrom(L, stranger, "sent elsewhere", fixed_port=True)
    yield from closing(L, None, a, peer, stranger)


@scenario("lud-connect-again", tags=TAGS)
def lud_connect_again(L: Any) -> Gen:
    """connect(2) of a connected socket to another address replaces the peer (getpeername), and a port
    nobody holds is fine to connect to (no error until something is sent)."""
    p = PORT + 70
    c = yield from bound(L, p)
    yield from L.connect(c, *addr(L, p + 1))
    yield from name_of(L, c, "first", peer=True, fixed_port=True)
    yield from L.connect(c, *addr(L, p + 2))
    yield from name_of(L, c, "second", peer=True, fixed_port=True)
    yield from name_of(L, c, "local", fixed_port=True)
    yield from L.recv(c, bytearray(1), 1, MSG_DONTWAIT)
    yield from closing(L, None, c)


@scenario("lud-disconnect", tags=TAGS)
def lud_disconnect(L: Any) -> Gen:
    """connect(2) with AF_UNSPEC disconnects (0): an autobound socket loses its address and port
    (0.0.0.0:0), getpeername -ENOTCONN, send(2) -EDESTADDRREQ; a socket bound with bind(2) keeps its
    name."""
    p = PORT + 75
    r = yield from bound(L, p)
    c = yield from udp(L)
    yield from L.connect(c, *addr(L, p))
    yield from L.connect(c, *sin(L, 0, ANY4, L.AF_UNSPEC))
    yield from name_of(L, c, "autobound", fixed_port=True)
    yield from name_of(L, c, "peer", peer=True)
    yield from L.send(c, b"x", 1, 0)
    b = yield from bound(L, p + 1)
    yield from L.connect(b, *addr(L, p))
    yield from L.connect(b, *sin(L, 0, ANY4, L.AF_UNSPEC))
    yield from name_of(L, b, "bound", fixed_port=True)
    yield from closing(L, None, r, c, b)


@scenario("lud-connect-errors", tags=TAGS)
def lud_connect_errors(L: Any) -> Gen:
    """``ip4_datagram_connect``: a 15-byte address -EINVAL, a 1-byte one -EINVAL, AF_INET6 -EAFNOSUPPORT
    (the socket is autobound first: getsockname shows a port); ``ip6_datagram_connect``: a 23-byte
    address -EINVAL, AF_UNIX -EAFNOSUPPORT, a sockaddr_in is taken (an IPv4 peer, the local address
    ::ffff:127.0.0.1), and -EAFNOSUPPORT from an IPv6-only socket."""
    ring = yield from new_ring(L, 8)
    p = PORT + 80
    a = yield from udp(L)
    yield from L.connect(a, sin(L, p)[0], 15)
    yield from L.connect(a, sin(L, p)[0], 1)
    yield from L.connect(a, *sin6(L, p))
    yield from name_of(L, a, "after")
    b = yield from udp(L, True)
    yield from L.connect(b, sin6(L, p)[0], 23)
    yield from L.connect(b, *sin6(L, p, family=L.AF_UNIX))
    yield from L.connect(b, *sin(L, p))
    yield from name_of(L, b, "v6 local", v6=True)
    yield from name_of(L, b, "v6 peer", v6=True, peer=True, fixed_port=True)
    c = yield from udp(L, True)
    yield from setopt(L, ring, 1, c, IPPROTO_IPV6, IPV6_V6ONLY)
    yield from L.connect(c, *sin(L, p))
    yield from closing(L, ring, a, b, c)


# -- ICMP port unreachable ----------------------------------------------------------------


@scenario("lud-refused-connected", tags=TAGS)
def lud_refused_connected(L: Any) -> Gen:
    """A connected socket sending to a port nobody holds: the send counts (1), the ICMP port unreachable
    that comes back leaves ECONNREFUSED pending (POLLERR), which the next send reports (consumed); the
    send after that counts again and its error is reported by a receive; then nothing is pending."""
    ring = yield from new_ring(L, 8)
    c = yield from udp(L)
    yield from L.connect(c, *addr(L, PORT + 90))
    yield from L.send(c, b"a", 1, 0)
    yield from poll_wait(L, ring, 1, c, ALL)
    yield from L.send(c, b"b", 1, 0)
    yield from L.send(c, b"c", 1, 0)
    yield from L.recv(c, bytearray(4), 4, MSG_DONTWAIT)
    yield from L.recv(c, bytearray(4), 4, MSG_DONTWAIT)
    yield from closing(L, ring, c)


@scenario("lud-refused-sockopt", tags=TAGS)
def lud_refused_sockopt(L: Any) -> Gen:
    """The ECONNREFUSED a connected socket's ICMP error leaves is also read (and consumed) by SO_ERROR;
    through io_uring a SEND counts and the following RECV fails with it."""
    ring = yield from new_ring(L, 8)
    c = yield from udp(L)
    yield from L.connect(c, *addr(L, PORT + 91))
    yield from L.send(c, b"a", 1, 0)
    yield from getopt(L, ring, 1, c, SO_ERROR, "so_error")
    yield from getopt(L, ring, 2, c, SO_ERROR, "so_error again")
    yield from one(L, ring, 3, "io_uring_prep_send", c, b"b", 1, 0)
    yield from one(L, ring, 4, "io_uring_prep_recv", c, bytearray(4), 4, 0)
    yield from closing(L, ring, c)


@scenario("lud-refused-unconnected", tags=TAGS)
def lud_refused_unconnected(L: Any) -> Gen:
    """An unconnected socket sending to a port nobody holds sees nothing: both sends count, a receive
    -EAGAIN, SO_ERROR 0; nor does a connected one sending there through a name other than its peer's."""
    ring = yield from new_ring(L, 8)
    p = PORT + 92
    s = yield from udp(L)
    yield from sendto(L, s, b"a", p)
    yield from sendto(L, s, b"b", p)
    yield from L.recv(s, bytearray(4), 4, MSG_DONTWAIT)
    yield from getopt(L, ring, 1, s, SO_ERROR, "so_error")
    r = yield from bound(L, p + 1)
    c = yield from udp(L)
    yield from L.connect(c, *addr(L, p + 1))
    yield from sendto(L, c, b"c", p)
    yield from getopt(L, ring, 2, c, SO_ERROR, "connected so_error")
    yield from closing(L, ring, s, r, c)


# -- receiving: MSG_PEEK, MSG_TRUNC, SIOCINQ, waits ---------------------------------------


@scenario("lud-peek-trunc", tags=TAGS)
def lud_peek_trunc(L: Any) -> Gen:
    """Message boundaries: MSG_PEEK copies the head datagram and leaves it; a 4-byte receive of a
    10-byte datagram gets 4 (the rest lost), with MSG_TRUNC the answer is 10; each receive takes one
    datagram; an empty socket -EAGAIN with MSG_DONTWAIT."""
    p = PORT + 100
    r = yield from bound(L, p)
    s = yield from bound(L, p + 1)
    for data in (b"0123456789", b"abcdefghij", b"xyz"):
        yield from sendto(L, s, data, p)
    yield from recvfrom(L, r, "peek", size=4, flags=MSG_PEEK | MSG_DONTWAIT, fixed_port=True)
    yield from recvfrom(L, r, "cut", size=4, fixed_port=True)
    yield from recvfrom(L, r, "trunc", size=4, flags=MSG_TRUNC | MSG_DONTWAIT, fixed_port=True)
    yield from recvfrom(L, r, "last", fixed_port=True)
    yield from L.recv(r, bytearray(4), 4, MSG_DONTWAIT)
    yield from closing(L, None, r, s)


@scenario("lud-oob", tags=TAGS)
def lud_oob(L: Any) -> Gen:
    """MSG_OOB: a send -EOPNOTSUPP (before anything else), a receive ignores it (the datagram comes)."""
    p = PORT + 105
    r = yield from bound(L, p)
    s = yield from udp(L)
    yield from sendto(L, s, b"x", p, flags=MSG_OOB)
    yield from sendto(L, s, b"y", p)
    yield from L.recv(r, bytearray(4), 4, MSG_OOB | MSG_DONTWAIT)
    yield from closing(L, None, r, s)


@scenario("lud-siocinq", tags=TAGS)
def lud_siocinq(L: Any) -> Gen:
    """SIOCINQ through URING_CMD is the next datagram's length (100 with 100 and 7 queued, then 7, then
    0); SIOCOUTQ is 0 (loopback frees what was sent at once)."""
    ring = yield from new_ring(L, 8)
    p = PORT + 110
    r = yield from bound(L, p)
    s = yield from udp(L)
    yield from sendto(L, s, bytes(100), p)
    yield from sendto(L, s, bytes(7), p)
    cmds = ((SOCKET_URING_OP_SIOCINQ, r), (SOCKET_URING_OP_SIOCOUTQ, s))
    for ud, (op, fd) in enumerate(cmds, 1):
        yield from one(L, ring, ud, "io_uring_prep_cmd_sock", op, fd, 0, 0, None, 0)
    for ud in (3, 4):
        yield from L.recv(r, bytearray(200), 200, 0)
        yield from one(L, ring, ud, "io_uring_prep_cmd_sock", SOCKET_URING_OP_SIOCINQ, r, 0, 0, None, 0)
    yield from closing(L, ring, r, s)


@scenario("lud-uring-recv-waits", tags=TAGS)
def lud_uring_recv_waits(L: Any) -> Gen:
    """A RECV on an empty UDP socket waits (armed poll) and completes with the datagram that comes; with
    MSG_DONTWAIT it is -EAGAIN at once."""
    ring = yield from new_ring(L, 8)
    p = PORT + 115
    r = yield from bound(L, p)
    s = yield from udp(L)
    yield from one(L, ring, 1, "io_uring_prep_recv", r, bytearray(8), 8, MSG_DONTWAIT)
    buf = bytearray(8)
    prep_named(L, ring, 2, "io_uring_prep_recv", r, buf, 8, 0)
    yield from L.io_uring_submit(ring)
    yield from sendto(L, s, b"late", p)
    yield from reap_one(L, ring)
    L.record("buf", bytes(buf))
    yield from closing(L, ring, r, s)


@scenario("lud-uring-sendmsg-recvmsg", tags=TAGS)
def lud_uring_sendmsg_recvmsg(L: Any) -> Gen:
    """SENDMSG with a sockaddr_in name and two iovecs sends one 5-byte datagram; RECVMSG with a
    sockaddr_in of room gets it, msg_namelen 16 and the sender's name; a 3-byte RECVMSG of a 5-byte
    datagram sets MSG_TRUNC in msg_flags; AF_INET6 alike (msg_namelen 28)."""
    ring = yield from new_ring(L, 8)
    p = PORT + 120
    for v6 in (False, True):
        r = yield from bound(L, p, v6)
        s = yield from bound(L, p + 1, v6)
        a, n = addr(L, p, v6)
        for _ in range(2):
            prep_named(L, ring, 1, "io_uring_prep_sendmsg", s, L.Msghdr([b"ab", b"cde"], msg_name=a, msg_namelen=n), 0)
            yield from submit_and_reap(L, ring)
        for size in (8, 3):
            buf = bytearray(size)
            sa = L.SockaddrIn6() if v6 else L.SockaddrIn()
            msg = L.Msghdr([buf], msg_name=sa, msg_namelen=28 if v6 else 16)
            prep_named(L, ring, 2, "io_uring_prep_recvmsg", r, msg, 0)
            yield from submit_and_reap(L, ring)
            L.record("data", bytes(buf))
            L.record("msg_flags", msg.msg_flags)
            show(L, "from", sa, intval(msg.msg_namelen), True)
        yield from closing(L, None, r, s)
        p += 2
    yield from L.io_uring_queue_exit(ring)


@scenario("lud-uring-sendto", tags=TAGS)
def lud_uring_sendto(L: Any) -> Gen:
    """SEND with a destination (io_uring_prep_sendto) from an unbound socket, then a RECV: one datagram
    each; a SEND with a 15-byte name -EINVAL, with port 0 -EINVAL."""
    ring = yield from new_ring(L, 8)
    p = PORT + 130
    r = yield from bound(L, p)
    s = yield from udp(L)
    yield from one(L, ring, 1, "io_uring_prep_sendto", s, b"first", 5, 0, *addr(L, p))
    yield from one(L, ring, 2, "io_uring_prep_sendto", s, b"second", 6, 0, *addr(L, p))
    for ud in (3, 4):
        buf = bytearray(8)
        yield from one(L, ring, ud, "io_uring_prep_recv", r, buf, 8, 0)
        L.record("buf", bytes(buf))
    yield from one(L, ring, 5, "io_uring_prep_sendto", s, b"x", 1, 0, sin(L, p)[0], 15)
    yield from one(L, ring, 6, "io_uring_prep_sendto", s, b"x", 1, 0, *addr(L, 0))
    yield from closing(L, ring, r, s)


@scenario("lud-recv-pbuf-multishot", tags=TAGS)
def lud_recv_pbuf_multishot(L: Any) -> Gen:
    """A multishot RECV with provided 8-byte buffers on a UDP socket: one CQE per datagram (F_MORE, the
    buffer id), a 12-byte datagram cut to the buffer."""
    ring = yield from new_ring(L, 8)
    p = PORT + 140
    r = yield from bound(L, p)
    s = yield from udp(L)
    mem = yield from armed_multishot(L, ring, r)
    for data in (b"abc", b"0123456789AB"):
        yield from sendto(L, s, data, p)
        yield from reap_one(L, ring)
    L.record("mem", bytes(mem))
    yield from closing(L, ring, r, s)


@scenario("lud-recvmsg-multishot", tags=TAGS)
def lud_recvmsg_multishot(L: Any) -> Gen:
    """A multishot RECVMSG with provided 48-byte buffers and 16 bytes of name room: each datagram after
    an io_uring_recvmsg_out (namelen 16) and the sender's sockaddr_in (a fixed port)."""
    ring = yield from new_ring(L, 8)
    p = PORT + 145
    r = yield from bound(L, p)
    s = yield from bound(L, p + 1)
    mem = bytearray(2 * 48)
    provide(L, ring, mem, 48, 2, 6, 0, 1)
    yield from submit_and_reap(L, ring)
    recvmsg_sel(L, ring, r, L.Msghdr([], msg_name=bytearray(16), msg_namelen=16), 0, 6, 2, multishot=True)
    yield from L.io_uring_submit(ring)
    for data in (b"one", b"two!"):
        yield from sendto(L, s, data, p)
        yield from reap_one(L, ring)
    recvmsg_out(L, mem, 48, "out")
    L.record("names", [bytes(mem[off + 16 : off + 32]) for off in (0, 48)])
    yield from closing(L, ring, r, s)


# -- shutdown, poll, options --------------------------------------------------------------


@scenario("lud-shutdown", tags=TAGS)
def lud_shutdown(L: Any) -> Gen:
    """SHUTDOWN of an unconnected UDP socket -ENOTCONN; connected, SHUT_WR makes a send -EPIPE (a
    receive still -EAGAIN), SHUT_RD leaves a non-blocking receive -EAGAIN while a waiting one answers
    0 at once, and a datagram that comes after it is still received; a bad ``how`` -EINVAL."""
    ring = yield from new_ring(L, 8)
    p = PORT + 150
    u = yield from udp(L)
    yield from shutdown(L, ring, 1, u, SHUT_RDWR)
    a = yield from bound(L, p)
    b = yield from bound(L, p + 1)
    yield from L.connect(a, *addr(L, p + 1))
    yield from shutdown(L, ring, 2, a, SHUT_WR)
    yield from L.send(a, b"x", 1, MSG_DONTWAIT)
    yield from L.recv(a, bytearray(4), 4, MSG_DONTWAIT)
    yield from shutdown(L, ring, 3, a, SHUT_RD)
    yield from L.recv(a, bytearray(4), 4, MSG_DONTWAIT)
    yield from L.recv(a, bytearray(4), 4, 0)
    yield from sendto(L, b, b"late", p)
    yield from recvfrom(L, a, "after shut", fixed_port=True)
    yield from shutdown(L, ring, 4, a, 3)
    yield from closing(L, ring, u, a, b)


@scenario("lud-poll", tags=TAGS)
def lud_poll(L: Any) -> Gen:
    """POLL_ADD on UDP sockets: a fresh one is writable (POLLOUT|POLLWRNORM|POLLWRBAND); with a datagram
    queued POLLIN|POLLRDNORM too; after SHUT_RDWR of a connected one POLLHUP and POLLRDHUP."""
    ring = yield from new_ring(L, 8)
    p = PORT + 160
    r = yield from bound(L, p)
    s = yield from udp(L)
    yield from poll_wait(L, ring, 1, r, ALL)
    yield from sendto(L, s, b"x", p)
    yield from poll_wait(L, ring, 2, r, ALL)
    yield from poll_wait(L, ring, 3, r, POLLIN | POLLOUT | POLLERR)
    yield from L.connect(s, *addr(L, p))
    yield from shutdown(L, ring, 4, s, SHUT_RDWR)
    yield from poll_wait(L, ring, 5, s, ALL)
    yield from closing(L, ring, r, s)


@scenario("lud-sockopt", tags=TAGS)
def lud_sockopt(L: Any) -> Gen:
    """Options on a UDP socket: TCP_NODELAY set -ENOPROTOOPT and read -EOPNOTSUPP (``ip_getsockopt``);
    SO_REUSEADDR / SO_REUSEPORT read back what was set (getsockopt(2))."""
    ring = yield from new_ring(L, 8)
    fd = yield from udp(L)
    yield from L.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, intval(1), 4)
    val, n = intval(0), intval(4)
    yield from L.getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, val, n)
    for i, opt in enumerate((SO_REUSEADDR, SO_REUSEPORT)):
        yield from setopt(L, ring, i + 1, fd, SOL_SOCKET, opt)
        val, n = intval(0), intval(4)
        yield from L.getsockopt(fd, SOL_SOCKET, opt, val, n)
        L.record(f"opt{opt}", int.from_bytes(val, "little"))
    yield from closing(L, ring, fd)


@scenario("lud-send-zc", tags=TAGS)
def lud_send_zc(L: Any) -> Gen:
    """SEND_ZC over UDP (send-zerocopy.c's UDP runs): connected, the count with IORING_CQE_F_MORE, then
    the notification (IORING_CQE_F_NOTIF; with IORING_SEND_ZC_REPORT_USAGE it says copied); with a
    destination address (io_uring_prep_send_set_addr) to an unconnected socket's receiver; SENDMSG_ZC
    with two iovecs is one datagram; each arrives whole."""
    ring = yield from new_ring(L, 8)
    p = PORT + 170
    r = yield from bound(L, p)
    c = yield from udp(L)
    yield from L.connect(c, *addr(L, p))
    prep_named(L, ring, 1, "io_uring_prep_send_zc", c, b"zerocopy", 8, 0, 0)
    yield from submit_and_reap(L, ring, 2)
    prep_named(L, ring, 2, "io_uring_prep_send_zc", c, b"usage", 5, 0, IORING_SEND_ZC_REPORT_USAGE)
    yield from submit_and_reap(L, ring, 2)
    u = yield from udp(L)
    sqe = prep_named(L, ring, 3, "io_uring_prep_send_zc", u, b"named", 5, 0, 0)
    L.io_uring_prep_send_set_addr(sqe, *addr(L, p))
    yield from submit_and_reap(L, ring, 2)
    msg = L.Msghdr(msg_iov=[bytearray(b"ab"), bytearray(b"cde")], msg_iovlen=2)
    prep_named(L, ring, 4, "io_uring_prep_sendmsg_zc", c, msg, 0)
    yield from submit_and_reap(L, ring, 2)
    for i in range(4):
        yield from recvfrom(L, r, f"got {i}")
    yield from closing(L, ring, r, c, u)


@scenario("lud-send-zc-fixed", tags=TAGS)
def lud_send_zc_fixed(L: Any) -> Gen:
    """SEND_ZC / SENDMSG_ZC over a connected UDP socket from a registered buffer, and SEND_ZC with
    IORING_SEND_VECTORIZED (:func:`~.liburing_inet.zc_fixed_sends`): each good send is one datagram;
    the failed ones send nothing."""
    ring = yield from new_ring(L, 8)
    p = 29850
    r = yield from bound(L, p)
    c = yield from udp(L)
    yield from L.connect(c, *addr(L, p))
    reg = bytearray(b"0123456789abcdef")
    yield from L.io_uring_register_buffers(ring, [reg], 1)
    yield from zc_fixed_sends(L, ring, c, reg)
    for i in range(4):
        yield from recvfrom(L, r, f"got {i}")
    yield from closing(L, ring, r, c)


@scenario("lud-sockbuf", tags=TAGS)
def lud_sockbuf(L: Any) -> Gen:
    """SO_SNDBUF / SO_RCVBUF on UDP (``sk_setsockopt``): a new socket has net.core.wmem_default /
    rmem_default (212992 each), a set value is doubled and bounded (:func:`~.liburing_inet.buf_rules`);
    connecting changes neither."""
    ring = yield from new_ring(L, 8)
    yield from buf_rules(L, ring, udp)
    p = 29851
    r = yield from bound(L, p)
    c = yield from udp(L)
    yield from L.connect(c, *addr(L, p))
    yield from bufs(L, ring, c, "connected")
    yield from bufs(L, ring, r, "bound")
    yield from closing(L, ring, r, c)


def drain(L: Any, fd: int, label: str) -> Gen:
    """Receive (MSG_DONTWAIT) until nothing is queued; the number of datagrams is recorded."""
    got = 0
    while (yield from L.recv(fd, bytearray(16), 16, MSG_DONTWAIT)) >= 0:
        got += 1
    L.record(label, got)


@scenario("lud-rcvbuf-drops", tags=TAGS)
def lud_rcvbuf_drops(L: Any) -> Gen:
    """UDP's receive buffer (``__udp_enqueue_schedule_skb``): a datagram is queued when its true size
    fits beside those queued in SO_RCVBUF, or when nothing is queued; otherwise it is dropped, and the
    send still returns its count.  The true sizes step with the payload (832 bytes up to 197 over
    IPv4, 184 over IPv6, then kmalloc's powers of two plus 256, then, beyond the linear limit, 832
    plus the payload), so each pair below is chosen to fit or not by one byte; SIOCINQ reads the first
    datagram; each queue is drained before the next round, so its memory is all given back."""
    ring = yield from new_ring(L, 8)
    for v6, p in ((False, 29852), (True, 29853)):
        r = yield from bound(L, p, v6)
        c = yield from udp(L, v6)
        yield from L.connect(c, *addr(L, p, v6))
        rounds = (
            (4000, 1, 12), (4000, 500, 8), (4000, 1000, 5), (0, 184, 2), (0, 185, 2), (0, 197, 2),
            (0, 198, 2), (16640, 16004, 3), (16640, 16005, 3), (20832, 20000, 3), (20832, 20001, 3),
            (0, 30000, 2),
        )  # fmt: skip
        for val, size, n in rounds:
            yield from L.setsockopt(r, SOL_SOCKET, 8, intval(val), 4)
            for _ in range(n):
                yield from L.send(c, bytes(size), size, 0)
            yield from one(L, ring, 1, "io_uring_prep_cmd_sock", SOCKET_URING_OP_SIOCINQ, r, 0, 0, None, 0)
            yield from drain(L, r, f"v6={v6} rcvbuf={val} size={size}")
        yield from L.close(r)
        yield from L.close(c)
    yield from L.io_uring_queue_exit(ring)


# -- the deferred release of a read datagram's memory (udp_rmem_release) -------------------------
# SO_RCVBUF 4000 makes sk_rcvbuf 8000 and the release threshold (``forward_threshold``) 2000; a 1-byte
# datagram's true size is 832 over IPv4 and IPv6, so 9 fit (``lud-rcvbuf-drops``).  Each datagram is one
# letter, so the drain shows which were queued and which dropped.


def letters(L: Any, c: int, first: str, count: int) -> Gen:
    """Send ``count`` one-letter datagrams from ``c``, from letter ``first`` on."""
    for i in range(count):
        yield from L.send(c, chr(ord(first) + i).encode(), 1, 0)


def take(L: Any, r: int, label: str) -> Gen:
    """One MSG_DONTWAIT receive of ``r``: the letter, or the error, recorded under ``label``."""
    buf = bytearray(4)
    got = yield from L.recv(r, buf, 4, MSG_DONTWAIT)
    L.record(label, bytes(buf[:got]) if got >= 0 else got)


def take_all(L: Any, r: int, label: str) -> Gen:
    """Receive (MSG_DONTWAIT) until -EAGAIN: the letters in order, recorded under ``label``."""
    got = bytearray()
    buf = bytearray(4)
    while (n := (yield from L.recv(r, buf, 4, MSG_DONTWAIT))) > 0:
        got += buf[:n]
    L.record(label, bytes(got))


def rmem_pair(L: Any, port: int, v6: bool, val: int, flags: int = 0) -> Gen:
    """A receiver bound to ``port`` (socket ``flags``: SOCK_NONBLOCK) with SO_RCVBUF ``val``, and a
    sender connected to it; (receiver, sender)."""
    r = yield from L.socket(L.AF_INET6 if v6 else L.AF_INET, L.SOCK_DGRAM | flags, 0)
    yield from L.bind(r, *addr(L, port, v6))
    yield from L.setsockopt(r, SOL_SOCKET, 8, intval(val), 4)
    c = yield from udp(L, v6)
    yield from L.connect(c, *addr(L, port, v6))
    return r, c


@scenario("lud-rmem-deferred", tags=TAGS)
def lud_rmem_deferred(L: Any) -> Gen:
    """A read datagram's true size goes back to the receive buffer only once the reader queue (what
    was queued at the first receive) is empty or a quarter of ``sk_rcvbuf`` has been read
    (``udp_rmem_release``'s ``forward_deficit``): with 9 of 12 datagrams queued (sk_rcvbuf 8000),
    each of the first two reads leaves no room for a new datagram (dropped), the third gives back
    the three (2496 bytes), then a datagram after each read is queued; the drain gets the reader
    queue's then the later ones.  With sk_rcvbuf 3400 (threshold 850) the first read keeps its 832
    bytes and the next datagram is dropped; with 3200 (threshold 800) it gives them back and the next
    is queued.  SIOCINQ is the next datagram's length throughout."""
    ring = yield from new_ring(L, 8)
    for v6, port in ((False, 29860), (True, 29861)):
        r, c = yield from rmem_pair(L, port, v6, 4000)
        yield from letters(L, c, "a", 12)
        for i, letter in enumerate("mnop"):
            yield from take(L, r, f"v6={v6} read {i}")
            yield from L.send(c, letter.encode(), 1, 0)
        yield from one(L, ring, 1, "io_uring_prep_cmd_sock", SOCKET_URING_OP_SIOCINQ, r, 0, 0, None, 0)
        yield from take_all(L, r, f"v6={v6} drained")
        for val in (1700, 1600):
            yield from L.setsockopt(r, SOL_SOCKET, 8, intval(val), 4)
            yield from letters(L, c, "a", 5)
            yield from take(L, r, f"v6={v6} rcvbuf={val} read")
            yield from L.send(c, b"z", 1, 0)
            yield from take_all(L, r, f"v6={v6} rcvbuf={val} drained")
        yield from L.close(r)
        yield from L.close(c)
    yield from L.io_uring_queue_exit(ring)


@scenario("lud-rmem-refill", tags=TAGS)
def lud_rmem_refill(L: Any) -> Gen:
    """What is in the reader queue decides when a read's memory goes back: SIOCINQ, a MSG_PEEK
    receive and, on a blocking socket, a poll (``udp_poll`` -> ``first_packet_length``) move the
    queued datagrams into the reader queue when it is empty.  One datagram queued and moved there,
    seven more sent, the first read empties the reader queue and gives its 832 bytes back: two of
    three later datagrams are queued.  Without the move (nothing, or a poll of an O_NONBLOCK
    socket), the first read takes its datagram from a reader queue of eight and keeps them: one of
    three is queued."""
    ring = yield from new_ring(L, 8)
    ways = ("none", "siocinq", "peek", "poll", "poll-nonblock")
    for i, way in enumerate(ways):
        flags = L.SOCK_NONBLOCK if way == "poll-nonblock" else 0
        r, c = yield from rmem_pair(L, 29862 + i, False, 4000, flags)
        yield from letters(L, c, "a", 1)
        if way == "siocinq":
            yield from one(L, ring, 1, "io_uring_prep_cmd_sock", SOCKET_URING_OP_SIOCINQ, r, 0, 0, None, 0)
        elif way == "peek":
            yield from L.recv(r, bytearray(4), 4, MSG_DONTWAIT | MSG_PEEK)
        elif way.startswith("poll"):
            yield from one(L, ring, 2, "io_uring_prep_poll_add", r, 1)
        yield from letters(L, c, "b", 7)
        yield from take(L, r, f"{way} read")
        yield from letters(L, c, "i", 3)
        yield from take_all(L, r, f"{way} drained")
        yield from L.close(r)
        yield from L.close(c)
    yield from L.io_uring_queue_exit(ring)
