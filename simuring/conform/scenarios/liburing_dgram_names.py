"""Unconnected AF_UNIX SOCK_DGRAM sockets with abstract names and SOCK_SEQPACKET listeners (unix(7),
socket(2), bind(2), connect(2), sendto(2), recvmsg(2)) through socket(2) / bind(2) / connect(2) and
io_uring's SOCKET / BIND / CONNECT / LISTEN / ACCEPT / SEND (io_uring_prep_sendto(3),
io_uring_prep_send_set_addr(3)) / SENDMSG / RECV / RECVMSG, as liburing's socket, send-recv and
recvmsg tests use unbound datagram sockets; names prefixed ``ldn-``.

A RECVMSG's ``msg_name`` is a ``L.SockaddrUn`` and its ``msg_namelen`` is recorded after the call
(the real kernel writes both back).  An autobound name is random in the kernel: only its length is
recorded."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    new_ring,
    nop,
    poll_add,
    prep_named,
    round_trip,
    submit_and_reap,
)
from simuring.conform.scenarios.liburing_socket import one, socklen
from simuring.uapi import IOSQE_ASYNC, IOSQE_FIXED_FILE, IOSQE_IO_LINK

TAGS = ("liburing", "socket", "dgram")

MSG_TRUNC = 0x20
MSG_DONTWAIT = 0x40
POLL_ALL = 0x1 | 0x4 | 0x8 | 0x10 | 0x40 | 0x2000
SHUT_RD = 0
QLEN = 10
"""``net.unix.max_dgram_qlen``: a receiver not connected to the sender holds one message more."""


def name(L: Any, tag: str) -> tuple[Any, int]:
    """A ``SockaddrUn`` for the abstract name ``@ldn-<tag>`` and its length."""
    path = b"\0ldn-" + tag.encode()
    return L.SockaddrUn(path), 2 + len(path)


def sock(L: Any, kind: int, flags: int = 0) -> Gen:
    """socket(2): a new AF_UNIX socket of ``kind``."""
    return (yield from L.socket(L.AF_UNIX, kind | flags, 0))


def bound(L: Any, tag: str, kind: int = -1) -> Gen:
    """A socket (SOCK_DGRAM unless ``kind``) bound to ``@ldn-<tag>`` with bind(2)."""
    fd = yield from sock(L, L.SOCK_DGRAM if kind < 0 else kind)
    a, n = name(L, tag)
    yield from L.bind(fd, a, n)
    return fd


def sendto(L: Any, ring: Any, fd: int, data: bytes, tag: str, ud: int, flags: int = 0, sqe_flags: int = 0) -> Gen:
    """A SEND of ``data`` to ``@ldn-<tag>`` (io_uring_prep_sendto), submitted and reaped."""
    a, n = name(L, tag)
    prep_named(L, ring, ud, "io_uring_prep_sendto", fd, data, len(data), flags, a, n, sqe_flags=sqe_flags)
    yield from submit_and_reap(L, ring)


def recvfrom(L: Any, ring: Any, fd: int, ud: int, size: int = 16, room: int = 110, flags: int = 0) -> Gen:
    """A RECVMSG of one message with a ``msg_name`` of ``room`` bytes: the data, the name length
    written back and the name's bytes are recorded."""
    buf = bytearray(size)
    sa = L.SockaddrUn()
    msg = L.Msghdr([buf], msg_name=sa, msg_namelen=room)
    prep_named(L, ring, ud, "io_uring_prep_recvmsg", fd, msg, flags | MSG_DONTWAIT)
    yield from submit_and_reap(L, ring)
    got = msg.msg_namelen
    L.record("msg_namelen", got)
    L.record("name", bytes(sa.raw[: max(0, min(got, room))]))
    L.record("data", bytes(buf))


def connect(L: Any, ring: Any, fd: int, tag: str, ud: int) -> Gen:
    """An io_uring CONNECT of ``fd`` to ``@ldn-<tag>``."""
    a, n = name(L, tag)
    yield from one(L, ring, ud, "io_uring_prep_connect", fd, a, n)


def closing(L: Any, ring: Any, *fds: int) -> Gen:
    for fd in fds:
        if fd >= 0:
            yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


# -- socket(2) / SOCKET ---------------------------------------------------------------------------


@scenario("ldn-socket-types", tags=TAGS)
def ldn_socket_types(L: Any) -> Gen:
    """socket(2) of SOCK_DGRAM and SOCK_SEQPACKET, plain and with SOCK_NONBLOCK|SOCK_CLOEXEC: a descriptor
    each.  Unconnected, a datagram socket's send(2) is -ENOTCONN and its non-blocking recv(2) -EAGAIN; a
    seqpacket socket's send(2) and recv(2) are both -ENOTCONN; SOCK_RAW makes a datagram socket."""
    fds = []
    for kind in (L.SOCK_DGRAM, L.SOCK_SEQPACKET):
        fds.append((yield from sock(L, kind)))
        fds.append((yield from sock(L, kind, L.SOCK_NONBLOCK | L.SOCK_CLOEXEC)))
    fds.append((yield from L.socket(L.AF_UNIX, 3, 0)))
    for fd in fds:
        yield from L.send(fd, b"x", 1, 0)
        yield from L.recv(fd, bytearray(4), 4, MSG_DONTWAIT)
    for fd in fds:
        yield from L.close(fd)


