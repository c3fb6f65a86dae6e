"""IORING_OP_SOCKET / BIND / LISTEN / CONNECT / ACCEPT (io_uring/net.c) on simulated AF_UNIX sockets
(stream, datagram and seqpacket; a datagram CONNECT is ``unix_dgram_connect`` and completes inline)
and TCP sockets over loopback.

The sockets and their calls are :mod:`simuring.kernel.objects.unix_conn`
(``unix_create``, ``unix_bind``, ``unix_listen``, ``unix_stream_connect``,
``unix_accept``) and :mod:`simuring.kernel.objects.tcp`, each picked by
:mod:`simuring.kernel.sys.net`; a connection made here is a connected pair as
``socketpair(2)`` makes, for SEND / RECV / poll (:mod:`.net`).

SOCKET (``io_socket_prep`` / ``io_socket``): no file; ``fd`` is the domain,
``off`` the type (with SOCK_NONBLOCK / SOCK_CLOEXEC), ``len`` the protocol.
Prep: a non-zero ``addr``, op flags word or ``buf_index`` is -EINVAL, a type
flag other than SOCK_NONBLOCK / SOCK_CLOEXEC -EINVAL, SOCK_CLOEXEC with a
``file_index`` -EINVAL.  Issue: ``__sys_socket_file`` (errors fail the
link), then the lowest free descriptor, or with ``file_index`` the
registered slot (``io_fixed_fd_install``: ``file_index - 1``, result 0; or
IORING_FILE_INDEX_ALLOC, result the slot; -ENXIO without a table, -EINVAL
past its end, -ENFILE when full; the socket is freed), whose error is set
without ``req_set_fail`` (the link goes on).

BIND / LISTEN (``io_bind_prep`` / ``io_listen_prep``): need a file.  BIND:
a non-zero ``len``, ``buf_index``, op flags or ``file_index`` is -EINVAL;
``addr`` / ``addr2`` are the address and its length, copied at prep
(``move_addr_to_kernel``: a length negative as an int or above 128 is
-EINVAL, unreadable memory -EFAULT).  LISTEN: a non-zero ``addr``,
``buf_index``, op flags, ``file_index`` or ``addr2`` is -EINVAL; ``len`` is
the backlog.  Issue inline: -ENOTSOCK for a file that is not a socket, then
``__sys_bind_socket`` / ``__sys_listen_socket`` (an error fails the link).

CONNECT (``io_connect_prep`` / ``io_connect``): prep as BIND's.  Issue:
-ENOTSOCK, then ``unix_stream_connect`` with O_NONBLOCK inline: it
completes at once (0, -ECONNREFUSED, -EISCONN, ...) or, with the listener's
backlog full, answers -EAGAIN, which arms the fast poll for POLLOUT; an
unconnected socket is always writable, so the poll fires at once and the
request is re-issued until its poll budget is spent, then goes to io-wq,
where the connect sleeps until an accept makes room (unless the socket is
O_NONBLOCK: -EAGAIN).  Forced async (IOSQE_ASYNC) it tries once without
waiting, then waits in the worker.  A TCP connect answers -EINPROGRESS inline
(``io_connect`` takes it as -EAGAIN): the poll for POLLOUT fires once the
handshake is over (at once on loopback, or when a dropped SYN's retransmission
gets through) and the re-issued connect answers 0 or the error
(-ECONNREFUSED).

ACCEPT (``io_accept_prep`` / ``io_accept``): ``addr`` / ``addr2`` are the
peer address buffer and its length word (see
:func:`~simuring.kernel.objects.unix_conn.sockaddr_out`), ``accept_flags``
SOCK_NONBLOCK / SOCK_CLOEXEC for the new file, ``ioprio`` the IORING_ACCEPT_*
flags.  Prep: a non-zero ``len`` or ``buf_index``, an unknown ioprio flag,
SOCK_CLOEXEC with a ``file_index``, MULTISHOT with a ``file_index`` other
than IORING_FILE_INDEX_ALLOC, another accept flag: -EINVAL.  Issue:
POLL_FIRST answers -EAGAIN the first time (the poll is armed); then
``do_accept`` (-ENOTSOCK, ``unix_accept`` with O_NONBLOCK: -EINVAL for a
socket not listening, -EAGAIN with nothing pending, which arms the fast
poll for POLLIN, exclusive (``.poll_exclusive``): of several waiting
accepts the oldest gets the connection), the peer's address, then the
descriptor or registered slot as SOCKET's (an error frees the accepted
socket: its peer sees the connection closed).  IORING_ACCEPT_DONTWAIT: an
accept that would wait completes with -EAGAIN.  Any error fails the link.
An AF_UNIX accept's CQE never carries IORING_CQE_F_SOCK_NONEMPTY
(``unix_accept`` never says whether more is queued); a TCP one does while
more connections are queued (``inet_csk_accept``'s ``is_empty``).  MULTISHOT (REQ_F_APOLL_MULTISHOT): each accepted
connection posts a CQE with IORING_CQE_F_MORE and the request tries again
at once (AF_UNIX leaves ``is_empty`` unknown), until nothing is pending: it
then waits in its poll (no budget spent); it ends with a CQE without
F_MORE on an error, on cancellation (-ECANCELED), or when the CQ has no
room for another CQE (the last result goes in the final CQE).  In io-wq
(IOSQE_ASYNC) a multishot accept only arms its poll; a single one tries
once without waiting and polls, else waits in ``unix_accept`` (a listener
made O_NONBLOCK answers -EAGAIN there).

Costs: ``[unix]`` ``socket_ns``, ``bind_ns``, ``listen_ns``, ``connect_ns``,
``accept_ns`` (charged by the socket calls).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Final

from simuring.abi.errno import EAGAIN, EINTR, EINVAL, EMFILE, ENOTSOCK, ERESTARTSYS
from simuring.abi.io_uring import (
    IORING_ACCEPT_DONTWAIT,
    IORING_ACCEPT_MULTISHOT,
    IORING_ACCEPT_POLL_FIRST,
    IORING_CQE_F_MORE,
    IORING_CQE_F_SOCK_NONEMPTY,
    IORING_FILE_INDEX_ALLOC,
    IORING_OP_ACCEPT,
    IORING_OP_BIND,
    IORING_OP_CONNECT,
    IORING_OP_LISTEN,
    IORING_OP_SOCKET,
    IOSQE_ASYNC,
    Sqe,
)
from simuring.abi.posix import SOCK_CLOEXEC, SOCK_NONBLOCK
from simuring.kernel.files import files_of
from simuring.kernel.objects.socket import UnixSocket
from simuring.kernel.objects.unix_conn import accept_nowait, sockaddr_in, unix_accept
from simuring.kernel.opdef import IO_URING_F_NONBLOCK, ISSUE_SKIP_COMPLETE, IssueResult, OpDef
from simuring.kernel.poll import APOLL_MAX_RETRY, arm_poll
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request, post_completion
from simuring.kernel.rsrc import fixed_fd_install
from simuring.kernel.sys.net import (
    bind_sock,
    connect_sock,
    connect_sock_nowait,
    finish_accept,
    install,
    listen_sock,
    socket_file,
)

if TYPE_CHECKING:
    import simpy

U32: Final = 0xFFFF_FFFF
ACCEPT_FLAGS: Final = IORING_ACCEPT_MULTISHOT | IORING_ACCEPT_DONTWAIT | IORING_ACCEPT_POLL_FIRST


def _nz(v: object) -> bool:
    """A field is set: anything but 0 or None (an object stands for a pointer)."""
    return not (v is None or (isinstance(v, int) and v == 0))


def _int(v: int) -> int:
    """The low 32 bits of ``v`` as a C int."""
    v &= U32
    return v - (1 << 32) if v >> 31 else v


def _install(req: Request, sock: UnixSocket, file_slot: int) -> int:
    """A new socket's descriptor (below the RLIMIT_NOFILE read at prep, the op's ``nofile``),
    or ``io_fixed_fd_install`` into the registered table."""
    if not file_slot:
        return install(req.worker, sock, req.op.nofile)
    return fixed_fd_install(req.worker, req.ctx, sock, file_slot)


# -- SOCKET --------------------------------------------------------------------------------


class SocketOp:
    """``struct io_socket``."""

    __slots__ = ("domain", "type", "protocol", "file_slot", "nofile")

    def __init__(self, domain: int, type: int, protocol: int, file_slot: int, nofile: int) -> None:
        self.domain = domain
        self.type = type
        self.protocol = protocol
        self.file_slot = file_slot
        self.nofile = nofile  # RLIMIT_NOFILE when prepared (io_socket_prep)


def socket_prep(req: Request, sqe: Sqe) -> int:
    """``io_socket_prep``."""
    if _nz(sqe.addr) or _nz(sqe.op_flags) or _nz(sqe.buf_index):
        return -EINVAL
    domain, type, protocol, slot = sqe.fd, sqe.off, sqe.len, sqe.file_index
    if not (
        isinstance(domain, int)
        and isinstance(type, int)
        and isinstance(protocol, int)
        and isinstance(slot, int)
    ):
        return -EINVAL
    type = _int(type)
    slot &= U32
    flags = type & ~0xF
    if slot and flags & SOCK_CLOEXEC:
        return -EINVAL
    if flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK):
        return -EINVAL
    req.op = SocketOp(_int(domain), type, _int(protocol), slot, files_of(req.task.process).limit)
    return 0


def socket_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_socket``."""
    op: SocketOp = req.op
    sock = socket_file(req.worker, op.domain, op.type, op.protocol)
    if isinstance(sock, int):
        return sock
    ret = _install(req, sock, op.file_slot)
    if ret < 0 and op.file_slot:
        post_completion(req.worker, req, ret, set_fail=False)  # io_req_set_res without req_set_fail
        return ISSUE_SKIP_COMPLETE
    return ret


