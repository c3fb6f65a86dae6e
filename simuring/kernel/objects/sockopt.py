"""Socket options (net/core/sock.c ``sk_getsockopt`` / ``sk_setsockopt``, net/ipv4/tcp.c
``do_tcp_getsockopt`` / ``do_tcp_setsockopt``, net/ipv6/ipv6_sockglue.c): one version for
getsockopt(2) / setsockopt(2) (:mod:`simuring.kernel.sys.net`) and io_uring's URING_CMD
GETSOCKOPT / SETSOCKOPT (:mod:`simuring.opcodes.uring_cmd`, which takes only SOL_SOCKET for
GETSOCKOPT).

* SOL_SOCKET, read (``sk_getsockopt``): a negative length -EINVAL, an option not modelled
  -ENOPROTOOPT, else at most 4 bytes of the int value copied (-EFAULT if the buffer cannot
  take them) and the length copied is the answer (``min(optlen, 4)``).  Modelled: SO_TYPE,
  SO_ERROR (the pending error, consumed), SO_SNDBUF, SO_RCVBUF (``sk_sndbuf`` / ``sk_rcvbuf``:
  ``unix.wmem_default_bytes`` / ``unix.rmem_default_bytes`` on AF_UNIX and UDP sockets until set; a
  TCP socket's are :mod:`.tcp`'s, grown when it connects), SO_ACCEPTCONN,
  SO_PROTOCOL, SO_DOMAIN, SO_RCVLOWAT / SO_SNDLOWAT (1), SO_REUSEADDR, SO_REUSEPORT.
* SOL_SOCKET, written (``sk_setsockopt``): a length under 4 -EINVAL, an unreadable value
  -EFAULT; SO_SNDBUF / SO_RCVBUF take the value capped (as unsigned) at
  ``unix.wmem_max_bytes`` / ``unix.rmem_max_bytes``, doubled, at least SOCK_MIN_SNDBUF
  (4608) / SOCK_MIN_RCVBUF (2304), and locked (SOCK_SNDBUF_LOCK / SOCK_RCVBUF_LOCK: TCP's
  growth at connect leaves a locked send buffer alone), a larger send buffer waking a writer
  waiting for room (``sk_write_space``); SO_REUSEADDR sets ``sk_reuse``; SO_REUSEPORT ``sk_reuseport``
  (-EOPNOTSUPP on an AF_UNIX socket); any other option -ENOPROTOOPT.
* Another level is the protocol's: AF_UNIX has none (-EOPNOTSUPP); UDP's has none of
  IPPROTO_TCP's (set -ENOPROTOOPT; read -EOPNOTSUPP on AF_INET, ``ip_getsockopt``); TCP's
  (``do_tcp_getsockopt`` / ``do_tcp_setsockopt``) at IPPROTO_TCP: TCP_NODELAY (kept, no
  effect: segments are not modelled); the address family's at IPPROTO_IPV6 on an AF_INET6
  socket: IPV6_V6ONLY (set: -EINVAL once the socket holds a port); any other level or
  option -ENOPROTOOPT.  Reading refuses a negative length (-EINVAL) as ``sk_getsockopt``
  does, writing needs 4 bytes (-EINVAL).

Costs: ``[unix]`` ``sockopt_ns`` for each option read or written.  Not modelled: the
SOL_SOCKET options other than those listed (the kernel answers many more: SO_PEERCRED,
SO_LINGER, timeouts...), TCP and IPv6 options other than TCP_NODELAY and IPV6_V6ONLY,
IPPROTO_IP's options: all -ENOPROTOOPT here (an unknown IPPROTO_IP option read on Linux goes on
to netfilter's ``nf_getsockopt``, which may answer otherwise: -EINVAL on the test machine).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from simuring.abi.errno import EFAULT, EINVAL, ENOPROTOOPT, EOPNOTSUPP
from simuring.abi.limits import INT_MAX, U32
from simuring.abi.posix import AF_INET, AF_INET6, IPPROTO_IPV6, IPPROTO_TCP
from simuring.kernel.objects.socket import TCP_LISTEN, WRITE_SPACE_KEY, UnixSocket
from simuring.kernel.objects.tcp import TcpSocket
from simuring.kernel.objects.udp import UdpSocket
from simuring.kernel.uaccess import user_bytes

if TYPE_CHECKING:
    from simuring.host.task import Task


#: <asm-generic/socket.h>
SOL_SOCKET: Final = 1
SO_REUSEADDR: Final = 2
SO_TYPE: Final = 3
SO_ERROR: Final = 4
SO_SNDBUF: Final = 7
SO_RCVBUF: Final = 8
SO_REUSEPORT: Final = 15
SO_RCVLOWAT: Final = 18
SO_SNDLOWAT: Final = 19
SO_ACCEPTCONN: Final = 30
SO_PROTOCOL: Final = 38
SO_DOMAIN: Final = 39
#: <netinet/tcp.h>, <netinet/in.h>
TCP_NODELAY: Final = 1
IPV6_V6ONLY: Final = 26
#: include/net/sock.h: twice / once the smallest skb's true size (2048 + sizeof(struct sk_buff), aligned)
SOCK_MIN_SNDBUF: Final = 4608
SOCK_MIN_RCVBUF: Final = 2304


def _sndbuf(sock: UnixSocket, val: int) -> None:
    """SO_SNDBUF (``sk_setsockopt`` -> ``__sock_set_sndbuf``): ``sk_sndbuf`` set and locked
    (SOCK_SNDBUF_LOCK), then ``sk_write_space`` (``unix_write_space``)."""
    val = min(val & U32, sock.uc.wmem_max_bytes, INT_MAX // 2)
    sock.sndbuf = max(val * 2, SOCK_MIN_SNDBUF)
    sock.sndbuf_lock = True


def _sk_value(sock: UnixSocket, name: int) -> int:
    """``sk_getsockopt``'s value of ``name`` (never negative), or -ENOPROTOOPT."""
    if name == SO_TYPE:
        return sock.sock_type
    if name == SO_ERROR:
        return -sock.sock_error()
    if name == SO_SNDBUF:
        return sock.sndbuf
    if name == SO_RCVBUF:
        return sock.rcvbuf or sock.uc.rmem_default_bytes
    if name == SO_ACCEPTCONN:
        return int(sock.state == TCP_LISTEN)
    if name == SO_PROTOCOL:
        return sock.protocol()
    if name == SO_DOMAIN:
        return sock.domain()
    if name in (SO_RCVLOWAT, SO_SNDLOWAT):
        return 1
    if name == SO_REUSEADDR:
        return int(sock.reuse)
    if name == SO_REUSEPORT:
        return int(sock.reuseport)
    return -ENOPROTOOPT


