"""The probe's microbenchmarks simulated: each figure moves with the parameters it should."""

from __future__ import annotations

import pytest

from simuring import Simulation
from simuring.calibrate import probes
from simuring.calibrate.measure import Bench, Figure, Measured

BASE = Simulation(host="rfc-vm-32vcpu").costs


def bench(kind: str) -> Bench:
    return next(b for b in probes.kernel_benches() if b.key.startswith(kind))


def sim(b: Bench, *overrides: str) -> dict[str, float]:
    return probes.simulate(BASE.with_overrides(list(overrides)), b)


def test_every_bench_has_a_simulated_counterpart_and_it_is_deterministic() -> None:
    for b in probes.kernel_benches():
        if not probes.fitted(b):
            with pytest.raises(ValueError, match="no counterpart"):
                probes.simulate(BASE, b)
            continue
        first = probes.simulate(BASE, b, seed=4)
        assert first["ns"] > 0, b.key
        assert probes.simulate(BASE, b, seed=4) == first


def test_syscall_follows_entry_cost() -> None:
    b = probes.SYSCALL
    low, high = sim(b, "syscall.entry_ns=50"), sim(b, "syscall.entry_ns=550")
    assert high["ns"] - low["ns"] == pytest.approx(500, rel=0.02)


def test_wake_of_a_halted_cpu_pays_the_ipi() -> None:
    idle = bench("wake target=idle gap_ns=1000000")
    a, b = sim(idle, "sched.ipi_latency_ns=20000"), sim(idle, "sched.ipi_latency_ns=40000")
    assert b["ns"] - a["ns"] == pytest.approx(20000, rel=0.02)
    assert sim(idle, "sched.ipi_send_ns=5000")["waker_ns"] - sim(idle, "sched.ipi_send_ns=1000")["waker_ns"] == pytest.approx(4000, rel=0.05)


def test_a_long_halt_sinks_deeper() -> None:
    long_gap = bench("wake target=idle gap_ns=1000000")
    short_gap = bench("wake target=idle gap_ns=50000")
    deep = ("sched.idle_poll_ns=0", "sched.deep_idle_ns=200000", "sched.deep_idle_exit_ns=30000")
    assert sim(long_gap, *deep)["ns"] - sim(long_gap, "sched.idle_poll_ns=0")["ns"] == pytest.approx(30000, rel=0.05)
    assert sim(short_gap, *deep)["ns"] == sim(short_gap, "sched.idle_poll_ns=0")["ns"]


def test_a_short_gap_finds_the_cpu_still_polling() -> None:
    short = bench("wake target=idle gap_ns=10000")
    polling = sim(short, "sched.idle_poll_ns=100000", "sched.ipi_latency_ns=30000")
    halted = sim(short, "sched.idle_poll_ns=0", "sched.ipi_latency_ns=30000")
    assert halted["ns"] - polling["ns"] == pytest.approx(30000, rel=0.05)


@pytest.mark.parametrize(("mech", "loop"), [("unix", "unix size=64"), ("pipe", "pipe size=64")])
def test_an_object_handed_between_cpus_pays_its_shared_lines_on_both_sides(mech: str, loop: str) -> None:
    # each send (write) finds the object's shared lines on the receiver's CPU, each
    # receive (read) on the sender's: per added line, one transfer for each side
    b = probes.handoff_bench(mech, 64)
    few = sim(b, f"{mech}.shared_lines=0.5", "mem.cacheline_transfer_ns=100")
    many = sim(b, f"{mech}.shared_lines=5.5", "mem.cacheline_transfer_ns=100")
    assert many["write_ns"] - few["write_ns"] == pytest.approx(500, abs=25)
    assert many["ns"] - few["ns"] == pytest.approx(1000, abs=50)
    # the same object on one thread moves no line: the count does not show there
    assert sim(bench(loop), f"{mech}.shared_lines=0.5") == sim(bench(loop), f"{mech}.shared_lines=5.5")


def test_msg_ring_with_defer_taskrun_pays_the_remote_queueing() -> None:
    sqdt = bench("msg_ring flags=sqdt")
    assert sim(sqdt, "msg_ring.remote_ns=2000")["ns"] > sim(sqdt, "msg_ring.remote_ns=200")["ns"] + 1000


def test_copy_figures_follow_the_cache_tiers() -> None:
    hot = Bench("probe", "memcpy", (("size", 4096), ("footprint", 8192), ("iters", 1)))
    llc = Bench("probe", "memcpy", (("size", 4096), ("footprint", 8 << 20), ("iters", 1)))
    remote = Bench("probe", "memcpy_remote", (("size", 4096), ("iters", 1)))
    costs = BASE.with_overrides(["mem.l1_bytes_per_ns=64", "mem.llc_bytes_per_ns=8", "mem.remote_bytes_per_ns=4", "mem.memcpy_base_ns=10"])
    assert probes.copy_figure(costs, hot) == 10 + 4096 // 64
    assert probes.copy_figure(costs, llc) == 10 + 4096 // 8
    assert probes.copy_figure(costs, remote) == 10 + 4096 // 4
    # a copy into a 64 KiB ring the other CPU streams through: the streamed write price
    ring = Bench("probe", "memcpy_ring", (("size", 4096), ("ring", 65536), ("iters", 1)))
    costs = costs.with_overrides(["mem.remote_write_bytes_per_ns=8", "mem.remote_stream_write_bytes_per_ns=2"])
    assert probes.copy_figure(costs, ring) == 10 + 4096 // 2


def test_targets_take_the_median_and_the_wakers_cost() -> None:
    w = bench("wake target=idle gap_ns=1000000")
    figs = {w.key: Figure(w, (10.0, 30.0, 20.0), ({"ns": 10, "waker_ns": 1}, {"ns": 30, "waker_ns": 3}, {"ns": 20, "waker_ns": 2}))}
    got = probes.targets([w, probes.SYSCALL], Measured(figs))
    assert [(t.key, t.reference_ns) for t in got] == [(w.key, 20.0), (f"{w.key} [waker_ns]", 2.0)]


def test_one_cpu_leaves_out_the_benches_between_two() -> None:
    both = probes.calibration_benches(2)
    one = probes.calibration_benches(1)
    assert {b.bench for b in both} - {b.bench for b in one} == probes.TWO_CPU_BENCHES
    assert [b for b in both if b.bench not in probes.TWO_CPU_BENCHES] == one
    assert probes.calibration_benches() == both
