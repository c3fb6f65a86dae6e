"""Calibration recovers a known host: figures simulated with known values, fitted back."""

from __future__ import annotations

import pytest

from simuring import Simulation
from simuring.calibrate import probes
from simuring.calibrate.calibration import REMOTE_COPY_PARAMS, calibrate, copy_figures, fit_stage
from simuring.calibrate.hostinfo import HostInfo
from simuring.calibrate.hostprofile import profile_name, render
from simuring.calibrate.measure import Bench, Figure, Measured
from simuring.cost.profiles import load_profile
from simuring.engine.plugins import cost_sections

BASE = Simulation(host="rfc-vm-32vcpu").costs
HOST = HostInfo(
    cpus=2, cpu_model="Test CPU", kernel="6.18.0-test", date="2026-12-03T12:00:00Z", l1d_bytes=32768, l2_bytes=1 << 20, llc_bytes=32 << 20,
    idle_driver="haltpoll", halt_poll_ns=0,
)
TRUTH = {
    "host.cpus": 2,
    "mem.l1_bytes": 32768,
    "mem.l2_bytes": 1 << 20,
    "mem.llc_bytes": 32 << 20,
    "syscall.entry_ns": 150,
    "sched.ipi_latency_ns": 25_000,
    "sched.ipi_send_ns": 4_000,
    "sched.context_switch_ns": 1_600,
    "sched.idle_poll_ns": 0,
    "sched.deep_idle_ns": 300_000,
    "sched.deep_idle_exit_ns": 15_000,
    "mem.memcpy_base_ns": 8,
    "mem.l2_bytes_per_ns": 30.0,
    "mem.llc_bytes_per_ns": 14.0,
    "mem.remote_bytes_per_ns": 20.0,
    "mem.remote_write_bytes_per_ns": 9.0,
    "mem.remote_stream_write_bytes_per_ns": 5.0,
    "mem.remote_copy_ns": 40,
    "mem.cacheline_transfer_ns": 62,  # as the synthetic probe's hand-off (61.6), rounded
    "unix.sendmsg_ns": 300,
    "unix.recvmsg_ns": 200,
    "unix.shared_lines": 7.0,
    "sched.irq_ns": 15_000,  # 0.6% of the time at 400 a second, as the Zen 5 guest's
    "sched.irq_hz": 400,
}


def synthetic(benches: list[Bench]) -> Measured:
    """What the probe would have measured on a host that *is* the model with TRUTH."""
    truth = BASE.with_overrides([f"{k}={v}" for k, v in TRUTH.items()])
    figs = {}
    for b in benches:
        if b.bench in ("memcpy", "memcpy_remote", "memcpy_ring"):
            r = {"ns": probes.copy_figure(truth, b)}
        elif b.bench == "cacheline":
            r = {"ns": 61.6}  # TRUTH's, before rounding
        elif b.bench == "interrupts":
            r = {"ns": float(TRUTH["sched.irq_hz"] * TRUTH["sched.irq_ns"]), "gaps_per_s": 400.0, "median_gap_ns": 14_000.0}
        elif not probes.fitted(b):
            r = {"ns": 20_000.0, "waker_ns": 10_000.0}  # measured, never fitted
        else:
            r = probes.simulate(truth, b)
        figs[b.key] = Figure(b, (r["ns"],), (r,))
    return Measured(figs)


@pytest.fixture(scope="module")
def cal():  # type: ignore[no-untyped-def]
    wake = [b for b in probes.kernel_benches() if b.bench in ("wake", "eventfd", "switch")]
    chosen = [*probes.memcpy_benches(), probes.CACHELINE, probes.INTERRUPTS, probes.SYSCALL, *wake]
    return calibrate(BASE, HOST, synthetic(chosen), max_evals=120)


def test_known_values_come_back(cal) -> None:  # type: ignore[no-untyped-def]
    # a wake-up's latency is the IPI's plus the switch to the wakee: the wake figures give
    # the sum, the switch bench (two tasks on one CPU) the switch, so each comes back
    for key in ("syscall.entry_ns", "sched.ipi_send_ns", "sched.ipi_latency_ns", "sched.context_switch_ns", "mem.memcpy_base_ns"):
        assert cal.values[key] == pytest.approx(TRUTH[key], rel=0.05), key
    assert cal.values["sched.deep_idle_exit_ns"] == pytest.approx(TRUTH["sched.deep_idle_exit_ns"], rel=0.15)
    assert 199_000 <= cal.values["sched.deep_idle_ns"] <= 1_000_000  # between the two gaps that tell it
    assert cal.values["sched.idle_poll_ns"] == 0  # read from the machine (haltpoll)
    assert cal.values["mem.l2_bytes_per_ns"] == pytest.approx(30.0, rel=0.05)
    for key in ("mem.remote_bytes_per_ns", "mem.remote_write_bytes_per_ns", "mem.remote_stream_write_bytes_per_ns", "mem.remote_copy_ns"):
        assert cal.values[key] == pytest.approx(TRUTH[key], rel=0.05), key
    assert cal.values["mem.cacheline_transfer_ns"] == 62  # measured directly, rounded
    assert cal.values["sched.irq_hz"] == TRUTH["sched.irq_hz"]  # how many a second
    assert cal.values["sched.irq_ns"] == TRUTH["sched.irq_ns"]  # ns a second over that: the mean one
    for stage in cal.stages:
        assert all(abs(e) < 0.05 for e in stage.errors().values()), stage.name


