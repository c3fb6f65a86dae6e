"""IORING_OP_SEND / RECV / SENDMSG / RECVMSG / SHUTDOWN (io_uring/net.c) on simulated AF_UNIX stream sockets
(and TCP sockets, which share their byte stream: :mod:`simuring.kernel.objects.tcp`).

On SOCK_DGRAM / SOCK_SEQPACKET pairs (:class:`UnixDgramSocket`) a transfer is
:func:`_dgram_attempt`: one message per send or receive, the message flags
(MSG_OOB, MSG_PEEK, MSG_TRUNC) passed to the socket, a RECVMSG's ``msg_flags``
written back, no IORING_CQE_F_SOCK_NONEMPTY, and MSG_WAITALL retried only on
SEQPACKET (``io_net_retry``).

Prep (``io_sendmsg_prep`` + ``io_send_setup``, ``io_recvmsg_prep`` +
``io_recvmsg_prep_setup``):

* ``sqe.ioprio`` carries the request's own flags: SEND takes
  IORING_RECVSEND_POLL_FIRST and IORING_RECVSEND_BUNDLE, RECV those and
  IORING_RECV_MULTISHOT; any other bit is -EINVAL.  MULTISHOT on RECV needs
  a provided buffer (IOSQE_BUFFER_SELECT), so without one it is -EINVAL;
  MULTISHOT with MSG_WAITALL is -EINVAL too.  Multishot RECV is
  :func:`_mshot`.  A bundle (IORING_RECVSEND_BUNDLE) needs no provided
  buffer; on SEND it adds MSG_WAITALL (``io_sendmsg_prep``).  Bundles are
  :func:`_send_bundle` and :func:`_recv_bundle` (below).
* IOSQE_BUFFER_SELECT (both): ``buf_group`` names the group the transfer's
  buffer comes from, taken at issue after the socket checks
  (:mod:`simuring.kernel.kbuf`).  A RECV takes at most ``len`` bytes of it
  and gives it back when it must wait or got nothing (end of stream, an
  error: no buffer named); a SEND sends a legacy buffer whole, a ring
  buffer cut to ``len``, keeps it until it completes and always names it.
* SEND: ``__pad3[0]`` (the high half of the ``file_index`` word, above
  ``addr_len``) must be zero; a destination address (``addr2``, the
  ``off`` field, non-zero) is copied at prep (``move_addr_to_kernel``: an
  ``addr_len`` above ``sizeof(struct sockaddr_storage)`` is -EINVAL); at
  issue a stream socket answers -EISCONN or -EOPNOTSUPP
  (``unix_stream_sendmsg``), a datagram socket sends to it.
* RECV: ``file_index`` and ``addr2`` must be zero (-EINVAL).
* ``len`` negative as an ``int`` is -EINVAL at prep, for all four opcodes
  (Linux 6.18).
* ``len`` is imported as one user buffer (``import_ubuf``): a length that is
  no byte count is -EFAULT; the buffer is touched at issue (-EFAULT then).
* ``msg_flags`` (the ``op_flags`` word): SEND always adds MSG_NOSIGNAL (no
  SIGPIPE on a closed peer, just -EPIPE); MSG_DONTWAIT makes the request
  REQ_F_NOWAIT: a send or receive that would block completes with -EAGAIN
  instead of being polled.

Issue (``io_send`` / ``io_recv``):

* a file that is not a socket is -ENOTSOCK (``sock_from_file``), checked
  before POLL_FIRST for SEND and after it for RECV, as the kernel does;
* IORING_RECVSEND_POLL_FIRST: the first issue answers -EAGAIN without
  trying, so the request arms its poll at once (REQ_F_POLLED afterwards);
* inline the socket is tried with MSG_DONTWAIT; -EAGAIN arms the fast poll
  (``pollout`` for SEND, ``pollin`` for RECV) and the request is re-issued
  from task work when the socket wakes it, like READ on a socket; the
  file's own O_NONBLOCK plays no part for SEND / RECV (io_uring passes the
  message flags straight to ``sock_sendmsg`` / ``sock_recvmsg``), but does
  for SENDMSG / RECVMSG (below);
* a short send (the send buffer filled up) completes with the count sent;
  a receive returns what is queued (at most ``len``), 0 at EOF, and with a
  zero ``len`` 0 once data, EOF or an error is there (it waits otherwise:
  ``unix_stream_read_generic``'s target is at least one byte);
* MSG_WAITALL (``io_net_retry``, stream sockets): a partial transfer is
  accumulated (``done_io``) and the request retried through the poll until
  ``len`` bytes moved; an error or EOF then completes it with the count so
  far.  A result below the required minimum (``len`` with MSG_WAITALL, else
  0) fails the link chain (``req_set_fail``);
* in an io-wq worker (IOSQE_ASYNC, or a request whose poll budget ran out)
  the pollable socket is tried once and the poll armed; otherwise the call
  blocks in ``unix_stream_sendmsg`` (until everything is queued) or
  ``unix_stream_read_generic`` (until some data, or all of it with
  MSG_WAITALL).

MSG_PEEK on RECV / RECVMSG (:meth:`UnixSocket.peek`): the queued bytes are
copied and stay queued (IORING_CQE_F_SOCK_NONEMPTY then); with nothing
queued it waits as a plain receive.  MSG_TRUNC and MSG_CMSG_CLOEXEC change
nothing on a unix stream socket (``unix_stream_read_generic`` ignores the
first, the second only matters with SCM_RIGHTS), here as in the kernel.

Not modelled: MSG_OOB on SEND (sent as normal data here; the kernel makes
the last byte out-of-band), MSG_PEEK with SO_PEEK_OFF; RECV with MSG_OOB is -EINVAL as in the kernel when
no out-of-band byte is pending, which is always the case in the model.  The
CQE of a SEND never carries IORING_CQE_F_SOCK_FULL (no SO_SNDBUF reporting).

Bundles (IORING_RECVSEND_BUNDLE, ``io_send_select_buffer`` / ``io_send_finish``,
``io_recv_buf_select`` / ``io_recv_finish``): a transfer over several
provided buffers taken from the head of the group at once
(:func:`~simuring.kernel.kbuf.buffers_bundle`), its CQE naming the first
buffer and giving the bytes.  A SEND takes as many whole buffers as ``len``
allows (0: any), consumes them at once, and starts a next bundle after a
CQE with IORING_CQE_F_MORE while the group has buffers and the send did
not go through the poll (:func:`_send_bundle`).  A RECV maps one buffer
when nothing is known of what is queued (or as many as the message header's
iovec array holds, :mod:`simuring.opcodes.netmsg_cache`), then, if it filled
them and more is queued, one more bundle for that into the same CQE;
multishot as :func:`_mshot`; a bundle that empties the group ends the
request (:func:`_recv_bundle`).  From io-wq a RECV takes one buffer at a
time (no peek without the ring's lock).  MSG_WAITALL on a bundle RECV
retries a short receive into the rest of the same buffers
(:func:`_waitall_part`).  A bundle blocks in an io-wq worker after a
POLL_FIRST poll found ready (:func:`_recv_bundle_blocking`).  Not modelled:
the multishot total limit (``optlen``).

SENDMSG / RECVMSG (``io_sendmsg_prep`` + ``io_sendmsg_setup``,
``io_recvmsg_prep`` + ``io_recvmsg_copy_hdr``; ``io_sendmsg`` / ``io_recvmsg``):
``addr`` is a :class:`~simuring.abi.posix.Msghdr` (anything else, NULL
included, is -EFAULT: ``copy_from_user`` of the header), read at prep
(``io_msg_copy_hdr`` -> ``__copy_msghdr``): a negative ``msg_namelen`` with a
name is -EINVAL, a longer one is clamped to ``sockaddr_storage``;
``msg_iovlen`` above UIO_MAXIOV is -EMSGSIZE; more iovecs than the list
holds, or an entry that is no iovec, -EFAULT (each entry is a buffer, None
for ``{NULL, 0}`` or a ``uapi.Iovec``, ``rsrc.user_iovec_entry``; a length
negative as a ``ssize_t`` is -EINVAL).  Both refuse
IORING_RECVSEND_BUNDLE and a non-zero ``addr2`` or ``file_index``
(-EINVAL).  A SENDMSG's ``msg_name`` is a
destination address, as SEND's.  Unlike SEND /
RECV's single buffer, the iovecs are gathered into one flat copy for the
send (skbs fill across iovec boundaries, as in ``unix_stream_sendmsg``) and
a receive goes to a scratch buffer scattered into the iovecs after each
step; otherwise the issue is SEND / RECV's (MSG_DONTWAIT, MSG_WAITALL over
the iovecs' total, POLL_FIRST, the poll, io-wq), except that RECVMSG looks
at the socket (-ENOTSOCK) before POLL_FIRST, and that an io-wq worker's
blocking call on an O_NONBLOCK socket does not wait (``____sys_sendmsg`` /
``____sys_recvmsg`` add MSG_DONTWAIT for such a file: its -EAGAIN is the
result, :func:`_nonblock_file_issue`).  Not modelled: control
messages (``msg_control`` is ignored), and what ``____sys_recvmsg`` writes
back into the user's header on a stream socket: only a datagram socket's
RECVMSG writes ``msg_flags`` and (with a ``msg_name``) the sender's name
and ``msg_namelen``.  RECVMSG with IOSQE_BUFFER_SELECT reads only the first
iovec's length (:func:`_copy_msghdr_select`); multishot RECVMSG lays each
buffer out as ``struct io_uring_recvmsg_out``, name room, payload
(:func:`_recvmsg_mshot`).

SHUTDOWN (``io_shutdown_prep`` / ``io_shutdown``): needs a file; a non-zero
``off``, ``addr``, op flags word, ``buf_index`` or ``splice_fd_in`` is
-EINVAL at prep; ``len`` is ``how`` (an int); forced to io-wq.  A file that
is not a socket is -ENOTSOCK (returned as an issue error: it fails the
link); otherwise the answer of ``unix_shutdown``
(:meth:`UnixSocket.shutdown_sock`: -EINVAL for a ``how`` outside SHUT_RD ..
SHUT_RDWR, else 0), set without ``req_set_fail`` (an -EINVAL does not fail
the link, and with IOSQE_CQE_SKIP_SUCCESS posts no CQE).

Costs: the request's own prep and issue reuse the ``[rw]`` section's
``prep_ns`` / ``issue_ns`` (the same import-and-call work as a READ or
WRITE); the socket's sendmsg/recvmsg, skb and copy costs are its own
(``[unix]``), exactly as for READ and WRITE on a socket.
"""