@scenario("ldn-uring-socket", tags=TAGS)
def ldn_uring_socket(L: Any) -> Gen:
    """IORING_OP_SOCKET of SOCK_DGRAM (also with SOCK_NONBLOCK) and SOCK_SEQPACKET: descriptors; the new
    datagram socket binds (BIND) and a SEND without a destination is -ENOTCONN."""
    ring = yield from new_ring(L, 8)
    d = yield from one(L, ring, 1, "io_uring_prep_socket", L.AF_UNIX, L.SOCK_DGRAM, 0, 0)
    d2 = yield from one(L, ring, 2, "io_uring_prep_socket", L.AF_UNIX, L.SOCK_DGRAM | L.SOCK_NONBLOCK, 0, 0)
    s = yield from one(L, ring, 3, "io_uring_prep_socket", L.AF_UNIX, L.SOCK_SEQPACKET, 0, 0)
    a, n = name(L, "uring-socket")
    yield from one(L, ring, 4, "io_uring_prep_bind", d, a, n)
    yield from one(L, ring, 5, "io_uring_prep_send", d, b"x", 1, 0)
    yield from closing(L, ring, d, d2, s)


@scenario("ldn-socket-direct", tags=TAGS)
def ldn_socket_direct(L: Any) -> Gen:
    """SOCKET of SOCK_DGRAM into registered slot 0 (io_uring_prep_socket_direct), BIND and a SEND to a
    bound socket through the slot (IOSQE_FIXED_FILE); the receiver gets the message and the name."""
    ring = yield from new_ring(L, 8)
    yield from L.io_uring_register_files_sparse(ring, 2)
    yield from one(L, ring, 1, "io_uring_prep_socket_direct", L.AF_UNIX, L.SOCK_DGRAM, 0, 0, 0)
    a, n = name(L, "direct-src")
    yield from one(L, ring, 2, "io_uring_prep_bind", 0, a, n, sqe_flags=IOSQE_FIXED_FILE)
    r = yield from bound(L, "direct-dst")
    yield from sendto(L, ring, 0, b"slot", "direct-dst", 3, sqe_flags=IOSQE_FIXED_FILE)
    yield from recvfrom(L, ring, r, 4)
    yield from closing(L, ring, r)


# -- names ------------------------------------------------------------------------------------------


@scenario("ldn-bind-per-type", tags=TAGS)
def ldn_bind_per_type(L: Any) -> Gen:
    """One abstract name, three types: a stream, a datagram and a seqpacket socket all bind it (the
    kernel's name table is per type); a second datagram socket gets -EADDRINUSE, the first one binding
    again -EINVAL; once the datagram socket is closed the name is free for datagram sockets again."""
    fds = []
    for kind in (L.SOCK_STREAM, L.SOCK_DGRAM, L.SOCK_SEQPACKET):
        fds.append((yield from bound(L, "per-type", kind)))
    again = yield from bound(L, "per-type")
    a, n = name(L, "per-type-2")
    yield from L.bind(fds[1], a, n)
    yield from L.close(fds[1])
    fds[1] = yield from bound(L, "per-type")
    for fd in (*fds, again):
        yield from L.close(fd)


@scenario("ldn-bind-uring", tags=TAGS)
def ldn_bind_uring(L: Any) -> Gen:
    """BIND of datagram sockets: 0; a name in use -EADDRINUSE; a second name for a bound socket
    -EINVAL; a file-system name, an address of length 1 and one of another family fail as the kernel
    says; a failed BIND fails its link."""
    ring = yield from new_ring(L, 8)
    a = yield from sock(L, L.SOCK_DGRAM)
    b = yield from sock(L, L.SOCK_DGRAM)
    sa, n = name(L, "bind-uring")
    yield from one(L, ring, 1, "io_uring_prep_bind", a, sa, n)
    yield from one(L, ring, 2, "io_uring_prep_bind", b, sa, n)
    sb, nb = name(L, "bind-uring-2")
    yield from one(L, ring, 3, "io_uring_prep_bind", a, sb, nb)
    yield from one(L, ring, 4, "io_uring_prep_bind", b, sb, 1)
    yield from one(L, ring, 5, "io_uring_prep_bind", b, L.SockaddrUn(b"\0x", sun_family=3), 4)
    prep_named(L, ring, 6, "io_uring_prep_bind", b, sa, n, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 7)
    yield from submit_and_reap(L, ring, 2)
    yield from closing(L, ring, a, b)


@scenario("ldn-autobind-name", tags=TAGS)
def ldn_autobind_name(L: Any) -> Gen:
    """bind(2) with an address of just the family autobinds a datagram socket (unix_autobind: NUL + 5 hex
    digits); its message's sender address is 8 bytes long and abstract.  Binding it again that way
    keeps the name (0), to a real name -EINVAL."""
    ring = yield from new_ring(L, 8)
    s = yield from sock(L, L.SOCK_DGRAM)
    yield from L.bind(s, L.SockaddrUn(), 2)
    yield from L.bind(s, L.SockaddrUn(), 2)
    a, n = name(L, "autobind-x")
    yield from L.bind(s, a, n)
    r = yield from bound(L, "autobind")
    yield from sendto(L, ring, s, b"auto", "autobind", 1)
    buf = bytearray(8)
    sa = L.SockaddrUn()
    msg = L.Msghdr([buf], msg_name=sa, msg_namelen=110)
    prep_named(L, ring, 2, "io_uring_prep_recvmsg", r, msg, 0)
    yield from submit_and_reap(L, ring)
    L.record("msg_namelen", msg.msg_namelen)
    L.record("abstract", sa.raw[2] == 0 and all(chr(c) in "0123456789abcdef" for c in sa.raw[3:8]))
    yield from closing(L, ring, s, r)


