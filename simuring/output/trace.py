"""The optional event trace (off by default, so long runs keep flat memory).

With tracing on, the kernel, the host scheduler and the plug-ins record one
dict per event: ``{"t": ns, "event": kind, **fields}``.  The io_uring events
carry the names and fields of the kernel's tracepoints
(``include/trace/events/io_uring.h``), the scheduler's those of
``sched_switch`` / ``sched_wakeup`` (``include/trace/events/sched.h``), so a
simulated run reads like a real ``perf record -e 'io_uring:*'`` capture
(docs/tracing.md lists every event, its fields and where it fires).  A field
``tid`` names the task in whose context the event fired (absent or None: a
timer, no task).  Counter samples (``counter_*``, a ``value`` field) are
recorded only when the value changes.

The list is in the order the events were recorded, which is not always the
order of ``t``: an event is stamped with its task's in-burst instant
(``Task.now()``), ahead of the clock.  ``output/perfetto.py`` sorts them.

Cost when off: every site tests ``tracer.enabled`` (one attribute) before it
builds anything.  A cap (``limit``) bounds memory: past it events are counted
in ``dropped`` (and the earliest instant among them kept in
``dropped_from``), and the run's summary and JSON say so.  ``kinds``, when
given, keeps only those kinds (``--trace-filter``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from typing import Any

from mypy_extensions import mypyc_attr

DEFAULT_LIMIT = 1_000_000
"""Events a trace keeps at most (about 300 bytes each): past it they are counted, not kept."""

CORE_EVENTS: dict[str, str] = {
    # io_uring tracepoints, under the kernel's names (include/trace/events/io_uring.h)
    "io_uring_create": "a ring was created (io_uring_setup)",
    "io_uring_submit_req": "an SQE became a request and is submitted (io_submit_sqe)",
    "io_uring_req_failed": "an SQE failed at submission (io_submit_fail_init)",
    "io_uring_link": "a request joined a link chain (io_submit_sqe)",
    "io_uring_fail_link": "a chain member is cancelled by its failed predecessor (io_fail_links)",
    "io_uring_defer": "a request waits in the drain queue (io_drain_req)",
    "io_uring_queue_async_work": "a request is punted to io-wq (io_queue_iowq)",
    "io_uring_poll_arm": "a request waits for its file through fast poll (io_arm_poll_handler)",
    "io_uring_task_add": "a poll wake-up queued the request's task work (__io_poll_execute)",
    "io_uring_task_work_run": "a task ran its io_uring task work (tctx_task_work)",
    "io_uring_local_work_run": "a DEFER_TASKRUN ring's owner ran its deferred work (__io_run_local_work)",
    "io_uring_complete": "a CQE was written to the CQ ring (io_fill_cqe_req)",
    "io_uring_cqe_overflow": "a CQE went to the overflow list, the CQ being full (io_cqe_overflow)",
    "io_uring_cqring_wait": "a task starts waiting for CQEs (io_cqring_wait)",
    # the scheduler (include/trace/events/sched.h)
    "sched_switch": "a CPU switches from one task (or idle) to another (__schedule)",
    "sched_wakeup": "a sleeping task is woken (try_to_wake_up)",
    "sched_wakeup_new": "a new task is ready to run for the first time (wake_up_new_task)",
    # counters: one sample per change of value
    "counter_sq": "SQEs the kernel sees in a ring's SQ (tail - head), at each look",
    "counter_cq": "CQEs in a ring's CQ not yet consumed (tail - head), at each look",
    "counter_cq_overflow": "CQEs waiting on a ring's overflow list",
    "counter_local_work": "items on a DEFER_TASKRUN ring's deferred work list",
    "counter_task_work": "items of io_uring task work queued on a task",
}
"""The event kinds the kernel core and the host record, with a line each.
Plug-ins add theirs (``PluginRegistry.add_trace_event``)."""


@mypyc_attr(native_class=False)  # compiled, a class can derive from ValueError only so
class UnknownTraceKind(ValueError):
    """A ``--trace-filter`` entry that names no known event kind."""


def select_kinds(patterns: str | Iterable[str], known: Iterable[str]) -> frozenset[str]:
    """The kinds of ``known`` that ``patterns`` selects.

    ``patterns`` is a comma-separated string or a list of entries; an entry is
    an event kind (``io_uring_complete``) or a shell-style pattern
    (``io_uring_*``, ``sched_*``).  An entry that selects nothing raises
    :class:`UnknownTraceKind` naming it and listing the known kinds."""
    entries = [p.strip() for p in (patterns.split(",") if isinstance(patterns, str) else patterns)]
    entries = [p for p in entries if p]
    names = sorted(set(known))
    chosen: set[str] = set()
    for entry in entries:
        hit = [k for k in names if fnmatchcase(k, entry)]
        if not hit:
            raise UnknownTraceKind(
                f"unknown trace event kind {entry!r}; known kinds: {', '.join(names)} "
                "(a pattern such as 'io_uring_*' selects several)"
            )
        chosen.update(hit)
    if not chosen:
        raise UnknownTraceKind("empty trace filter: name at least one event kind (e.g. 'io_uring_*,sched_*')")
    return frozenset(chosen)


class Tracer:
    """Records events when ``enabled``; ``emit`` is a no-op otherwise."""

    def __init__(
        self,
        enabled: bool = False,
        limit: int = DEFAULT_LIMIT,
        kinds: Iterable[str] | None = None,
        known: Mapping[str, str] | None = None,
    ) -> None:
        if limit < 0:
            raise ValueError(f"trace limit must be >= 0, got {limit}")
        self.enabled = enabled
        self.limit = limit
        self.kinds: frozenset[str] | None = None if kinds is None else frozenset(kinds)
        """The kinds kept (None: all)."""
        self.known: dict[str, str] = dict(CORE_EVENTS if known is None else known)
        """Every kind this simulation can record, with its description."""
        self.events: list[dict[str, Any]] = []
        self.dropped = 0
        """Events past the cap: counted, not kept."""
        self.dropped_from: int | None = None
        """The earliest instant of a dropped event: the trace is whole before it."""
        self._last: dict[tuple[str, int], int] = {}  # a counter's last value, by (kind, key)

    def wants(self, kind: str) -> bool:
        """True when an event of ``kind`` would be recorded (tracing on, kind not filtered out)."""
        return self.enabled and (self.kinds is None or kind in self.kinds)

    def emit(self, at: int, kind: str, **fields: Any) -> None:
        """Record one event at instant ``at`` (ns).  Callers on hot paths test
        ``enabled`` first, so that nothing is built when tracing is off."""
        if not self.enabled:
            return
        kinds = self.kinds
        if kinds is not None and kind not in kinds:
            return
        if len(self.events) >= self.limit:
            self.dropped += 1
            if self.dropped_from is None or at < self.dropped_from:
                self.dropped_from = at
            return
        self.events.append({"t": at, "event": kind, **fields})

    def counter(self, at: int, kind: str, key: int, value: int, **fields: Any) -> None:
        """Record counter ``kind`` of object ``key`` (a ring id, a tid) when its value changed."""
        if not self.enabled:
            return
        kinds = self.kinds
        if kinds is not None and kind not in kinds:
            return
        slot = (kind, key)
        if self._last.get(slot) == value:
            return
        self._last[slot] = value
        self.emit(at, kind, **fields, value=value)
