"""A strict check of Chrome trace-event JSON, as simuring writes it for Perfetto.

The ``perfetto`` package's TraceProcessor would be the real parser, but it
downloads its ``trace_processor_shell`` binary on first use, which fails
without internet access (the machines that run these tests have none).  So
the tests check the format itself, as the Trace Event Format document and
Perfetto's JSON importer (``json_trace_parser_impl.cc``) read it:

* the document is strict JSON (no NaN/Infinity) with a ``traceEvents`` list;
* every event has a known phase and that phase's keys with their types:
  ``M`` (process_name/thread_name with ``args.name``, *_sort_index with
  ``args.sort_index``), ``X`` (``ts``, ``dur`` > 0), ``i`` (scope ``s`` t/p/g),
  ``C`` (``args`` of numbers);
* every pid has a ``process_name``, every (pid, tid) with slices or thread
  instants a ``thread_name``; a tid belongs to one pid only (Perfetto names
  threads by tid), and neither pid nor tid is 0 (Perfetto's idle task);
* the ``X`` slices of one thread never overlap (Perfetto requires slices on a
  track to nest; ours are sequential);
* timestamps are >= 0.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

PHASES = {"M", "X", "i", "C"}
META_NAMES = {"process_name", "thread_name", "process_sort_index", "thread_sort_index"}


@dataclass
class TraceSummary:
    """What a checked trace holds."""

    processes: dict[int, str] = field(default_factory=dict)  # pid -> name
    threads: dict[int, tuple[int, str]] = field(default_factory=dict)  # tid -> (pid, name)
    instants: set[str] = field(default_factory=set)  # names of "i" events
    instant_threads: dict[str, set[str]] = field(default_factory=dict)  # instant name -> thread names
    slices: dict[str, set[str]] = field(default_factory=dict)  # thread name -> X slice names
    counters: set[str] = field(default_factory=set)  # "<name> <arg key>", as Perfetto names the tracks
    other: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)

    def thread_names(self) -> set[str]:
        return {name for _pid, name in self.threads.values()}


def _reject_constant(name: str) -> Any:
    raise AssertionError(f"non-standard JSON constant {name}")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_chrome_trace(text: str) -> TraceSummary:
    """Check ``text`` strictly; returns what it holds (an AssertionError names the first fault)."""
    doc = json.loads(text, parse_constant=_reject_constant)
    assert isinstance(doc, dict), "the document is an object"
    events = doc.get("traceEvents")
    assert isinstance(events, list) and events, "traceEvents is a non-empty list"
    other = doc.get("otherData", {})
    assert isinstance(other, dict), "otherData is an object"
    summary = TraceSummary(other=other, events=events)
    used_threads: set[tuple[int, int]] = set()
    used_pids: set[int] = set()
    slices: dict[tuple[int, int], list[tuple[float, float, str]]] = {}
    for n, e in enumerate(events):
        where = f"event {n} {e!r:.200}"
        assert isinstance(e, dict), where
        ph = e.get("ph")
        assert ph in PHASES, f"{where}: unknown phase {ph!r}"
        assert isinstance(e.get("name"), str) and e["name"], f"{where}: name"
        pid = e.get("pid")
        assert _int(pid) and pid > 0, f"{where}: pid must be a positive int"
        used_pids.add(pid)
        args = e.get("args")
        assert isinstance(args, dict), f"{where}: args must be an object"
        if ph == "M":
            assert e["name"] in META_NAMES, f"{where}: metadata name"
            tid = e.get("tid")
            assert _int(tid) and tid > 0, f"{where}: tid"
            if e["name"] == "process_name":
                assert isinstance(args.get("name"), str), f"{where}: args.name"
                summary.processes[pid] = args["name"]
            elif e["name"] == "thread_name":
                assert isinstance(args.get("name"), str), f"{where}: args.name"
                assert tid not in summary.threads or summary.threads[tid][0] == pid, f"{where}: tid {tid} in two processes"
                summary.threads[tid] = (pid, args["name"])
            else:
                assert _int(args.get("sort_index")), f"{where}: args.sort_index"
            continue
        ts = e.get("ts")
        assert _number(ts) and ts >= 0, f"{where}: ts must be a number >= 0"
        assert isinstance(e.get("cat"), str), f"{where}: cat"
        if ph == "C":
            assert args and all(_number(v) for v in args.values()), f"{where}: counter args must be numbers"
            summary.counters.update(f"{e['name']} {k}" for k in args)
            continue
        tid = e.get("tid")
        if ph == "X":
            dur = e.get("dur")
            assert _number(dur) and dur > 0, f"{where}: dur must be a number > 0"
            assert _int(tid) and tid > 0, f"{where}: tid"
            used_threads.add((pid, tid))
            slices.setdefault((pid, tid), []).append((ts, ts + dur, e["name"]))
            continue
        scope = e.get("s")
        assert scope in ("t", "p", "g"), f"{where}: instant scope"
        if scope == "t":
            assert _int(tid) and tid > 0, f"{where}: a thread instant needs a tid"
            used_threads.add((pid, tid))
        summary.instants.add(e["name"])
    for pid in used_pids:
        assert pid in summary.processes, f"pid {pid} has no process_name"
    for pid, tid in used_threads:
        assert tid in summary.threads, f"thread {tid} (pid {pid}) has no thread_name"
        assert summary.threads[tid][0] == pid, f"thread {tid} is named in pid {summary.threads[tid][0]}, used in pid {pid}"
    for (_pid, tid), spans in slices.items():
        spans.sort()
        for (_s0, e0, n0), (s1, _e1, n1) in zip(spans, spans[1:], strict=False):
            assert s1 >= e0 - 1e-9, f"thread {tid}: slice {n1!r} at {s1} overlaps {n0!r} ending at {e0}"
        summary.slices.setdefault(summary.threads[tid][1], set()).update(name for _s, _e, name in spans)
    for e in events:
        if e["ph"] == "i" and e.get("s") == "t":
            summary.instant_threads.setdefault(e["name"], set()).add(summary.threads[e["tid"]][1])
    return summary
