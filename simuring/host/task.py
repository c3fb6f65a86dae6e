"""Simulated tasks (threads) and processes.

A :class:`Task` is a SimPy process plus the state the kernel keeps in
``struct task_struct`` that matters here: which CPU it occupies, whether it
sleeps, its pending task work and its ``TIF_NOTIFY_SIGNAL`` flag.  A
:class:`Process` groups tasks that share a file-descriptor table and
credentials (``struct files_struct`` and ``struct cred``).

CPU time is charged in *bursts*: kernel and user code call :meth:`Task.charge`
as they go, which only adds to the task's unflushed burst; :meth:`Task.flush`
turns the accumulated work into one SimPy timeout.  Side effects that other
tasks can observe (a CQE written, a value stored) take effect when the code
runs, that is at the *start* of the burst; :meth:`Task.now` is the instant
the running code has reached inside the burst, and wake-ups and timers are
scheduled from it (plus the wake-up latency) with the absolute-time helpers
of :mod:`simuring.host.events`, so that a waiter never runs before the
waker's work that woke it would have happened.  The burst itself is private
to this package.  See ``docs/architecture.md`` ("Time is charged in bursts").
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, Final, Protocol

import simpy

from simuring.host.cpu import NORMAL_PRIO, TTWU_REMOTE_LINES
from simuring.host.eevdf import NEW
from simuring.host.events import call_at, caused_at, clock, timeout_in, trigger_at, triggered

if TYPE_CHECKING:
    from simuring.host.cpu import Cpu, Scheduler
    from simuring.output.metrics import TaskStats


RESCHED: Final = "resched"
"""The value :meth:`Task.spin` returns when the scheduler ended the spin: the
task used its time slice while another task waited for its CPU."""


class TaskState(enum.Enum):
    NEW = "new"
    RUNNING = "running"
    RUNNABLE = "runnable"
    SLEEPING = "sleeping"
    DEAD = "dead"


class Process:
    """A process: pid, credentials (fsuid/fsgid) and a file-descriptor table.

    ``fds_users`` is how many of its tasks share the table and are alive
    (``files->count``: every thread, and every io-wq worker or SQPOLL thread,
    which ``create_io_thread`` makes with CLONE_FILES); a call on a descriptor
    costs more once it is above one (``fdget``, :func:`simuring.kernel.files.fdget`).
    """

    def __init__(self, pid: int, name: str, uid: int, gid: int, fds: object) -> None:
        self.pid = pid
        self.name = name
        self.uid = uid
        self.gid = gid
        self.fds = fds  # the kernel's file table (struct files_struct): kernel.files.files_of()
        self.tasks: list[Task] = []
        self.fds_users = 0

    @property
    def fsuid(self) -> int:
        return self.uid

    @property
    def fsgid(self) -> int:
        return self.gid

    def __repr__(self) -> str:
        return f"<Process {self.pid} {self.name!r} uid={self.uid} gid={self.gid}>"


Generator_ = Generator[simpy.Event, Any, Any]


class TaskWorkRing(Protocol):
    """The ring a queued task-work item belongs to (the kernel's ``RingCtx``,
    or a ring-less stand-in): the host only keeps it for the kernel."""

    @property
    def flags(self) -> int:
        """The ring's IORING_SETUP_* flags (0 for none)."""
        ...


TaskWork = tuple[TaskWorkRing, Callable[["Task"], None]]
"""One ``task_work_add`` entry: the ring and the function run in the task's context."""


class IoWorkerHooks(Protocol):
    """``PF_IO_WORKER``: what the scheduler tells io-wq about one of its workers."""

    def sleeping(self, task: Task) -> None:
        """The worker gives its CPU up to sleep (``io_wq_worker_sleeping``)."""
        ...

    def running(self, task: Task) -> None:
        """The worker has a CPU again (``io_wq_worker_running``)."""
        ...