# -- sendto / recvfrom ------------------------------------------------------------------------------


def one_message(L: Any, src: str, dst: str, data: bytes) -> Gen:
    """A SEND of ``data`` from a socket bound to ``@ldn-<src>`` (unbound if ``src`` is empty) to one bound
    to ``@ldn-<dst>``, and the receiver's RECVMSG with a name (recorded)."""
    ring = yield from new_ring(L, 8)
    s = (yield from bound(L, src)) if src else (yield from sock(L, L.SOCK_DGRAM))
    r = yield from bound(L, dst)
    yield from sendto(L, ring, s, data, dst, 1)
    yield from recvfrom(L, ring, r, 2)
    yield from closing(L, ring, s, r)


@scenario("ldn-sendto-named", tags=TAGS)
def ldn_sendto_named(L: Any) -> Gen:
    """A bound datagram socket sends to another's name (io_uring_prep_sendto): the count; the receiver's
    RECVMSG gets the message and the sender's name in ``msg_name`` (``msg_namelen`` its length)."""
    yield from one_message(L, "named-src", "named-dst", b"hello")


@scenario("ldn-sendto-unnamed", tags=TAGS)
def ldn_sendto_unnamed(L: Any) -> Gen:
    """An unbound sender is not autobound by a send (only SO_PASSCRED does that): the receiver's
    ``msg_namelen`` is 0 and nothing is written to ``msg_name``."""
    yield from one_message(L, "", "unnamed-dst", b"anon")


@scenario("ldn-recvmsg-name-room", tags=TAGS)
def ldn_recvmsg_name_room(L: Any) -> Gen:
    """A RECVMSG whose ``msg_namelen`` is smaller than the sender's name gets only that many bytes, and
    the full length written back; a ``msg_namelen`` of 0 gets no bytes, the length all the same."""
    ring = yield from new_ring(L, 8)
    s = yield from bound(L, "room-src-longer-name")
    r = yield from bound(L, "room-dst")
    for ud, room in ((1, 5), (3, 0)):
        yield from sendto(L, ring, s, b"m%d" % ud, "room-dst", ud)
        yield from recvfrom(L, ring, r, ud + 1, room=room)
    yield from closing(L, ring, s, r)


@scenario("ldn-sendmsg-name", tags=TAGS)
def ldn_sendmsg_name(L: Any) -> Gen:
    """SENDMSG with a ``msg_name`` sends each message to that name (two iovecs gathered into one
    message); a RECV of 3 bytes truncates the next one (the rest is lost)."""
    ring = yield from new_ring(L, 8)
    s = yield from bound(L, "sendmsg-src")
    r = yield from bound(L, "sendmsg-dst")
    a, n = name(L, "sendmsg-dst")
    for ud in (1, 2):
        prep_named(L, ring, ud, "io_uring_prep_sendmsg", s, L.Msghdr([b"ab", b"cde"], msg_name=a, msg_namelen=n), 0)
        yield from submit_and_reap(L, ring)
    yield from recvfrom(L, ring, r, 3)
    buf = bytearray(8)
    prep_named(L, ring, 4, "io_uring_prep_recv", r, buf, 3, 0)
    yield from submit_and_reap(L, ring)
    L.record("data", bytes(buf))
    yield from closing(L, ring, s, r)


@scenario("ldn-send-set-addr", tags=TAGS)
def ldn_send_set_addr(L: Any) -> Gen:
    """io_uring_prep_send followed by io_uring_prep_send_set_addr sends to that address; with an
    ``addr_len`` of 0 the address is ignored (an unconnected socket: -ENOTCONN)."""
    ring = yield from new_ring(L, 8)
    s = yield from sock(L, L.SOCK_DGRAM)
    r = yield from bound(L, "set-addr")
    a, n = name(L, "set-addr")
    for ud, length in ((1, n), (2, 0)):
        sqe = prep_named(L, ring, ud, "io_uring_prep_send", s, b"set", 3, 0)
        L.io_uring_prep_send_set_addr(sqe, a, length)
        yield from submit_and_reap(L, ring)
    yield from recvfrom(L, ring, r, 3)
    yield from closing(L, ring, s, r)


@scenario("ldn-sendto-refused", tags=TAGS)
def ldn_sendto_refused(L: Any) -> Gen:
    """A send to an abstract name nobody has bound is -ECONNREFUSED, and so is one to a name only a
    stream socket has bound (the lookup is by type); a failed send fails its link."""
    ring = yield from new_ring(L, 8)
    s = yield from sock(L, L.SOCK_DGRAM)
    st = yield from bound(L, "refused-stream", L.SOCK_STREAM)
    yield from sendto(L, ring, s, b"x", "refused-nobody", 1)
    yield from sendto(L, ring, s, b"x", "refused-stream", 2)
    a, n = name(L, "refused-nobody")
    prep_named(L, ring, 3, "io_uring_prep_sendto", s, b"x", 1, 0, a, n, sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, 4)
    yield from submit_and_reap(L, ring, 2)
    yield from closing(L, ring, s, st)