from __future__ import annotations

import struct
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Final

from simuring.abi.errno import (
    EAGAIN,
    EBADFD,
    ECANCELED,
    EFAULT,
    EINTR,
    EINVAL,
    EMSGSIZE,
    ENOBUFS,
    ENOTSOCK,
    EOVERFLOW,
    ERESTARTSYS,
)
from simuring.abi.io_uring import (
    IORING_CQE_F_BUF_MORE,
    IORING_CQE_F_MORE,
    IORING_CQE_F_SOCK_NONEMPTY,
    IORING_OP_RECV,
    IORING_OP_RECVMSG,
    IORING_OP_SEND,
    IORING_OP_SENDMSG,
    IORING_OP_SHUTDOWN,
    IORING_RECV_MULTISHOT,
    IORING_RECVSEND_BUNDLE,
    IORING_RECVSEND_POLL_FIRST,
    IOSQE_ASYNC,
    IOSQE_BUFFER_SELECT,
    Iovec,
    Sqe,
)
from simuring.abi.limits import INT_MAX
from simuring.abi.posix import Msghdr
from simuring.kernel.kbuf import (
    Bundle,
    Selection,
    buffer_cflags,
    buffer_select,
    buffer_select_bundle,
    buffers_bundle,
    buffers_select_one,
    commit_bundle,
    kbuf_recycle,
    put_bundle,
    put_kbuf,
    recycle_bundle,
)
from simuring.kernel.objects.base import READ_EVENTS, WRITE_EVENTS, block_on
from simuring.kernel.objects.socket import UnixDgramSocket, UnixSocket
from simuring.kernel.objects.unix_conn import (
    UnixNamespace,
    dgram_dest,
    sockaddr_bytes,
    sockaddr_in,
)
from simuring.kernel.opdef import (
    IO_URING_F_IOWQ,
    IO_URING_F_NONBLOCK,
    ISSUE_SKIP_COMPLETE,
    IssueResult,
    OpDef,
)
from simuring.kernel.poll import APOLL_MAX_RETRY, arm_poll
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request, post_completion
from simuring.kernel.rsrc import user_iovec_entry
from simuring.kernel.uaccess import user_bytes
from simuring.opcodes.netmsg_cache import NetmsgCache
from simuring.opcodes.rw import UIO_MAXIOV, RwRing
from simuring.opcodes.rw_costs import RwCosts
from simuring.opcodes.sync import complete_no_fail

if TYPE_CHECKING:
    import simpy

    from simuring.host.task import Task

MSG_OOB: Final = 0x01
MSG_PEEK: Final = 0x02
MSG_DONTWAIT: Final = 0x40
MSG_WAITALL: Final = 0x100
MSG_NOSIGNAL: Final = 0x4000
SENDMSG_FLAGS: Final = IORING_RECVSEND_POLL_FIRST | IORING_RECVSEND_BUNDLE
RECVMSG_FLAGS: Final = IORING_RECVSEND_POLL_FIRST | IORING_RECV_MULTISHOT | IORING_RECVSEND_BUNDLE
SOCKADDR_STORAGE_SIZE: Final = 128


class SrState:
    """The request's ``struct io_sr_msg`` (+ the user buffer of its ``io_async_msghdr``)."""

    __slots__ = (
        "buf", "len", "flags", "msg_flags", "done_io", "view", "send", "costs", "has_addr",
        "bgid", "sel", "keep", "multishot", "mshot_len", "loops", "iovs", "msg", "hdr", "namelen",
        "mshot_done", "name", "zc_modes", "bundle", "vec_nr", "inq", "retry_cflags", "partial", "bl_empty",
        "cap", "iter_off", "blocked_part",
    )  # fmt: skip

    def __init__(self, buf: object, length: int, flags: int, msg_flags: int, send: bool, costs: RwCosts) -> None:
        self.buf = buf
        self.len = length
        self.flags = flags  # sr->flags: IORING_RECVSEND_* from sqe->ioprio
        self.msg_flags = msg_flags
        self.done_io = 0
        self.view: memoryview | None = None
        self.send = send
        self.costs = costs
        self.has_addr = False
        self.bgid = -1  # IOSQE_BUFFER_SELECT (RECV, SEND): the buffer group (sr->buf_group)
        self.sel: Selection | None = None  # the provided buffer held
        self.keep = False  # REQ_F_BL_NO_RECYCLE: data went into the buffer, it is not given back
        self.multishot = False  # IORING_RECV_MULTISHOT (REQ_F_APOLL_MULTISHOT)
        self.mshot_len = 0  # what each multishot receive asks of its buffer (0: all of it)
        self.loops = 0  # sr->nr_multishot_loops: receives in a row while data stays queued
        self.iovs: list[object] | None = None  # SENDMSG / RECVMSG: the msghdr's iovec buffers
        self.msg: Msghdr | None = None  # RECVMSG: the user's msghdr (msg_flags written back)
        self.hdr = -1  # multishot RECVMSG: the io_uring_recvmsg_out header + name + control bytes
        self.namelen = 0  # multishot RECVMSG: the room for the sender's address (kmsg->namelen)
        self.mshot_done = False  # multishot RECVMSG: the receive returned 0 or an error
        self.name = b""  # SEND / SENDMSG: the destination address copied at prep (move_addr_to_kernel)
        self.zc_modes = 0  # SEND_ZC / SENDMSG_ZC: their ioprio flags (opcodes/net_zc.py)
        self.bundle: Bundle | None = None  # IORING_RECVSEND_BUNDLE: the buffers of the current bundle
        self.vec_nr = 0  # kmsg->vec.nr: the iovec array the message header keeps (opcodes/netmsg_cache.py)
        self.inq = 0  # kmsg->msg.msg_inq: what the last receive left queued (-1: unknown)
        self.retry_cflags = -1  # IORING_RECV_RETRY: the flags of a bundle RECV's first receive
        self.partial = False  # IORING_RECV_PARTIAL_MAP: a bundle left a buffer out or cut one
        self.bl_empty = False  # REQ_F_BL_EMPTY: a bundle took the group's last buffers
        self.cap = False  # IORING_RECV_MSHOT_CAP: a multishot bundle reached its length
        self.iter_off = 0  # a bundle RECV: what MSG_WAITALL receives put in its buffers (msg_iter advanced)
        self.blocked_part = False  # a blocking bundle RECV in io-wq kept a short MSG_WAITALL part in this call

    @property
    def nowait(self) -> bool:
        """REQ_F_NOWAIT: MSG_DONTWAIT in the message flags."""
        return bool(self.msg_flags & MSG_DONTWAIT)

    @property
    def msghdr_call(self) -> bool:
        """SENDMSG / RECVMSG (and SENDMSG_ZC): the socket is called through ``__sys_sendmsg_sock`` /
        ``__sys_recvmsg_sock`` (``____sys_sendmsg`` / ``____sys_recvmsg``), not ``sock_sendmsg`` /
        ``sock_recvmsg``."""
        return self.msg is not None or (self.send and self.iovs is not None)


def _u32(v: object) -> int | None:
    return v & 0xFFFF_FFFF if isinstance(v, int) else None


def _negative_len(length: object) -> bool:
    """``sr->len`` (an ``int``) is negative: ``io_sendmsg_prep`` and ``io_recvmsg_prep`` refuse it with
    -EINVAL before anything is imported (Linux 6.18, SEND / RECV / SENDMSG / RECVMSG alike)."""
    return isinstance(length, int) and bool(length & 0x8000_0000)


