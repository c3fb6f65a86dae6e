"""SOCKET, BIND, LISTEN, CONNECT and ACCEPT (io_uring_prep_socket(3), io_uring_prep_bind(3),
io_uring_prep_listen(3), io_uring_prep_connect(3), io_uring_prep_accept(3)) on AF_UNIX stream
sockets with abstract names, as liburing's socket, bind-listen, accept and connect tests use them
over TCP; names prefixed ``lsk-``.  Addresses are ``L.SockaddrUn`` objects; an accept's address
length is a 4-byte buffer."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    cancel,
    new_pipe,
    new_ring,
    nop,
    poll_add,
    prep_named,
    reap,
    reap_one,
    reap_ready,
    round_trip,
    submit_and_reap,
)
from simuring.uapi import (
    IORING_ACCEPT_DONTWAIT,
    IORING_ACCEPT_MULTISHOT,
    IORING_ACCEPT_POLL_FIRST,
    IORING_FILE_INDEX_ALLOC,
    IOSQE_ASYNC,
    IOSQE_FIXED_FILE,
    IOSQE_IO_LINK,
)

TAGS = ("liburing", "socket")

POLLIN = 0x001
POLLOUT = 0x004
SHUT_RD = 0
SHUT_WR = 1


def name_of(tag: str) -> tuple[Any, int]:
    """The abstract name ``@lsk-<tag>``: its bytes after the family, and the address length."""
    path = b"\0lsk-" + tag.encode()
    return path, 2 + len(path)


def addr(L: Any, tag: str) -> tuple[Any, int]:
    """A ``SockaddrUn`` for ``@lsk-<tag>`` and its length."""
    path, length = name_of(tag)
    return L.SockaddrUn(path), length


def socklen(n: int) -> bytearray:
    """A ``socklen_t`` holding ``n`` (accept's address length)."""
    return bytearray(n.to_bytes(4, "little"))


prep = prep_named


def then_nop(L: Any, ring: Any, ud: int, helper: str, *args: Any) -> Gen:
    """``L.<helper>(sqe, *args)`` linked to a NOP (the last argument is the NOP's user_data): both
    submitted and reaped, so the CQEs show whether the request failed its link."""
    prep(L, ring, ud, helper, *args[:-1], sqe_flags=IOSQE_IO_LINK)
    nop(L, ring, args[-1])
    yield from submit_and_reap(L, ring, 2)


def one(L: Any, ring: Any, ud: int, helper: str, *args: Any, sqe_flags: int = 0) -> Gen:
    """Submit one SQE and reap it: its result (-1 if none came)."""
    prep(L, ring, ud, helper, *args, sqe_flags=sqe_flags)
    yield from L.io_uring_submit(ring)
    got = yield from reap_one(L, ring)
    return -1 if got is None else got[1]


def stream(L: Any, flags: int = 0) -> Gen:
    """socket(2): a new AF_UNIX stream socket."""
    return (yield from L.socket(L.AF_UNIX, L.SOCK_STREAM | flags, 0))


def listener(L: Any, tag: str, backlog: int = 8, flags: int = 0) -> Gen:
    """A socket bound to ``@lsk-<tag>`` and listening (socket(2), bind(2), listen(2))."""
    fd = yield from stream(L, flags)
    a, n = addr(L, tag)
    yield from L.bind(fd, a, n)
    yield from L.listen(fd, backlog)
    return fd


def client(L: Any, tag: str, flags: int = 0) -> Gen:
    """A socket connected to ``@lsk-<tag>`` with connect(2)."""
    fd = yield from stream(L, flags)
    a, n = addr(L, tag)
    yield from L.connect(fd, a, n)
    return fd


def close_ok(L: Any, fd: int) -> Gen:
    """close(2) ``fd`` if it is one."""
    if fd >= 0:
        yield from L.close(fd)


def connect_and_close(L: Any, tag: str) -> Gen:
    """A connect(2) to ``@lsk-<tag>`` from a socket closed right after (the connection stays queued on the
    listener: keeps the scenario's descriptor numbers low, as a real process may hold high ones)."""
    fd = yield from client(L, tag)
    yield from L.close(fd)


def waits_for_connect(L: Any, ring: Any, nop_ud: int, tag: str) -> Gen:
    """Submit what is queued and show that it waits: a NOP round trip (``nop_ud``) completes first; then a
    connect(2) to ``@lsk-<tag>`` and one CQE reaped.  The connecting socket is made before the submit and
    closed only after the reap, so that its descriptor number never races with the one an ACCEPT
    takes: closed at once, the real kernel gave either number; made after the submit, the IOSQE_ASYNC
    ACCEPT of ``lsk-accept-async`` once took the lower one (in one clean-clone CI run of seven on
    2026-12-06; never in 20 runs alone), presumably a worker that blocked at once and so reserved
    its descriptor before waiting (``io_accept``)."""
    fd = yield from stream(L)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, nop_ud)
    a, n = addr(L, tag)
    yield from L.connect(fd, a, n)
    yield from reap(L, ring, 1)
    yield from L.close(fd)


def exchange(L: Any, ring: Any, a: int, b: int, ud: int, sqe_flags: int = 0) -> Gen:
    """A SEND of 5 bytes from ``a`` (registered slot with ``sqe_flags``) and a RECV of them on ``b``
    (recv(2)), then the way back; the bytes are recorded."""
    prep(L, ring, ud, "io_uring_prep_send", a, b"hello", 5, 0, sqe_flags=sqe_flags)
    yield from submit_and_reap(L, ring)
    buf = bytearray(8)
    L.record("received", (yield from L.recv(b, buf, 8, 0)))
    L.record("data", bytes(buf[:5]))
    yield from L.send(b, b"back", 4, 0)
    rbuf = bytearray(8)
    prep(L, ring, ud + 1, "io_uring_prep_recv", a, rbuf, 8, 0, sqe_flags=sqe_flags)
    yield from submit_and_reap(L, ring)
    L.record("data back", bytes(rbuf[:4]))


# -- SOCKET ---------------------------------------------------------------------------------


@scenario("lsk-socket-basic", tags=(*TAGS, "net"))
def lsk_socket_basic(L: Any) -> Gen:
    """SOCKET AF_UNIX / SOCK_STREAM gives a descriptor; with SOCK_NONBLOCK | SOCK_CLOEXEC too, and with
    protocol PF_UNIX (1).  The non-blocking one answers recv(2) on its (unconnected) self with -EINVAL; the
    new socket can be bound and listen."""
    ring = yield from new_ring(L, 8)
    fd = yield from one(L, ring, 1, "io_uring_prep_socket", L.AF_UNIX, L.SOCK_STREAM, 0, 0)
    fd2 = yield from one(
        L,
        ring,
        2,
        "io_uring_prep_socket",
        L.AF_UNIX,
        L.SOCK_STREAM | L.SOCK_NONBLOCK | L.SOCK_CLOEXEC,
        0,
        0,
    )
    fd3 = yield from one(L, ring, 3, "io_uring_prep_socket", L.AF_UNIX, L.SOCK_STREAM, 1, 0)
    if fd2 >= 0:
        yield from L.recv(fd2, bytearray(4), 4, 0)
    if fd >= 0:
        a, n = addr(L, "sock-basic")
        yield from L.bind(fd, a, n)
        yield from L.listen(fd, 4)
    for f in (fd, fd2, fd3):
        if f >= 0:
            yield from L.close(f)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-socket-errors", tags=(*TAGS, "net"))
