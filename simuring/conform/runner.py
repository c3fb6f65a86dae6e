"""``run(pattern)``: run the selected scenarios on both sides and compare.

Each side of each scenario runs under a wall-clock watchdog
(:mod:`simuring.conform.watchdog`), so neither a blocked real scenario nor a
livelocked simulator hangs the run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from simuring.conform.compare import (
    REAL_RAISED,
    SIM_RAISED,
    expectation_difference,
    first_difference,
    raised,
)
from simuring.conform.known import load_known
from simuring.conform.observe import Observation
from simuring.conform.registry import Scenario, select
from simuring.conform.report import (
    COMPARE,
    DIFFERS,
    ERROR,
    KNOWN,
    SAME,
    SIM_ONLY,
    SIM_ONLY_MODE,
    UNAVAILABLE,
    Report,
    ScenarioResult,
)
from simuring.conform.watchdog import ScenarioTimeout, watchdog

#: Wall-clock seconds a side of one scenario may take.
DEFAULT_TIMEOUT_S = 10.0


class NoScenarioMatches(LookupError):
    """The pattern selects no scenario."""


def guarded(side: Callable[[Scenario], tuple[list[Observation], str | None]], sc: Scenario, seconds: float) -> tuple[list[Observation], str | None]:
    try:
        with watchdog(seconds):
            return side(sc)
    except ScenarioTimeout as exc:  # fired outside the side's own handler
        return [], f"ScenarioTimeout: {exc}"


def compare_one(
    sc: Scenario,
    real: list[Observation],
    real_error: str | None,
    sim: list[Observation],
    sim_error: str | None,
    known: dict[str, str],
) -> ScenarioResult:
    """The verdict on one scenario from both sides' observations."""
    result = ScenarioResult(sc.name, sc.tags, sc.doc, SAME, sim=sim, real=real)
    if real_error is not None:
        result.status = ERROR
        result.difference = raised(REAL_RAISED, len(real), real_error, sim)
        return result
    diff = first_difference(real, sim, unordered_cqes=sc.unordered_cqes)
    if sim_error is not None:
        if diff is not None and diff.index < len(sim):
            # the runs parted before the exception: show where, and name the exception
            diff = replace(diff, note=f"then the simulator raised {sim_error}")
        else:
            diff = raised(SIM_RAISED, len(sim), sim_error, real)
    if diff is None:
        return result
    result.difference = diff
    if sc.name in known:
        result.status, result.reason = KNOWN, known[sc.name]
    else:
        result.status = DIFFERS
    return result


def check_sim_only(sc: Scenario, sim: list[Observation], sim_error: str | None) -> ScenarioResult:
    """The verdict on the simulated side alone: it ran, and met the scenario's expectations."""
    result = ScenarioResult(sc.name, sc.tags, sc.doc, SIM_ONLY, sim=sim)
    if sim_error is not None:
        result.status, result.difference = DIFFERS, raised(SIM_RAISED, len(sim), sim_error, [])
        return result
    diff = expectation_difference(dict(sc.expect), sim)
    if diff is not None:
        result.status, result.difference = DIFFERS, diff
    return result


def run(
    pattern: str | None = None,
    *,
    sim_only: bool = False,
    known: str | Path | dict[str, str] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> Report:
    """Run the scenarios ``pattern`` selects (all by default) and compare real kernel and simulator.

    With ``sim_only`` the simulated side runs alone.  Without it, when
    io_uring cannot be used on this machine the report says why and holds no
    result.  ``known`` overrides the known-differences file (a path or a
    mapping).  Raises :class:`NoScenarioMatches` when ``pattern`` selects
    nothing.
    """
    from simuring.conform.sim_backend import run_sim

    scenarios = select(pattern)
    if not scenarios:
        raise NoScenarioMatches(f"no scenario matches {pattern!r}")
    known_map = known if isinstance(known, dict) else load_known(known)
    if sim_only:
        report = Report(SIM_ONLY_MODE, "not used")
        for sc in scenarios:
            report.results.append(check_sim_only(sc, *guarded(run_sim, sc, timeout_s)))
        return report
    from simuring.conform.real import availability

    ok, kernel = availability()
    if not ok:
        return Report(UNAVAILABLE, kernel)
    from simuring.conform.real.backend import run_real

    report = Report(COMPARE, kernel)
    for sc in scenarios:
        real, real_error = guarded(run_real, sc, timeout_s)
        sim, sim_error = guarded(run_sim, sc, timeout_s)
        report.results.append(compare_one(sc, real, real_error, sim, sim_error, known_map))
    return report


__all__ = ["DEFAULT_TIMEOUT_S", "guarded", "NoScenarioMatches", "ScenarioTimeout", "compare_one", "check_sim_only", "run", "watchdog"]