def _common_prep(req: Request, sqe: Sqe, send: bool) -> SrState | int:
    if _negative_len(sqe.len):
        return -EINVAL
    flags = sqe.ioprio
    msg_flags = _u32(sqe.op_flags)
    if not isinstance(flags, int) or msg_flags is None:
        return -EINVAL
    flags &= 0xFFFF
    length = sqe.len
    if flags & ~(SENDMSG_FLAGS if send else RECVMSG_FLAGS):
        return -EINVAL
    if send:
        msg_flags |= MSG_NOSIGNAL
        if flags & IORING_RECVSEND_BUNDLE:
            msg_flags |= MSG_WAITALL  # io_sendmsg_prep: a bundle goes whole (a short send is retried)
    elif flags & IORING_RECV_MULTISHOT:
        if not req.flags & IOSQE_BUFFER_SELECT or msg_flags & MSG_WAITALL:
            return -EINVAL  # multishot needs a provided buffer, and cannot wait for all
    if not isinstance(length, int) or length < 0:
        return -EFAULT  # import_ubuf: no byte count to range-check
    length &= 0xFFFF_FFFF
    costs = req.ctx.ext(RwRing).costs
    req.task.charge(costs.prep_ns)
    st = SrState(sqe.addr, length, flags, msg_flags, send, costs)
    st.vec_nr = req.ctx.ext(NetmsgCache).take()
    if not send and flags & IORING_RECV_MULTISHOT:
        st.multishot = True
        st.mshot_len = length
    return st


def send_prep(req: Request, sqe: Sqe) -> int:
    """``io_sendmsg_prep`` for IORING_OP_SEND, then ``io_send_setup``."""
    st = _common_prep(req, sqe, send=True)
    if isinstance(st, int):
        return st
    word = sqe.file_index
    if not isinstance(word, int):
        return -EINVAL
    if (word >> 16) & 0xFFFF:
        return -EINVAL  # __pad3[0]
    if req.flags & IOSQE_BUFFER_SELECT:
        bgid = sqe.buf_group
        if not isinstance(bgid, int):
            return -EINVAL
        st.bgid = bgid & 0xFFFF
    err = copy_dest(st, sqe.addr2, word)
    if err:
        return err
    req.op = st
    return 0


def copy_dest(st: SrState, addr: object, word: int) -> int:
    """``io_send_setup``'s destination address (SEND, SEND_ZC): ``addr2`` (none when 0) of
    ``addr_len``, the low half of ``word``, copied (``move_addr_to_kernel``: -EINVAL above 128
    bytes, -EFAULT)."""
    if addr:
        name = sockaddr_in(addr, word & 0xFFFF)
        if isinstance(name, int):
            return name
        st.has_addr = len(name) > 0
        st.name = name
    return 0


def recv_prep(req: Request, sqe: Sqe) -> int:
    """``io_recvmsg_prep`` for IORING_OP_RECV, then ``io_recvmsg_prep_setup``."""
    if sqe.file_index or sqe.addr2:
        return -EINVAL
    st = _common_prep(req, sqe, send=False)
    if isinstance(st, int):
        return st
    if req.flags & IOSQE_BUFFER_SELECT:
        bgid = sqe.buf_group
        if not isinstance(bgid, int):
            return -EINVAL
        st.bgid = bgid & 0xFFFF
    req.op = st
    return 0


def _polled(req: Request) -> bool:
    """REQ_F_POLLED: the request has armed its fast poll at least once."""
    return req.apoll_retries is not None


def _check(req: Request, st: SrState) -> UnixSocket | int:
    """The file and POLL_FIRST checks at the top of ``io_send`` / ``io_recv``."""
    file = req.file
    if st.send or st.msg is not None:  # io_send, io_sendmsg, io_recvmsg: the socket first
        if not isinstance(file, UnixSocket):
            return -ENOTSOCK
        if st.flags & IORING_RECVSEND_POLL_FIRST and not _polled(req):
            return -EAGAIN
        return file
    if st.flags & IORING_RECVSEND_POLL_FIRST and not _polled(req):
        return -EAGAIN
    if not isinstance(file, UnixSocket):
        return -ENOTSOCK
    return file


def _select(req: Request, st: SrState, issue_flags: int) -> int:
    """Take a provided buffer if the request holds none: 0, or -ENOBUFS (-ENOENT for a
    SEND from a missing group).  RECV (``io_recv_buf_select``): at most ``len`` bytes
    (0: all of it).  SEND (``io_send_select_buffer``, one buffer, committed at once):
    see :func:`~simuring.kernel.kbuf.buffers_select_one`."""
    if st.sel is not None:
        return 0
    if st.send:  # io_send_select_buffer
        got = buffers_select_one(req, st.len, st.bgid)
        if isinstance(got, int):
            return got
        sel = got
    else:
        # io_should_commit: IO_URING_F_UNLOCKED is every io-wq issue, its non-blocking try included
        one = buffer_select(req, st.len, st.bgid, bool(issue_flags & IO_URING_F_IOWQ or not issue_flags & IO_URING_F_NONBLOCK))
        if one is None:
            return -ENOBUFS
        sel = one
    st.sel = sel
    st.buf = sel.addr
    st.len = sel.len
    st.view = None
    return 0


def _recycle(req: Request, st: SrState) -> None:
    """``io_kbuf_recycle``: the receive waits or got nothing; the buffer goes back unless
    data is already in it (a MSG_WAITALL receive part-way).  A SEND keeps its buffer
    until it completes (REQ_F_BL_NO_RECYCLE)."""
    sel = st.sel
    if sel is not None and not st.keep and not st.send:
        st.sel = kbuf_recycle(req, sel)
        if st.sel is None:
            st.view = None


def _put(req: Request, st: SrState, ret: int) -> None:
    """``io_recv_finish``'s ``io_put_kbuf``: the CQE flags of a buffer still held."""
    sel = st.sel
    if sel is not None:
        st.sel = None
        req.cflags |= put_kbuf(sel, ret)


def _view(st: SrState) -> memoryview | int:
    view = st.view
    if view is None:
        if st.iovs is not None:
            return _msg_view(st)
        v = user_bytes(st.buf, st.len, kernel_writes=not st.send)
        if isinstance(v, int):
            return v
        st.view = view = v
    return view


def _attempt(req: Request, st: SrState, sock: UnixSocket, issue_flags: int = IO_URING_F_NONBLOCK) -> int:
    """One non-blocking ``sock_sendmsg`` / ``sock_recvmsg`` (MSG_DONTWAIT) on what is left."""
    task = req.worker
    if st.bgid >= 0 and st.sel is None and st.bundle is None:
        err = _select(req, st, issue_flags)
        if err:
            return err
    if st.hdr >= 0:
        return _recvmsg_mshot(req, st, sock, issue_flags)
    if sock.dgram:
        return _dgram_attempt(req, st, sock, not issue_flags & IO_URING_F_NONBLOCK)
    if st.has_addr:
        err = sock.dest_error()  # unix_stream_sendmsg: -EISCONN, or -EOPNOTSUPP unconnected; TCP: 0
        if err:
            return err
    if not st.send and st.msg_flags & (MSG_OOB | MSG_PEEK):
        if st.msg_flags & MSG_OOB:
            return -EINVAL  # unix_stream_recv_urg: no out-of-band byte pending
        return _peek(st, task, sock)
    view = _view(st)
    if isinstance(view, int):
        return view
    rest = view[st.done_io :]
    if st.send:
        return sock._sendmsg(task, rest, resumed=False)
    ret = sock._recvmsg(task, rest)
    if ret > 0 and st.iovs is not None:
        _scatter(st, st.done_io, ret)
    return ret


def _dgram_attempt(req: Request, st: SrState, sock: UnixSocket, block: bool = False) -> int:
    """A datagram socket's ``sock_sendmsg`` / ``sock_recvmsg`` (:class:`UnixDgramSocket`): the
    message flags go to the socket (MSG_OOB, MSG_PEEK, MSG_TRUNC); a receive takes one
    message, its MSG_TRUNC goes to a RECVMSG's ``msg_flags`` (``____sys_recvmsg``), and
    with MSG_WAITALL a truncated message fails the link chain.  A SEND / SENDMSG with a
    destination address sends there (:func:`~simuring.kernel.objects.unix_conn.dgram_dest`);
    a RECVMSG with a ``msg_name`` gets the sender's address (:func:`_name_out`)."""
    assert isinstance(sock, UnixDgramSocket)
    task = req.worker
    view = _view(st)
    if isinstance(view, int):
        return view
    rest = view[st.done_io :]
    if st.send:
        to = dgram_dest(req.ctx.kernel.ext(UnixNamespace), sock, st.name) if st.has_addr else None
        ret = sock.send_dgram(task, rest, st.msg_flags, to)
        if ret == -EAGAIN and sock.full_wait is not None:
            # the data was copied into the skb before unix_recvq_full said no: the request's
            # iterator stays consumed, so its retry sends an empty message (io_send keeps kmsg)
            st.view = memoryview(b"")
        return ret
    ret = sock.recv_dgram(task, rest, st.msg_flags, block)
    if ret >= 0:
        if st.iovs is not None:
            _scatter(st, st.done_io, min(ret, len(rest)))
        msg = st.msg
        if msg is not None:
            if msg.msg_name is not None:
                err = _name_out(msg, sock.rcv_addr or b"")
                if err:
                    return err
            msg.msg_flags = sock.rcv_flags
        if sock.rcv_flags and st.msg_flags & MSG_WAITALL:
            req.fail_links = True
    return ret


