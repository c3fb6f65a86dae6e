"""``Simulation``: the SimPy environment, the host, the kernel, and the tasks.

The clock is SimPy's, in integer nanoseconds.  A workload spawns tasks
(generator functions that enter the simulated kernel with ``yield from``);
``run`` advances the clock until every user task has ended and returns a
:class:`~simuring.output.result.SimResult`.

Randomness: ``sim.rng`` is a ``random.Random(seed)`` for workloads; the
model's timing noise (``Scheduler.jitter``) has its own generator seeded
from the same seed.  Nothing else is random, and the model iterates only over
ordered containers, so the same seed and inputs give byte-identical results
whatever PYTHONHASHSEED.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import simpy

from simuring import __version__
from simuring.cost import CostModel, load_profile
from simuring.cost.profiles import DEFAULT_PROFILE
from simuring.engine.plugins import cost_sections, default_registry
from simuring.host import current as _current
from simuring.host.cpu import Scheduler
from simuring.host.current import NotInSimulation
from simuring.host.gen import is_generator
from simuring.host.spawner import Spawner
from simuring.host.task import Process, Task, TaskState
from simuring.kernel import Kernel
from simuring.kernel.files import FdTable, files_of
from simuring.kernel.registry import PluginRegistry
from simuring.kernel.tctx import unregister_all_ringfds
from simuring.output.metrics import TaskStats
from simuring.output.result import SimResult, TaskResult
from simuring.output.trace import CORE_EVENTS, Tracer, select_kinds
from simuring.output.trace import DEFAULT_LIMIT as DEFAULT_TRACE_LIMIT

DEFAULT_HOST = DEFAULT_PROFILE


_running: list[Simulation] = []  # innermost last


def current_simulation() -> Simulation:
    """The innermost simulation being run (for white-box tests and tools; the
    kernel never needs it)."""
    if not _running:
        raise NotInSimulation("no simulation is running: call this from a task while sim.run() runs")
    return _running[-1]


PROGRESS_EVERY = 2_000
"""Events between two calls of ``Simulation.run``'s progress callback (a few ms of wall time)."""


@contextmanager
def _counting_steps(
    env: simpy.Environment, progress: Callable[[int], None] | None, every: int
) -> Iterator[None]:
    """While inside, call ``progress(events so far)`` every ``every`` events of ``env``.

    ``Environment.run`` processes events by calling ``self.step()``: an
    instance attribute wrapping the class's ``step`` is called instead, counts
    and calls ``progress``.  The event queue and its order are untouched.
    With ``progress`` None nothing is wrapped."""
    if progress is None:
        yield
        return
    plain_step = env.step
    events = 0

    def step() -> None:
        nonlocal events
        plain_step()
        events += 1
        if events % every == 0:
            progress(events)

    env.step = step  # type: ignore[method-assign]
    try:
        yield
    finally:
        del env.step


class SimulationStalled(RuntimeError):
    """Every remaining task is blocked and nothing can wake it (a deadlock in the workload)."""


