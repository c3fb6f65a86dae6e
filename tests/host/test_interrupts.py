"""Interrupts on a running task: ``sched.irq_ns`` for each interruption (``sched.irq_hz``
a second) its CPU work spans (:meth:`Scheduler.irq_time`, :meth:`Task.flush`,
:meth:`Task.now`)."""

from __future__ import annotations

import pytest
import simpy

from simuring.cost import load_profile
from simuring.cost.model import ProfileError
from simuring.engine.plugins import cost_sections
from simuring.host.cpu import Scheduler
from simuring.host.spawner import Spawner
from simuring.host.task import Task


def run_for(work_ns: int, *overrides: str, start_ns: int = 0) -> tuple[int, int]:
    """One task charges ``work_ns`` from ``start_ns`` on and lets it elapse: when it ends, and its CPU time."""
    costs = load_profile("rfc-vm-32vcpu", cost_sections()).with_overrides(["syscall.jitter_ns=0", "sched.context_switch_ns=0", *overrides])
    env = simpy.Environment()
    sched = Scheduler(env, costs)
    out: dict[str, int] = {}

    def worker(task: Task):
        if start_ns:
            yield from task.sleep(env.timeout(start_ns))
        begin = task.cpu_time()
        task.charge(work_ns)
        yield from task.flush()
        out["end"] = int(env.now)
        out["cpu"] = task.cpu_time() - begin

    Spawner(env, sched, list).spawn(worker, name="worker", process=None, cpu=0)
    env.run(until=10_000_000_000)
    return out["end"] - start_ns, out["cpu"]


def test_no_interrupt_time_by_default() -> None:
    assert run_for(100_000_000) == (100_000_000, 100_000_000)


def test_each_interruption_the_work_spans_takes_its_time() -> None:
    # 100 ms at 250 Hz spans 25 interruptions (4, 8, ..., 100 ms): 25 x 20 us more, on the
    # clock and in the task's CPU time (the kernel charges an interrupt to the task it hit)
    took, cpu = run_for(100_000_000, "sched.irq_ns=20000")
    assert took == cpu == 100_000_000 + 25 * 20_000
    # at 400 a second, every 2.5 ms: 40 of them
    took, _ = run_for(100_000_000, "sched.irq_ns=20000", "sched.irq_hz=400")
    assert took == 100_000_000 + 40 * 20_000


def test_the_time_added_can_span_another_tick() -> None:
    # 3.99 ms of work from t=10 us ends past the tick at 4 ms; its 3 ms interrupt
    # pushes the end to 7.0 ms, short of the next tick at 8 ms: one interrupt
    took, _ = run_for(3_990_000, "sched.irq_ns=3000000", start_ns=10_000)
    assert took == 3_990_000 + 3_000_000
    # 2 ms from 3 ms spans the tick at 4 ms; the 3 ms it adds (5 to 8 ms) the tick at 8 ms,
    # and the 3 ms after that (8 to 11 ms) none
    took, _ = run_for(2_000_000, "sched.irq_ns=3000000", start_ns=3_000_000)
    assert took == 2_000_000 + 2 * 3_000_000


def test_interruptions_longer_than_their_period_are_refused() -> None:
    costs = load_profile("rfc-vm-32vcpu", cost_sections())
    with pytest.raises(ProfileError, match=r"--set sched.irq_ns=4000000: sched.irq_ns \(4000000 ns\) must be shorter than the interruptions' period"):
        costs.with_overrides(["sched.irq_ns=4000000"])
    with pytest.raises(ProfileError, match=r"sched.irq_ns \(1000 ns\) must be shorter .* at sched.irq_hz = 0"):
        costs.with_overrides(["sched.irq_ns=1000", "sched.irq_hz=0"])
    assert costs.with_overrides(["sched.irq_ns=4000000", "sched.irq_hz=100"]).sched.irq_ns == 4_000_000


def test_the_tick_rate_does_not_set_the_interruptions() -> None:
    assert run_for(100_000_000, "sched.irq_ns=20000", "sched.hz=0")[0] == 100_000_000 + 25 * 20_000
    assert run_for(100_000_000, "sched.irq_ns=0", "sched.irq_hz=1000")[0] == 100_000_000


def test_a_sleeping_task_loses_nothing() -> None:
    # the tick does not fire on an idle CPU (NO_HZ_IDLE), and a halted vCPU is not
    # running guest code: a sleep costs no interrupt time
    took, _ = run_for(1_000, "sched.irq_ns=20000", start_ns=50_000_000)
    assert took == 1_000


def test_the_code_after_an_interrupt_is_reached_that_much_later() -> None:
    """``Task.now()`` counts the interrupt time within the burst charged so far: what
    the code does after the tick (a wake-up, a lock let go) happens after the
    interrupt, and the burst ends where ``now()`` said it would."""
    costs = load_profile("rfc-vm-32vcpu", cost_sections()).with_overrides(["sched.context_switch_ns=0", "sched.irq_ns=3000000"])
    env = simpy.Environment()
    sched = Scheduler(env, costs)
    seen: dict[str, int] = {}

    def worker(task: Task):
        yield from task.sleep(env.timeout(3_000_000))
        task.charge(500_000)  # up to 3.5 ms: before the tick at 4 ms
        seen["before_tick"] = task.now()
        task.charge(1_500_000)  # up to 5 ms of work: the tick at 4 ms took 3 ms, to 8 ms, the next 3 ms more
        seen["after_tick"] = task.now()
        yield from task.flush()
        seen["end"] = int(env.now)

    Spawner(env, sched, list).spawn(worker, name="worker", process=None, cpu=0)
    env.run(until=1_000_000_000)
    assert seen["before_tick"] == 3_500_000
    assert seen["after_tick"] == seen["end"] == 5_000_000 + 2 * 3_000_000
    assert sched.work_ends_at(3_000_000, 2_000_000) == 11_000_000
    assert sched.work_ends_at(0, 1_000_000) == 1_000_000  # no tick in (0, 1 ms]