# -- BIND / LISTEN / CONNECT ---------------------------------------------------------------


def _addr_prep(req: Request, sqe: Sqe) -> int:
    """``io_bind_prep`` / ``io_connect_prep``: the field checks, then ``move_addr_to_kernel``."""
    if _nz(sqe.len) or _nz(sqe.buf_index) or _nz(sqe.op_flags) or _nz(sqe.file_index):
        return -EINVAL
    length = sqe.off
    name = sockaddr_in(sqe.addr, length & U32 if isinstance(length, int) else length)
    if isinstance(name, int):
        return name
    req.op = name
    return 0


def bind_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_bind``."""
    sock = req.file
    if not isinstance(sock, UnixSocket):
        return -ENOTSOCK
    return bind_sock(req.worker, sock, req.op)


def listen_prep(req: Request, sqe: Sqe) -> int:
    """``io_listen_prep``."""
    if (
        _nz(sqe.addr)
        or _nz(sqe.buf_index)
        or _nz(sqe.op_flags)
        or _nz(sqe.file_index)
        or _nz(sqe.off)
    ):
        return -EINVAL
    backlog = sqe.len
    if not isinstance(backlog, int):
        return -EINVAL
    req.op = _int(backlog)
    return 0


def listen_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_listen``."""
    sock = req.file
    if not isinstance(sock, UnixSocket):
        return -ENOTSOCK
    return listen_sock(req.worker, sock, req.op)