def test_the_lines_a_socket_shares_come_back_from_the_handoff() -> None:
    # the one-thread loop-back sees the socket's fixed costs, the two ends taking turns on
    # two CPUs its shared lines too
    unix = [b for b in probes.kernel_benches() if b.bench == "unix" or (b.bench == "handoff" and dict(b.args)["mech"] == "unix")]
    cal = calibrate(BASE, HOST, synthetic([*probes.memcpy_benches(), probes.CACHELINE, probes.SYSCALL, *unix]), max_evals=150)
    assert cal.values["unix.shared_lines"] == pytest.approx(TRUTH["unix.shared_lines"], rel=0.1)
    assert cal.provenance["unix.shared_lines"].kind == "fitted"
    for key in ("unix.sendmsg_ns", "unix.recvmsg_ns"):
        assert cal.values[key] == pytest.approx(TRUTH[key], rel=0.1), key


def test_each_value_says_where_it_came_from(cal) -> None:  # type: ignore[no-untyped-def]
    kinds = {k: p.kind for k, p in cal.provenance.items()}
    assert kinds["host.cpus"] == kinds["mem.l2_bytes"] == kinds["sched.idle_poll_ns"] == kinds["sched.timeslice_ns"] == "host"
    assert cal.values["sched.timeslice_ns"] == 1_500_000  # EEVDF's base slice on 2 CPUs
    assert kinds["sched.wakeup_ns"] == "inherited"  # the probe cannot tell it from the IPI's cost
    assert kinds["mem.cacheline_transfer_ns"] == "measured"
    assert kinds["syscall.entry_ns"] == "measured"  # getppid less the model's exit and noise
    assert "getppid(2) in a loop" in cal.provenance["syscall.entry_ns"].text
    assert kinds["sched.irq_ns"] == kinds["sched.irq_hz"] == "measured" and "0.60% of its time" in cal.provenance["sched.irq_ns"].text
    assert kinds["sched.ipi_send_ns"] == "fitted" and cal.provenance["sched.ipi_send_ns"].range == (50, 50000)
    # nothing measured depends on these: inherited from the base, and said so
    assert kinds["pipe.op_ns"] == "inherited" and "inherited from rfc-vm-32vcpu" in cal.provenance["pipe.op_ns"].text
    assert "msg_ring.remote_ns" in next(s for s in cal.stages if s.name == "kernel").unseen
    assert set(cal.provenance) == {i.dotted for i in BASE.describe()}


