"""socket(2), bind(2), listen(2), connect(2), accept4(2), getsockname(2), getpeername(2),
getsockopt(2), setsockopt(2) on AF_UNIX sockets and AF_INET / AF_INET6 TCP and UDP sockets
(net/socket.c).

Addresses are :class:`~simuring.abi.posix.Sockaddr` objects (``SockaddrUn``, ``SockaddrIn``,
``SockaddrIn6``, or any buffer holding the struct), read for ``addrlen`` bytes
(``move_addr_to_kernel``); accept4's, getsockname's and getpeername's ``addrlen`` is a
4-byte buffer (a ``socklen_t``).  The socket models are
:mod:`simuring.kernel.objects.unix_conn`, :mod:`simuring.kernel.objects.tcp` and
:mod:`simuring.kernel.objects.udp`; the
``*_sock`` functions here pick the family's call, for the syscalls and io_uring's
opcodes (:mod:`simuring.opcodes.sock`) alike.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, Final

from simuring.abi.errno import (
    EAFNOSUPPORT,
    EAGAIN,
    EBADF,
    ECONNABORTED,
    EFAULT,
    EINPROGRESS,
    EINVAL,
    ENOTSOCK,
    EOPNOTSUPP,
    EPROTONOSUPPORT,
    ESOCKTNOSUPPORT,
)
from simuring.abi.posix import (
    AF_INET,
    AF_INET6,
    AF_UNIX,
    IPPROTO_TCP,
    IPPROTO_UDP,
    SOCK_CLOEXEC,
    SOCK_DGRAM,
    SOCK_NONBLOCK,
    SOCK_RAW,
    SOCK_SEQPACKET,
    SOCK_STREAM,
)
from simuring.host.task import Task
from simuring.kernel import kernel_of
from simuring.kernel.files import File, ReservedFd, fdget, files_of
from simuring.kernel.objects.inet_ports import InetPorts, UdpPorts
from simuring.kernel.objects.socket import UnixSocket
from simuring.kernel.objects.sockopt import getsockopt, setsockopt
from simuring.kernel.objects.tcp import (
    TcpSocket,
    create_tcp,
    inet_bind,
    inet_protocol,
    tcp_connect,
    tcp_connect_wait,
    tcp_listen,
)
from simuring.kernel.objects.udp import UdpSocket, create_udp, udp_connect
from simuring.kernel.objects.unix_conn import (
    UnixNamespace,
    connect_nowait,
    create_socket,
    sockaddr_in,
    sockaddr_out,
    unix_accept,
    unix_bind,
    unix_connect,
    unix_listen,
)
from simuring.kernel.uaccess import user_bytes

NPROTO: Final = 46
"""``AF_MAX``: families above are -EAFNOSUPPORT (``__sock_create``)."""
SOCK_MAX: Final = 11
"""``SOCK_PACKET + 1``: types from here on are -EINVAL (``__sock_create``)."""
SOCK_TYPE_MASK: Final = 0xF


def unix_sock_type(domain: object, type: object, protocol: object) -> int:
    """The checks socket(2) and socketpair(2) share: the flag bits of ``type``
    (``__sys_socket_file`` / ``__sys_socketpair``), ``__sock_create``'s family and type
    ranges, then the family's own: ``unix_create``'s protocol and type (SOCK_RAW is taken as
    SOCK_DGRAM; another type is -ESOCKTNOSUPPORT) or ``inet_create`` / ``inet6_create``'s
    (:func:`~simuring.kernel.objects.tcp.inet_protocol`: only TCP and UDP sockets are modelled,
    any other protocol the kernel would make is -EAFNOSUPPORT here).  Another family in range is
    -EAFNOSUPPORT.  The socket type, or -errno."""
    if not (isinstance(domain, int) and isinstance(type, int) and isinstance(protocol, int)):
        return -EINVAL
    domain, type, protocol = _int(domain), _int(type), _int(protocol)
    if type & ~SOCK_TYPE_MASK & ~(SOCK_CLOEXEC | SOCK_NONBLOCK):
        return -EINVAL
    base = type & SOCK_TYPE_MASK
    if not 0 <= domain < NPROTO:
        return -EAFNOSUPPORT
    if base >= SOCK_MAX:
        return -EINVAL
    if domain in (AF_INET, AF_INET6):
        proto = inet_protocol(domain, base, protocol)
        if proto < 0:
            return proto
        if base == SOCK_DGRAM and proto == IPPROTO_UDP:
            return SOCK_DGRAM
        return SOCK_STREAM if base == SOCK_STREAM and proto == IPPROTO_TCP else -EAFNOSUPPORT
    if domain != AF_UNIX:
        return -EAFNOSUPPORT
    if protocol not in (0, AF_UNIX):
        return -EPROTONOSUPPORT
    if base == SOCK_RAW:
        return SOCK_DGRAM
    if base not in (SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET):
        return -ESOCKTNOSUPPORT
    return base


def socket_file(task: Task, domain: object, type: object, protocol: object) -> UnixSocket | int:
    """``__sys_socket_file``: :func:`unix_sock_type`, then ``unix_create`` (an unconnected
    SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET socket) or ``inet_create`` (a TCP or a UDP socket)."""
    base = unix_sock_type(domain, type, protocol)
    if base < 0:
        return base
    assert isinstance(type, int) and isinstance(domain, int)
    if _int(domain) in (AF_INET, AF_INET6) and base == SOCK_DGRAM:
        return create_udp(udp_ports(task), task, type & SOCK_NONBLOCK, _int(domain))
    if _int(domain) in (AF_INET, AF_INET6):
        return create_tcp(task.sched.costs, task, type & SOCK_NONBLOCK, _int(domain))
    return create_socket(task.sched.costs, task, type & SOCK_NONBLOCK, base)


def pair_family_error(domain: object, base: int) -> int:
    """``__sys_socketpair`` once both sockets exist: an AF_INET / AF_INET6 socket the kernel
    makes (``base``, from :func:`unix_sock_type`: a type, or -EAFNOSUPPORT for one not
    modelled) has no ``socketpair`` (``sock_no_socketpair``: -EOPNOTSUPP); else 0."""
    inet = isinstance(domain, int) and _int(domain) in (AF_INET, AF_INET6)
    return -EOPNOTSUPP if inet and (base >= 0 or base == -EAFNOSUPPORT) else 0


def _int(v: int) -> int:
    """A C int from any Python int (the low 32 bits, signed)."""
    v &= 0xFFFF_FFFF
    return v - (1 << 32) if v >> 31 else v


def names(task: Task) -> UnixNamespace:
    """The kernel's abstract AF_UNIX namespace."""
    return kernel_of(task.env).ext(UnixNamespace)