def _name_out(msg: Msghdr, addr: bytes) -> int:
    """``____sys_recvmsg``'s ``move_addr_to_user`` of the sender's address (empty: the sender has
    no name): at most the caller's ``msg_namelen`` bytes copied to ``msg_name``, the full length
    stored in ``msg_namelen``; a negative ``msg_namelen`` is -EINVAL, memory that cannot be
    written -EFAULT."""
    want = msg.msg_namelen & 0xFFFF_FFFF if isinstance(msg.msg_namelen, int) else 0
    want = want - (1 << 32) if want >> 31 else want
    n = min(want, len(addr))
    if n < 0:
        return -EINVAL
    if n:
        view = sockaddr_bytes(msg.msg_name, n)
        if isinstance(view, int):
            return view
        view[:n] = addr[:n]
    msg.msg_namelen = len(addr)
    return 0


RECVMSG_OUT_SIZE: Final = 16
"""``sizeof(struct io_uring_recvmsg_out)``: namelen, controllen, payloadlen, flags (u32 each)."""
MSG_CMSG_CLOEXEC: Final = 0x40000000


def _recvmsg_mshot(req: Request, st: SrState, sock: UnixSocket, issue_flags: int) -> int:
    """One receive of a multishot RECVMSG (``io_recvmsg_prep_multishot`` +
    ``io_recvmsg_multishot``): the provided buffer starts with a ``struct
    io_uring_recvmsg_out`` and room for the name and control data (a buffer
    smaller than that is -EFAULT, given back); the message goes after them, and the
    header says the sender's address length (its bytes follow, cut to the room),
    the payload's length as the socket returned it (the whole datagram with
    MSG_TRUNC) and the message flags (MSG_TRUNC when cut).  The result is the
    bytes of the buffer used: header, name and control room, payload."""
    sel = st.sel
    assert sel is not None
    st.mshot_done = True
    if sel.len < st.hdr:
        _recycle(req, st)
        return -EFAULT
    view = user_bytes(sel.addr, sel.len, kernel_writes=True)
    if isinstance(view, int):
        return view
    payload = view[st.hdr :]
    task = req.worker
    sender = sock.rxq[0].sender if sock.rxq else None
    if isinstance(sock, UnixDgramSocket):
        ret = sock.recv_dgram(task, payload, st.msg_flags, not issue_flags & IO_URING_F_NONBLOCK)
        mflags = sock.rcv_flags
    elif st.msg_flags & MSG_OOB:
        ret, mflags = -EINVAL, 0  # unix_stream_recv_urg: no out-of-band byte pending
    else:
        ret = sock.peek(task, payload) if st.msg_flags & MSG_PEEK else sock._recvmsg(task, payload)
        mflags = 0
    st.mshot_done = ret != -EAGAIN and ret <= 0
    if ret < 0:
        return ret
    addr = sender.addr if sender is not None and sender.addr is not None else b""
    if isinstance(sock, UnixDgramSocket):
        addr = sock.rcv_addr or b""  # the datagram's source (a UDP one carries its own)
    if not st.namelen:
        addr = b""
    struct.pack_into("<IIII", view, 0, len(addr), 0, ret, mflags | (st.msg_flags & MSG_CMSG_CLOEXEC))
    name = addr[: st.namelen]
    view[RECVMSG_OUT_SIZE : RECVMSG_OUT_SIZE + len(name)] = name
    return st.hdr + min(ret, len(payload))


def _peek(st: SrState, task: Task, sock: UnixSocket) -> int:
    """A RECV / RECVMSG with MSG_PEEK: what is queued is copied and stays queued."""
    view = _view(st)
    if isinstance(view, int):
        return view
    ret = sock.peek(task, view[st.done_io :])
    if ret > 0 and st.iovs is not None:
        _scatter(st, st.done_io, ret)
    return ret


def _finish(req: Request, st: SrState, ret: int, sock: UnixSocket) -> int:
    """The tail of ``io_send`` / ``io_recv``: fail the links below the minimum, add ``done_io``;
    a receive that leaves data queued sets IORING_CQE_F_SOCK_NONEMPTY (``msg_inq``, ``io_recv_finish``);
    so does any receive on a TCP socket that has the peer's FIN (``tcp_inq_hint`` counts it:
    :meth:`~simuring.kernel.objects.tcp.TcpSocket.inq_hint`).
    A blocked worker's signalled wait (-ERESTARTSYS) is reported as -EINTR."""
    if ret == -ERESTARTSYS:
        ret = -EINTR
    if not st.send and ret >= 0 and not sock.dgram and sock.inq_hint() > 0:  # unix_dgram_recvmsg sets no msg_inq
        req.cflags |= IORING_CQE_F_SOCK_NONEMPTY
    min_ret = st.len - st.done_io if st.msg_flags & MSG_WAITALL else 0
    if ret < min_ret:
        req.fail_links = True  # req_set_fail
    if ret > 0 or (st.send and ret == 0):
        ret += st.done_io
    elif st.done_io:
        ret = st.done_io
    elif st.sel is not None:
        _recycle(req, st)  # nothing received: the buffer goes back
    if st.sel is not None:
        _put(req, st, ret)
    b = st.bundle
    if b is not None and not st.send:  # a bundle RECV that waited in an io-wq worker (difffuzz bundle seed 4818)
        st.bundle = None
        st.view = None
        req.cflags |= _end_bundle(req, b, ret, st.done_io)
    _recycle_kmsg(req, st, 0)  # the issue flags are not known here: cached as if issued inline
    return ret


def _after_nb(req: Request, st: SrState, sock: UnixSocket, ret: int) -> int:
    """What an attempt's answer means: -EAGAIN to retry (poll), or the result."""
    want = st.len - st.done_io
    if st.msg_flags & MSG_WAITALL and 0 < ret < want and _net_retry(sock):
        st.done_io += ret  # io_net_retry: a stream socket keeps going
        st.keep = True  # io_net_kbuf_recyle: the buffer holds data, it stays (REQ_F_BL_NO_RECYCLE)
        return -EAGAIN
    if ret == -EAGAIN:
        if st.sel is not None:
            _recycle(req, st)
        return -EAGAIN
    return _finish(req, st, ret, sock)


def _net_retry(sock: UnixSocket) -> bool:
    """``io_net_retry``: only SOCK_STREAM and SOCK_SEQPACKET go on after a short transfer."""
    return not sock.dgram or isinstance(sock, UnixDgramSocket) and sock.seqpacket


MULTISHOT_MAX_RETRY: Final = 32
"""Receives a multishot request makes in a row while data stays queued before it requeues."""


def _mshot(req: Request, st: SrState, sock: UnixSocket, issue_flags: int) -> IssueResult:
    """``io_recv`` with IORING_RECV_MULTISHOT: receive into one provided buffer after
    another, each posting a CQE with IORING_CQE_F_MORE (``io_recv_finish`` ->
    ``io_req_post_cqe``), while data is queued or, on a datagram socket (no
    ``msg_inq``), always (at most MULTISHOT_MAX_RETRY in a row); -EAGAIN when the socket is empty (the request polls again, its poll
    staying armed: no fast-poll budget is spent).  The request ends, with a
    CQE without F_MORE, on end of stream (0), an error, no buffer (-ENOBUFS),
    or a CQ with no room for another CQE (the result then goes in the final
    CQE, which may overflow)."""
    ctx = req.ctx
    while True:
        st.len = st.mshot_len
        err = _select(req, st, issue_flags)
        if err:
            return _finish(req, st, err, sock)
        ret = _attempt(req, st, sock, issue_flags)
        if ret == -EAGAIN:
            _recycle(req, st)
            req.apoll_retries = APOLL_MAX_RETRY  # the multishot poll stays armed
            return -EAGAIN
        if ret <= 0 or st.mshot_done or not ctx.cq_has_room():
            return _finish(req, st, ret, sock)
        sel = st.sel
        st.sel = None
        st.view = None
        if sock.dgram:  # unix_dgram_recvmsg reports no msg_inq: unknown, so try again
            nonempty = True
            cflags = IORING_CQE_F_MORE
        else:
            nonempty = sock.inq_hint() > 0
            cflags = IORING_CQE_F_MORE | (IORING_CQE_F_SOCK_NONEMPTY if nonempty else 0)
        if sel is not None:
            cflags |= put_kbuf(sel, ret)
        ctx.post_cqe(req.worker, req.user_data, ret, cflags, req=req)
        if nonempty and st.loops < MULTISHOT_MAX_RETRY:
            st.loops += 1
            continue
        if nonempty:
            st.loops = 0  # IOU_REQUEUE: retried from task work (the poll fires at once)
            req.apoll_retries = APOLL_MAX_RETRY
            return -EAGAIN
        return _mshot_retry(req)


