"""``Simulation.step``: one event at a time, and the same run as ``Simulation.run``."""

from __future__ import annotations

import pytest

from simuring import Simulation, SimulationStalled
from simuring.syscalls import nanosleep, pipe, read
from tests.helpers.bundled import load_bundled, small_params

CASES = [
    ("nop_loop", {"flags": "SINGLE_ISSUER,DEFER_TASKRUN"}),
    ("nop_loop", {"flags": "0"}),
    ("msg_ring_pingpong", {}),
    ("ipc_unicast", {}),
    ("rfc_pipe", {}),
]


def built(name: str, params: dict, trace: bool = True) -> Simulation:
    fn = load_bundled(name)
    sim = Simulation(seed=3, trace=trace)
    fn(sim, **{**small_params(fn), **params})
    return sim


@pytest.mark.parametrize(("name", "params"), CASES, ids=[f"{n}-{p}" for n, p in CASES])
def test_stepping_to_the_end_gives_the_result_of_run_byte_for_byte(name, params):
    ran = built(name, params).run().to_json()
    sim = built(name, params)
    steps = 0
    while sim.step():
        steps += 1
    assert sim.finished and steps > 10
    assert sim.result().to_json() == ran


def test_run_goes_on_from_where_stepping_stopped():
    ran = built("nop_loop", {}).run().to_json()
    sim = built("nop_loop", {})
    for _ in range(10):
        assert sim.step()
    assert not sim.finished
    assert sim.run().to_json() == ran
    assert sim.finished and not sim.step()


def test_step_after_run_does_nothing():
    sim = built("nop_loop", {})
    now = sim.run().sim_time_ns
    assert sim.finished
    assert not sim.step() and sim.now == now


def test_a_simulation_without_tasks_is_finished_at_once():
    sim = Simulation()
    assert sim.finished and not sim.step() and sim.next_event_at() is None


def test_next_event_at_is_the_instant_the_next_step_reaches():
    def sleeper():
        yield from nanosleep(5_000)

    sim = Simulation(seed=1)
    sim.spawn(sleeper, name="s")
    while not sim.finished:
        at = sim.next_event_at()
        assert at is not None and at >= sim.now
        sim.step()
        assert sim.now == at


def test_step_raises_simulation_stalled_as_run_does():
    def stuck():
        fds = []
        yield from pipe(fds)
        yield from read(fds[0], bytearray(1), 1)

    sim = Simulation(seed=1)
    sim.spawn(stuck, name="stuck")
    with pytest.raises(SimulationStalled, match="'stuck' \\(sleeping\\)"):
        while sim.step():
            pass
    assert not sim.finished


def test_step_raises_a_tasks_exception():
    def broken():
        yield from nanosleep(1_000)
        raise ValueError("boom")

    sim = Simulation(seed=1)
    sim.spawn(broken, name="broken")
    with pytest.raises(ValueError, match="boom"):
        while sim.step():
            pass
