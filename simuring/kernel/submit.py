"""The submission path: ``io_submit_sqes``, ``io_init_req``, links, drain, issue.

Mirrors io_uring/io_uring.c:

* ``submit_sqes`` consumes up to ``nr`` SQEs in order through ``sq_array``
  (or directly with IORING_SETUP_NO_SQARRAY).  An array entry that indexes
  past the SQE array is dropped (``sq_dropped``) and ends the batch.  An SQE
  that fails ``io_init_req`` (bad fields, unknown opcode, the op's ``prep``)
  completes at once with its error CQE and counts as consumed; submission
  then stops unless IORING_SETUP_SUBMIT_ALL, except inside a link chain,
  where the chain is assembled on and failed as a whole when it closes
  (``io_submit_fail_init``).
* Links: requests flagged IOSQE_IO_LINK / IO_HARDLINK are chained to the
  following SQE; the head is queued when the chain closes (or at the end of
  the batch, as it is).  The next member is queued when its predecessor
  completes (``io_queue_next``, through task work).
* Drain: an IOSQE_IO_DRAIN request switches the ring to drain mode
  (``ctx->drain_active``).  While it lasts every request is forced async
  and goes through the ``defer_list`` (``io_drain_req``): the first entry
  leaves it only when every live request of the ring is deferred, the
  entries after it follow until the next DRAIN one, which again waits for
  all others (``io_queue_deferred``); a released request is issued from
  task work, in an io-wq worker as it is forced async.  Drain mode ends
  when a request without DRAIN finds the list empty after its own turn.  A
  DRAIN on a member of a chain being assembled drains the chain's head
  instead, and the first request after the chain that does not join a
  chain (``io_init_drain`` and ``ctx->drain_next`` in ``io_init_req``).
* Issue: inline with IO_URING_F_NONBLOCK; a request that answers -EAGAIN is
  retried by poll (pollable files) or punted to io-wq; IOSQE_ASYNC goes to
  io-wq directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final, Protocol, cast

from simuring.abi.errno import EACCES, EAGAIN, EBADF, ECANCELED, EINVAL, EOPNOTSUPP
from simuring.abi.io_uring import (
    IORING_OP_LAST,
    IORING_OP_LINK_TIMEOUT,
    IORING_SETUP_IOPOLL,
    IORING_SETUP_NO_SQARRAY,
    IORING_SETUP_SQPOLL,
    IORING_SETUP_SUBMIT_ALL,
    IOSQE_ASYNC,
    IOSQE_BUFFER_SELECT,
    IOSQE_CQE_SKIP_SUCCESS,
    IOSQE_FIXED_FILE,
    IOSQE_FLAGS_ALL,
    IOSQE_IO_DRAIN,
    IOSQE_IO_HARDLINK,
    IOSQE_IO_LINK,
)
from simuring.abi.limits import U32
from simuring.host.gen import is_generator
from simuring.kernel.files import files_of
from simuring.kernel.opdef import IO_URING_F_NONBLOCK, ISSUE_SKIP_COMPLETE, IssueResult
from simuring.kernel.poll import arm_poll
from simuring.kernel.request import Request, post_completion, req_fields
from simuring.kernel.taskwork import req_task_work_add

if TYPE_CHECKING:
    from simuring.abi.io_uring import Sqe
    from simuring.host.task import Task
    from simuring.kernel import Kernel
    from simuring.kernel.ctx import RingCtx
    from simuring.kernel.files import File
    from simuring.kernel.opdef import OpDef

LINK_FLAGS: Final = IOSQE_IO_LINK | IOSQE_IO_HARDLINK


class SqeSlot(Protocol):
    """An SQE's fields as the kernel finds them in the slot: whatever the user
    stored.  ``io_init_req`` reads them through this view, so that a value that
    is not an integer where the C field is one fails the request with -EINVAL
    instead of raising (the compiled build checks a field's declared type when it
    reads it from an :class:`~simuring.abi.io_uring.Sqe`; this view declares none)."""

    opcode: object
    flags: object
    ioprio: object
    fd: object
    off: object
    addr: object
    len: object
    op_flags: object
    user_data: object
    buf_index: object
    personality: object
    file_index: object
    addr3: object


class SubmitState:
    """``struct io_submit_link``: the chain being assembled during one batch."""

    __slots__ = ("head", "last")

    def __init__(self) -> None:
        self.head: Request | None = None
        self.last: Request | None = None


def call_issue(req: Request, issue_flags: int) -> IssueResult:
    """Call the op's ``issue``; a generator issue must finish without yielding here."""
    opdef = req.opdef
    assert opdef is not None
    if opdef.issue_nowait is not None and issue_flags & IO_URING_F_NONBLOCK:
        return opdef.issue_nowait(req, issue_flags)
    gen = opdef.issue(req, issue_flags)
    if not is_generator(gen):
        return cast(IssueResult, gen)
    try:
        next(gen)
    except StopIteration as stop:
        ret: IssueResult = stop.value
        return ret
    raise RuntimeError(
        f"opcode {opdef.name} (plug-in {opdef.plugin!r}) tried to block while issued with "
        "IO_URING_F_NONBLOCK; return -EAGAIN instead and let the request be punted"
    )


