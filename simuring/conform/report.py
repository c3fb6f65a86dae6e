"""The outcome of a conformance run: one :class:`ScenarioResult` per scenario, in a :class:`Report`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from simuring.conform.compare import Difference
from simuring.conform.observe import Observation

SAME = "same"
DIFFERS = "differs"
KNOWN = "known"
SIM_ONLY = "sim-only"
ERROR = "error"

#: Results that fail a run (exit status 1).
FAILING = frozenset({DIFFERS, ERROR})

#: Modes of a run.
COMPARE = "compare"
SIM_ONLY_MODE = "sim-only"
UNAVAILABLE = "unavailable"


@dataclass
class ScenarioResult:
    """One scenario: its two observation lists side by side, and the verdict.

    ``status`` is ``same``, ``differs`` (an unexplained difference, the
    simulator raised, or in sim-only mode an unmet expectation), ``known``
    (the difference is listed in the known-differences file, ``reason``
    says why), ``sim-only`` (the simulated side ran alone and met its
    expectations), or ``error`` (the scenario itself failed on the real
    kernel: a bug of the scenario or of the harness, not of the simulator).
    """

    name: str
    tags: tuple[str, ...]
    doc: str
    status: str
    sim: list[Observation]
    real: list[Observation] | None = None
    difference: Difference | None = None
    reason: str = ""

    @property
    def failed(self) -> bool:
        return self.status in FAILING

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "tags": list(self.tags),
            "doc": self.doc,
            "status": self.status,
            "difference": self.difference.to_dict() if self.difference else None,
            "reason": self.reason,
            "real": [o.to_dict() for o in self.real] if self.real is not None else None,
            "sim": [o.to_dict() for o in self.sim],
        }


@dataclass
class Report:
    """A whole run.  ``kernel`` describes the real kernel, or why it was not used."""

    mode: str
    kernel: str
    results: list[ScenarioResult] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """Something differs that the known-differences file does not explain."""
        return any(r.failed for r in self.results)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.results:
            out[r.status] = out.get(r.status, 0) + 1
        return out

    def summary(self) -> str:
        if self.mode == UNAVAILABLE:
            return f"io_uring is not available: {self.kernel}; nothing compared"
        counts = self.counts()
        parts = [f"{counts[k]} {k}" for k in (SAME, SIM_ONLY, KNOWN, DIFFERS, ERROR) if counts.get(k)]
        where = "simulator only" if self.mode == SIM_ONLY_MODE else f"real kernel: {self.kernel}"
        return f"{len(self.results)} scenarios ({where}): " + (", ".join(parts) or "none")

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "kernel": self.kernel,
            "summary": self.summary(),
            "failed": self.failed,
            "counts": self.counts(),
            "results": [r.to_dict() for r in self.results],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False)
