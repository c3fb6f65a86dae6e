"""The sender's clock per window of messages (simuring/workloads/windows.py)."""

from __future__ import annotations

from simuring import Simulation
from simuring.syscalls import nanosleep
from simuring.workloads.windows import Windows


def test_one_entry_per_window_and_the_backlog_at_its_end():
    sim = Simulation(seed=1)

    def sender():
        win = Windows(sim, 3, backlog=lambda sent: sent // 3, capacity=8)
        for _ in range(7):
            yield from nanosleep(1000)
            win.tick()
        win.finish()

    sim.spawn(sender, name="sender", cpu=0)
    extra = sim.run().extra
    assert extra["window_messages"] == 3 and len(extra["window_ns"]) == 2
    assert all(w >= 3000 for w in extra["window_ns"])
    assert extra["backlog"] == [1, 2] and extra["backlog_capacity"] == 8
    assert extra["messages_sent"] == 7 and extra["sender_ns_per_msg"] >= 1000


def test_without_a_backlog_no_backlog_is_reported():
    sim = Simulation()

    def sender():
        win = Windows(sim, 1)
        win.tick()
        win.finish()
        yield from nanosleep(1)

    sim.spawn(sender)
    extra = sim.run().extra
    assert "backlog" not in extra and extra["window_ns"] == [0] and extra["messages_sent"] == 1
