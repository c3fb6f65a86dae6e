"""``struct io_ring_ctx``: the kernel side of one io_uring instance.

It owns the kernel's view of the rings (cached SQ head, CQ tail), the CQ
overflow list, the waiters on the CQ wait queue, the deferred task-work
list of DEFER_TASKRUN rings, the drain queue and the registered files.

CQ posting follows ``io_fill_cqe_req`` / ``io_cqring_event_overflow``: when
the CQ is full, or earlier CQEs are already waiting in the overflow list,
the CQE goes to the overflow list (IORING_FEAT_NODROP: nothing is lost) and
IORING_SQ_CQ_OVERFLOW is set; ``flush_overflow`` moves them into the CQ in
order when the application has made room and enters the kernel.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

import simpy

from simuring.abi.io_uring import (
    IORING_CQE_F_32,
    IORING_SETUP_CQE32,
    IORING_SETUP_CQE_MIXED,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_IOPOLL,
    IORING_SETUP_SQPOLL,
    IORING_SQ_CQ_OVERFLOW,
)
from simuring.abi.limits import U32
from simuring.host.memory import ObjectLines
from simuring.host.task import wake_task
from simuring.kernel.cq_big import BigCq
from simuring.kernel.ext import R, RingExt
from simuring.kernel.restrict import Restrictions
from simuring.kernel.rings import SharedRings

if TYPE_CHECKING:
    from simuring.host.task import Task
    from simuring.kernel import Kernel
    from simuring.kernel.eventfd import RegisteredEventFd
    from simuring.kernel.request import Request
    from simuring.kernel.rsrc import FileNode
    from simuring.kernel.setup import RingFile
    from simuring.kernel.sqpoll import SqPoll
    from simuring.kernel.taskwork import TaskWorkFn

CommitHook = Callable[["Task | None", "RingCtx"], None]
"""Run after each CQE written to the CQ (``io_commit_cqring_flush``): ``(by, ctx)``."""


class CqWaiter:
    """An entry on ``ctx->cq_wait``: a task in ``io_cqring_wait``."""

    __slots__ = ("task", "event", "target_tail", "nr_wait")

    def __init__(self, task: Task, event: simpy.Event, target_tail: int, nr_wait: int) -> None:
        self.task = task
        self.event = event
        self.target_tail = target_tail  # woken when cq tail reaches it (io_should_wake)
        self.nr_wait = nr_wait  # DEFER_TASKRUN: local work items needed (ctx->cq_wait_nr)


class RingCtx:
    """One io_uring instance, kernel side."""

    def __init__(self, kernel: Kernel, ring_id: int, flags: int, sq_entries: int, cq_entries: int, creator: Task, start: int = 0) -> None:
        self.kernel = kernel
        self.env = kernel.env
        self.tracer = kernel.tracer
        self.uring_costs = kernel.costs.uring  # the cost model is frozen: resolved once
        self.id = ring_id
        self.flags = flags
        # ``ctx->syscall_iopoll``: an IOPOLL ring without an SQ thread, whose
        # GETEVENTS polls for completions (``io_iopoll_check``) instead of sleeping
        self.syscall_iopoll = bool(flags & IORING_SETUP_IOPOLL) and not flags & IORING_SETUP_SQPOLL
        self.sq_entries = sq_entries
        self.cq_entries = cq_entries
        self.rings: SharedRings = SharedRings(sq_entries, cq_entries, start)
        self.cached_sq_head = self.rings.sq_head
        self.creator = creator
        self.submitter_task: Task | None = None  # SINGLE_ISSUER owner
        # ``ctx->task_complete``: only the owner task posts CQEs (DEFER_TASKRUN); its
        # waiter sleeps on ``ctx->cq_wait_nr``, not on the ``ctx->cq_wait`` queue
        self.task_complete = bool(flags & IORING_SETUP_DEFER_TASKRUN) and not flags & IORING_SETUP_IOPOLL
        # ``ctx->lockless_cq``: an io-wq worker may not post to the CQ itself
        # (io_req_complete_post hands the completion to task work)
        self.lockless_cq = self.task_complete or bool(flags & IORING_SETUP_IOPOLL)
        self.disabled = False  # IORING_SETUP_R_DISABLED until IORING_REGISTER_ENABLE_RINGS
        # IORING_REGISTER_RESTRICTIONS' set (``ctx->restrictions``), enforced once the ring is
        # enabled (``ctx->restricted``); IORING_REGISTER_PERSONALITY's ids -> (uid, gid)
        self.restrictions: Restrictions | None = None
        self.restricted = False
        self.personalities: dict[int, tuple[int, int]] = {}
        self.pers_next = 1  # ``ctx->pers_next``: where the cyclic id allocation goes on
        self.clockid = 1  # IORING_REGISTER_CLOCK's choice (CLOCK_MONOTONIC, the default)
        self.dead = False
        # the overflow list: (user_data, res, cflags, submitted_at, owner, extra words of a 32-byte CQE)
        self.overflow: deque[tuple[int, int, int, int, Task | None, tuple[int, int] | None]] = deque()
        # the CQE shape, decided once here (io_uring_create): a ring of 32-byte CQEs (CQE32) or
        # of 16- and 32-byte ones (CQE_MIXED) posts through its BigCq; ``cqe32_flags``: the
        # flag io_req_set_res32 adds to a 32-byte CQE (IORING_CQE_F_32 on a mixed ring)
        self.big_cq = BigCq(self) if flags & (IORING_SETUP_CQE32 | IORING_SETUP_CQE_MIXED) else None
        self.cqe32_flags = IORING_CQE_F_32 if flags & IORING_SETUP_CQE_MIXED else 0
        self.resize_cq(cq_entries)
        self.cq_waiters: list[CqWaiter] = []
        # ``ctx->cq_wait``'s head (lock and list) on its own cache line: every CQE
        # post reads it (``io_cqring_wake``: ``wq_has_sleeper``), a remote wake-up
        # of the queue (the IPC channel's SEND) locks it
        self.cq_wait_lines = ObjectLines(1)
        self.local_work: deque[TaskWorkFn] = deque()  # DEFER_TASKRUN work_llist
        self.sqpoll: SqPoll | None = None
        # the registered files: a slot's node (kernel/rsrc.py's FileNode: file, tag) or None
        self.fixed_files: list[FileNode | None] | None = None
        self.file_alloc_range = (0, 0)
        self.file_alloc_hint = 0  # ``ctx->file_table.alloc_hint``: where the next slot allocation starts
        # IORING_REGISTER_IOWQ_MAX_WORKERS: ``ctx->iowq_limits`` [bounded, unbounded] (0: unchanged)
        self.iowq_limits = [0, 0]
        self.iowq_limits_set = False  # IORING_REGISTER_FILE_ALLOC_RANGE: [start, end)
        self.evfd: RegisteredEventFd | None = None  # ``ctx->io_ev_fd`` (IORING_REGISTER_EVENTFD)
        self.evfd_hold = False  # a task-work run is posting CQEs: signal once at its end
        # requests numbered in submission order (request ids, cancel lookups)
        self.nr_submitted = 0
        # drain (io_drain_req): the deferred requests (chain heads), how many requests
        # they hold with their chains (``ctx->nr_drained``), and drain mode
        self.defer_list: deque[Request] = deque()
        self.nr_drained = 0
        self.drain_active = False
        self.drain_disabled = False  # set once a CQE_SKIP_SUCCESS request was seen
        # ``ctx->drain_next``: drain the next request that does not join a chain (set when
        # a DRAIN request joined a chain being assembled; kept across submissions)
        self.drain_next = False
        self.inflight: dict[int, Request] = {}  # id -> request that has not completed
        # notification requests allocated and not yet freed (SEND_ZC's ``io_alloc_notif``): with
        # ``inflight`` they make ``ctx->nr_req_allocated``, which a drain waits on
        self.nr_notifs = 0
        self._ext: dict[type[RingExt], RingExt] = {}  # plug-in state per ring, by class
        self.file: RingFile | None = None
        self.posted = 0
        self.overflowed = 0
        # ``ctx->cq_timeouts``: timeouts that fired or met their count; a change wakes
        # CQ waiters whatever their min_complete (io_should_wake)
        self.cq_timeouts = 0
        # ``io_commit_cqring_flush``: plug-in callbacks run after each CQE written
        # to the CQ (the TIMEOUT plug-in completes sequence timeouts from here)
        self.commit_hooks: list[CommitHook] = []
        # io_submit_sqes' completion batch (``submit_state.compl_reqs``): while it is
        # open (not None) the commit hooks wait for its flush and the link follow-ups
        # of the requests completed in it (``io_free_batch_list``) queue up here
        self.batch_open = False
        self.batch: list[Callable[[], None]] = []
        self.batch_commit = False
        # CQEs posted while the batch is open: the kernel fills them in only at the flush
        # (``cached_cq_tail`` does not count them yet), so a TIMEOUT issued later in the
        # same batch takes its sequence target without them (``io_timeout``)
        self.batch_posted = 0
        self.flushing = False  # __io_cqring_overflow_flush is moving CQEs (no io_uring_complete)

    def ext(self, cls: type[R]) -> R:
        """The ring's state of class ``cls`` (a plug-in's), created as ``cls(self)`` on first use."""
        st = self._ext.get(cls)
        if st is None:
            st = self._ext[cls] = cls(self)
        return cast(R, st)

    def peek_ext(self, cls: type[R]) -> R | None:
        """The ring's state of class ``cls`` if it was created, else None."""
        return cast("R | None", self._ext.get(cls))

    def drop_fixed_files(self, task: Task | None) -> None:
        """``io_sqe_files_unregister`` -> ``io_rsrc_data_free`` (also at ring exit): the
        table's reference on each slot's node is dropped, from the last slot to the
        first (:meth:`~simuring.kernel.rsrc.RsrcNode.put`)."""
        table = self.fixed_files
        self.fixed_files = None
        for node in reversed(table or ()):
            if node is not None:
                node.put(task)

    def __repr__(self) -> str:
        return f"<RingCtx {self.id} sq={self.sq_entries} cq={self.cq_entries}>"

    # -- CQ -------------------------------------------------------------
    def cq_ready(self) -> int:
        return self.rings.cq_ready()

    def cq_has_room(self) -> bool:
        """A CQE can go straight into the CQ: a slot is free and none waits on the
        overflow list (``io_get_cqe_overflow`` not allowed to overflow), which
        ``io_req_post_cqe`` needs for a multishot request's CQE with F_MORE."""
        return not self.overflow and self.cq_ready() < self.cq_entries

    def post_cqe(
        self,
        by: Task | None,
        user_data: int,
        res: int,
        cflags: int,
        submitted_at: int = -1,
        owner: Task | None = None,
        req: Request | None = None,
    ) -> None:
        """Write one CQE, or queue it on the overflow list when the CQ is full.

        ``req`` is the request completing (None for a CQE of no request, such
        as MSG_RING's on its target ring): only the trace names it.  A ring of
        32-byte CQEs (``cq_room`` 0) always takes the first branch, where its
        :class:`~simuring.kernel.cq_big.BigCq` writes the CQE; a plain ring
        does not pay for it."""
        rings = self.rings
        tail = rings.cq_tail
        at = by.now() if by is not None else int(self.env.now)
        if self.overflow or ((tail - rings.cq_head) & U32) >= self.cq_room:
            big_cq = self.big_cq
            if big_cq is None or not big_cq.write(user_data, res, cflags, req):
                big = big_cq.overflow_words(cflags) if big_cq is not None else None
                self.overflow_cqe(by, at, user_data, res, cflags, submitted_at, owner, big)
                return
        else:
            cqe = rings.cqes[tail & rings.cq_mask]
            cqe.user_data = user_data
            cqe.res = res
            cqe.flags = cflags
            rings.cq_tail = (tail + 1) & U32
        self.posted += 1
        if by is not None:
            by.charge(self.uring_costs.post_cqe_ns)
            self.cq_wait_lines.touch(by)
        if owner is not None and submitted_at >= 0 and owner.stats is not None:
            owner.stats.completed(at - submitted_at)
        if self.tracer.enabled:  # skip building the event's fields when tracing is off
            self.trace_complete(by, at, user_data, res, cflags, req)
        if self.batch_open:
            self.batch_commit = True  # io_commit_cqring_flush runs when the batch is flushed
            self.batch_posted += 1
        else:
            for hook in self.commit_hooks:
                hook(by, self)
        if self.cq_waiters:
            self.wake_cq_waiters(by)

    def post_aux_cqe(self, by: Task | None, user_data: int, res: int, cflags: int, req: Request | None = None) -> None:
        """``io_post_aux_cqe`` / ``io_req_post_cqe``: a CQE that is not a request's own completion
        (a registered resource's tag, a multishot poll's F_MORE event, a MSG_RING message).  On a
        plain ring the same as :meth:`post_cqe`; a ring of 32-byte CQEs leaves the slot's extra
        words alone (:meth:`~simuring.kernel.cq_big.BigCq.aux_words`)."""
        if self.big_cq is not None:
            self.big_cq.next_words = self.big_cq.aux_words(cflags)
        self.post_cqe(by, user_data, res, cflags, req=req)

    def resize_cq(self, cq_entries: int) -> None:
        """The CQ's size (at setup, and IORING_REGISTER_RESIZE_RINGS), and ``cq_room``: the CQEs
        :meth:`post_cqe` writes itself before the CQ is full, 0 on a ring of 32-byte CQEs
        (its BigCq writes them)."""
        self.cq_entries = cq_entries
        self.cq_room = 0 if self.big_cq is not None else cq_entries

    def overflow_cqe(
        self,
        by: Task | None,
        at: int,
        user_data: int,
        res: int,
        cflags: int,
        submitted_at: int,
        owner: Task | None,
        big: tuple[int, int] | None,
    ) -> None:
        """``io_cqring_event_overflow``: queue the CQE on the overflow list (with its extra
        words if it is a 32-byte one) and flag IORING_SQ_CQ_OVERFLOW."""
        self.overflow.append((user_data, res, cflags, submitted_at, owner, big))
        self.rings.sq_flags |= IORING_SQ_CQ_OVERFLOW
        self.overflowed += 1
        if by is not None:
            by.charge(self.uring_costs.overflow_cqe_ns)
        if self.tracer.enabled:
            tid = by.tid if by is not None else None
            self.tracer.emit(at, "io_uring_cqe_overflow", tid=tid, ctx=self.id, user_data=user_data, res=res, cflags=cflags)
            self.trace_rings(at)

    def flush_overflow(self, by: Task | None) -> None:
        """``__io_cqring_overflow_flush``: move overflowed CQEs into the CQ, in order, until
        the next one finds no room (``io_get_cqe_overflow``, allowed past the overflow flag)."""
        rings = self.rings
        if self.overflow and self.cq_ready() < self.cq_entries:
            saved, self.overflow = self.overflow, deque()
            self.flushing = True
            try:
                while saved and self._post_flushed(by, *saved[0]):
                    saved.popleft()
            finally:
                self.overflow = saved
                self.flushing = False
        if not self.overflow:
            rings.sq_flags &= ~IORING_SQ_CQ_OVERFLOW
        if self.tracer.enabled:
            self.trace_rings(by.now() if by is not None else int(self.env.now))

    def _post_flushed(
        self, by: Task | None, user_data: int, res: int, cflags: int, submitted_at: int, owner: Task | None, big: tuple[int, int] | None
    ) -> bool:
        """Post one CQE from the overflow list: whether there was room for it."""
        big_cq = self.big_cq
        if big_cq is not None:
            if not big_cq.room(cflags):
                return False
            big_cq.next_words = big
        elif self.cq_ready() >= self.cq_entries:
            return False
        self.post_cqe(by, user_data, res, cflags, submitted_at, owner)
        return True

    # -- trace (only called with tracing on) ------------------------------
    def trace_complete(self, by: Task | None, at: int, user_data: int, res: int, cflags: int, req: Request | None) -> None:
        """``io_uring_complete`` for a CQE written to the CQ (not for one moved
        there from the overflow list: the kernel's flush copies it silently),
        and the ring's counters."""
        if self.flushing:
            return  # flush_overflow samples the counters once it is done
        tid = by.tid if by is not None else None
        rid = req.id if req is not None else 0
        extra1, extra2 = (self.big_cq.words or (0, 0)) if self.big_cq is not None else (0, 0)
        self.tracer.emit(at, "io_uring_complete", tid=tid, ctx=self.id, req=rid, user_data=user_data, res=res, cflags=cflags, extra1=extra1, extra2=extra2)
        self.trace_rings(at)

    def trace_rings(self, at: int) -> None:
        """Sample the ring's counters as the kernel sees them now: SQEs pending
        (SQ tail - the kernel's head), CQEs not consumed (CQ tail - head) and the
        overflow list; each is recorded only when it changed."""
        tracer = self.tracer
        rings = self.rings
        pid = self.creator.process.pid
        rid = self.id
        tracer.counter(at, "counter_sq", rid, (rings.sq_tail - self.cached_sq_head) & U32, ctx=rid, pid=pid)
        tracer.counter(at, "counter_cq", rid, (rings.cq_tail - rings.cq_head) & U32, ctx=rid, pid=pid)
        tracer.counter(at, "counter_cq_overflow", rid, len(self.overflow), ctx=rid, pid=pid)

    def cq_wait_queue(self) -> list[CqWaiter]:
        """The tasks sleeping on ``ctx->cq_wait`` in ``io_cqring_wait``.

        None on a DEFER_TASKRUN ring: its waiter only sets ``ctx->cq_wait_nr``
        and sleeps, to be woken by deferred work (``io_req_local_work_add``),
        so a wake-up of the CQ wait queue does not reach it."""
        return [] if self.task_complete else self.cq_waiters

    def wake_cq_waiters(self, by: Task | None) -> None:
        """``io_cqring_wake``: wake waiters whose CQ target is reached (``io_should_wake``).

        On a DEFER_TASKRUN ring nobody waits on the queue (see
        :meth:`cq_wait_queue`): only the owner posts CQEs there, from its own
        context, and the completions of other contexts reach it as deferred work."""
        if not self.cq_waiters or self.task_complete:
            return
        tail = self.rings.cq_tail
        for waiter in list(self.cq_waiters):
            if ((tail - waiter.target_tail) & U32) < 0x8000_0000:
                self.cq_waiters.remove(waiter)
                wake_task(by, waiter.task, "cq", event=waiter.event)

    # -- request accounting (drain, cancel lookups) ------------------------
    def flush_batch(self, by: Task | None) -> None:
        """End of ``io_submit_sqes`` (``__io_submit_flush_completions``): the CQEs of
        the batch are already in the CQ; now ``io_commit_cqring_flush`` (the commit
        hooks: counted timeouts reached by those CQEs are completed), then
        ``io_free_batch_list`` (each completed request's chain moves on: next
        member, disarmed link timeout, failed members; all from task work).  So a
        TIMEOUT_REMOVE issued after a NOP in the same submission still finds a
        TIMEOUT that the NOP's CQE will complete (Linux 6.18)."""
        self.batch_open = False
        if self.batch_commit:
            self.batch_commit = False
            for hook in self.commit_hooks:
                hook(by, self)
        if self.batch:
            actions, self.batch = self.batch, []
            for action in actions:
                action()

    def request_done(self, by: Task | None, req: Request) -> None:
        """A completed request (its file already put) leaves flight, puts the
        resource nodes of its registered file and buffer and the op's own (whose tag CQEs, if
        they were the last references, follow the request's CQE), and deferred requests whose turn has come
        are released (``io_queue_deferred``, called
        by ``__io_submit_flush_completions`` once completed requests are freed)."""
        self.inflight.pop(req.id, None)
        if req.file_node is not None or req.buf_node is not None or req.op_node is not None:
            req.put_rsrc_nodes(by)
        if self.defer_list:
            self.kernel.submitter.queue_deferred(by, self)
