"""From the probe's measurements to a host profile's values.

Four kinds of parameter, each with its provenance:

* **read from the machine** (or derived from what it says): the CPU count,
  the cache sizes, CONFIG_HZ, the scheduler's base slice for that many
  CPUs, and on a KVM guest with cpuidle-haltpoll how long an idle vCPU
  polls (:mod:`.hostinfo`);
* **measured directly**: a figure that *is* a parameter of the model
  (one cache line handed between two CPUs is ``mem.cacheline_transfer_ns``);
* **fitted**: every other parameter in :data:`FITTED` that some measured
  figure depends on, moved within its physical range by the reproduction's
  fitting machinery (:func:`simuring.reproduce.fit.fit`: bounded soft-L1
  least squares on log errors) until the simulated microbenchmarks
  (:mod:`.probes`) match the measured ones.  Each stage fits the parameters
  that the figures of one kind isolate, with what earlier stages found
  fixed: the copies within one CPU (a copy's price is one function of the
  model), then the copies of lines another CPU used, then the kernel
  parameters, on the simulated system calls, wake-ups and rings;
* **inherited** from the base profile: a parameter in :data:`FITTED` that
  no measured figure depends on (found by doubling and halving it: the
  simulations are deterministic), and every parameter not in it.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping, Sequence

import attrs

from simuring.calibrate import probes
from simuring.calibrate.hostinfo import HostInfo
from simuring.calibrate.measure import Figure, Measured
from simuring.calibrate.probes import Target
from simuring.cost import CostModel
from simuring.reproduce.fit import (
    FigureEvaluator,
    FitParam,
    FitResult,
    evaluation_cost,
    fit,
    overrides,
)


def interval_points(points: Sequence[int]) -> tuple[float, ...]:
    """One value in each interval that ``points`` delimit (geometric middles, and
    half the first and twice the last)."""
    inner = [round(math.sqrt(a * b)) for a, b in zip(points, points[1:], strict=False)]
    return (points[0] // 2, *inner, 2 * points[-1])


@attrs.frozen
class HostParam:
    """A parameter the calibration may fit, with the range any host's value lies in."""

    dotted: str
    low: float
    high: float
    why: str
    start: float | None = None  # where the fit starts, if not at the base profile's value
    # a threshold: the figures only tell between which of their points it lies, so it
    # is chosen among these values (one per interval) instead of by the gradient
    candidates: tuple[float, ...] = ()