@scenario("ldn-sendto-bad-address", tags=(*TAGS, "sqe"))
def ldn_sendto_bad_address(L: Any) -> Gen:
    """Destination addresses the kernel refuses: an ``addr_len`` above 128 (-EINVAL at prep,
    move_addr_to_kernel), of 1 or 2 bytes or of another family (-EINVAL, unix_validate_addr), a
    file-system name that does not exist (-ENOENT); an oversized message to a bad address is -EINVAL
    (the address is checked first)."""
    ring = yield from new_ring(L, 8)
    s = yield from sock(L, L.SOCK_DGRAM)
    a, n = name(L, "bad")
    cases = ((a, 200), (a, 1), (a, 2), (L.SockaddrUn(b"\0ldn-bad", sun_family=2), n),
             (L.SockaddrUn(b"/nonexistent/ldn"), 19))  # fmt: skip
    for ud, (addr, length) in enumerate(cases, 1):
        yield from one(L, ring, ud, "io_uring_prep_sendto", s, b"x", 1, 0, addr, length)
    big = bytearray(300000)
    yield from one(L, ring, 9, "io_uring_prep_sendto", s, big, len(big), 0, a, 1)
    yield from closing(L, ring, s)


@scenario("ldn-sendto-too-big", tags=TAGS)
def ldn_sendto_too_big(L: Any) -> Gen:
    """A message larger than the send buffer less 32 bytes is -EMSGSIZE before the name is looked up
    (even to a name nobody has bound)."""
    ring = yield from new_ring(L, 8)
    s = yield from sock(L, L.SOCK_DGRAM)
    big = bytearray(300000)
    a, n = name(L, "too-big-nobody")
    yield from one(L, ring, 1, "io_uring_prep_sendto", s, big, len(big), 0, a, n)
    yield from closing(L, ring, s)


@scenario("ldn-sendto-self", tags=TAGS)
def ldn_sendto_self(L: Any) -> Gen:
    """A bound datagram socket sends to its own name and receives the message, from itself."""
    ring = yield from new_ring(L, 8)
    s = yield from bound(L, "self")
    yield from sendto(L, ring, s, b"me", "self", 1)
    yield from recvfrom(L, ring, s, 2)
    yield from closing(L, ring, s)


@scenario("ldn-sendto-closed", tags=TAGS)
def ldn_sendto_closed(L: Any) -> Gen:
    """Once the receiver is closed its name is free: a send to it is -ECONNREFUSED.  A socket connected
    to it gets -ECONNREFUSED once (it is disconnected), then -ENOTCONN."""
    ring = yield from new_ring(L, 8)
    s = yield from sock(L, L.SOCK_DGRAM)
    c = yield from sock(L, L.SOCK_DGRAM)
    r = yield from bound(L, "closed")
    yield from connect(L, ring, c, "closed", 1)
    yield from L.close(r)
    yield from sendto(L, ring, s, b"x", "closed", 2)
    for ud in (3, 4):
        yield from one(L, ring, ud, "io_uring_prep_send", c, b"y", 1, 0)
    yield from closing(L, ring, s, c)


@scenario("ldn-sendto-shut-receiver", tags=TAGS)
def ldn_sendto_shut_receiver(L: Any) -> Gen:
    """A receiver shut for reading (SHUTDOWN SHUT_RD) refuses messages: -EPIPE; its poll mask."""
    ring = yield from new_ring(L, 8)
    s = yield from sock(L, L.SOCK_DGRAM)
    r = yield from bound(L, "shut")
    yield from one(L, ring, 1, "io_uring_prep_shutdown", r, SHUT_RD)
    yield from sendto(L, ring, s, b"x", "shut", 2)
    poll_add(L, ring, r, POLL_ALL, 3)
    yield from submit_and_reap(L, ring)
    yield from closing(L, ring, s, r)


@scenario("ldn-send-unconnected", tags=TAGS)
def ldn_send_unconnected(L: Any) -> Gen:
    """SEND and SENDMSG without a destination on an unconnected datagram socket: -ENOTCONN; RECV with
    MSG_DONTWAIT on it: -EAGAIN (an unconnected datagram socket may still receive)."""
    ring = yield from new_ring(L, 8)
    s = yield from sock(L, L.SOCK_DGRAM)
    yield from one(L, ring, 1, "io_uring_prep_send", s, b"x", 1, 0)
    yield from one(L, ring, 2, "io_uring_prep_sendmsg", s, L.Msghdr([b"x"]), 0)
    yield from one(L, ring, 3, "io_uring_prep_recv", s, bytearray(4), 4, MSG_DONTWAIT)
    yield from closing(L, ring, s)


# -- connect ----------------------------------------------------------------------------------------


