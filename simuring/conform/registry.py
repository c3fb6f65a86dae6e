"""The scenario library: ``@scenario(name, tags=...)`` and selection by pattern.

A scenario is a generator function of one argument, the API namespace ``L``
(:mod:`simuring.conform.api`).  Its docstring says what it checks.  Options:

* ``expect``: ``{label: value}`` for some of its ``L.record`` labels, the
  values the man pages promise.  ``--sim-only`` checks the simulator
  against them; the real kernel is checked against them by the tests (the
  kernel decides when they disagree: fix the expectation).
* ``unordered_cqes``: the man page leaves the order of these completions
  open, so they are compared as a multiset (calls and records keep their
  order).  Use it only where the order is really unspecified.
"""

from __future__ import annotations

import fnmatch
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any

ScenarioFn = Callable[[Any], Generator[Any, Any, Any]]


@dataclass(frozen=True)
class Scenario:
    name: str
    fn: ScenarioFn
    tags: tuple[str, ...] = ()
    doc: str = ""
    expect: Mapping[str, Any] = field(default_factory=dict)
    unordered_cqes: bool = False
    area: str = ""


_REGISTRY: dict[str, Scenario] = {}


def scenario(
    name: str,
    tags: tuple[str, ...] = (),
    *,
    expect: Mapping[str, Any] | None = None,
    unordered_cqes: bool = False,
) -> Callable[[ScenarioFn], ScenarioFn]:
    """Register the decorated generator function as scenario ``name``."""

    def register(fn: ScenarioFn) -> ScenarioFn:
        if name in _REGISTRY and _REGISTRY[name].fn is not fn:
            raise ValueError(f"scenario {name!r} is defined twice")
        if not inspect.isgeneratorfunction(fn):
            raise TypeError(f"scenario {name!r} must be a generator function (kernel calls use 'yield from')")
        doc = " ".join((fn.__doc__ or "").split())
        if not doc:
            raise ValueError(f"scenario {name!r} needs a docstring saying what it checks")
        area = fn.__module__.rsplit(".", 1)[-1]
        _REGISTRY[name] = Scenario(name, fn, tuple(tags), doc, dict(expect or {}), unordered_cqes, area)
        return fn

    return register


def all_scenarios() -> list[Scenario]:
    """Every scenario of the library (the area modules are imported on first use), by name."""
    from simuring.conform import scenarios as package

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")
    return sorted(_REGISTRY.values(), key=lambda s: s.name)


def matches(sc: Scenario, pattern: str) -> bool:
    """``pattern`` selects ``sc``: a substring or glob of its name, or one of its tags or its area."""
    if pattern in sc.tags or pattern == sc.area:
        return True
    if any(ch in pattern for ch in "*?["):
        return fnmatch.fnmatchcase(sc.name, pattern)
    return pattern in sc.name


def select(pattern: str | None = None) -> list[Scenario]:
    """The scenarios ``pattern`` selects (all when None)."""
    scenarios = all_scenarios()
    if pattern is None:
        return scenarios
    return [sc for sc in scenarios if matches(sc, pattern)]
