"""IORING_OP_URING_CMD (io_uring/uring_cmd.c) on simulated files: the socket commands of
``io_uring_cmd_sock`` (io_uring/cmd_net.c) on AF_UNIX sockets and TCP sockets.

Prep (``io_uring_cmd_prep``), in the kernel's order, each -EINVAL: the high half of ``off``
(``__pad1``) non-zero; a ``uring_cmd_flags`` bit outside IORING_URING_CMD_MASK;
IORING_URING_CMD_FIXED with IORING_URING_CMD_MULTISHOT (FIXED alone takes ``buf_index``,
checked only when a command imports the buffer: no socket command does);
IORING_URING_CMD_MULTISHOT without IOSQE_BUFFER_SELECT or the reverse.  The command is the low
half of ``off`` (``cmd_op``); the socket commands read ``level`` / ``optname`` (the low and
high halves of ``addr``), ``optval`` (``addr3``) and ``optlen`` (``file_index``), taken here
with the SQE.  A non-zero ``ioprio`` is -EINVAL at submission (URING_CMD takes none).

Issue (``io_uring_cmd``): a file without a ``uring_cmd`` method (anything but a socket here:
pipes, regular files, eventfds...) is -EOPNOTSUPP; on an IORING_SETUP_IOPOLL ring a socket
is -EOPNOTSUPP too (no ``uring_cmd_iopoll``).  Then ``io_uring_cmd_sock`` by ``cmd_op``:

* SOCKET_URING_OP_SIOCINQ / SIOCOUTQ: the protocol's ``ioctl`` answers them, and AF_UNIX's
  ``struct proto`` has none (ioctl(2) goes through ``unix_ioctl`` in its ``proto_ops``
  instead): -EOPNOTSUPP.  TCP's (``tcp_ioctl``): -EINVAL on a listener; SIOCINQ the bytes
  queued unread, SIOCOUTQ the bytes sent but not acknowledged, always 0 in the model
  (loopback acknowledges at once; the kernel may hold the ACK back: not modelled).
* SOCKET_URING_OP_GETSOCKOPT (``io_uring_cmd_getsockopt``): a level other than SOL_SOCKET is
  -EOPNOTSUPP; then ``sk_getsockopt``: a negative ``optlen`` -EINVAL, an option not modelled
  -ENOPROTOOPT, else at most 4 bytes of the int value are copied to ``optval`` (-EFAULT if it
  cannot take them) and the result is the length copied (``min(optlen, 4)``).  Modelled:
  SO_TYPE, SO_ERROR (the pending error, consumed), SO_SNDBUF, SO_RCVBUF
  (``unix.rmem_default_bytes`` until set; a TCP socket's the same, not TCP's autotuned
  sizes), SO_ACCEPTCONN, SO_PROTOCOL (0, or IPPROTO_TCP), SO_DOMAIN, SO_RCVLOWAT /
  SO_SNDLOWAT (1), SO_REUSEADDR, SO_REUSEPORT.
* SOCKET_URING_OP_SETSOCKOPT (``io_uring_cmd_setsockopt``, ``do_sock_setsockopt``): a level
  other than SOL_SOCKET is the protocol's: -EOPNOTSUPP on AF_UNIX (no ``setsockopt`` of its
  own); on TCP ``tcp_setsockopt`` (IPPROTO_TCP: TCP_NODELAY, another option -ENOPROTOOPT)
  or the address family's (IPPROTO_IPV6 on an AF_INET6 socket: IPV6_V6ONLY, -EINVAL once
  the socket holds a port; any other level or option -ENOPROTOOPT), each with an
  ``optlen`` under 4 -EINVAL.  SOL_SOCKET is ``sk_setsockopt``: an ``optlen`` under 4
  -EINVAL, an unreadable ``optval`` -EFAULT; SO_SNDBUF / SO_RCVBUF take the value capped (as
  unsigned) at ``unix.wmem_max_bytes`` / ``unix.rmem_max_bytes``, doubled, at least
  SOCK_MIN_SNDBUF (4608) / SOCK_MIN_RCVBUF (2304); a larger send buffer wakes a writer
  waiting for room (``sk_write_space``); SO_REUSEADDR sets ``sk_reuse``; SO_REUSEPORT
  ``sk_reuseport`` (-EOPNOTSUPP on an AF_UNIX socket); any other option -ENOPROTOOPT.  The
  result is 0.
* SOCKET_URING_OP_TX_TIMESTAMP: on a ring without 32-byte CQEs -EINVAL (the model answers the
  same on a ring with them: see below).
* any other ``cmd_op``: -EOPNOTSUPP.

An error fails the link.  Not modelled: the SOL_SOCKET options other than those listed (the
kernel answers many more: SO_PEERCRED, SO_LINGER, timeouts...) and TCP / IPv6 options other
than TCP_NODELAY and IPV6_V6ONLY, which the model answers -ENOPROTOOPT; TX_TIMESTAMP on CQE32 rings; ``uring_cmd`` of other files (NVMe, ublk,
FUSE); MULTISHOT commands.

Costs: ``[unix]`` ``sockopt_ns`` (each GETSOCKOPT / SETSOCKOPT that reaches the option code).
"""

