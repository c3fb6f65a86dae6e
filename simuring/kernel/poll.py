"""io_uring's poll machinery (io_uring/poll.c): fast poll and POLL_ADD.

**Fast poll** (``io_arm_poll_handler``): a READ or WRITE issued inline on a
pollable file (pipe, socket, eventfd) that answers -EAGAIN is not punted to
io-wq.  :func:`arm_poll` puts a callback entry on the file's wait queue for
POLLIN (ops with ``pollin``) or POLLOUT (``pollout``).  When the file wakes
the queue with a matching event, the callback (run by the waker, which pays
``poll.wake_ns`` plus the task-work notification) removes the entry and
queues task work through the ring's delivery mode
(:func:`~simuring.kernel.taskwork.req_task_work_add`); the task work
re-issues the request with IO_URING_F_NONBLOCK through the generic
:meth:`~simuring.kernel.submit.Submitter.issue`, which posts the CQE, or arms
the poll again if the attempt still answers -EAGAIN (a spurious wake-up).
If the file is already ready when the poll is armed, the task work is queued
at once, except when a multishot request (REQ_F_APOLL_MULTISHOT) re-arms after
its poll's own task work answered IOU_RETRY: the kernel's multishot poll stays
armed, edge triggered, and waits for the next wake-up (:func:`arm_poll`'s
``edge``).  A request may arm at most ``APOLL_MAX_RETRY`` - 1 fast polls in its
life (``io_req_alloc_apoll`` counts them in ``async_poll.retries``): the next
arm is refused (IO_APOLL_ABORTED) and the request goes to io-wq, which issues
it blocking.  That ends the loop of a file that says it is ready but keeps
answering -EAGAIN (an eventfd write whose value does not fit, while POLLOUT
is set): 127 re-issues at one instant, then the worker sleeps in the write
until a read makes room (or answers -EAGAIN for an O_NONBLOCK eventfd).

**IORING_OP_POLL_ADD** (:func:`poll_add`): the same wait-queue entry, but
the completion is the ready mask: the key of the wake-up when that wake-up
is the only one since the poll was armed or last reported (``io_poll_wake``
stashes it, ``io_poll_check_events`` uses it: a socket's data wake-up carries
POLLIN|POLLPRI|POLLRDNORM|POLLRDBAND whatever the socket's own poll says),
else the file's mask read again (a wake-up without a key, or several before
the task work ran).  Poll entries go to the head of the wait queue
(``add_wait_queue``), so of several polls on one file the newest is woken,
and completes, first; a POLL_ADD with EPOLLEXCLUSIVE goes to the tail
(``add_wait_queue_exclusive``) and a keyed wake-up stops after the first
exclusive poll it reaches (``io_poll_wake`` returns 1 for it).  A wake-up of a ring fd's queue
(EPOLL_URING_WAKE) turns a multishot poll into a single shot, as the kernel
does to break the loop of a poll on its own ring.  The events waited for are the requested
ones plus IO_POLL_UNMASK (POLLERR|POLLHUP|POLLNVAL|POLLRDHUP), which
``io_init_poll_iocb`` always adds, so those are reported whenever the file
has them.  Single shot: one CQE, then the request is done.  Multishot
(IORING_POLL_ADD_MULTI): the entry stays armed and every wake-up whose task
work finds the file ready posts a CQE with IORING_CQE_F_MORE; several
wake-ups before the task work runs give one CQE (the kernel's poll_refs).
That extra CQE is never overflowed (``io_req_post_cqe``, formerly
``io_post_aux_cqe`` without overflow): when the CQ is full, or CQEs already
wait on the overflow list, the poll ends instead and its final CQE carries
the mask without F_MORE (``io_poll_check_events`` returning
IOU_POLL_REMOVE_POLL_USE_RES); that final CQE may overflow.  A cancelled
poll's last CQE is -ECANCELED, also without F_MORE.

Ownership (``poll_refs``): from a wake-up until its task work has run, the
poll is owned by that task work (:attr:`Poll.pending`).  An armed poll is in
the ring's cancel table (:attr:`Poll.hashed`) until its final task work runs
or POLL_REMOVE takes it out.

* :meth:`Poll.cancel` (ASYNC_CANCEL, a LINK_TIMEOUT; ``io_poll_cancel`` ->
  ``io_poll_cancel_req``; the poll is the request's ``cancel_hook``, in
  ``CancelTable.POLL``) marks the poll cancelled and, unless task work is
  already pending, queues it; that task work completes the request with
  -ECANCELED.  Result 0 as long as the poll is in the table, even if it had
  already fired or been cancelled; -ENOENT once it left the table.
* POLL_REMOVE (:meth:`Poll.disarm`, ``io_poll_disarm``) must take ownership:
  a poll whose task work is pending gives -EALREADY and goes on to post its
  own result.  Otherwise the entry leaves the wait queue and the table and
  the request completes with -ECANCELED through task work (current kernels
  queue it with ``io_req_task_work_add``, so POLL_REMOVE's own CQE, posted
  at the end of the submission, comes first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Final

from simuring.abi.errno import EALREADY, ECANCELED, EINVAL, ENOENT
from simuring.abi.io_uring import IORING_CQE_F_MORE
from simuring.abi.poll import EPOLL_URING_WAKE, POLLERR, POLLHUP, POLLNVAL, POLLRDHUP
from simuring.kernel.cancel import CancelTable, PollTable
from simuring.kernel.costs import PollCosts
from simuring.kernel.files import DEFAULT_POLLMASK
from simuring.kernel.objects.base import (
    READ_EVENTS,
    WRITE_EVENTS,
    WaitEntry,
    WaitQueue,
)
from simuring.kernel.opdef import IO_URING_F_NONBLOCK
from simuring.kernel.request import complete_async, post_completion, req_fields
from simuring.kernel.taskwork import req_task_work_add

if TYPE_CHECKING:
    from simuring.host.task import Task
    from simuring.kernel.files import File
    from simuring.kernel.request import Request

IO_POLL_UNMASK: Final = POLLERR | POLLHUP | POLLNVAL | POLLRDHUP
"""Events ``io_init_poll_iocb`` adds to every POLL_ADD (reported even if not asked for)."""


class Poll:
    """``struct io_poll`` / ``async_poll``: one armed poll of one request."""

    __slots__ = ("req", "file", "wq", "entry", "events", "multishot", "fast", "pending", "cancelled", "hashed", "key", "costs")
    cancel_table: ClassVar[CancelTable] = CancelTable.POLL  # where a hashed poll is found (a CancelHook)

    def __init__(
        self, req: Request, file: File, wq: WaitQueue, events: int, multishot: bool, fast: bool, exclusive: bool = False
    ) -> None:
        self.req = req
        self.file = file  # req.file
        self.wq = wq
        self.events = events
        self.multishot = multishot
        self.fast = fast
        self.pending = False  # task work queued and not yet run: it owns the poll (poll_refs)
        self.cancelled = False  # IO_POLL_CANCEL_FLAG, or taken over by POLL_REMOVE
        self.hashed = False  # in the ring's cancel table (io_poll_req_insert)
        self.key = 0  # the mask stashed by the one pending wake-up (req->cqe.res); 0: re-read
        # EPOLLEXCLUSIVE: add_wait_queue_exclusive (at the tail, and a keyed wake-up
        # stops after the first exclusive entry it reaches)
        self.entry = WaitEntry(events, func=self._wake, exclusive=exclusive)
        self.costs = req.ctx.kernel.costs.get(PollCosts)  # resolved once per armed poll

    def _hash(self) -> None:
        """``io_poll_req_insert``: into the ring's :class:`PollTable`."""
        self.hashed = True
        self.req.ctx.ext(PollTable).insert(self.req)

    def _unhash(self) -> None:
        """``hash_del``."""
        self.hashed = False
        self.req.ctx.ext(PollTable).remove(self.req)

    # -- the wait-queue callback (runs in the waker's context) -------------------------
    def _wake(self, by: Task | None, events: int) -> None:
        """``io_poll_wake``: ``events`` is the wake-up's key (0: none)."""
        if self.cancelled:
            return
        if self.pending:  # poll_refs > 1: the stashed mask is stale, re-read it
            self.key = 0
            return
        if by is not None:
            by.charge(self.costs.wake_ns)
        if events & EPOLL_URING_WAKE:
            self.multishot = False  # woken by a ring's CQ: no multishot loop
        if not self.multishot:
            self.wq.remove(self.entry)  # one shot: off the queue until re-armed
        self._queue_task_work(by, events)

    def _queue_task_work(self, by: Task | None, key: int = 0) -> None:
        """``__io_poll_execute``: stash ``key`` and queue the task work."""
        self.key = key
        self.pending = True
        req = self.req
        tracer = req.ctx.tracer
        if tracer.enabled:
            at = by.now() if by is not None else int(req.ctx.env.now)
            tracer.emit(at, "io_uring_task_add", tid=by.tid if by is not None else None, **req_fields(req), mask=key)
        req_task_work_add(by, req, self._task_func)

    # -- task work (runs in the submitter's context) --------------------------------------
    def _task_func(self, task: Task) -> None:
        self.pending = False
        req = self.req
        if req.done or not self.hashed:
            return
        if self.cancelled:  # io_poll_check_events: -ECANCELED
            fail = req.opdef.fail if self.fast and req.opdef is not None else None
            # io_apoll_task_func -> io_req_defer_failed (req_set_fail: the links fail, whatever the
            # result the op's .fail then gives, a MSG_WAITALL receive's count too: fz10-*) -> .fail
            req.failed = True
            self._finish(task, fail(req, -ECANCELED) if fail is not None else -ECANCELED)
            return
        kernel = req.ctx.kernel
        task.charge(self.costs.rearm_ns)
        if self.fast:
            self._unhash()
            req.cancel_hook = None
            kernel.submitter.issue(task, req, IO_URING_F_NONBLOCK)
            return
        mask = (self.key or ready_mask(self.file)) & self.events
        self.key = 0
        if not mask:  # spurious: wait again
            if not self.entry.queued:
                self.wq.add(self.entry, tail=self.entry.exclusive)
            return
        if self.multishot:
            ctx = req.ctx
            # io_req_post_cqe: an extra CQE only goes to a free CQ slot, never to the
            # overflow list; otherwise the poll ends with a final CQE carrying the mask
            if not ctx.overflow and ctx.cq_ready() < ctx.cq_entries:
                ctx.post_aux_cqe(task, req.user_data, mask, IORING_CQE_F_MORE, req)
                return
        self._finish(task, mask)

    def _finish(self, task: Task, res: int) -> None:
        """``io_poll_task_func`` end: off the wait queue and the table, complete with ``res``."""
        self.wq.remove(self.entry)
        self._unhash()
        self.req.cancel_hook = None
        post_completion(task, self.req, res, self.req.cflags)  # a provided buffer the request holds

    # -- cancellation ---------------------------------------------------------------------
    def cancel(self, by: Task | None) -> int:
        """``io_poll_cancel_req`` (ASYNC_CANCEL, a linked timeout): the request
        completes with -ECANCELED from its task work; 0 while the poll is in the
        cancel table, -ENOENT once it left it."""
        if not self.hashed or self.req.done:
            return -ENOENT
        if self.cancelled:
            return 0  # already marked: the pending task work completes it
        self.cancelled = True
        self.wq.remove(self.entry)
        if not self.pending:  # io_poll_execute: we took ownership, kick the task work
            self._queue_task_work(by)
        return 0

    def disarm(self, by: Task | None) -> int:
        """POLL_REMOVE (``io_poll_disarm``): -EALREADY if the poll's task work
        owns it (a wake-up or a cancel is being processed), else take it off the
        wait queue and the table and complete it with -ECANCELED via task work."""
        ret = self.detach()
        if ret == 0:
            complete_async(by, self.req, -ECANCELED)
        return ret

    def detach(self) -> int:
        """``io_poll_disarm`` itself: take ownership (-EALREADY if the poll's task
        work has it; -ENOENT if it already left the table), then off the wait
        queue and the table.  The request is not completed: the caller completes
        it or arms it again (a poll update)."""
        if not self.hashed or self.req.done:
            return -ENOENT
        if self.pending or self.cancelled:
            return -EALREADY
        self.cancelled = True  # we own it now: later wake-ups do nothing
        self._unhash()
        self.wq.remove(self.entry)
        self.req.cancel_hook = None
        return 0

    def arm(self, by: Task, edge: bool = False) -> None:
        """``__io_arm_poll_handler``: on the file's wait queue and in the cancel table; a file that
        is ready already (``vfs_poll``) queues the task work at once, unless ``edge`` (a multishot
        poll that stays armed: it waits for the next wake-up, :func:`arm_poll`)."""
        req = self.req
        by.charge(self.costs.arm_ns)
        self.wq.add(self.entry, tail=self.entry.exclusive)
        self._hash()
        req.cancel_hook = self
        mask = 0 if edge else ready_mask(self.file) & self.events
        if mask:
            if not self.multishot:
                self.wq.remove(self.entry)
            self._queue_task_work(by, mask)