class Task:
    """One schedulable thread of a simulated process."""

    def __init__(
        self,
        env: simpy.Environment,
        sched: Scheduler,
        tid: int,
        name: str,
        process: Process,
        pinned_cpu: int | None = None,
        kthread: bool = False,
    ) -> None:
        self.env = env
        self.sched = sched
        self.tid = tid
        self.name = name
        self.process = process
        self.pinned_cpu = pinned_cpu
        self.kthread = kthread
        self.state = TaskState.NEW
        self.cpu: Cpu | None = None
        self.last_cpu: Cpu | None = None
        self.slice_start = 0
        # EEVDF (host/eevdf.py): virtual runtime and deadline, the lag kept over a sleep,
        # the CPU time charged when it last got a CPU, and how it is to be placed next
        self.vruntime = 0
        self.deadline = 0
        self.vlag = 0
        self.exec_start = 0
        self.placement = NEW
        self._burst_ns = 0  # CPU work charged and not yet elapsed (see flush())
        self.cpu_ns = 0
        self.in_kernel = False
        self.wait_event: simpy.Event | None = None
        self.spin_event: simpy.Event | None = None  # what a polling loop waits for (spin())
        # task_work_add() queue and TIF_NOTIFY_SIGNAL, see kernel/taskwork.py
        self.task_works: deque[TaskWork] = deque()
        self.notify_signal = False
        self.sim_process: simpy.Process | None = None
        self.stats: TaskStats | None = None  # attached by the simulation
        self.context_switches = 0  # times it got a CPU back: after sleeping or after preemption
        self.preemptions = 0  # of which after preemption (getrusage's ru_nivcsw; the rest: ru_nvcsw)
        # PF_IO_WORKER: io-wq's hooks (``sleeping``/``running``), set on io-wq workers only
        self.io_worker: IoWorkerHooks | None = None

    def __repr__(self) -> str:
        return f"<Task {self.tid} {self.name!r} {self.state.value}>"

    # -- time ----------------------------------------------------------
    def charge(self, ns: int) -> None:
        """Add ``ns`` of CPU work to the current burst (no simulated time passes yet)."""
        self._burst_ns += ns

    def now(self) -> int:
        """The simulated instant the task's code has reached: the clock plus the
        work charged in the current burst and not yet elapsed, and the interrupt
        time that falls within that work (:meth:`Scheduler.work_ends_at`):
        an interrupt delays everything its task does after it, the wake-ups it
        sends and the locks it lets go (``pipe->mutex``) included."""
        ns = self._burst_ns
        if ns and self.sched.interrupts:
            return self.sched.work_ends_at(clock(self.env), ns)
        return clock(self.env) + ns

    def spin_until(self, instant: int) -> None:
        """Work (spin) until ``instant``, which is past :meth:`now`: charge the work
        that ends there (:meth:`Scheduler.work_until`), so an interruption that
        stops both the spinner and what it waits for is paid once, not twice
        (measured on a KVM guest: its vCPUs are interrupted together)."""
        now = self.now()
        work = self.sched.work_until(now, instant)
        if self.sched.work_ends_at(now, work) < instant:
            work = instant - now  # an instant inside an interruption: wait it all
        self.charge(work)

    def cpu_time(self) -> int:
        """CPU time charged to the task so far, elapsed or still in its burst
        (``task_sched_runtime``); the difference of two readings is what the
        code in between charged."""
        return self.cpu_ns + self._burst_ns

    def flush(self) -> Generator_:
        """Let the accumulated burst elapse on the CPU (one timeout per stretch).

        Interrupt handlers that run while the burst elapses (an IPI delivering
        task work) add their cost to the burst; the loop then extends the
        burst, which is how an interrupt steals time from the task.  So do
        the interruptions the burst spans: the burst ends where :meth:`now`
        said its work would (:meth:`Scheduler.work_ends_at`).
        """
        while self._burst_ns:
            ns = self._burst_ns
            self._burst_ns = 0
            if self.sched.interrupts:
                start = clock(self.env)
                ns = self.sched.work_ends_at(start, ns) - start
            self.cpu_ns += ns
            yield timeout_in(self.env, ns)
        cpu = self.cpu
        # wants_preemption() needs a waiting task: skip the call when the run queue is empty
        if cpu is not None and cpu.runqueue and self.sched.wants_preemption(self):
            yield from self._preempt()

    def _preempt(self) -> Generator_:
        self.preemptions += 1
        self.state = TaskState.RUNNABLE
        self.sched.release(self)
        yield from self._reacquire()

    def _reacquire(self) -> Generator_:
        """Get a CPU back after sleeping or being preempted, and pay the switch."""
        self.state = TaskState.RUNNABLE
        ev = self.sched.try_acquire(self)
        if ev is not None:
            yield ev
        self.state = TaskState.RUNNING
        self.context_switches += 1
        self.charge(self.sched.sched_costs.context_switch_ns)

    def start_on_cpu(self) -> Generator_:
        """Initial placement of a new task."""
        if self.sched.tracer.enabled:
            trace_wakeup(None, self, "sched_wakeup_new", clock(self.env))
        ev = self.sched.try_acquire(self)
        self.state = TaskState.RUNNABLE
        if ev is not None:
            yield ev
        self.state = TaskState.RUNNING

    # -- blocking and waking ---------------------------------------------
    def sleep(self, event: simpy.Event) -> Generator_:
        """Block until ``event`` fires (``prepare_to_wait`` + ``schedule()``).

        The wait is armed first, as ``prepare_to_wait`` sets TASK_INTERRUPTIBLE
        before the caller's last check: a wake-up that happens, in simulated
        time, while the task is still finishing its burst makes it not block
        at all (``try_to_wake_up`` on a task still on its CPU only sets it
        TASK_RUNNING: no lost wake-up, no latency, no switch).  What counts is
        the instant of the wake-up (the waker's in-burst position, recorded by
        :func:`simuring.host.events.trigger_at`), not the order in which SimPy
        ran the two tasks: a waker whose code reaches ``try_to_wake_up`` after
        the sleeper reached ``schedule()`` finds it off its CPU.  Otherwise the
        CPU is released while sleeping; on wake-up the task waits for a CPU,
        pays a context switch, and returns the event's value.
        """
        self.wait_event = event
        yield from self.flush()
        cause = caused_at(event)
        if cause is not None and cause <= clock(self.env):  # woken before it could block
            self.wait_event = None
            return event.value
        self.state = TaskState.SLEEPING
        self.sched.release(self, sleeping=True)
        io_worker = self.io_worker
        if io_worker is not None:  # schedule() -> io_wq_worker_sleeping
            io_worker.sleeping(self)
        value = yield event
        self.wait_event = None
        if self.sched.tracer.enabled and isinstance(event, simpy.Timeout):
            trace_wakeup(None, self, "sched_wakeup", clock(self.env))  # a timer's own expiry woke it
        yield from self._reacquire()
        if io_worker is not None:  # io_wq_worker_running
            io_worker.running(self)
        return value

    def spin(self, event: simpy.Event) -> Generator_:
        """Wait for ``event`` while keeping the CPU busy (a polling loop).

        The loop stays TASK_RUNNING, so ``try_to_wake_up`` has nothing to do
        for it; what it polls for is seen at its next pass instead:
        :func:`kick_spinner` ends the wait (e.g. TIF_NOTIFY_SIGNAL set by
        task work, which the loop checks on each pass).

        The time slice applies: when another task waits for this CPU, the
        tick that finds the slice used sets need_resched and the loop gives
        the CPU up (``cond_resched``).  The spin then ends with
        :data:`RESCHED` once the task has its CPU back (the event was fired
        for that: the caller goes round its loop and polls again).
        """
        # the spin waits on an event of its own, fired by ``event`` when it fires, by
        # kick_spinner or by the tick (SimPy marks an event triggered when it is
        # scheduled, so ``event`` itself cannot be fired earlier by anyone else)
        wake = self.env.event()
        self.spin_event = wake

        def forward(ev: simpy.Event) -> None:
            if not triggered(wake):
                wake.succeed(ev.value)

        if event.callbacks is None:  # already fired
            wake.succeed(event.value)
        else:
            event.callbacks.append(forward)
        yield from self.flush()
        cpu = self.cpu
        if cpu is not None and cpu.runqueue:
            self.resched_at_slice_end()
        value = yield wake
        self.spin_event = None
        if value is RESCHED:
            yield from self._preempt()
        return value

    def resched_at_slice_end(self) -> None:
        """Another task queued for the CPU this task spins on: end the spin at
        the first tick that finds the slice used (``sched_tick`` ->
        ``resched_curr``; with ``sched.hz`` 0, when the slice ends)."""
        ev = self.spin_event
        if ev is None or triggered(ev):
            return
        env = self.env
        end = max(clock(env), self.slice_start + self.sched.sched_costs.timeslice_ns)
        tick = self.sched.next_tick(end - 1)
        at = end if tick is None else tick

        def tick_fires() -> None:
            if self.spin_event is ev and self.cpu is not None and self.cpu.runqueue:
                trigger_at(env, ev, clock(env), RESCHED)

        call_at(env, at, tick_fires)

    def exit(self) -> None:
        self.state = TaskState.DEAD
        self.process.fds_users -= 1  # exit_files
        self.sched.release(self)