def lsk_socket_errors(L: Any) -> Gen:
    """SOCKET errors from ``__sys_socket_file``: a domain past AF_MAX or negative (-EAFNOSUPPORT), a type
    of 11 or more (-EINVAL), SOCK_PACKET for AF_UNIX (-ESOCKTNOSUPPORT), protocol 5 (-EPROTONOSUPPORT);
    a failed SOCKET fails its link (the linked NOP is -ECANCELED)."""
    ring = yield from new_ring(L, 8)
    for ud, (dom, typ, proto) in enumerate(
        ((200, 1, 0), (-1, 1, 0), (1, 12, 0), (1, 10, 0), (1, 1, 5)), 1
    ):
        yield from one(L, ring, ud, "io_uring_prep_socket", dom, typ, proto, 0)
    yield from then_nop(L, ring, 10, "io_uring_prep_socket", 1, 1, 5, 0, 11)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-socket-sqe-fields", tags=(*TAGS, "net", "sqe"))
def lsk_socket_sqe_fields(L: Any) -> Gen:
    """SOCKET prep checks (``io_socket_prep``), -EINVAL each: ``rw_flags`` (the helper's ``flags``)
    non-zero, ``addr`` non-zero, ``buf_index`` non-zero, a type flag other than SOCK_NONBLOCK /
    SOCK_CLOEXEC, SOCK_CLOEXEC with a direct slot; ``ioprio`` non-zero too (SOCKET takes none)."""
    ring = yield from new_ring(L, 8)
    yield from L.io_uring_register_files_sparse(ring, 2)
    yield from one(L, ring, 1, "io_uring_prep_socket", L.AF_UNIX, L.SOCK_STREAM, 0, 1)
    for ud, (field, value) in enumerate((("addr", 8), ("buf_index", 1), ("ioprio", 1)), 2):
        sqe = prep(L, ring, ud, "io_uring_prep_socket", L.AF_UNIX, L.SOCK_STREAM, 0, 0)
        setattr(sqe, field, value)
        yield from submit_and_reap(L, ring)
    yield from one(L, ring, 5, "io_uring_prep_socket", L.AF_UNIX, L.SOCK_STREAM | 0x100, 0, 0)
    yield from one(
        L,
        ring,
        6,
        "io_uring_prep_socket_direct",
        L.AF_UNIX,
        L.SOCK_STREAM | L.SOCK_CLOEXEC,
        0,
        0,
        0,
    )
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-socket-direct", tags=(*TAGS, "net", "files"))
def lsk_socket_direct(L: Any) -> Gen:
    """SOCKET into registered slots: slot 1 is 0, IORING_FILE_INDEX_ALLOC gives the first free slot's index
    (0, then 2); the direct socket is bound (BIND with IOSQE_FIXED_FILE) and listens, a connect(2) to it
    succeeds and a direct ACCEPT takes the connection into slot 3.  With the table full ALLOC is -ENFILE,
    which does not fail the link (the linked NOP completes)."""
    ring = yield from new_ring(L, 16)
    yield from L.io_uring_register_files_sparse(ring, 4)
    yield from one(L, ring, 1, "io_uring_prep_socket_direct", L.AF_UNIX, L.SOCK_STREAM, 0, 1, 0)
    yield from one(L, ring, 2, "io_uring_prep_socket_direct_alloc", L.AF_UNIX, L.SOCK_STREAM, 0, 0)
    yield from one(
        L,
        ring,
        3,
        "io_uring_prep_socket_direct",
        L.AF_UNIX,
        L.SOCK_STREAM,
        0,
        IORING_FILE_INDEX_ALLOC,
        0,
    )
    a, n = addr(L, "sock-direct")
    yield from one(L, ring, 4, "io_uring_prep_bind", 1, a, n, sqe_flags=IOSQE_FIXED_FILE)
    yield from one(L, ring, 5, "io_uring_prep_listen", 1, 4, sqe_flags=IOSQE_FIXED_FILE)
    c = yield from client(L, "sock-direct")
    yield from one(
        L, ring, 6, "io_uring_prep_accept_direct", 1, None, None, 0, 3, sqe_flags=IOSQE_FIXED_FILE
    )
    yield from exchange(L, ring, 3, c, 7, IOSQE_FIXED_FILE)
    yield from then_nop(
        L, ring, 9, "io_uring_prep_socket_direct_alloc", L.AF_UNIX, L.SOCK_STREAM, 0, 0, 10
    )
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-socket-direct-errors", tags=(*TAGS, "net", "files"))
def lsk_socket_direct_errors(L: Any) -> Gen:
    """SOCKET into a registered slot without a table is -ENXIO, past the table's end -EINVAL, and neither
    fails the link; a normal SOCKET after them still gets a descriptor."""
    ring = yield from new_ring(L, 8)
    yield from then_nop(
        L, ring, 1, "io_uring_prep_socket_direct", L.AF_UNIX, L.SOCK_STREAM, 0, 0, 0, 2
    )
    yield from L.io_uring_register_files_sparse(ring, 2)
    yield from one(L, ring, 3, "io_uring_prep_socket_direct", L.AF_UNIX, L.SOCK_STREAM, 0, 5, 0)
    fd = yield from one(L, ring, 4, "io_uring_prep_socket", L.AF_UNIX, L.SOCK_STREAM, 0, 0)
    if fd >= 0:
        yield from L.close(fd)
    yield from L.io_uring_queue_exit(ring)


# -- BIND -------------------------------------------------------------------------------------


@scenario("lsk-bind-basic", tags=(*TAGS, "net"))
def lsk_bind_basic(L: Any) -> Gen:
    """BIND to an abstract name is 0; a second socket binding the same name is -EADDRINUSE; binding the
    bound socket again (another name) is -EINVAL; once the first socket is closed the name is free and the
    second socket takes it."""
    ring = yield from new_ring(L, 8)
    a = yield from stream(L)
    b = yield from stream(L)
    sa, n = addr(L, "bind-basic")
    sb, nb = addr(L, "bind-basic-2")
    yield from one(L, ring, 1, "io_uring_prep_bind", a, sa, n)
    yield from one(L, ring, 2, "io_uring_prep_bind", b, sa, n)
    yield from one(L, ring, 3, "io_uring_prep_bind", a, sb, nb)
    yield from L.close(a)
    yield from one(L, ring, 4, "io_uring_prep_bind", b, sa, n)
    yield from L.close(b)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-bind-lengths", tags=(*TAGS, "net"))
