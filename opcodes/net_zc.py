"""IORING_OP_SEND_ZC / SENDMSG_ZC (io_uring/net.c, io_uring/notif.c) on simulated sockets: AF_UNIX
ones do not support zero copy, TCP and UDP ones do (SOCK_SUPPORT_ZC).

Prep (``io_send_zc_prep``), in the kernel's order: a non-zero ``addr3`` or IOSQE_CQE_SKIP_SUCCESS is
-EINVAL; then the notification is allocated (``io_alloc_notif``: same user_data, res 0,
IORING_CQE_F_NOTIF); from here on every way the request ends posts it, after the request's own CQE.
The zc flags are ``ioprio``: a bit outside IORING_RECVSEND_POLL_FIRST, IORING_RECVSEND_FIXED_BUF,
IORING_SEND_ZC_REPORT_USAGE and IORING_SEND_VECTORIZED is -EINVAL; REPORT_USAGE makes the
notification's res IORING_NOTIF_USAGE_ZC_COPIED (nothing is ever sent zero-copy here).  The
notification is a request: a drain waits for it to be freed (``io_queue_deferred`` compares
``nr_req_allocated``), so a SEND_ZC with IOSQE_IO_DRAIN, allocating it at its own prep, is never
issued, and every request after it stays deferred too (the ring's drain never ends).  SEND_ZC
(``io_send_setup``): the high half of ``file_index`` (``__pad3``) non-zero is -EINVAL, a
destination address in ``addr2`` is copied as SEND's (``addr_len``, the low half of ``file_index``:
-EINVAL above a ``sockaddr_storage``, -EFAULT; a UDP socket sends there, TCP ignores it); the buffer is only range-checked
(``import_ubuf``: no fault at prep).  SENDMSG_ZC: a non-zero ``addr2`` or ``file_index`` is -EINVAL,
then the msghdr is copied as SENDMSG's (``io_sendmsg_setup``: -EFAULT, -EMSGSIZE...).  The request
keeps the notification as it would a registered buffer's node, so it is flushed when the request is
done, whatever ends it (``io_send_zc_cleanup`` -> ``io_notif_flush``).

Issue (``io_send_zc`` / ``io_sendmsg_zc``): a file that is not a socket is -ENOTSOCK; a socket
without SOCK_SUPPORT_ZC (every AF_UNIX socket) -EOPNOTSUPP, before POLL_FIRST and the fixed buffer's
import.  The error fails the link.  A TCP or UDP socket sends as SEND / SENDMSG do
(:func:`~simuring.opcodes.net.sr_issue`: the inline attempt, the poll, MSG_WAITALL, io-wq), with the
message flags' MSG_NOSIGNAL; its CQE carries IORING_CQE_F_MORE and the notification follows.  Over
loopback the kernel copies the pages when the receiver gets them, so the notification does not wait
for the receiver to read (REPORT_USAGE: ``IORING_NOTIF_USAGE_ZC_COPIED``).

CQEs: a request that fails through ``io_req_defer_failed`` (a prep error of a request not inside a
chain or heading one, an issue error, -EBADF for its file) posts its error with IORING_CQE_F_MORE
(``io_sendrecv_fail``), then, from task work queued behind the chain's, the notification; a request
completed by ``io_fail_links`` (cancelled by its link, or a prep error inside a chain) posts its
CQE without F_MORE, then the notification.

IORING_SEND_VECTORIZED (SEND_ZC): ``addr`` holds ``len`` iovecs, copied at prep (-EFAULT), sent as
one message (one datagram on UDP); with IORING_RECVSEND_FIXED_BUF too it is -EINVAL at prep
(``io_send_setup``), after the notification exists.

IORING_RECVSEND_FIXED_BUF: ``buf_index`` (read at prep) names a registered buffer, imported at the
first issue that passes the socket and POLL_FIRST checks (REQ_F_IMPORT_BUFFER): SEND_ZC's ``addr`` /
``len`` (``io_send_zc_import`` -> ``io_import_reg_buf``), SENDMSG_ZC's msghdr iovecs, copied at prep
without looking at their memory (``io_prep_reg_iovec``), then each range (``io_import_reg_vec``).
No buffer in the slot, a range not all inside the buffer or an empty iovec is -EFAULT (an issue
error: F_MORE, then the notification).  The lookup is the notification's, not the request's: the
buffer's node stays held until the notification is freed, after its CQE (a tagged buffer
unregistered meanwhile posts its tag after the notification).

Not modelled: the memory accounting of the notification (``io_notif_account_mem``), the pages pinned
until the notification (the data is copied at once here).
Costs: ``[rw]`` ``prep_ns`` (and ``iovec_ns`` per SENDMSG_ZC iovec), as SEND / SENDMSG.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from simuring.abi.errno import EFAULT, EINVAL, ENOTSOCK, EOPNOTSUPP
from simuring.abi.io_uring import (
    IORING_CQE_F_MORE,
    IORING_CQE_F_NOTIF,
    IORING_OP_SEND_ZC,
    IORING_OP_SENDMSG_ZC,
    IORING_RECVSEND_FIXED_BUF,
    IORING_RECVSEND_POLL_FIRST,
    IORING_SEND_ZC_REPORT_USAGE,
    IOSQE_CQE_SKIP_SUCCESS,
    Sqe,
)
from simuring.kernel.objects.socket import UnixSocket
from simuring.kernel.objects.tcp import TcpSocket
from simuring.kernel.objects.udp import UdpSocket
from simuring.kernel.opdef import IO_URING_F_NONBLOCK, IssueResult, OpDef
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.request import Request
from simuring.kernel.rsrc import RegBuf, find_buf, import_fixed, import_fixed_vec, user_iovec_entry
from simuring.kernel.taskwork import req_task_work_add
from simuring.opcodes.net import (
    MSG_NOSIGNAL,
    SrState,
    _copy_msghdr,
    _polled,
    copy_dest,
    sr_issue,
    sr_issue_nowait,
)
from simuring.opcodes.rw import RwRing

if TYPE_CHECKING:
    from collections.abc import Generator

    import simpy

    from simuring.host.task import Task

#: IORING_SEND_VECTORIZED (Linux 6.17): ``addr`` is an iovec array
IORING_SEND_VECTORIZED: Final = 1 << 5
ZC_FLAGS_VALID: Final = (
    IORING_RECVSEND_POLL_FIRST | IORING_RECVSEND_FIXED_BUF | IORING_SEND_ZC_REPORT_USAGE | IORING_SEND_VECTORIZED
)
#: IORING_NOTIF_USAGE_ZC_COPIED: the notification's res when REPORT_USAGE was asked and the data was copied
NOTIF_USAGE_ZC_COPIED: Final = -(1 << 31)
U32: Final = 0xFFFF_FFFF


class Notif:
    """The notification request (``io_alloc_notif``), held in the request's ``buf_node`` slot: put
    when the request is done, it posts its CQE from one task work item (``io_notif_flush`` ->
    ``io_notif_tw_complete``, lazy) that ``io_free_batch_list`` queues when it frees the request:
    at the flush of the submit it completed in, behind its chain's work (``io_queue_next`` before
    ``io_clean_op``).  So a wait runs both in one pass: two failed SEND_ZCs' notifications, or a
    failed one's cancelled link and its notification, arrive together (``fz10-zc-notif-*``).

    It is a request of its own: from its allocation to its free after the CQE it counts in
    ``ctx->nr_req_allocated`` (``ctx.nr_notifs``), which ``io_queue_deferred`` waits on."""

    __slots__ = ("req", "res", "buf_index", "buf")

    def __init__(self, req: Request, buf_index: int) -> None:
        self.req = req
        self.res = 0
        self.buf_index = buf_index  # req->buf_index, the slot IORING_RECVSEND_FIXED_BUF imports
        self.buf: RegBuf | None = None  # the registered buffer's node, held until the notification is freed
        req.ctx.nr_notifs += 1

    def put(self, by: Task | None) -> None:
        req = self.req
        if req.link is not None:
            req.after_link = self._flush  # the chain moves on first
        elif req.ctx.batch_open:
            req.ctx.batch.append(lambda: self._flush(by))  # freed at the submit's flush
        else:
            self._flush(by)

    def _flush(self, by: Task | None) -> None:
        req_task_work_add(by, self.req, self._post)

    def _post(self, task: Task) -> None:
        req = self.req
        ctx = req.ctx
        ctx.post_cqe(task, req.user_data, self.res, IORING_CQE_F_NOTIF, req.submitted_at, req.task, None)
        ctx.nr_notifs -= 1  # freed with the batch (__io_submit_flush_completions -> io_queue_deferred)
        if self.buf is not None:
            self.buf.put(task)  # io_free_batch_list puts the notification's buffer node
        if ctx.defer_list:
            ctx.kernel.submitter.queue_deferred(task, ctx)


def _import_vec(iov: object, n: object) -> tuple[list[object], int] | int:
    """IORING_SEND_VECTORIZED (``io_net_import_vec``): ``addr`` is an array of ``len`` iovecs, copied
    at prep (their entries, as :func:`~simuring.kernel.rsrc.user_iovec_entry` reads them); anything
    else is unreadable memory.  The entries and their total length."""
    if not isinstance(n, int) or not isinstance(iov, (list, tuple)) or n & U32 > len(iov):
        return -EFAULT
    entries: list[object] = []
    total = 0
    for item in iov[: n & U32]:
        entry = user_iovec_entry(item)
        if isinstance(entry, int):
            return entry
        entries.append(entry)
        total += entry[1]
    return entries, total


def _zc_prep(req: Request, sqe: Sqe) -> int:
    """``io_send_zc_prep``: the checks around the notification's allocation."""
    if sqe.addr3 or req.flags & IOSQE_CQE_SKIP_SUCCESS:
        return -EINVAL
    buf_index = sqe.buf_index
    notif = Notif(req, buf_index & 0xFFFF if isinstance(buf_index, int) else 0xFFFF)
    req.buf_node = notif
    req.cflags = IORING_CQE_F_MORE  # io_sendrecv_fail, for a failure that goes through it
    flags = sqe.ioprio
    if not isinstance(flags, int) or flags & 0xFFFF & ~ZC_FLAGS_VALID:
        return -EINVAL
    if flags & IORING_SEND_ZC_REPORT_USAGE:
        notif.res = NOTIF_USAGE_ZC_COPIED  # io_notif_tw_complete: not used for zero copy
    costs = req.ctx.ext(RwRing).costs
    msg_flags = sqe.op_flags
    msg_flags = (msg_flags & U32 if isinstance(msg_flags, int) else 0) | MSG_NOSIGNAL  # and MSG_ZEROCOPY
    length = sqe.len
    length = length & U32 if isinstance(length, int) and length >= 0 else 0
    if req.opcode == IORING_OP_SEND_ZC:
        word, addr = sqe.file_index, sqe.addr2
        if not isinstance(word, int) or (word >> 16) & 0xFFFF:
            return -EINVAL  # __pad3[0]
        st = SrState(sqe.addr, length, flags & IORING_RECVSEND_POLL_FIRST, msg_flags, True, costs)
        err = copy_dest(st, addr, word)
        if err:
            return err
        if flags & IORING_RECVSEND_FIXED_BUF and flags & IORING_SEND_VECTORIZED:
            return -EINVAL  # io_send_setup: no vectored send from a registered buffer
        if flags & IORING_SEND_VECTORIZED:
            vec = _import_vec(sqe.addr, sqe.len)
            if isinstance(vec, int):
                return vec
            st.iovs, st.len = vec
        req.task.charge(costs.prep_ns)
        st.zc_modes = flags
        req.op = st
        return 0
    if sqe.addr2 or sqe.file_index:
        return -EINVAL
    st = SrState(None, 0, flags & IORING_RECVSEND_POLL_FIRST, msg_flags, True, costs)
    st.zc_modes = flags
    ret = _copy_msghdr(st, sqe.addr, True)
    if ret:
        return ret
    iovs = st.iovs
    req.task.charge(costs.prep_ns + costs.iovec_ns * (len(iovs) if iovs is not None else 0))
    req.op = st
    return 0


