"""The simulated side of every scenario runs without a Python exception (and deterministically)."""

from __future__ import annotations

from collections import Counter

import pytest

from simuring.conform.api import CLASSES, CONSTANTS, ENTERING, PLAIN
from simuring.conform.observe import Recorder
from simuring.conform.registry import all_scenarios, scenario
from simuring.conform.sim_backend import run_sim, sim_api
from simuring.conform.watchdog import watchdog

SCENARIOS = all_scenarios()

#: A livelocked simulator must not stall the suite: each run gets this many wall-clock seconds.
LIMIT_S = 3.0


def test_the_library_is_large_enough_and_documented() -> None:
    assert len(SCENARIOS) >= 100
    for sc in SCENARIOS:
        assert sc.doc and sc.tags, sc.name


def test_every_area_of_the_issue_is_covered() -> None:
    """Issue 9 asks for cancel, poll, timeouts, MSG_RING, overflow, setup, enter, fixed files, pipes,
    sockets and eventfd: each tag keeps a floor of scenarios so coverage does not silently shrink."""
    tags = Counter(tag for sc in SCENARIOS for tag in sc.tags)
    floors = {
        "cancel": 15, "poll": 15, "timeouts": 20, "msg_ring": 8, "overflow": 6, "setup": 25, "setup-flags": 20,
        "enter": 8, "files": 6, "pipe": 15, "socket": 5, "eventfd": 5,
    }  # fmt: skip
    short = {tag: (tags[tag], floor) for tag, floor in floors.items() if tags[tag] < floor}
    assert not short, f"tags below their floor (have, floor): {short}"


def test_scenarios_need_a_docstring_and_a_unique_name() -> None:
    def body(L):  # no docstring
        yield from ()

    with pytest.raises(ValueError, match="docstring"):
        scenario("conform-test-undocumented")(body)
    with pytest.raises(TypeError, match="generator function"):
        scenario("conform-test-plain")(lambda L: None)
    with pytest.raises(ValueError, match="twice"):
        scenario(SCENARIOS[0].name)(SCENARIOS[1].fn)


def test_the_sim_namespace_offers_every_name() -> None:
    L = sim_api(Recorder())
    for name in (*ENTERING, *PLAIN, *CLASSES, *CONSTANTS, "record"):
        assert hasattr(L, name), name


@pytest.mark.parametrize("sc", SCENARIOS, ids=lambda s: s.name)
def test_sim_side_runs_without_exception(sc) -> None:
    with watchdog(LIMIT_S):
        observations, error = run_sim(sc)
    assert error is None, f"{sc.name}: the simulator raised: {error}"
    assert observations, f"{sc.name}: nothing was observed"


def test_sim_side_is_deterministic() -> None:
    for sc in SCENARIOS[:10]:
        assert run_sim(sc) == run_sim(sc), sc.name
