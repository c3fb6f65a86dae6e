"""A run's trace as Chrome trace-event JSON, for ui.perfetto.dev and chrome://tracing.

``simuring run SCRIPT --trace-out run.perfetto.json`` writes it
(docs/tracing.md).  The file holds (the Trace Event Format: ``ts`` and
``dur`` in microseconds, fractions for nanoseconds):

* a process "CPUs" with one thread per simulated CPU that ran anything
  ("CPU 0", ...): complete (``X``) slices named after the task occupying the
  CPU, built from ``sched_switch``, and the ``sched_switch`` instants;
* one process per simulated process, one thread per task (its tid): the
  task's state as ``X`` slices "Running" / "Runnable" / "Sleeping" (from
  ``sched_switch``, ``sched_wakeup`` and ``sched_wakeup_new``), and instant
  (``i``, thread scope) events for every event recorded in that task's
  context, under the kernel's tracepoint names with their fields as ``args``;
* counter (``C``) tracks in the owning process: per ring "ring N SQ"
  (``entries``), "ring N CQ" (``entries``), "ring N CQ overflow" (``cqes``),
  "ring N local work" (``items``), and per task "task work TID" (``items``);
* events that ran in no task's context (a timer) on a thread "no task
  (timers)" of the "CPUs" process;
* metadata: ``process_name`` / ``thread_name`` and sort indices; a top-level
  ``otherData`` with the run's provenance and the trace's dropped count.

A trace that reached its cap is whole only before the earliest dropped
event (``SimResult.trace_dropped_from``): the export stops there, closes
the open slices at that instant and marks it with a global instant "trace
cap reached".

Deterministic: events are ordered by time, then by recording order; the JSON
has sorted keys and fixed separators, and ``ts = ns / 1000`` is exact for
runs shorter than about 11 simulated days (15 significant digits), so the
same run gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from simuring.output.result import SimResult

CPU_PID = 1
"""The pseudo-process holding the CPU tracks (simulated pids start at 1000)."""
CPU_TID_BASE = 100
"""CPU n's track is thread ``CPU_TID_BASE + n`` of :data:`CPU_PID` (tids must be unique
across the file: Perfetto names threads by tid alone, and tid 0 is its idle thread)."""
NO_TASK_TID = 99
"""The thread of :data:`CPU_PID` holding events that ran in no task's context."""

RUNNING, RUNNABLE, SLEEPING = "Running", "Runnable", "Sleeping"

COUNTERS: dict[str, tuple[str, str]] = {
    # kind: (track name with {key}, the args key: Perfetto names the track "<name> <key>")
    "counter_sq": ("ring {} SQ", "entries"),
    "counter_cq": ("ring {} CQ", "entries"),
    "counter_cq_overflow": ("ring {} CQ overflow", "cqes"),
    "counter_local_work": ("ring {} local work", "items"),
    "counter_task_work": ("task work {}", "items"),
}

_CONTEXT_KEYS = ("t", "event", "tid")  # not args: they place the event


def us(ns: int) -> float:
    """Nanoseconds as the format's microseconds (exact below 10**15 ns)."""
    return ns / 1000


def _category(kind: str) -> str:
    return kind.split("_", 1)[0]  # io_uring, sched, ipc, counter


