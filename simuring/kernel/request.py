"""``struct io_kiocb``: one in-flight request, and how it completes.

A request is created from an SQE at submission, issued by its opcode's
plug-in, and completed exactly once by posting a CQE (unless
IOSQE_CQE_SKIP_SUCCESS hides a success).  Completion also drives the link
chain (io_uring/io_uring.c: ``io_req_find_next``, ``io_fail_links``) and the
drain queue (``io_queue_deferred``).

Two completion paths exist, as in the kernel:

* inline, in the context that issued the request (``io_req_complete_defer``
  flushed at the end of submission): the CQE is posted directly;
* from another context (a timer, a poll wake-up): the completion is queued
  as task work for the ring's delivery mode (:mod:`simuring.kernel.taskwork`)
  and posted when that work runs.  An io-wq worker posts the CQE itself,
  except on a lockless-CQ (DEFER_TASKRUN) ring: :func:`complete_from_iowq`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simuring.abi.errno import ECANCELED
from simuring.abi.io_uring import (
    IORING_OP_LINK_TIMEOUT,
    IOSQE_ASYNC,
    IOSQE_CQE_SKIP_SUCCESS,
    IOSQE_IO_HARDLINK,
)
from simuring.kernel.taskwork import req_task_work_add

if TYPE_CHECKING:
    from collections.abc import Callable

    from simuring.host.task import Task
    from simuring.kernel.cancel import CancelHook
    from simuring.kernel.ctx import RingCtx
    from simuring.kernel.files import File
    from simuring.kernel.opdef import OpDef


class Request:
    """One request (``struct io_kiocb``) with the SQE fields the generic path copies."""

    __slots__ = (
        "ctx",
        "task",
        "worker",
        "opdef",
        "opcode",
        "flags",
        "user_data",
        "fd",
        "off",
        "addr",
        "len",
        "op_flags",
        "file_index",
        "file",
        "res",
        "cflags",
        "submitted_at",
        "seq",
        "link",
        "failed",
        "fail_links",
        "done",
        "op",
        "in_iowq",
        "id",
        "cancel_hook",
        "file_ref",
        "apoll_retries",
        "buf_node",
        "file_node",
        "op_node",
        # ``req->big_cqe``: the extra words of its 32-byte CQE, set by io_req_set_res32 (a NOP
        # with IORING_NOP_CQE32) and read by kernel/cq_big.py; left unset otherwise, so that
        # the hot path of every other request does not pay for it
        "big_cqe",
        # ``io_clean_op``'s work that ``io_free_batch_list`` does after ``io_queue_next`` moved the
        # chain on (a SEND_ZC's notification flush, opcodes/net_zc.py): set only for a request
        # with a link when it is done, run by :func:`follow_link`
        "after_link",
    )
    big_cqe: tuple[int, int] | None
    after_link: Callable[[Task | None], None] | None

    def __init__(self, ctx: RingCtx, task: Task, opdef: OpDef | None, opcode: int, flags: int, user_data: int) -> None:
        self.ctx = ctx
        self.task = task  # the submitter (req->task): completions go back to it
        self.worker = task  # who runs the request right now (inline: the submitter)
        self.opdef = opdef
        self.opcode = opcode
        self.flags = flags
        self.user_data = user_data
        self.fd = 0
        self.off: object = 0  # sqe.off: an int, or a struct (TIMEOUT_REMOVE's update Timespec in addr2)
        self.addr: object = 0  # sqe.addr: an int, a user buffer, a struct (Timespec, ...)
        self.len = 0
        self.op_flags = 0
        self.file_index = 0
        self.file: File | None = None
        self.res = 0
        self.cflags = 0
        self.submitted_at = 0
        self.seq = 0
        self.link: Request | None = None
        self.failed = False  # REQ_F_FAIL
        self.fail_links = False  # set by an op for a short read/write
        self.done = False
        # op-private state, the io_kiocb command area: each op stores and reads its
        # own class there (RwState, TimeoutOp, ...), so the core cannot name a type
        self.op: Any = None
        self.in_iowq = False
        self.id = 0
        # Registered by an op while the request is parked (armed poll, pending
        # timer): the table it is in and how to cancel it (kernel/cancel.py).  A
        # parked request without it cannot be cancelled (ASYNC_CANCEL: -EALREADY).
        self.cancel_hook: CancelHook | None = None
        # the request holds a reference on ``file`` (io_file_get_normal's fget),
        # dropped when it completes
        self.file_ref = False
        # fast-poll arms left (``async_poll.retries``; None before the first arm): kernel/poll.py
        self.apoll_retries: int | None = None
        # the registered buffer's node the request imported (``req->buf_node``, a
        # reference on it: kernel/rsrc.py's RegBuf), put when the request is done
        self.buf_node: Any = None
        # the registered file slot's node it took its file from (IOSQE_FIXED_FILE:
        # ``req->file_node``, a reference on kernel/rsrc.py's FileNode), put when done
        self.file_node: Any = None
        # a file slot's node the op itself holds (SPLICE / TEE's SPLICE_F_FD_IN_FIXED input:
        # ``io_splice.rsrc_node``), put by ``io_clean_op`` before the two above
        self.op_node: Any = None

    def __repr__(self) -> str:
        name = self.opdef.name if self.opdef else str(self.opcode)
        return f"<Request {name} user_data={self.user_data} res={self.res}>"

    def put_file(self, by: Task | None) -> None:
        """``io_put_file``: drop the request's own reference on its file, if it holds one."""
        file = self.file
        if self.file_ref and file is not None:
            self.file_ref = False
            file.put(by)

    def put_rsrc_nodes(self, by: Task | None) -> None:
        """``io_free_batch_list``: ``io_clean_op`` drops the op's own node (a SPLICE's fixed
        input), then ``io_req_put_rsrc_nodes`` the nodes of the request's registered file
        and buffer (the last reference to a node posts its tag's CQE)."""
        node = self.op_node
        if node is not None:
            self.op_node = None
            node.put(by)
        node = self.file_node
        if node is not None:
            self.file_node = None
            node.put(by)
        node = self.buf_node
        if node is not None:
            self.buf_node = None
            node.put(by)

    def set_fail(self, res: int) -> None:
        """``req_fail_link_node``: mark failed with ``res`` (links after it are cancelled)."""
        self.failed = True
        self.res = res


