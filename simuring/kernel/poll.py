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
at once.

**IORING_OP_POLL_ADD** (:func:`poll_add`): the same wait-queue entry, but
the completion is the ready mask (requested events plus POLLERR|POLLHUP).
Single shot: one CQE, then the request is done.  Multishot
(IORING_POLL_ADD_MULTI): the entry stays armed and every wake-up whose
task work finds the file ready posts a CQE with IORING_CQE_F_MORE; several
wake-ups before the task work runs give one CQE (the kernel's poll_refs).
The last CQE, without F_MORE, is the -ECANCELED of a cancellation.

While armed, ``req.cancel_fn`` lets ASYNC_CANCEL and POLL_REMOVE cancel the
request: the entry is removed and the request completes with -ECANCELED
through task work (``io_poll_cancel`` -> ``io_poll_execute``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from simuring.cost import param
from simuring.errno import EALREADY, ECANCELED
from simuring.kernel.objects.base import (
    READ_EVENTS,
    WRITE_EVENTS,
    WaitEntry,
    WaitQueue,
    cost_section,
)
from simuring.kernel.opdef import IO_URING_F_NONBLOCK
from simuring.kernel.request import complete_async, post_completion
from simuring.kernel.taskwork import req_task_work_add
from simuring.uapi import (
    IORING_CQE_F_MORE,
    POLLERR,
    POLLHUP,
    POLLIN,
    POLLOUT,
    POLLRDNORM,
    POLLWRNORM,
)

if TYPE_CHECKING:
    from simuring.cost import CostModel
    from simuring.host.task import Task
    from simuring.kernel.request import Request

DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM
"""What ``vfs_poll`` reports for a file without a poll method (a regular file)."""


@attrs.frozen
class PollCosts:
    """io_uring poll costs."""

    arm_ns: int = param(150, "ns", "arm a poll: allocate the poll entry, vfs_poll, add it to the wait queue")
    wake_ns: int = param(60, "ns", "the poll wake callback run by the waker (io_poll_wake), before the task-work add")
    rearm_ns: int = param(50, "ns", "task-work side of a poll wake-up: re-check the mask (io_poll_check_events)")


def poll_costs(costs: CostModel) -> PollCosts:
    return cost_section(costs, "poll", PollCosts)  # type: ignore[no-any-return]


class Poll:
    """``struct io_poll`` / ``async_poll``: one armed poll of one request."""

    __slots__ = ("req", "file", "wq", "entry", "events", "multishot", "fast", "pending", "cancelled", "costs")

    def __init__(self, req: Request, wq: WaitQueue, events: int, multishot: bool, fast: bool) -> None:
        self.req = req
        self.file = req.file
        self.wq = wq
        self.events = events
        self.multishot = multishot
        self.fast = fast
        self.pending = False  # task work queued and not yet run
        self.cancelled = False
        self.entry = WaitEntry(events, func=self._wake)
        self.costs = poll_costs(req.ctx.kernel.costs)  # resolved once per armed poll

    # -- the wait-queue callback (runs in the waker's context) -------------------------
    def _wake(self, by: Task | None, events: int) -> None:
        if self.pending or self.cancelled:
            return
        if by is not None:
            by.charge(self.costs.wake_ns)
        if not self.multishot:
            self.wq.remove(self.entry)  # one shot: off the queue until re-armed
        self._queue_task_work(by)

    def _queue_task_work(self, by: Task | None) -> None:
        self.pending = True
        req_task_work_add(by, self.req, self._task_func)

    # -- task work (runs in the submitter's context) --------------------------------------
    def _task_func(self, task: Task) -> None:
        self.pending = False
        req = self.req
        if self.cancelled or req.done:
            return
        kernel = req.ctx.kernel
        task.charge(self.costs.rearm_ns)
        if self.fast:
            req.cancel_fn = None
            kernel.submitter.issue(task, req, IO_URING_F_NONBLOCK)
            return
        mask = ready_mask(self.file) & self.events
        if not mask:  # spurious: wait again
            if not self.entry.queued:
                self.wq.add(self.entry)
            return
        if self.multishot:
            req.ctx.post_cqe(task, req.user_data, mask, IORING_CQE_F_MORE)
            return
        req.cancel_fn = None
        post_completion(task, req, mask)

    # -- cancellation ---------------------------------------------------------------------
    def cancel(self, by: Task | None) -> int:
        """Unpark the request and complete it with -ECANCELED (through task work)."""
        if self.cancelled or self.req.done:
            return -EALREADY
        self.cancelled = True
        self.wq.remove(self.entry)
        self.req.cancel_fn = None
        complete_async(by, self.req, -ECANCELED)
        return 0

    def arm(self, by: Task) -> None:
        req = self.req
        by.charge(self.costs.arm_ns)
        self.wq.add(self.entry)
        req.cancel_fn = self.cancel
        if ready_mask(self.file) & self.events:
            if not self.multishot:
                self.wq.remove(self.entry)
            self._queue_task_work(by)


def ready_mask(file: Any) -> int:
    """``vfs_poll`` without registering: the file's ready events."""
    if getattr(file, "pollable", False):
        return int(file.poll_mask())
    return DEFAULT_POLLMASK


def arm_poll(by: Task, req: Request) -> None:
    """``io_arm_poll_handler``: wait for the file to become ready, then re-issue ``req``."""
    opdef = req.opdef
    assert opdef is not None
    events = READ_EVENTS if opdef.pollin else WRITE_EVENTS
    wq = req.file.poll_wq(events) if getattr(req.file, "pollable", False) else None
    if wq is None:
        req.ctx.kernel.punt(by, req)
        return
    Poll(req, wq, events, multishot=False, fast=True).arm(by)


def poll_add(by: Task, req: Request, events: int, multishot: bool) -> Any:
    """IORING_OP_POLL_ADD issue: the ready mask now, or park the request.

    Returns the result to post (single shot and already ready, or a file that
    cannot be polled), or None when the request was parked.
    """
    events |= POLLERR | POLLHUP
    file = req.file
    wq = file.poll_wq(events) if getattr(file, "pollable", False) else None
    if wq is None:
        # no wait queue to stay on: even a multishot poll completes at once, one CQE
        return DEFAULT_POLLMASK & events
    mask = ready_mask(file) & events
    if mask and not multishot:
        by.charge(poll_costs(req.ctx.kernel.costs).arm_ns)
        return mask
    p = Poll(req, wq, events, multishot=multishot, fast=False)
    p.arm(by)
    return None