def _plain(value: Any) -> Any:
    """An args value JSON can hold as it is; anything else as its ``str``."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


class _Builder:
    """Walks the sorted events once and collects the JSON events."""

    def __init__(self, result: SimResult) -> None:
        self.tasks = {t.tid: t for t in result.tasks}
        self.names = {t.pid: t.name for t in result.tasks if t.tid == t.pid}
        self.out: list[tuple[int, int, dict[str, Any]]] = []  # (ts ns, order, event)
        self.order = 0
        self.cpus: set[int] = set()
        self.cpu_slice: dict[int, tuple[int, int]] = {}  # cpu -> (start, tid) of its occupant
        self.state: dict[int, tuple[str, int]] = {}  # tid -> (state, since)
        self.used_no_task = False

    # -- output --------------------------------------------------------------
    def add(self, at: int, event: dict[str, Any]) -> None:
        self.out.append((at, self.order, event))
        self.order += 1

    def pid_of(self, tid: int) -> int:
        task = self.tasks.get(tid)
        return task.pid if task is not None else tid

    def slice(self, pid: int, tid: int, name: str, cat: str, start: int, end: int, args: dict[str, Any]) -> None:
        if end <= start:
            return
        event = {"ph": "X", "name": name, "cat": cat, "pid": pid, "tid": tid, "ts": us(start), "dur": us(end - start), "args": args}
        self.add(start, event)

    # -- scheduling ------------------------------------------------------------
    def set_state(self, tid: int, state: str | None, at: int) -> None:
        """End ``tid``'s current state slice at ``at`` and start ``state`` (None: dead)."""
        old = self.state.pop(tid, None)
        if old is not None:
            self.slice(self.pid_of(tid), tid, old[0], "state", old[1], at, {})
        if state is not None:
            self.state[tid] = (state, at)

    def switch(self, at: int, e: dict[str, Any]) -> None:
        cpu = e["cpu"]
        self.cpus.add(cpu)
        running = self.cpu_slice.pop(cpu, None)
        if running is not None:
            start, tid = running
            task = self.tasks.get(tid)
            name = task.name if task is not None else str(tid)
            self.slice(CPU_PID, CPU_TID_BASE + cpu, name, "sched", start, at, {"tid": tid, "pid": self.pid_of(tid)})
        prev, nxt = e["prev_pid"], e["next_pid"]
        if prev:
            prev_state = str(e.get("prev_state", "R"))
            state = RUNNABLE if prev_state.startswith("R") else None if prev_state in ("X", "Z") else SLEEPING
            self.set_state(prev, state, at)
        if nxt:
            self.cpu_slice[cpu] = (at, nxt)
            self.set_state(nxt, RUNNING, at)

    def wakeup(self, at: int, e: dict[str, Any]) -> None:
        tid = e["pid"]
        current = self.state.get(tid)
        if current is None or current[0] == SLEEPING:  # a running task woken before it slept stays running
            self.set_state(tid, RUNNABLE, at)

    # -- the walk ---------------------------------------------------------------
    def event(self, at: int, e: dict[str, Any]) -> None:
        kind = e["event"]
        if kind == "sched_switch":
            self.switch(at, e)
        elif kind in ("sched_wakeup", "sched_wakeup_new"):
            self.wakeup(at, e)
        counter = COUNTERS.get(kind)
        if counter is not None:
            track, key = counter
            owner = e["tid"] if kind == "counter_task_work" else e.get("ctx")
            pid = e.get("pid", CPU_PID)
            self.add(at, {"ph": "C", "name": track.format(owner), "cat": "counter", "pid": pid, "tid": pid, "ts": us(at), "args": {key: e["value"]}})
            return
        args = {k: _plain(v) for k, v in e.items() if k not in _CONTEXT_KEYS}
        if kind == "sched_switch":
            pid, tid = CPU_PID, CPU_TID_BASE + e["cpu"]
        elif e.get("tid") is not None:
            tid = e["tid"]
            pid = self.pid_of(tid)
        else:
            pid, tid = CPU_PID, NO_TASK_TID
            self.used_no_task = True
        self.add(at, {"ph": "i", "s": "t", "name": kind, "cat": _category(kind), "pid": pid, "tid": tid, "ts": us(at), "args": args})

    def close(self, end: int) -> None:
        """End every open slice at ``end``."""
        for cpu in sorted(self.cpu_slice):
            start, tid = self.cpu_slice[cpu]
            task = self.tasks.get(tid)
            name = task.name if task is not None else str(tid)
            self.slice(CPU_PID, CPU_TID_BASE + cpu, name, "sched", start, end, {"tid": tid, "pid": self.pid_of(tid)})
        self.cpu_slice.clear()
        for tid in sorted(self.state):
            self.set_state(tid, None, end)

    # -- metadata ---------------------------------------------------------------
    def metadata(self) -> list[dict[str, Any]]:
        meta: list[dict[str, Any]] = []

        def name(kind: str, pid: int, tid: int, value: str, sort: int) -> None:
            meta.append({"ph": "M", "name": kind, "pid": pid, "tid": tid, "args": {"name": value}})
            sort_kind = "process_sort_index" if kind == "process_name" else "thread_sort_index"
            meta.append({"ph": "M", "name": sort_kind, "pid": pid, "tid": tid, "args": {"sort_index": sort}})

        name("process_name", CPU_PID, CPU_PID, "CPUs", -1)
        for cpu in sorted(self.cpus):
            name("thread_name", CPU_PID, CPU_TID_BASE + cpu, f"CPU {cpu}", cpu)
        if self.used_no_task:
            name("thread_name", CPU_PID, NO_TASK_TID, "no task (timers)", 1_000_000)
        pids = sorted({t.pid for t in self.tasks.values()})
        for pid in pids:
            name("process_name", pid, pid, self.names.get(pid, f"process {pid}"), pid)
        for tid in sorted(self.tasks):
            task = self.tasks[tid]
            name("thread_name", task.pid, tid, task.name, tid)
        return meta


def chrome_trace(result: SimResult, *, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """The Chrome trace-event document of ``result`` (run with tracing on)."""
    builder = _Builder(result)
    cut = result.trace_dropped_from
    end = result.sim_time_ns if cut is None else cut
    events: Iterable[dict[str, Any]] = sorted(result.trace, key=lambda e: e["t"])  # stable: recording order breaks ties
    for e in events:
        at = e["t"]
        if cut is not None and at >= cut:
            break
        builder.event(at, e)
    builder.close(end)
    if result.trace_dropped:
        marker = {"dropped": result.trace_dropped, "limit": result.trace_limit}
        builder.add(end, {"ph": "i", "s": "g", "name": "trace cap reached", "cat": "trace", "pid": CPU_PID, "tid": CPU_PID, "ts": us(end), "args": marker})
    body = [event for _at, _order, event in sorted(builder.out, key=lambda x: (x[0], x[1]))]
    other = {
        "simuring_version": result.version,
        "host": result.host,
        "seed": result.seed,
        "sim_time_ns": result.sim_time_ns,
        "trace_events": len(result.trace),
        "trace_dropped": result.trace_dropped,
        "trace_limit": result.trace_limit,
        "trace_complete_until_ns": cut,
        **(metadata or {}),
    }
    return {"traceEvents": builder.metadata() + body, "otherData": other}


def dumps(document: dict[str, Any]) -> str:
    """The document as text: sorted keys, no spaces, one event per line (diffable)."""
    events = document["traceEvents"]
    rest = {k: v for k, v in document.items() if k != "traceEvents"}
    lines = [json.dumps(e, sort_keys=True, separators=(",", ":"), allow_nan=False) for e in events]
    head = json.dumps(rest, sort_keys=True, separators=(",", ":"), allow_nan=False)[:-1]  # "{...", keys before "traceEvents"
    return head + ("," if rest else "") + '"traceEvents":[\n' + ",\n".join(lines) + "\n]}\n"


def write_chrome_trace(path: str | Path, result: SimResult, *, metadata: dict[str, Any] | None = None) -> int:
    """Write ``result``'s trace to ``path``; returns the number of trace events written."""
    document = chrome_trace(result, metadata=metadata)
    Path(path).write_text(dumps(document), encoding="utf-8")
    return len(document["traceEvents"])