def ports(task: Task) -> InetPorts:
    """The kernel's TCP port namespace."""
    return kernel_of(task.env).ext(InetPorts)


def udp_ports(task: Task) -> UdpPorts:
    """The kernel's UDP port namespace."""
    return kernel_of(task.env).ext(UdpPorts)


def bind_sock(task: Task, sock: UnixSocket, name: bytes) -> int:
    """``sock->ops->bind``: ``unix_bind`` or ``inet_bind`` / ``inet6_bind``."""
    if isinstance(sock, TcpSocket):
        return inet_bind(ports(task), task, sock, name)
    if isinstance(sock, UdpSocket):
        return inet_bind(udp_ports(task), task, sock, name)
    return unix_bind(names(task), task, sock, name)


def listen_sock(task: Task, sock: UnixSocket, backlog: int) -> int:
    """``sock->ops->listen``: ``unix_listen`` or ``inet_listen``."""
    if isinstance(sock, TcpSocket):
        return tcp_listen(ports(task), task, sock, backlog)
    return unix_listen(task, sock, backlog)


def connect_sock_nowait(task: Task, sock: UnixSocket, name: bytes) -> int:
    """``sock->ops->connect`` with O_NONBLOCK (io_uring's inline attempt): AF_UNIX's never
    waits; TCP's -EINPROGRESS is -EAGAIN, as ``io_connect`` turns it (it then polls for
    POLLOUT and connects again, which completes it)."""
    if isinstance(sock, TcpSocket):
        ret = tcp_connect(ports(task), task, sock, name, True)
        return -EAGAIN if ret == -EINPROGRESS else ret
    if isinstance(sock, UdpSocket):
        return udp_connect(task, sock, name)
    return connect_nowait(names(task), task, sock, name)


