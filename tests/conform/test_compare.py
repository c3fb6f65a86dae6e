"""The comparison machinery on hand-made observation lists (no kernel, no simulator)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from simuring.conform.compare import (
    EXPECTATION,
    NOTHING,
    OBSERVATION,
    REAL_RAISED,
    SIM_RAISED,
    expectation_difference,
    first_difference,
)
from simuring.conform.known import KnownDifferencesError, load_known
from simuring.conform.observe import Observation, Recorder, plain
from simuring.conform.registry import Scenario, matches
from simuring.conform.report import COMPARE, Report
from simuring.conform.runner import check_sim_only, compare_one
from simuring.uapi import IoUringCqe


def cqe(ud: int, res: int = 0, flags: int = 0) -> Observation:
    return Observation("cqe", "cqe", [ud, res, flags])


def call(name: str, ret: Any) -> Observation:
    return Observation("call", name, ret)


def rec(label: str, value: Any) -> Observation:
    return Observation("record", label, value)


def gen(L: Any) -> Any:
    """A do-nothing scenario body."""
    yield from ()


def sc(name: str = "s", **kw: Any) -> Scenario:
    return Scenario(name, gen, doc="checks nothing", **kw)


BASE = [call("io_uring_queue_init", 0), call("io_uring_submit", 2), cqe(1), cqe(2, -125), rec("ready", 0)]


def test_identical_lists_agree() -> None:
    assert first_difference(BASE, list(BASE)) is None


def test_a_different_res_is_found_with_its_index_and_label() -> None:
    sim = list(BASE)
    sim[3] = cqe(2, -62)
    diff = first_difference(BASE, sim)
    assert diff is not None
    assert (diff.kind, diff.index, diff.label) == (OBSERVATION, 3, "cqe")
    assert diff.real == "ud=2 res=-ECANCELED flags=0x0"
    assert diff.sim == "ud=2 res=-ETIME flags=0x0"
    assert "#3 cqe" in diff.describe()


def test_a_different_call_result_names_the_call_and_the_errno() -> None:
    sim = list(BASE)
    sim[1] = call("io_uring_submit", -16)
    diff = first_difference(BASE, sim)
    assert diff is not None and diff.label == "call io_uring_submit"
    assert (diff.real, diff.sim) == ("2", "-EBUSY")


def test_a_missing_observation_is_a_difference() -> None:
    diff = first_difference(BASE, BASE[:-1])
    assert diff is not None and diff.index == 4 and diff.sim == NOTHING
    diff = first_difference(BASE[:2], BASE)
    assert diff is not None and diff.index == 2 and diff.real == NOTHING


def test_different_kinds_at_one_index_show_both() -> None:
    diff = first_difference([cqe(1)], [call("close", 0)])
    assert diff is not None and diff.label == "cqe / call close"
    assert diff.sim == "call close 0"


def test_an_order_difference_is_detected() -> None:
    swapped = [*BASE[:2], BASE[3], BASE[2], BASE[4]]
    diff = first_difference(BASE, swapped)
    assert diff is not None and diff.index == 2


def test_unordered_cqes_accept_another_order_but_not_other_cqes() -> None:
    swapped = [*BASE[:2], BASE[3], BASE[2], BASE[4]]
    assert first_difference(BASE, swapped, unordered_cqes=True) is None
    other = [*BASE[:2], BASE[3], cqe(9), BASE[4]]
    assert first_difference(BASE, other, unordered_cqes=True) is not None
    moved_call = [BASE[1], BASE[0], *BASE[2:]]
    assert first_difference(BASE, moved_call, unordered_cqes=True) is not None


def test_verdicts() -> None:
    sim = [*BASE[:3], cqe(2, -62), BASE[4]]
    assert compare_one(sc(), BASE, None, list(BASE), None, {}).status == "same"
    result = compare_one(sc(), BASE, None, sim, None, {})
    assert result.status == "differs" and result.failed
    known = compare_one(sc(), BASE, None, sim, None, {"s": "issue 9, item 1"})
    assert known.status == "known" and not known.failed and known.reason == "issue 9, item 1"
    # a listed scenario that agrees is simply the same
    assert compare_one(sc(), BASE, None, list(BASE), None, {"s": "fixed"}).status == "same"


def test_a_simulator_exception_is_a_difference_never_an_exception() -> None:
    result = compare_one(sc(), BASE, None, BASE[:2], "TypeError: boom", {})
    assert result.status == "differs"
    assert result.difference is not None and result.difference.kind == SIM_RAISED
    assert result.difference.index == 2 and "TypeError: boom" in result.difference.describe()
    assert result.difference.real == "cqe ud=1 res=0 flags=0x0"  # what the kernel did next


def test_an_exception_after_the_runs_parted_reports_where_they_parted() -> None:
    sim = [*BASE[:2], cqe(1, -22)]
    result = compare_one(sc(), BASE, None, sim, "SimulationStalled: stuck", {})
    assert result.status == "differs" and result.difference is not None
    assert result.difference.kind == OBSERVATION and result.difference.index == 2
    assert "then the simulator raised SimulationStalled: stuck" in result.difference.describe()


def test_a_real_side_exception_is_an_error_of_the_scenario() -> None:
    result = compare_one(sc(), BASE[:1], "ValueError: bad scenario", list(BASE), None, {"s": "listed"})
    assert result.status == "error" and result.failed
    assert result.difference is not None and result.difference.kind == REAL_RAISED


def test_expectations() -> None:
    observed = [rec("ready", 0), rec("data", "b'x'"), rec("twice", 1), rec("twice", 2)]
    assert expectation_difference({"ready": 0, "data": "b'x'", "twice": [1, 2]}, observed) is None
    diff = expectation_difference({"ready": 1}, observed)
    assert diff is not None and diff.kind == EXPECTATION and diff.index == 0
    assert "expected 1, sim 0" in diff.describe()
    missing = expectation_difference({"absent": 3}, observed)
    assert missing is not None and missing.sim == NOTHING


def test_sim_only_verdicts() -> None:
    good = check_sim_only(sc(expect={"ready": 0}), BASE, None)
    assert good.status == "sim-only" and not good.failed
    assert check_sim_only(sc(expect={"ready": 1}), BASE, None).status == "differs"
    assert check_sim_only(sc(), BASE[:1], "SimulationStalled: x").status == "differs"


def test_report_counts_summary_and_json() -> None:
    report = Report(COMPARE, "Linux test")
    report.results.append(compare_one(sc("a"), BASE, None, list(BASE), None, {}))
    report.results.append(compare_one(sc("b"), BASE, None, BASE[:1], None, {}))
    assert report.failed and report.counts() == {"same": 1, "differs": 1}
    assert report.summary() == "2 scenarios (real kernel: Linux test): 1 same, 1 differs"
    data = json.loads(report.to_json())
    assert data["failed"] is True
    assert data["results"][1]["difference"]["index"] == 1
    assert data["results"][0]["real"][2] == {"kind": "cqe", "label": "cqe", "value": [1, 0, 0]}


def test_recorder_normalises_fds_and_values() -> None:
    r = Recorder()
    r.call("eventfd", 7)
    r.call("eventfd", -22)
    r.call("io_uring_queue_exit", None)
    r.cqe(IoUringCqe(user_data=3, res=-11, flags=2))
    r.record("data", bytearray(b"ab"))
    assert [o.value for o in r.observations] == ["fd", -22, [3, -11, 2], "b'ab'"]
    assert plain((1, [b"x"], {"k": True})) == [1, ["b'x'"], {"k": True}]
    with pytest.raises(TypeError):
        plain(object())


def test_known_differences_file(tmp_path: Any) -> None:
    assert isinstance(load_known(), dict)  # the shipped file parses
    good = tmp_path / "k.toml"
    good.write_text('"link-timeout-skip-success" = "issue 9, item 1"\n')
    assert load_known(good) == {"link-timeout-skip-success": "issue 9, item 1"}
    bad = tmp_path / "bad.toml"
    bad.write_text("x = 3\n")
    with pytest.raises(KnownDifferencesError):
        load_known(bad)
    broken = tmp_path / "broken.toml"
    broken.write_text("= =\n")
    with pytest.raises(KnownDifferencesError):
        load_known(broken)


def test_pattern_selection() -> None:
    s = Scenario("link-timeout-fires", gen, tags=("timeouts", "links"), doc="d", area="timeouts")
    assert matches(s, "timeout-fi") and matches(s, "links") and matches(s, "link-*")
    assert not matches(s, "poll") and not matches(s, "*-remove")
