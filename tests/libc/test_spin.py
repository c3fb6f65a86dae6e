"""SpinWord: a user-space poll of a shared word, with a budget (spin-then-block)."""

from __future__ import annotations

import pytest

from simuring import Simulation
from simuring.host.current import current_task
from simuring.syscalls import SpinWord, nanosleep

NO_NOISE = ["syscall.jitter_ns=0", "sched.wakeup_jitter_ns=0"]


def run(poller, storer):
    sim = Simulation(seed=1, overrides=NO_NOISE)
    a = sim.spawn(poller, name="poller", cpu=1)
    sim.spawn(storer, name="storer", cpu=0)
    result = sim.run()
    return result.task(a.name).value, sim.costs


def test_a_store_ends_the_poll_one_cache_line_transfer_later():
    word = SpinWord(0)

    def poller():
        changed = yield from word.spin_while(0, 100_000)
        return changed, current_task().now()

    def storer():
        yield from nanosleep(5_000)
        task = current_task()
        task.charge(300)
        out["stored_at"] = task.now()
        word.store(1)
        yield from nanosleep(1)

    out: dict[str, int] = {}
    (changed, at), costs = run(poller, storer)
    assert changed is True
    # the store first takes the line from the poller (which looked at it when it
    # began), then the poller's next look brings it back: two transfers
    assert at == out["stored_at"] + 2 * costs.mem.cacheline_transfer_ns


def test_the_budget_runs_out_without_a_store():
    word = SpinWord(0)

    def poller():
        start = current_task().now()
        changed = yield from word.spin_while(0, 20_000)
        return changed, current_task().now() - start

    def storer():
        yield from nanosleep(50_000)
        word.store(1)

    (changed, waited), _ = run(poller, storer)
    assert changed is False and waited == 20_000


def test_a_store_made_while_the_pollers_burst_elapses_is_not_missed():
    # the poller's own work (a 5 us copy) elapses inside spin_while; the store at
    # 2 us happens before it polls: it must return at once, not at its budget's end
    word = SpinWord(0)

    def poller():
        current_task().charge(5_000)
        changed = yield from word.spin_while(0, 50_000)
        return changed, current_task().now()

    def storer():
        yield from nanosleep(2_000)
        word.store(7)
        yield from nanosleep(1)

    (changed, at), _ = run(poller, storer)
    assert changed is True and at < 6_000


def test_an_already_changed_word_returns_at_once_and_a_bad_budget_is_a_value_error():
    word = SpinWord(3)

    def poller():
        changed = yield from word.spin_while(0, 1000)
        with pytest.raises(ValueError, match="budget"):
            yield from word.spin_while(3, -1)
        return changed

    def storer():
        yield from nanosleep(1)

    changed, _ = run(poller, storer)
    assert changed is True
    assert word.value == 3


def test_loads_and_stores_move_the_words_line_between_cpus():
    """A load or store on a CPU other than the line's last user pays one transfer."""
    word = SpinWord(0)
    paid: dict[str, int] = {}

    def cost(name, op):
        task = current_task()
        before = task.cpu_time()
        op()
        paid[name] = task.cpu_time() - before

    def reader():
        yield from nanosleep(10_000)
        cost("load_after_remote_store", word.load)
        cost("load_again", word.load)

    def writer():
        cost("first_store", lambda: word.store(1))
        yield from nanosleep(20_000)
        cost("store_after_remote_load", lambda: word.store(2))

    _, costs = run(reader, writer)
    t = costs.mem.cacheline_transfer_ns
    assert paid == {"first_store": 0, "load_after_remote_store": t, "load_again": 0, "store_after_remote_load": t}
