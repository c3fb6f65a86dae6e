"""Comparing two observation lists: the first difference, or None.

The lists are compared position by position.  A scenario marked
``unordered_cqes`` has its completions compared as a multiset: the calls
and records keep their order, and the completions follow them sorted, so a
difference index refers to that arrangement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simuring.conform.observe import Observation

#: Difference kinds.
OBSERVATION = "observation"
SIM_RAISED = "simulator raised"
REAL_RAISED = "real kernel run raised"
EXPECTATION = "expectation"


@dataclass(frozen=True)
class Difference:
    """The first place where two runs disagree.

    ``real`` and ``sim`` are one-line descriptions (``"(nothing)"`` when that
    side has no observation at ``index``); for an unmet expectation
    (``--sim-only``), ``real`` is the expected value.
    """

    kind: str
    index: int
    label: str
    real: str
    sim: str
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "index": self.index,
            "label": self.label,
            "real": self.real,
            "sim": self.sim,
            "note": self.note,
        }

    def describe(self) -> str:
        if self.kind == SIM_RAISED:
            text = f"simulator raised at observation #{self.index}: {self.sim}"
        elif self.kind == REAL_RAISED:
            text = f"the real kernel run raised at observation #{self.index}: {self.real}"
        elif self.kind == EXPECTATION:
            text = f"#{self.index} {self.label}: expected {self.real}, sim {self.sim}"
        else:
            text = f"#{self.index} {self.label}: real {self.real}, sim {self.sim}"
        return f"{text} ({self.note})" if self.note else text


NOTHING = "(nothing)"


def arranged(observations: list[Observation], unordered_cqes: bool) -> list[Observation]:
    """The list as compared: unchanged, or with its completions sorted after everything else."""
    if not unordered_cqes:
        return list(observations)
    rest = [o for o in observations if o.kind != "cqe"]
    cqes = sorted((o for o in observations if o.kind == "cqe"), key=lambda o: repr(o.value))
    return rest + cqes


def first_difference(real: list[Observation], sim: list[Observation], *, unordered_cqes: bool = False) -> Difference | None:
    """The first observation that differs between the two lists, or None when they agree."""
    a, b = arranged(real, unordered_cqes), arranged(sim, unordered_cqes)
    for i in range(max(len(a), len(b))):
        ra = a[i] if i < len(a) else None
        sb = b[i] if i < len(b) else None
        if ra == sb:
            continue
        label = _label(ra, sb)
        return Difference(OBSERVATION, i, label, _side(ra, label), _side(sb, label))
    return None


def _label(ra: Observation | None, sb: Observation | None) -> str:
    if ra is not None and sb is not None and ra.title() != sb.title():
        return f"{ra.title()} / {sb.title()}"
    present = ra if ra is not None else sb
    return present.title() if present is not None else ""


def _side(obs: Observation | None, label: str) -> str:
    if obs is None:
        return NOTHING
    return obs.show() if obs.title() == label else obs.describe()


def raised(kind: str, at: int, error: str, other: list[Observation]) -> Difference:
    """A difference for a run that raised after ``at`` observations (``other`` is the run that did not)."""
    nxt = other[at].describe() if at < len(other) else NOTHING
    if kind == SIM_RAISED:
        return Difference(SIM_RAISED, at, "exception", nxt, error)
    return Difference(REAL_RAISED, at, "exception", error, nxt)


def expectation_difference(expect: dict[str, Any], observed: list[Observation]) -> Difference | None:
    """The first ``L.record`` label whose recorded value is not the expected one (``real`` is the expectation)."""
    for label, want in expect.items():
        values = [o.value for o in observed if o.kind == "record" and o.label == label]
        got: Any = values[0] if len(values) == 1 else values if values else None
        if not values or got != want:
            index = next((i for i, o in enumerate(observed) if o.kind == "record" and o.label == label), len(observed))
            return Difference(EXPECTATION, index, f"record {label}", repr(want), repr(got) if values else NOTHING)
    return None