from __future__ import annotations

from typing import Final

from simuring.abi.errno import EFAULT, EINVAL, ENOPROTOOPT, EOPNOTSUPP
from simuring.abi.io_uring import (
    IORING_OP_URING_CMD,
    IORING_SETUP_IOPOLL,
    IORING_URING_CMD_FIXED,
    IORING_URING_CMD_MASK,
    IORING_URING_CMD_MULTISHOT,
    IOSQE_BUFFER_SELECT,
    SOCKET_URING_OP_GETSOCKOPT,
    SOCKET_URING_OP_SETSOCKOPT,
    SOCKET_URING_OP_SIOCINQ,
    SOCKET_URING_OP_SIOCOUTQ,
    SOCKET_URING_OP_TX_TIMESTAMP,
    Sqe,
)
from simuring.abi.posix import AF_INET6, IPPROTO_IPV6, IPPROTO_TCP
from simuring.kernel.objects.socket import TCP_LISTEN, WRITE_SPACE_KEY, UnixSocket
from simuring.kernel.objects.tcp import TcpSocket
from simuring.kernel.opdef import IssueResult, OpDef
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request
from simuring.kernel.uaccess import user_bytes

U32: Final = 0xFFFF_FFFF
INT_MAX: Final = 0x7FFF_FFFF

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


def _int(v: int) -> int:
    """The low 32 bits of ``v`` as a C int."""
    v &= U32
    return v - (1 << 32) if v >> 31 else v


class CmdOp:
    """``struct io_uring_cmd`` with the socket fields of its SQE."""

    __slots__ = ("cmd_op", "level", "optname", "optval", "optlen")

    def __init__(self, cmd_op: int, level: int, optname: int, optval: object, optlen: int) -> None:
        self.cmd_op = cmd_op
        self.level = level
        self.optname = optname
        self.optval = optval
        self.optlen = optlen


def uring_cmd_prep(req: Request, sqe: Sqe) -> int:
    """``io_uring_cmd_prep``."""
    off, flags = sqe.off, sqe.op_flags
    if not isinstance(off, int) or (off >> 32) & U32:
        return -EINVAL  # __pad1 (a pointer object stands for an address: never just a cmd_op)
    if not isinstance(flags, int) or flags & U32 & ~IORING_URING_CMD_MASK:
        return -EINVAL
    if flags & IORING_URING_CMD_FIXED and flags & IORING_URING_CMD_MULTISHOT:
        return -EINVAL
    if bool(flags & IORING_URING_CMD_MULTISHOT) != bool(req.flags & IOSQE_BUFFER_SELECT):
        return -EINVAL
    addr, optlen = sqe.addr, sqe.file_index
    if isinstance(addr, int):
        level, optname = _int(addr), _int(addr >> 32)
    else:  # an object stands for a pointer: not a level the socket code knows
        level, optname = -1, -1
    optval = sqe.addr3
    req.op = CmdOp(off & U32, level, optname, None if optval == 0 else optval,
                   _int(optlen) if isinstance(optlen, int) else -1)  # fmt: skip
    return 0