def lsk_bind_lengths(L: Any) -> Gen:
    """The address length is part of an abstract name: ``@lsk-len`` and the same bytes with a trailing NUL
    (one more byte) are two names (both BINDs 0); a connect(2) with yet another length is -ECONNREFUSED,
    with the right one 0."""
    ring = yield from new_ring(L, 8)
    a = yield from stream(L)
    b = yield from stream(L)
    sa, n = addr(L, "len")
    yield from one(L, ring, 1, "io_uring_prep_bind", a, sa, n)
    yield from one(L, ring, 2, "io_uring_prep_bind", b, sa, n + 1)
    yield from L.listen(a, 1)
    c = yield from stream(L)
    yield from L.connect(c, sa, n + 2)
    yield from L.connect(c, sa, n)
    yield from L.io_uring_queue_exit(ring)


def address_errors(L: Any, helper: str, tag: str) -> Gen:
    """The address checks BIND and CONNECT share: at prep a length above 128 or negative (-EINVAL), a NULL
    address with a length (-EFAULT), a non-zero ``len``, ``buf_index``, ``rw_flags`` or ``file_index``
    (-EINVAL); at issue a length of 1, 2 or 111, or a family other than AF_UNIX (-EINVAL), a pipe
    (-ENOTSOCK), a descriptor not open (-EBADF)."""
    ring = yield from new_ring(L, 8)
    s = yield from stream(L)
    sa, n = addr(L, tag)
    for ud, (a, length) in enumerate(
        ((sa, 129), (sa, -1), (None, n), (sa, 1), (sa, 2), (sa, 111)), 1
    ):
        yield from one(L, ring, ud, helper, s, a, length)
    for ud, field in enumerate(("len", "buf_index", "op_flags", "file_index"), 7):
        sqe = prep(L, ring, ud, helper, s, sa, n)
        setattr(sqe, field, 1)
        yield from submit_and_reap(L, ring)
    yield from one(L, ring, 11, helper, s, L.SockaddrUn(b"\0lsk-" + tag.encode(), 2), n)
    fds = yield from new_pipe(L)
    yield from one(L, ring, 12, helper, fds[0], sa, n)
    yield from one(L, ring, 13, helper, 1000, sa, n)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-bind-errors", tags=(*TAGS, "net", "sqe"))
def lsk_bind_errors(L: Any) -> Gen:
    """BIND errors: at prep a length above 128 or negative (-EINVAL), a NULL address with a length
    (-EFAULT), a non-zero ``len``, ``buf_index``, ``rw_flags`` or ``file_index`` (-EINVAL); at issue a
    length of 1 (-EINVAL), 2 (an autobind: 0) or 111 (-EINVAL), a family other than AF_UNIX (-EINVAL), a
    pipe (-ENOTSOCK), a descriptor not open (-EBADF)."""
    yield from address_errors(L, "io_uring_prep_bind", "bind-err")


@scenario("lsk-bind-autobind", tags=(*TAGS, "net"))
def lsk_bind_autobind(L: Any) -> Gen:
    """BIND with only the family (length 2) is an autobind: 0, and again 0 (the socket keeps its name); a
    BIND to a name after it is -EINVAL (already named).  A client autobound before connecting shows up in
    accept's address: length 8 (the family, a NUL and five hex digits)."""
    ring = yield from new_ring(L, 8)
    s = yield from stream(L)
    fam = L.SockaddrUn(b"")
    yield from one(L, ring, 1, "io_uring_prep_bind", s, fam, 2)
    yield from one(L, ring, 2, "io_uring_prep_bind", s, fam, 2)
    sa, n = addr(L, "autobind")
    yield from one(L, ring, 3, "io_uring_prep_bind", s, sa, n)
    lfd = yield from listener(L, "autobind-srv")
    la, ln = addr(L, "autobind-srv")
    yield from L.connect(s, la, ln)
    peer = L.SockaddrUn(b"")
    plen = socklen(110)
    yield from one(L, ring, 4, "io_uring_prep_accept", lfd, peer, plen, 0)
    L.record("peer length", int.from_bytes(plen, "little"))
    L.record("peer family", peer.sun_family)
    L.record("peer starts with NUL", peer.sun_path[:1] == b"\0")
    yield from L.io_uring_queue_exit(ring)


# -- LISTEN ----------------------------------------------------------------------------------


@scenario("lsk-listen-basic", tags=(*TAGS, "net"))
def lsk_listen_basic(L: Any) -> Gen:
    """LISTEN on a bound socket is 0, and again 0 (a new backlog); on an unbound socket -EINVAL; on a pipe
    -ENOTSOCK; on a socketpair end (connected, unnamed) -EINVAL.  Prep: a non-zero ``addr``, ``addr2``,
    ``buf_index``, ``rw_flags`` or ``file_index`` is -EINVAL."""
    ring = yield from new_ring(L, 8)
    s = yield from stream(L)
    sa, n = addr(L, "listen-basic")
    yield from L.bind(s, sa, n)
    yield from one(L, ring, 1, "io_uring_prep_listen", s, 4)
    yield from one(L, ring, 2, "io_uring_prep_listen", s, 16)
    u = yield from stream(L)
    yield from one(L, ring, 3, "io_uring_prep_listen", u, 4)
    fds = yield from new_pipe(L)
    yield from one(L, ring, 4, "io_uring_prep_listen", fds[0], 4)
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)
    yield from one(L, ring, 5, "io_uring_prep_listen", sv[0], 4)
    for ud, field in enumerate(("addr", "off", "buf_index", "op_flags", "file_index"), 6):
        sqe = prep(L, ring, ud, "io_uring_prep_listen", s, 4)
        setattr(sqe, field, 1)
        yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-listen-accepted", tags=(*TAGS, "net"))
def lsk_listen_accepted(L: Any) -> Gen:
    """An accepted socket carries the listener's name but is connected: LISTEN on it is -EINVAL, BIND on it
    -EINVAL; LISTEN on the connected client is -EINVAL too (no name)."""
    ring = yield from new_ring(L, 8)
    lfd = yield from listener(L, "listen-acc")
    c = yield from client(L, "listen-acc")
    fd = yield from L.accept4(lfd, None, None, 0)
    yield from one(L, ring, 1, "io_uring_prep_listen", fd, 4)
    sa, n = addr(L, "listen-acc-2")
    yield from one(L, ring, 2, "io_uring_prep_bind", fd, sa, n)
    yield from one(L, ring, 3, "io_uring_prep_listen", c, 4)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-listen-poll", tags=(*TAGS, "net", "poll"))
