"""A process that runs many simulations one after another (a serial sweep, a fit) keeps none of them."""

from __future__ import annotations

import gc

from simuring import Simulation
from simuring.libc.compute import compute


def _burn():
    yield from compute(1000)


def test_a_finished_simulation_is_freed():
    def live_simulations() -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects() if isinstance(o, Simulation))

    before = live_simulations()
    for seed in range(3):
        sim = Simulation(seed=seed)
        sim.spawn(_burn)
        sim.run()
    del sim
    assert live_simulations() == before