def wake_task(waker: Task | None, target: Task, value: object = None, event: simpy.Event | None = None) -> bool:
    """``try_to_wake_up``: wake ``target`` if it sleeps; the waker pays for it.

    The waker pays ``sched.wakeup_ns``.  The wakee becomes runnable
    ``wakeup_latency_ns`` (plus the seeded ``wakeup_jitter_ns`` noise) after
    the waker's current in-burst position; on the waker's own CPU at once (it
    is put on that CPU's run queue, and runs when the waker gives it up).  A sleeper whose CPU is a halted
    vCPU (idle for longer than ``sched.idle_poll_ns``) is reached by an
    interrupt: ``ttwu_queue_wakelist`` sends an IPI (the waker pays
    ``ipi_send_ns``, a VM exit on a guest without posted IPIs) and the vCPU
    leaves its halt ``ipi_latency_ns`` later (up to ``deep_idle_exit_ns`` more
    from a deeper sleep, :meth:`Scheduler.halt_exit_ns`).  Until then, another
    wake-up onto that CPU sends no IPI of its own (the CPU's wake list is
    already non-empty) and its wakee runs once the CPU is up.  A polling idle
    vCPU only needs its need-resched flag set.  A busy CPU queues the wakee:
    the waker enqueues it on that CPU's run queue itself (``ttwu_queue_cond``
    sends only wake-ups to an idle CPU to its wake list), taking
    :data:`~simuring.host.cpu.TTWU_REMOTE_LINES` cache lines from it (which that
    CPU takes back at its next task switch, :meth:`Scheduler.release`); and if that CPU is in the
    middle of a task switch (``__schedule`` holds its run-queue lock until
    ``finish_task_switch``), the waker first spins until the switch ends.

    A target that armed a wait but has not blocked yet simply does not block.
    Returns False when the target was not waiting (or already being woken).
    With ``event``, wake only if the target still sleeps on that very event
    (a stale timer must not wake a later sleep).
    """
    ev = target.wait_event
    if ev is None or triggered(ev) or target.state is TaskState.DEAD:
        return False
    if event is not None and ev is not event:
        return False
    sched = target.sched
    costs = sched.sched_costs
    env = target.env
    at = waker.now() if waker is not None else clock(env)
    cpu = sched.select_cpu(target) if target.state is TaskState.SLEEPING else None
    if waker is not None and cpu is waker.cpu:
        # ttwu onto the waker's own CPU: enqueued there at once (ttwu_do_activate),
        # runnable as soon as the waker gives the CPU up
        latency = 0
    else:
        latency = costs.wakeup_latency_ns + sched.jitter(costs.wakeup_jitter_ns)
    if cpu is not None:
        if waker is None or cpu is not waker.cpu:
            state = sched.idle_state(cpu, at)
            if state == "busy":
                if waker is not None:
                    if at < cpu.switch_done_at:
                        # that CPU is switching tasks: __schedule holds its run-queue lock
                        # until finish_task_switch, and ttwu spins on it meanwhile
                        waker.charge(cpu.switch_done_at - at)
                    # ttwu_do_activate under the other CPU's run-queue lock
                    waker.charge(TTWU_REMOTE_LINES * sched.mem_costs.cacheline_transfer_ns)
                    cpu.rq_lines_away = True
            elif state == "halted" or state == "deep":
                if at < cpu.waking_until:
                    # an IPI is already on its way: the wake list is not empty, so
                    # ttwu_queue_wakelist sends no other; the wakee runs once the CPU is up
                    latency = max(latency, cpu.waking_until - at)
                else:
                    latency += costs.ipi_latency_ns + sched.halt_exit_ns(cpu, at)
                    if waker is not None:
                        waker.charge(costs.ipi_send_ns)
                    cpu.waking_until = at + latency
    if waker is not None:
        waker.charge(costs.wakeup_ns)
    if sched.tracer.enabled:
        trace_wakeup(waker, target, "sched_wakeup", at)
    trigger_at(env, ev, at + latency, value, cause=at)
    return True