def post_completion(by: Task | None, req: Request, res: int, cflags: int = 0, set_fail: bool = True) -> None:
    """Post ``req``'s CQE now, in context ``by``, and move its chain on.

    Mirrors ``__io_req_complete_post`` + ``io_req_find_next``: the CQE is
    suppressed for a successful IOSQE_CQE_SKIP_SUCCESS request; a failed
    request (negative result, or an op-flagged short transfer) cancels the
    rest of its chain with -ECANCELED unless it is IOSQE_IO_HARDLINK.

    ``set_fail``: a negative ``res`` marks the request failed, as the ops
    do with ``req_set_fail`` before they complete.  The few completions the
    kernel sets without it pass False, and then a negative result is neither
    a link failure nor a reason to post a CQE_SKIP_SUCCESS request's CQE
    (the kernel tests REQ_F_CQE_SKIP, which only ``req_set_fail`` clears):
    a LINK_TIMEOUT completing with -ECANCELED or -ETIME, a TIMEOUT with
    IORING_TIMEOUT_ETIME_SUCCESS expiring with -ETIME.
    """
    if req.done:
        return
    req.done = True
    req.res = res
    if req.file_ref:  # the file goes before the CQE is posted
        req.put_file(by)
    ctx = req.ctx
    failed = (set_fail and res < 0) or req.failed or req.fail_links
    skip = (req.flags & IOSQE_CQE_SKIP_SUCCESS) and not failed
    if not skip:
        ctx.post_cqe(by, req.user_data, res, cflags, req.submitted_at, req.task, req)
    ctx.request_done(by, req)
    nxt = req.link
    req.link = None
    if nxt is None:
        return
    if ctx.batch_open:  # completed inline in io_submit_sqes: io_free_batch_list, after the flush
        ctx.batch.append(lambda: follow_link(by, req, nxt, failed))
        return
    follow_link(by, req, nxt, failed)


def follow_link(by: Task | None, req: Request, nxt: Request, failed: bool) -> None:
    """``io_free_batch_list`` for a request with a link: the chain moves on (``io_queue_next``),
    then the request's ``io_clean_op`` work that waited for it (:attr:`Request.after_link`)."""
    _queue_next(by, req, nxt, failed)
    work = getattr(req, "after_link", None)
    if work is not None:
        req.after_link = None  # run once
        work(by)


def _queue_next(by: Task | None, req: Request, nxt: Request, failed: bool) -> None:
    """``io_queue_next`` -> ``io_req_find_next`` / ``io_disarm_next``: the chain
    after the completed ``req`` moves on (``nxt`` is the member after it)."""
    if nxt.opcode == IORING_OP_LINK_TIMEOUT and not nxt.failed:
        after = disarm_linked_timeout(by, nxt)
        if after is None:
            return
        nxt = after
    if failed and not (req.flags & IOSQE_IO_HARDLINK):
        queue_fail_links(by, nxt, ignore_cqes=bool(req.flags & IOSQE_CQE_SKIP_SUCCESS), cause=req)
    else:
        req.ctx.kernel.submitter.queue_linked(by, nxt)


