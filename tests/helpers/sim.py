"""Build a simulation, spawn generator tasks, run it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simuring import Simulation

NO_NOISE = ("syscall.jitter_ns=0", "sched.wakeup_jitter_ns=0")
"""``--set`` overrides that turn the model's seeded timing noise off, for tests
that stage events at exact instants (two tasks racing at the same nanosecond)."""


class Runner:
    """``Runner().spawn(fn, ...)...run()`` with the default host and seed 1."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("seed", 1)
        self.sim = Simulation(**kwargs)

    def spawn(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return self.sim.spawn(fn, *args, **kwargs)

    def run(self, **kwargs: Any) -> Any:
        return self.sim.run(**kwargs)


def run_one(body: Any, *args: Any, seed: int = 1, **spawn: Any) -> tuple[Any, Any]:
    """Run generator function ``body(*args)`` as one task; (returned value, sim)."""
    sim = Simulation(seed=seed)
    task = sim.spawn(body, *args, **spawn)
    result = sim.run()
    return result.task(task.name).value, sim


def run_task(body: Any, *args: Any) -> Any:
    """Run ``body(*args)`` as one task with seed 1; the value it returned."""
    return run_one(body, *args)[0]