COPY_PARAMS = (
    HostParam("mem.memcpy_base_ns", 1, 200, "fixed cost of a copy routine call, ~2 ns (rep movsb, warm) to ~200 ns"),
    HostParam("mem.l1_bytes_per_ns", 4.0, 256.0, "single-core copy bandwidth within L1"),
    HostParam("mem.l2_bytes_per_ns", 2.0, 200.0, "single-core copy bandwidth within L2"),
    HostParam("mem.llc_bytes_per_ns", 1.0, 100.0, "single-core copy bandwidth from the last-level cache"),
    HostParam("mem.dram_bytes_per_ns", 0.5, 60.0, "single-core copy bandwidth from DRAM"),
)
REMOTE_COPY_PARAMS = (
    HostParam("mem.remote_bytes_per_ns", 0.5, 100.0, "copy bandwidth when every line comes from another core's cache"),
    HostParam("mem.remote_write_bytes_per_ns", 0.5, 100.0, "copy bandwidth into lines another core holds (each taken from it first)"),
    HostParam("mem.remote_stream_write_bytes_per_ns", 0.5, 100.0, "copy bandwidth into lines another core holds while it streams through the same buffer"),
    HostParam("mem.remote_copy_ns", 1, 2000, "the first line's transfer from another core (a cache-line miss to another core: ~30 ns to ~1 us)"),
)
KERNEL_PARAMS = (
    HostParam("syscall.entry_ns", 20, 2000, "system call entry, ~20 ns bare metal without mitigations to ~2 us in a guest with the heaviest ones"),
    HostParam("pipe.op_ns", 10, 3000, "fixed part of pipe_read/pipe_write (mutex, accounting)"),
    HostParam("pipe.buf_alloc_ns", 10, 10000, "allocate a pipe buffer's page and charge it to the memory cgroup"),
    # started inside the range: from 0, its bound, the solver could leave it there
    HostParam("pipe.buf_free_ns", 0, 10000, "free an emptied pipe buffer's page (put_page and the memory cgroup's uncharge, in the reader)", start=100),
    HostParam("unix.sendmsg_ns", 30, 5000, "fixed part of unix_stream_sendmsg (skb set-up, queueing)"),
    HostParam("unix.recvmsg_ns", 30, 5000, "fixed part of unix_stream_recvmsg"),
    HostParam("unix.skb_alloc_ns", 30, 5000, "allocate and free one skb (its head included): a send of 64 KB takes two"),
    HostParam(
        "unix.skb_frag_alloc_ns",
        0,
        10000,
        "allocate, charge and free one block of an skb's fragments (up to 8 pages, one page allocation)",
        start=300,
    ),
    # started inside the range, as pipe.buf_free_ns
    HostParam("unix.skb_frag_free_ns", 0, 10000, "free one block of an skb's fragments (the receiver's consume_skb)", start=100),
    HostParam("unix.skb_page_ns", 0, 10000, "what each page of an skb's fragments costs besides its block's allocation"),
    HostParam(
        "unix.shared_lines",
        0.0,
        16.0,
        "cache lines a send and the matching receive both write that move between their CPUs one after another",
    ),
    HostParam(
        "pipe.shared_lines",
        0.0,
        8.0,
        "cache lines a pipe's read and write both write that move between their CPUs one after another",
    ),
    HostParam("eventfd.op_ns", 10, 2000, "one eventfd_read/eventfd_write body"),
    HostParam("sched.ipi_send_ns", 50, 50000, "an IPI's cost to the sender, ~0.1 us bare metal to tens of us for a guest's VM exit"),
    HostParam("sched.ipi_latency_ns", 300, 300000, "a halted CPU woken by an interrupt, ~1 us bare metal to hundreds of us for a descheduled vCPU"),
    HostParam("sched.context_switch_ns", 100, 20000, "a task switch, ~0.1 us warm bare metal to tens of us in a guest"),
    HostParam("sched.idle_poll_ns", 0, 500000, "how long an idle CPU polls before it halts (0: halts at once; cpuidle-haltpoll's maximum is 200 us by default)"),
    HostParam(
        "sched.deep_idle_ns",
        0,
        5_000_000,
        "how long a CPU stays halted before it sleeps deeper (KVM's halt_poll_ns is 200 us by default)",
        candidates=interval_points(probes.WAKE_GAPS_NS),
    ),
    # starts above 0: at 0 the deeper sleep does not exist, and no figure would depend on deep_idle_ns
    HostParam("sched.deep_idle_exit_ns", 0, 2_000_000, "the extra wake-up latency from that deeper sleep (0: none)", start=20_000),
    HostParam(
        "sched.deep_idle_ramp",
        0.0,
        1.0,
        "how gradually a halted CPU sinks into that deeper sleep (0: at once at deep_idle_ns; 1: from the moment it halts)",
        start=0.5,
    ),
    HostParam("uring.submit_sqe_ns", 5, 2000, "io_submit_sqes per SQE (read, allocate, prep)"),
    HostParam("msg_ring.post_ns", 10, 5000, "lock another ring and post one CQE on it"),
    HostParam("msg_ring.remote_ns", 10, 20000, "queue a message on a DEFER_TASKRUN ring's work list"),
)
FITTED = COPY_PARAMS + REMOTE_COPY_PARAMS + KERNEL_PARAMS
#: rounds of choosing the step parameters' candidates and refitting the smooth ones, at most
STEP_ROUNDS = 4
# the copy stages' start scan: points along each range, rounds over the parameters
SCAN_POINTS = 17
SCAN_ROUNDS = 3