def disarm_linked_timeout(by: Task | None, lt: Request) -> Request | None:
    """``io_disarm_next``: the request finished before its LINK_TIMEOUT fired.

    The timeout (armed or not) is taken out of the chain and completes with
    -ECANCELED; returns the member after it, where the chain goes on.  When
    the timer had already fired, the plug-in unlinked it and this is not reached.
    """
    nxt = lt.link
    lt.link = None
    opdef = lt.opdef
    if opdef is not None and opdef.ltimeout_disarm is not None:
        opdef.ltimeout_disarm(lt)
    # io_req_queue_tw_complete: the -ECANCELED is posted from task work (so after
    # the other CQEs of the batch that completed the guarded request), without
    # req_set_fail; queued before the next member's own task work
    req_task_work_add(by, lt, lambda task: post_completion(task, lt, -ECANCELED, set_fail=False), lazy=False)
    return nxt


def queue_fail_links(by: Task | None, link: Request, ignore_cqes: bool, cause: Request) -> None:
    """``io_fail_links``: the rest of a failed chain is completed from task work
    (``io_req_tw_fail_links``), not at once, so its CQEs come after the other
    completions of the batch in which the failing request completed (Linux
    6.18: a READ failing inline linked to a NOP, then an unlinked NOP in the same
    submission post READ, unlinked NOP, cancelled NOP)."""
    req_task_work_add(by, link, lambda task: fail_links(task, link, ignore_cqes, cause), lazy=False)


def fail_links(by: Task | None, link: Request | None, ignore_cqes: bool = False, cause: Request | None = None) -> None:
    """``io_fail_links``: complete every request of a chain with -ECANCELED.

    A member already marked failed (a prep error inside the chain) keeps its
    own error.  Cancelled members post a CQE even if they asked for
    CQE_SKIP_SUCCESS, unless the request that failed had it (``ignore_cqes``).
    ``cause`` is the failed request whose chain this is (the trace's
    ``io_uring_fail_link`` names it).
    """
    while link is not None:
        nxt = link.link
        link.link = None
        res = link.res if link.failed else -ECANCELED
        link.done = True
        link.res = res
        tracer = link.ctx.tracer
        if tracer.enabled and cause is not None:
            at = by.now() if by is not None else int(link.ctx.env.now)
            tracer.emit(at, "io_uring_fail_link", tid=by.tid if by is not None else None, **req_fields(cause), link=link.id)
        if not ignore_cqes:
            link.ctx.post_cqe(by, link.user_data, res, 0, link.submitted_at, link.task, link)
        link.put_file(by)
        link.ctx.request_done(by, link)
        link = nxt


def complete_async(by: Task | None, req: Request, res: int, cflags: int = 0) -> None:
    """Completion from outside the submitter's context: through task work.

    ``io_req_task_work_add``: the CQE is posted when the ring's delivery mode
    lets the submitter (or, with DEFER_TASKRUN, the ring owner) run the work.
    """
    def run(task: Task) -> None:
        post_completion(task, req, res, cflags)

    req_task_work_add(by, req, run)


def complete_from_iowq(worker: Task, req: Request, res: int, cflags: int = 0, set_fail: bool = True) -> None:
    """``io_req_complete_post``: an io-wq worker completes ``req``.

    The worker posts the CQE itself, under the completion lock, and wakes the
    CQ waiters (``io_cq_unlock_post``), unless the ring's CQ is lockless
    (DEFER_TASKRUN, IOPOLL: ``ctx->lockless_cq``): then the completion goes
    to task work (``io_req_task_complete`` through a plain, non-lazy
    ``io_req_task_work_add``), which on a DEFER_TASKRUN ring wakes the owner
    at once whatever its ``min_complete``.

    ``set_fail``: as for :func:`post_completion` (False: an op that sets its
    result without ``req_set_fail``, so a negative one does not fail its link).
    """
    if not req.ctx.lockless_cq:
        post_completion(worker, req, res, cflags, set_fail)
        return

    def run(task: Task) -> None:
        post_completion(task, req, res, cflags, set_fail)

    req_task_work_add(worker, req, run, lazy=False)


def forced_async(req: Request) -> bool:
    return bool(req.flags & IOSQE_ASYNC)


def req_fields(req: Request) -> dict[str, Any]:
    """The fields the io_uring tracepoints take from a request (``req->ctx``, the
    request, ``req->cqe.user_data``, ``req->opcode`` and its name ``op_str``).

    ``ctx`` is the ring's id and ``req`` the request's number in its ring
    (the kernel records pointers)."""
    opdef = req.opdef
    return {
        "ctx": req.ctx.id,
        "req": req.id,
        "user_data": req.user_data,
        "opcode": req.opcode,
        "op_str": opdef.name if opdef is not None else "INVALID",
    }