def trace_wakeup(waker: Task | None, target: Task, kind: str, at: int) -> None:
    """``sched_wakeup`` / ``sched_wakeup_new`` for ``target``, in ``waker``'s context
    (None: a timer), with the CPU the target will run on (``target_cpu``)."""
    sched = target.sched
    cpu = target.cpu if target.cpu is not None else sched.select_cpu(target)
    sched.tracer.emit(
        at,
        kind,
        tid=waker.tid if waker is not None else None,
        comm=target.name,
        pid=target.tid,
        prio=NORMAL_PRIO,
        target_cpu=cpu.index,
    )


def kick_spinner(waker: Task | None, target: Task, value: object = None) -> bool:
    """End ``target``'s polling wait (:meth:`Task.spin`) when the loop sees a flag ``waker`` set.

    The flag's cache line reaches the polling CPU ``mem.cacheline_transfer_ns``
    after the waker's in-burst position.  False if the target is not spinning.
    """
    ev = target.spin_event
    if ev is None or triggered(ev):
        return False
    env = target.env
    at = waker.now() if waker is not None else clock(env)
    return trigger_at(env, ev, at + target.sched.mem_costs.cacheline_transfer_ns, value)


def send_ipi(waker: Task | None, target: Task, handler: Callable[[], None]) -> None:
    """Interrupt the CPU ``target`` runs on and run ``handler`` there.

    The sender pays ``ipi_send_ns``; the handler runs ``ipi_latency_ns``
    after the sender's in-burst position, and the interrupted task loses
    ``ipi_receive_ns`` plus whatever the handler charges to it.
    """
    costs = target.sched.sched_costs
    env = target.env
    if waker is not None:
        at = waker.now()
        waker.charge(costs.ipi_send_ns)
    else:
        at = clock(env)

    def deliver() -> None:
        if target.state is TaskState.RUNNING and target.cpu is not None:
            target.charge(costs.ipi_receive_ns)
            target.cpu.irq_ns += costs.ipi_receive_ns
        handler()

    call_at(env, at + costs.ipi_latency_ns, deliver)


def at_next_tick(target: Task, handler: Callable[[], None]) -> bool:
    """Run ``handler`` at the next scheduler tick that finds ``target`` running in user space.

    The tick interrupt (``tick_sched_timer``) returns to user space through
    ``exit_to_user_mode_loop``, which is where pending ``TIF_NOTIFY_SIGNAL``
    work runs when nobody sent an IPI.  A tick that finds the task preempted
    (waiting for its CPU) does not reach it: the next one is tried.  A task
    that entered the kernel meanwhile runs its work on the way out, and the
    handler is left to check that there is still something to do.  Returns
    False when there is no tick (``sched.hz`` 0) or the target is a kernel
    thread (it never returns to user space).
    """
    sched = target.sched
    env = target.env
    if target.kthread:
        return False
    first = sched.next_tick(clock(env))
    if first is None:
        return False

    def tick() -> None:
        if target.state is TaskState.RUNNABLE:
            later = sched.next_tick(clock(env))
            if later is not None:
                call_at(env, later, tick)
            return
        if target.state is TaskState.RUNNING and not target.in_kernel:
            handler()

    call_at(env, first, tick)
    return True