def _mshot_retry(req: Request) -> IssueResult:
    """IOU_RETRY of a multishot receive that posted a CQE and knows nothing more is queued
    (``io_recv_finish`` without IORING_CQE_F_SOCK_NONEMPTY and ``msg_inq`` 0).  Issued inline, the
    request arms its poll, which looks at the socket (``vfs_poll``): an end of stream already there
    re-issues it at once.  Issued from its poll's task work (REQ_F_POLLED: after POLL_FIRST, from
    io-wq, or after a wake-up), the multishot poll stays armed and waits for the next wake-up
    (``io_poll_check_events``: :func:`~simuring.kernel.poll.arm_poll`'s ``edge``): an end of stream
    the socket already had posts nothing (difffuzz bundle seeds 358, 4253, ...; ``lbd-fz-mshot-eof*``)."""
    polled = _polled(req)
    req.apoll_retries = APOLL_MAX_RETRY  # the multishot poll stays armed: no budget spent
    if polled and arm_poll(req.worker, req, edge=True):
        return ISSUE_SKIP_COMPLETE
    return -EAGAIN


CQE_F_MASK: Final = IORING_CQE_F_SOCK_NONEMPTY | IORING_CQE_F_MORE | IORING_CQE_F_BUF_MORE
"""The flags a bundle RECV's later receives give its CQE (the first one gives the buffer id): Linux
6.18.44 carries IORING_CQE_F_BUF_MORE over too (``lbd-recv-inc``)."""


def _take_bundle(st: SrState, b: Bundle) -> None:
    """A bundle's buffers become the request's transfer: a SEND's bytes gathered into one view (a
    RECV receives into a scratch buffer scattered after the receive: :func:`_recv_bundle_once`)."""
    st.bundle = b
    st.iter_off = 0
    if b.grown:
        st.vec_nr = len(b.segs)  # the iovec array grown for them stays with the message header
    st.bl_empty = st.bl_empty or b.empty
    st.partial = st.partial or b.partial
    st.len = b.out_len
    if st.send:
        views = [user_bytes(addr, length, kernel_writes=False) for addr, length in b.segs]
        bad = next((v for v in views if isinstance(v, int)), None)
        st.view = None if bad is not None else memoryview(b"".join(views))  # type: ignore[arg-type]


def _scatter_bundle(b: Bundle, src: memoryview, n: int, skip: int = 0) -> int:
    """Copy the ``n`` bytes received into the bundle's buffers, in order, after the first ``skip``
    bytes of them (filled by earlier receives); -EFAULT if one cannot be written."""
    pos = 0
    for addr, length in b.segs:
        if pos >= n:
            break
        if skip >= length:
            skip -= length
            continue
        step = min(length - skip, n - pos)
        dst = user_bytes(addr, skip + step, kernel_writes=True)
        if isinstance(dst, int):
            return dst
        dst[skip : skip + step] = src[pos : pos + step]
        pos += step
        skip = 0
    return 0


def _send_bundle(req: Request, st: SrState, sock: UnixSocket, issue_flags: int) -> int:
    """``io_send`` with IORING_RECVSEND_BUNDLE (``io_send_select_buffer``, ``io_send_finish``).

    Each bundle takes buffers from the head of the group (:func:`~simuring.kernel.kbuf.buffers_bundle`:
    a ring's are consumed at once; a legacy group gives one whole buffer) up to ``len`` bytes (0: no
    limit) and sends them as one message; a short send on a stream socket is retried through the
    poll for the rest (the bundle implies MSG_WAITALL).  A bundle that sent something, took buffers
    without emptying the group and was not retried through the poll posts its CQE with
    IORING_CQE_F_MORE and the next bundle starts (``io_mshot_prep_retry``: ``len`` 0 from then on,
    as a SEND has no multishot length); otherwise its CQE ends the request.  Each CQE names the
    first buffer of its bundle.  Without IOSQE_BUFFER_SELECT the request's own buffer is the first
    bundle and an empty one follows (0)."""
    ctx = req.ctx
    while True:
        if st.bgid >= 0 and st.bundle is None:
            got = buffers_bundle(req, st.bgid, st.len if 0 < st.len <= INT_MAX else INT_MAX, st.vec_nr or 1, True)
            if isinstance(got, int):
                req.fail_links = True
                return got  # io_send returns it at once: no CQE flags
            _take_bundle(st, got)
        want = st.len - st.done_io
        ret = _attempt(req, st, sock, issue_flags)
        if ret == -EAGAIN:
            return -EAGAIN
        if ret < want:
            if 0 < ret and _net_retry(sock):
                st.done_io += ret
                return -EAGAIN  # the rest after the poll; the buffers stay taken
            req.fail_links = True
        total = ret + st.done_io if ret >= 0 else st.done_io or ret
        b = st.bundle
        st.bundle = None
        cflags = put_bundle(b, total) if b is not None else 0
        if total <= 0 or st.bl_empty or _polled(req) or not ctx.cq_has_room():
            req.cflags |= cflags
            _recycle_kmsg(req, st, issue_flags)
            return total
        ctx.post_cqe(req.worker, req.user_data, total, cflags | IORING_CQE_F_MORE, req=req)
        st.done_io = 0
        st.len = 0
        st.view = None if st.bgid >= 0 else memoryview(b"")


def _recv_bundle_once(req: Request, st: SrState, sock: UnixSocket, issue_flags: int) -> int:
    """One receive of a bundle RECV (into a scratch buffer no longer than what is queued, the bytes
    then scattered into the bundle's buffers; or into the request's own buffer), and ``msg_inq``
    noted: the bytes still queued, and on a TCP socket that has its peer's FIN one more
    (``tcp_inq_hint``: :meth:`~simuring.kernel.objects.tcp.TcpSocket.inq_hint`), unknown (-1) on a
    datagram socket."""
    b = st.bundle
    view = st.view
    off = st.iter_off
    if b is not None:
        view = memoryview(bytearray(min(b.out_len - off, sock.rx_bytes())))
    elif view is not None:
        view = view[off:]
    assert view is not None
    task = req.worker
    st.inq = -1
    if sock.dgram:
        assert isinstance(sock, UnixDgramSocket)
        ret = sock.recv_dgram(task, view, st.msg_flags, not issue_flags & IO_URING_F_NONBLOCK)
    elif st.msg_flags & MSG_OOB:
        return -EINVAL  # unix_stream_recv_urg: no out-of-band byte pending
    else:
        ret = sock.peek(task, view) if st.msg_flags & MSG_PEEK else sock._recvmsg(task, view)
        st.inq = sock.inq_hint()
    if ret > 0 and b is not None:
        err = _scatter_bundle(b, view, min(ret, len(view)), off)
        if err:
            return err
    return ret