class Simulation:
    """One simulated host running one workload."""

    def __init__(
        self,
        host: str | CostModel = DEFAULT_HOST,
        seed: int = 0,
        *,
        overrides: Sequence[str] = (),
        trace: bool = False,
        trace_filter: str | Iterable[str] | None = None,
        trace_limit: int = DEFAULT_TRACE_LIMIT,
        registry: PluginRegistry | None = None,
    ) -> None:
        self.registry = registry if registry is not None else default_registry()
        # every section the kernel and the plug-ins read: a profile lacking one
        # is a ProfileError here, not a default later
        sections = cost_sections(registry)
        if isinstance(host, CostModel):
            costs = host
            costs.require(sections)
        else:
            costs = load_profile(host, sections)
        if overrides:
            costs = costs.with_overrides(list(overrides))
        self.costs = costs
        self.host_name = costs.name
        self.seed = seed
        self.rng = random.Random(seed)
        self.env = simpy.Environment()
        known = {**CORE_EVENTS, **self.registry.trace_events}
        kinds = None if trace_filter is None else select_kinds(trace_filter, known)
        self.tracer = Tracer(trace, trace_limit, kinds, known)
        self.scheduler = Scheduler(self.env, costs, seed, self.tracer)
        self.spawner = Spawner(self.env, self.scheduler, FdTable, on_start=self._task_started, on_exit=self._task_ended)
        self.kernel = Kernel(self.spawner, costs, self.registry, self.tracer)
        self.tasks: list[Task] = []
        self.processes: list[Process] = []
        self.params: dict[str, Any] = {}
        self.reported: dict[str, Any] = {}
        self._by_proc: dict[simpy.Process, Task] = {}
        self._values: dict[int, Any] = {}
        self._helpers: set[int] = set()
        self.overrides: tuple[str, ...] = tuple(overrides)
        self._live_user_tasks = 0
        self._all_done = self.env.event()
        self._ended = False  # run() returned at the end of every user task

    # -- clock ------------------------------------------------------------
    @property
    def now(self) -> int:
        """The simulated clock in nanoseconds."""
        return int(self.env.now)

    # -- tasks ------------------------------------------------------------
    def spawn(
        self,
        fn: Callable[..., Generator[Any, Any, Any]],
        *args: Any,
        name: str | None = None,
        cpu: int | None = None,
        uid: int = 0,
        gid: int = 0,
        process: Process | None = None,
        helper: bool = False,
    ) -> Task:
        """Start ``fn(*args)`` as a new task; a new process unless ``process`` is given.

        ``helper=True`` marks a task that serves the workload (a barrier, a
        summary written at the end) rather than being measured by it: its
        result says ``"helper": true`` and the run's benchmark figures
        (:meth:`SimResult.benchmark_tasks`, the sweep's latency columns) leave
        it out."""
        if not callable(fn):
            raise TypeError(f"spawn() needs a generator function, got {fn!r}")
        gen = fn(*args)
        if not is_generator(gen):
            raise TypeError(
                f"{getattr(fn, '__name__', fn)!r} is not a generator function: a task must enter "
                "the kernel with 'yield from' (e.g. 'yield from io_uring_queue_init(...)')"
            )
        self.scheduler.check_cpu(cpu)
        task_name: str = name or str(getattr(fn, "__name__", "task"))

        task = self.spawner.spawn(lambda task: gen, name=task_name, process=process, cpu=cpu, uid=uid, gid=gid)
        if helper:
            self._helpers.add(task.tid)
        if process is None:
            self.processes.append(task.process)
        return task

    def _task_started(self, task: Task) -> None:
        """The spawner's hook: every task, user task or kernel thread, is recorded."""
        task.stats = TaskStats()
        self.tasks.append(task)
        assert task.sim_process is not None
        self._by_proc[task.sim_process] = task
        if not task.kthread:
            self._live_user_tasks += 1

    def _task_ended(self, task: Task, value: Any) -> None:
        """The spawner's hook: ``task``'s body returned ``value``."""
        self._values[task.tid] = value
        unregister_all_ringfds(self.kernel, task)  # do_exit -> io_uring_unreg_ringfd
        process = task.process
        if all(t.state is TaskState.DEAD or t.kthread for t in process.tasks):
            files_of(process).close_all(task)
        if not task.kthread:
            self._live_user_tasks -= 1
            if self._live_user_tasks == 0 and not self._all_done.triggered:
                self._all_done.succeed()

    def task_of(self, proc: simpy.Process | None) -> Task | None:
        return self._by_proc.get(proc) if proc is not None else None

    # -- running ----------------------------------------------------------
    def run(
        self,
        until: int | None = None,
        *,
        progress: Callable[[int], None] | None = None,
        progress_every: int = PROGRESS_EVERY,
    ) -> SimResult:
        """Run until every user task has ended (or until ``until`` ns); return the result.

        ``progress``, if given, is called with the number of events processed
        so far in this call, every ``progress_every`` events (a progress
        display reads ``sim.now`` then).  It observes between two events and
        must not change the simulation: the result is the same with or without
        it, and without it the run takes SimPy's loop unchanged."""
        if until is not None and (not isinstance(until, int) or until <= 0):
            raise ValueError(f"Simulation.run(until=...) must be an int number of ns > 0, got {until!r}")
        if progress_every <= 0:
            raise ValueError(f"Simulation.run(progress_every=...) must be > 0, got {progress_every!r}")
        _current.push(self.env)
        _running.append(self)
        try:
            with _counting_steps(self.env, progress, progress_every):
                if until is not None:
                    self.env.run(until=until)
                elif self._live_user_tasks > 0:
                    try:
                        self.env.run(until=self._all_done)
                        # SimPy puts the event it stopped at back in the queue (with no
                        # callbacks left): the run is over all the same
                        self._ended = True
                    except RuntimeError as exc:
                        if "No scheduled events left" not in str(exc):
                            raise
                        raise SimulationStalled(self._stall_message()) from None
        finally:
            _current.pop(self.env)
            if _running and _running[-1] is self:
                _running.pop()
        return self.result()

    # -- stepping ---------------------------------------------------------
    @property
    def finished(self) -> bool:
        """True once :meth:`run` would return at once: every user task has ended
        (and the event at which ``run()`` stops was processed), or none was spawned."""
        done = self._all_done
        return self._ended or done.processed or (self._live_user_tasks == 0 and not done.triggered)

    def next_event_at(self) -> int | None:
        """The instant of the next scheduled event (None when nothing is scheduled)."""
        at = self.env.peek()
        return None if at == simpy.core.Infinity else int(at)

    def step(self) -> bool:
        """Process the next SimPy event, the one ``run()`` would process next.

        Returns False, doing nothing, once the run is over (:attr:`finished`).
        Stepping to the end leaves the simulation as ``run()`` would, byte for
        byte: ``run()`` is the same sequence of steps, stopped at the same
        event.  It raises what ``run()`` raises: :class:`SimulationStalled` when
        user tasks remain and no event is left, and a task's exception."""
        if self.finished:
            return False
        if self.env.peek() == simpy.core.Infinity:
            raise SimulationStalled(self._stall_message())
        _current.push(self.env)
        _running.append(self)
        try:
            self.env.step()
        finally:
            _current.pop(self.env)
            if _running and _running[-1] is self:
                _running.pop()
        return True

    def _stall_message(self) -> str:
        blocked = [t for t in self.tasks if not t.kthread and t.state is not TaskState.DEAD]
        names = ", ".join(f"{t.name!r} ({t.state.value})" for t in blocked)
        return (
            f"simulation stalled at t={self.now} ns: no event can wake the remaining tasks {names} "
            "(e.g. waiting for a completion that will never come)"
        )

    def report(self, key: str, value: Any) -> None:
        """Record a workload-defined figure in the result (``result.extra``)."""
        self.reported[key] = value

    def result(self) -> SimResult:
        tasks = [
            TaskResult(
                name=t.name,
                tid=t.tid,
                pid=t.process.pid,
                kthread=t.kthread,
                cpu_ns=t.cpu_ns,
                context_switches=t.context_switches,
                stats=t.stats.to_dict() if t.stats is not None else {},
                value=self._values.get(t.tid),
                helper=t.tid in self._helpers,
                latency=t.stats.latency if t.stats is not None else None,
            )
            for t in self.tasks
        ]
        now = self.now
        cpus = [
            {"cpu": c.index, "busy_ns": self.scheduler.busy_ns(c), "irq_ns": c.irq_ns}
            for c in self.scheduler.cpus
            if self.scheduler.busy_ns(c) or c.irq_ns
        ]
        rings = [
            {
                "ring": ctx.id,
                "flags": ctx.flags,
                "sq_entries": ctx.sq_entries,
                "cq_entries": ctx.cq_entries,
                "cqes_posted": ctx.posted,
                "cqes_overflowed": ctx.overflowed,
                "sq_dropped": ctx.rings.sq_dropped,
            }
            for ctx in sorted(self.kernel.all_rings, key=lambda c: c.id)
        ]
        return SimResult(
            sim_time_ns=now,
            seed=self.seed,
            host=self.host_name,
            tasks=tasks,
            cpus=cpus,
            rings=rings,
            params=dict(self.params),
            trace=list(self.tracer.events),
            trace_enabled=self.tracer.enabled,
            trace_dropped=self.tracer.dropped,
            trace_limit=self.tracer.limit,
            trace_dropped_from=self.tracer.dropped_from,
            extra=dict(self.reported),
            overrides=list(self.overrides),
            profile_hash=self.costs.content_hash(),
            version=__version__,
        )