@attrs.frozen
class Provenance:
    """How a parameter got its value: ``kind`` is host, measured, fitted or inherited."""

    kind: str
    text: str
    range: tuple[float, float] | None = None


@attrs.frozen
class Stage:
    """One fit: its targets, the result, and the parameters it left alone (no target sees them)."""

    name: str
    targets: list[Target]
    result: FitResult | None
    unseen: list[str]

    def errors(self) -> dict[str, float]:
        if self.result is None:
            return {}
        return {str(k): v for k, v in self.result.final_eval.errors(self.targets).items()}


@attrs.frozen
class Calibration:
    """The calibrated values and where each came from."""

    base: CostModel  # the profile inherited from
    costs: CostModel  # the base profile with every calibrated value applied
    values: dict[str, int | float]
    provenance: dict[str, Provenance]
    stages: list[Stage]
    host: HostInfo
    measured: Measured


def copy_figures(targets: Sequence[Target]) -> Callable[[CostModel], dict[str, float]]:
    def figures(costs: CostModel) -> dict[str, float]:
        return {t.key: probes.copy_figure(costs, t.bench) for t in targets}

    return figures


def kernel_figures(targets: Sequence[Target], seed: int) -> Callable[[CostModel], dict[str, float]]:
    benches = list(dict.fromkeys(t.bench for t in targets))

    def figures(costs: CostModel) -> dict[str, float]:
        out = {}
        for b in benches:
            try:
                got = probes.simulate(costs, b, seed)
            except Exception:  # noqa: BLE001 - a parameter set the workload cannot run with is a failed figure
                continue
            for t in targets:
                if t.bench == b and t.field in got:
                    out[t.key] = got[t.field]
        return out

    return figures


def _clip(p: HostParam, value: float) -> float:
    return min(p.high, max(p.low, value))


def fit_stage(
    name: str,
    costs: CostModel,
    params: Sequence[HostParam],
    targets: Sequence[Target],
    figures: Callable[[CostModel], dict[str, float]],
    max_evals: int,
    scan: bool = False,
) -> Stage:
    """Fit the ``params`` that some target sees; the others are reported unseen.

    ``scan``: also fit from the best point of a scan along every range
    (:func:`scan_start`; a cheap stage can afford it), and keep the better fit:
    a copy's bandwidth is capped by its cache tier's, so the objective is flat
    beyond the cap, where the solver finds no slope and stops."""
    if not targets:
        return Stage(name, [], None, [p.dotted for p in params])
    starts = [f"{p.dotted}={p.start}" for p in params if p.start is not None]
    evaluator = FigureEvaluator(costs.with_overrides(starts), figures)
    info = {i.dotted: i for i in evaluator.costs.describe()}
    base = evaluator({})
    seen, unseen = [], []
    for p in params:
        value = info[p.dotted].value
        # doubled and halved: a threshold (how long before a CPU sleeps deeper) may
        # sit between two figures' points on one side only
        probes_ = [value * 2, value / 2] if value else [max(1.0, p.high / 100)]
        changed = [evaluator({p.dotted: type(value)(v)}) for v in probes_]
        if any(ev.simulated.get(k) != v for ev in changed for k, v in base.simulated.items()):
            seen.append(p)
        else:
            unseen.append(p.dotted)
    if not seen:
        return Stage(name, list(targets), None, unseen)
    smooth = [p for p in seen if not p.candidates]
    steps = [p for p in seen if p.candidates]
    fit_params = [FitParam(p.dotted, p.low, p.high, isinstance(info[p.dotted].value, int)) for p in smooth]
    start = {p.dotted: _clip(p, info[p.dotted].value) for p in smooth}
    result = fit(evaluator, fit_params, start, targets, max_evals) if smooth else None
    if scan and smooth:
        scanned = scan_start(evaluator, fit_params, start, targets)
        # the solver's budget counts from here: the scan's evaluations are its own
        other = fit(evaluator, fit_params, scanned, targets, evaluator.count + max_evals)
        if result is None or evaluation_cost(other.final_eval, targets) < evaluation_cost(result.final_eval, targets):
            result = other
    chosen: dict[str, float] = {}
    for _ in range(STEP_ROUNDS):
        # each step parameter's best candidate with the others as they are, then the smooth
        # ones refitted; again while a choice moves (the smooth ones first absorbed part of
        # what a step parameter at its start value left unexplained)
        before = dict(chosen)
        for p in steps:
            at = dict(result.values) if result is not None else {}
            costs_of = {v: evaluation_cost(evaluator({**at, **chosen, p.dotted: v}), targets) for v in p.candidates}
            chosen[p.dotted] = min(p.candidates, key=lambda v: (costs_of[v], v))
            if smooth:
                fixed = FigureEvaluator(evaluator.costs.with_overrides(overrides(chosen)), figures)
                result = fit(fixed, fit_params, at, targets, max_evals)
        if chosen == before:
            break
    if result is None:
        return Stage(name, list(targets), None, unseen)
    if chosen:
        whole = {**result.values, **{k: type(info[k].value)(v) for k, v in chosen.items()}}
        result = attrs.evolve(result, values=whole, final_eval=evaluator(whole))
    return Stage(name, list(targets), result, unseen)


