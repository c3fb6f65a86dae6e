"""Task.sleep and wake_task: when a wake-up avoids blocking, and what it costs otherwise."""

from __future__ import annotations

import simpy

from simuring.cost import load_profile
from simuring.engine.plugins import cost_sections
from simuring.host.cpu import Scheduler
from simuring.host.spawner import Spawner
from simuring.host.task import Task, wake_task


def host() -> tuple[simpy.Environment, Spawner]:
    env = simpy.Environment()
    spawner = Spawner(env, Scheduler(env, load_profile("rfc-vm-32vcpu", cost_sections())), list)
    return env, spawner


def sleep_and_wake(sleeper_burst: int, waker_burst: int) -> tuple[dict[str, int], Task]:
    """A sleeper arms a wait and finishes a burst of ``sleeper_burst`` ns before
    schedule(); a waker on another CPU runs ``waker_burst`` ns of code, then
    try_to_wake_up.  Both start at t=0, the sleeper first."""
    env, spawner = host()
    out: dict[str, int] = {}
    box: dict[str, object] = {}

    def sleeper(task: Task):
        ev = env.event()
        box["task"], box["ev"] = task, ev
        task.charge(sleeper_burst)
        yield from task.sleep(ev)
        out["runs_at"] = task.now()  # the context switch, if any, is in the burst

    def waker(task: Task):
        task.charge(waker_burst)
        out["ttwu_at"] = task.now()
        assert wake_task(task, box["task"], "go", event=box["ev"])  # type: ignore[arg-type]
        yield from task.flush()

    s = spawner.spawn(sleeper, name="sleeper", process=None)
    spawner.spawn(waker, name="waker", process=None)
    env.run()
    return out, s


def test_a_wake_up_after_the_sleeper_blocked_costs_the_latency_and_the_switch() -> None:
    # SimPy runs the waker's code at t=0, but its try_to_wake_up happens at
    # t=500, after the sleeper reached schedule() at t=100: the sleeper is off
    # its CPU and pays the wake-up latency and a context switch
    out, sleeper = sleep_and_wake(sleeper_burst=100, waker_burst=500)
    sched = sleeper.sched.costs.sched
    assert out["ttwu_at"] == 500
    assert out["runs_at"] == 500 + sched.wakeup_latency_ns + sched.context_switch_ns
    assert sleeper.context_switches == 1


def test_a_wake_up_before_the_sleeper_blocks_only_sets_it_running() -> None:
    # try_to_wake_up at t=50 finds the sleeper still TASK_INTERRUPTIBLE on its
    # CPU: it does not block, and goes on at the end of its burst
    out, sleeper = sleep_and_wake(sleeper_burst=100, waker_burst=50)
    assert out["runs_at"] == 100
    assert sleeper.context_switches == 0


def test_a_wake_up_at_the_very_instant_of_schedule_does_not_block() -> None:
    out, sleeper = sleep_and_wake(sleeper_burst=100, waker_burst=100)
    assert out["runs_at"] == 100 and sleeper.context_switches == 0