def _recv_bundle(req: Request, st: SrState, sock: UnixSocket, issue_flags: int) -> IssueResult:
    """``io_recv`` with IORING_RECVSEND_BUNDLE, single or multishot (``io_recv_buf_select``,
    ``io_recv_finish``).

    A bundle peeks buffers from the head of the group (:func:`~simuring.kernel.kbuf.buffers_bundle`,
    consumed only as far as the bytes went: :func:`~simuring.kernel.kbuf.put_bundle`) for ``len``
    bytes; without a length, for what the last receive left queued (``msg_inq``), and with none known
    it maps as many as the message header's iovec array holds (one for a new header: a speculative
    receive).  A receive that filled every buffer mapped, while more than a byte stays queued, is
    followed by one more bundle for what is queued, added to the same CQE (IORING_RECV_RETRY: the
    first receive's buffer id, the later one's SOCK_NONEMPTY / BUF_MORE), unless a buffer was left
    out or cut (IORING_RECV_PARTIAL_MAP) or the group emptied (REQ_F_BL_EMPTY, which also ends a
    multishot request with its CQE).  A multishot request posts each result with IORING_CQE_F_MORE
    and goes on as :func:`_mshot` does."""
    ctx = req.ctx
    while True:
        ret = 0
        if st.bgid >= 0 and st.bundle is None:
            if issue_flags & IO_URING_F_IOWQ:
                one = buffer_select_bundle(req, st.len, st.bgid)
                got = -ENOBUFS if one is None else one
            else:
                max_len = st.len or (st.inq if st.inq > 1 else 0)
                got = buffers_bundle(req, st.bgid, max_len, st.vec_nr or 1, False)
            if isinstance(got, int):
                st.inq = -1
                ret = got
                req.fail_links = True
            else:
                _take_bundle(st, got)
        if not ret:
            if st.bundle is None and st.view is None:
                v = _view(st)  # no provided buffer: the request's own
                if isinstance(v, int):
                    return _finish(req, st, v, sock)
            left = _iter_left(st)
            ret = _recv_bundle_once(req, st, sock, issue_flags)
            if st.msg_flags & MSG_WAITALL and 0 < ret < left and _net_retry(sock):
                st.blocked_part = not issue_flags & IO_URING_F_NONBLOCK  # the socket call goes on waiting
                return _waitall_part(st, ret)
            if ret <= 0 and ret != -EAGAIN and st.blocked_part:
                return _iowq_short(req, st)  # the blocking call ended short: it returned the part
            if ret == -EAGAIN:
                b = st.bundle
                if b is not None and not st.keep and (b.kbuf is not None or b.bl is not None):  # a consumed ring buffer stays
                    recycle_bundle(req, b)
                    st.bundle = None
                    st.view = None
                if st.multishot:
                    req.apoll_retries = APOLL_MAX_RETRY
                return -EAGAIN
            if ret < 0 or st.msg_flags & MSG_WAITALL and ret < left:
                req.fail_links = True  # req_set_fail: below io_recv's min_ret
        finished = ret <= 0
        total = ret + st.done_io if ret > 0 else st.done_io or ret
        b = st.bundle
        st.bundle = None
        st.view = None
        cflags = IORING_CQE_F_SOCK_NONEMPTY if st.inq > 0 else 0
        if b is not None:
            cflags |= _end_bundle(req, b, total, st.done_io)
        if st.retry_cflags >= 0:
            cflags = st.retry_cflags | (cflags & CQE_F_MASK)
        this_ret = total - st.done_io
        if st.mshot_len and total >= st.mshot_len:
            st.cap = True
        if not st.bl_empty:
            if (
                st.retry_cflags < 0 and not st.partial and not st.cap
                and st.inq > 1 and this_ret > 0 and b is not None and this_ret == b.out_len - st.iter_off
            ):  # fmt: skip
                st.retry_cflags = cflags & ~CQE_F_MASK
                st.len = st.inq
                st.done_io += this_ret
                st.blocked_part = False  # the retry's receive is a new socket call
                continue
            if st.multishot and not finished and ctx.cq_has_room():
                ctx.post_cqe(req.worker, req.user_data, total, cflags | IORING_CQE_F_MORE, req=req)
                st.done_io = 0
                st.retry_cflags = -1
                st.partial = False
                st.len = st.mshot_len
                if cflags & IORING_CQE_F_SOCK_NONEMPTY or st.inq < 0:
                    if st.loops < MULTISHOT_MAX_RETRY and not st.cap:
                        st.loops += 1
                        continue
                    st.loops = 0  # IOU_REQUEUE: retried from task work (the poll fires at once)
                    st.cap = False
                    req.apoll_retries = APOLL_MAX_RETRY
                    return -EAGAIN
                return _mshot_retry(req)
        req.cflags |= cflags
        _recycle_kmsg(req, st, issue_flags)
        return total


def _end_bundle(req: Request, b: Bundle, total: int, done_io: int) -> int:
    """``io_recv_finish``'s put of a RECV's bundle (``io_put_kbufs``) when the request ends with
    ``total`` bytes, ``done_io`` of them from earlier parts: its CQE flags.  A bundle that moved
    nothing goes back (``io_kbuf_recycle``), but a ring buffer consumed in io-wq is named even so."""
    if total > 0 or b.kbuf is None and b.bl is None:
        return put_bundle(b, total - done_io)
    recycle_bundle(req, b)
    return 0


def _iter_left(st: SrState) -> int:
    """``iov_iter_count(&kmsg->msg.msg_iter)`` before a bundle RECV's receive: what its buffers (the
    bundle's, or the request's own) have room for; ``io_recv``'s ``min_ret`` with MSG_WAITALL."""
    b = st.bundle
    if b is not None:
        return b.out_len - st.iter_off
    return len(st.view) - st.iter_off if st.view is not None else 0


def _waitall_part(st: SrState, ret: int) -> int:
    """``io_recv`` with MSG_WAITALL after a short receive on a stream socket (``io_net_retry``): the
    bytes are kept (``done_io``), the buffers stay mapped for the rest (the message's iterator
    advanced, no new selection: REQ_F_BUFFER_RING stays set), never recycled (REQ_F_BL_NO_RECYCLE),
    and a ring's buffers the bytes reached are consumed now (``io_net_kbuf_recyle`` ->
    ``io_kbuf_commit``), the only commit of the bundle: the CQE then names the bundle's first buffer
    and the head stays past the buffers of this first part alone (``lbd-waitall-ring``).  The request
    waits on its poll for the rest."""
    st.done_io += ret
    st.iter_off += ret
    st.keep = True
    b = st.bundle
    if b is not None:
        commit_bundle(b, ret)
    return -EAGAIN


def _recycle_kmsg(req: Request, st: SrState, issue_flags: int) -> None:
    """``io_req_msg_cleanup``: the message header goes back to the ring's cache, except from io-wq
    (IO_URING_F_UNLOCKED: its iovec array is freed and the header with it)."""
    if not issue_flags & IO_URING_F_IOWQ:
        req.ctx.ext(NetmsgCache).give(st.vec_nr)


def _try(req: Request, st: SrState, sock: UnixSocket, issue_flags: int) -> IssueResult:
    """One non-blocking issue of a SEND / RECV / SENDMSG / RECVMSG on its socket: the result, or
    -EAGAIN to wait for the poll."""
    if st.flags & IORING_RECVSEND_BUNDLE:
        return _send_bundle(req, st, sock, issue_flags) if st.send else _recv_bundle(req, st, sock, issue_flags)
    if st.multishot:
        return _mshot(req, st, sock, issue_flags)
    return _after_nb(req, st, sock, _attempt(req, st, sock, issue_flags))


def _nowait_failed(req: Request, st: SrState) -> int:
    """REQ_F_NOWAIT and -EAGAIN: the request fails (``io_sendrecv_fail``: the count so far if any),
    with the provided buffer it still holds (``io_req_defer_failed``)."""
    req.fail_links = True
    ret = st.done_io if st.done_io else -EAGAIN
    _put(req, st, ret)
    return ret


def sr_issue_nowait(req: Request, issue_flags: int) -> IssueResult:
    """``io_send`` / ``io_recv`` with IO_URING_F_NONBLOCK (MSG_DONTWAIT added)."""
    st: SrState = req.op
    req.worker.charge(st.costs.issue_ns)
    sock = _check(req, st)
    ret = sock if isinstance(sock, int) else _try(req, st, sock, issue_flags)
    if ret == -EAGAIN and st.nowait:
        post_completion(req.worker, req, _nowait_failed(req, st), req.cflags)
        return ISSUE_SKIP_COMPLETE
    return ret


def _send_bundle_mshot(st: SrState) -> bool:
    """A bundle SEND: ``io_send_setup`` sets REQ_F_MULTISHOT on it (it may post several CQEs)."""
    return st.send and bool(st.flags & IORING_RECVSEND_BUNDLE)


def sr_issue(req: Request, issue_flags: int) -> Generator[simpy.Event, Any, IssueResult]:
    """``io_send`` / ``io_recv`` from an io-wq worker (``io_wq_submit_work``).

    Forced async (IOSQE_ASYNC) on a socket: tried without blocking (IO_URING_F_NONBLOCK,
    so a datagram socket shut for reading answers -EAGAIN, not the 0 of a waiting
    ``unix_dgram_recvmsg``: found by the differential fuzzer's state mode) and the
    poll armed on -EAGAIN.  Otherwise (or when no poll can be armed) the
    call blocks in the socket, unless MSG_DONTWAIT.
    """
    if issue_flags & IO_URING_F_NONBLOCK:
        return sr_issue_nowait(req, issue_flags)
    st: SrState = req.op
    task = req.worker
    if (st.multishot or _send_bundle_mshot(st)) and (req.file is None or not req.file.pollable):
        return -EBADFD  # io_wq_submit_work: a multishot request on a file that cannot be polled
    if _send_bundle_mshot(st):
        # io_wq_submit_work runs no REQ_F_MULTISHOT request: it arms the (one-shot, EPOLLOUT) poll, and
        # a socket already writable (IO_APOLL_READY) or a spent budget fails the request (difffuzz bundle)
        if arm_poll(task, req, iowq=True):
            return ISSUE_SKIP_COMPLETE
        req.fail_links = True
        return -ECANCELED
    if st.multishot and arm_poll(task, req):
        return ISSUE_SKIP_COMPLETE  # io-wq runs no multishot receive: it polls, and task work receives
    task.charge(st.costs.issue_ns)
    sock = _check(req, st)
    if isinstance(sock, int):
        if sock != -EAGAIN:
            return sock
        if st.nowait:
            return _nowait_failed(req, st)
        if arm_poll(task, req, iowq=True):
            return ISSUE_SKIP_COMPLETE
        sock2 = _check(req, st)  # now REQ_F_POLLED
        if isinstance(sock2, int):
            return sock2
        sock = sock2
        if not st.multishot:
            # IO_APOLL_READY: io_wq_submit_work drops needs_poll and IO_URING_F_NONBLOCK, so the
            # worker blocks in the socket (MSG_WAITALL: until all of it; a cancel then finds it
            # running, -EALREADY, and interrupts it), a bundle too (difffuzz bundle seed 1066)
            return (yield from _blocking_issue(req, st, sock, issue_flags))
    if st.multishot:
        ret = _try(req, st, sock, issue_flags | IO_URING_F_NONBLOCK)
        return _nowait_failed(req, st) if ret == -EAGAIN else ret
    if req.flags & IOSQE_ASYNC or st.nowait or st.flags & IORING_RECVSEND_BUNDLE:
        # io_wq_submit_work's needs_poll: IO_URING_F_NONBLOCK, MSG_DONTWAIT (a bundle polls first too)
        ret = _try(req, st, sock, issue_flags | IO_URING_F_NONBLOCK)
        if ret != -EAGAIN:
            return ret
        if st.nowait:
            return _nowait_failed(req, st)
        if arm_poll(task, req, iowq=True):
            return ISSUE_SKIP_COMPLETE
    return (yield from _blocking_issue(req, st, sock, issue_flags))


