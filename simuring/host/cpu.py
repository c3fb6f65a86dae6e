"""vCPUs and the scheduler that places tasks on them.

The model is deliberately small, the way a teaching model of CFS/EEVDF would
be:

* A task *occupies* a CPU from the moment it is scheduled until it blocks
  (``schedule()`` from a sleeping state) or ends.  While it occupies a CPU
  no other task runs there.
* A waking task goes to the CPU it is pinned to, else to the CPU it last ran
  on if that is idle, else to the lowest-numbered idle CPU, else it queues on
  its last CPU (``select_task_rq_fair`` prefers ``prev_cpu`` and idle
  siblings; we have no topology beyond "one socket").
* Runnable tasks beyond the number of CPUs wait in a run queue per CPU, and
  the CPU takes the next one in EEVDF's order (:mod:`simuring.host.eevdf`:
  the eligible task with the earliest virtual deadline, a sleeper's lag kept
  over its sleep), not in the order they came.
  A running task gives its CPU up at the end of a CPU burst when its time
  slice is used and somebody waits (tick preemption, coarsened to bursts);
  a task spinning in a polling loop (``Task.spin``) gives it up at the first
  tick that finds its slice used while somebody waits.
* The timer tick (``sched.hz``) is modelled where it has an effect one can
  observe: a task running in user space returns to user space through each
  tick, and pending task work runs then (:func:`simuring.host.task.at_next_tick`).

* An idle vCPU first polls for work (``sched.idle_poll_ns``, the guest's
  cpuidle-haltpoll window), then halts: waking a task onto a halted vCPU
  takes an IPI (:func:`simuring.host.task.wake_task`).  After
  ``sched.deep_idle_ns`` halted it sinks deeper (the host stops polling for
  the vCPU and deschedules its thread), and waking it takes
  ``sched.deep_idle_exit_ns`` longer; with ``sched.deep_idle_ramp`` it sinks
  gradually, that extra latency growing linearly over the last fraction of
  ``deep_idle_ns`` (:meth:`Scheduler.halt_exit_ns`).

The scheduler counts the *runnable* tasks (running on a CPU or waiting in a
run queue, user tasks and kernel threads alike) and keeps the peak of that
count, and the instant it first exceeded the number of CPUs
(:attr:`Scheduler.peak_runnable`, :attr:`Scheduler.oversubscribed_at`):
``simuring run`` tells the user when tasks had to share CPUs.  The counts
only observe; they change no decision.

Everything is deterministic: ties are broken by CPU index, and the timing
noise (:meth:`Scheduler.jitter`) comes from a generator seeded by the
simulation's seed.
"""

from __future__ import annotations

import random
from math import log
from typing import TYPE_CHECKING, Final

import simpy

from simuring.host.eevdf import Queue, leave, pick, place
from simuring.host.events import clock
from simuring.host.memory import SharedBuffers
from simuring.host.pages import PageAllocator
from simuring.output.trace import Tracer

if TYPE_CHECKING:
    from simuring.cost import CostModel
    from simuring.cost.model import MemSection, SchedSection, SyscallSection
    from simuring.host.task import Task


NORMAL_PRIO: Final = 120
"""The kernel priority of a nice-0 task (``MAX_RT_PRIO + NICE_WIDTH / 2``), every simulated task's."""

TTWU_REMOTE_LINES: Final = 12
"""Cache lines a wake-up onto another, busy CPU takes from it (``try_to_wake_up`` ->
``ttwu_do_activate`` under that CPU's run-queue lock, ``enqueue_task_fair``,
``wakeup_preempt``): the wakee's ``pi_lock``/state and ``on_rq`` (2), the run
queue's lock, its counters and its clocks (3), the CFS run queue's counters, tree
and load average (3), the wakee's sched_entity and its load average (3), and the
running task's sched_entity, brought up to date to compare with it (1).  Each
costs ``mem.cacheline_transfer_ns``, and the CPU pays as much again to take the
lines back at its next task switch (:meth:`Scheduler.release`); a wake-up onto an
idle CPU goes through that CPU's wake list instead, and the CPU enqueues the task
itself."""

_SWITCH_STATE = {"sleeping": "S", "runnable": "R+", "dead": "X"}
"""``sched_switch``'s ``prev_state`` by ``TaskState`` value; a running task switched out: R."""


