"""CacheLine: loads see a store only from the writer's logical time on, and pay a
cache-line transfer only for the version they actually read."""

from __future__ import annotations

from simuring import Simulation
from simuring.host.current import current_task
from simuring.host.memory import CacheLine
from simuring.syscalls import nanosleep

_MEM = Simulation().costs.mem
XFER = _MEM.cacheline_transfer_ns  # of the built-in profile
ATOMIC = _MEM.atomic_ns


def two_tasks(first, second):
    """Run ``first`` on CPU 0 and ``second`` on CPU 1, both starting at t=0; their values."""
    sim = Simulation(seed=1)
    a = sim.spawn(first, name="a", cpu=0)
    b = sim.spawn(second, name="b", cpu=1)
    result = sim.run()
    return result.task(a.name).value, result.task(b.name).value


def test_a_reader_before_a_store_in_logical_time_sees_the_old_value_and_pays_nothing_for_the_store():
    line = CacheLine("x", 0)

    def writer():
        task = current_task()
        task.charge(500)  # the store happens 500 ns into the writer's burst
        line.store(task, 1)
        yield from nanosleep(10_000)

    def reader():
        task = current_task()
        task.charge(100)  # reads at 100 ns: before the store, in logical time
        before = task.cpu_time()
        value = line.load(task)
        paid = task.cpu_time() - before
        yield from nanosleep(10_000)
        late = current_task()
        before = late.cpu_time()
        after_value = line.load(late)
        return value, paid, after_value, late.cpu_time() - before

    _, (value, paid, after_value, paid_after) = two_tasks(writer, reader)
    assert value == 0 and paid == 0  # the line was still where the old version lived (nowhere)
    assert after_value == 1 and paid_after == XFER  # now it comes from the writer's CPU


def test_cas_races_by_logical_time_the_later_one_fails_and_retries_with_the_latest():
    line = CacheLine("tail", 0)

    def cas_at(offset):
        def body():
            task = current_task()
            task.charge(offset)
            seen = line.load(task)
            ok = line.cas(task, seen, seen + 1)
            if not ok:
                seen = line.peek()
                ok = line.cas(task, seen, seen + 1)
                return "retried", ok
            yield from nanosleep(1)
            return "first", ok

        return body

    a, b = two_tasks(cas_at(0), cas_at(5))  # overlapping read-CAS windows
    assert sorted([a[0], b[0]]) == ["first", "retried"]
    assert a[1] and b[1]
    assert line.peek() == 2 and line.cas_failures == 1