@scenario("ldn-connect-default-peer", tags=TAGS)
def ldn_connect_default_peer(L: Any) -> Gen:
    """CONNECT of a datagram socket to a bound name sets its default destination: SEND without an address
    goes there; the connected socket is not autobound (the receiver sees no name)."""
    ring = yield from new_ring(L, 8)
    c = yield from sock(L, L.SOCK_DGRAM)
    r = yield from bound(L, "peer")
    yield from connect(L, ring, c, "peer", 1)
    yield from one(L, ring, 2, "io_uring_prep_send", c, b"dflt", 4, 0)
    yield from recvfrom(L, ring, r, 3)
    yield from closing(L, ring, c, r)


@scenario("ldn-connect-refused", tags=TAGS)
def ldn_connect_refused(L: Any) -> Gen:
    """connect(2) and CONNECT of a datagram socket to a name nobody has bound, or bound only by a stream
    or seqpacket socket: -ECONNREFUSED; an address of 1 byte -EINVAL."""
    ring = yield from new_ring(L, 8)
    c = yield from sock(L, L.SOCK_DGRAM)
    st = yield from bound(L, "cref-stream", L.SOCK_STREAM)
    sp = yield from bound(L, "cref-seq", L.SOCK_SEQPACKET)
    for ud, tag in enumerate(("cref-nobody", "cref-stream", "cref-seq"), 1):
        a, n = name(L, tag)
        yield from L.connect(c, a, n)
        yield from connect(L, ring, c, tag, ud)
    a, n = name(L, "cref-nobody")
    yield from L.connect(c, a, 1)
    yield from closing(L, ring, c, st, sp)


@scenario("ldn-connect-retarget", tags=TAGS)
def ldn_connect_retarget(L: Any) -> Gen:
    """Connecting a datagram socket again re-targets it: the next SEND goes to the second name; a send
    with an address still goes to that address (a connected datagram socket may use sendto)."""
    ring = yield from new_ring(L, 8)
    c = yield from sock(L, L.SOCK_DGRAM)
    r1 = yield from bound(L, "ret-1")
    r2 = yield from bound(L, "ret-2")
    yield from connect(L, ring, c, "ret-1", 1)
    yield from connect(L, ring, c, "ret-2", 2)
    yield from one(L, ring, 3, "io_uring_prep_send", c, b"two", 3, 0)
    yield from sendto(L, ring, c, b"one", "ret-1", 4)
    yield from recvfrom(L, ring, r1, 5)
    yield from recvfrom(L, ring, r2, 6)
    yield from recvfrom(L, ring, r1, 7)
    yield from closing(L, ring, c, r1, r2)


@scenario("ldn-connect-unspec", tags=TAGS)
def ldn_connect_unspec(L: Any) -> Gen:
    """connect(2) and CONNECT with an AF_UNSPEC address disconnect a datagram socket: 0, and a SEND
    without an address is -ENOTCONN again."""
    ring = yield from new_ring(L, 8)
    c = yield from sock(L, L.SOCK_DGRAM)
    r = yield from bound(L, "unspec")
    yield from connect(L, ring, c, "unspec", 1)
    yield from L.connect(c, L.SockaddrUn(sun_family=0), 2)
    yield from one(L, ring, 2, "io_uring_prep_send", c, b"x", 1, 0)
    yield from connect(L, ring, c, "unspec", 3)
    yield from one(L, ring, 4, "io_uring_prep_connect", c, L.SockaddrUn(sun_family=0), 2)
    yield from one(L, ring, 5, "io_uring_prep_send", c, b"x", 1, 0)
    yield from closing(L, ring, c, r)


@scenario("ldn-connect-drops-queue", tags=TAGS)
def ldn_connect_drops_queue(L: Any) -> Gen:
    """Two datagram sockets connected to each other; one has a message queued from the other when it
    re-connects elsewhere: its queue is dropped (RECV: -EAGAIN) and the old peer, still connected to
    it, gets ECONNRESET (its next RECV)."""
    ring = yield from new_ring(L, 8)
    a = yield from bound(L, "drop-a")
    b = yield from bound(L, "drop-b")
    c = yield from bound(L, "drop-c")
    yield from connect(L, ring, a, "drop-b", 1)
    yield from connect(L, ring, b, "drop-a", 2)
    yield from one(L, ring, 3, "io_uring_prep_send", b, b"lost", 4, 0)
    yield from connect(L, ring, a, "drop-c", 4)
    yield from one(L, ring, 5, "io_uring_prep_recv", a, bytearray(8), 8, MSG_DONTWAIT)
    yield from one(L, ring, 6, "io_uring_prep_recv", b, bytearray(8), 8, MSG_DONTWAIT)
    yield from one(L, ring, 7, "io_uring_prep_recv", b, bytearray(8), 8, MSG_DONTWAIT)
    yield from closing(L, ring, a, b, c)


@scenario("ldn-may-send", tags=TAGS)
def ldn_may_send(L: Any) -> Gen:
    """A datagram socket connected to another accepts messages only from its peer: a send to it from a
    third socket is -EPERM, and so is a connect to it; its peer's send goes through."""
    ring = yield from new_ring(L, 8)
    r = yield from bound(L, "may-r")
    p = yield from bound(L, "may-p")
    x = yield from sock(L, L.SOCK_DGRAM)
    yield from connect(L, ring, r, "may-p", 1)
    yield from sendto(L, ring, x, b"x", "may-r", 2)
    yield from connect(L, ring, x, "may-r", 3)
    yield from sendto(L, ring, p, b"p", "may-r", 4)
    yield from recvfrom(L, ring, r, 5)
    yield from closing(L, ring, r, p, x)


