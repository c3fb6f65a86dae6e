"""The trace's events fire where the kernel fires its tracepoints, with their fields.

io_uring events (include/trace/events/io_uring.h): io_uring_create at setup,
io_uring_submit_req per request past io_init_req, io_uring_req_failed for an
SQE that fails it, io_uring_link / io_uring_fail_link for chains,
io_uring_defer for drained requests, io_uring_queue_async_work for punts,
io_uring_poll_arm / io_uring_task_add for fast poll, io_uring_task_work_run
and io_uring_local_work_run for the two task-work paths, io_uring_complete
per CQE written and io_uring_cqe_overflow per CQE sent to the overflow list
(and none when the flush moves it into the CQ), io_uring_cqring_wait when a
wait starts.  The scheduler's sched_switch / sched_wakeup(_new), and the
counters, sampled only when they change.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simuring.abi.errno import ECANCELED, EINVAL, EIO
from simuring.engine.sim import Simulation
from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_cqe_seen,
    io_uring_get_sqe,
    io_uring_prep_read,
    io_uring_queue_init,
    io_uring_submit,
    io_uring_wait_cqe,
)
from simuring.setupflags import parse_setup_flags
from simuring.syscalls import nanosleep, pipe, write
from simuring.uapi import (
    IORING_NOP_INJECT_RESULT,
    IOSQE_ASYNC,
    IOSQE_IO_DRAIN,
    IOSQE_IO_LINK,
)
from tests.helpers.ring import MS, drain, nop, reap, timeout
from tests.helpers.sim import Runner


def traced(body, setup_flags=0, entries=16, **sim):
    """Run ``body(ring)`` in one task with tracing on; (the trace, the task's tid)."""
    runner = Runner(trace=True, **sim)

    def task():
        ring = Ring()
        assert (yield from io_uring_queue_init(entries, ring, setup_flags)) == 0
        yield from body(ring)

    t = runner.spawn(task, name="app")
    result = runner.run()
    return result.trace, t.tid


def of(trace, kind):
    return [e for e in trace if e["event"] == kind]


def test_create_and_a_nop_round_trip():
    def body(ring):
        nop(ring, 7)
        yield from io_uring_submit(ring)
        yield from reap(ring, 1)

    trace, tid = traced(body)
    (create,) = of(trace, "io_uring_create")
    assert create["tid"] == tid and create["ctx"] == 1 and create["sq_entries"] == 16 and create["cq_entries"] == 32
    (sub,) = of(trace, "io_uring_submit_req")
    assert sub == {**sub, "tid": tid, "ctx": 1, "req": 1, "user_data": 7, "opcode": 0, "op_str": "NOP", "flags": 0, "sq_thread": False}
    (done,) = of(trace, "io_uring_complete")
    assert done == {**done, "ctx": 1, "req": 1, "user_data": 7, "res": 0, "cflags": 0, "extra1": 0, "extra2": 0}
    assert sub["t"] <= done["t"]


def failing_nop(ring, ud, res, flags=0):
    sqe = nop(ring, ud, flags)
    sqe.nop_flags = IORING_NOP_INJECT_RESULT
    sqe.len = res & 0xFFFF_FFFF
    return sqe


def test_links_and_a_failed_link():
    def body(ring):
        nop(ring, 1, IOSQE_IO_LINK)
        failing_nop(ring, 2, -EIO, IOSQE_IO_LINK)
        nop(ring, 3)
        yield from io_uring_submit(ring)
        yield from reap(ring, 3)

    trace, _ = traced(body)
    links = [(e["req"], e["target_req"]) for e in of(trace, "io_uring_link")]
    assert links == [(2, 1), (3, 2)]
    (fail,) = of(trace, "io_uring_fail_link")
    assert (fail["req"], fail["user_data"], fail["link"]) == (2, 2, 3)
    assert [(e["user_data"], e["res"]) for e in of(trace, "io_uring_complete")] == [(1, 0), (2, -EIO), (3, -ECANCELED)]


def test_a_bad_sqe_is_req_failed_not_submitted():
    def body(ring):
        sqe = nop(ring, 5)
        sqe.flags = 0x80  # no such IOSQE_* bit
        yield from io_uring_submit(ring)
        yield from reap(ring, 1)

    trace, _ = traced(body)
    assert not of(trace, "io_uring_submit_req")
    (failed,) = of(trace, "io_uring_req_failed")
    assert (failed["user_data"], failed["flags"], failed["error"]) == (5, 0x80, -EINVAL)


def test_drain_defers_and_async_punts():
    def body(ring):
        timeout(ring, 1, 1 * MS)
        nop(ring, 2, IOSQE_IO_DRAIN)
        nop(ring, 3, IOSQE_ASYNC)
        yield from io_uring_submit(ring)
        yield from reap(ring, 3)

    trace, tid = traced(body)
    deferred = of(trace, "io_uring_defer")
    assert [(e["data"], e["op_str"]) for e in deferred][:1] == [(2, "NOP")]
    punts = of(trace, "io_uring_queue_async_work")
    assert punts and all(e["rw"] == 0 for e in punts)
    assert {e["user_data"] for e in punts} >= {2}  # a drained request is forced async


def test_overflow_and_its_flush():
    def body(ring):
        for ud in range(1, 5):  # 4 CQEs for a CQ of 2
            nop(ring, ud)
            yield from io_uring_submit(ring)
        got = drain(ring)  # liburing enters the kernel to flush the overflow list (IORING_SQ_CQ_OVERFLOW)
        assert [ud for ud, _ in got] == [1, 2, 3, 4]

    trace, _ = traced(body, entries=1)
    assert [e["user_data"] for e in of(trace, "io_uring_complete")] == [1, 2]  # the flush posts silently
    assert [e["user_data"] for e in of(trace, "io_uring_cqe_overflow")] == [3, 4]
    overflow = [e["value"] for e in of(trace, "counter_cq_overflow")]
    assert overflow == [0, 1, 2, 0]


def test_counters_record_changes_only():
    def body(ring):
        for _ in range(3):
            nop(ring, 1)
            yield from io_uring_submit(ring)
            yield from reap(ring, 1)

    trace, _ = traced(body)
    for kind in ("counter_sq", "counter_cq"):
        values = [e["value"] for e in of(trace, kind)]
        assert values and all(a != b for a, b in zip(values, values[1:], strict=False)), (kind, values)
    assert [e["value"] for e in of(trace, "counter_sq")] == [0, 1, 0, 1, 0, 1, 0]


def test_cqring_wait_starts_a_wait():
    def body(ring):
        timeout(ring, 1, 1 * MS)
        yield from io_uring_submit(ring)
        yield from reap(ring, 1)

    trace, tid = traced(body)
    (wait,) = of(trace, "io_uring_cqring_wait")
    assert (wait["tid"], wait["ctx"], wait["min_events"]) == (tid, 1, 1)


def pipe_read_completed_by_a_writer(setup_flags):
    """A READ parked on an empty pipe (fast poll), completed by a second task's write."""
    sim = Simulation(seed=1, trace=True)
    fds: list[int] = []

    def reader():
        ring, cqe = Ring(), Cqe()
        assert (yield from io_uring_queue_init(8, ring, parse_setup_flags(setup_flags))) == 0
        yield from pipe(fds)
        sim.spawn(writer, process=reader_task.process, name="writer")
        buf = bytearray(8)
        io_uring_prep_read(io_uring_get_sqe(ring), fds[0], buf, 8, 0)
        yield from io_uring_submit(ring)
        assert (yield from io_uring_wait_cqe(ring, cqe)) == 0
        assert cqe[0].res == 8
        io_uring_cqe_seen(ring, cqe[0])

    def writer():
        yield from nanosleep(50_000)
        assert (yield from write(fds[1], b"12345678", 8)) == 8

    reader_task = sim.spawn(reader, name="reader")
    return sim.run().trace, reader_task.tid


def test_default_mode_runs_task_work():
    trace, reader = pipe_read_completed_by_a_writer("0")
    (arm,) = of(trace, "io_uring_poll_arm")
    assert (arm["tid"], arm["op_str"]) == (reader, "READ")
    (add,) = of(trace, "io_uring_task_add")
    assert add["req"] == arm["req"] and add["tid"] != reader  # queued by the writer's wake-up
    runs = of(trace, "io_uring_task_work_run")
    assert runs and runs[0]["tid"] == reader and runs[0]["count"] == 1
    assert not of(trace, "io_uring_local_work_run")
    assert [e["value"] for e in of(trace, "counter_task_work") if e["tid"] == reader] == [1, 0]


def test_defer_taskrun_runs_local_work():
    trace, reader = pipe_read_completed_by_a_writer("SINGLE_ISSUER|DEFER_TASKRUN")
    assert of(trace, "io_uring_task_add")
    runs = of(trace, "io_uring_local_work_run")
    assert runs and runs[0]["tid"] == reader and runs[0]["count"] == 1
    assert not of(trace, "io_uring_task_work_run")
    assert [e["value"] for e in of(trace, "counter_local_work")] == [1, 0]


def test_sched_events():
    trace, reader = pipe_read_completed_by_a_writer("0")
    new = {e["comm"] for e in of(trace, "sched_wakeup_new")}
    assert new == {"reader", "writer"}
    wakes = [e for e in of(trace, "sched_wakeup") if e["pid"] == reader]
    assert wakes and wakes[0]["comm"] == "reader" and wakes[0]["prio"] == 120
    outs = [e for e in of(trace, "sched_switch") if e["prev_pid"] == reader]
    assert outs and outs[0]["prev_state"] == "S" and outs[0]["next_pid"] == 0  # to idle: swapper
    assert outs[0]["next_comm"] == f"swapper/{outs[0]['cpu']}"
    assert outs[-1]["prev_state"] == "X"  # it ended


def test_nothing_is_recorded_with_tracing_off():
    sim = Simulation(seed=1)

    def task():
        ring = Ring()
        yield from io_uring_queue_init(4, ring, 0)
        nop(ring, 1)
        yield from io_uring_submit(ring)
        yield from reap(ring, 1)

    sim.spawn(task)
    result = sim.run()
    assert result.trace == [] and not result.trace_enabled and sim.tracer.events == []
    assert "trace" not in result.to_dict()


# -- the running kernel's own formats ---------------------------------------------------
TRACEFS = Path("/sys/kernel/tracing/events")
#: fields simuring adds: the task the event ran in (the kernel's common_pid), the CPU of a switch
ADDED = {"tid", "cpu"}
#: kernel fields simuring does not record (pointers with no meaning in the model; docs/tracing.md)
NOT_RECORDED = {"io_uring_queue_async_work": {"work"}, "io_uring_req_failed": {"addr", "addr3", "pad1", "pad2"}, "io_uring_cqe_overflow": {"ocqe"}}


def kernel_fields(kind: str) -> set[str] | None:
    """The fields of tracepoint ``kind`` in the running kernel's tracefs format file (None if unreadable)."""
    system = "sched" if kind.startswith("sched_") else "io_uring"
    path = TRACEFS / system / kind / "format"
    try:
        text = path.read_text()
    except OSError:
        return None
    names = set()
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("field:") and "common_" not in line:
            decl = line[len("field:") : line.index(";")].split()[-1]
            names.add(decl.split("[")[0])
    return names


def every_event_kind_traced():
    def basics(ring):
        nop(ring, 1, IOSQE_IO_LINK)
        failing_nop(ring, 2, -EIO, IOSQE_IO_LINK)
        nop(ring, 3)
        timeout(ring, 4, 1 * MS)
        nop(ring, 5, IOSQE_IO_DRAIN)
        nop(ring, 6, IOSQE_ASYNC)
        bad = nop(ring, 7)
        bad.flags = 0x80
        yield from io_uring_submit(ring)
        yield from reap(ring, 7)

    def overflow(ring):
        for ud in range(1, 5):  # 4 CQEs for a CQ of 2
            nop(ring, ud)
            yield from io_uring_submit(ring)
        drain(ring)

    events = list(traced(basics)[0]) + list(traced(overflow, entries=1)[0])
    for flags in ("0", "SINGLE_ISSUER|DEFER_TASKRUN"):
        events += pipe_read_completed_by_a_writer(flags)[0]
    return events


def test_fields_are_the_running_kernels_tracepoint_fields():
    """Where tracefs is readable (mounted, and root), each simulated event's fields are its
    tracepoint's in this kernel's format file, but for the documented additions and omissions."""
    if kernel_fields("io_uring_complete") is None:
        pytest.skip("tracefs is not mounted or not readable here (mount -t tracefs nodev /sys/kernel/tracing)")
    seen: dict[str, set[str]] = {}
    for event in every_event_kind_traced():
        kind = event["event"]
        if kind.startswith(("io_uring_", "sched_")):
            seen.setdefault(kind, set()).update(k for k in event if k not in ("t", "event"))
    assert len(seen) >= 14
    for kind, ours in sorted(seen.items()):
        theirs = kernel_fields(kind)
        assert theirs is not None, f"{kind}: no such tracepoint in this kernel"
        assert ours - ADDED == theirs - NOT_RECORDED.get(kind, set()), kind
