"""The benchmark workloads (workloads/rfc_*.py): each streams, windows its clock, and ends."""

from __future__ import annotations

import pytest

from simuring import Simulation
from simuring.reproduce.reference import MECHANISMS
from simuring.reproduce.workloads import (
    MSG_RING_PINGPONG,
    WorkloadsNotFound,
    default_dir,
    find_workloads,
    load_workload,
    script_name,
)


@pytest.fixture(scope="module")
def folder():
    return find_workloads()


@pytest.mark.parametrize("mechanism", MECHANISMS)
@pytest.mark.parametrize("receivers", [1, 3])
def test_each_workload_streams_and_reports_windows(folder, mechanism, receivers):
    sim = Simulation(seed=1)
    load_workload(folder, mechanism)(sim, msg_size=100, receivers=receivers, messages=23, window=5)
    result = sim.run()  # every receiver got its messages: every task ended
    extra = result.extra
    assert extra["messages_sent"] == 23 and extra["window_messages"] == 5
    windows = extra["window_ns"]
    assert len(windows) == 4 and all(isinstance(w, int) and w > 0 for w in windows)
    assert sum(windows) <= extra["sender_ns_per_msg"] * 23
    assert sim.params["mechanism"] == mechanism and sim.params["receivers"] == receivers


def test_io_uring_workloads_use_the_raw_interface_by_default(folder):
    for mechanism in ("io_uring_unicast", "io_uring_bcast", "io_uring_mcast"):
        sim = Simulation(seed=1)
        load_workload(folder, mechanism)(sim, receivers=2, messages=10)
        result = sim.run()
        assert {r["flags"] for r in result.rings} == {0}
        sim = Simulation(seed=1)
        load_workload(folder, mechanism)(sim, receivers=2, messages=10, setup_flags="SINGLE_ISSUER|DEFER_TASKRUN")
        assert {r["flags"] for r in sim.run().rings} == {0x1000 | 0x2000}


def test_the_window_series_is_live(folder):
    """A harness reads window_ns while the simulation runs: the reported list grows."""
    sim = Simulation(seed=1)
    load_workload(folder, "pipe")(sim, messages=200, window=10)
    sim.run(until=20_000)
    series = sim.reported["window_ns"]
    partial = len(series)
    assert 0 < partial < 20
    sim.run()
    assert sim.reported["window_ns"] is series and len(series) == 20


def test_bad_parameters(folder):
    with pytest.raises(ValueError, match="receivers must be below the host's 32 CPUs"):
        load_workload(folder, "pipe")(Simulation(), receivers=32)
    with pytest.raises(ValueError, match="window must be a positive integer"):
        load_workload(folder, "io_uring_bcast")(Simulation(), window=0)
    with pytest.raises(ValueError, match="unknown io_uring setup flag"):
        load_workload(folder, "io_uring_mcast")(Simulation(), setup_flags="FAST")


def test_finding_the_workloads(tmp_path):
    assert find_workloads() == default_dir().resolve()
    with pytest.raises(WorkloadsNotFound, match=f"no benchmark workload {script_name('pipe')}"):
        find_workloads(tmp_path)


def test_wrap_placement_shares_cpus_among_receivers_that_outnumber_them(folder):
    """simuring validate runs the benchmarks on small hosts: receiver i on CPU 1 + i % (CPUs - 1)."""
    for mechanism in ("pipe", "shm_eventfd", "io_uring_bcast"):
        sim = Simulation(seed=1, overrides=["host.cpus=3"])
        load_workload(folder, mechanism)(sim, receivers=5, messages=12, placement="wrap")
        result = sim.run()
        assert result.extra["messages_sent"] == 12
        placed = {t.name: t.pinned_cpu for t in sim.tasks if t.name.startswith("receiver")}
        assert placed == {"receiver0": 1, "receiver1": 2, "receiver2": 1, "receiver3": 2, "receiver4": 1}
    one = Simulation(seed=1, overrides=["host.cpus=1"])
    load_workload(folder, "pipe")(one, receivers=2, messages=5, placement="wrap")
    one.run()
    with pytest.raises(ValueError, match="placement must be one of one_per_cpu, wrap"):
        load_workload(folder, "pipe")(Simulation(), placement="spread")


@pytest.mark.parametrize("flags", ["0", "SINGLE_ISSUER|DEFER_TASKRUN"])
def test_msg_ring_pingpong_bounces_one_message_per_round_trip(folder, flags):
    sim = Simulation(seed=1)
    load_workload(folder, MSG_RING_PINGPONG)(sim, setup_flags=flags, messages=40, window=10)
    result = sim.run()
    assert result.extra["messages_sent"] == 40 and len(result.extra["window_ns"]) == 4
    stats = {t["name"]: t for t in result.to_dict()["tasks"]}
    assert stats["ping"]["sqes"] == {"MSG_RING": 40} and stats["pong"]["sqes"] == {"MSG_RING": 40}
    # a round trip is at least two cross-CPU wake-ups
    assert result.extra["sender_ns_per_msg"] > 2 * sim.costs.sched.wakeup_latency_ns
    assert {r["flags"] for r in result.rings} == ({0} if flags == "0" else {0x1000 | 0x2000})


def test_what_a_sender_buffers_per_receiver():
    """runner.buffered_messages: an io_uring channel's slots; none for a baseline,
    whose receivers keep up, each on a CPU of its own."""
    from simuring.reproduce.runner import RING_ENTRIES, Job, buffered_messages

    assert buffered_messages(Job("io_uring_bcast", 64, 4, "0")) == RING_ENTRIES
    assert buffered_messages(Job("pipe", 64, 4, None)) == 0
