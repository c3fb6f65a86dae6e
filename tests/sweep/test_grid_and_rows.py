"""The grid, point identities, a run's flat row, replicate statistics."""

from __future__ import annotations

import math

import pytest

from simuring import Simulation
from simuring.cost import load_profile
from simuring.engine.plugins import cost_sections
from simuring.output.confidence import mean_ci95
from simuring.sweep.execute import SweepSpec, load_source, run_point
from simuring.sweep.grid import Axis, Point, expand, point_id, split_values
from simuring.sweep.summary import replicate_groups


def test_expand_varies_the_first_axis_slowest_and_the_seed_fastest():
    points = expand([Axis("a", (1, 2)), Axis("b", ("x", "y"))], [Axis("syscall.entry_ns", ("60", "120"))], [0, 1])
    assert len(points) == 16
    assert [p.index for p in points] == list(range(16))
    assert points[0] == Point(0, (("a", 1), ("b", "x")), ("syscall.entry_ns=60",), 0)
    assert points[1].seed == 1 and points[1].params == points[0].params
    assert points[2].overrides == ("syscall.entry_ns=120",)
    assert points[4].params == (("a", 1), ("b", "y"))
    assert points[8].params[0] == ("a", 2)


def test_split_values_keeps_escaped_commas():
    assert split_values("1,2,4") == ["1", "2", "4"]
    assert split_values(r"SINGLE_ISSUER\,DEFER_TASKRUN,0") == ["SINGLE_ISSUER,DEFER_TASKRUN", "0"]


def test_point_id_depends_on_what_decides_the_result_only():
    p = Point(0, (("a", 1),), (), 3)
    base = point_id(p, {"a": 1, "b": 2}, "sha", "prof", "1.0")
    assert point_id(Point(7, (("a", 1),), (), 3), {"a": 1, "b": 2}, "sha", "prof", "1.0") == base  # not its place
    assert point_id(Point(0, (), (), 3), {"a": 1, "b": 2}, "sha", "prof", "1.0") == base  # a = its default
    for other in (
        point_id(Point(0, (("a", 2),), (), 3), {"a": 1, "b": 2}, "sha", "prof", "1.0"),
        point_id(Point(0, (("a", 1),), ("x.y=1",), 3), {"a": 1, "b": 2}, "sha", "prof", "1.0"),
        point_id(Point(0, (("a", 1),), (), 4), {"a": 1, "b": 2}, "sha", "prof", "1.0"),
        point_id(p, {"a": 1, "b": 2}, "sha2", "prof", "1.0"),
        point_id(p, {"a": 1, "b": 2}, "sha", "prof2", "1.0"),
        point_id(p, {"a": 1, "b": 2}, "sha", "prof", "1.1"),
    ):
        assert other != base


def _run(script, **params):
    workload = load_source(str(script), script.read_text())
    sim = Simulation(seed=5, overrides=["syscall.entry_ns=90"])
    sim.params = {"ops": 40, "entries": 8, "flags": "0", "pause_ns": 0, "tasks": 1, **params}
    workload(sim, **params)
    return sim.run()


def test_to_row_is_flat_with_provenance_overrides_figures_and_benchmark_latency(script):
    result = _run(script, ops=30, tasks=2)
    row = result.to_row()
    assert list(row)[:4] == ["simuring_version", "profile", "profile_hash", "seed"]
    assert row["seed"] == 5 and row["ops"] == 30 and row["tasks"] == 2
    assert row["syscall.entry_ns"] == 90
    assert row["profile_hash"] == result.profile_hash != Simulation(seed=5).costs.content_hash()
    assert "series" not in row  # lists stay in to_json
    assert row["completions"] == 60  # two loopers; the helper's 50 are left out
    benchmark = [t for t in result.tasks if t.name.startswith("loop")]
    assert row["latency_max_ns"] == max(t.stats["latency_ns"]["max"] for t in benchmark)
    counts = sum(c for _, c in __import__("json").loads(row["latency_histogram"]))
    assert counts == 60
    for value in row.values():
        assert value is None or isinstance(value, bool | int | float | str)


def test_to_json_records_the_provenance(script):
    doc = __import__("json").loads(_run(script).to_json())
    assert doc["simuring_version"] and doc["profile_hash"] and doc["overrides"] == ["syscall.entry_ns=90"]
    helpers = [t["name"] for t in doc["tasks"] if t["helper"]]
    assert helpers == ["summary"]


def test_to_frame_is_one_row(script):
    pandas = pytest.importorskip("pandas")
    frame = _run(script).to_frame()
    assert isinstance(frame, pandas.DataFrame) and len(frame) == 1 and frame.loc[0, "ops"] == 40


def test_a_refused_parameter_is_a_row_with_its_error(script):
    costs = load_profile("rfc-vm-32vcpu", cost_sections())
    spec = SweepSpec(str(script), script.read_text(), costs, (("ops", 40), ("entries", 8)))
    row = run_point(spec, Point(0, (("entries", 100000),), (), 0))
    assert row["error"].startswith("-p entries=100000: io_uring_queue_init failed: -EINVAL")
    assert row["entries"] == 100000 and row["point_id"] == spec.point_id(Point(0, (("entries", 100000),), (), 0))
    ok = run_point(spec, Point(1, (), (), 0))
    assert ok["error"] is None and ok["completions"] == 40


def test_mean_ci95_matches_students_t():
    mean, half = mean_ci95([10.0, 12.0, 14.0])
    assert mean == 12.0
    assert math.isclose(half, 4.303 * 2.0 / math.sqrt(3))
    assert mean_ci95([5.0]) == (5.0, None)


def test_replicate_groups_average_over_seeds_and_read_csv_text():
    rows = [
        {"n": 1, "seed": 0, "y": 10}, {"n": 1, "seed": 1, "y": "14"}, {"n": 2, "seed": 0, "y": 7.5}, {"n": 2, "seed": 1, "y": None},
    ]  # fmt: skip
    groups = replicate_groups(rows, ["n"], ["y"])
    assert [g.key for g in groups] == [(("n", 1),), (("n", 2),)]
    assert groups[0].stats["y"].n == 2 and groups[0].stats["y"].mean == 12.0 and groups[0].stats["y"].ci95 is not None
    assert groups[1].stats["y"].n == 1 and groups[1].stats["y"].ci95 is None
