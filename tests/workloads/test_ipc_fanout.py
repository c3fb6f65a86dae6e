"""The IPC channel workloads' tasks (simuring/workloads/ipc_fanout.py)."""

from __future__ import annotations

import pytest

from simuring import Simulation
from simuring.uapi import IOIPC_F_BROADCAST, IOIPC_F_MULTICAST
from simuring.workloads.ipc_fanout import REPORTED, run_fanout


@pytest.mark.parametrize(("flags", "multicast"), [(0, False), (IOIPC_F_BROADCAST, False), (IOIPC_F_MULTICAST, True)])
def test_every_figure_is_reported_once_everybody_is_done(flags, multicast):
    sim = Simulation(seed=1)
    run_fanout(sim, flags, multicast, msg_size=64, receivers=3, messages=30, ring_entries=16, setup_flags="0")
    result = sim.run()
    assert sorted(result.extra) == sorted(REPORTED)
    # broadcast: every receiver gets every message; multicast: each message one
    # receiver; unicast: a receiver may miss slots reused before it read them
    expected = {0: range(30, 91), IOIPC_F_BROADCAST: [90], IOIPC_F_MULTICAST: [30]}[flags]
    assert result.extra["received_total"] in expected
    assert sim.params == {"msg_size": 64, "receivers": 3, "messages": 30, "ring_entries": 16, "setup_flags": "0"}
    summary = result.task("summary")
    assert summary.helper and summary not in result.benchmark_tasks()
    assert [t.name for t in result.benchmark_tasks()] == ["sender", "receiver0", "receiver1", "receiver2"]