def _zc_check(req: Request) -> int:
    """The socket checks at the top of ``io_send_zc`` / ``io_sendmsg_zc``: 0 for a TCP or a UDP socket."""
    if not isinstance(req.file, UnixSocket):
        return -ENOTSOCK
    if not isinstance(req.file, (TcpSocket, UdpSocket)):
        return -EOPNOTSUPP  # no SOCK_SUPPORT_ZC on an AF_UNIX socket
    st: SrState = req.op
    if not st.zc_modes & IORING_RECVSEND_FIXED_BUF or st.view is not None:
        return 0  # nothing to import, or imported at an earlier issue
    if st.flags & IORING_RECVSEND_POLL_FIRST and not _polled(req):
        return 0  # io_send_zc's -EAGAIN comes first: the import waits for the poll
    return _import_fixed(req, st)


def _import_fixed(req: Request, st: SrState) -> int:
    """IORING_RECVSEND_FIXED_BUF at the issue, after the socket and POLL_FIRST checks, once
    (REQ_F_IMPORT_BUFFER): SEND_ZC's ``io_send_zc_import`` (``io_import_reg_buf``: ``len`` bytes at
    ``addr``), SENDMSG_ZC's ``io_import_reg_vec`` (each iovec of the msghdr): slot ``buf_index`` is
    looked up for the notification, which keeps the node until it is freed (no buffer: -EFAULT),
    then every range must lie inside it (-EFAULT; an empty iovec too)."""
    notif: Notif = req.buf_node
    buf = notif.buf
    if buf is None:
        buf = find_buf(req.ctx, notif.buf_index)
        if buf is None:
            return -EFAULT
        buf.refs += 1  # io_find_buf_node on the notification (io_req_assign_buf_node)
        notif.buf = buf
    if st.iovs is None:
        view = import_fixed(buf, st.buf, st.len)
        if isinstance(view, int):
            return view
        st.view = view
        return 0
    views = import_fixed_vec(buf, st.iovs)  # type: ignore[arg-type]
    if isinstance(views, int):
        return views
    st.view = memoryview(b"".join(views))  # the skbs fill across iovec boundaries
    return 0