INET_SOCKETS: Final = (TcpSocket, UdpSocket)
"""The sockets with a protocol level of options (AF_UNIX has none)."""


def _inet_value(sock: TcpSocket | UdpSocket, level: int, name: int) -> int:
    """``do_tcp_getsockopt`` (IPPROTO_TCP), else ``ipv6_getsockopt`` / ``ip_getsockopt``: the value,
    or -ENOPROTOOPT (IPPROTO_TCP on an AF_INET UDP socket reaches ``ip_getsockopt``: -EOPNOTSUPP)."""
    if level == IPPROTO_TCP and isinstance(sock, UdpSocket):
        return -EOPNOTSUPP if sock.family == AF_INET else -ENOPROTOOPT
    if level == IPPROTO_TCP and name == TCP_NODELAY and isinstance(sock, TcpSocket):
        return int(sock.nodelay)
    if level == IPPROTO_IPV6 and sock.family == AF_INET6 and name == IPV6_V6ONLY:
        return int(sock.v6only)
    return -ENOPROTOOPT


def getsockopt(task: Task, sock: UnixSocket, level: int, name: int, optval: object, length: int) -> int:
    """``do_sock_getsockopt`` with the caller's length (a C int) read: the length copied to ``optval``
    (at most 4 bytes of the value), or -errno."""
    if level != SOL_SOCKET and not isinstance(sock, INET_SOCKETS):
        return -EOPNOTSUPP  # AF_UNIX's proto_ops have no getsockopt
    task.charge(sock.uc.sockopt_ns)
    if length < 0:
        return -EINVAL
    if level == SOL_SOCKET:
        val = _sk_value(sock, name)
    else:
        assert isinstance(sock, INET_SOCKETS)
        val = _inet_value(sock, level, name)
    if val < 0:
        return val
    length = min(length, 4)
    dst = user_bytes(optval, length, kernel_writes=True)
    if isinstance(dst, int):
        return dst
    dst[:] = (val & U32).to_bytes(4, "little")[:length]
    return length


def setsockopt(task: Task, sock: UnixSocket, level: int, name: int, optval: object, optlen: int) -> int:
    """``do_sock_setsockopt`` -> ``sk_setsockopt``, or the protocol's ``setsockopt`` for another
    level: 0 or -errno."""
    if level != SOL_SOCKET and not isinstance(sock, INET_SOCKETS):
        return -EOPNOTSUPP  # AF_UNIX's proto_ops have no setsockopt
    task.charge(sock.uc.sockopt_ns)
    if optlen < 4:
        return -EINVAL
    src = user_bytes(optval, 4, kernel_writes=False)
    if isinstance(src, int):
        return -EFAULT
    val = int.from_bytes(src, "little")
    if level != SOL_SOCKET:
        assert isinstance(sock, INET_SOCKETS)
        return _inet_setsockopt(sock, level, name, val)
    if name == SO_REUSEADDR:
        sock.reuse = bool(val)
        return 0
    if name == SO_REUSEPORT:
        if val and not isinstance(sock, INET_SOCKETS):
            return -EOPNOTSUPP  # sk_setsockopt: SO_REUSEPORT is for inet sockets
        sock.reuseport = bool(val)
        return 0
    if name == SO_SNDBUF:
        _sndbuf(sock, val)
        if sock.write_space() and not sock.closed:
            sock.wq.wake(task, WRITE_SPACE_KEY)
        return 0
    if name == SO_RCVBUF:
        val = min(val, sock.uc.rmem_max_bytes, INT_MAX // 2)
        sock.rcvbuf = max(val * 2, SOCK_MIN_RCVBUF)  # __sock_set_rcvbuf
        sock.rcvbuf_lock = True
        return 0
    return -ENOPROTOOPT


def _inet_setsockopt(sock: TcpSocket | UdpSocket, level: int, name: int, val: int) -> int:
    """``tcp_setsockopt`` (IPPROTO_TCP), else ``ipv6_setsockopt`` / ``ip_setsockopt``."""
    if level == IPPROTO_TCP:
        if name != TCP_NODELAY or isinstance(sock, UdpSocket):
            return -ENOPROTOOPT
        sock.nodelay = bool(val)
        return 0
    if level != IPPROTO_IPV6 or sock.family != AF_INET6 or name != IPV6_V6ONLY:
        return -ENOPROTOOPT
    if sock.lport:
        return -EINVAL  # do_ipv6_setsockopt: not once the socket holds a port
    sock.v6only = bool(val)
    return 0