def lsk_listen_poll(L: Any) -> Gen:
    """Poll readiness: a new unconnected socket is POLLOUT|POLLHUP at once (POLL_ADD for both); a listener
    with nothing pending is not ready: a POLL_ADD for POLLIN waits (a NOP round trip first) until a
    connect(2) makes it ready; a POLL_ADD for POLLOUT on the listener stays pending and is cancelled."""
    ring = yield from new_ring(L, 8)
    s = yield from stream(L)
    poll_add(L, ring, s, POLLIN | POLLOUT, 1)
    yield from submit_and_reap(L, ring)
    lfd = yield from listener(L, "listen-poll")
    poll_add(L, ring, lfd, POLLIN, 2)
    poll_add(L, ring, lfd, POLLOUT, 3)
    yield from waits_for_connect(L, ring, 9, "listen-poll")
    cancel(L, ring, 4, 3)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


# -- CONNECT ---------------------------------------------------------------------------------


@scenario("lsk-connect-basic", tags=(*TAGS, "net"))
def lsk_connect_basic(L: Any) -> Gen:
    """CONNECT to a listening abstract name completes at once with 0 (no accept needed yet); the pending
    connection makes the listener readable; accept4(2) takes it and data flows both ways over it."""
    ring = yield from new_ring(L, 8)
    lfd = yield from listener(L, "connect-basic")
    c = yield from stream(L)
    sa, n = addr(L, "connect-basic")
    yield from one(L, ring, 1, "io_uring_prep_connect", c, sa, n)
    poll_add(L, ring, lfd, POLLIN, 2)
    yield from submit_and_reap(L, ring)
    fd = yield from L.accept4(lfd, None, None, 0)
    yield from exchange(L, ring, c, fd, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-connect-refused", tags=(*TAGS, "net"))
def lsk_connect_refused(L: Any) -> Gen:
    """CONNECT is -ECONNREFUSED to a name nobody bound, to a bound socket that does not listen, and to a
    listener shut for reading (shutdown(SHUT_RD) through io_uring SHUTDOWN); the error fails the link."""
    ring = yield from new_ring(L, 8)
    c = yield from stream(L)
    sa, n = addr(L, "refused-none")
    yield from one(L, ring, 1, "io_uring_prep_connect", c, sa, n)
    b = yield from stream(L)
    sb, nb = addr(L, "refused-bound")
    yield from L.bind(b, sb, nb)
    yield from one(L, ring, 2, "io_uring_prep_connect", c, sb, nb)
    lfd = yield from listener(L, "refused-shut")
    yield from one(L, ring, 3, "io_uring_prep_shutdown", lfd, SHUT_RD)
    sl, nl = addr(L, "refused-shut")
    yield from then_nop(L, ring, 4, "io_uring_prep_connect", c, sl, nl, 5)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-connect-isconn", tags=(*TAGS, "net"))
def lsk_connect_isconn(L: Any) -> Gen:
    """A connected socket CONNECTing again is -EISCONN; a listening socket CONNECTing is -EINVAL; a
    connected socket CONNECTing to a name nobody holds is -ECONNREFUSED (the name is looked up first)."""
    ring = yield from new_ring(L, 8)
    lfd = yield from listener(L, "isconn")
    c = yield from client(L, "isconn")
    sa, n = addr(L, "isconn")
    yield from one(L, ring, 1, "io_uring_prep_connect", c, sa, n)
    other = yield from listener(L, "isconn-2")
    yield from one(L, ring, 2, "io_uring_prep_connect", other, sa, n)
    sx, nx = addr(L, "isconn-none")
    yield from one(L, ring, 3, "io_uring_prep_connect", c, sx, nx)
    L.record("lfd", lfd >= 0)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-connect-errors", tags=(*TAGS, "net", "sqe"))
def lsk_connect_errors(L: Any) -> Gen:
    """CONNECT errors: at prep a length above 128 or negative (-EINVAL), a NULL address with a length
    (-EFAULT), a non-zero ``len``, ``buf_index``, ``rw_flags`` or ``file_index`` (-EINVAL); at issue a
    length of 1, 2 or 111 or another family (-EINVAL), a pipe (-ENOTSOCK), no such descriptor (-EBADF)."""
    yield from address_errors(L, "io_uring_prep_connect", "conn-err")


@scenario("lsk-connect-backlog", tags=(*TAGS, "net", "iowq"))
def lsk_connect_backlog(L: Any) -> Gen:
    """The backlog: with listen(0) one connection may be pending; the second connect(2) from a non-blocking
    socket is -EAGAIN; a CONNECT waits (a NOP round trip first) until accept4(2) takes the first
    connection, then completes with 0."""
    ring = yield from new_ring(L, 8)
    lfd = yield from listener(L, "backlog", backlog=0)
    yield from client(L, "backlog")
    yield from client(L, "backlog", L.SOCK_NONBLOCK)
    c = yield from stream(L)
    sa, n = addr(L, "backlog")
    prep(L, ring, 1, "io_uring_prep_connect", c, sa, n)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 9)
    yield from L.accept4(lfd, None, None, 0)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-connect-backlog-grows", tags=(*TAGS, "net", "iowq"))
def lsk_connect_backlog_grows(L: Any) -> Gen:
    """A CONNECT waiting for room in a full backlog (listen(0), one connection pending) completes when
    listen(2) raises the backlog (a bigger backlog wakes the waiting connectors); from a non-blocking
    socket the same CONNECT is -EAGAIN (after its polls, in io-wq), not a wait."""
    ring = yield from new_ring(L, 8)
    lfd = yield from listener(L, "backlog-grow", backlog=0)
    yield from connect_and_close(L, "backlog-grow")
    sa, n = addr(L, "backlog-grow")
    nb = yield from stream(L, L.SOCK_NONBLOCK)
    yield from one(L, ring, 1, "io_uring_prep_connect", nb, sa, n)
    c = yield from stream(L)
    prep(L, ring, 2, "io_uring_prep_connect", c, sa, n)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 9)
    yield from L.listen(lfd, 4)
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-connect-async", tags=(*TAGS, "net", "iowq"))
def lsk_connect_async(L: Any) -> Gen:
    """CONNECT forced async (IOSQE_ASYNC) completes with 0 from io-wq; to a missing name -ECONNREFUSED."""
    ring = yield from new_ring(L, 8)
    lfd = yield from listener(L, "conn-async")
    c = yield from stream(L)
    sa, n = addr(L, "conn-async")
    yield from one(L, ring, 1, "io_uring_prep_connect", c, sa, n, sqe_flags=IOSQE_ASYNC)
    c2 = yield from stream(L)
    sx, nx = addr(L, "conn-async-none")
    yield from one(L, ring, 2, "io_uring_prep_connect", c2, sx, nx, sqe_flags=IOSQE_ASYNC)
    fd = yield from L.accept4(lfd, None, None, 0)
    yield from exchange(L, ring, c, fd, 3)
    yield from L.io_uring_queue_exit(ring)


# -- ACCEPT ----------------------------------------------------------------------------------