class Submitter:
    """The generic request path shared by io_uring_enter and the SQPOLL thread."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.env = kernel.env
        # the opcode table's dict itself (read only here): typed as the dict it is, a
        # compiled ``get`` is the dict's own, not a method looked up on a Mapping
        self.ops = cast("dict[int, OpDef]", kernel.registry.ops.by_opcode)
        # ``ctx->submit_state.link`` of the batch being submitted (submission never
        # yields, so one slot suffices); LINK_TIMEOUT's prep reads it
        self.link: SubmitState | None = None

    # -- consuming SQEs ------------------------------------------------------
    def submit_sqes(self, task: Task, ctx: RingCtx, nr: int) -> int:
        """``io_submit_sqes``: returns the number of SQEs consumed."""
        rings = ctx.rings
        entries = (rings.sq_tail - ctx.cached_sq_head) & U32
        if entries == 0 or nr <= 0:
            return 0
        todo = min(nr, entries)
        state = SubmitState()
        self.link = state
        submitted = 0
        no_array = ctx.flags & IORING_SETUP_NO_SQARRAY
        submit_all = ctx.flags & IORING_SETUP_SUBMIT_ALL
        submit_cost = self.kernel.costs.uring.submit_sqe_ns
        stats = task.stats
        sq_mask = rings.sq_mask
        sq_array = rings.sq_array
        sqes = rings.sqes
        sq_entries = ctx.sq_entries
        tracing = ctx.tracer.enabled
        if tracing:
            ctx.trace_rings(task.now())  # the SQ as the kernel finds it
        # the batch's inline completions (``submit_state.compl_reqs``): their commit
        # hooks and chain follow-ups wait for its flush (:meth:`RingCtx.flush_batch`)
        ctx.batch_open = True
        ctx.batch_posted = 0
        try:
            for _ in range(todo):
                head = ctx.cached_sq_head
                ctx.cached_sq_head = (head + 1) & U32
                idx = head & sq_mask if no_array else sq_array[head & sq_mask]
                if not isinstance(idx, int) or not 0 <= idx < sq_entries:
                    rings.sq_dropped = (rings.sq_dropped + 1) & U32
                    break
                submitted += 1
                task.charge(submit_cost)
                sqe = sqes[idx]
                if stats is not None:
                    raw: SqeSlot = sqe  # type: ignore[assignment]  # any opcode a user stored
                    stats.submitted(raw.opcode)
                # io_submit_sqe: init, then link assembly or queueing
                if ctx.drain_next and state.head is None:
                    req, err = self._init_req(task, ctx, sqe, True)
                else:
                    req, err = self._init_req(task, ctx, sqe)
                if tracing:
                    self._trace_submit(task, req, sqe, err)
                if err:
                    stop = self._fail_init(task, req, err, state)
                elif state.head is None and not req.flags & LINK_FLAGS:
                    stop = 0
                    # as io_submit_sqe: the common case is issued inline (io_queue_sqe); a
                    # failed, drained or IOSQE_ASYNC request takes queue() (io_queue_sqe_fallback)
                    if req.failed or req.flags & (IOSQE_IO_DRAIN | IOSQE_ASYNC) or ctx.drain_active:
                        self.queue(task, req)
                    else:
                        self.issue(task, req, IO_URING_F_NONBLOCK)
                else:
                    stop = self._link_req(task, req, state)
                if stop and not submit_all:
                    break
            if state.head is not None:  # a chain still open at the end of the batch
                head_req = state.head
                state.head = None
                self.queue(task, head_req)
        finally:
            self.link = None
            ctx.flush_batch(task)
        rings.sq_head = ctx.cached_sq_head
        if tracing:
            ctx.trace_rings(task.now())
        return submitted

    def _trace_submit(self, task: Task, req: Request, sqe: Sqe, err: int) -> None:
        """``io_uring_submit_req`` for a request that passed ``io_init_req``, or
        ``io_uring_req_failed`` (``io_submit_fail_init``) with the SQE's fields."""
        ctx = req.ctx
        fields = req_fields(req)
        raw: SqeSlot = sqe  # type: ignore[assignment]  # a failed request's fields may be anything
        if not err:
            sq_thread = bool(ctx.flags & IORING_SETUP_SQPOLL)
            ctx.tracer.emit(task.now(), "io_uring_submit_req", tid=task.tid, **fields, flags=req.flags, sq_thread=sq_thread)
            return
        ctx.tracer.emit(
            task.now(),
            "io_uring_req_failed",
            tid=task.tid,
            **fields,
            flags=raw.flags,
            ioprio=raw.ioprio,
            off=raw.off,
            len=raw.len,
            op_flags=raw.op_flags,
            buf_index=raw.buf_index,
            personality=raw.personality,
            file_index=raw.file_index,
            error=err,
        )

    def _link_req(self, task: Task, req: Request, state: SubmitState) -> int:
        """``io_submit_sqe``'s link assembly for a request that is part of a chain."""
        head = state.head
        if head is not None:
            assert state.last is not None
            tracer = req.ctx.tracer
            if tracer.enabled:
                tracer.emit(task.now(), "io_uring_link", tid=task.tid, ctx=req.ctx.id, req=req.id, target_req=state.last.id)
            state.last.link = req
            state.last = req
            if req.flags & LINK_FLAGS:
                return 0
            state.head = None
            self.queue(task, head)
            return 0
        state.head = req  # the first member: wait until the chain closes
        state.last = req
        return 0

    def _init_req(self, task: Task, ctx: RingCtx, sqe: Sqe, drain_next: bool = False) -> tuple[Request, int]:
        """``io_init_req``: copy the SQE's common fields and run the op's prep.

        ``drain_next``: the ring has ``ctx->drain_next`` pending and no chain is
        being assembled, so this request is the "next" one to drain.
        """
        raw: SqeSlot = sqe  # type: ignore[assignment]  # the fields as stored (SqeSlot)
        opcode_field = raw.opcode
        flags_field = raw.flags
        user_data_field = raw.user_data
        fields_ok = True
        if isinstance(flags_field, int):
            flags = flags_field
        else:
            flags, fields_ok = 0, False
        if isinstance(user_data_field, int):
            user_data = user_data_field
        else:
            user_data, fields_ok = 0, False  # the CQE of a request whose user_data is not an integer carries 0
        if isinstance(opcode_field, int):
            opcode = opcode_field
            opdef = self.ops.get(opcode)
        else:
            opcode, opdef = -1, None
        req = Request(ctx, task, opdef, opcode, flags, user_data)
        req.submitted_at = task.now()
        # a sequence number in submission order (drain, cancel lookups); in flight until posted
        seq = ctx.nr_submitted = ctx.nr_submitted + 1
        req.seq = req.id = seq
        ctx.inflight[seq] = req
        if opdef is None:
            # the kernel knows opcodes below IORING_OP_LAST; those simuring does not
            # model behave like an op compiled out of the kernel
            if 0 <= opcode < IORING_OP_LAST:
                return req, -EOPNOTSUPP
            return req, -EINVAL
        if not fields_ok or flags & ~IOSQE_FLAGS_ALL:
            return req, -EINVAL
        if flags & IOSQE_BUFFER_SELECT and not opdef.buffer_select:
            return req, -EOPNOTSUPP  # io_init_req: the op takes no provided buffer (``.buffer_select``)
        if flags & IOSQE_CQE_SKIP_SUCCESS:
            ctx.drain_disabled = True
        if flags & IOSQE_IO_DRAIN:
            if ctx.drain_disabled:
                return req, -EOPNOTSUPP
            self._init_drain(ctx)
        if ctx.restricted:
            restrictions = ctx.restrictions
            if restrictions is not None and not restrictions.allows_sqe(opcode, flags):
                return req, -EACCES  # io_check_restriction
        if drain_next:
            # the first request after a chain that held an inner DRAIN and that does
            # not join a chain (unlinked, or a new chain's head) is drained itself; it
            # consumes ``ctx->drain_next`` even if it fails later in init (a failed
            # request is posted at once, never held by a drain)
            ctx.drain_next = False
            ctx.drain_active = True
            req.flags |= IOSQE_IO_DRAIN
        if ctx.drain_active:
            # REQ_F_FORCE_ASYNC (the IOSQE_ASYNC bit): queued by io_queue_sqe_fallback,
            # so through the defer list while drain mode lasts, and issued in io-wq
            req.flags |= IOSQE_ASYNC
        if raw.ioprio and not opdef.ioprio:
            return req, -EINVAL
        if ctx.flags & IORING_SETUP_IOPOLL and not opdef.iopoll:
            return req, -EINVAL  # only ops with polled completion on an IOPOLL ring
        personality = raw.personality
        if personality and (not isinstance(personality, int) or personality & 0xFFFF not in ctx.personalities):
            return req, -EINVAL  # a personality id not registered (xa_load finds no creds)
        fd = raw.fd
        length = raw.len
        op_flags = raw.op_flags
        file_index = raw.file_index
        if not (isinstance(fd, int) and isinstance(length, int) and isinstance(op_flags, int) and isinstance(file_index, int)):
            return req, -EINVAL  # not an integer where the C field is one
        req.fd = fd
        req.off = raw.off
        req.addr = raw.addr
        req.len = length
        req.op_flags = op_flags
        req.file_index = file_index
        try:
            ret = opdef.prep(req, sqe)
        except (TypeError, ValueError, OverflowError):
            ret = -EINVAL  # a field of the wrong kind is a bad field, not a crash
        return req, ret

    def _init_drain(self, ctx: RingCtx) -> None:
        """``io_init_drain``: an IOSQE_IO_DRAIN request passed the flag checks.

        Draining is switched on for the ring.  If the request joins a chain that
        is being assembled, the drain moves to the chain: its head is marked
        IOSQE_IO_DRAIN and forced async (the chain then starts after every
        earlier request, and its members run in order after the head anyway),
        and the ring remembers to drain the next request that does not join a
        chain (``drain_next``): an unlinked request or the head of a new chain,
        so nothing submitted after the chain starts before it has completed.
        """
        ctx.drain_active = True
        link = self.link
        head = link.head if link is not None else None
        if head is not None:
            head.flags |= IOSQE_IO_DRAIN | IOSQE_ASYNC
            ctx.drain_next = True

    def _fail_init(self, task: Task, req: Request, err: int, state: SubmitState) -> int:
        """``io_submit_fail_init``: fail the request, keeping a chain together."""
        req.set_fail(err)
        head = state.head
        if head is not None and not head.failed:
            head.set_fail(-ECANCELED)  # the head of a broken chain
        if not (req.flags & LINK_FLAGS):
            if head is not None:
                assert state.last is not None
                state.last.link = req
                state.head = None
                req = head
            self.queue(task, req)  # io_queue_sqe_fallback: failed, so posted with its chain
            return err
        if head is not None:
            assert state.last is not None
            state.last.link = req
        else:
            state.head = req
        state.last = req
        return 0

    # -- queueing and issuing ---------------------------------------------------
    def queue(self, by: Task, req: Request) -> None:
        """``io_queue_sqe`` with the drain check in front.

        A request (or chain head) that failed at submission is never issued
        (``io_queue_sqe_fallback``): its error is posted and, as the kernel
        turns a hard link into a plain one for this, every member linked after
        it completes with -ECANCELED, or with its own error if its prep failed
        (``io_fail_links``).
        """
        if req.failed:
            req.flags &= ~IOSQE_IO_HARDLINK
            post_completion(by, req, req.res, req.cflags)  # flags a failed prep left (SEND_ZC's F_MORE)
            return
        if req.ctx.drain_active:
            self.drain_req(by, req)
            return
        self.queue_nodrain(by, req)

    def drain_req(self, by: Task, req: Request) -> None:
        """``io_drain_req``: defer ``req`` (with its chain) while the ring drains.

        Drain mode ends here when a request without IOSQE_IO_DRAIN finds the
        list empty once the release pass ran (its own turn came at once).
        """
        ctx = req.ctx
        tracer = ctx.tracer
        if tracer.enabled:
            opdef = req.opdef
            op_str = opdef.name if opdef is not None else "INVALID"
            tracer.emit(by.now(), "io_uring_defer", tid=by.tid, ctx=ctx.id, req=req.id, data=req.user_data, opcode=req.opcode, op_str=op_str)
        ctx.nr_drained += linked_nr(req)
        ctx.defer_list.append(req)
        self.queue_deferred(by, ctx)
        if not req.flags & IOSQE_IO_DRAIN and not ctx.defer_list:
            ctx.drain_active = False

    def queue_nodrain(self, by: Task, req: Request) -> None:
        """``io_queue_sqe`` past the drain check: issue inline, or punt an IOSQE_ASYNC one."""
        if req.failed:
            self.issue(by, req, IO_URING_F_NONBLOCK)  # posts the init error, issues nothing
            return
        if req.flags & IOSQE_ASYNC:
            self.kernel.punt(by, req)  # the io-wq worker's issue arms a link timeout
            return
        self.issue(by, req, IO_URING_F_NONBLOCK)

    def issue(self, by: Task, req: Request, issue_flags: int) -> None:
        """``io_issue_sqe`` inline, then post the result or retry asynchronously."""
        opdef = req.opdef
        if req.failed or opdef is None:
            # never issue a request whose init failed (no successful prep): the
            # submission path fails it instead; reaching here is a routing slip
            # that must not become a Python exception
            post_completion(by, req, req.res if req.failed else -ECANCELED)
            return
        req.worker = by
        if opdef.needs_file and req.file is None and self.grab_file(req) is None:
            post_completion(by, req, -EBADF, req.cflags)  # flags the prep left (SEND_ZC's F_MORE)
            return
        ret = call_issue(req, issue_flags)
        if req.link is not None:  # __io_issue_sqe: the link timer starts once the issue returns
            self.arm_linked_timeout(by, req)
        if ret is ISSUE_SKIP_COMPLETE:
            return
        if ret == -EAGAIN and issue_flags & IO_URING_F_NONBLOCK:
            file = req.file
            pollable = (opdef.pollin or opdef.pollout) and file is not None and file.pollable
            if not (pollable and arm_poll(by, req)):  # no poll, or IO_APOLL_ABORTED: io-wq
                self.kernel.punt(by, req)
            return
        post_completion(by, req, ret, req.cflags)

    def arm_linked_timeout(self, by: Task, req: Request) -> None:
        """``__io_issue_sqe`` -> ``io_queue_linked_timeout``: start the timer of
        the LINK_TIMEOUT guarding ``req`` once ``req``'s first issue returns,
        whatever it returned ("io_uring: always arm linked timeouts prior to
        issue", Linux 6.15; before, only a request that did not complete at
        once armed it).  A request completing inline disarms it only when its
        completion is posted (``io_disarm_next``, at the batch's flush), so a
        timer already expired when started fires first: it takes itself out of
        the chain and its cancel finds the request done (-ENOENT).  An
        IOSQE_ASYNC request arms it in the io-wq worker (``IoWq._run``); a
        later issue (poll retry, io-wq after -EAGAIN) does not re-arm.  The
        timer itself belongs to the LINK_TIMEOUT plug-in (``OpDef.ltimeout_arm``).
        """
        lt = req.link
        if lt is not None and lt.opcode == IORING_OP_LINK_TIMEOUT and not lt.failed:
            opdef = lt.opdef
            if opdef is not None and opdef.ltimeout_arm is not None:
                opdef.ltimeout_arm(by, lt, req)

    def grab_file(self, req: Request) -> File | None:
        """Resolve ``req``'s file and take the request's own reference; None is -EBADF.

        A normal fd: ``io_file_get_normal``'s ``fget`` (closing the fd then leaves
        the file open for the request).  A fixed file: ``io_file_get_fixed`` ->
        ``io_req_assign_rsrc_node`` pins the table slot's resource node
        (``req.file_node``), which keeps the file, and the slot's tag CQE, until
        the request is done even if the table is unregistered or the slot updated
        meanwhile (kernel/rsrc.py)."""
        fd = req.fd
        if req.flags & IOSQE_FIXED_FILE:
            table = req.ctx.fixed_files
            if table is None or not isinstance(fd, int) or not 0 <= fd < len(table):
                req.file = None
                return None
            node = table[fd]
            if node is None:
                req.file = None
                return None
            node.refs += 1
            req.file_node = node
            req.file = node.file
            return node.file
        normal = req.file = files_of(req.task.process).get(fd)
        if normal is not None:
            normal.refs += 1
            req.file_ref = True
        return normal

    def queue_linked(self, by: Task | None, req: Request) -> None:
        """``io_queue_next``: the next member of a chain is issued from task work."""
        req_task_work_add(by, req, lambda task: self.queue_nodrain(task, req))

    def queue_deferred(self, by: Task | None, ctx: RingCtx) -> None:
        """``io_queue_deferred``: release deferred requests whose turn has come.

        The first entry, and any entry from the first IOSQE_IO_DRAIN one on,
        leaves the list only when every live request of the ring is a deferred
        one (``nr_req_allocated == nr_drained``: nothing else in flight, no
        notification allocated -- a drained SEND_ZC's own notification, allocated
        at its prep, keeps it and every later request deferred until the ring
        exits); the entries between them follow the first.  A released request is issued
        from task work (``io_req_task_queue``).
        """
        drain_seen = False
        first = True
        defer_list = ctx.defer_list
        while defer_list:
            req = defer_list[0]
            drain_seen = drain_seen or bool(req.flags & IOSQE_IO_DRAIN)
            if (drain_seen or first) and len(ctx.inflight) + ctx.nr_notifs != ctx.nr_drained:
                return
            defer_list.popleft()
            ctx.nr_drained -= linked_nr(req)
            req_task_work_add(by, req, self._deferred_issue(req))
            first = False

    def _deferred_issue(self, req: Request) -> Callable[[Task], None]:
        def run(task: Task) -> None:
            """``io_req_task_submit``: forced async, so to io-wq."""
            self.queue_nodrain(task, req)

        return run


def linked_nr(req: Request) -> int:
    """``io_linked_nr``: ``req`` and the members linked after it."""
    n = 0
    cur: Request | None = req
    while cur is not None:
        n += 1
        cur = cur.link
    return n


__all__ = ["EBADF", "Submitter", "call_issue"]
