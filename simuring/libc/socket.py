"""``<sys/socket.h>``: socketpair, send, recv, sendto, recvfrom, socket, bind, listen, connect,
accept4, getsockname, getpeername, getsockopt, setsockopt (AF_UNIX stream, datagram and seqpacket sockets; AF_INET /
AF_INET6 stream sockets on the loopback interface).  An address is a
:class:`~simuring.abi.posix.SockaddrUn` (``struct sockaddr_un``), :class:`~simuring.abi.posix.SockaddrIn`
or :class:`~simuring.abi.posix.SockaddrIn6` with its length in bytes; accept4's, getsockname's
and getpeername's ``addrlen`` is a 4-byte buffer (``socklen_t *``, in: the room in ``addr``,
out: the address's full length) or None."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.kernel.sys import syscall
from simuring.libc.argcheck import need_buffer, need_int, need_list
from simuring.libc.cint import CInt, CIntArray

Gen = Generator[Any, Any, int]


def socketpair(domain: CInt, type: CInt, protocol: CInt, sv: CIntArray) -> Gen:
    """socketpair(2): AF_UNIX + SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET (| SOCK_NONBLOCK |
    SOCK_CLOEXEC); fills ``sv``."""
    need_list(sv, "socketpair")
    return (yield from syscall("socketpair", domain, type, protocol, sv))


def send(fd: CInt, buf: Any, len: CInt, flags: CInt) -> Gen:
    """send(2) on a socket (glibc: sendto without an address); MSG_DONTWAIT makes
    this call non-blocking; MSG_OOB is -EOPNOTSUPP on a datagram socket."""
    need_int("send", fd=fd, len=len, flags=flags)
    need_buffer(buf, "send")
    return (yield from syscall("sendto", fd, buf, len, flags))


def recv(fd: CInt, buf: Any, len: CInt, flags: CInt) -> Gen:
    """recv(2) on a socket (glibc: recvfrom without an address); a datagram socket also
    takes MSG_PEEK and MSG_TRUNC."""
    need_int("recv", fd=fd, len=len, flags=flags)
    need_buffer(buf, "recv")
    return (yield from syscall("recvfrom", fd, buf, len, flags))


def sendto(fd: CInt, buf: Any, len: CInt, flags: CInt, dest_addr: Any, addrlen: CInt) -> Gen:
    """sendto(2): send(2) to the ``addrlen`` bytes of ``dest_addr`` (None: no address); a datagram
    socket sends there, a connected stream socket answers -EISCONN, a seqpacket one ignores it."""
    need_int("sendto", fd=fd, len=len, flags=flags, addrlen=addrlen)
    need_buffer(buf, "sendto")
    return (yield from syscall("sendto", fd, buf, len, flags, dest_addr, addrlen))


def recvfrom(fd: CInt, buf: Any, len: CInt, flags: CInt, src_addr: Any, addrlen: Any) -> Gen:
    """recvfrom(2): recv(2), and the sender's address to ``src_addr`` (a SockaddrUn, or None) with
    its length to ``addrlen`` (a 4-byte buffer: in, the room; out, the full length; 0 for a sender
    without a name)."""
    need_int("recvfrom", fd=fd, len=len, flags=flags)
    need_buffer(buf, "recvfrom")
    return (yield from syscall("recvfrom", fd, buf, len, flags, src_addr, addrlen))


def socket(domain: CInt, type: CInt, protocol: CInt) -> Gen:
    """socket(2): AF_UNIX + SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET (| SOCK_NONBLOCK |
    SOCK_CLOEXEC); the new descriptor."""
    need_int("socket", domain=domain, type=type, protocol=protocol)
    return (yield from syscall("socket", domain, type, protocol))


def bind(sockfd: CInt, addr: Any, addrlen: CInt) -> Gen:
    """bind(2) to the ``addrlen`` bytes of ``addr`` (an abstract name: ``sun_path`` starts with NUL)."""
    need_int("bind", sockfd=sockfd, addrlen=addrlen)
    return (yield from syscall("bind", sockfd, addr, addrlen))


def listen(sockfd: CInt, backlog: CInt) -> Gen:
    """listen(2)."""
    need_int("listen", sockfd=sockfd, backlog=backlog)
    return (yield from syscall("listen", sockfd, backlog))


def connect(sockfd: CInt, addr: Any, addrlen: CInt) -> Gen:
    """connect(2) to the listening socket named by ``addr``."""
    need_int("connect", sockfd=sockfd, addrlen=addrlen)
    return (yield from syscall("connect", sockfd, addr, addrlen))


def accept4(sockfd: CInt, addr: Any, addrlen: Any, flags: CInt) -> Gen:
    """accept4(2): the connection's new descriptor; the peer's address goes to ``addr``
    (a SockaddrUn, or None) and its length to ``addrlen``."""
    need_int("accept4", sockfd=sockfd, flags=flags)
    return (yield from syscall("accept4", sockfd, addr, addrlen, flags))


def getsockname(sockfd: CInt, addr: Any, addrlen: Any) -> Gen:
    """getsockname(2): the socket's own address to ``addr``, its full length to ``addrlen``."""
    need_int("getsockname", sockfd=sockfd)
    return (yield from syscall("getsockname", sockfd, addr, addrlen))


def getpeername(sockfd: CInt, addr: Any, addrlen: Any) -> Gen:
    """getpeername(2): the connected peer's address to ``addr``, its full length to ``addrlen``."""
    need_int("getpeername", sockfd=sockfd)
    return (yield from syscall("getpeername", sockfd, addr, addrlen))


def getsockopt(sockfd: CInt, level: CInt, optname: CInt, optval: Any, optlen: Any) -> Gen:
    """getsockopt(2): the option's value to ``optval``; ``optlen`` a 4-byte buffer (in: the room,
    out: the length copied)."""
    need_int("getsockopt", sockfd=sockfd, level=level, optname=optname)
    return (yield from syscall("getsockopt", sockfd, level, optname, optval, optlen))


def setsockopt(sockfd: CInt, level: CInt, optname: CInt, optval: Any, optlen: CInt) -> Gen:
    """setsockopt(2): the option from the ``optlen`` bytes of ``optval``."""
    need_int("setsockopt", sockfd=sockfd, level=level, optname=optname, optlen=optlen)
    return (yield from syscall("setsockopt", sockfd, level, optname, optval, optlen))
