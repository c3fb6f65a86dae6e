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
from simuring.abi.limits import U32
from simuring.host.events import call_at, trigger_at
from simuring.host.task import wake_task
from simuring.kernel.taskwork import run_task_work

if TYPE_CHECKING:
    from simuring.host.task import Task
    from simuring.kernel import Kernel
    from simuring.kernel.ctx import RingCtx

IDLE = "idle"
DOORBELL = "doorbell"
SQPOLL_CAP_ENTRIES = 8
"""IORING_SQPOLL_CAP_ENTRIES_VALUE: a shared thread's per-ring batch limit on each pass."""


class SqPoll:
    """An SQ polling thread and the rings it serves (``struct io_sq_data``).

    A ring set up with IORING_SETUP_SQPOLL|ATTACH_WQ naming an SQPOLL ring of
    the same process shares that ring's thread (``io_attach_sq_data``): the
    thread serves every ring in ``ctxs``, idles for the longest of their
    ``sq_thread_idle`` (``io_sqd_update_thread_idle``), flags them all with
    NEED_WAKEUP when it sleeps, and ends with the last of them.
    """

    def __init__(self, kernel: Kernel, ctx: RingCtx, creator: Task, idle_ns: int, cpu: int | None) -> None:
        self.kernel = kernel
        self.ctxs: list[RingCtx] = []
        self.ctx_idle: dict[int, int] = {}
        self.creator = creator
        self.idle_ns = idle_ns
        self.cpu = cpu
        self.task: Task | None = None
        self.stopped = False
        self.doorbell: simpy.Event | None = None
        self.sleeps = 0
        self.wakeups = 0
        self.park_reset = False
        """Set by an attach or detach (``io_sq_thread_park``): the thread restarts its idle time."""
        self.sq_waiters: list[tuple[Task, simpy.Event]] = []
        """Tasks in IORING_ENTER_SQ_WAIT (``ctx->sqo_sq_wait``) and the event each sleeps on."""
        self.attach(None, ctx, idle_ns)

    @property
    def ctx(self) -> RingCtx:
        """The first ring the thread serves (the one that created it, while it lives)."""
        return self.ctxs[0]

    def attach(self, by: Task | None, ctx: RingCtx, idle_ns: int) -> None:
        """``io_sq_offload_create`` for a ring joining this thread: the thread is parked (which
        wakes it and restarts its idle time), the ring added, the idle time made the longest."""
        self.ctxs.append(ctx)
        self.ctx_idle[ctx.id] = idle_ns
        self.idle_ns = max(self.ctx_idle.values())
        ctx.sqpoll = self
        ctx.rings.on_sq_tail = self.sq_tail_written
        if self.task is not None:
            self._park(by)

    def _park(self, by: Task | None) -> None:
        """``io_sq_thread_park`` / ``unpark``: the thread handles the event and starts its idle
        time over (a sleeping thread is woken for it, a polling one sees it on its next pass)."""
        self.park_reset = True
        self._kick(by, int(self.kernel.env.now) if by is None else by.now())
        if self.task is not None:
            wake_task(by, self.task, "park")

    def start(self, by: Task) -> None:
        """Start the thread (setup, or IORING_REGISTER_ENABLE_RINGS of an R_DISABLED ring); a thread
        already running is only woken (``io_register_enable_rings``: ``wake_up(&sqd->wait)``)."""
        if self.task is not None:
            wake_task(by, self.task, "enable")
            return
        name = f"iou-sqp-{self.creator.process.pid}"
        self.task = self.kernel.spawn_kthread(name, self.creator.process, self._loop, cpu=self.cpu)

    def stop(self, by: Task | None, ctx: RingCtx | None = None) -> None:
        """``io_sq_thread_finish``: ``ctx`` (default: every ring) leaves the thread, which ends
        with its last ring; one that still serves others is parked."""
        leaving = list(self.ctxs) if ctx is None else [ctx]
        for c in leaving:
            if c in self.ctxs:
                self.ctxs.remove(c)
                self.ctx_idle.pop(c.id, None)
                c.rings.on_sq_tail = None
        self._wake_sq_waiters(by)
        if self.ctxs:
            self.idle_ns = max(self.ctx_idle.values())
            self._park(by)
            return
        self.stopped = True
        self._kick(by, int(self.kernel.env.now))
        if self.task is not None:
            wake_task(by, self.task, "stop")

    @staticmethod
    def sq_full(ctx: RingCtx) -> bool:
        """``io_sqring_full``: the SQ tail is a whole ring ahead of what the kernel consumed."""
        return ((ctx.rings.sq_tail - ctx.cached_sq_head) & U32) >= ctx.sq_entries

    def wait_sq(self, task: Task, ctx: RingCtx) -> Generator[simpy.Event, Any, None]:
        """``io_sqpoll_wait_sq`` (IORING_ENTER_SQ_WAIT): sleep until ``ctx``'s SQ is not full.

        Returns at once when it is not; otherwise only a batch submitted by the
        thread (or its end) wakes the caller, so a full SQ of a sleeping thread
        not woken by IORING_ENTER_SQ_WAKEUP waits for good, as on Linux.
        """
        while self.sq_full(ctx) and ctx in self.ctxs:
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

    def _pending(self) -> int:
        """SQEs waiting in the SQs of the enabled rings the thread serves."""
        return sum(c.rings.sq_pending() for c in self.ctxs if not c.disabled)

    def _set_need_wakeup(self, on: bool) -> None:
        for c in self.ctxs:
            if on:
                c.rings.sq_flags |= IORING_SQ_NEED_WAKEUP
            else:
                c.rings.sq_flags &= ~IORING_SQ_NEED_WAKEUP

    def _loop(self, task: Task) -> Generator[simpy.Event, Any, None]:
        env = task.env
        costs = self.kernel.costs.uring
        submitter = self.kernel.submitter
        # io_sq_thread starts with ``timeout = 0``: the idle deadline has already passed, so a
        # first pass that finds no SQEs and no task work sleeps at once (NEED_WAKEUP); the idle
        # time only ever runs from work done
        last_active = int(env.now) - self.idle_ns
        while not self.stopped:
            if self.park_reset:  # io_sqd_handle_event: timeout = jiffies + sq_thread_idle
                self.park_reset = False
                last_active = int(env.now)
            submitted = False
            # __io_sq_thread per ring; with several rings each pass takes at most
            # IORING_SQPOLL_CAP_ENTRIES_VALUE SQEs of each
            cap = SQPOLL_CAP_ENTRIES if len(self.ctxs) > 1 else None
            for ctx in list(self.ctxs):
                pending = ctx.rings.sq_pending()
                if pending and not ctx.disabled:
                    submitter.submit_sqes(task, ctx, pending if cap is None else min(pending, cap))
                    submitted = True
            if submitted:
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
                self._set_need_wakeup(True)
                if self._pending():
                    self._set_need_wakeup(False)
                    continue
                self.sleeps += 1
                yield from task.sleep(env.event())
                self._set_need_wakeup(False)
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
