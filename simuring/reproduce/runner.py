"""Simulating the cells: one job per distinct (mechanism, msg_size, receivers, setup flags).

A :class:`Job` runs its benchmark workload (``workloads/rfc_<mechanism>.py``)
with the message cap of its :class:`Budget` as the stream's length, and
advances the simulation in slices of simulated time, reading the sender's
window series as it grows.  At each checkpoint of :func:`stats.checkpoints`
the batch-means estimate is tried; the job stops at the first precise one
(or at the cap), and the rest of the simulation is dropped.  Because the
checkpoints depend only on the series, and the series only on the job, its
seed and the host, the result does not depend on how the slices fell, on
the order jobs ran in, on ``-j`` or on PYTHONHASHSEED.

:func:`run_jobs` runs jobs in parallel processes (the sweep's runner,
:mod:`simuring.sweep.pool`), longest first, and returns the results in the
jobs' order.
"""

from __future__ import annotations

import hashlib
import math
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from simuring.cost import CostModel
from simuring.engine.sim import Simulation
from simuring.reproduce.reference import IO_URING_MECHANISMS
from simuring.reproduce.stats import (
    Estimate,
    Stop,
    backlog_settled,
    batch_means,
    checkpoints,
    first_precise,
)
from simuring.reproduce.workloads import MSG_RING_PINGPONG, load_workload
from simuring.sweep.pool import run_parallel

if TYPE_CHECKING:
    from simuring.host.task import Task

NO_FLAGS = "0"
#: the reviewer's what-if (issue 10, scope 6)
WHAT_IF_FLAGS = "SINGLE_ISSUER|DEFER_TASKRUN"
#: a job that makes no progress for this much simulated time is stuck
STUCK_NS = 5_000_000_000


@attrs.frozen(order=True)
class Job:
    """One simulation: a mechanism at one message size and receiver count.

    ``setup_flags`` is None for the baselines (no io_uring), else IORING_SETUP_*
    names as the workloads take them ("0" for none)."""

    mechanism: str
    msg_size: int
    receivers: int
    setup_flags: str | None
    placement: str | None = None  # the workloads' receiver placement; None: their default (one per CPU)

    @property
    def name(self) -> str:
        flags = "" if self.setup_flags in (None, NO_FLAGS) else f" [{self.setup_flags}]"
        return f"{self.mechanism}:{self.msg_size}:{self.receivers}{flags}"

    def params(self, messages: int, window: int) -> dict[str, object]:
        """The workload's parameters for a stream of ``messages`` in windows of ``window``."""
        if self.mechanism == MSG_RING_PINGPONG:  # two rings, no message size or receivers
            return {"messages": messages, "window": window, "setup_flags": self.setup_flags or NO_FLAGS}
        params: dict[str, object] = {"msg_size": self.msg_size, "receivers": self.receivers, "messages": messages, "window": window}
        if self.setup_flags is not None:
            params["setup_flags"] = self.setup_flags
            params["ring_entries"] = RING_ENTRIES
        if self.placement is not None:
            params["placement"] = self.placement
        return params

    @property
    def what_if(self) -> bool:
        return self.setup_flags == WHAT_IF_FLAGS


def job_for(mechanism: str, msg_size: int, receivers: int, what_if: bool = False) -> Job:
    if mechanism in IO_URING_MECHANISMS:
        return Job(mechanism, msg_size, receivers, WHAT_IF_FLAGS if what_if else NO_FLAGS)
    if what_if:
        raise ValueError(f"{mechanism} uses no io_uring: it has no what-if")
    return Job(mechanism, msg_size, receivers, None)


def job_seed(seed: int, job: Job, run: int = 0) -> int:
    """The job's simulation seed: from the run's seed and the cell, not the setup
    flags (so a what-if job meets the same random numbers as its default: common
    random numbers), and not from Python's hash (PYTHONHASHSEED).  ``run``: the
    job's run of several (``simuring validate``); run 0 has the reproduction's seed."""
    text = f"{seed}:{job.mechanism}:{job.msg_size}:{job.receivers}" + (f":{run}" if run else "")
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1