# -- the receive queue limit ------------------------------------------------------------------------


@scenario("ldn-recvq-limit", tags=TAGS)
def ldn_recvq_limit(L: Any) -> Gen:
    """A receiver not connected to the sender holds at most max_dgram_qlen + 1 messages (unix_recvq_full):
    the next SEND with MSG_DONTWAIT is -EAGAIN; after one receive another send fits."""
    ring = yield from new_ring(L, 16)
    s = yield from sock(L, L.SOCK_DGRAM)
    r = yield from bound(L, "qlen")
    for ud in range(1, QLEN + 3):
        yield from sendto(L, ring, s, b"%d" % ud, "qlen", ud, MSG_DONTWAIT)
    yield from L.recv(r, bytearray(4), 4, 0)
    yield from sendto(L, ring, s, b"again", "qlen", 20, MSG_DONTWAIT)
    yield from sendto(L, ring, s, b"full", "qlen", 21, MSG_DONTWAIT)
    yield from closing(L, ring, s, r)


@scenario("ldn-recvq-connected-back", tags=TAGS)
def ldn_recvq_connected_back(L: Any) -> Gen:
    """A receiver connected to the sender has no message limit from it: 15 messages are queued."""
    ring = yield from new_ring(L, 16)
    s = yield from bound(L, "back-s")
    r = yield from bound(L, "back-r")
    yield from connect(L, ring, r, "back-s", 1)
    for ud in range(2, 17):
        yield from sendto(L, ring, s, b"%d" % ud, "back-r", ud, MSG_DONTWAIT)
    yield from closing(L, ring, s, r)


@scenario("ldn-recvq-nonblock-send", tags=TAGS)
def ldn_recvq_nonblock_send(L: Any) -> Gen:
    """send(2) from an O_NONBLOCK datagram socket connected to a full receiver: -EAGAIN; a receive makes
    room for one more."""
    c = yield from sock(L, L.SOCK_DGRAM, L.SOCK_NONBLOCK)
    r = yield from bound(L, "nb")
    a, n = name(L, "nb")
    yield from L.connect(c, a, n)
    for _ in range(QLEN + 2):
        yield from L.send(c, b"m", 1, 0)
    yield from L.recv(r, bytearray(4), 4, 0)
    yield from L.send(c, b"m", 1, 0)
    yield from L.send(c, b"m", 1, 0)
    yield from L.close(c)
    yield from L.close(r)


@scenario("ldn-recvq-waiting-send", tags=(*TAGS, "iowq"))
def ldn_recvq_waiting_send(L: Any) -> Gen:
    """A SEND (without MSG_DONTWAIT) to a full receiver waits: a NOP round trip completes
    first; a recv(2) on the receiver makes room and the send completes, with 0: its first try had
    already copied the data out of the request's iterator before the queue check said no, so the
    retry queues an empty message (the last of the receiver's messages, recorded)."""
    ring = yield from new_ring(L, 16)
    s = yield from sock(L, L.SOCK_DGRAM)
    r = yield from bound(L, "wait")
    for ud in range(1, QLEN + 2):
        yield from sendto(L, ring, s, b"m", "wait", ud, MSG_DONTWAIT)
    a, n = name(L, "wait")
    prep_named(L, ring, 30, "io_uring_prep_sendto", s, b"late", 4, 0, a, n)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 31)
    yield from L.recv(r, bytearray(4), 4, 0)
    cqe = L.Cqe()
    yield from L.io_uring_wait_cqe(ring, cqe)
    L.io_uring_cqe_seen(ring, cqe[0])
    for _ in range(QLEN + 2):
        yield from L.recv(r, bytearray(4), 4, MSG_DONTWAIT)
    yield from closing(L, ring, s, r)


# -- SOCK_SEQPACKET listeners ----------------------------------------------------------------------


def seq_pair(L: Any, ring: Any, tag: str) -> Gen:
    """A seqpacket listener on ``@ldn-<tag>``, a client connected with CONNECT and the ACCEPTed socket."""
    lis = yield from bound(L, tag, L.SOCK_SEQPACKET)
    yield from one(L, ring, 90, "io_uring_prep_listen", lis, 4)
    c = yield from sock(L, L.SOCK_SEQPACKET)
    yield from connect(L, ring, c, tag, 91)
    acc = yield from one(L, ring, 92, "io_uring_prep_accept", lis, None, None, 0)
    return lis, c, acc


@scenario("ldn-seqpacket-accept", tags=TAGS)
def ldn_seqpacket_accept(L: Any) -> Gen:
    """SOCK_SEQPACKET through LISTEN, CONNECT and ACCEPT: the connection keeps message boundaries (two
    SENDs are two messages; a short RECV truncates one and the rest is lost); the accepted socket's
    address is the listener's name for the client's getpeername-like accept address."""
    ring = yield from new_ring(L, 8)
    lis, c, acc = yield from seq_pair(L, ring, "seq-acc")
    yield from one(L, ring, 1, "io_uring_prep_send", c, b"abc", 3, 0)
    yield from one(L, ring, 2, "io_uring_prep_send", c, b"de", 2, 0)
    buf = bytearray(8)
    yield from one(L, ring, 3, "io_uring_prep_recv", acc, buf, 2, 0)
    yield from one(L, ring, 4, "io_uring_prep_recv", acc, buf, 8, 0)
    L.record("data", bytes(buf))
    yield from one(L, ring, 5, "io_uring_prep_send", acc, b"back", 4, 0)
    yield from one(L, ring, 6, "io_uring_prep_recv", c, buf, 8, MSG_TRUNC)
    yield from closing(L, ring, lis, c, acc)