@scenario("lsk-accept-after-connect", tags=(*TAGS, "net"))
def lsk_accept_after_connect(L: Any) -> Gen:
    """ACCEPT of a connection already pending completes at once with a descriptor, with no
    IORING_CQE_F_SOCK_NONEMPTY; the accepted socket talks to the client (SEND / RECV)."""
    ring = yield from new_ring(L, 8)
    lfd = yield from listener(L, "acc-after")
    c = yield from client(L, "acc-after")
    fd = yield from one(L, ring, 1, "io_uring_prep_accept", lfd, None, None, 0)
    if fd >= 0:
        yield from exchange(L, ring, fd, c, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-accept-before-connect", tags=(*TAGS, "net", "poll"))
def lsk_accept_before_connect(L: Any) -> Gen:
    """ACCEPT with nothing pending waits (a NOP round trip completes first); connect(2) completes it with a
    descriptor; RECV on the accepted socket then waits for the client's send(2)."""
    ring = yield from new_ring(L, 8)
    lfd = yield from listener(L, "acc-before")
    prep(L, ring, 1, "io_uring_prep_accept", lfd, None, None, 0)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 9)
    c = yield from client(L, "acc-before")
    got = yield from reap_one(L, ring)
    if got is not None and got[1] >= 0:
        buf = bytearray(8)
        prep(L, ring, 2, "io_uring_prep_recv", got[1], buf, 8, 0)
        yield from L.io_uring_submit(ring)
        yield from round_trip(L, ring, 10)
        yield from L.send(c, b"late", 4, 0)
        yield from reap(L, ring, 1)
        L.record("data", bytes(buf[:4]))
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-accept-errors", tags=(*TAGS, "net", "sqe"))
def lsk_accept_errors(L: Any) -> Gen:
    """ACCEPT errors: on a bound socket that does not listen, on an unbound one (-EINVAL), on a pipe
    (-ENOTSOCK), no descriptor (-EBADF); at prep a non-zero ``len`` or ``buf_index``, an unknown ioprio flag,
    an accept flag other than SOCK_NONBLOCK / SOCK_CLOEXEC, SOCK_CLOEXEC with a direct slot, MULTISHOT with a
    fixed slot (-EINVAL each)."""
    ring = yield from new_ring(L, 8)
    b = yield from stream(L)
    sb, nb = addr(L, "acc-err")
    yield from L.bind(b, sb, nb)
    yield from one(L, ring, 1, "io_uring_prep_accept", b, None, None, 0)
    u = yield from stream(L)
    yield from one(L, ring, 2, "io_uring_prep_accept", u, None, None, 0)
    fds = yield from new_pipe(L)
    yield from one(L, ring, 3, "io_uring_prep_accept", fds[0], None, None, 0)
    yield from one(L, ring, 4, "io_uring_prep_accept", 1000, None, None, 0)
    lfd = yield from listener(L, "acc-err-l")
    for ud, (field, value) in enumerate((("len", 1), ("buf_index", 1), ("ioprio", 1 << 3)), 5):
        sqe = prep(L, ring, ud, "io_uring_prep_accept", lfd, None, None, 0)
        setattr(sqe, field, value)
        yield from submit_and_reap(L, ring)
    yield from one(L, ring, 8, "io_uring_prep_accept", lfd, None, None, 0x10)
    yield from one(L, ring, 9, "io_uring_prep_accept_direct", lfd, None, None, L.SOCK_CLOEXEC, 0)
    sqe = prep(L, ring, 10, "io_uring_prep_accept_direct", lfd, None, None, 0, 0)
    sqe.ioprio = IORING_ACCEPT_MULTISHOT
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-accept-dontwait", tags=(*TAGS, "net"))
def lsk_accept_dontwait(L: Any) -> Gen:
    """IORING_ACCEPT_DONTWAIT with nothing pending completes at once with -EAGAIN and fails its link (the
    linked NOP is -ECANCELED); with a connection pending it accepts it.  A non-blocking listener
    (SOCK_NONBLOCK) still makes a plain ACCEPT wait (a NOP round trip first) for connect(2)."""
    ring = yield from new_ring(L, 8)
    lfd = yield from listener(L, "acc-dontwait")
    sqe = prep(L, ring, 1, "io_uring_prep_accept", lfd, None, None, 0, sqe_flags=IOSQE_IO_LINK)
    sqe.ioprio = IORING_ACCEPT_DONTWAIT
    nop(L, ring, 2)
    yield from submit_and_reap(L, ring, 2)
    yield from client(L, "acc-dontwait")
    sqe = prep(L, ring, 3, "io_uring_prep_accept", lfd, None, None, 0)
    sqe.ioprio = IORING_ACCEPT_DONTWAIT
    yield from submit_and_reap(L, ring)
    nb = yield from listener(L, "acc-dontwait-nb", flags=L.SOCK_NONBLOCK)
    prep(L, ring, 4, "io_uring_prep_accept", nb, None, None, 0)
    yield from waits_for_connect(L, ring, 9, "acc-dontwait-nb")
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-accept-poll-first", tags=(*TAGS, "net", "poll"))
def lsk_accept_poll_first(L: Any) -> Gen:
    """IORING_ACCEPT_POLL_FIRST: with a connection pending the ACCEPT still completes (its poll is ready);
    with none it waits for connect(2); with DONTWAIT too it is -EAGAIN at once."""
    ring = yield from new_ring(L, 8)
    lfd = yield from listener(L, "acc-pf")
    yield from client(L, "acc-pf")
    sqe = prep(L, ring, 1, "io_uring_prep_accept", lfd, None, None, 0)
    sqe.ioprio = IORING_ACCEPT_POLL_FIRST
    yield from submit_and_reap(L, ring)
    sqe = prep(L, ring, 2, "io_uring_prep_accept", lfd, None, None, 0)
    sqe.ioprio = IORING_ACCEPT_POLL_FIRST
    yield from waits_for_connect(L, ring, 9, "acc-pf")
    sqe = prep(L, ring, 3, "io_uring_prep_accept", lfd, None, None, 0)
    sqe.ioprio = IORING_ACCEPT_POLL_FIRST | IORING_ACCEPT_DONTWAIT
    yield from submit_and_reap(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-accept-addr", tags=(*TAGS, "net"))
def lsk_accept_addr(L: Any) -> Gen:
    """The peer address of an ACCEPT: from an unnamed client, the family alone (length 2); from a client
    bound to ``@lsk-peer``, its name and full length; with room for 4 bytes only the first 4 are written and
    the length says the full size; with the length word NULL the ACCEPT is -EFAULT and the connection is
    gone (the client then reads end of file)."""
    ring = yield from new_ring(L, 8)
    lfd = yield from listener(L, "acc-addr")
    yield from client(L, "acc-addr")
    peer, plen = L.SockaddrUn(b"\0zzzz"), socklen(110)
    yield from close_ok(L, (yield from one(L, ring, 1, "io_uring_prep_accept", lfd, peer, plen, 0)))
    L.record("unnamed", [int.from_bytes(plen, "little"), peer.sun_family, peer.sun_path[:5]])
    named = yield from stream(L)
    pa, pn = addr(L, "peer")
    yield from L.bind(named, pa, pn)
    la, ln = addr(L, "acc-addr")
    yield from L.connect(named, la, ln)
    peer, plen = L.SockaddrUn(b""), socklen(110)
    yield from close_ok(L, (yield from one(L, ring, 2, "io_uring_prep_accept", lfd, peer, plen, 0)))
    L.record("named", [int.from_bytes(plen, "little"), peer.sun_path[: pn - 2]])
    yield from client(L, "acc-addr")
    peer, plen = L.SockaddrUn(b"\1\1\1\1\1\1"), socklen(4)
    yield from close_ok(L, (yield from one(L, ring, 3, "io_uring_prep_accept", lfd, peer, plen, 0)))
    L.record("short", [int.from_bytes(plen, "little"), peer.sun_path[:6]])
    c = yield from client(L, "acc-addr")
    yield from one(L, ring, 4, "io_uring_prep_accept", lfd, L.SockaddrUn(b""), None, 0)
    yield from L.recv(c, bytearray(4), 4, L.MSG_DONTWAIT)
    yield from L.send(c, b"x", 1, L.MSG_NOSIGNAL)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-accept-flags", tags=(*TAGS, "net"))
def lsk_accept_flags(L: Any) -> Gen:
    """accept flags: SOCK_NONBLOCK makes the accepted socket non-blocking (recv(2) without MSG_DONTWAIT on
    it is -EAGAIN); without it the accepted socket is blocking even from a non-blocking listener (recv(2)
    with nothing queued would wait: checked with poll instead, a POLL_ADD for POLLIN pending until the
    client sends)."""
    ring = yield from new_ring(L, 8)
    lfd = yield from listener(L, "acc-flags", flags=L.SOCK_NONBLOCK)
    yield from client(L, "acc-flags")
    fd = yield from one(L, ring, 1, "io_uring_prep_accept", lfd, None, None, L.SOCK_NONBLOCK)
    if fd >= 0:
        yield from L.recv(fd, bytearray(4), 4, 0)
    c = yield from client(L, "acc-flags")
    fd2 = yield from one(L, ring, 2, "io_uring_prep_accept", lfd, None, None, L.SOCK_CLOEXEC)
    if fd2 >= 0:
        poll_add(L, ring, fd2, POLLIN, 3)
        yield from L.io_uring_submit(ring)
        yield from round_trip(L, ring, 9)
        yield from L.send(c, b"ok", 2, 0)
        yield from reap(L, ring, 1)
        yield from L.recv(fd2, bytearray(4), 4, 0)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-accept-two-waiting", tags=(*TAGS, "net", "poll"))
def lsk_accept_two_waiting(L: Any) -> Gen:
    """Two ACCEPTs wait on one listener: the first connect(2) completes the older one only (the accept's
    poll is exclusive), the second connect(2) the other."""
    ring = yield from new_ring(L, 8)
    lfd = yield from listener(L, "acc-two")
    prep(L, ring, 1, "io_uring_prep_accept", lfd, None, None, 0)
    prep(L, ring, 2, "io_uring_prep_accept", lfd, None, None, 0)
    yield from waits_for_connect(L, ring, 9, "acc-two")
    yield from round_trip(L, ring, 10)
    yield from client(L, "acc-two")
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-accept-async", tags=(*TAGS, "net", "iowq"))
def lsk_accept_async(L: Any) -> Gen:
    """ACCEPT forced async (IOSQE_ASYNC): with a connection pending it completes with a descriptor; with none
    it waits (a NOP round trip first) until connect(2)."""
    ring = yield from new_ring(L, 8)
    lfd = yield from listener(L, "acc-async")
    yield from client(L, "acc-async")
    yield from one(L, ring, 1, "io_uring_prep_accept", lfd, None, None, 0, sqe_flags=IOSQE_ASYNC)
    prep(L, ring, 2, "io_uring_prep_accept", lfd, None, None, 0, sqe_flags=IOSQE_ASYNC)
    yield from waits_for_connect(L, ring, 9, "acc-async")
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-accept-shutdown", tags=(*TAGS, "net", "iowq"))
def lsk_accept_shutdown(L: Any) -> Gen:
    """A listener shut for reading (SHUTDOWN SHUT_RD) while an ACCEPT waits: the ACCEPT is woken, finds
    nothing (the listener polls readable from then on, so it retries until its poll budget is spent) and
    ends in io-wq with -EINVAL (``unix_accept`` on a shut listener); a new ACCEPT with DONTWAIT is -EAGAIN, a
    connect(2) -ECONNREFUSED."""
    ring = yield from new_ring(L, 8)
    lfd = yield from listener(L, "acc-shut")
    prep(L, ring, 1, "io_uring_prep_accept", lfd, None, None, 0)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 9)
    yield from one(L, ring, 2, "io_uring_prep_shutdown", lfd, SHUT_RD)
    yield from reap(L, ring, 1)
    sqe = prep(L, ring, 3, "io_uring_prep_accept", lfd, None, None, 0)
    sqe.ioprio = IORING_ACCEPT_DONTWAIT
    yield from submit_and_reap(L, ring)
    c = yield from stream(L)
    sa, n = addr(L, "acc-shut")
    yield from L.connect(c, sa, n)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-accept-cancel", tags=(*TAGS, "net", "cancel"))
