"""What ``Simulation.run`` lets one observe without changing the run: the
progress callback, the scheduler's runnable-task counts, and ParamError
raised in a simulated task."""

from __future__ import annotations

import pickle

import pytest

from simuring import ParamError, Simulation
from simuring.engine.errors import param_error_in
from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_cqe_seen,
    io_uring_get_sqe,
    io_uring_prep_nop,
    io_uring_queue_init,
    io_uring_sqe_set_flags,
    io_uring_submit_and_wait,
    io_uring_wait_cqe,
)
from simuring.syscalls import nanosleep
from simuring.uapi import IOSQE_ASYNC


def worker(sim, n):
    ring, cqe = Ring(), Cqe()
    assert (yield from io_uring_queue_init(8, ring, 0)) == 0
    for _ in range(n):
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_nop(sqe)
        if sim.rng.random() < 0.5:
            io_uring_sqe_set_flags(sqe, IOSQE_ASYNC)
        yield from io_uring_submit_and_wait(ring, 1)
        yield from io_uring_wait_cqe(ring, cqe)
        io_uring_cqe_seen(ring, cqe[0])
        yield from nanosleep(sim.rng.randrange(100, 5000))


def busy_sim(tasks: int, n: int = 20, cpus: int | None = None) -> Simulation:
    """``tasks`` NOP workers with IOSQE_ASYNC now and then (io-wq kernel threads too)."""
    overrides = [f"host.cpus={cpus}"] if cpus is not None else []
    sim = Simulation(seed=5, overrides=overrides)
    for t in range(tasks):
        sim.spawn(worker, sim, n, name=f"w{t}")
    return sim


@pytest.mark.parametrize("until", [None, 40_000])
def test_progress_callback_changes_nothing(until):
    plain = busy_sim(6).run(until=until).to_json()
    sim = busy_sim(6)
    seen: list[tuple[int, int]] = []
    observed = sim.run(until=until, progress=lambda events: seen.append((events, sim.now)), progress_every=7).to_json()
    assert observed == plain
    assert len(seen) >= 5
    assert [e for e, _ in seen] == list(range(7, 7 * len(seen) + 1, 7))
    assert [t for _, t in seen] == sorted(t for _, t in seen)  # simulated time only moves on
    assert "step" not in vars(sim.env)  # the environment is left as it was


def test_progress_every_must_be_positive():
    with pytest.raises(ValueError, match="progress_every"):
        busy_sim(1).run(progress=lambda events: None, progress_every=0)


def _check_runnable_count(sim: Simulation, events: int) -> None:
    sched = sim.scheduler
    running = sum(cpu.current is not None for cpu in sched.cpus)
    queued = sum(len(cpu.runqueue) for cpu in sched.cpus)
    assert sched.runnable == running + queued
    assert sched.peak_runnable >= sched.runnable


def test_runnable_counts_running_and_queued_tasks():
    sim = busy_sim(6, cpus=2)
    sim.run(progress=lambda events: _check_runnable_count(sim, events), progress_every=1)
    sched = sim.scheduler
    assert sched.runnable == 0
    assert sched.peak_runnable > 2 and sched.oversubscribed_at == 0  # six tasks start at once on two CPUs


def test_no_oversubscription_while_the_cpus_suffice():
    sim = busy_sim(2, cpus=4)
    sim.run()
    assert sim.scheduler.oversubscribed_at is None and 1 <= sim.scheduler.peak_runnable <= 4


def test_oversubscription_noted_when_it_first_happens():
    def sleeper(delay):
        yield from nanosleep(delay)

    sim = Simulation(overrides=["host.cpus=2"])
    sim.spawn(sleeper, 1000)
    sim.spawn(sleeper, 5000)
    sim.spawn(sleeper, 5000)  # the three are runnable at once at t=0, before they sleep
    sim.run()
    assert sim.scheduler.peak_runnable == 3 and sim.scheduler.oversubscribed_at == 0


def refused():
    yield from nanosleep(10)
    raise ParamError({"ring_entries": 3}, "IPC channel create", -22)


def test_param_error_in_a_task_reaches_the_caller_of_run():
    sim = Simulation()
    sim.spawn(refused, name="maker")
    with pytest.raises(ParamError) as info:
        sim.run()
    error = param_error_in(info.value)
    assert error is not None
    assert str(error) == "-p ring_entries=3: IPC channel create failed: -EINVAL (Invalid argument)"
    assert error.errno_name == "-EINVAL" and error.params == {"ring_entries": 3}


def test_param_error_survives_a_copy_and_pickling():
    error = ParamError({"a": 1, "b": "x"}, "setup", -12)
    for copy in (type(error)(*error.args), pickle.loads(pickle.dumps(error))):
        assert str(copy) == str(error) == "-p a=1 -p b=x: setup failed: -ENOMEM (Cannot allocate memory)"
        assert (copy.params, copy.what, copy.result) == ({"a": 1, "b": "x"}, "setup", -12)


def test_param_error_in_walks_causes_and_context():
    error = ParamError({"n": 0}, "setup", -22)
    try:
        try:
            raise error
        except ParamError as exc:
            raise RuntimeError("wrapped") from exc
    except RuntimeError as wrapped:
        assert param_error_in(wrapped) is error
    try:
        try:
            raise error
        except ParamError:
            raise KeyError("while handling") from None  # suppressed: not the cause
    except KeyError as suppressed:
        assert param_error_in(suppressed) is None
    assert param_error_in(ValueError("x")) is None