def _sndbuf(sock: UnixSocket, val: int) -> None:
    """SO_SNDBUF: ``sk_sndbuf`` set, then ``sk_write_space`` (``unix_write_space``)."""
    val = min(val & U32, sock.uc.wmem_max_bytes, INT_MAX // 2)
    sock.sndbuf = max(val * 2, SOCK_MIN_SNDBUF)


def getsockopt(req: Request, sock: UnixSocket, op: CmdOp) -> int:
    """``io_uring_cmd_getsockopt`` -> ``do_sock_getsockopt`` -> ``sk_getsockopt``."""
    if op.level != SOL_SOCKET:
        return -EOPNOTSUPP
    req.worker.charge(sock.uc.sockopt_ns)
    length = op.optlen
    if length < 0:
        return -EINVAL
    name = op.optname
    if name == SO_TYPE:
        val = sock.sock_type
    elif name == SO_ERROR:
        val = -sock.sock_error()
    elif name == SO_SNDBUF:
        val = sock.sndbuf
    elif name == SO_RCVBUF:
        val = sock.rcvbuf or sock.uc.rmem_default_bytes
    elif name == SO_ACCEPTCONN:
        val = int(sock.state == TCP_LISTEN)
    elif name == SO_PROTOCOL:
        val = sock.protocol()
    elif name == SO_DOMAIN:
        val = sock.domain()
    elif name in (SO_RCVLOWAT, SO_SNDLOWAT):
        val = 1
    elif name == SO_REUSEADDR:
        val = int(sock.reuse)
    elif name == SO_REUSEPORT:
        val = int(sock.reuseport)
    else:
        return -ENOPROTOOPT
    length = min(length, 4)
    dst = user_bytes(op.optval, length, kernel_writes=True)
    if isinstance(dst, int):
        return dst
    dst[:] = (val & U32).to_bytes(4, "little")[:length]
    return length


def setsockopt(req: Request, sock: UnixSocket, op: CmdOp) -> int:
    """``io_uring_cmd_setsockopt`` -> ``do_sock_setsockopt`` -> ``sk_setsockopt``, or the
    protocol's ``setsockopt`` for another level."""
    if op.level != SOL_SOCKET and not isinstance(sock, TcpSocket):
        return -EOPNOTSUPP  # AF_UNIX's proto_ops have no setsockopt
    task = req.worker
    task.charge(sock.uc.sockopt_ns)
    if op.optlen < 4:
        return -EINVAL
    src = user_bytes(op.optval, 4, kernel_writes=False)
    if isinstance(src, int):
        return -EFAULT
    val = int.from_bytes(src, "little")
    if op.level != SOL_SOCKET:
        assert isinstance(sock, TcpSocket)
        return _inet_setsockopt(sock, op.level, op.optname, val)
    if op.optname == SO_REUSEADDR:
        sock.reuse = bool(val)
        return 0
    if op.optname == SO_REUSEPORT:
        if val and not isinstance(sock, TcpSocket):
            return -EOPNOTSUPP  # sk_setsockopt: SO_REUSEPORT is for inet sockets
        sock.reuseport = bool(val)
        return 0
    if op.optname == SO_SNDBUF:
        _sndbuf(sock, val)
        if sock.write_space() and not sock.closed:
            sock.wq.wake(task, WRITE_SPACE_KEY)
        return 0
    if op.optname == SO_RCVBUF:
        val = min(val, sock.uc.rmem_max_bytes, INT_MAX // 2)
        sock.rcvbuf = max(val * 2, SOCK_MIN_RCVBUF)
        return 0
    return -ENOPROTOOPT


def _inet_setsockopt(sock: TcpSocket, level: int, name: int, val: int) -> int:
    """``tcp_setsockopt`` (IPPROTO_TCP), else ``ipv6_setsockopt`` / ``ip_setsockopt``."""
    if level == IPPROTO_TCP:
        if name != TCP_NODELAY:
            return -ENOPROTOOPT
        sock.nodelay = bool(val)
        return 0
    if level != IPPROTO_IPV6 or sock.family != AF_INET6 or name != IPV6_V6ONLY:
        return -ENOPROTOOPT
    if sock.lport:
        return -EINVAL  # do_ipv6_setsockopt: not once the socket holds a port
    sock.v6only = bool(val)
    return 0


def ioctl_queue(sock: UnixSocket, cmd: int) -> int:
    """``tcp_ioctl`` SIOCINQ / SIOCOUTQ (``sk->sk_prot->ioctl``): -EOPNOTSUPP without one
    (AF_UNIX), -EINVAL on a listener, else the unread bytes / the unacknowledged ones (0)."""
    if not isinstance(sock, TcpSocket):
        return -EOPNOTSUPP
    if sock.state == TCP_LISTEN:
        return -EINVAL
    return sum(len(skb.data) for skb in sock.rxq) if cmd == SOCKET_URING_OP_SIOCINQ else 0


def uring_cmd_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_uring_cmd`` -> ``io_uring_cmd_sock``."""
    sock = req.file
    if not isinstance(sock, UnixSocket) or req.ctx.flags & IORING_SETUP_IOPOLL:
        return -EOPNOTSUPP  # no f_op->uring_cmd, or no uring_cmd_iopoll
    op: CmdOp = req.op
    cmd = op.cmd_op
    if cmd == SOCKET_URING_OP_GETSOCKOPT:
        return getsockopt(req, sock, op)
    if cmd == SOCKET_URING_OP_SETSOCKOPT:
        return setsockopt(req, sock, op)
    if cmd == SOCKET_URING_OP_TX_TIMESTAMP:
        return -EINVAL  # io_uring_cmd_timestamp without 32-byte CQEs (with them: not modelled)
    if cmd in (SOCKET_URING_OP_SIOCINQ, SOCKET_URING_OP_SIOCOUTQ):
        return ioctl_queue(sock, cmd)
    return -EOPNOTSUPP


def register(registry: PluginRegistry) -> None:
    registry.add_opcode(
        OpDef(
            IORING_OP_URING_CMD, issue=uring_cmd_issue, prep=uring_cmd_prep, name="URING_CMD",
            needs_file=True, iopoll=True, buffer_select=True,
        )
    )  # fmt: skip