def _blocking_issue(
    req: Request, st: SrState, sock: UnixSocket, issue_flags: int
) -> Generator[simpy.Event, Any, IssueResult]:
    """``io_send`` / ``io_recv`` without IO_URING_F_NONBLOCK in an io-wq worker: the call waits in
    ``unix_stream_sendmsg`` / ``unix_stream_read_generic`` (``unix_dgram_*`` for a datagram socket)."""
    task = req.worker
    if st.msghdr_call and sock.nonblock:
        return _nonblock_file_issue(req, st, sock, issue_flags)
    partial = False  # a short MSG_WAITALL part kept: the socket call is still waiting for the rest
    while True:
        if sock.dgram:  # unix_dgram_sendmsg / unix_dgram_recvmsg, waiting
            assert isinstance(sock, UnixDgramSocket)
            ret = _attempt(req, st, sock, issue_flags)
            if ret == -EAGAIN:  # a full receiver's peer_wait (unix_wait_for_peer), else our own
                wq = sock.full_wait if st.send and sock.full_wait is not None else sock.wq
                ret = yield from block_on(
                    task, wq, WRITE_EVENTS if st.send else READ_EVENTS, lambda: _attempt(req, st, sock, issue_flags),
                    first=ret,
                )
            # a short MSG_WAITALL receive (SOCK_SEQPACKET: one message) is io_net_retry's -EAGAIN, which
            # io_wq_submit_work, past its poll, does not retry: the request fails with what it got
            # (io_sendrecv_fail), the next message left queued (difffuzz state seed 122111, fz10-*)
            return _finish(req, st, ret, sock)
        if st.send:
            if st.bgid >= 0:
                err = _select(req, st, issue_flags)
                if err:
                    return _finish(req, st, err, sock)
            view = _view(st)
            if isinstance(view, int) or st.has_addr:
                return _finish(req, st, _attempt(req, st, sock), sock)
            ret = yield from sock.write_wait(task, view[st.done_io :], -1)
            return _finish(req, st, ret, sock)
        if st.flags & IORING_RECVSEND_BUNDLE:
            ret = yield from block_on(task, sock.wq, READ_EVENTS, lambda: _recv_bundle_blocking(req, st, sock, issue_flags))
            return _finish(req, st, ret, sock) if ret == -ERESTARTSYS else ret
        ret = yield from block_on(task, sock.wq, READ_EVENTS, lambda: _attempt(req, st, sock, issue_flags))
        if st.msg_flags & MSG_WAITALL and 0 < ret < st.len - st.done_io:
            st.done_io += ret  # the target is the whole length: wait for more
            partial = True
            continue
        if ret <= 0 and partial:
            return _iowq_short(req, st)  # the end of stream, an error or a signal ended it short
        return _finish(req, st, ret, sock)


def _iowq_short(req: Request, st: SrState) -> int:
    """A blocking receive in io-wq that MSG_WAITALL left short: the end of stream, an error or a
    signal ended the socket's wait (``tcp_recvmsg`` / ``unix_stream_read_generic`` then return the
    bytes they got), so ``io_recv`` answers ``io_net_retry``'s -EAGAIN, which ``io_wq_submit_work``
    past its poll does not retry: the request fails (``io_req_task_queue_fail`` ->
    ``io_req_defer_failed``: its buffer named, and no IORING_CQE_F_SOCK_NONEMPTY, which only
    ``io_recv_finish`` sets) with the bytes (``io_sendrecv_fail``).  A short part an earlier,
    non-blocking try kept ends in ``io_recv_finish`` instead (``lbd-fz-iowq-waitall-shut``).
    Difffuzz bundle seed 39477, ``fz10-iowq-waitall-eof*``."""
    req.failed = True
    return sendrecv_fail(req, -EAGAIN)


def _recv_bundle_blocking(req: Request, st: SrState, sock: UnixSocket, issue_flags: int) -> int:
    """One try of a bundle RECV blocking in an io-wq worker: :func:`_recv_bundle` (one buffer at a
    time, IO_URING_F_IOWQ), whose -EAGAIN (nothing queued yet, or a MSG_WAITALL receive short of its
    buffers, kept) the worker sleeps on, as ``unix_stream_read_generic`` does; a receive that fills
    its buffer while more is queued takes one more (IORING_RECV_RETRY, ``io_recv_finish``)."""
    ret = _recv_bundle(req, st, sock, issue_flags)
    assert isinstance(ret, int)  # not multishot: no CQE posted, the poll not armed
    return ret


def _nonblock_file_issue(req: Request, st: SrState, sock: UnixSocket, issue_flags: int) -> int:
    """The blocking issue of a SENDMSG / RECVMSG on an O_NONBLOCK socket: ``____sys_sendmsg`` and
    ``____sys_recvmsg`` add MSG_DONTWAIT for a file with O_NONBLOCK, so the worker's call does not
    wait, and its -EAGAIN is the result (``io_sendmsg`` / ``io_recvmsg`` without
    IO_URING_F_NONBLOCK; the count so far if MSG_WAITALL had moved bytes).  SEND and RECV call
    ``sock_sendmsg`` / ``sock_recvmsg``, which ignore the file's flags: they wait.  Seen where a
    poll reports the socket ready while a non-blocking call still says -EAGAIN (a datagram socket
    shut for reading: POLLIN, POLLRDHUP), so the fast-poll budget runs out and io-wq issues it."""
    return _finish(req, st, _attempt(req, st, sock, issue_flags | IO_URING_F_NONBLOCK), sock)


# -- SENDMSG / RECVMSG -----------------------------------------------------------------


def _msg_prep(req: Request, sqe: Sqe, send: bool) -> int:
    """``io_sendmsg_prep`` + ``io_sendmsg_setup`` / ``io_recvmsg_prep`` + ``io_recvmsg_copy_hdr``: both
    refuse a non-zero ``addr2`` or ``file_index`` and a negative ``len`` (-EINVAL)."""
    if not send and (sqe.addr2 or sqe.file_index):
        return -EINVAL
    if _negative_len(sqe.len):
        return -EINVAL
    flags = sqe.ioprio
    msg_flags = _u32(sqe.op_flags)
    if not isinstance(flags, int) or msg_flags is None:
        return -EINVAL
    flags &= 0xFFFF
    if flags & ~(SENDMSG_FLAGS if send else RECVMSG_FLAGS):
        return -EINVAL
    if flags & IORING_RECVSEND_BUNDLE:
        return -EINVAL  # no bundle on the msg variants
    select = not send and bool(req.flags & IOSQE_BUFFER_SELECT)
    if send:
        msg_flags |= MSG_NOSIGNAL
        if sqe.addr2 or sqe.file_index:
            return -EINVAL
    elif flags & IORING_RECV_MULTISHOT:
        if not select or msg_flags & MSG_WAITALL:
            return -EINVAL  # multishot needs IOSQE_BUFFER_SELECT, and cannot wait for all
    costs = req.ctx.ext(RwRing).costs
    st = SrState(None, 0, flags, msg_flags, send, costs)
    st.vec_nr = req.ctx.ext(NetmsgCache).take()
    if select:
        bgid = sqe.buf_group
        if not isinstance(bgid, int):
            return -EINVAL
        st.bgid = bgid & 0xFFFF
        ret = _copy_msghdr_select(st, sqe.addr, bool(flags & IORING_RECV_MULTISHOT))
    else:
        ret = _copy_msghdr(st, sqe.addr, send)
    if ret:
        return ret
    iovs = st.iovs
    req.task.charge(costs.prep_ns + costs.iovec_ns * (len(iovs) if iovs is not None else 0))
    req.op = st
    return 0