def test_the_written_profile_loads_with_the_same_values(cal, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "my-host.toml"
    path.write_text(render(cal, profile_name(path.stem)))
    loaded = load_profile(path, cost_sections())
    assert loaded.name == "my-host"
    values = {i.dotted: i.value for i in loaded.describe()}
    for key, value in cal.values.items():
        assert values[key] == value, key
    assert loaded.host.cpus == 2
    info = {i.dotted: i for i in loaded.describe()}
    assert info["sched.ipi_send_ns"].range == (50, 50000)
    assert info["syscall.entry_ns"].range is None  # measured: no range to fit within
    assert info["pipe.op_ns"].range is None  # inherited values carry no range
    text = path.read_text()
    assert "Test CPU" in text and "6.18.0-test" in text and "2026-12-03" in text
    assert "# The probe's figures" in text and "syscall iters=200000:" in text


def test_profile_names() -> None:
    assert profile_name("My Host (lab 3)") == "my-host-lab-3"
    assert profile_name("***") == "my-host"


@pytest.mark.parametrize("name", ["kvm-2vcpu-epyc", "kvm-2vcpu-xeon", "kvm-2vcpu-epyc-zen5"])
def test_the_example_host_profiles_load_and_say_where_each_value_came_from(name: str) -> None:
    """docs/hosts/: the profiles simuring calibrate wrote on this project's VMs stay valid profiles."""
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "docs" / "hosts" / f"{name}.toml"
    costs = load_profile(path, cost_sections())
    assert costs.name == name and costs.host.cpus == 2
    kinds = {i.source.split(" ", 1)[0] for i in costs.describe()}
    # parameters newer than a calibration are added by hand, saying so (and only those)
    assert kinds - {"added"} == {"read", "measured", "fitted", "derived", "inherited"}
    added = {i.dotted for i in costs.describe() if i.source.startswith("added by hand")}
    pcp = {"mem.pcp_refill_page_ns", "mem.pcp_drain_page_ns", "mem.pcp_batch", "mem.pcp_high_min", "mem.pcp_high_max"}
    assert added <= {"unix.skb_frag_alloc_ns", "unix.skb_frag_free_ns", "sched.irq_ns", "sched.irq_hz", "pipe.slot_ns", "pipe.shared_lines", "syscall.fd_ref_ns", *pcp}


def test_the_wake_up_noise_is_measured_from_the_spread_of_the_shortest_gap() -> None:
    """sched.wakeup_jitter_ns: an exponential's median lies ln 1.8 means above its
    10th percentile; each run's spread gives a mean, and the median over the runs
    is kept.  A heavy upper tail (p90) does not count."""
    import math

    from simuring.calibrate.calibration import wake_jitter_ns

    bench = probes.wake_bench(probes.WAKE_GAPS_NS[0])
    spreads = (1000.0, 3000.0, 2000.0)
    runs = tuple({"ns": 24_000.0 + d, "p10_ns": 24_000.0, "p90_ns": 500_000.0} for d in spreads)
    fig = Figure(bench, tuple(float(r["ns"]) for r in runs), runs)
    got = wake_jitter_ns(Measured({bench.key: fig}))
    assert got is not None and got[0] == round(2000 / math.log(1.8)) and got[1] is fig
    assert wake_jitter_ns(Measured({})) is None
    bare = Figure(bench, (25_000.0,), ({"ns": 25_000.0},))  # no percentiles: nothing to say
    assert wake_jitter_ns(Measured({bench.key: bare})) is None


def test_a_copy_bandwidth_started_beyond_its_tier_cap_is_still_fitted() -> None:
    # above the L1 bandwidth a remote copy's bandwidth changes no figure (the
    # copy runs at the tier's): a solver started there sees no slope; the scan does
    base = BASE.with_overrides(["mem.l1_bytes=32768", "mem.remote_bytes_per_ns=95.0", "mem.remote_write_bytes_per_ns=90.0"])
    truth = base.with_overrides(["mem.remote_bytes_per_ns=20.0", "mem.remote_write_bytes_per_ns=9.0", "mem.remote_copy_ns=40"])
    benches = [b for b in probes.memcpy_benches() if b.bench == "memcpy_remote"]
    measured = Measured({b.key: Figure(b, (probes.copy_figure(truth, b),)) for b in benches})
    targets = probes.targets(benches, measured)
    figures = copy_figures(targets)
    stuck = fit_stage("remote copies", base, REMOTE_COPY_PARAMS, targets, figures, 200)
    scanned = fit_stage("remote copies", base, REMOTE_COPY_PARAMS, targets, figures, 200, scan=True)
    assert stuck.result is not None and scanned.result is not None
    assert stuck.result.values["mem.remote_bytes_per_ns"] > 60  # the plateau the scan is there for
    assert scanned.result.values["mem.remote_bytes_per_ns"] == pytest.approx(20.0, rel=0.05)
    assert scanned.result.values["mem.remote_write_bytes_per_ns"] == pytest.approx(9.0, rel=0.05)
    assert all(abs(e) < 0.03 for e in scanned.errors().values())


def test_the_system_call_entry_is_getppid_less_what_the_model_adds_to_each_call() -> None:
    """syscall.entry_ns is measured, not fitted: the syscall bench's median less the
    exit and the mean noise the model adds (simulated), within the parameter's range."""
    from simuring.calibrate.calibration import syscall_entry_ns

    def entry(*ns: float) -> int | None:
        fig = Figure(probes.SYSCALL, ns, tuple({"ns": v} for v in ns))
        got = syscall_entry_ns(BASE, Measured({probes.SYSCALL.key: fig}))
        return None if got is None else got[0]

    rest = probes.simulate(BASE, probes.SYSCALL)["ns"] - BASE.syscall.entry_ns
    assert entry(100.0, 250.0, 240.0) == round(240.0 - rest)  # the median
    assert entry(30.0) == 20  # never below the range
    assert syscall_entry_ns(BASE, Measured({})) is None


def test_the_interruptions_are_counted_and_their_time_shared_out() -> None:
    """sched.irq_hz and sched.irq_ns: the interrupts bench's interruptions a second, and
    its interrupt time a second over them; nothing without the figure or without one."""
    from simuring.calibrate.calibration import interruptions

    def irq(*runs: tuple[float, float]) -> tuple[int, int] | None:
        fig = Figure(probes.INTERRUPTS, tuple(ns for ns, _ in runs), tuple({"ns": ns, "gaps_per_s": n} for ns, n in runs))
        got = interruptions(Measured({probes.INTERRUPTS.key: fig}))
        return None if got is None else got[:2]

    assert irq((5.4e6, 360.0), (6.7e6, 410.0), (5.9e6, 370.0)) == (370, 15_946)  # medians: 5.9 ms a second over 370
    assert irq((0.0, 0.0)) is None  # no interruption seen
    assert interruptions(Measured({})) is None


def test_the_page_lists_cost_what_a_pipes_calls_have_above_their_median() -> None:
    """mem.pcp_refill_page_ns and mem.pcp_drain_page_ns: the PAGE_LISTS bench's lumps
    a call (medians over runs), less the interruptions' share of a call that long,
    over the 14 pages a call moves; nothing without the figure."""
    from simuring.calibrate.calibration import page_list_costs

    def runs(*lumps: tuple[float, float]) -> Measured:
        rs = tuple({"ns": 20_000.0, "write_ns": 9_000.0, "read_ns": 11_000.0, "write_lumps_ns": w, "read_lumps_ns": r} for w, r in lumps)
        return Measured({probes.PAGE_LISTS.key: Figure(probes.PAGE_LISTS, tuple(r["ns"] for r in rs), rs)})

    got = page_list_costs(runs((1_800.0, 1_200.0), (2_000.0, 1_300.0), (1_900.0, 1_100.0)), 0.006)
    assert got is not None and got[:2] == (round((1_900 - 54) / 14), round((1_200 - 66) / 14))
    assert page_list_costs(runs((10.0, 10.0)), 0.006)[:2] == (0, 0)  # type: ignore[index]  # never below 0
    assert page_list_costs(Measured({}), 0.006) is None
    # calibrate records them as measured, saying from what
    cal = calibrate(BASE, HOST, runs((1_900.0, 1_200.0)), max_evals=10)
    assert cal.values["mem.pcp_refill_page_ns"] == round(1_900 / 14)
    assert cal.provenance["mem.pcp_drain_page_ns"].kind == "measured"
    assert "over the 14 pages each moves" in cal.provenance["mem.pcp_drain_page_ns"].text


def test_a_pipe_slot_is_the_difference_of_the_one_at_a_time_and_batched_figures() -> None:
    """pipe.slot_ns: 64 B written and read back one at a time start and empty a slot
    each; in batches of 32 one in 32 does: (one - batched) / (2 x 31/32)."""
    from simuring.calibrate.calibration import pipe_slot_ns

    def measured(one: float, batched: float) -> Measured:
        return Measured(
            {
                probes.PIPE_ONE.key: Figure(probes.PIPE_ONE, (one,), ({"ns": one},)),
                probes.PIPE_BATCHED.key: Figure(probes.PIPE_BATCHED, (batched,), ({"ns": batched},)),
            }
        )

    got = pipe_slot_ns(measured(471.0, 378.0))
    assert got is not None and got[0] == round(93 / (2 * 31 / 32))
    assert pipe_slot_ns(measured(370.0, 378.0))[0] == 0  # type: ignore[index]  # never below 0
    assert pipe_slot_ns(Measured({})) is None
    # and the simulated benches, with it, tell the two apart as the machine does
    truth = BASE.with_overrides(["pipe.slot_ns=48", "pipe.op_ns=75"])
    one, batched = (probes.simulate(truth, b)["ns"] for b in (probes.PIPE_ONE, probes.PIPE_BATCHED))
    assert pipe_slot_ns(measured(one, batched))[0] == pytest.approx(48, abs=2)  # type: ignore[index]


def test_the_file_reference_is_the_shared_calls_difference_and_recorded_as_measured() -> None:
    """syscall.fd_ref_ns: the fdref bench's difference (median over runs), never below 0,
    recorded as measured with the calls' two figures; nothing without the bench."""
    from simuring.calibrate.calibration import fd_ref_ns

    def runs(*diffs: float) -> Measured:
        rs = tuple({"ns": d, "alone_ns": 180.0, "shared_ns": 180.0 + d} for d in diffs)
        return Measured({probes.FD_REF.key: Figure(probes.FD_REF, diffs, rs)})

    got = fd_ref_ns(runs(24.0, 27.4, 26.0))
    assert got is not None and got[0] == 26
    assert fd_ref_ns(runs(-3.0))[0] == 0  # type: ignore[index]  # noise below 0 is none
    assert fd_ref_ns(Measured({})) is None
    cal = calibrate(BASE, HOST, runs(24.0, 27.4, 26.0), max_evals=10)
    assert cal.values["syscall.fd_ref_ns"] == 26
    assert cal.provenance["syscall.fd_ref_ns"].kind == "measured"
    assert "alone (180 ns a call)" in cal.provenance["syscall.fd_ref_ns"].text
