"""The speed benchmarks run, and count the work their ceilings are built on.

No timing is asserted here (the machines are shared and noisy): the
benchmarks print JSON ratios; these tests only check that the workloads
they time do what the ceilings assume.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCH))
    try:
        import ipc_speed
        import pipe_pingpong
        import sim_speed

        yield sim_speed, pipe_pingpong, ipc_speed
    finally:
        sys.path.remove(str(BENCH))


def test_pipe_round_trip_is_two_entries_and_four_requests(bench):
    sim_speed, pipe_pingpong, _ = bench
    n = 50
    enters, requests = sim_speed.entries_and_requests(pipe_pingpong.pipe_pingpong(n), n)
    # one submission per side per round trip (WRITE + READ), plus the
    # answering side's first lone READ
    assert enters == pytest.approx((2 * n + 1) / n)
    assert requests == pytest.approx(4.0)


def test_ipc_benchmarks_deliver_every_message(bench):
    sim_speed, _, ipc_speed = bench
    uni = ipc_speed.ipc_unicast(40)
    assert uni.extra["received_total"] == 40
    enters, requests = sim_speed.entries_and_requests(uni, 40)
    assert enters >= 2.0 and requests >= 2.0  # one SEND and at least one RECV per message
    b16 = ipc_speed.ipc_bcast16(10)
    assert b16.extra["received_total"] == 16 * 10


def test_batched_nops_complete(bench):
    sim_speed, _, _ = bench
    sim_speed.nop_roundtrips(32, 16)  # raises if a CQE is missing (the task would stall)


def test_scale_runs_a_fanout_in_a_fresh_process():
    """benchmarks/scale.py's child run, tiny: every receiver gets every broadcast message."""
    sys.path.insert(0, str(BENCH))
    try:
        import scale
    finally:
        sys.path.remove(str(BENCH))
    out = scale.one_run("broadcast", receivers=4, messages=3, cpus=2)
    assert out["received_total"] == 12 and out["sender_ns_per_msg"] > 0 and out["peak_rss_mb"] > 0
    assert out["build"] in ("compiled, mypyc", "pure Python", "pure Python, SIMURING_PURE=1")
