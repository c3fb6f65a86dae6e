"""The validation's simulated figures: each cell's benchmark simulated as ``ipcbench`` runs it.

One definition on both sides (the own-host issue, scope 3):

* the same stream: :meth:`Cell.messages` messages (to every receiver), or
  for the MSG_RING ping-pong a tenth of :data:`PINGPONG_ITERS` round trips
  then :data:`PINGPONG_ITERS` (``warmup_of`` in ``csrc/common.h``);
* the same figure: the sender's time per message from the end of the
  stream's first tenth to the return of its last send (``bench_stream``'s
  ``(t_end - t_w) / (messages - w)``), per round trip after the warm-up;
* the same statistic: the median over runs, each a fresh simulation with
  its own seed, as the machine's figure is the median over fresh processes.

A stream that can run in two regimes (the 32 KB pipe on a VM: its two ends
sleep in turn at first, then may stream, spinning on ``pipe->mutex``, and
fall back) has no steady state to estimate; its figure is what the stream
does over that many messages, which is what the machine measures.

Runs: as many as the machine's (``repeats``) for a short stream; a long one
gets fewer, to keep each cell within :data:`RUN_DELIVERIES` message
deliveries (a message to N receivers is N), and at least one.
"""

from __future__ import annotations

import statistics
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

import attrs

from simuring.calibrate.validation import PINGPONG_ITERS, Cell
from simuring.cost import CostModel
from simuring.engine.sim import Simulation
from simuring.reproduce.runner import Job, SwitchCounts, job_seed
from simuring.reproduce.workloads import load_workload
from simuring.sweep.pool import run_parallel

RUN_DELIVERIES = 60_000
"""The deliveries a cell's runs may simulate together: a cell of 20,000 messages
to 16 receivers gets one run, a 32 KB stream of 1,024 messages as many as the
machine's (about 17 s and 0.1 s of simulation each, pure Python)."""


RUN_LIMIT_NS = 10_000_000_000
"""Simulated time a run may take: a hundred times the longest stream on the project's
slowest machine (a 4 KB broadcast to 16 receivers, about 50 ms); a workload that has
not sent its messages by then is stuck, and the run fails saying so."""


def stream_of(cell: Cell) -> tuple[int, int]:
    """The messages the benchmark sends (round trips for msg_ring), and how many of
    them come before its figure starts (ipcbench's first tenth, or warm-up)."""
    if cell.case == "msg_ring":
        warmup = max(1, PINGPONG_ITERS // 10)
        return warmup + PINGPONG_ITERS, warmup
    messages = cell.messages()
    return messages, max(1, messages // 10)


def runs_of(cell: Cell, repeats: int) -> int:
    """How many runs the cell's figure is the median of: ``repeats``, or fewer for a
    long stream (:data:`RUN_DELIVERIES`), at least one."""
    messages, _ = stream_of(cell)
    return max(1, min(repeats, RUN_DELIVERIES // (messages * cell.receivers)))


@attrs.frozen
class RunResult:
    """One run of one cell: the sender's ns per message over the measured part."""

    job: Job
    run: int
    ns: float | None
    switches: SwitchCounts | None
    error: str | None = None


@attrs.frozen
class CellFigure:
    """A cell's simulated figure: the median of its runs, and the runs."""

    job: Job
    ns: float | None
    runs: tuple[float, ...]
    switches: SwitchCounts | None  # each count's median over the runs
    error: str | None = None


def run_one(job: Job, messages: int, skip: int, costs: CostModel, seed: int, run: int, folder: Path) -> RunResult:
    """Simulate one run of the stream to its end; its figure over messages ``skip`` to the last."""
    try:
        sim = Simulation(host=costs, seed=job_seed(seed, job, run))
        load_workload(folder, job.mechanism)(sim, **job.params(messages, 1))
        sim.run(until=RUN_LIMIT_NS)
        per_message = sim.reported.get("window_ns")
        if not isinstance(per_message, list) or len(per_message) != messages:
            sent = len(per_message) if isinstance(per_message, list) else 0
            raise RuntimeError(f"the workload sent {sent} of {messages} messages in {RUN_LIMIT_NS / 1e9:.0f} s of simulated time")
        ns = sum(per_message[skip:]) / (messages - skip)
        return RunResult(job, run, ns, SwitchCounts.of(sim.tasks, messages))
    except Exception as exc:
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return RunResult(job, run, None, None, error=detail)


def plan(cells: Sequence[Cell], repeats: int) -> list[tuple[Job, int, int, int]]:
    """Every run to simulate: (job, messages, skip, run index), once per job (a p2p
    cell and the broadcast to one receiver are the same experiment), longest first."""
    out: dict[Job, tuple[Job, int, int, int]] = {}
    for cell in cells:
        job = cell.job()
        if job not in out:
            messages, skip = stream_of(cell)
            out[job] = (job, messages, skip, runs_of(cell, repeats))
    runs = [(job, messages, skip, r) for job, messages, skip, n in out.values() for r in range(n)]
    return sorted(runs, key=lambda x: -x[1] * x[0].receivers)


def simulate(
    cells: Sequence[Cell],
    costs: CostModel,
    seed: int,
    repeats: int,
    folder: Path,
    workers: int,
    on_done: Callable[[RunResult], None] | None = None,
) -> list[CellFigure]:
    """The figure of every job of ``cells`` (on ``workers`` processes), in a stable order."""
    runs = plan(cells, repeats)
    done: dict[Job, list[RunResult]] = {}
    for _i, result in run_parallel(run_one, [(job, messages, skip, costs, seed, r, folder) for job, messages, skip, r in runs], workers):
        done.setdefault(result.job, []).append(result)
        if on_done is not None:
            on_done(result)
    return [figure(job, sorted(results, key=lambda r: r.run)) for job, results in sorted(done.items())]


def figure(job: Job, results: Sequence[RunResult]) -> CellFigure:
    """The median of the runs that ended (a failed run fails the cell: its error)."""
    failed = [r.error for r in results if r.error is not None]
    if failed:
        return CellFigure(job, None, (), None, error=failed[0])
    values = tuple(r.ns for r in results if r.ns is not None)
    counts = [r.switches for r in results if r.switches is not None]
    switches = None
    if counts:
        switches = SwitchCounts(*(statistics.median(getattr(c, f.name) for c in counts) for f in attrs.fields(SwitchCounts)))
    return CellFigure(job, statistics.median(values), values, switches)
