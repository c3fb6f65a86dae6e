"""The Tracer: off costs nothing and records nothing, the cap counts what it drops,
the filter keeps chosen kinds, counters record changes only."""

from __future__ import annotations

import pytest

from simuring import Simulation
from simuring.output.trace import CORE_EVENTS, Tracer, UnknownTraceKind, select_kinds


def test_off_records_nothing():
    tracer = Tracer()
    tracer.emit(1, "io_uring_complete", ctx=1)
    tracer.counter(1, "counter_cq", 1, 5, ctx=1)
    assert tracer.events == [] and tracer.dropped == 0


def test_events_keep_the_shape_readers_rely_on():
    tracer = Tracer(True)
    tracer.emit(5, "io_uring_complete", tid=1000, ctx=1, res=0)
    assert tracer.events == [{"t": 5, "event": "io_uring_complete", "tid": 1000, "ctx": 1, "res": 0}]


def test_the_cap_counts_what_it_drops_and_from_when():
    tracer = Tracer(True, limit=3)
    for at in (10, 20, 30, 50, 40):
        tracer.emit(at, "sched_switch")
    assert [e["t"] for e in tracer.events] == [10, 20, 30]
    assert tracer.dropped == 2 and tracer.dropped_from == 40  # whole before the earliest dropped event


def test_a_limit_must_not_be_negative():
    with pytest.raises(ValueError, match="trace limit"):
        Tracer(True, limit=-1)


def test_counters_record_a_change_of_value_only():
    tracer = Tracer(True)
    for at, value in enumerate((0, 0, 1, 1, 2, 0, 0)):
        tracer.counter(at, "counter_cq", 7, value, ctx=7, pid=1000)
    tracer.counter(9, "counter_cq", 8, 0, ctx=8, pid=1000)  # another ring: its own series
    assert [(e["t"], e["ctx"], e["value"]) for e in tracer.events] == [(0, 7, 0), (2, 7, 1), (4, 7, 2), (5, 7, 0), (9, 8, 0)]


def test_filter_by_name_and_pattern():
    known = set(CORE_EVENTS) | {"ipc_send"}
    assert select_kinds("io_uring_complete, sched_*", known) == {"io_uring_complete", "sched_switch", "sched_wakeup", "sched_wakeup_new"}
    assert select_kinds(["ipc_*"], known) == {"ipc_send"}
    tracer = Tracer(True, kinds={"sched_switch"})
    tracer.emit(1, "io_uring_complete")
    tracer.emit(2, "sched_switch")
    tracer.counter(3, "counter_cq", 1, 1)
    assert [e["event"] for e in tracer.events] == ["sched_switch"]
    assert tracer.wants("sched_switch") and not tracer.wants("io_uring_complete")


@pytest.mark.parametrize("text", ["io_uring_completion", "bogus_*", " , "])
def test_an_unknown_kind_is_named_with_the_known_ones(text):
    with pytest.raises(UnknownTraceKind) as info:
        select_kinds(text, CORE_EVENTS)
    message = str(info.value)
    if text.strip(" ,"):
        assert repr(text) in message and "io_uring_complete" in message and "sched_switch" in message


def test_the_simulation_knows_the_plugins_kinds():
    sim = Simulation(trace=True, trace_filter="ipc_*,io_uring_create")
    assert "ipc_send" in sim.tracer.known and "io_uring_complete" in sim.tracer.known
    assert sim.tracer.kinds == {"io_uring_create", "ipc_attach", "ipc_create", "ipc_destroy", "ipc_detach", "ipc_recv", "ipc_send", "ipc_wake"}
    with pytest.raises(UnknownTraceKind, match="ipc_sendd"):
        Simulation(trace=True, trace_filter="ipc_sendd")
