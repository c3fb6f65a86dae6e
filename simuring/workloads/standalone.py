"""``python workloads/x.py``: run a workload with its defaults and print what it reported."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: a reported list longer than this is shown by its length and its ends
SHOWN_ITEMS = 6


def shown(value: Any) -> str:
    """A reported figure as one line: a long list (``window_ns``) abbreviated."""
    if isinstance(value, list) and len(value) > SHOWN_ITEMS:
        return f"{len(value)} entries, first {value[:3]}, last {value[-3:]}"
    return str(value)


def run_standalone(workload: Callable[..., Any], seed: int = 1) -> None:
    """Run ``workload(sim)`` with its defaults on the default host and print each reported figure."""
    from simuring import Simulation

    sim = Simulation(seed=seed)
    workload(sim)
    result = sim.run()
    for key, value in sorted(result.extra.items()):
        print(f"{key}: {shown(value)}")