def zc_issue_nowait(req: Request, issue_flags: int) -> IssueResult:
    """``io_send_zc`` / ``io_sendmsg_zc`` inline: the checks, then SEND's / SENDMSG's attempt."""
    err = _zc_check(req)
    return err if err else sr_issue_nowait(req, issue_flags)


def zc_issue(req: Request, issue_flags: int) -> Generator[simpy.Event, Any, IssueResult]:
    """``io_send_zc`` / ``io_sendmsg_zc`` from io-wq: the checks, then SEND's / SENDMSG's issue."""
    if issue_flags & IO_URING_F_NONBLOCK:
        return zc_issue_nowait(req, issue_flags)
    err = _zc_check(req)
    if err:
        return err
    return (yield from sr_issue(req, issue_flags))


def register(registry: PluginRegistry) -> None:
    common: dict[str, Any] = dict(
        needs_file=True, unbound_nonreg_file=True, pollout=True, ioprio=True, issue_nowait=zc_issue_nowait
    )
    registry.add_opcode(OpDef(IORING_OP_SEND_ZC, issue=zc_issue, prep=_zc_prep, name="SEND_ZC", **common))
    registry.add_opcode(OpDef(IORING_OP_SENDMSG_ZC, issue=zc_issue, prep=_zc_prep, name="SENDMSG_ZC", **common))
