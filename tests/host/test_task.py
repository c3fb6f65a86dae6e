"""Task.sleep and wake_task: when a wake-up avoids blocking, and what it costs otherwise."""

from __future__ import annotations

import simpy

from simuring.cost import load_profile
from simuring.engine.plugins import cost_sections
from simuring.host.cpu import Scheduler
from simuring.host.spawner import Spawner
from simuring.host.task import Task, wake_task
from tests.helpers.sim import NO_NOISE


def host() -> tuple[simpy.Environment, Spawner]:
    env = simpy.Environment()
    costs = load_profile("rfc-vm-32vcpu", cost_sections()).with_overrides(list(NO_NOISE))
    spawner = Spawner(env, Scheduler(env, costs), list)
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


def test_a_spinning_task_gives_its_cpu_up_when_its_slice_is_used_and_someone_waits() -> None:
    # A polls (spin) on CPU 0 for an event due at 1 s; B wants CPU 0 at t=0.
    # The first tick after A's 3 ms slice (4 ms at HZ 250) makes A give the CPU
    # up (cond_resched): B runs then, and A's spin ends with RESCHED.
    from simuring.host.events import trigger_at
    from simuring.host.task import RESCHED

    env, spawner = host()
    out: dict[str, object] = {}

    def spinner(task: Task):
        ev = env.event()
        trigger_at(env, ev, 1_000_000_000, "done")
        out["spin"] = yield from task.spin(ev)
        out["spin_ended"] = int(env.now)

    def other(task: Task):
        out["other_runs"] = int(env.now)
        yield from task.flush()

    a = spawner.spawn(spinner, name="a", process=None, cpu=0)
    spawner.spawn(other, name="b", process=None, cpu=0)
    env.run(until=2_000_000_000)
    sched = a.sched.costs.sched
    assert sched.timeslice_ns == 3_000_000 and sched.hz == 250
    assert out["other_runs"] == 4_000_000
    assert out["spin"] == RESCHED and int(out["spin_ended"]) < 1_000_000_000  # type: ignore[call-overload]


def test_a_preemption_is_counted_apart_from_the_switches_after_sleeping() -> None:
    """Task.preemptions: the times it got its CPU back after being preempted
    (getrusage's ru_nivcsw); context_switches counts those and the ones after
    sleeping."""
    from simuring.host.events import trigger_at

    env, spawner = host()

    def spinner(task: Task):
        ev = env.event()
        trigger_at(env, ev, 1_000_000_000, "done")
        yield from task.spin(ev)

    def other(task: Task):
        yield from task.flush()

    a = spawner.spawn(spinner, name="a", process=None, cpu=0)
    spawner.spawn(other, name="b", process=None, cpu=0)
    env.run(until=2_000_000_000)
    assert a.preemptions == 1 and a.context_switches == 1
