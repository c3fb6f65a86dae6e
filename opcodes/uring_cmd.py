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
  queued unread, SIOCOUTQ the bytes sent but not acknowledged, always 0 in the model (on
  Linux 6.18.44 it is 0 once a send that fits the peer's receive window returns: the segments
  and their ACKs are processed within the send; bytes beyond the window, held back, are not
  modelled).
* SOCKET_URING_OP_GETSOCKOPT (``io_uring_cmd_getsockopt``): a level other than SOL_SOCKET is
  -EOPNOTSUPP; then ``do_sock_getsockopt`` with ``optlen`` as the length
  (:func:`simuring.kernel.objects.sockopt.getsockopt`): the result is the length copied.
* SOCKET_URING_OP_SETSOCKOPT (``io_uring_cmd_setsockopt``): ``do_sock_setsockopt``
  (:func:`simuring.kernel.objects.sockopt.setsockopt`), any level: 0 or -errno.
* SOCKET_URING_OP_TX_TIMESTAMP: on a ring without 32-byte CQEs -EINVAL (the model answers the
  same on a ring with them: see below).
* any other ``cmd_op``: -EOPNOTSUPP.

An error fails the link.  Not modelled: the options :mod:`simuring.kernel.objects.sockopt`
does not list (-ENOPROTOOPT); TX_TIMESTAMP on CQE32 rings; ``uring_cmd`` of other files (NVMe,
ublk, FUSE); MULTISHOT commands.

Costs: ``[unix]`` ``sockopt_ns`` (each GETSOCKOPT / SETSOCKOPT that reaches the option code).
"""

from __future__ import annotations

from typing import Final

from simuring.abi.errno import EINVAL, EOPNOTSUPP
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
from simuring.kernel.objects.socket import TCP_LISTEN, UnixSocket
from simuring.kernel.objects.sockopt import SOL_SOCKET, getsockopt, setsockopt
from simuring.kernel.objects.tcp import TcpSocket
from simuring.kernel.objects.udp import UdpSocket
from simuring.kernel.opdef import IssueResult, OpDef
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request

U32: Final = 0xFFFF_FFFF


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


def _getsockopt(req: Request, sock: UnixSocket, op: CmdOp) -> int:
    """``io_uring_cmd_getsockopt``: SOL_SOCKET only (-EOPNOTSUPP), then ``do_sock_getsockopt``;
    the result is the length copied."""
    if op.level != SOL_SOCKET:
        return -EOPNOTSUPP
    return getsockopt(req.worker, sock, op.level, op.optname, op.optval, op.optlen)


def ioctl_queue(sock: UnixSocket, cmd: int) -> int:
    """``tcp_ioctl`` / ``udp_ioctl`` SIOCINQ / SIOCOUTQ (``sk->sk_prot->ioctl``): -EOPNOTSUPP
    without one (AF_UNIX); TCP: -EINVAL on a listener, else the unread bytes / the
    unacknowledged ones (0); UDP: :meth:`~simuring.kernel.objects.udp.UdpSocket.queue_ioctl`."""
    if isinstance(sock, UdpSocket):
        return sock.queue_ioctl(cmd == SOCKET_URING_OP_SIOCINQ)
    if not isinstance(sock, TcpSocket):
        return -EOPNOTSUPP
    if sock.state == TCP_LISTEN:
        return -EINVAL
    return sock.rx_bytes() if cmd == SOCKET_URING_OP_SIOCINQ else 0


def uring_cmd_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_uring_cmd`` -> ``io_uring_cmd_sock``."""
    sock = req.file
    if not isinstance(sock, UnixSocket) or req.ctx.flags & IORING_SETUP_IOPOLL:
        return -EOPNOTSUPP  # no f_op->uring_cmd, or no uring_cmd_iopoll
    op: CmdOp = req.op
    cmd = op.cmd_op
    if cmd == SOCKET_URING_OP_GETSOCKOPT:
        return _getsockopt(req, sock, op)
    if cmd == SOCKET_URING_OP_SETSOCKOPT:
        return setsockopt(req.worker, sock, op.level, op.optname, op.optval, op.optlen)  # io_uring_cmd_setsockopt
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
