"""The moves of ``simuring step``: one event, next CQE, next wake-up, a simulated time."""

from __future__ import annotations

import pytest

from simuring import ParamError, Simulation
from simuring.liburing import (
    Ring,
    io_uring_get_sqe,
    io_uring_prep_nop,
    io_uring_queue_init,
    io_uring_submit,
)
from simuring.step.driver import Stepper, parse_time
from simuring.syscalls import nanosleep, pipe, read

US = 1_000


def sim_of(fn, *args, name="t") -> Simulation:
    sim = Simulation(seed=1, trace=True)
    sim.spawn(fn, *args, name=name, cpu=0)
    return sim


def napper(n):
    for _ in range(n):
        yield from nanosleep(10 * US)


def nop_then_nap():
    ring = Ring()
    yield from io_uring_queue_init(4, ring, 0)
    yield from nanosleep(10 * US)
    io_uring_prep_nop(io_uring_get_sqe(ring))
    yield from io_uring_submit(ring)
    yield from nanosleep(10 * US)


@pytest.mark.parametrize(
    ("text", "ns"),
    [("250000", 250_000), ("10us", 10_000), ("10 µs", 10_000), ("2ms", 2_000_000), ("1.5s", 1_500_000_000), ("7ns", 7), (".5us", 500)],
)
def test_parse_time(text, ns):
    assert parse_time(text) == ns


def test_parse_time_from_now_and_errors():
    assert parse_time("+1ms", now=5) == 1_000_005
    for bad in ("", "ten", "10 min", "-5us", "1e3"):
        with pytest.raises(ValueError, match="not a time"):
            parse_time(bad)


def test_one_event_per_step():
    st = Stepper(sim_of(napper, 3))
    move = st.step()
    assert move.steps == 1 and st.steps == 1 and move.note.startswith("one event processed")


def test_next_cqe_on_a_workload_without_cqes_stops_at_the_end():
    st = Stepper(sim_of(napper, 5))
    move = st.next_cqe()
    assert st.over and st.error is None and move.steps > 5
    assert move.note.startswith("the run is over: every user task has ended") and move.note.endswith("no CQE came")
    again = st.next_cqe()
    assert again.steps == 0 and again.note.startswith("the run is over")


def test_next_cqe_gives_up_after_the_limit():
    st = Stepper(sim_of(napper, 1000), limit=50)
    move = st.next_cqe()
    assert move.steps == 50 and not st.over
    assert move.note == "stopped after 50 events without reaching a CQE (move again to go on)"


def test_next_cqe_stops_at_the_event_that_posts_it():
    sim = sim_of(nop_then_nap)
    st = Stepper(sim)
    move = st.next_cqe()
    assert sim.kernel.all_rings[0].posted == 1 and move.note.startswith("stopped at ring 1: 1 CQE posted, CQ tail now 1")
    assert sim.now >= 10 * US


def test_next_wakeup_stops_where_a_sleeper_leaves_its_sleep():
    st = Stepper(sim_of(napper, 3, name="napper"))
    move = st.next_wakeup()
    task = st.sim.tasks[0]
    assert task.state.value == "running"
    assert move.note.startswith("stopped at a wake-up: task 'napper' (tid 1000) woke up, running on CPU 0")
    notes = [st.next_wakeup().note for _ in range(3)]
    assert sum(n.startswith("stopped at a wake-up") for n in notes) == 2 and "no wake-up came" in notes[-1]


def test_until_processes_every_event_up_to_the_instant_and_none_after():
    sim = sim_of(napper, 10)
    st = Stepper(sim)
    move = st.until(35 * US)
    assert sim.now <= 35 * US and sim.next_event_at() > 35 * US
    assert move.note.startswith("reached t=35000 ns")
    still = st.until(sim.next_event_at() - 1)
    assert still.steps == 0 and "no event until then" in still.note
    assert "is not after now" in st.until(sim.now).note
    end = st.until(10**9)
    assert st.over and end.note.startswith("the run is over") and "came" not in end.note


def test_a_stall_ends_the_moves_with_its_message():
    def stuck():
        fds = []
        yield from pipe(fds)
        yield from read(fds[0], bytearray(1), 1)

    st = Stepper(sim_of(stuck, name="stuck"))
    move = st.next_wakeup()
    assert st.over and move.note.startswith("simulation stalled at t=") and "'stuck' (sleeping)" in move.note
    assert st.step().steps == 0


def test_a_task_exception_ends_the_moves():
    def broken():
        yield from nanosleep(US)
        raise ValueError("boom")

    st = Stepper(sim_of(broken))
    st.next_cqe()
    assert isinstance(st.error, ValueError)
    assert st.note.startswith("the workload failed: ValueError: boom") and "in simulated task 't'" in st.note


def test_a_param_error_is_said_as_the_command_line_to_change():
    def refused():
        yield from nanosleep(US)
        raise ParamError({"ring_entries": 3}, "IPC channel create", -22)

    st = Stepper(sim_of(refused))
    st.next_cqe()
    assert st.note == "-p ring_entries=3: IPC channel create failed: -EINVAL (Invalid argument)"


def test_stepping_changes_nothing_of_the_run():
    a, b = sim_of(nop_then_nap), sim_of(nop_then_nap)
    st = Stepper(b)
    st.next_cqe()
    st.next_wakeup()
    st.until(b.now + 3 * US)
    while not st.over:
        st.step()
    assert a.run().to_json() == b.result().to_json()
