"""``io_cqring_wait``: waiting for completions (IORING_ENTER_GETEVENTS).

Before and after each sleep the waiter catches up: it runs the ring's
deferred work (DEFER_TASKRUN), its own pending task work, and flushes the
CQ overflow list.  It sleeps on the ring's CQ wait queue until the CQ tail
reaches ``head + min_events`` (``io_should_wake``) or, with DEFER_TASKRUN,
until enough deferred work is queued (``ctx->cq_wait_nr``), or a TIMEOUT
request fires or meets its count (``ctx->cq_timeouts`` changes: the wait
returns 0 even short of ``min_events``, as "a timeout will trigger a wakeup
event on the completion ring" in io_uring_enter(2)), or a timeout given
through IORING_ENTER_EXT_ARG expires (-ETIME if the CQ is empty, else 0).  Task work arriving
for the sleeper wakes it too (TWA_SIGNAL); it then runs the work and sleeps
again if still short, which is what makes the default mode wake once per
completion.

The EXT_ARG argument's ``min_wait_usec`` (IORING_FEAT_MIN_TIMEOUT) runs a
first, shorter timer (``io_cqring_min_timer_wakeup``).  When it expires the
wait ends if there is no later general timeout, or if any CQE is in the CQ or
was posted since the wait began; otherwise the general timeout applies and
the first CQE posted from then on ends the wait.
"""

from __future__ import annotations

from collections.abc import Generator
from functools import partial
from typing import TYPE_CHECKING, Any, Final

from simuring.abi.errno import EEXIST, ETIME
from simuring.abi.io_uring import IORING_SETUP_DEFER_TASKRUN
from simuring.abi.limits import U32
from simuring.host.events import call_at
from simuring.host.task import wake_task
from simuring.kernel.ctx import CqWaiter
from simuring.kernel.taskwork import IO_LOCAL_TW_DEFAULT_MAX, run_local_work, run_task_work

if TYPE_CHECKING:
    import simpy

    from simuring.host.task import Task
    from simuring.kernel.ctx import RingCtx

TIMED_OUT: Final = "timeout"


def catch_up(task: Task, ctx: RingCtx, min_events: int, max_events: int) -> None:
    """Run deferred/task work and flush the overflow list, as the wait loop does.

    Deferred work runs in passes of at most ``max_events`` items until
    ``min_events`` ran (:func:`~simuring.kernel.taskwork.run_local_work`).
    """
    if ctx.local_work and local_work_runs(task, ctx):
        run_local_work(task, ctx, min_events, max_events)
    if task.notify_signal:
        run_task_work(task)
    if ctx.overflow:
        ctx.flush_overflow(task)


def local_work_runs(task: Task, ctx: RingCtx) -> bool:
    """``task`` may run ``ctx``'s deferred work: a DEFER_TASKRUN ring's owner."""
    return bool(ctx.flags & IORING_SETUP_DEFER_TASKRUN) and ctx.submitter_task is task


def iopoll_check(task: Task, ctx: RingCtx, min_events: int) -> int:
    """``io_iopoll_check``: GETEVENTS on an IOPOLL ring (without SQPOLL) polls
    instead of sleeping.

    The overflow list is flushed; with CQEs already in the CQ it returns at
    once.  Otherwise it would poll the ring's ``iopoll_list``; no modelled
    request is issued for polling, so the list is always empty: it runs the
    ring's deferred work and the task's task work once (completions that do
    not go through the list) and returns 0, even short of ``min_events``.
    -EEXIST for a task other than a DEFER_TASKRUN ring's owner
    (``io_allowed_run_tw``).
    """
    if ctx.flags & IORING_SETUP_DEFER_TASKRUN and ctx.submitter_task is not task:
        return -EEXIST
    if ctx.overflow:
        ctx.flush_overflow(task)
    if ctx.cq_ready():
        return 0
    wanted = min(max(0, min_events), ctx.cq_entries) if isinstance(min_events, int) else 0
    if ctx.local_work:
        run_local_work(task, ctx, wanted, max(IO_LOCAL_TW_DEFAULT_MAX, wanted))
    if task.notify_signal:
        run_task_work(task)
    return 0


def wait_satisfied(task: Task, ctx: RingCtx, min_events: int) -> bool:
    """True when :func:`cqring_wait` would return 0 at once, with nothing to catch up on.

    Lets ``io_uring_enter`` skip creating the wait generator in the common
    case (every CQE already posted inline).
    """
    rings = ctx.rings
    return (
        ((rings.cq_tail - rings.cq_head) & U32) >= min_events
        and not (ctx.local_work or task.notify_signal or ctx.overflow)
        and not (ctx.flags & IORING_SETUP_DEFER_TASKRUN and ctx.submitter_task is not task)
    )


