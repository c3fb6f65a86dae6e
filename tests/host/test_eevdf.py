"""EEVDF's order for a CPU's waiting tasks (host/eevdf.py): eligibility, deadlines, lag."""

from __future__ import annotations

import simpy

from simuring.cost import load_profile
from simuring.engine.plugins import cost_sections
from simuring.host.cpu import Scheduler
from simuring.host.eevdf import PREEMPTED, SLEPT, Queue, leave, live_vruntime, pick, place
from simuring.host.task import Process, Task
from tests.helpers.sim import NO_NOISE

SLICE = 1_000_000
TICK = 4_000_000


def tasks(n: int) -> tuple[simpy.Environment, list[Task]]:
    env = simpy.Environment()
    costs = load_profile("rfc-vm-32vcpu", cost_sections()).with_overrides(list(NO_NOISE))
    sched = Scheduler(env, costs)
    proc = Process(100, "p", 0, 0, None)
    return env, [Task(env, sched, 100 + i, f"t{i}", proc) for i in range(n)]


def queue(env: simpy.Environment, *entries: tuple[Task, int, int]) -> Queue:
    """A run queue holding ``(task, vruntime, deadline)`` in that order."""
    rq: Queue = []
    for task, v, deadline in entries:
        task.vruntime, task.deadline = v, deadline
        rq.append((task, env.event()))
    return rq


def test_the_eligible_task_with_the_earliest_deadline_goes_first_not_the_first_queued() -> None:
    env, (a, b, c) = tasks(3)
    rq = queue(env, (a, 0, 3_000), (b, 100, 2_000), (c, 200, 1_000))  # mean 100: c ran ahead
    assert pick(rq)[0] is b  # a and b eligible, b's deadline earlier; c's is earliest but c is not eligible
    assert pick(rq)[0] is a  # mean now 100: a (0) is eligible, c (200) not
    assert pick(rq)[0] is c and not rq


def test_equal_deadlines_go_in_the_order_queued() -> None:
    env, (a, b) = tasks(2)
    rq = queue(env, (a, 0, 500), (b, 0, 500))
    assert [pick(rq)[0], pick(rq)[0]] == [a, b]


def test_a_new_task_starts_at_the_mean_with_half_a_slice() -> None:
    env, (a, b, new) = tasks(3)
    rq = queue(env, (a, 1_000, 0), (b, 3_000, 0))
    place(rq, 0, new, None, here=False, slice_ns=SLICE)
    assert new.vruntime == 2_000 and new.deadline == 2_000 + SLICE // 2


def test_a_woken_task_keeps_its_lag_scaled_by_the_tasks_it_joins() -> None:
    env, (a, b, sleeper) = tasks(3)
    rq = queue(env, (a, 10_000, 0), (b, 12_000, 0))  # mean 11,000, two tasks there
    sleeper.placement, sleeper.vlag = SLEPT, 3_000  # it was owed 3 us when it blocked
    place(rq, 0, sleeper, None, here=True, slice_ns=SLICE)
    assert sleeper.vruntime == 11_000 - 3_000 * 3 // 2
    assert sleeper.deadline == sleeper.vruntime + SLICE


def test_a_task_that_ran_ahead_is_not_let_off_by_sleeping_on_its_cpu() -> None:
    env, (a, ahead, paid) = tasks(3)
    rq = queue(env, (a, 10_000, 0))
    ahead.placement, ahead.vlag, ahead.vruntime = SLEPT, -2_000, 12_000  # still ahead of 10,000
    place(rq, 0, ahead, None, here=True, slice_ns=SLICE)
    assert ahead.vruntime == 12_000
    paid.placement, paid.vlag, paid.vruntime = SLEPT, -2_000, 9_000  # the others caught up meanwhile
    place(rq, 0, paid, None, here=True, slice_ns=SLICE)
    assert paid.vruntime == 10_000


def test_a_task_finding_its_cpu_idle_starts_at_the_queues_zero_point() -> None:
    env, (sleeper,) = tasks(1)
    sleeper.placement, sleeper.vlag = SLEPT, 4_000
    place([], 5_000, sleeper, None, here=True, slice_ns=SLICE)
    assert sleeper.vruntime == 5_000  # no task there: PLACE_LAG has nothing to keep it from


def test_blocking_records_the_lag_clamped_and_a_preemption_a_new_deadline() -> None:
    env, (a, sleeper, hog) = tasks(3)
    rq = queue(env, (a, 0, 0))
    sleeper.vruntime, sleeper.exec_start, sleeper.cpu_ns = 0, 0, 600  # ran 600 ns since it got the CPU
    assert leave(rq, sleeper, True, SLICE, TICK) == 600
    assert sleeper.vlag == (0 + 600) // 2 - 600 and sleeper.placement == SLEPT
    a.vruntime = 100_000_000  # far ahead: the lag is clamped to two slices or a tick
    sleeper.exec_start = sleeper.cpu_ns
    before = live_vruntime(sleeper)
    leave(rq, sleeper, True, SLICE, TICK)
    assert sleeper.vlag == max(2 * SLICE, TICK) and sleeper.vruntime == before
    hog.vruntime, hog.exec_start, hog.cpu_ns = 0, 0, 7 * SLICE
    leave([], hog, False, SLICE, TICK)
    assert hog.deadline == 7 * SLICE + SLICE and hog.placement == PREEMPTED


def test_a_cpu_freed_goes_to_the_task_eevdf_picks() -> None:
    # Scheduler.release hands the CPU to pick()'s choice, not to the first queued task
    env, (running, first, second) = tasks(3)
    sched = running.sched
    for t in (running, first, second):
        t.pinned_cpu = 0
    assert sched.try_acquire(running) is None  # CPU 0 was idle
    ev_first = sched.try_acquire(first)
    ev_second = sched.try_acquire(second)
    assert ev_first is not None and ev_second is not None
    first.vruntime, first.deadline = 5_000, 9_000  # ahead of the queue's mean: not eligible
    second.vruntime, second.deadline = 1_000, 20_000
    sched.release(running, sleeping=True)
    assert sched.cpus[0].current is second and ev_second.triggered and not ev_first.triggered