def connect_sock(task: Task, sock: UnixSocket, name: bytes, nonblock: bool) -> Generator[Any, Any, int]:
    """``sock->ops->connect``: ``unix_stream_connect`` (may wait for room in the backlog) or
    ``inet_stream_connect`` (completes within the call on loopback, unless the listener's accept
    queue is full: then a blocking socket waits for the SYN's retransmission)."""
    if isinstance(sock, TcpSocket):
        return (yield from tcp_connect_wait(ports(task), task, sock, name, nonblock))
    if isinstance(sock, UdpSocket):
        return udp_connect(task, sock, name)
    return (yield from unix_connect(names(task), task, sock, name, nonblock))


def sock_of(task: Task, fd: object) -> UnixSocket | int:
    """``sockfd_lookup_light``: -EBADF, -ENOTSOCK, or the socket."""
    file = fdget(task, fd)
    if file is None:
        return -EBADF
    if not isinstance(file, UnixSocket):
        return -ENOTSOCK
    return file


def sys_socket(task: Task, domain: int, type: int, protocol: int) -> int:
    """``__sys_socket``: a new socket's descriptor."""
    sock = socket_file(task, domain, type, protocol)
    if isinstance(sock, int):
        return sock
    return install(task, sock)


def install(task: Task, file: File, limit: int | None = None) -> int:
    """``fd_install`` of a new file (below ``limit``, as :meth:`FdTable.install`); on failure
    the file is released."""
    fd = files_of(task.process).install(file, limit)
    if fd < 0:
        file.get()
        file.put(task)
    return fd


def sys_bind(task: Task, fd: int, addr: Any, addrlen: int) -> int:
    """``__sys_bind``: the socket, the address copy, ``unix_bind``."""
    sock = sock_of(task, fd)
    if isinstance(sock, int):
        return sock
    name = sockaddr_in(addr, addrlen)
    if isinstance(name, int):
        return name
    return bind_sock(task, sock, name)


def sys_listen(task: Task, fd: int, backlog: int) -> int:
    """``__sys_listen``."""
    sock = sock_of(task, fd)
    if isinstance(sock, int):
        return sock
    if not isinstance(backlog, int):
        return -EINVAL
    return listen_sock(task, sock, _int(backlog))


def sys_connect(task: Task, fd: int, addr: Any, addrlen: int) -> Generator[Any, Any, int]:
    """``__sys_connect``: -EBADF, the address copy, -ENOTSOCK, then :func:`connect_sock`
    (an AF_UNIX connect waits for room in the backlog unless the socket is O_NONBLOCK)."""
    file = fdget(task, fd)
    if file is None:
        return -EBADF
    name = sockaddr_in(addr, addrlen)
    if isinstance(name, int):
        return name
    if not isinstance(file, UnixSocket):
        return -ENOTSOCK
    return (yield from connect_sock(task, file, name, file.nonblock))


