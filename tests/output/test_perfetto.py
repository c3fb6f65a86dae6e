"""The Chrome trace-event export (output/perfetto.py), checked strictly by
tests/helpers/chrome_trace.py (the ``perfetto`` package's TraceProcessor needs
to download its binary, which fails offline: see that module)."""

from __future__ import annotations

import json

import pytest

from simuring import Simulation
from simuring.output.perfetto import CPU_PID, CPU_TID_BASE, chrome_trace, dumps, us
from simuring.output.result import SimResult, TaskResult
from tests.helpers.bundled import load_bundled
from tests.helpers.chrome_trace import check_chrome_trace


def run(name: str, trace_limit: int = 1_000_000, **params):
    sim = Simulation(seed=3, trace=True, trace_limit=trace_limit)
    load_bundled(name)(sim, **params)
    return sim.run()


def task(name: str, tid: int, pid: int) -> TaskResult:
    return TaskResult(name=name, tid=tid, pid=pid, kthread=False, cpu_ns=0, context_switches=0, stats={})


def result_of(trace: list[dict], end: int, **kw) -> SimResult:
    tasks = [task("a", 1000, 1000), task("b", 1001, 1000)]
    return SimResult(sim_time_ns=end, seed=0, host="h", tasks=tasks, cpus=[], rings=[], trace=trace, trace_enabled=True, **kw)


def switch(t, cpu, prev, nxt, state="S"):
    names = {0: f"swapper/{cpu}", 1000: "a", 1001: "b"}
    return {"t": t, "event": "sched_switch", "cpu": cpu, "prev_comm": names[prev], "prev_pid": prev, "prev_prio": 120, "prev_state": state, "next_comm": names[nxt], "next_pid": nxt, "next_prio": 120}


def test_microseconds_are_exact_decimals():
    assert [us(n) for n in (0, 1, 999, 1000, 1234567, 123_456_789_012_345)] == [0.0, 0.001, 0.999, 1.0, 1234.567, 123456789012.345]
    assert json.dumps(us(86_399_999_999_999)) == "86399999999.999"


def test_cpu_and_task_tracks_from_sched_events():
    trace = [
        {"t": 0, "event": "sched_wakeup_new", "tid": None, "comm": "a", "pid": 1000, "prio": 120, "target_cpu": 0},
        switch(0, 0, 0, 1000, "R"),
        {"t": 400, "event": "io_uring_submit_req", "tid": 1000, "ctx": 1, "req": 1, "user_data": 9, "opcode": 0, "op_str": "NOP", "flags": 0, "sq_thread": False},
        switch(1000, 0, 1000, 0, "S"),
        {"t": 1500, "event": "sched_wakeup", "tid": None, "comm": "a", "pid": 1000, "prio": 120, "target_cpu": 0},
        switch(2000, 0, 0, 1000, "R"),
        {"t": 2100, "event": "counter_cq", "ctx": 1, "pid": 1000, "value": 1},
        switch(2500, 0, 1000, 0, "X"),
    ]
    doc = chrome_trace(result_of(trace, 3000))
    summary = check_chrome_trace(dumps(doc))
    slices = [(e["tid"], e["name"], e["ts"], e["dur"]) for e in doc["traceEvents"] if e["ph"] == "X"]
    assert (CPU_TID_BASE, "a", 0.0, 1.0) in slices and (CPU_TID_BASE, "a", 2.0, 0.5) in slices
    states = [(name, ts, dur) for tid, name, ts, dur in slices if tid == 1000]
    assert states == [("Running", 0.0, 1.0), ("Sleeping", 1.0, 0.5), ("Runnable", 1.5, 0.5), ("Running", 2.0, 0.5)]
    assert summary.processes == {CPU_PID: "CPUs", 1000: "a"}
    assert summary.threads[CPU_TID_BASE] == (CPU_PID, "CPU 0") and summary.threads[1001] == (1000, "b")
    assert summary.counters == {"ring 1 CQ entries"}
    assert summary.instant_threads["io_uring_submit_req"] == {"a"}
    assert summary.instant_threads["sched_switch"] == {"CPU 0"}
    assert summary.instant_threads["sched_wakeup"] == {"no task (timers)"}
    (submit,) = [e for e in doc["traceEvents"] if e["name"] == "io_uring_submit_req"]
    assert submit["args"] == {"ctx": 1, "req": 1, "user_data": 9, "opcode": 0, "op_str": "NOP", "flags": 0, "sq_thread": False}