def connect_issue_nowait(req: Request, issue_flags: int) -> IssueResult:
    """``io_connect`` inline: ``__sys_connect_file`` with O_NONBLOCK."""
    sock = req.file
    if not isinstance(sock, UnixSocket):
        return -ENOTSOCK
    return connect_sock_nowait(req.worker, sock, req.op)


def connect_issue(req: Request, issue_flags: int) -> Generator[simpy.Event, Any, IssueResult]:
    """``io_connect`` from io-wq: forced async it tries without waiting and polls; otherwise
    (or when the poll is ready at once) it waits for room unless the socket is O_NONBLOCK."""
    if issue_flags & IO_URING_F_NONBLOCK:
        return connect_issue_nowait(req, issue_flags)
    sock = req.file
    if not isinstance(sock, UnixSocket):
        return -ENOTSOCK
    task = req.worker
    if req.flags & IOSQE_ASYNC:
        ret = connect_sock_nowait(task, sock, req.op)
        if ret != -EAGAIN or sock.nonblock:
            return ret
        if arm_poll(task, req, iowq=True):
            return ISSUE_SKIP_COMPLETE
    ret = yield from connect_sock(task, sock, req.op, sock.nonblock)
    return -EINTR if ret == -ERESTARTSYS else ret  # io_connect: an interrupted wait