class Cpu:
    """One vCPU: who runs on it, who waits for it, and how busy it was."""

    __slots__ = (
        "index",
        "current",
        "runqueue",
        "zero_v",
        "busy_ns",
        "_busy_since",
        "irq_ns",
        "idle_since",
        "waking_until",
        "switch_done_at",
        "rq_lines_away",
    )

    def __init__(self, index: int) -> None:
        self.index = index
        self.current: Task | None = None
        self.runqueue: Queue = []  # the tasks waiting for it (taken in EEVDF's order, host/eevdf.py)
        self.zero_v = 0  # its queue's vruntime zero point (cfs_rq->zero_vruntime)
        self.busy_ns = 0
        self._busy_since = 0
        self.irq_ns = 0
        self.idle_since = 0  # when it last became idle (meaningful while ``current`` is None)
        self.waking_until = 0  # a halted CPU an IPI was sent to leaves its halt then
        # when the CPU's last switch from one task to a queued one ends: until then
        # __schedule holds its run-queue lock, and a remote try_to_wake_up waits for it
        self.switch_done_at = 0
        # a remote try_to_wake_up took the run-queue lines since the last switch
        # (TTWU_REMOTE_LINES): the next __schedule here takes them back
        self.rq_lines_away = False

    def __repr__(self) -> str:
        who = self.current.name if self.current else "idle"
        return f"<Cpu {self.index} {who} rq={len(self.runqueue)}>"