#: the IPC channel's slots in the io_uring benchmarks (the workloads' default, passed explicitly)
RING_ENTRIES = 256
def buffered_messages(job: Job) -> int:
    """Messages the sender can run ahead of its receivers before it must wait for
    them, when that is long enough to matter for the warm-up: an io_uring
    channel's ring (the sender fills it at its own pace, then goes at the
    receivers' pace).  A baseline's receivers keep up from the start, each on a
    CPU of its own (the RFC's placement)."""
    if job.mechanism in IO_URING_MECHANISMS:
        return RING_ENTRIES
    return 0


@attrs.frozen
class Budget:
    """How long each job may run.

    ``window``: messages per entry of the sender's series.  The first
    checkpoint is after ``min_messages``, plus twice the messages the sender
    can buffer ahead (:func:`buffered_messages`: MSER looks for the warm-up in
    the first half of the series, so the filling of the buffer must fit in
    it).  The cap is ``deliveries // receivers`` messages (a message to N
    receivers is N deliveries), kept within ``min_cap`` and ``max_cap``, and
    at least the first checkpoint.  ``precision``: the relative 95%
    half-width to reach."""

    window: int
    min_messages: int
    deliveries: int
    min_cap: int
    max_cap: int
    precision: float

    def first(self, job: Job) -> int:
        """Messages before the first checkpoint, rounded up to whole windows."""
        return math.ceil((self.min_messages + 2 * buffered_messages(job)) / self.window) * self.window

    def cap(self, job: Job) -> int:
        messages = min(self.max_cap, max(self.min_cap, self.deliveries // job.receivers))
        return max(self.first(job), math.ceil(messages / self.window) * self.window)

    def describe(self) -> str:
        return (
            f"windows of {self.window} messages; first check after {self.min_messages} messages "
            f"(io_uring: + twice the channel's {RING_ENTRIES} slots); cap {self.deliveries:,} / receivers messages, "
            f"within {self.min_cap:,} and {self.max_cap:,}; target 95% half-width <= {self.precision:.0%} of the mean"
        )


DEFAULT_BUDGET = Budget(window=10, min_messages=400, deliveries=48_000, min_cap=3_000, max_cap=20_000, precision=0.02)
QUICK_BUDGET = Budget(window=10, min_messages=60, deliveries=960, min_cap=60, max_cap=600, precision=0.05)


@attrs.frozen
class SwitchCounts:
    """Per message, up to the stopping checkpoint: how often the sender and the
    receivers (summed) slept and were preempted, as getrusage(2) counts a
    thread's voluntary and involuntary context switches."""

    sender_blocks: float
    sender_preempted: float
    receiver_blocks: float
    receiver_preempted: float

    @classmethod
    def of(cls, tasks: Sequence[Task], messages: int) -> SwitchCounts | None:
        """From the workload's ``sender`` and ``receiver*`` tasks (None without a sender)."""
        sender = [t for t in tasks if t.name == "sender"]
        receivers = [t for t in tasks if t.name.startswith("receiver")]
        if not sender or messages <= 0:
            return None

        def per_msg(group: Sequence[Task], preempted: bool) -> float:
            n = sum(t.preemptions if preempted else t.context_switches - t.preemptions for t in group)
            return n / messages

        return cls(per_msg(sender, False), per_msg(sender, True), per_msg(receivers, False), per_msg(receivers, True))


@attrs.frozen
class JobResult:
    job: Job
    estimate: Estimate | None
    messages: int  # messages simulated up to the stopping checkpoint (warm-up included)
    warmup_messages: int
    precise: bool  # the precision target was met before the cap
    cap_messages: int
    wall_s: float  # wall-clock and CPU time of the job (in no output that must be reproducible)
    cpu_s: float
    error: str | None = None
    switches: SwitchCounts | None = None  # how often the sender and the receivers slept, per message

    @property
    def mean_ns(self) -> float | None:
        if self.estimate is None or not math.isfinite(self.estimate.mean_ns):
            return None
        return self.estimate.mean_ns

    @property
    def ci95_ns(self) -> float | None:
        if self.estimate is None or not math.isfinite(self.estimate.ci95_ns):
            return None
        return self.estimate.ci95_ns


def _series(sim: Simulation) -> list[int]:
    series = sim.reported.get("window_ns")
    return series if isinstance(series, list) else []


def _settled(sim: Simulation, start: int, end: int) -> bool:
    """The workload's buffer level (if it reports one) has settled over the kept windows."""
    levels = sim.reported.get("backlog")
    capacity = sim.reported.get("backlog_capacity", 0)
    if not isinstance(levels, list) or not isinstance(capacity, int):
        return True
    return backlog_settled(levels, start, end, capacity)


def run_job(job: Job, costs: CostModel, seed: int, budget: Budget, folder: Path) -> JobResult:
    """Simulate one job until its estimate is precise or its cap is reached."""
    t0, c0 = time.perf_counter(), time.process_time()
    cap = budget.cap(job)
    try:
        workload = load_workload(folder, job.mechanism)
        sim = Simulation(host=costs, seed=job_seed(seed, job))
        workload(sim, **job.params(cap, budget.window))
        window = budget.window
        cap_windows = cap // window
        points = checkpoints(budget.first(job) // window, cap_windows)
        step = 50_000  # ns of simulated time, doubled until the series starts
        at = 0  # next checkpoint
        idle_ns = 0
        while True:
            series = _series(sim)
            have = len(series)
            due = [n for n in points[at:] if n <= have]
            at += len(due)
            stop = first_precise(series, window, due, budget.precision, settled=lambda start, end: _settled(sim, start, end))
            if stop is None and due and due[-1] == cap_windows:  # the cap: the estimate as it is
                stop = Stop(cap_windows, batch_means(series[:cap_windows], window), False)
            if stop is not None:
                wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                est = stop.estimate
                messages = stop.windows * window
                switches = SwitchCounts.of(sim.tasks, len(series) * window)
                return JobResult(job, est, messages, est.warmup_windows * window, stop.precise, cap, wall, cpu, switches=switches)
            if "messages_sent" in sim.reported:
                raise RuntimeError(f"the workload ended after {have} windows, before the cap of {cap_windows}")
            if have >= 2:
                per_window = sum(series) / have
                dt = math.ceil((points[at] - have) * per_window * 1.02) + 1
            else:
                dt, step = step, min(2 * step, STUCK_NS)
            sim.run(until=sim.now + dt)
            if len(_series(sim)) == have:
                idle_ns += dt
                if idle_ns > STUCK_NS:
                    raise RuntimeError(f"no message window completed in {idle_ns / 1e9:.1f} s of simulated time (at {have} windows)")
            else:
                idle_ns = 0
    except Exception as exc:
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return JobResult(job, None, 0, 0, False, cap, time.perf_counter() - t0, time.process_time() - c0, error=detail)


def weight(job: Job) -> tuple[int, int, int]:
    """Longest first: more receivers, then larger messages (a rough cost order)."""
    return (-job.receivers, -job.msg_size, 0 if job.what_if else 1)


def run_jobs(
    jobs: Sequence[Job],
    costs: CostModel,
    seed: int,
    budget: Budget,
    folder: Path,
    workers: int,
    on_done: Callable[[JobResult], None] | None = None,
    on_start: Callable[[], None] | None = None,
) -> list[JobResult]:
    """Run ``jobs`` on ``workers`` processes (in this one for 1), longest first, with
    the sweep's runner (:func:`simuring.sweep.pool.run_parallel`); results in ``jobs``' order.

    ``on_start`` is called once the worker processes exist (a caller may start
    threads from then on: forking a process that has threads is unsafe),
    ``on_done`` with each result as it comes."""
    order = sorted(jobs, key=weight)
    done: dict[Job, JobResult] = {}
    for _index, result in run_parallel(run_job, [(job, costs, seed, budget, folder) for job in order], workers, on_start=on_start):
        done[result.job] = result
        if on_done is not None:
            on_done(result)
    return [done[job] for job in jobs]
