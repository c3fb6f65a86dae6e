"""The validation's simulated figures (simuring.calibrate.simulate): the machine's
stream, its figure after the first tenth, the median over runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from simuring.calibrate import simulate
from simuring.calibrate.simulate import RUN_DELIVERIES, CellFigure, RunResult
from simuring.calibrate.validation import PINGPONG_ITERS, Cell
from simuring.engine.sim import Simulation
from simuring.reproduce.reference import MECHANISMS
from simuring.reproduce.runner import SwitchCounts, job_seed
from simuring.reproduce.workloads import MSG_RING_PINGPONG, find_workloads


@pytest.fixture(scope="module")
def folder() -> Path:
    return find_workloads(None, (*MECHANISMS, MSG_RING_PINGPONG))


def test_the_stream_and_its_measured_part_are_the_benchmarks() -> None:
    p2p = Cell("p2p", "pipe", 32768, 1)
    assert simulate.stream_of(p2p) == (1024, 102)  # ipcbench: messages / 10 left out
    assert simulate.stream_of(Cell("broadcast", "pipe", 64, 16)) == (20_000, 2_000)
    ping = Cell("msg_ring", "io_uring_msg_ring", 0, 1)
    assert simulate.stream_of(ping) == (PINGPONG_ITERS + PINGPONG_ITERS // 10, PINGPONG_ITERS // 10)


def test_runs_as_many_as_the_machines_unless_the_stream_is_long() -> None:
    assert simulate.runs_of(Cell("p2p", "pipe", 32768, 1), 15) == 15
    assert simulate.runs_of(Cell("p2p", "pipe", 32768, 1), 3) == 3
    assert simulate.runs_of(Cell("p2p", "pipe", 64, 1), 15) == RUN_DELIVERIES // 20_000
    assert simulate.runs_of(Cell("broadcast", "pipe", 64, 16), 15) == 1  # 320,000 deliveries: still one run


def test_a_plan_runs_each_experiment_once_longest_first() -> None:
    cells = [Cell("p2p", "pipe", 32768, 1), Cell("broadcast", "pipe", 32768, 1), Cell("broadcast", "pipe", 64, 4)]
    runs = simulate.plan(cells, 2)
    assert [(job.msg_size, job.receivers, run) for job, _m, _s, run in runs] == [(64, 4, 0), (32768, 1, 0), (32768, 1, 1)]


def test_a_run_is_its_stream_after_the_first_tenth_and_is_reproducible(folder: Path) -> None:
    costs = Simulation(host="rfc-vm-32vcpu").costs
    job = Cell("p2p", "pipe", 32768, 1).job()
    first = simulate.run_one(job, 200, 20, costs, 0, 0, folder)
    again = simulate.run_one(job, 200, 20, costs, 0, 0, folder)
    assert first.error is None and first.ns is not None and first.ns > 0
    assert (first.ns, first.switches) == (again.ns, again.switches)  # same seed, same figure
    assert job_seed(0, job, 1) != job_seed(0, job, 0) == job_seed(0, job)  # another run, another seed; run 0 the reproduction's
    whole = simulate.run_one(job, 200, 0, costs, 0, 0, folder)
    assert whole.ns != first.ns  # the first tenth is left out of the figure


def test_a_stuck_workload_fails_its_run_saying_so(tmp_path: Path) -> None:
    """A workload that never sends its messages (here: none at all) fails the run with
    the count, rather than hanging validate."""
    (tmp_path / "rfc_pipe.py").write_text("def workload(sim, **params):\n    sim.report('window_ns', [])\n")
    costs = Simulation(host="rfc-vm-32vcpu").costs
    stuck = simulate.run_one(Cell("p2p", "pipe", 64, 1).job(), 20, 2, costs, 0, 0, tmp_path)
    assert stuck.ns is None and stuck.error is not None and "sent 0 of 20 messages" in stuck.error


def test_a_failed_run_is_the_cells_error() -> None:
    costs = Simulation(host="rfc-vm-32vcpu").costs
    job = Cell("p2p", "pipe", 64, 1).job()
    bad = simulate.run_one(job, 20, 2, costs, 0, 0, Path("/nonexistent"))
    assert bad.ns is None and bad.error
    good = RunResult(job, 1, 100.0, None)
    fig = simulate.figure(job, [good, bad])
    assert fig.ns is None and fig.error == bad.error


def test_the_figure_is_the_median_of_the_runs_and_of_their_counts() -> None:
    job = Cell("p2p", "pipe", 32768, 1).job()
    runs = [
        RunResult(job, r, ns, SwitchCounts(b, 0.0, b, 0.0))
        for r, (ns, b) in enumerate(((6_000.0, 0.1), (17_000.0, 0.5), (9_000.0, 0.2)))
    ]
    fig = simulate.figure(job, runs)
    assert fig == CellFigure(job, 9_000.0, (6_000.0, 17_000.0, 9_000.0), SwitchCounts(0.2, 0.0, 0.2, 0.0))


@pytest.mark.parametrize("workers", [1, 2])
def test_simulate_gives_the_same_figures_on_any_number_of_workers(workers: int, folder: Path) -> None:
    costs = Simulation(host="rfc-vm-32vcpu").costs
    cells = [Cell("msg_ring", "io_uring_msg_ring", 0, 1)]
    figs = simulate.simulate(cells, costs, 0, 2, folder, workers)
    assert len(figs) == 1 and len(figs[0].runs) == 2 and figs[0].ns is not None
    assert figs == simulate.simulate(cells, costs, 0, 2, folder, 1)