def sys_accept4(
    task: Task, fd: int, addr: Any, addrlen: Any, flags: int
) -> Generator[Any, Any, int]:
    """``__sys_accept4``: -EBADF, -EINVAL for flags other than SOCK_NONBLOCK | SOCK_CLOEXEC,
    then the new descriptor is taken (``get_unused_fd_flags``: -EMFILE, the connection left
    queued), -ENOTSOCK, then ``unix_accept`` (waits unless the listener is O_NONBLOCK) and the
    peer's address (``move_addr_to_user``; failing there drops the connection)."""
    fds = files_of(task.process)
    file = fds.get(fd) if isinstance(fd, int) else None
    if file is None:
        return -EBADF
    if not isinstance(flags, int) or flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK):
        return -EINVAL
    newfd = fds.install(ReservedFd())
    if newfd < 0:
        return newfd
    ret: UnixSocket | int = -ENOTSOCK
    if isinstance(file, UnixSocket):
        got = yield from unix_accept(task, file, file.nonblock)
        ret = finish_accept(task, got, addr, addrlen, flags)
    if isinstance(ret, int):
        fds.close(newfd, task)  # put_unused_fd
        return ret
    fds.install_at(newfd, ret)
    return newfd


def finish_accept(
    task: Task, got: UnixSocket | int, addr: Any, addrlen: Any, flags: int
) -> UnixSocket | int:
    """The tail of ``do_accept``: the new file's flags, the peer's address to user space
    (a connection already reset has none: -ECONNABORTED; an error there releases the new
    socket, its connection closed)."""
    if isinstance(got, int):
        return got
    got.f_flags = flags & SOCK_NONBLOCK
    if addr is not None:
        name = got.getname(2)  # ops->getname(newsock, addr, 2)
        err = -ECONNABORTED if isinstance(name, int) else sockaddr_out(name, addr, addrlen)
        if err:
            got.get()
            got.put(task)
            return err
    return got


def sys_getsockname(task: Task, fd: int, addr: Any, addrlen: Any) -> int:
    """``__sys_getsockname``: -EBADF / -ENOTSOCK, then the socket's own address
    (``unix_getname`` / ``inet_getname``) to ``addr`` (``move_addr_to_user``)."""
    return _getname(task, fd, addr, addrlen, 0)


def sys_getpeername(task: Task, fd: int, addr: Any, addrlen: Any) -> int:
    """``__sys_getpeername``: as :func:`sys_getsockname` for the peer's address (-ENOTCONN
    without a connected peer)."""
    return _getname(task, fd, addr, addrlen, 1)


def _getname(task: Task, fd: int, addr: Any, addrlen: Any, peer: int) -> int:
    sock = sock_of(task, fd)
    if isinstance(sock, int):
        return sock
    name = sock.getname(peer)
    if isinstance(name, int):
        return name
    return sockaddr_out(name, addr, addrlen)


def sys_getsockopt(task: Task, fd: int, level: int, optname: int, optval: Any, optlen: Any) -> int:
    """``__sys_getsockopt``: -EBADF / -ENOTSOCK, the length read from ``optlen`` (a 4-byte buffer:
    -EFAULT), ``do_sock_getsockopt`` (:func:`~simuring.kernel.objects.sockopt.getsockopt`), the
    length copied stored back in ``optlen``."""
    sock = sock_of(task, fd)
    if isinstance(sock, int):
        return sock
    lenbuf = user_bytes(optlen, 4, kernel_writes=True)
    if isinstance(lenbuf, int) or not (isinstance(level, int) and isinstance(optname, int)):
        return -EFAULT
    ret = getsockopt(task, sock, _int(level), _int(optname), optval, int.from_bytes(lenbuf, "little", signed=True))
    if ret < 0:
        return ret
    lenbuf[:4] = ret.to_bytes(4, "little")
    return 0


def sys_setsockopt(task: Task, fd: int, level: int, optname: int, optval: Any, optlen: int) -> int:
    """``__sys_setsockopt``: -EBADF / -ENOTSOCK, a negative ``optlen`` -EINVAL, then
    ``do_sock_setsockopt`` (:func:`~simuring.kernel.objects.sockopt.setsockopt`)."""
    sock = sock_of(task, fd)
    if isinstance(sock, int):
        return sock
    if not (isinstance(level, int) and isinstance(optname, int) and isinstance(optlen, int)) or _int(optlen) < 0:
        return -EINVAL
    return setsockopt(task, sock, _int(level), _int(optname), optval, _int(optlen))