def lsk_accept_cancel(L: Any) -> Gen:
    """A waiting ACCEPT is cancelled by ASYNC_CANCEL (0, and the ACCEPT -ECANCELED); closing the listener's
    descriptor while an ACCEPT waits leaves it waiting (the request holds the file): a connect(2) is accepted
    by it, and once that ACCEPT is done the listener is gone: the next connect(2) is -ECONNREFUSED."""
    ring = yield from new_ring(L, 8)
    lfd = yield from listener(L, "acc-cancel")
    prep(L, ring, 1, "io_uring_prep_accept", lfd, None, None, 0)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 9)
    cancel(L, ring, 2, 1)
    yield from submit_and_reap(L, ring, 2)
    prep(L, ring, 3, "io_uring_prep_accept", lfd, None, None, 0)
    yield from L.io_uring_submit(ring)
    yield from round_trip(L, ring, 10)
    yield from L.close(lfd)
    c = yield from client(L, "acc-cancel")
    yield from reap(L, ring, 1)
    L.record("client", c >= 0)
    c2 = yield from client(L, "acc-cancel")
    L.record("client 2", c2 >= 0)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-listener-close-resets", tags=(*TAGS, "net"))
def lsk_listener_close_resets(L: Any) -> Gen:
    """Closing a listener with a connection never accepted: the client's RECV is -ECONNRESET, then 0; its
    SEND -EPIPE; the name is free again (a new listener binds it and a connect(2) succeeds)."""
    ring = yield from new_ring(L, 8)
    lfd = yield from listener(L, "lclose")
    c = yield from client(L, "lclose")
    yield from L.send(c, b"lost", 4, 0)
    yield from L.close(lfd)
    buf = bytearray(8)
    yield from one(L, ring, 1, "io_uring_prep_recv", c, buf, 8, 0)
    yield from one(L, ring, 2, "io_uring_prep_recv", c, buf, 8, 0)
    yield from one(L, ring, 3, "io_uring_prep_send", c, b"x", 1, 0)
    poll_add(L, ring, c, POLLIN | POLLOUT, 4)
    yield from submit_and_reap(L, ring)
    yield from listener(L, "lclose")
    yield from client(L, "lclose")
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-unconnected-io", tags=(*TAGS, "net"))
def lsk_unconnected_io(L: Any) -> Gen:
    """SEND on an unconnected socket is -ENOTCONN and RECV -EINVAL; on a listener the same; READ of 0 bytes
    on an unconnected socket is 0 (answered before the socket is looked at); SHUTDOWN of an unconnected
    socket is 0."""
    ring = yield from new_ring(L, 8)
    s = yield from stream(L)
    yield from one(L, ring, 1, "io_uring_prep_send", s, b"x", 1, 0)
    yield from one(L, ring, 2, "io_uring_prep_recv", s, bytearray(4), 4, 0)
    lfd = yield from listener(L, "unconn")
    yield from one(L, ring, 3, "io_uring_prep_send", lfd, b"x", 1, 0)
    yield from one(L, ring, 4, "io_uring_prep_recv", lfd, bytearray(4), 4, 0)
    yield from one(L, ring, 5, "io_uring_prep_read", s, bytearray(4), 0, 0)
    yield from one(L, ring, 6, "io_uring_prep_shutdown", s, SHUT_WR)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-data-before-accept", tags=(*TAGS, "net"))