def cq_wait_entry(
    task: Task, ctx: RingCtx, target_tail: int, nr_wait: int, timer_at: int | None
) -> tuple[simpy.Event, CqWaiter]:
    """Put ``task`` on ``ctx->cq_wait`` (``prepare_to_wait``) until the CQ tail reaches
    ``target_tail``, with a timer at instant ``timer_at`` (None: none) that wakes it with
    :data:`TIMED_OUT`; the event to sleep on, and the entry to take off once awake."""
    env = task.env
    ev = env.event()
    waiter = CqWaiter(task, ev, target_tail, nr_wait)
    ctx.cq_waiters.append(waiter)
    if timer_at is not None:
        call_at(env, max(timer_at, int(env.now)), partial(wake_task, None, task, TIMED_OUT, event=ev))
    return ev, waiter


def cqring_wait(
    task: Task, ctx: RingCtx, min_events: int, timeout_ns: int | None, min_wait_ns: int = 0, sig_error: int = 0
) -> Generator[simpy.Event, Any, int]:
    """Wait until ``min_events`` CQEs are ready; 0, -ETIME or -EEXIST.

    ``timeout_ns`` bounds the wait (None: no limit); ``min_wait_ns`` (0: none)
    is the EXT_ARG minimum wait, as the module docstring describes.
    ``sig_error`` is what installing the wait's signal mask answers
    (``set_user_sigmask``, only when the wait has to sleep): 0, or -errno returned
    instead of sleeping.
    """
    if ctx.flags & IORING_SETUP_DEFER_TASKRUN and ctx.submitter_task is not task:
        return -EEXIST
    if ctx.local_work or task.notify_signal or ctx.overflow:  # anything for catch_up() to do
        catch_up(task, ctx, min_events, max(IO_LOCAL_TW_DEFAULT_MAX, min_events))
    if ctx.cq_ready() >= min_events:
        return 0
    if sig_error:
        return sig_error
    env = task.env
    nr_timeouts = ctx.cq_timeouts  # io_should_wake: a timeout firing ends the wait too
    tracer = ctx.tracer
    if tracer.enabled:
        tracer.emit(task.now(), "io_uring_cqring_wait", tid=task.tid, ctx=ctx.id, min_events=min_events)
    task.charge(ctx.kernel.costs.uring.cq_wait_setup_ns)
    start = task.now()
    deadline = None if timeout_ns is None else start + max(0, timeout_ns)
    min_deadline = start + min_wait_ns if min_wait_ns > 0 else None
    cq_min_tail = ctx.rings.cq_tail  # iowq.cq_min_tail: CQEs posted since the wait began end the minimum wait
    while True:
        ready = ctx.cq_ready()
        target_tail = (ctx.rings.cq_head + min_events) & U32
        nr_wait = max(1, min_events - ready)
        if ctx.local_work and local_work_runs(task, ctx):
            # io_cqring_wait_schedule: deferred work left over from a limited pass is
            # run at once, without sleeping
            value = None
        else:
            timer_at = min_deadline if min_deadline is not None else deadline
            ev, waiter = cq_wait_entry(task, ctx, target_tail, nr_wait, timer_at)
            if task.stats is not None:
                task.stats.waits += 1
            value = yield from task.sleep(ev)
            if waiter in ctx.cq_waiters:
                ctx.cq_waiters.remove(waiter)
        if ctx.local_work or task.notify_signal or ctx.overflow:  # anything for catch_up() to do
            catch_up(task, ctx, nr_wait, nr_wait)  # io_run_local_work(ctx, nr_wait, nr_wait)
        if tracer.enabled:
            ctx.trace_rings(task.now())
        if ctx.cq_ready() >= min_events or ctx.cq_timeouts != nr_timeouts:
            return 0
        if min_deadline is not None and (value == TIMED_OUT or env.now >= min_deadline):
            # io_cqring_min_timer_wakeup: the minimum wait is over
            min_deadline = None
            if deadline is None or deadline <= env.now or ctx.cq_ready() or ctx.rings.cq_tail != cq_min_tail:
                return -ETIME if ctx.cq_ready() == 0 else 0
            min_events = ctx.cq_ready() + 1  # iowq->cq_tail = cq_min_tail: any CQE posted from now on
            continue
        if min_deadline is None and (value == TIMED_OUT or (deadline is not None and env.now >= deadline)):
            # io_cqring_wait: -ETIME only when the CQ is empty, else 0 (a partial wait)
            return -ETIME if ctx.cq_ready() == 0 else 0
