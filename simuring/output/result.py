"""The result of :meth:`Simulation.run`.

``SimResult`` holds the simulated time, the profile and seed used, one
:class:`TaskResult` per task (user tasks and kernel threads), per-CPU busy
time, per-ring counters and, when enabled, the trace.  ``to_dict`` /
``to_json`` give a stable, sorted JSON document: the same seed and inputs
give byte-identical output.
"""

from __future__ import annotations

import json
from typing import Any

from attrs import define, field

from simuring.output.metrics import Histogram


@define
class TaskResult:
    name: str
    tid: int
    pid: int
    kthread: bool
    cpu_ns: int
    context_switches: int
    stats: dict[str, Any]
    value: Any = None
    """What the task's function returned (``return x`` at the end of the generator)."""
    helper: bool = False
    """Spawned with ``helper=True``: it serves the workload and is not measured."""
    latency: Histogram | None = None
    """The completion latencies (``stats["latency_ns"]`` summarises them)."""

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": self.name,
            "tid": self.tid,
            "pid": self.pid,
            "kthread": self.kthread,
            "cpu_ns": self.cpu_ns,
            "context_switches": self.context_switches,
            "helper": self.helper,
            **self.stats,
        }
        if _jsonable(self.value):
            d["returned"] = self.value
        return d


@define
class SimResult:
    sim_time_ns: int
    seed: int
    host: str
    tasks: list[TaskResult]
    cpus: list[dict[str, int]]
    rings: list[dict[str, Any]]
    params: dict[str, Any] = field(factory=dict)
    trace: list[dict[str, Any]] = field(factory=list)
    trace_enabled: bool = False
    trace_dropped: int = 0
    """Events past the trace's cap (``trace_limit``): counted, not kept."""
    trace_limit: int = 0
    """The trace's cap (events kept at most)."""
    trace_dropped_from: int | None = None
    """The earliest instant of a dropped event (None: none dropped): the trace is whole before it."""
    extra: dict[str, Any] = field(factory=dict)
    """Workload-defined figures (``sim.report(key, value)``)."""
    overrides: list[str] = field(factory=list)
    """The ``--set section.key=value`` overrides applied to the profile, as given."""
    profile_hash: str = ""
    """:meth:`CostModel.content_hash` of the profile the run used (overrides applied)."""
    version: str = ""
    """The simuring version that produced the result."""

    def task(self, name: str) -> TaskResult:
        for t in self.tasks:
            if t.name == name:
                return t
        raise KeyError(f"no task named {name!r} (tasks: {', '.join(t.name for t in self.tasks)})")

    def benchmark_tasks(self) -> list[TaskResult]:
        """The measured tasks: user tasks not spawned with ``helper=True``."""
        return [t for t in self.tasks if not t.kthread and not t.helper]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "simuring_version": self.version,
            "sim_time_ns": self.sim_time_ns,
            "seed": self.seed,
            "host": self.host,
            "profile_hash": self.profile_hash,
            "overrides": self.overrides,
            "params": self.params,
            "tasks": [t.to_dict() for t in self.tasks],
            "cpus": self.cpus,
            "rings": self.rings,
            "reported": self.extra,
        }
        if self.trace_enabled:
            d["trace"] = self.trace
            d["trace_dropped"] = self.trace_dropped
            d["trace_limit"] = self.trace_limit
            d["trace_dropped_from_ns"] = self.trace_dropped_from
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, indent=2, default=str)

    def to_row(self) -> dict[str, Any]:
        """One flat record of the run: provenance, parameters, overrides, the
        workload's figures and the benchmark tasks' latencies (see
        :func:`simuring.output.row.result_row`)."""
        from simuring.output.row import result_row

        return result_row(self)

    def to_frame(self) -> Any:
        """:meth:`to_row` as a one-row ``pandas.DataFrame`` (needs pandas:
        ``pip install 'simuring[sweep]'``)."""
        try:
            import pandas
        except ImportError:
            raise ImportError("SimResult.to_frame() needs pandas: pip install 'simuring[sweep]'") from None
        return pandas.DataFrame([self.to_row()])


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return value is not None
