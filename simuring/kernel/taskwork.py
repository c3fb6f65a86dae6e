"""Completion delivery: task work and the setup flags that change it.

A request completed outside its submitter's context (io-wq worker, timer,
poll wake-up) is handed back as *task work* (``io_req_task_work_add``).
What happens next is what IORING_SETUP_* flags change
(io_uring/io_uring.c ``io_req_normal_work_add`` / ``io_req_local_work_add``):

* **default**: the work is queued on the submitting task and it is notified
  with TWA_SIGNAL: a sleeping task is woken; a task running in user space on
  another CPU is interrupted by an IPI and runs the work from the interrupt
  return path (the cost is stolen from whatever it was doing); a task in the
  kernel runs it when it returns to user space.
* **SQPOLL**: the work goes to the SQ thread, which submitted the request
  (``__set_notify_signal``: a sleeping thread is woken, a polling one sees
  the flag at its next pass and runs the work from its loop, ``io_sq_tw``).
* **COOP_TASKRUN**: TWA_SIGNAL_NO_IPI. A sleeping task is still
  woken, but a running one is not interrupted: the work waits for its next
  return to user space, a system call's or the next timer tick's (HZ,
  ``sched.hz``: a task computing in user space gets it within 1/HZ).  **TASKRUN_FLAG** sets IORING_SQ_TASKRUN while work is
  pending so that user space knows to enter the kernel.
* **DEFER_TASKRUN**: the work is queued on the ring itself and runs only when
  the ring's submitter task waits for completions (GETEVENTS) or calls
  io_uring_get_events.  The waiter is woken only once the queued work
  reaches the number of completions it waits for (``ctx->cq_wait_nr``), so
  completions are processed in batches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final, cast

from simuring.abi.io_uring import (
    IORING_SETUP_COOP_TASKRUN,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_SQPOLL,
    IORING_SETUP_TASKRUN_FLAG,
    IORING_SQ_TASKRUN,
)
from simuring.host.task import TaskState, at_next_tick, kick_spinner, send_ipi, wake_task
from simuring.kernel.ctx import RingCtx
from simuring.kernel.eventfd import eventfd_flush_signal

if TYPE_CHECKING:
    from simuring.host.task import Task
    from simuring.kernel.request import Request

TaskWorkFn = Callable[["Task"], None]


def req_task_work_add(by: Task | None, req: Request, fn: TaskWorkFn, lazy: bool = True) -> None:
    """Queue ``fn`` to run in the context the ring's delivery mode dictates.

    ``lazy=False`` is the kernel's plain ``io_req_task_work_add`` (used by
    timeouts): on a DEFER_TASKRUN ring it wakes the waiter at once instead of
    waiting for ``cq_wait_nr`` items (``IOU_F_TWQ_LAZY_WAKE`` not set).
    """
    ctx = req.ctx
    if ctx.flags & IORING_SETUP_DEFER_TASKRUN:
        local_work_add(by, ctx, fn, lazy)
    else:
        task_work_add(by, req.task, ctx, fn)


def local_work_add(by: Task | None, ctx: RingCtx, fn: TaskWorkFn, lazy: bool = True) -> None:
    """``io_req_local_work_add``: DEFER_TASKRUN's per-ring work list and batched wake."""
    ctx.local_work.append(fn)
    if ctx.tracer.enabled:
        trace_local_work(by.now() if by is not None else int(ctx.env.now), ctx)
    if ctx.flags & IORING_SETUP_TASKRUN_FLAG:
        ctx.rings.sq_flags |= IORING_SQ_TASKRUN
    for waiter in ctx.cq_waiters:
        if waiter.task is ctx.submitter_task and (not lazy or len(ctx.local_work) >= waiter.nr_wait):
            ctx.cq_waiters.remove(waiter)
            if wake_task(by, waiter.task, "local_work", event=waiter.event) and waiter.task.stats is not None:
                waiter.task.stats.taskwork_wakeups += 1  # counted like a TWA_SIGNAL wake-up
            break


def task_work_add(by: Task | None, task: Task, ctx: RingCtx, fn: TaskWorkFn) -> None:
    """``io_req_normal_work_add``: queue on the task and notify it."""
    task.task_works.append((ctx, fn))
    if ctx.tracer.enabled:
        trace_task_work(by.now() if by is not None else int(ctx.env.now), task)
    if ctx.flags & IORING_SETUP_TASKRUN_FLAG:
        ctx.rings.sq_flags |= IORING_SQ_TASKRUN
    ipi = not (ctx.flags & (IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SQPOLL))
    notify(by, task, ipi)


def notify(by: Task | None, task: Task, ipi: bool) -> None:
    """``set_notify_signal`` / ``__set_notify_signal`` for TWA_SIGNAL(_NO_IPI)."""
    if task.notify_signal and task.wait_event is None:
        return  # already flagged: the pending run will pick this work up too
    # (a task asleep with the flag still set -- work queued while its last run ran -- is
    # woken all the same: with TIF_NOTIFY_SIGNAL set, schedule() would not have slept)
    task.notify_signal = True
    if task.wait_event is not None:  # sleeping, or about to (TASK_INTERRUPTIBLE)
        if wake_task(by, task, "task_work"):
            if task.stats is not None:
                task.stats.taskwork_wakeups += 1
        return
    if task.spin_event is not None:  # a polling kernel loop (the SQPOLL thread: io_sq_tw)
        kick_spinner(by, task, "task_work")
        return
    if task.state is TaskState.DEAD or task.in_kernel or task is by:
        return  # a task in the kernel runs the work on its way out

    def handler() -> None:
        # interrupt return path to user space: run the pending work now
        if task.state is TaskState.RUNNING and not task.in_kernel and task.notify_signal:
            run_task_work(task)

    if not ipi:  # TWA_SIGNAL_NO_IPI: the next tick's return to user space
        at_next_tick(task, handler)
    elif task.state is TaskState.RUNNING:
        if task.stats is not None:
            task.stats.ipis += 1
        send_ipi(by, task, handler)