@scenario("ldn-seqpacket-accept-addr", tags=TAGS)
def ldn_seqpacket_accept_addr(L: Any) -> Gen:
    """accept4(2) of a seqpacket connection from a bound client: the client's name and its length."""
    lis = yield from bound(L, "seq-addr", L.SOCK_SEQPACKET)
    yield from L.listen(lis, 2)
    c = yield from bound(L, "seq-addr-client", L.SOCK_SEQPACKET)
    a, n = name(L, "seq-addr")
    yield from L.connect(c, a, n)
    sa = L.SockaddrUn()
    ln = socklen(110)
    acc = yield from L.accept4(lis, sa, ln, 0)
    L.record("addrlen", int.from_bytes(ln, "little"))
    L.record("addr", bytes(sa.raw[: int.from_bytes(ln, "little")]))
    for fd in (lis, c, acc):
        yield from L.close(fd)


@scenario("ldn-seqpacket-connect-states", tags=TAGS)
def ldn_seqpacket_connect_states(L: Any) -> Gen:
    """A connected seqpacket socket connecting again: -EISCONN; a send with an address goes to its peer
    (the address is ignored); an unconnected one's send with an address is -ENOTCONN; the listener's
    RECV is -ENOTCONN; a connect to a seqpacket socket that is not listening -ECONNREFUSED."""
    ring = yield from new_ring(L, 8)
    lis, c, acc = yield from seq_pair(L, ring, "seq-states")
    yield from connect(L, ring, c, "seq-states", 1)
    yield from sendto(L, ring, c, b"ign", "nobody-at-all", 2)
    yield from one(L, ring, 3, "io_uring_prep_recv", acc, bytearray(8), 8, 0)
    u = yield from sock(L, L.SOCK_SEQPACKET)
    yield from sendto(L, ring, u, b"x", "seq-states", 4)
    yield from one(L, ring, 5, "io_uring_prep_recv", lis, bytearray(8), 8, MSG_DONTWAIT)
    nl = yield from bound(L, "seq-states-nl", L.SOCK_SEQPACKET)
    yield from connect(L, ring, u, "seq-states-nl", 6)
    yield from closing(L, ring, lis, c, acc, u, nl)


@scenario("ldn-seqpacket-listener-poll", tags=TAGS)
def ldn_seqpacket_listener_poll(L: Any) -> Gen:
    """A seqpacket listener's poll mask (unix_dgram_poll): nothing while no connection is pending (never
    writable), POLLIN|POLLRDNORM with one pending; a POLL_ADD armed first fires on the connect."""
    ring = yield from new_ring(L, 8)
    lis = yield from bound(L, "seq-poll", L.SOCK_SEQPACKET)
    yield from L.listen(lis, 4)
    poll_add(L, ring, lis, POLL_ALL, 1)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 2)
    c = yield from sock(L, L.SOCK_SEQPACKET)
    a, n = name(L, "seq-poll")
    yield from L.connect(c, a, n)
    cqe = L.Cqe()
    yield from L.io_uring_wait_cqe(ring, cqe)
    L.io_uring_cqe_seen(ring, cqe[0])
    poll_add(L, ring, lis, POLL_ALL, 3)
    yield from submit_and_reap(L, ring)
    yield from closing(L, ring, lis, c)


@scenario("ldn-seqpacket-close", tags=TAGS)
def ldn_seqpacket_close(L: Any) -> Gen:
    """The accepted end closed with a message unread: the client's RECV is -ECONNRESET once, then 0
    (EOF), and its SEND -EPIPE; a listener closed with a connection pending leaves that client
    -ECONNRESET as well."""
    ring = yield from new_ring(L, 8)
    lis, c, acc = yield from seq_pair(L, ring, "seq-close")
    yield from one(L, ring, 1, "io_uring_prep_send", c, b"unread", 6, 0)
    yield from L.close(acc)
    for ud in (2, 3):
        yield from one(L, ring, ud, "io_uring_prep_recv", c, bytearray(8), 8, 0)
    yield from one(L, ring, 4, "io_uring_prep_send", c, b"x", 1, 0)
    c2 = yield from sock(L, L.SOCK_SEQPACKET)
    yield from connect(L, ring, c2, "seq-close", 5)
    yield from L.close(lis)
    yield from one(L, ring, 6, "io_uring_prep_recv", c2, bytearray(8), 8, 0)
    yield from closing(L, ring, c, c2)