def scan_start(
    evaluator: FigureEvaluator, params: Sequence[FitParam], start: Mapping[str, float], targets: Sequence[Target]
) -> dict[str, float]:
    """A start for a fit found by scanning: each parameter in turn is tried at
    ``SCAN_POINTS`` points spread along its range (geometrically for a
    log-scale one) with the others held, and the best kept; ``SCAN_ROUNDS``
    rounds over all of them.  It finds the basin a least-squares solver
    cannot reach across a flat stretch of the objective."""
    at = dict(start)
    best = evaluation_cost(evaluator(at), targets)
    for _ in range(SCAN_ROUNDS):
        for p in params:
            for i in range(SCAN_POINTS):
                trial = {**at, p.dotted: p.from_unit(i / (SCAN_POINTS - 1))}
                c = evaluation_cost(evaluator(trial), targets)
                if c < best:
                    at, best = trial, c
    return at


def wake_jitter_ns(measured: Measured) -> tuple[int, Figure] | None:
    """The model's wake-up noise (``sched.wakeup_jitter_ns``, the mean of an
    exponential) from the probe's shortest-gap wake-up onto an idle CPU.

    An exponential's median lies ln 1.8 means above its 10th percentile, so
    each run gives (median - p10) / ln 1.8, and the median over the runs is
    kept.  The lower half of the distribution, not its 90th percentile: on a
    shared VM a tenth of the wake-ups can take hundreds of microseconds more
    (the host's doing), a tail no exponential has, which would read as a mean
    noise of that size.  None if that figure or its percentiles were not
    measured.
    """
    fig = measured.get(probes.wake_bench(probes.WAKE_GAPS_NS[0]))
    if fig is None or not fig.runs:
        return None
    spreads = [
        (float(r["ns"]) - float(r["p10_ns"])) / math.log(1.8)  # type: ignore[arg-type]
        for r in fig.runs
        if isinstance(r.get("ns"), int | float) and isinstance(r.get("p10_ns"), int | float)
    ]
    if not spreads:
        return None
    return max(0, round(statistics.median(spreads))), fig


def interruptions(measured: Measured) -> tuple[int, int, Figure] | None:
    """``sched.irq_hz`` and ``sched.irq_ns`` from the probe's ``interrupts`` bench: how
    many times a second a task spinning on CPU 0 is interrupted (a gap of 2 us to 1 ms
    between two clock readings: longer ones are the host running something else on
    the vCPU, not an interrupt), and the interrupt time a second over that count, the
    interruptions' mean length.  On the Zen 5 guest: 0.5-0.7% of the time, in 13-17 us
    interruptions about 370-410 times a second, where the tick fires 250 times.  None
    if the bench was not measured or saw no interruption."""
    fig = measured.get(probes.INTERRUPTS)
    if fig is None or not fig.ok:
        return None
    per_s = round(fig.field("gaps_per_s"))
    if per_s <= 0:
        return None
    return per_s, max(0, round(fig.median / per_s)), fig


