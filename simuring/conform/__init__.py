"""Conformance: the same scenarios on the real kernel and in the simulator, and where they differ.

``run(pattern=None) -> Report`` runs the scenario library (or the part
``pattern`` selects) on this machine's kernel through ctypes
(:mod:`simuring.conform.real`) and in a ``Simulation``
(:mod:`simuring.conform.sim_backend`), and compares what each observed
(:mod:`simuring.conform.compare`).  Scenarios are generator functions of one
argument, the API namespace ``L``, registered with
:func:`~simuring.conform.registry.scenario`.  See docs/conformance.md.
"""

from __future__ import annotations

from simuring.conform.registry import Scenario, all_scenarios, scenario, select
from simuring.conform.report import Report, ScenarioResult
from simuring.conform.runner import NoScenarioMatches, run

__all__ = ["NoScenarioMatches", "Report", "Scenario", "ScenarioResult", "all_scenarios", "run", "scenario", "select"]
