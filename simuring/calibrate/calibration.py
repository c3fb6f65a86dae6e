"""From the probe's measurements to a host profile's values.

Three kinds of parameter, each with its provenance:

* **read from the machine**: the CPU count and the cache sizes
  (:mod:`.hostinfo`);
* **measured directly**: a figure that *is* a parameter of the model
  (one cache line handed between two CPUs is ``mem.cacheline_transfer_ns``);
* **fitted**: every other parameter in :data:`FITTED` that some measured
  figure depends on, moved within its physical range by the reproduction's
  fitting machinery (:func:`simuring.reproduce.fit.fit`: bounded soft-L1
  least squares on log errors) until the simulated microbenchmarks
  (:mod:`.probes`) match the measured ones.  The copy parameters are fitted
  first, on the memcpy figures alone (a copy's price is one function of the
  model); then the kernel parameters, on the simulated system calls,
  wake-ups and rings, with the copy parameters fixed.

A parameter in :data:`FITTED` that no measured figure depends on (found by
doubling it: the simulations are deterministic), and every parameter not in
it, keeps the base profile's value and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from simuring.calibrate import probes
from simuring.calibrate.hostinfo import HostInfo
from simuring.calibrate.measure import Measured
from simuring.calibrate.probes import Target
from simuring.cost import CostModel
from simuring.reproduce.fit import Evaluation, FitParam, FitResult, fit, overrides


@attrs.frozen
class HostParam:
    """A parameter the calibration may fit, with the range any host's value lies in."""

    dotted: str
    low: float
    high: float
    why: str


COPY_PARAMS = (
    HostParam("mem.memcpy_base_ns", 1, 200, "fixed cost of a copy routine call, ~2 ns (rep movsb, warm) to ~200 ns"),
    HostParam("mem.l1_bytes_per_ns", 4.0, 256.0, "single-core copy bandwidth within L1"),
    HostParam("mem.l2_bytes_per_ns", 2.0, 200.0, "single-core copy bandwidth within L2"),
    HostParam("mem.llc_bytes_per_ns", 1.0, 100.0, "single-core copy bandwidth from the last-level cache"),
    HostParam("mem.dram_bytes_per_ns", 0.5, 60.0, "single-core copy bandwidth from DRAM"),
    HostParam("mem.remote_bytes_per_ns", 0.5, 100.0, "copy bandwidth when every line comes from another core's cache"),
)
KERNEL_PARAMS = (
    HostParam("syscall.entry_ns", 20, 2000, "system call entry, ~20 ns bare metal without mitigations to ~2 us in a guest with the heaviest ones"),
    HostParam("pipe.op_ns", 10, 3000, "fixed part of pipe_read/pipe_write (mutex, accounting)"),
    HostParam("unix.sendmsg_ns", 30, 5000, "fixed part of unix_stream_sendmsg (skb set-up, queueing)"),
    HostParam("unix.recvmsg_ns", 30, 5000, "fixed part of unix_stream_recvmsg"),
    HostParam("eventfd.op_ns", 10, 2000, "one eventfd_read/eventfd_write body"),
    HostParam("sched.wakeup_ns", 30, 10000, "try_to_wake_up's cost to the waker for a target whose CPU does not halt"),
    HostParam("sched.ipi_send_ns", 50, 50000, "an IPI's cost to the sender, ~0.1 us bare metal to tens of us for a guest's VM exit"),
    HostParam("sched.ipi_latency_ns", 300, 300000, "a halted CPU woken by an interrupt, ~1 us bare metal to hundreds of us for a descheduled vCPU"),
    HostParam("sched.wakeup_latency_ns", 100, 50000, "a running or polling CPU notices need_resched and switches in"),
    HostParam("sched.context_switch_ns", 100, 20000, "a task switch, ~0.1 us warm bare metal to tens of us in a guest"),
    HostParam("sched.idle_poll_ns", 0, 500000, "how long an idle CPU polls before it halts (0: halts at once; cpuidle-haltpoll's maximum is 200 us by default)"),
    HostParam("uring.submit_sqe_ns", 5, 2000, "io_submit_sqes per SQE (read, allocate, prep)"),
    HostParam("msg_ring.post_ns", 10, 5000, "lock another ring and post one CQE on it"),
    HostParam("msg_ring.remote_ns", 10, 20000, "queue a message on a DEFER_TASKRUN ring's work list"),
)
FITTED = COPY_PARAMS + KERNEL_PARAMS


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

    costs: CostModel  # the base profile with every calibrated value applied
    values: dict[str, int | float]
    provenance: dict[str, Provenance]
    stages: list[Stage]
    host: HostInfo
    measured: Measured


class FigureEvaluator:
    """Simulates calibration targets for given parameter values (memoised): an
    :class:`~simuring.reproduce.fit.Objective`."""

    def __init__(self, costs: CostModel, targets: Sequence[Target], figures: Callable[[CostModel], dict[str, float]]) -> None:
        self.costs = costs
        self.targets = list(targets)
        self.figures = figures
        self.count = 0
        self.cache: dict[Any, Evaluation] = {}

    def __call__(self, values: Mapping[str, float]) -> Evaluation:
        key = tuple(sorted(values.items()))
        found = self.cache.get(key)
        if found is not None:
            return found
        ev = Evaluation(dict(values), self.figures(self.costs.with_overrides(overrides(values))))
        self.cache[key] = ev
        self.count += 1
        return ev


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
) -> Stage:
    """Fit the ``params`` that some target sees; the others are reported unseen."""
    if not targets:
        return Stage(name, [], None, [p.dotted for p in params])
    evaluator = FigureEvaluator(costs, targets, figures)
    info = {i.dotted: i for i in costs.describe()}
    base = evaluator({})
    seen, unseen = [], []
    for p in params:
        value = info[p.dotted].value
        probe_value = value * 2 if value else max(1.0, p.high / 100)
        changed = evaluator({p.dotted: type(value)(probe_value)})
        if any(changed.simulated.get(k) != v for k, v in base.simulated.items()):
            seen.append(p)
        else:
            unseen.append(p.dotted)
    if not seen:
        return Stage(name, list(targets), None, unseen)
    fit_params = [FitParam(p.dotted, p.low, p.high, isinstance(info[p.dotted].value, int)) for p in seen]
    start = {p.dotted: _clip(p, info[p.dotted].value) for p in seen}
    result = fit(evaluator, fit_params, start, targets, max_evals)
    return Stage(name, list(targets), result, unseen)


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
    line = measured.get(probes.CACHELINE)
    if line is not None:
        values["mem.cacheline_transfer_ns"] = max(1, round(line.median))
        provenance["mem.cacheline_transfer_ns"] = Provenance(
            "measured",
            f"measured ({stamp}): one cache line handed between CPU 0 and CPU 1, median "
            f"{line.median:.1f} ns (min {line.low:.1f}, max {line.high:.1f}, {len(line.values)} runs)",
        )
    costs = base.with_overrides(overrides(values))
    stages = []
    for name, params, benches, make in (
        ("copies", COPY_PARAMS, probes.memcpy_benches(), copy_figures),
        ("kernel", KERNEL_PARAMS, probes.kernel_benches(), None),
    ):
        targets = probes.targets(benches, measured)
        figures = make(targets) if make is not None else kernel_figures(targets, seed)
        stage = fit_stage(name, costs, params, targets, figures, max_evals)
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
    return Calibration(costs, values, provenance, stages, host, measured)