def page_list_costs(measured: Measured, irq_share: float) -> tuple[int, int, Figure] | None:
    """``mem.pcp_refill_page_ns`` and ``mem.pcp_drain_page_ns`` from the probe's
    :data:`~simuring.calibrate.probes.PAGE_LISTS` bench: what its writes and reads
    have above their median, per page they move through the buddy allocator
    (``probes.PAGE_LIST_PAGES`` a call), less what interruptions add to a call of
    that mean length (``irq_share``, the share of time they take).  On the Zen 5
    guest 45-48 and 54-65 ns in four calibrations (the bench repeated alone, 100-130:
    the buddy allocator's state after the other benches matters).  None if the
    bench was not measured."""
    fig = measured.get(probes.PAGE_LISTS)
    if fig is None or not fig.ok:
        return None

    def per_page(lumps: str, mean: str) -> int:
        return max(0, round((fig.field(lumps) - irq_share * fig.field(mean)) / probes.PAGE_LIST_PAGES))

    return per_page("write_lumps_ns", "write_ns"), per_page("read_lumps_ns", "read_ns"), fig


def pipe_slot_ns(measured: Measured) -> tuple[int, Figure, Figure] | None:
    """``pipe.slot_ns`` from the probe's two 64 B pipe benches: written and read back
    one at a time, every write starts a slot and every read empties it; in batches
    of ``probes.PIPE_BATCH`` one write in that many does, and one read.  The calls
    are otherwise the same, so the figures' difference is 2 x (1 - 1/batch) slots.
    A difference of two figures, so measured rather than fitted: fitted with the
    64 KB bench, whose 16 slots a call go with 14 page allocations, it came out at
    52 or 87 ns in two calibrations of the same machine.  On the Zen 5 guest about
    48 ns (471 and 378 ns a message).  None if either was not measured."""
    one = measured.get(probes.PIPE_ONE)
    batched = measured.get(probes.PIPE_BATCHED)
    if one is None or batched is None or not one.ok or not batched.ok:
        return None
    slots = 2 * (1 - 1 / probes.PIPE_BATCH)
    return max(0, round((one.median - batched.median) / slots)), one, batched


def fd_ref_ns(measured: Measured) -> tuple[int, Figure] | None:
    """``syscall.fd_ref_ns`` from the probe's ``fdref`` bench: an eventfd written and
    read back alone and with a second thread asleep in the process, whose calls'
    difference is the reference ``fdget`` takes on a shared table (never below 0).
    Measured, not fitted: no other bench tells it apart, as the probe's loop-back
    benches run one thread and its two-CPU ones two.  On the Zen 5 guest 24-28 ns a
    call (about 180 and 205 ns).  None if the bench was not measured."""
    fig = measured.get(probes.FD_REF)
    if fig is None or not fig.ok:
        return None
    return max(0, round(fig.median)), fig


def syscall_entry_ns(costs: CostModel, measured: Measured, seed: int = 0) -> tuple[int, Figure] | None:
    """``syscall.entry_ns`` from the probe's ``syscall`` bench (``getppid`` in a loop):
    the figure less what the model adds to each call besides the entry (the exit and
    the mean of its noise, ``syscall.exit_ns`` and ``syscall.jitter_ns``, inherited),
    found by simulating the bench at the current entry cost, and kept within the
    parameter's range.  A figure that is a parameter, so measured rather than fitted:
    fitted with the others, it drifted to 85-95 ns in three calibrations of ten on the
    Zen 5 guest whose ``getppid`` took 111-116 ns (the model's 135-145), the eventfd's
    own cost going to 13-17 ns to make up for it.  None if the bench was not measured."""
    fig = measured.get(probes.SYSCALL)
    if fig is None or not fig.ok:
        return None
    now = costs.syscall.entry_ns
    rest = probes.simulate(costs, probes.SYSCALL, seed)["ns"] - now
    low, high = next((p.low, p.high) for p in KERNEL_PARAMS if p.dotted == "syscall.entry_ns")
    return round(min(max(fig.median - rest, low), high)), fig