@scenario("ldn-dgram-no-listen", tags=TAGS)
def ldn_dgram_no_listen(L: Any) -> Gen:
    """A datagram socket cannot listen or accept: LISTEN and ACCEPT are -EOPNOTSUPP, listen(2) too; a
    stream socket's connect to a name only a datagram socket has bound is -ECONNREFUSED."""
    ring = yield from new_ring(L, 8)
    d = yield from bound(L, "no-listen")
    yield from one(L, ring, 1, "io_uring_prep_listen", d, 4)
    yield from L.listen(d, 4)
    yield from one(L, ring, 2, "io_uring_prep_accept", d, None, None, 0)
    s = yield from sock(L, L.SOCK_STREAM)
    a, n = name(L, "no-listen")
    yield from L.connect(s, a, n)
    yield from closing(L, ring, d, s)


# -- sendto(2) / recvfrom(2) ----------------------------------------------------------------------


def recvfrom_call(L: Any, fd: int, room: int = 110, flags: int = MSG_DONTWAIT) -> Gen:
    """recvfrom(2) of one message with an address of ``room`` bytes: the length written back and the
    name's bytes are recorded."""
    sa = L.SockaddrUn()
    ln = socklen(room)
    buf = bytearray(8)
    yield from L.recvfrom(fd, buf, 8, flags, sa, ln)
    got = int.from_bytes(ln, "little")
    L.record("addrlen", got)
    L.record("addr", bytes(sa.raw[: max(0, min(got, room))]))
    L.record("data", bytes(buf))


@scenario("ldn-sendto-recvfrom-calls", tags=TAGS)
def ldn_sendto_recvfrom_calls(L: Any) -> Gen:
    """sendto(2) from a bound and from an unbound datagram socket and recvfrom(2) with an address: the
    sender's name (or a length of 0), cut to a short room with the full length written back; a NULL
    address receives as recv(2); sendto(2) to a name nobody has bound is -ECONNREFUSED, with an address
    length above 128 -EINVAL."""
    s = yield from bound(L, "calls-src")
    u = yield from sock(L, L.SOCK_DGRAM)
    r = yield from bound(L, "calls-dst")
    a, n = name(L, "calls-dst")
    for fd in (s, u, s, s):
        yield from L.sendto(fd, b"msg", 3, 0, a, n)
    yield from recvfrom_call(L, r)
    yield from recvfrom_call(L, r)
    yield from recvfrom_call(L, r, room=4)
    yield from L.recvfrom(r, bytearray(8), 8, MSG_DONTWAIT, None, None)
    yield from recvfrom_call(L, r)
    nb, nn = name(L, "calls-nobody")
    yield from L.sendto(s, b"x", 1, 0, nb, nn)
    yield from L.sendto(s, b"x", 1, 0, a, 200)
    for fd in (s, u, r):
        yield from L.close(fd)


@scenario("ldn-sendto-stream-seqpacket", tags=TAGS)
def ldn_sendto_stream_seqpacket(L: Any) -> Gen:
    """sendto(2) with an address on stream sockets: -EISCONN when connected, -EOPNOTSUPP when not (also
    through io_uring_prep_sendto); on an unconnected seqpacket socket -ENOTCONN.  recvfrom(2) on the
    accepted stream socket gives the bound client's name."""
    ring = yield from new_ring(L, 8)
    lis = yield from bound(L, "ss-lis", L.SOCK_STREAM)
    yield from L.listen(lis, 4)
    c = yield from bound(L, "ss-client", L.SOCK_STREAM)
    a, n = name(L, "ss-lis")
    yield from L.connect(c, a, n)
    acc = yield from L.accept4(lis, None, None, 0)
    yield from L.sendto(c, b"x", 1, 0, a, n)
    u = yield from sock(L, L.SOCK_STREAM)
    yield from L.sendto(u, b"x", 1, 0, a, n)
    yield from sendto(L, ring, u, b"x", "ss-lis", 1)
    yield from sendto(L, ring, c, b"x", "ss-lis", 2)
    q = yield from sock(L, L.SOCK_SEQPACKET)
    yield from L.sendto(q, b"x", 1, 0, a, n)
    yield from L.send(c, b"hey", 3, 0)
    yield from recvfrom_call(L, acc)
    yield from closing(L, ring, lis, c, acc, u, q)


@scenario("ldn-recvq-blocking-sendto", tags=TAGS)
def ldn_recvq_blocking_sendto(L: Any) -> Gen:
    """A blocking sendto(2) to a full receiver and a RECV of it forced to io-wq: whichever runs first,
    the receive makes room (``unix_dgram_recvmsg`` wakes the senders waiting on ``peer_wait``), the
    send returns its whole count and its message arrives last, whole."""
    ring = yield from new_ring(L, 8)
    s = yield from sock(L, L.SOCK_DGRAM)
    r = yield from bound(L, "bsend")
    a, n = name(L, "bsend")
    for _ in range(QLEN + 1):
        yield from L.sendto(s, b"m", 1, MSG_DONTWAIT, a, n)
    prep_named(L, ring, 1, "io_uring_prep_recv", r, bytearray(4), 4, 0, sqe_flags=IOSQE_ASYNC)
    yield from L.io_uring_submit(ring)
    yield from L.sendto(s, b"waited", 6, 0, a, n)
    cqe = L.Cqe()
    yield from L.io_uring_wait_cqe(ring, cqe)
    L.io_uring_cqe_seen(ring, cqe[0])
    for _ in range(QLEN + 1):
        yield from recvfrom_call(L, r)
    yield from closing(L, ring, s, r)