class Scheduler:
    """Places tasks on CPUs and hands a CPU over when its task blocks."""

    def __init__(self, env: simpy.Environment, costs: CostModel, seed: int = 0, tracer: Tracer | None = None) -> None:
        self.env = env
        self.costs = costs
        # the sections read on every switch, wake-up, syscall and cache-line transfer,
        # held by this (native, when compiled) class: one attribute of the interpreted
        # CostModel read here, not on each use (the model is frozen)
        self.sched_costs: SchedSection = costs.sched
        self.mem_costs: MemSection = costs.mem
        self.syscall_costs: SyscallSection = costs.syscall
        self.interrupts = costs.sched.irq_ns > 0
        """Whether interruptions take time from running tasks (:meth:`irq_time`)."""
        self.tick_ns = 1_000_000_000 // costs.sched.hz if costs.sched.hz > 0 else 0
        """A tick's period (TICK_NSEC; 0 without ticks)."""
        self.tracer = tracer if tracer is not None else Tracer()
        """Records ``sched_switch`` / ``sched_wakeup`` when enabled (``output/trace.py``)."""
        self.cpus = [Cpu(i) for i in range(costs.host.cpus)]
        self.idle_cpus = len(self.cpus)
        """CPUs running no task.  A CPU's run queue fills only while it runs a task
        (:meth:`try_acquire`) and :meth:`release` hands it the next queued one, so an
        idle CPU has an empty run queue: with none idle, :meth:`select_cpu` need not look."""
        # seeded from a string: the same stream whatever PYTHONHASHSEED (sha512 of the text)
        self.noise = random.Random(f"simuring-noise:{seed}")
        self._uniform = self.noise.random
        self.memory = SharedBuffers()  # shared buffers' cache-line ownership
        self.pages = PageAllocator(costs.mem, seed)
        """Every CPU's page list (mm/page_alloc.c's per-CPU pages)."""
        self.runnable = 0
        """Tasks running on a CPU or waiting in a run queue, now."""
        self.peak_runnable = 0
        """The most tasks that were runnable at once."""
        self.oversubscribed_at: int | None = None
        """The first instant more tasks were runnable than there are CPUs (None: never)."""

    def jitter(self, mean_ns: int) -> int:
        """A random delay with mean ``mean_ns`` (exponential, whole ns; 0 when the mean is 0).

        The model's timing noise: interrupts, cache misses and host-side
        scheduling that a real machine adds at random, which keeps identical
        tasks from running in lock-step.  Drawn from the scheduler's seeded
        generator in event order, so the same seed gives the same run.
        """
        if mean_ns <= 0:
            return 0
        return int(-mean_ns * log(1.0 - self._uniform()))  # inverse CDF of the exponential

    def idle_state(self, cpu: Cpu, at: int) -> str:
        """What ``cpu`` is doing at instant ``at``: "busy", "polling" (idle, within
        ``sched.idle_poll_ns`` of going idle), "halted", or "deep" (halted for
        ``sched.deep_idle_ns`` more, when the profile gives that sleep an exit cost)."""
        if cpu.current is not None or cpu.runqueue:
            return "busy"
        costs = self.sched_costs
        idle = at - cpu.idle_since
        if idle < costs.idle_poll_ns:
            return "polling"
        if costs.deep_idle_exit_ns and idle >= costs.idle_poll_ns + costs.deep_idle_ns:
            return "deep"
        return "halted"

    def halt_exit_ns(self, cpu: Cpu, at: int) -> int:
        """The extra latency of waking ``cpu`` at instant ``at`` from its deeper sleep,
        beyond ``ipi_latency_ns``: 0 until it sinks (``sched.deep_idle_ns`` halted),
        then ``sched.deep_idle_exit_ns``; with ``sched.deep_idle_ramp`` > 0 the
        sinking is gradual, the extra latency growing linearly over that fraction of
        ``deep_idle_ns`` before it.  Only meaningful for a halted CPU
        (:meth:`idle_state` "halted" or "deep")."""
        costs = self.sched_costs
        exit_ns = costs.deep_idle_exit_ns
        if not exit_ns:
            return 0
        halted = at - cpu.idle_since - costs.idle_poll_ns
        deep = costs.deep_idle_ns
        if halted >= deep:
            return exit_ns
        ramp = min(1.0, costs.deep_idle_ramp) * deep  # above 1 counts as 1
        start = deep - ramp
        if ramp <= 0 or halted <= start:
            return 0
        return int(exit_ns * (halted - start) / ramp)

    # -- placement -----------------------------------------------------
    def select_cpu(self, task: Task) -> Cpu:
        """Pick the CPU a waking task should run on (``select_task_rq``)."""
        if task.pinned_cpu is not None:
            return self.cpus[task.pinned_cpu]
        last = task.last_cpu
        if last is not None and last.current is None and not last.runqueue:
            return last
        if self.idle_cpus:  # (a host of many busy CPUs: no scan of them all)
            for cpu in self.cpus:
                if cpu.current is None and not cpu.runqueue:
                    return cpu
        if last is not None:
            return last
        return min(self.cpus, key=lambda c: (len(c.runqueue), c.index))

    def check_cpu(self, cpu: int | None) -> None:
        if cpu is not None and not (0 <= cpu < len(self.cpus)):
            raise ValueError(f"cpu={cpu} is out of range: this host has {len(self.cpus)} CPUs (0..{len(self.cpus) - 1})")

    # -- occupying and releasing ---------------------------------------
    def try_acquire(self, task: Task) -> simpy.Event | None:
        """Give ``task`` a CPU now if one is free; else queue it and return the event to wait for."""
        self.runnable += 1
        if self.runnable > self.peak_runnable:
            self._new_peak()
        cpu = self.select_cpu(task)
        place(cpu.runqueue, cpu.zero_v, task, cpu.current, task.last_cpu is cpu, self.sched_costs.timeslice_ns)
        if cpu.current is None:
            if self.tracer.enabled:
                self.trace_switch(cpu, None, task)
            self._occupy(cpu, task)
            return None
        ev = self.env.event()
        cpu.runqueue.append((task, ev))
        cpu.current.resched_at_slice_end()  # a polling loop gives the CPU up at its slice end
        return ev

    def _new_peak(self) -> None:
        """``runnable`` reached a new high: record it, and when it first exceeds the CPUs."""
        self.peak_runnable = self.runnable
        if self.oversubscribed_at is None and self.runnable > len(self.cpus):
            self.oversubscribed_at = clock(self.env)

    def _occupy(self, cpu: Cpu, task: Task) -> None:
        now = clock(self.env)
        cpu.current = task
        self.idle_cpus -= 1
        cpu._busy_since = now
        if task.last_cpu is not None and task.last_cpu is not cpu:
            task.charge(self.sched_costs.migration_ns)
        task.cpu = cpu
        task.last_cpu = cpu
        task.slice_start = now
        task.exec_start = task.cpu_ns

    def release(self, task: Task, sleeping: bool = False) -> None:
        """``task`` stops occupying its CPU (``sleeping``: it blocks; else it was
        preempted or ended); the next queued task gets it."""
        cpu = task.cpu
        if cpu is None:
            return
        costs = self.sched_costs
        v = leave(cpu.runqueue, task, sleeping, costs.timeslice_ns, self.tick_ns)
        if not cpu.runqueue:
            cpu.zero_v = v
        task.cpu = None
        cpu.current = None
        self.idle_cpus += 1
        self.runnable -= 1
        now = clock(self.env)
        cpu.busy_ns += now - cpu._busy_since
        cpu.idle_since = now
        if cpu.runqueue:
            nxt, ev = pick(cpu.runqueue)
            if self.tracer.enabled:
                self.trace_switch(cpu, task, nxt)
            self._occupy(cpu, nxt)
            # nxt pays the switch (context_switch_ns) as it starts; the run-queue lock
            # is held until finish_task_switch, at its end
            switch_ns = self.sched_costs.context_switch_ns
            if cpu.rq_lines_away:
                # __schedule (rq_lock, deactivate_task, pick_next_task_fair) takes back
                # the lines remote wake-ups took since the last switch: once, whatever
                # their number, as they wrote the same run-queue lines
                cpu.rq_lines_away = False
                lines_ns = TTWU_REMOTE_LINES * self.mem_costs.cacheline_transfer_ns
                nxt.charge(lines_ns)
                switch_ns += lines_ns
            cpu.switch_done_at = now + switch_ns
            ev.succeed()
        else:
            cpu.rq_lines_away = False  # the idle task's switch takes them back, at no task's cost
            if self.tracer.enabled:
                self.trace_switch(cpu, task, None)

    def trace_switch(self, cpu: Cpu, prev: Task | None, nxt: Task | None) -> None:
        """``sched_switch`` on ``cpu`` from ``prev`` to ``nxt`` (None: the CPU's idle
        task, ``swapper/N``, pid 0).  ``prev_state`` is what ``TP_printk`` shows:
        S (sleeping), R+ (preempted, still runnable), X (dead)."""
        idle = f"swapper/{cpu.index}"
        self.tracer.emit(
            clock(self.env),
            "sched_switch",
            cpu=cpu.index,
            prev_comm=prev.name if prev is not None else idle,
            prev_pid=prev.tid if prev is not None else 0,
            prev_prio=NORMAL_PRIO,
            prev_state=_SWITCH_STATE.get(prev.state.value, "R") if prev is not None else "R",
            next_comm=nxt.name if nxt is not None else idle,
            next_pid=nxt.tid if nxt is not None else 0,
            next_prio=NORMAL_PRIO,
        )

    def wants_preemption(self, task: Task) -> bool:
        """True when the task used its slice and another task waits for its CPU."""
        cpu = task.cpu
        return (
            cpu is not None
            and bool(cpu.runqueue)
            and clock(self.env) - task.slice_start >= self.sched_costs.timeslice_ns
        )

    def next_tick(self, at: int) -> int | None:
        """The first scheduler tick strictly after instant ``at`` (None with ``hz`` 0).

        Ticks fall at multiples of 1 s / HZ on every CPU (``tick_sched_timer``,
        aligned across CPUs as with the default ``skew_tick=0``)."""
        hz = self.sched_costs.hz
        if hz <= 0:
            return None
        k = at * hz // 1_000_000_000 + 1
        return k * 1_000_000_000 // hz

    def irq_time(self, start: int, ns: int) -> int:
        """The interrupt time that falls on a task running from instant ``start`` for
        ``ns``: ``sched.irq_ns`` for each interruption in ``(start, start + ns]``, at
        multiples of 1 s / ``sched.irq_hz`` on every CPU (measured on a KVM guest:
        its two vCPUs interrupted together, most within 0.35 us of each other, 13-15 us
        each, at the tick and at two other fixed points of its period).  0 when ``irq_ns`` is 0."""
        if not self.interrupts:
            return 0
        costs = self.sched_costs
        hz = costs.irq_hz
        return ((start + ns) * hz // 1_000_000_000 - start * hz // 1_000_000_000) * costs.irq_ns

    def work_ends_at(self, start: int, ns: int) -> int:
        """The instant ``ns`` of a task's work started at ``start`` ends, the interrupt
        time it meets included (and the interruptions that fall in that time too), as
        :meth:`Task.flush` lets it elapse."""
        end = start + ns
        extra = self.irq_time(start, ns)
        while extra:
            start, ns = end, extra
            end += extra
            extra = self.irq_time(start, ns)
        return end

    def work_until(self, start: int, end: int) -> int:
        """The work a task running from instant ``start`` has done by instant ``end``:
        the time between, less the interruptions that fall in it (the inverse of
        :meth:`work_ends_at`).  A task that waits for an instant by working (a
        spinner on a lock whose holder lets it go at ``end``) charges this much:
        the interruptions that stop it stop the holder too (the same instants on
        every CPU), and are in ``end`` already."""
        if end <= start:
            return 0
        return max(0, end - start - self.irq_time(start, end - start))

    def busy_ns(self, cpu: Cpu) -> int:
        """Busy time of ``cpu`` up to now, counting the current occupant."""
        extra = clock(self.env) - cpu._busy_since if cpu.current is not None else 0
        return cpu.busy_ns + extra