def calibrate(base: CostModel, host: HostInfo, measured: Measured, seed: int = 0, max_evals: int = 400) -> Calibration:
    """The base profile's values with this host's, and each value's provenance."""
    values: dict[str, int | float] = {}
    provenance: dict[str, Provenance] = {}
    stamp = f"simuring calibrate, {host.date}"

    def read(dotted: str, value: int | None, what: str) -> None:
        if value:
            values[dotted] = value
            provenance[dotted] = Provenance("host", f"read from the machine ({stamp}): {what}")

    read("host.cpus", host.cpus, "CPUs this process may run on")
    read("mem.l1_bytes", host.l1d_bytes, "CPU 0's L1 data cache (sysfs)")
    read("mem.l2_bytes", host.l2_bytes, "CPU 0's L2 cache (sysfs)")
    read("mem.llc_bytes", host.llc_bytes, "CPU 0's last-level cache (sysfs)")
    values["sched.timeslice_ns"] = host.base_slice_ns
    provenance["sched.timeslice_ns"] = Provenance(
        "host", f"derived from the CPU count ({stamp}): EEVDF's default base slice, 0.75 ms x (1 + log2(min(CPUs, 8)))"
    )
    read("sched.hz", host.hz, "CONFIG_HZ of the running kernel")
    lists = host.page_lists
    if lists is not None:
        read("mem.pcp_batch", lists.batch, f"/proc/zoneinfo, {lists.zone}: its per-CPU page lists' batch")
        read("mem.pcp_high_min", lists.high_min, f"/proc/zoneinfo, {lists.zone}: its low watermark over its CPUs (zone_highsize)")
        read("mem.pcp_high_max", lists.high_max, f"/proc/zoneinfo, {lists.zone}: an eighth of its managed pages over its CPUs (zone_highsize)")
    if host.idle_driver == "haltpoll" and host.halt_poll_ns is not None:
        # a guest that says how long it polls: read, not fitted (0 is "halts at once")
        values["sched.idle_poll_ns"] = host.halt_poll_ns
        provenance["sched.idle_poll_ns"] = Provenance(
            "host", f"read from the machine ({stamp}): cpuidle-haltpoll's guest_halt_poll_ns (sysfs)"
        )
    def took(dotted: str, value: int, what: str) -> None:
        values[dotted] = value
        provenance[dotted] = Provenance("measured", f"measured ({stamp}): {what}")

    line = measured.get(probes.CACHELINE)
    if line is not None:
        took(
            "mem.cacheline_transfer_ns",
            max(1, round(line.median)),
            f"one cache line handed between CPU 0 and CPU 1, median {line.median:.1f} ns "
            f"(min {line.low:.1f}, max {line.high:.1f}, {len(line.values)} runs)",
        )
    jitter = wake_jitter_ns(measured)
    if jitter is not None:
        took(
            "sched.wakeup_jitter_ns",
            jitter[0],
            f"the spread of a wake-up's latency onto an idle CPU ({jitter[1].bench.key}), (median - p10) / ln 1.8, "
            f"the mean of an exponential with that spread; median over {len(jitter[1].values)} runs",
        )
    irq = interruptions(measured)
    if irq is not None:
        per_s, each_ns, fig = irq
        lost = (
            f"CPU 0 reading the clock in a loop lost {fig.median / 1e9:.2%} of its time to interrupts "
            f"({fig.field('gaps_per_s'):.0f} a second, the median one {fig.field('median_gap_ns') / 1e3:.1f} us; medians over "
            f"{len(fig.values)} runs; min {fig.low / 1e9:.2%}, max {fig.high / 1e9:.2%})"
        )
        took("sched.irq_hz", per_s, f"{lost}: how many a second")
        took("sched.irq_ns", each_ns, f"{lost}: the time a second over their number, the mean one")
    pages = page_list_costs(measured, irq[2].median / 1e9 if irq is not None else 0.0)
    if pages is not None:
        refill, drain, fig = pages
        how = (
            f"a pipe's two ends taking turns on CPUs 0 and 1, 64 KiB a write ({fig.bench.key}): what the "
            f"{{}} have above their median, {{:.0f}} ns a call (median over {len(fig.values)} runs), less the "
            f"interruptions' share, over the {probes.PAGE_LIST_PAGES} pages each moves"
        )
        took("mem.pcp_refill_page_ns", refill, how.format("writes", fig.field("write_lumps_ns")))
        took("mem.pcp_drain_page_ns", drain, how.format("reads", fig.field("read_lumps_ns")))
    slot = pipe_slot_ns(measured)
    if slot is not None:
        took(
            "pipe.slot_ns",
            slot[0],
            f"64 B pipe messages written and read back one at a time ({slot[1].median:.0f} ns a message) "
            f"and {probes.PIPE_BATCH} at a time ({slot[2].median:.0f} ns; medians over {len(slot[1].values)} runs): "
            "the difference is a slot started and one emptied, but for the batch's own share",
        )
    ref = fd_ref_ns(measured)
    if ref is not None:
        fig = ref[1]
        took(
            "syscall.fd_ref_ns",
            ref[0],
            f"an eventfd written and read back alone ({fig.field('alone_ns'):.0f} ns a call) and with a second "
            f"thread asleep in the process ({fig.field('shared_ns'):.0f} ns): the difference, fdget's file "
            f"reference on a shared table; median over {len(fig.values)} runs (min {fig.low:.1f}, max {fig.high:.1f})",
        )
    entry = syscall_entry_ns(base.with_overrides(overrides(values)), measured, seed)
    if entry is not None:
        fig = entry[1]
        took(
            "syscall.entry_ns",
            entry[0],
            f"getppid(2) in a loop, median {fig.median:.1f} ns (min {fig.low:.1f}, max {fig.high:.1f}, "
            f"{len(fig.values)} runs), less the exit and the mean noise the model adds to each call",
        )
    costs = base.with_overrides(overrides(values))
    stages = []
    local = [b for b in probes.memcpy_benches() if b.bench == "memcpy"]
    remote = [b for b in probes.memcpy_benches() if b.bench in ("memcpy_remote", "memcpy_ring")]
    for name, params, benches, make in (
        ("copies", COPY_PARAMS, local, copy_figures),
        ("remote copies", REMOTE_COPY_PARAMS, remote, copy_figures),
        ("kernel", [p for p in KERNEL_PARAMS if p.dotted not in values], probes.kernel_benches(), None),
    ):
        targets = probes.targets(benches, measured)
        figures = make(targets) if make is not None else kernel_figures(targets, seed)
        # the copy stages evaluate a formula, not simulations: they can afford a scan
        stage = fit_stage(name, costs, params, targets, figures, max_evals, scan=make is not None)
        stages.append(stage)
        if stage.result is None:
            continue
        fitted = dict(stage.result.values)
        costs = costs.with_overrides(overrides(fitted))
        for p in params:
            if p.dotted in fitted:
                values[p.dotted] = fitted[p.dotted]
                provenance[p.dotted] = Provenance(
                    "fitted",
                    f"fitted by {stamp} to the probe's {name} figures (listed above), within [{p.low:g}, {p.high:g}]: {p.why}",
                    (p.low, p.high),
                )
    for info in base.describe():
        if info.dotted not in provenance:
            provenance[info.dotted] = Provenance("inherited", f"inherited from {base.name} (not measured here): {info.source}")
    return Calibration(base, costs, values, provenance, stages, host, measured)
