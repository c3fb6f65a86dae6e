"""The SQPOLL kernel thread (io_uring/sqpoll.c, ``io_sq_thread``).

The thread occupies a CPU while it polls the SQ tail.  When it finds SQEs
it submits them (costs charged to the thread, not to the application).
A new thread whose first pass finds nothing to do goes to sleep at once
(``io_sq_thread``'s idle deadline starts at 0, long past).  After
``sq_thread_idle`` without work it sets IORING_SQ_NEED_WAKEUP,
re-checks the SQ once (the kernel's ``smp_mb`` + recheck, so a racing
submission is not lost), and sleeps until the application enters with
IORING_ENTER_SQ_WAKEUP.  While polling, the application's store to the SQ
tail reaches the thread after ``uring.sqpoll_notice_ns`` (the cache line
moving between CPUs).  Requests it submitted complete through task work
queued on the thread itself (io_uring/io_uring.c ``io_req_normal_work_add``:
``__set_notify_signal``); it runs that work on each pass of its loop
(``io_sq_tw``), which counts as activity for the idle deadline.

IORING_ENTER_SQ_WAIT (``io_sqpoll_wait_sq``) puts the caller to sleep while
the SQ is full; the thread wakes such waiters after each batch it submits
(``__io_sq_thread``: ``wake_up(&ctx->sqo_sq_wait)``), and when it stops.
"""

from __future__ import annotations

from collections.abc import Generator
from functools import partial
from typing import TYPE_CHECKING, Any

import simpy

from simuring.abi.io_uring import IORING_SQ_NEED_WAKEUP
from simuring.host.events import call_at, trigger_at
from simuring.host.task import wake_task
from simuring.kernel.rings import U32
from simuring.kernel.taskwork import run_task_work

if TYPE_CHECKING:
    from simuring.host.task import Task
    from simuring.kernel import Kernel
    from simuring.kernel.ctx import RingCtx

IDLE = "idle"
DOORBELL = "doorbell"


class SqPoll:
    """One ring's SQ polling thread."""

    def __init__(self, kernel: Kernel, ctx: RingCtx, creator: Task, idle_ns: int, cpu: int | None) -> None:
        self.kernel = kernel
        self.ctx = ctx
        self.creator = creator
        self.idle_ns = idle_ns
        self.cpu = cpu
        self.task: Task | None = None
        self.stopped = False
        self.doorbell: simpy.Event | None = None
        self.sleeps = 0
        self.wakeups = 0
        self.sq_waiters: list[tuple[Task, simpy.Event]] = []
        """Tasks in IORING_ENTER_SQ_WAIT (``ctx->sqo_sq_wait``) and the event each sleeps on."""
        ctx.rings.on_sq_tail = self.sq_tail_written

    def start(self, by: Task) -> None:
        name = f"iou-sqp-{self.creator.process.pid}"
        self.task = self.kernel.spawn_kthread(name, self.creator.process, self._loop, cpu=self.cpu)

    def stop(self, by: Task | None) -> None:
        self.stopped = True
        self._kick(by, int(self.kernel.env.now))
        if self.task is not None:
            wake_task(by, self.task, "stop")
        self._wake_sq_waiters(by)

    def sq_full(self) -> bool:
        """``io_sqring_full``: the SQ tail is a whole ring ahead of what the kernel consumed."""
        ctx = self.ctx
        return ((ctx.rings.sq_tail - ctx.cached_sq_head) & U32) >= ctx.sq_entries

    def wait_sq(self, task: Task) -> Generator[simpy.Event, Any, None]:
        """``io_sqpoll_wait_sq`` (IORING_ENTER_SQ_WAIT): sleep until the SQ is not full.

        Returns at once when it is not; otherwise only a batch submitted by the
        thread (or its end) wakes the caller, so a full SQ of a sleeping thread
        not woken by IORING_ENTER_SQ_WAKEUP waits for good, as on Linux.
        """
        while self.sq_full() and not self.stopped:
            ev = task.env.event()
            self.sq_waiters.append((task, ev))
            yield from task.sleep(ev)

    def _wake_sq_waiters(self, by: Task | None) -> None:
        """``wake_up(&ctx->sqo_sq_wait)``: every SQ_WAIT sleeper checks the SQ again."""
        waiters, self.sq_waiters = self.sq_waiters, []
        for waiter, ev in waiters:
            wake_task(by, waiter, event=ev)

    def sq_tail_written(self, by: Task) -> None:
        """The application published new SQEs; a polling thread notices soon."""
        self._kick(by, by.now() + self.kernel.costs.uring.sqpoll_notice_ns)

    def wakeup(self, by: Task) -> None:
        """IORING_ENTER_SQ_WAKEUP."""
        if self.task is not None and wake_task(by, self.task, "sq_wakeup"):
            self.wakeups += 1

    def _kick(self, by: Task | None, at: int) -> None:
        """Ring the polling thread's doorbell at instant ``at``."""
        ev = self.doorbell
        if ev is not None and not ev.triggered:
            trigger_at(self.kernel.env, ev, at, DOORBELL)

    @staticmethod
    def _idle_out(env: simpy.Environment, ev: simpy.Event) -> None:
        """The idle deadline passed: end the busy-poll wait (unless a doorbell did)."""
        trigger_at(env, ev, int(env.now), IDLE)

    def _loop(self, task: Task) -> Generator[simpy.Event, Any, None]:
        ctx = self.ctx
        rings = ctx.rings
        env = task.env
        costs = self.kernel.costs.uring
        submitter = self.kernel.submitter
        # io_sq_thread starts with ``timeout = 0``: the idle deadline has already passed, so a
        # first pass that finds no SQEs and no task work sleeps at once (NEED_WAKEUP); the idle
        # time only ever runs from work done
        last_active = int(env.now) - self.idle_ns
        while not self.stopped:
            pending = rings.sq_pending()
            if pending:
                submitter.submit_sqes(task, ctx, pending)
                if self.sq_waiters:
                    self._wake_sq_waiters(task)
                if task.notify_signal:
                    run_task_work(task)
                yield from task.flush()
                last_active = int(env.now)
                continue
            if task.notify_signal:  # io_sq_tw: work ran, the idle deadline starts over
                run_task_work(task)
                yield from task.flush()
                last_active = int(env.now)
                continue
            idle_left = last_active + self.idle_ns - int(env.now)
            if idle_left <= 0:
                rings.sq_flags |= IORING_SQ_NEED_WAKEUP
                if rings.sq_pending():
                    rings.sq_flags &= ~IORING_SQ_NEED_WAKEUP
                    continue
                self.sleeps += 1
                yield from task.sleep(env.event())
                rings.sq_flags &= ~IORING_SQ_NEED_WAKEUP
                last_active = int(env.now)
                continue
            # busy-poll: keep the CPU and wait for a doorbell, task work (kick_spinner
            # from taskwork.notify) or the idle deadline
            ev = env.event()
            self.doorbell = ev
            call_at(env, last_active + self.idle_ns, partial(self._idle_out, env, ev))
            task.charge(costs.sqpoll_loop_ns)
            yield from task.spin(ev)  # RESCHED: it gave the CPU up (cond_resched) and polls again
            self.doorbell = None