# -- ACCEPT --------------------------------------------------------------------------------


class AcceptOp:
    """``struct io_accept``."""

    __slots__ = ("addr", "addr_len", "flags", "iou_flags", "file_slot", "nofile")

    def __init__(
        self, addr: object, addr_len: object, flags: int, iou_flags: int, file_slot: int, nofile: int
    ) -> None:
        self.addr = addr
        self.addr_len = addr_len
        self.flags = flags
        self.iou_flags = iou_flags
        self.file_slot = file_slot
        self.nofile = nofile  # RLIMIT_NOFILE when prepared (io_accept_prep)


def accept_prep(req: Request, sqe: Sqe) -> int:
    """``io_accept_prep``."""
    if _nz(sqe.len) or _nz(sqe.buf_index):
        return -EINVAL
    flags, iou, slot = sqe.op_flags, sqe.ioprio, sqe.file_index
    if not (isinstance(flags, int) and isinstance(iou, int) and isinstance(slot, int)):
        return -EINVAL
    flags, iou, slot = _int(flags), iou & 0xFFFF, slot & U32
    if iou & ~ACCEPT_FLAGS:
        return -EINVAL
    if slot:
        if flags & SOCK_CLOEXEC:
            return -EINVAL
        if iou & IORING_ACCEPT_MULTISHOT and slot != IORING_FILE_INDEX_ALLOC:
            return -EINVAL
    if flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK):
        return -EINVAL
    addr = sqe.addr
    req.op = AcceptOp(
        None if isinstance(addr, int) and addr == 0 else addr,
        sqe.off,
        flags,
        iou,
        slot,
        files_of(req.task.process).limit,
    )
    return 0


def _polled(req: Request) -> bool:
    """REQ_F_POLLED: the request has armed its fast poll at least once."""
    return req.apoll_retries is not None


def _accepted(req: Request, op: AcceptOp, got: UnixSocket | int) -> int:
    """The tail of ``do_accept`` and ``io_accept``: the peer's address, then the descriptor or
    slot; the request's CQE flags are IORING_CQE_F_SOCK_NONEMPTY when the listener says more
    connections are queued (``!arg.is_empty``: TCP; AF_UNIX never says), else none."""
    sock = finish_accept(req.worker, got, op.addr, op.addr_len, op.flags)
    if isinstance(sock, int):
        return sock
    listener = req.file
    more = isinstance(listener, UnixSocket) and listener.more_queued()
    req.cflags = IORING_CQE_F_SOCK_NONEMPTY if more else 0
    return _install(req, sock, op.file_slot)


def _no_fd(req: Request, op: AcceptOp) -> bool:
    """``io_accept``'s ``__get_unused_fd_flags`` before ``do_accept``: a descriptor is needed
    (no ``file_index``) and none is free below the ``nofile`` read at prep (-EMFILE, the
    connection left queued)."""
    return not op.file_slot and files_of(req.task.process).unused(op.nofile) < 0