def _copy_msghdr(st: SrState, msg: object, send: bool) -> int:
    """``io_msg_copy_hdr`` -> ``__copy_msghdr`` and the iovec import (``io_net_import_vec``)."""
    if not isinstance(msg, Msghdr):
        return -EFAULT  # copy_from_user of the msghdr
    name, namelen, iov, iovlen = msg.msg_name, msg.msg_namelen, msg.msg_iov, msg.msg_iovlen
    if not (isinstance(namelen, int) and isinstance(iovlen, int)):
        return -EFAULT
    if name is None:
        namelen = 0
    namelen &= 0xFFFF_FFFF
    if namelen >> 31:
        return -EINVAL  # a negative int
    namelen = min(namelen, SOCKADDR_STORAGE_SIZE)
    if namelen and send:
        addr = sockaddr_in(name, namelen)  # move_addr_to_kernel
        if isinstance(addr, int):
            return addr
        st.has_addr = True
        st.name = addr
    iovlen &= 0xFFFF_FFFF_FFFF_FFFF
    if iovlen > UIO_MAXIOV:
        return -EMSGSIZE
    if iovlen and (not isinstance(iov, (list, tuple)) or iovlen > len(iov)):
        return -EFAULT  # the iovec array is copied at prep
    entries: list[object] = []
    total = 0
    for item in iov[:iovlen] if iovlen and isinstance(iov, (list, tuple)) else ():
        entry = user_iovec_entry(item)  # a buffer, None ({NULL, 0}) or a uapi.Iovec
        if isinstance(entry, int):
            return entry
        entries.append(entry)
        total += entry[1]
    if len(entries) > max(st.vec_nr, 1):
        st.vec_nr = len(entries)  # io_net_import_vec: a longer iovec array replaces the header's
    st.iovs = entries
    st.len = total
    if not send:
        st.msg = msg
    return 0


def _copy_msghdr_select(st: SrState, msg: object, multishot: bool) -> int:
    """RECVMSG with IOSQE_BUFFER_SELECT: ``io_msg_copy_hdr`` reads only the length of
    the first iovec (none: the whole buffer; more than one: -EINVAL), then
    ``__copy_msghdr``'s name check and, multishot, ``io_recvmsg_mshot_prep``: a
    negative ``msg_namelen`` or a header of more than INT_MAX bytes is -EOVERFLOW."""
    if not isinstance(msg, Msghdr):
        return -EFAULT
    name, namelen, iov, iovlen = msg.msg_name, msg.msg_namelen, msg.msg_iov, msg.msg_iovlen
    controllen = msg.msg_controllen
    if not (isinstance(namelen, int) and isinstance(iovlen, int) and isinstance(controllen, int)):
        return -EFAULT
    iovlen &= 0xFFFF_FFFF_FFFF_FFFF
    if iovlen > 1:
        return -EINVAL
    length = 0
    if iovlen:
        if not isinstance(iov, (list, tuple)) or not iov:
            return -EFAULT
        entry = user_iovec_entry(iov[0])
        if isinstance(entry, tuple):
            length = entry[1]
        elif entry == -EINVAL and isinstance(iov[0], Iovec) and isinstance(iov[0].len, int):
            length = iov[0].len  # only the length is read, unchecked (a size_t)
        else:
            return entry
        length &= 0xFFFF_FFFF  # sr->len is 32 bits
    raw = namelen & 0xFFFF_FFFF
    raw = raw - (1 << 32) if raw >> 31 else raw
    if name is not None and raw < 0:
        return -EINVAL  # __copy_msghdr
    if multishot:
        controllen &= 0xFFFF_FFFF_FFFF_FFFF
        if raw < 0 or RECVMSG_OUT_SIZE + raw + controllen > 0x7FFF_FFFF:
            return -EOVERFLOW
        st.namelen = raw if name is not None else 0
        st.hdr = RECVMSG_OUT_SIZE + raw + controllen
        st.multishot = True
        st.mshot_len = length
    st.len = length
    st.msg = msg
    return 0


def _msg_view(st: SrState) -> memoryview | int:
    """The iovecs as one flat view: gathered for a send (skbs fill across iovec
    boundaries), a scratch buffer scattered after each receive (:func:`_scatter`)."""
    views: list[object] = []
    for entry in st.iovs or ():
        assert isinstance(entry, tuple)
        v = user_bytes(entry[0], entry[1], kernel_writes=not st.send)
        if isinstance(v, int):
            return v
        views.append(v)
    st.iovs = views
    view = memoryview(b"".join(views)) if st.send else memoryview(bytearray(st.len))  # type: ignore[arg-type]
    st.view = view
    return view


def _scatter(st: SrState, pos: int, n: int) -> None:
    """Copy the ``n`` bytes received at ``pos`` of the scratch view to the iovecs."""
    src = st.view
    assert src is not None
    end = pos + n
    base = 0
    for dst in st.iovs or ():
        assert isinstance(dst, memoryview)
        size = len(dst)
        lo, hi = max(pos, base), min(end, base + size)
        if lo < hi:
            dst[lo - base : hi - base] = src[lo:hi]
        base += size
        if base >= end:
            break


def sendmsg_prep(req: Request, sqe: Sqe) -> int:
    """``io_sendmsg_prep`` for IORING_OP_SENDMSG."""
    return _msg_prep(req, sqe, send=True)


def recvmsg_prep(req: Request, sqe: Sqe) -> int:
    """``io_recvmsg_prep`` for IORING_OP_RECVMSG."""
    return _msg_prep(req, sqe, send=False)


# -- SHUTDOWN -------------------------------------------------------------------------


def _nonzero(v: object) -> bool:
    return not (v is None or (isinstance(v, int) and v == 0))


def shutdown_prep(req: Request, sqe: Sqe) -> int:
    """``io_shutdown_prep``."""
    if _nonzero(sqe.off) or _nonzero(sqe.addr) or _nonzero(sqe.op_flags) or _nonzero(sqe.buf_index) or _nonzero(sqe.file_index):
        return -EINVAL
    how = sqe.len
    if not isinstance(how, int):
        return -EINVAL
    how &= 0xFFFF_FFFF
    req.op = how - (1 << 32) if how >> 31 else how  # shutdown->how is an int
    req.flags |= IOSQE_ASYNC  # REQ_F_FORCE_ASYNC
    return 0


def shutdown_issue(req: Request, issue_flags: int) -> IssueResult:
    """``io_shutdown`` -> ``__sys_shutdown_sock`` -> ``unix_shutdown``."""
    task = req.worker
    task.charge(req.ctx.ext(RwRing).costs.issue_ns)
    sock = req.file
    if not isinstance(sock, UnixSocket):
        return -ENOTSOCK  # sock_from_file: an issue error, the link fails
    return complete_no_fail(req, issue_flags, sock.shutdown_sock(task, req.op))


def sendrecv_fail(req: Request, res: int) -> int:
    """``io_req_defer_failed`` then ``io_sendrecv_fail``: a request that fails after moving some bytes
    (a MSG_WAITALL transfer cancelled while it waits for the rest) completes with that count,
    ``done_io``.  A provided buffer it still holds (a bundle a MSG_WAITALL receive keeps,
    REQ_F_BL_NO_RECYCLE; a ring buffer io-wq consumed before the poll) is named in the CQE:
    ``io_put_kbuf(req, res, NULL)``, which commits nothing (no buffer list): IORING_CQE_F_BUF_MORE
    only for an incremental buffer io-wq consumed with a remainder (REQ_F_BUF_MORE) (``lbd-fz-*``,
    found by the differential fuzzer's bundle mode)."""
    st = req.op
    if not isinstance(st, SrState):
        return res
    held = st.bundle if st.bundle is not None else st.sel
    if held is not None:
        st.bundle = st.sel = None
        req.cflags |= buffer_cflags(held.bid) | (IORING_CQE_F_BUF_MORE if held.buf_more else 0)
    return st.done_io if st.done_io else res


def register(registry: PluginRegistry) -> None:
    common: dict[str, Any] = dict(
        needs_file=True, unbound_nonreg_file=True, ioprio=True, issue_nowait=sr_issue_nowait, fail=sendrecv_fail
    )
    registry.add_opcode(
        OpDef(IORING_OP_SEND, issue=sr_issue, prep=send_prep, name="SEND", pollout=True, buffer_select=True, **common)
    )
    registry.add_opcode(
        OpDef(IORING_OP_RECV, issue=sr_issue, prep=recv_prep, name="RECV", pollin=True, buffer_select=True, **common)
    )
    registry.add_opcode(OpDef(IORING_OP_SENDMSG, issue=sr_issue, prep=sendmsg_prep, name="SENDMSG", pollout=True, **common))
    registry.add_opcode(
        OpDef(IORING_OP_RECVMSG, issue=sr_issue, prep=recvmsg_prep, name="RECVMSG", pollin=True, buffer_select=True, **common)
    )
    registry.add_opcode(OpDef(IORING_OP_SHUTDOWN, issue=shutdown_issue, prep=shutdown_prep, name="SHUTDOWN", needs_file=True))