def run_task_work(task: Task) -> int:
    """``task_work_run`` → ``tctx_task_work``: run the task's queued completions."""
    task.notify_signal = False
    if not task.task_works:
        return 0
    costs = task.sched.costs.uring
    task.charge(costs.task_work_run_ns)
    n = 0
    touched: list[RingCtx] = []
    held: list[RingCtx] = []  # rings with a registered eventfd: signalled once, after the run
    tracing = task.sched.tracer.enabled
    while task.task_works:
        ctx, fn = task.task_works.popleft()
        task.charge(costs.task_work_item_ns)
        if tracing:
            trace_task_work(task.now(), task)
        # a ring, or io-wq's ring-less stand-in (no eventfd)
        if isinstance(ctx, RingCtx) and ctx.evfd is not None and not ctx.evfd_hold:
            ctx.evfd_hold = True
            held.append(ctx)
        fn(task)
        n += 1
        if ctx.flags & IORING_SETUP_TASKRUN_FLAG and ctx not in touched:
            touched.append(cast("RingCtx", ctx))  # only rings have setup flags
    for ctx in touched:
        ctx.rings.sq_flags &= ~IORING_SQ_TASKRUN
    for ctx in held:
        release_eventfd(task, ctx)
    if tracing:
        task.sched.tracer.emit(task.now(), "io_uring_task_work_run", tid=task.tid, tctx=task.tid, count=n)
    return n


IO_LOCAL_TW_DEFAULT_MAX: Final = 20
"""Deferred work items one pass of ``__io_run_local_work`` runs at most, unless the
caller waits for more (io_uring/io_uring.c, since Linux 6.13)."""


def run_local_work(task: Task, ctx: RingCtx, min_events: int = 0, max_events: int = IO_LOCAL_TW_DEFAULT_MAX) -> int:
    """``__io_run_local_work``: the DEFER_TASKRUN owner runs the ring's queued work.

    Each pass runs at most ``max_events`` items, oldest first (the kernel's
    ``retry_llist``, then the new ``work_llist`` in queueing order), of those
    queued when it starts (``llist_del_all``): work they queue (the next member
    of a chain, a failed chain's cancellations) waits for the next pass, so a
    wait for one CQE moves a chain on by one member.  Passes repeat while work
    is left and the last pass ran fewer than what is still wanted of
    ``min_events``.  Work left over
    stays queued for the next GETEVENTS, and with IORING_SETUP_TASKRUN_FLAG
    IORING_SQ_TASKRUN is set again so user space knows
    (``io_run_local_work_continue``).  Returns the items the last pass ran.
    Callers: ``io_uring_enter`` after submitting (``io_run_local_work_locked``:
    ``max(IO_LOCAL_TW_DEFAULT_MAX, min_complete)``), and ``io_cqring_wait``.
    """
    if not ctx.local_work:
        return 0
    costs = task.sched.costs.uring
    task.charge(costs.task_work_run_ns)
    tracing = ctx.tracer.enabled
    taskrun_flag = ctx.flags & IORING_SETUP_TASKRUN_FLAG
    if taskrun_flag:
        ctx.rings.sq_flags &= ~IORING_SQ_TASKRUN
    max_events = max(1, max_events)
    local_work = ctx.local_work
    hold = ctx.evfd is not None and not ctx.evfd_hold
    if hold:
        ctx.evfd_hold = True
    n = 0
    loops = 0
    while True:
        min_events -= n
        n = 0
        loops += 1
        for _ in range(min(len(local_work), max_events)):  # the items queued when the pass starts
            fn = local_work.popleft()
            task.charge(costs.task_work_item_ns)
            if tracing:
                trace_local_work(task.now(), ctx)
            fn(task)
            n += 1
        if not local_work or n >= min_events:
            break
    if hold:
        release_eventfd(task, ctx)
    if local_work and taskrun_flag:
        ctx.rings.sq_flags |= IORING_SQ_TASKRUN
    if tracing:
        ctx.tracer.emit(task.now(), "io_uring_local_work_run", tid=task.tid, ctx=ctx.id, count=n, loops=loops)
    return n


def release_eventfd(task: Task, ctx: RingCtx) -> None:
    """End of a run of task work (``ctx_flush_ts`` -> ``io_submit_flush_completions``): the CQEs
    its items posted are flushed together, so the registered eventfd is signalled once for them
    (``io_eventfd_flush_signal``); while the run lasts ``ctx.evfd_hold`` keeps it from signalling
    per CQE."""
    ctx.evfd_hold = False
    eventfd_flush_signal(task, ctx)


def trace_task_work(at: int, task: Task) -> None:
    """The ``counter_task_work`` sample of ``task``: io_uring task work queued on it."""
    task.sched.tracer.counter(at, "counter_task_work", task.tid, len(task.task_works), tid=task.tid, pid=task.process.pid)


def trace_local_work(at: int, ctx: RingCtx) -> None:
    """The ``counter_local_work`` sample of a DEFER_TASKRUN ring: its deferred work list."""
    ctx.tracer.counter(at, "counter_local_work", ctx.id, len(ctx.local_work), ctx=ctx.id, pid=ctx.creator.process.pid)