def lsk_data_before_accept(L: Any) -> Gen:
    """A client may send right after connecting, before the accept: the bytes wait on the embryo socket and
    the accepted socket reads them (RECV), in order with what follows."""
    ring = yield from new_ring(L, 8)
    lfd = yield from listener(L, "early")
    c = yield from client(L, "early")
    yield from one(L, ring, 1, "io_uring_prep_send", c, b"early", 5, 0)
    fd = yield from one(L, ring, 2, "io_uring_prep_accept", lfd, None, None, 0)
    yield from L.send(c, b"+late", 5, 0)
    if fd >= 0:
        buf = bytearray(16)
        yield from one(L, ring, 3, "io_uring_prep_recv", fd, buf, 16, 0)
        L.record("data", bytes(buf[:10]))
    yield from L.io_uring_queue_exit(ring)


# -- multishot ---------------------------------------------------------------------------------


@scenario("lsk-multishot-accept", tags=(*TAGS, "net", "multishot"))
def lsk_multishot_accept(L: Any) -> Gen:
    """Multishot ACCEPT (io_uring_prep_multishot_accept(3)): three connect(2)s, each completing a CQE with
    IORING_CQE_F_MORE (a NOP round trip between); ASYNC_CANCEL then ends it: the cancel's 0 and a final
    -ECANCELED CQE without F_MORE."""
    ring = yield from new_ring(L, 8)
    lfd = yield from listener(L, "mshot")
    prep(L, ring, 1, "io_uring_prep_multishot_accept", lfd, None, None, 0)
    yield from L.io_uring_submit(ring)
    for i in range(3):
        yield from round_trip(L, ring, 10 + i)
        yield from connect_and_close(L, "mshot")
        yield from reap(L, ring, 1)
    cancel(L, ring, 2, 1)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-multishot-accept-pending", tags=(*TAGS, "net", "multishot"))
def lsk_multishot_accept_pending(L: Any) -> Gen:
    """Multishot ACCEPT with two connections already pending posts two CQEs with F_MORE at once (the
    request retries while connections are queued), then waits for a third."""
    ring = yield from new_ring(L, 8)
    lfd = yield from listener(L, "mshot-pend")
    yield from connect_and_close(L, "mshot-pend")
    yield from connect_and_close(L, "mshot-pend")
    prep(L, ring, 1, "io_uring_prep_multishot_accept", lfd, None, None, 0)
    yield from submit_and_reap(L, ring, 2)
    yield from round_trip(L, ring, 9)
    yield from connect_and_close(L, "mshot-pend")
    yield from reap(L, ring, 1)
    cancel(L, ring, 2, 1)
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-multishot-accept-direct", tags=(*TAGS, "net", "multishot", "files"))
def lsk_multishot_accept_direct(L: Any) -> Gen:
    """Multishot direct ACCEPT (io_uring_prep_multishot_accept_direct(3)) into a table of 2: the first two
    connections get slots 0 and 1 (CQEs with F_MORE); the third finds the table full: a final -ENFILE
    without F_MORE.  Data flows over slot 1 (SEND with IOSQE_FIXED_FILE)."""
    ring = yield from new_ring(L, 8)
    yield from L.io_uring_register_files_sparse(ring, 2)
    lfd = yield from listener(L, "mshot-direct")
    prep(L, ring, 1, "io_uring_prep_multishot_accept_direct", lfd, None, None, 0)
    yield from waits_for_connect(L, ring, 9, "mshot-direct")
    c = yield from client(L, "mshot-direct")
    yield from reap(L, ring, 1)
    yield from exchange(L, ring, 1, c, 3, IOSQE_FIXED_FILE)
    yield from client(L, "mshot-direct")
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-multishot-accept-cq-full", tags=(*TAGS, "net", "multishot", "overflow"))
def lsk_multishot_accept_cq_full(L: Any) -> Gen:
    """Multishot ACCEPT on a ring whose CQ holds 4 entries, with 5 connections pending: it posts CQEs with
    F_MORE while there is room, and the one that finds the CQ full ends the request (its result in a final
    CQE without F_MORE)."""
    ring = yield from new_ring(L, 2)
    lfd = yield from listener(L, "mshot-full")
    for _ in range(5):
        yield from connect_and_close(L, "mshot-full")
    prep(L, ring, 1, "io_uring_prep_multishot_accept", lfd, None, None, 0)
    yield from L.io_uring_submit(ring)
    L.record("ready", reap_ready(L, ring))
    L.record("overflow", L.io_uring_cq_has_overflow(ring))
    yield from L.io_uring_get_events(ring)
    L.record("more", reap_ready(L, ring))
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-multishot-accept-dontwait", tags=(*TAGS, "net", "multishot"))
def lsk_multishot_accept_dontwait(L: Any) -> Gen:
    """Multishot ACCEPT with DONTWAIT: the pending connection gives a CQE with F_MORE, then the empty queue
    ends the request with -EAGAIN (no F_MORE)."""
    ring = yield from new_ring(L, 8)
    lfd = yield from listener(L, "mshot-dw")
    yield from client(L, "mshot-dw")
    sqe = prep(L, ring, 1, "io_uring_prep_multishot_accept", lfd, None, None, 0)
    sqe.ioprio = sqe.ioprio | IORING_ACCEPT_DONTWAIT
    yield from submit_and_reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