def _accept_again(req: Request, op: AcceptOp) -> IssueResult:
    """-EAGAIN: the request polls (a multishot one keeps its poll armed, no budget spent);
    with IORING_ACCEPT_DONTWAIT (REQ_F_NOWAIT) it fails with -EAGAIN instead."""
    if op.iou_flags & IORING_ACCEPT_DONTWAIT:
        post_completion(req.worker, req, -EAGAIN)
        return ISSUE_SKIP_COMPLETE
    if op.iou_flags & IORING_ACCEPT_MULTISHOT:
        req.apoll_retries = APOLL_MAX_RETRY
    return -EAGAIN


def accept_nowait_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_accept`` with IO_URING_F_NONBLOCK (``unix_accept`` with O_NONBLOCK)."""
    op: AcceptOp = req.op
    if op.iou_flags & IORING_ACCEPT_POLL_FIRST and not _polled(req):
        return _accept_again(req, op)
    multishot = op.iou_flags & IORING_ACCEPT_MULTISHOT
    ctx = req.ctx
    while True:
        if _no_fd(req, op):
            return -EMFILE
        listener = req.file
        got = accept_nowait(req.worker, listener) if isinstance(listener, UnixSocket) else -ENOTSOCK
        if got == -EAGAIN:
            return _accept_again(req, op)
        ret = _accepted(req, op, got)
        if ret < 0 or not multishot or ctx.overflow or ctx.cq_ready() >= ctx.cq_entries:
            return ret
        ctx.post_cqe(req.worker, req.user_data, ret, IORING_CQE_F_MORE | req.cflags, req=req)  # io_req_post_cqe
        req.cflags = 0


def accept_issue(req: Request, issue_flags: int) -> Generator[simpy.Event, Any, IssueResult]:
    """``io_accept`` from io-wq (``io_wq_submit_work``): a multishot accept arms its poll;
    forced async a single one tries without waiting, then polls; otherwise it waits in
    ``unix_accept`` (O_NONBLOCK on the listener: -EAGAIN)."""
    if issue_flags & IO_URING_F_NONBLOCK:
        return accept_nowait_issue(req, issue_flags)
    task = req.worker
    op: AcceptOp = req.op
    if op.iou_flags & IORING_ACCEPT_MULTISHOT and arm_poll(task, req):
        return ISSUE_SKIP_COMPLETE
    if req.flags & IOSQE_ASYNC:
        ret = accept_nowait_issue(req, issue_flags | IO_URING_F_NONBLOCK)
        if ret != -EAGAIN:
            return ret
        if arm_poll(task, req, iowq=True):
            return ISSUE_SKIP_COMPLETE
    if _no_fd(req, op):
        return -EMFILE
    listener = req.file
    if not isinstance(listener, UnixSocket):
        return -ENOTSOCK
    got = yield from unix_accept(task, listener, listener.nonblock)
    return _accepted(req, op, -EINTR if got == -ERESTARTSYS else got)  # io_accept: an interrupted wait


def register(registry: PluginRegistry) -> None:
    registry.add_opcode(
        OpDef(IORING_OP_SOCKET, issue=socket_issue, prep=socket_prep, name="SOCKET")
    )
    registry.add_opcode(
        OpDef(IORING_OP_BIND, issue=bind_issue, prep=_addr_prep, name="BIND", needs_file=True)
    )
    registry.add_opcode(
        OpDef(
            IORING_OP_LISTEN, issue=listen_issue, prep=listen_prep, name="LISTEN", needs_file=True
        )
    )
    registry.add_opcode(
        OpDef(
            IORING_OP_CONNECT, issue=connect_issue, prep=_addr_prep, name="CONNECT", needs_file=True,
            unbound_nonreg_file=True, pollout=True, issue_nowait=connect_issue_nowait,
        )
    )  # fmt: skip
    registry.add_opcode(
        OpDef(
            IORING_OP_ACCEPT, issue=accept_issue, prep=accept_prep, name="ACCEPT", needs_file=True,
            unbound_nonreg_file=True, pollin=True, poll_exclusive=True, ioprio=True,
            issue_nowait=accept_nowait_issue,
        )
    )  # fmt: skip
