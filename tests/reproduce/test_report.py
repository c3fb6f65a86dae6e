"""The plan, the JSON records and the error summary, on hand-made results (no simulation)."""

from __future__ import annotations

import json

import pytest

from simuring.reproduce.reference import load_reference
from simuring.reproduce.report import (
    EXTRA_KEYS,
    RECORD_KEYS,
    PlanError,
    build_report,
    make_plan,
    summarize,
)
from simuring.reproduce.runner import (
    DEFAULT_BUDGET,
    NO_FLAGS,
    QUICK_BUDGET,
    RING_ENTRIES,
    WHAT_IF_FLAGS,
    JobResult,
    job_for,
)
from simuring.reproduce.stats import Estimate


def fake(job, mean=None, precise=True, error=None):
    """A result whose figure is ``mean`` (default: the published one, else 1000 ns)."""
    est = None if error else Estimate(float(mean), mean * 0.01, 100, 10, 20, 4)
    return JobResult(job, est, 1000, 100, precise, 3000, 0.1, 0.1, error=error)


@pytest.fixture(scope="module")
def ref():
    return load_reference()


def report_for(ref, plan, scale=1.0, **kw):
    published = ref.published()
    results = [fake(job, published.get((job.mechanism, job.msg_size, job.receivers), 1000) * scale) for job in plan.jobs()]
    return build_report(plan, results, "rfc-vm-32vcpu", 0, DEFAULT_BUDGET)


def test_the_plan_has_every_distinct_simulation(ref):
    plan = make_plan(ref)
    jobs = plan.jobs()
    assert len(plan.cells) == 73
    assert len([j for j in jobs if not j.what_if]) == 64
    assert len([j for j in jobs if j.what_if]) == 28  # every io_uring cell, once
    assert all(j.setup_flags is None for j in jobs if not j.mechanism.startswith("io_uring"))
    assert {j.setup_flags for j in jobs if j.mechanism.startswith("io_uring")} == {NO_FLAGS, WHAT_IF_FLAGS}
    assert len(make_plan(ref, what_if=False).jobs()) == 64


def test_selecting_tables_and_cells(ref):
    plan = make_plan(ref, ["scaling_64B"], "*:io_uring_*")  # a glob
    assert [t.name for t in plan.tables] == ["scaling_64B"]
    assert [c.name for c in plan.cells] == [
        "scaling_64B:io_uring_bcast:64:1",
        "scaling_64B:io_uring_bcast:64:16",
        "scaling_64B:io_uring_mcast:64:1",
        "scaling_64B:io_uring_mcast:64:16",
    ]
    sub = make_plan(ref, pattern="*:pipe:64:1")
    assert {c.table for c in sub.cells} == {"point_to_point", "scaling_64B"} and len(sub.jobs()) == 1
    assert len(make_plan(ref, pattern=":pipe:64:1").cells) == 4  # a substring: 1 and 16 receivers
    with pytest.raises(PlanError, match="unknown table 'nope'"):
        make_plan(ref, ["nope"])
    with pytest.raises(PlanError, match="no cell matches"):
        make_plan(ref, ["broadcast_16"], "io_uring_unicast")