def ready_mask(file: File) -> int:
    """``vfs_poll`` without registering: the file's ready events."""
    return file.poll_mask()


#: A fast poll's events: the opcode's direction plus IO_POLL_UNMASK, which ``io_init_poll_iocb`` adds to
#: every poll, fast ones included -- so a socket shut for reading (POLLRDHUP) wakes a write's fast poll at
#: once, and after the budget the write blocks in io-wq (found by the differential fuzzer's state mode).
APOLL_READ_EVENTS: Final = READ_EVENTS | IO_POLL_UNMASK
APOLL_WRITE_EVENTS: Final = WRITE_EVENTS | IO_POLL_UNMASK

APOLL_MAX_RETRY: Final = 128
"""``io_req_alloc_apoll``: the budget of fast-poll arms of one request (``async_poll.retries``)."""


def arm_poll(by: Task, req: Request, iowq: bool = False, edge: bool = False) -> bool:
    """``io_arm_poll_handler``: wait for the file to become ready, then re-issue ``req``.

    True when the poll is armed (inline, a file that is ready already has the
    re-issue queued as task work at once: IO_APOLL_READY, which
    ``io_queue_async`` answers with ``io_req_task_queue``).  False when no
    poll is left armed: the request has spent its budget (the first arm sets
    ``APOLL_MAX_RETRY`` and every arm, the first included, takes one, so the
    128th is refused: IO_APOLL_ABORTED), the file has no wait queue, or, from
    an io-wq worker (``iowq``, IO_URING_F_UNLOCKED), the file is ready already
    (IO_APOLL_READY: the worker owns the request and retries it blocking,
    ``io_wq_submit_work``).  The caller then punts the request to io-wq, or,
    in a worker, issues it blocking.

    ``edge``: the request is multishot (REQ_F_APOLL_MULTISHOT) and its issue from the poll's own task
    work answered IOU_RETRY.  The kernel's multishot fast poll is never disarmed: it is edge
    triggered (EPOLLET without EPOLLONESHOT, ``io_arm_apoll``), and ``io_poll_check_events`` after
    ``io_poll_issue`` only drops the references it consumed, without a ``vfs_poll``: the request
    waits for the file's next wake-up even if the file is ready now.  So a multishot RECV that
    drained a socket whose peer shut down before that wake-up never sees the end of stream
    (a cancel ends it).  The model re-arms its one-shot poll without looking at the file.
    """
    opdef = req.opdef
    assert opdef is not None
    events = APOLL_READ_EVENTS if opdef.pollin else APOLL_WRITE_EVENTS
    file = req.file
    wq = file.poll_wq(events) if file is not None else None
    if file is None or wq is None:
        return False  # io_file_can_poll fails first: no budget spent, REQ_F_POLLED not set
    retries = (APOLL_MAX_RETRY if req.apoll_retries is None else req.apoll_retries) - 1
    req.apoll_retries = retries
    if retries == 0:
        return False
    if iowq and ready_mask(file) & events:
        return False
    poll = Poll(req, file, wq, events, multishot=False, fast=True, exclusive=opdef.poll_exclusive)
    poll.arm(by, edge)
    tracer = req.ctx.tracer
    if tracer.enabled and not poll.pending:  # IO_APOLL_OK: it waits (a ready file re-issues at once)
        tracer.emit(by.now(), "io_uring_poll_arm", tid=by.tid, **req_fields(req), mask=events, events=poll.events)
    return True


def poll_add(by: Task, req: Request, events: int, multishot: bool, exclusive: bool = False) -> Poll | int:
    """IORING_OP_POLL_ADD issue (``io_poll_add``): the result now, or the armed poll.

    Returns the result to post (single shot and already ready; a file that
    cannot be polled: its default mask, or -EINVAL if none of the events is
    in it), or the :class:`Poll` the request is parked on.
    """
    events |= IO_POLL_UNMASK
    file = req.file
    assert file is not None  # POLL_ADD needs_file
    wq = file.poll_wq(events)
    if wq is None:
        # no wait queue to stay on (__io_arm_poll_handler with no entry): even a
        # multishot poll completes at once with one CQE; nothing ready is -EINVAL
        return DEFAULT_POLLMASK & events or -EINVAL
    mask = ready_mask(file) & events
    if mask and not multishot:
        by.charge(req.ctx.kernel.costs.get(PollCosts).arm_ns)
        return mask
    p = Poll(req, file, wq, events, multishot=multishot, fast=False, exclusive=exclusive)
    p.arm(by)
    return p