# -- direct ACCEPT ---------------------------------------------------------------------------


@scenario("lsk-accept-direct", tags=(*TAGS, "net", "files"))
def lsk_accept_direct(L: Any) -> Gen:
    """ACCEPT into registered slot 2 is 0, and with IORING_FILE_INDEX_ALLOC a free slot's index (3: the
    search starts after the slot last filled);
    the accepted sockets talk to their clients through IOSQE_FIXED_FILE SEND / RECV."""
    ring = yield from new_ring(L, 8)
    yield from L.io_uring_register_files_sparse(ring, 4)
    lfd = yield from listener(L, "acc-direct")
    c = yield from client(L, "acc-direct")
    yield from one(L, ring, 1, "io_uring_prep_accept_direct", lfd, None, None, 0, 2)
    yield from exchange(L, ring, 2, c, 2, IOSQE_FIXED_FILE)
    c2 = yield from client(L, "acc-direct")
    slot = yield from one(
        L, ring, 4, "io_uring_prep_accept_direct", lfd, None, None, 0, IORING_FILE_INDEX_ALLOC
    )
    if slot >= 0:
        yield from exchange(L, ring, slot, c2, 5, IOSQE_FIXED_FILE)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-accept-direct-errors", tags=(*TAGS, "net", "files"))
def lsk_accept_direct_errors(L: Any) -> Gen:
    """A direct ACCEPT without a registered table is -ENXIO and past the table's end -EINVAL; the
    connection it took is closed (the client's recv(2) is 0, its send(2) -EPIPE) and the error fails the
    link."""
    ring = yield from new_ring(L, 8)
    lfd = yield from listener(L, "acc-direct-err")
    c = yield from client(L, "acc-direct-err")
    yield from then_nop(L, ring, 1, "io_uring_prep_accept_direct", lfd, None, None, 0, 0, 2)
    yield from L.recv(c, bytearray(4), 4, L.MSG_DONTWAIT)
    yield from L.send(c, b"x", 1, L.MSG_NOSIGNAL)
    yield from L.io_uring_register_files_sparse(ring, 2)
    yield from client(L, "acc-direct-err")
    yield from one(L, ring, 3, "io_uring_prep_accept_direct", lfd, None, None, 0, 7)
    yield from L.io_uring_queue_exit(ring)


# -- chains and syscalls ------------------------------------------------------------------------


@scenario("lsk-link-chain", tags=(*TAGS, "net", "links", "files"))
def lsk_link_chain(L: Any) -> Gen:
    """One linked chain builds a connection with registered slots only: SOCKET into slot 0, BIND and LISTEN
    on it, SOCKET into slot 1, CONNECT slot 1, ACCEPT into slot 2, SEND from slot 1, RECV on slot 2: every
    CQE in order, the bytes received."""
    ring = yield from new_ring(L, 16)
    yield from L.io_uring_register_files_sparse(ring, 4)
    sa, n = addr(L, "chain")
    buf = bytearray(8)
    F, K = IOSQE_FIXED_FILE, IOSQE_IO_LINK
    prep(L, ring, 1, "io_uring_prep_socket_direct", L.AF_UNIX, L.SOCK_STREAM, 0, 0, 0, sqe_flags=K)
    prep(L, ring, 2, "io_uring_prep_bind", 0, sa, n, sqe_flags=F | K)
    prep(L, ring, 3, "io_uring_prep_listen", 0, 2, sqe_flags=F | K)
    prep(L, ring, 4, "io_uring_prep_socket_direct", L.AF_UNIX, L.SOCK_STREAM, 0, 1, 0, sqe_flags=K)
    prep(L, ring, 5, "io_uring_prep_connect", 1, sa, n, sqe_flags=F | K)
    prep(L, ring, 6, "io_uring_prep_accept_direct", 0, None, None, 0, 2, sqe_flags=F | K)
    prep(L, ring, 7, "io_uring_prep_send", 1, b"chain", 5, 0, sqe_flags=F | K)
    prep(L, ring, 8, "io_uring_prep_recv", 2, buf, 8, 0, sqe_flags=F)
    yield from submit_and_reap(L, ring, 8)
    L.record("data", bytes(buf[:5]))
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-link-fail", tags=(*TAGS, "net", "links"))
def lsk_link_fail(L: Any) -> Gen:
    """A BIND failing with -EADDRINUSE cancels the rest of its chain (LISTEN, ACCEPT: -ECANCELED); a LISTEN
    failing with -EINVAL the NOP after it."""
    ring = yield from new_ring(L, 8)
    yield from listener(L, "link-fail")
    s = yield from stream(L)
    sa, n = addr(L, "link-fail")
    prep(L, ring, 1, "io_uring_prep_bind", s, sa, n, sqe_flags=IOSQE_IO_LINK)
    prep(L, ring, 2, "io_uring_prep_listen", s, 4, sqe_flags=IOSQE_IO_LINK)
    prep(L, ring, 3, "io_uring_prep_accept", s, None, None, 0)
    yield from submit_and_reap(L, ring, 3)
    yield from then_nop(L, ring, 4, "io_uring_prep_listen", s, 4, 5)
    yield from L.io_uring_queue_exit(ring)


@scenario("lsk-syscalls", tags=(*TAGS, "net"))
def lsk_syscalls(L: Any) -> Gen:
    """The libc calls alone: socket(2) errors (-EAFNOSUPPORT, -EINVAL for a type flag, -EPROTONOSUPPORT);
    bind(2) on a descriptor not open (-EBADF) and on a pipe (-ENOTSOCK); listen(2) with a negative backlog
    (0: clamped); connect(2) on a pipe (-ENOTSOCK) and with a length of 200 (-EINVAL); accept4(2) with a bad
    flag (-EINVAL), on a non-blocking listener with nothing pending (-EAGAIN), then with a peer address."""
    yield from L.socket(300, L.SOCK_STREAM, 0)
    yield from L.socket(L.AF_UNIX, L.SOCK_STREAM | 0x200, 0)
    yield from L.socket(L.AF_UNIX, L.SOCK_STREAM, 7)
    sa, n = addr(L, "sys")
    fds = yield from new_pipe(L)
    yield from L.bind(999, sa, n)
    yield from L.bind(fds[0], sa, n)
    lfd = yield from stream(L, L.SOCK_NONBLOCK)
    yield from L.bind(lfd, sa, n)
    yield from L.listen(lfd, -1)
    yield from L.connect(fds[1], sa, n)
    c = yield from stream(L)
    yield from L.connect(c, sa, 200)
    yield from L.accept4(lfd, None, None, 0x40)
    yield from L.accept4(lfd, None, None, 0)
    yield from L.connect(c, sa, n)
    peer, plen = L.SockaddrUn(b""), socklen(110)
    yield from L.accept4(lfd, peer, plen, L.SOCK_CLOEXEC)
    L.record("peer length", int.from_bytes(plen, "little"))