def test_json_records(ref):
    plan = make_plan(ref)
    report = report_for(ref, plan)
    records = json.loads(report.to_json())
    assert len(records) == 73 + len([c for c in plan.cells if c.mechanism.startswith("io_uring")])
    for rec in records:
        assert set(rec) == set(RECORD_KEYS) | set(EXTRA_KEYS)
        assert rec["table"] in ref.table_names
        assert isinstance(rec["msg_size"], int) and isinstance(rec["receivers"], int)
        assert isinstance(rec["simulated_ns_per_msg"], float) and isinstance(rec["ci95_ns"], float)
        assert isinstance(rec["messages"], int) and isinstance(rec["ci_target_met"], bool)
        assert rec["reference_ns_per_msg"] is None or isinstance(rec["reference_ns_per_msg"], int)
    first = records[0]
    assert first == {
        "table": "point_to_point",
        "mechanism": "pipe",
        "msg_size": 64,
        "receivers": 1,
        "setup_flags": None,
        "simulated_ns_per_msg": 212.0,
        "ci95_ns": 2.12,
        "messages": 1000,
        "reference_ns_per_msg": 212,
        "warmup_messages": 100,
        "ci_target_met": True,
        "failure": None,
    }
    unicast = [r for r in records if r["mechanism"] == "io_uring_unicast" and r["msg_size"] == 64]
    assert [r["setup_flags"] for r in unicast] == [NO_FLAGS, WHAT_IF_FLAGS]  # the what-if follows its cell
    assert [r["reference_ns_per_msg"] for r in unicast] == [632, None]  # published without the flags
    mc = [r for r in records if r["table"] == "multicast_sender"]
    assert len(mc) == 30 and all(r["reference_ns_per_msg"] is None for r in mc)
    assert report.to_json() == report_for(ref, plan).to_json()  # deterministic text


def test_a_failed_cell_is_null(ref):
    plan = make_plan(ref, ["point_to_point"], "point_to_point:pipe:64:1")
    (job,) = plan.jobs()
    report = build_report(plan, [fake(job, error="RuntimeError: boom")], "h", 0, DEFAULT_BUDGET)
    (rec,) = report.records()
    assert rec["simulated_ns_per_msg"] is None and rec["ci95_ns"] is None and rec["failure"] == "RuntimeError: boom"
    assert report.failed() and not report.imprecise()
    assert report.table_summaries()[0].cells == 0


def test_summary_of_errors(ref):
    plan = make_plan(ref)
    exact = report_for(ref, plan)
    assert all(s.median_abs_error == 0 and s.within == (s.cells, s.cells) for s in exact.table_summaries())
    assert [s.name for s in exact.table_summaries()] == ["point_to_point", "broadcast_16", "scaling_64B"]
    assert [s.cells for s in exact.table_summaries()] == [24, 24, 8]
    assert exact.overall().cells == 49
    off = report_for(ref, plan, scale=1.2)
    s = off.overall()
    assert s.median_abs_error == pytest.approx(0.2) and s.within == (0, 49)
    assert all(v[0].holds is True and v[1].holds is True for v in exact.verdicts())


def test_summarize():
    s = summarize("t", {"a": 0.1, "b": -0.3, "c": 0.2, "d": -0.05})
    assert s.cells == 4 and s.median_abs_error == pytest.approx(0.15)
    assert s.worst_abs_error == pytest.approx(0.3) and s.worst_cell == "b"
    assert s.within == (2, 3)
    empty = summarize("t", {})
    assert empty.cells == 0 and empty.median_abs_error is None


def test_job_names_and_budget():
    job = job_for("io_uring_bcast", 64, 16, what_if=True)
    assert job.name == "io_uring_bcast:64:16 [SINGLE_ISSUER|DEFER_TASKRUN]" and job.what_if
    assert job_for("pipe", 64, 1).name == "pipe:64:1"
    with pytest.raises(ValueError, match="no what-if"):
        job_for("pipe", 64, 1, what_if=True)
    assert DEFAULT_BUDGET.cap(job) % DEFAULT_BUDGET.window == 0
    assert DEFAULT_BUDGET.cap(job_for("pipe", 64, 1)) == DEFAULT_BUDGET.max_cap
    assert DEFAULT_BUDGET.cap(job_for("pipe", 64, 16)) == DEFAULT_BUDGET.min_cap
    # an io_uring job's first checkpoint leaves room for the channel's ring to fill (MSER's first half)
    assert DEFAULT_BUDGET.first(job_for("pipe", 64, 1)) == DEFAULT_BUDGET.min_messages
    assert DEFAULT_BUDGET.first(job) == 920  # 400 + 2 * 256, in whole windows of 10
    quick = job_for("io_uring_bcast", 64, 16)
    assert QUICK_BUDGET.cap(quick) == QUICK_BUDGET.first(quick) >= 2 * RING_ENTRIES