def test_open_slices_end_with_the_run():
    doc = chrome_trace(result_of([switch(100, 1, 0, 1001, "R")], 700))
    check_chrome_trace(dumps(doc))
    assert {(e["tid"], e["name"], e["dur"]) for e in doc["traceEvents"] if e["ph"] == "X"} == {(CPU_TID_BASE + 1, "b", 0.6), (1001, "Running", 0.6)}


def test_a_capped_trace_stops_where_it_is_whole():
    trace = [switch(0, 0, 0, 1000, "R"), switch(500, 0, 1000, 0, "S"), switch(900, 0, 0, 1000, "R")]
    doc = chrome_trace(result_of(trace, 5000, trace_dropped=7, trace_limit=3, trace_dropped_from=800))
    check_chrome_trace(dumps(doc))
    assert doc["otherData"]["trace_dropped"] == 7 and doc["otherData"]["trace_complete_until_ns"] == 800
    (cap,) = [e for e in doc["traceEvents"] if e["name"] == "trace cap reached"]
    assert cap["s"] == "g" and cap["ts"] == 0.8 and cap["args"] == {"dropped": 7, "limit": 3}
    ends = [e["ts"] + e["dur"] for e in doc["traceEvents"] if e["ph"] == "X"]
    assert max(ends) == pytest.approx(0.8)  # nothing past the first dropped event


def test_pipe_pingpong_tracks_and_events():
    result = run("pipe_pingpong", messages=4)
    summary = check_chrome_trace(dumps(chrome_trace(result)))
    assert {"ping", "pong", "CPU 0", "CPU 1"} <= summary.thread_names()
    kernel = {"io_uring_create", "io_uring_submit_req", "io_uring_poll_arm", "io_uring_task_add", "io_uring_task_work_run", "io_uring_complete", "io_uring_cqring_wait"}
    assert kernel | {"sched_switch", "sched_wakeup", "sched_wakeup_new"} <= summary.instants
    assert {"ring 1 SQ entries", "ring 1 CQ entries", "ring 2 CQ entries", "ring 1 CQ overflow cqes"} <= summary.counters
    assert any(name.startswith("task work ") for name in summary.counters)
    assert summary.slices["CPU 0"] >= {"ping"} and summary.slices["ping"] >= {"Running", "Sleeping"}
    assert summary.instant_threads["io_uring_submit_req"] == {"ping", "pong"}


def test_ipc_broadcast_tracks_and_events():
    result = run("ipc_broadcast", receivers=2, messages=10)
    summary = check_chrome_trace(dumps(chrome_trace(result)))
    assert {"sender", "receiver0", "receiver1"} <= summary.thread_names()
    assert {"ipc_create", "ipc_attach", "ipc_send", "ipc_recv", "ipc_wake", "io_uring_local_work_run", "io_uring_submit_req", "io_uring_complete"} <= summary.instants
    assert summary.instant_threads["ipc_send"] == {"sender"}
    receivers = summary.instant_threads["ipc_recv"]  # inline, or in an io-wq worker after a punt
    assert receivers >= {"receiver0", "receiver1"} and all(n.startswith(("receiver", "iou-wrk-")) for n in receivers)
    assert any(name.endswith(" local work items") for name in summary.counters)  # DEFER_TASKRUN rings


def test_the_same_seed_gives_the_same_bytes():
    texts = {dumps(chrome_trace(run("ipc_broadcast", receivers=2, messages=10))) for _ in range(2)}
    assert len(texts) == 1


def test_a_run_past_its_cap_exports_its_whole_part():
    result = run("pipe_pingpong", trace_limit=150, messages=20)
    assert result.trace_dropped > 0 and len(result.trace) == 150
    doc = chrome_trace(result)
    check_chrome_trace(dumps(doc))
    cut = result.trace_dropped_from
    assert all(e["ts"] <= us(cut) for e in doc["traceEvents"] if "ts" in e)
