"""The host's time API (Task.charge/now/cpu_time, host.events at absolute
instants), the Spawner and its hooks, and current_task()."""

from __future__ import annotations

import pytest
import simpy

from simuring.cost import load_profile
from simuring.engine.plugins import cost_sections
from simuring.host import current
from simuring.host.cpu import Scheduler
from simuring.host.current import NotInSimulation, current_task
from simuring.host.events import call_at, clock, timeout_at, trigger_at, triggered
from simuring.host.spawner import FIRST_TID, Spawner
from simuring.host.task import Task, TaskState


def host() -> tuple[simpy.Environment, Spawner, list[tuple[str, int, object]]]:
    env = simpy.Environment()
    seen: list[tuple[str, int, object]] = []
    spawner = Spawner(
        env,
        Scheduler(env, load_profile("rfc-vm-32vcpu", cost_sections())),
        list,  # any object does as a file table here
        on_start=lambda task: seen.append(("start", task.tid, int(env.now))),
        on_exit=lambda task, value: seen.append(("exit", task.tid, value)),
    )
    return env, spawner, seen


def test_now_is_the_clock_plus_the_unflushed_burst_and_cpu_time_counts_both() -> None:
    env, spawner, _ = host()
    out = {}

    def body(task: Task):
        t0 = task.now()
        task.charge(300)
        out["in_burst"] = (task.now() - t0, int(env.now), task.cpu_time())
        yield from task.flush()
        out["flushed"] = (task.now() - t0, int(env.now) - t0, task.cpu_time())

    spawner.spawn(body, name="t", process=None)
    env.run()
    assert out["in_burst"] == (300, 0, 300)  # no simulated time has passed yet
    assert out["flushed"] == (300, 300, 300)


def test_timers_and_triggers_fire_at_absolute_instants() -> None:
    env = simpy.Environment()
    fired: list[tuple[str, int]] = []
    ev = env.event()
    ev.callbacks.append(lambda e: fired.append((str(e.value), int(env.now))))
    call_at(env, 250, lambda: fired.append(("timer", int(env.now))))
    trigger_at(env, ev, 100, "event")
    assert not trigger_at(env, ev, 50)  # already triggered
    to = timeout_at(env, 400)
    to.callbacks.append(lambda e: fired.append(("timeout", int(env.now))))
    env.run()
    assert fired == [("event", 100), ("timer", 250), ("timeout", 400)]


def test_triggered_agrees_with_simpys_property_for_every_kind_of_event() -> None:
    env = simpy.Environment()
    pending, succeeded, failed, fired_later = env.event(), env.event(), env.event(), env.event()
    succeeded.succeed(1)
    failed.fail(ValueError("x"))
    failed.defused = True
    trigger_at(env, fired_later, 10)
    timeout = env.timeout(5)

    def proc():
        yield env.timeout(1)

    process = env.process(proc())
    events = [pending, succeeded, failed, fired_later, timeout, process, env.all_of([timeout]), env.any_of([pending])]
    for _ in range(3):
        assert [triggered(e) for e in events] == [e.triggered for e in events]
        env.step()
    env.run()
    assert [triggered(e) for e in events] == [e.triggered for e in events]
    assert [e.triggered for e in events] == [False, True, True, True, True, True, True, False]


def test_clock_is_simpys_now_as_an_int_at_every_event() -> None:
    env, spawner, _ = host()
    seen = []

    def body(task: Task):
        for ns in (5, 0, 1_000_000_007):
            seen.append((clock(env), env.now))
            task.charge(ns)
            yield from task.flush()
        seen.append((clock(env), env.now))

    spawner.spawn(body, name="t", process=None)
    call_at(env, 3, lambda: seen.append((clock(env), env.now)))
    env.run()
    assert [c for c, _ in seen] == [0, 3, 5, 5, 1_000_000_012]
    assert all(type(c) is int and c == now for c, now in seen)


def test_spawner_allocates_tids_creates_processes_and_reports_start_and_exit() -> None:
    env, spawner, seen = host()

    def leader(task: Task):
        task.charge(10)
        yield from task.flush()
        return "done"

    def thread(task: Task):
        yield from task.flush()
        return 7

    a = spawner.spawn(leader, name="a", process=None, uid=5, gid=6)
    b = spawner.spawn(thread, name="b", process=a.process, kthread=True, at=1_000)
    assert (a.tid, b.tid) == (FIRST_TID, FIRST_TID + 1)
    assert a.process.pid == a.tid and (a.process.uid, a.process.gid) == (5, 6)
    assert a.process.tasks == [a, b] and b.kthread
    env.run()
    assert seen == [("start", a.tid, 0), ("start", b.tid, 0), ("exit", a.tid, "done"), ("exit", b.tid, 7)]
    assert a.state is TaskState.DEAD and b.state is TaskState.DEAD
    assert int(env.now) == 1_000  # b started at its instant


def test_current_task_is_the_task_bound_to_the_active_process_of_the_pushed_environment() -> None:
    env, spawner, _ = host()
    found = []

    def body(task: Task):
        found.append(current_task() is task)
        yield from task.flush()

    spawner.spawn(body, name="t", process=None)
    current.push(env)
    try:
        env.run()
    finally:
        current.pop(env)
    assert found == [True]
    with pytest.raises(NotInSimulation):
        current_task()
