"""The validation set: real IPC benchmarks and the same workloads simulated, side by side.

Each :class:`Cell` is measured for real by ``csrc/ipcbench.c`` and
simulated by the bundled workload that follows the same definition
(``workloads/rfc_<mechanism>.py`` with ``placement="wrap"``, and
``workloads/msg_ring_pingpong.py``):

* **p2p**: one sender streams messages of 64 B, 1 KB, 4 KB and 32 KB to one
  receiver through a pipe, an AF_UNIX stream socket, or a shared-memory ring
  plus eventfds; the figure is the sender's time per message;
* **broadcast**: the same to 1, 2, 4, 8 and 16 receivers (each message
  written to every receiver in turn) at 64 B and 4 KB, pipe and shm_eventfd.
  The sender is on CPU 0 and receiver i on CPU 1 + i % (CPUs - 1): receivers
  that outnumber the CPUs share them, in the simulation as on the machine;
* **msg_ring**: a MSG_RING ping-pong between two rings on two CPUs, without
  setup flags and with SINGLE_ISSUER|DEFER_TASKRUN; the figure is the round
  trip.

Each is simulated as the machine runs it, the same stream and the same
figure, median over runs (:mod:`.simulate`).  None of these figures is used
by the calibration (:mod:`.probes` measures other things).  A p2p cell and
the broadcast cell to one receiver of the same mechanism and size are one
experiment, measured once.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from simuring.calibrate import probes
from simuring.calibrate.measure import Bench, Figure, Measured
from simuring.reproduce.runner import NO_FLAGS, WHAT_IF_FLAGS, Job, SwitchCounts
from simuring.reproduce.workloads import MSG_RING_PINGPONG

if TYPE_CHECKING:
    from simuring.calibrate.simulate import CellFigure

P2P_MECHANISMS = ("pipe", "unix_sock", "shm_eventfd")
P2P_SIZES = (64, 1024, 4096, 32768)
BROADCAST_MECHANISMS = ("pipe", "shm_eventfd")
BROADCAST_SIZES = (64, 4096)
BROADCAST_RECEIVERS = (1, 2, 4, 8, 16)
FLAG_NAMES = {"default": NO_FLAGS, "single_issuer_defer_taskrun": WHAT_IF_FLAGS}
PROBE_FLAGS = {"default": "none", "single_issuer_defer_taskrun": "sqdt"}
#: the real stream's length: about this many bytes per receiver, within the bounds below
STREAM_BYTES = 32 << 20
MIN_MESSAGES, MAX_MESSAGES = 500, 20_000
PINGPONG_ITERS = 1_000


@attrs.frozen
class Cell:
    """One validation figure (the JSON record's identity)."""

    case: str  # p2p, broadcast, msg_ring
    mechanism: str
    msg_size: int
    receivers: int
    setup_flags: str = "default"

    @property
    def name(self) -> str:
        if self.case == "msg_ring":
            return f"msg_ring:{self.setup_flags}"
        return f"{self.case}:{self.mechanism}:{self.msg_size}:{self.receivers}"

    def messages(self) -> int:
        return max(MIN_MESSAGES, min(MAX_MESSAGES, STREAM_BYTES // (self.msg_size * self.receivers)))

    def bench(self) -> Bench:
        """The real benchmark (``ipcbench``)."""
        if self.case == "msg_ring":
            return Bench("ipcbench", "msg_ring_pingpong", (("flags", PROBE_FLAGS[self.setup_flags]), ("iters", PINGPONG_ITERS)), io_uring=True)
        return Bench(
            "ipcbench",
            "stream",
            (("mech", self.mechanism), ("size", self.msg_size), ("receivers", self.receivers), ("messages", self.messages())),
        )

    def job(self) -> Job:
        """The simulated counterpart (the reproduction's runner runs it)."""
        if self.case == "msg_ring":
            return Job(MSG_RING_PINGPONG, 0, 1, FLAG_NAMES[self.setup_flags])
        return Job(self.mechanism, self.msg_size, self.receivers, None, placement="wrap")


def cells() -> list[Cell]:
    out = [Cell("p2p", m, s, 1) for m in P2P_MECHANISMS for s in P2P_SIZES]
    out += [Cell("broadcast", m, s, r) for m in BROADCAST_MECHANISMS for s in BROADCAST_SIZES for r in BROADCAST_RECEIVERS]
    out += [Cell("msg_ring", "io_uring_msg_ring", 0, 1, f) for f in FLAG_NAMES]
    return out


def benches(chosen: Sequence[Cell], cpus: int = 2) -> list[Bench]:
    """The distinct real benchmarks of ``chosen`` (p2p and broadcast to one receiver
    coincide), and, with two CPUs or more, the probe's cache-line hand-off
    (:func:`machine_check`)."""
    return [*dict.fromkeys(c.bench() for c in chosen), *([probes.CACHELINE] if cpus >= 2 else [])]




@attrs.frozen
class MachineCheck:
    """Is the machine as the profile models it?  The cache-line hand-off between
    CPU 0 and CPU 1, measured among the validation's runs, against the profile's
    ``mem.cacheline_transfer_ns`` (measured by ``calibrate``).  Every cross-CPU
    figure scales with it; on a VM it moves when the host places the vCPUs
    elsewhere (another core complex, another socket), which no profile follows."""

    measured_ns: float
    measured_min_ns: float
    measured_max_ns: float
    profile_ns: int

    @property
    def ratio(self) -> float:
        return self.measured_ns / self.profile_ns if self.profile_ns else math.inf

    @property
    def changed(self) -> bool:
        return not (1 / probes.MACHINE_CHANGE_FACTOR <= self.ratio <= probes.MACHINE_CHANGE_FACTOR)

    def describe(self) -> str:
        text = (
            f"a cache line handed between CPU 0 and CPU 1: {self.measured_ns:,.0f} ns now "
            f"(min {self.measured_min_ns:,.0f}, max {self.measured_max_ns:,.0f}), {self.profile_ns:,} ns in the profile"
        )
        if self.changed:
            text += (
                f": {self.ratio:.1f} times the profile's. The machine is not as the profile models it "
                "(something else runs on it, or, on a VM, the host has placed the vCPUs elsewhere), so "
                "every cross-CPU figure differs for that reason too: calibrate again, and run both "
                "when the machine is idle"
            )
        return text


def machine_check(measured: Measured, profile_cacheline_ns: int) -> MachineCheck | None:
    """The check of :class:`MachineCheck` (None if the hand-off was not measured)."""
    fig = measured.get(probes.CACHELINE)
    if fig is None:
        return None
    return MachineCheck(fig.median, fig.low, fig.high, profile_cacheline_ns)


@attrs.frozen
class Row:
    """A cell measured and simulated: the figures of one ``--json`` record."""

    cell: Cell
    measured_ns: float | None
    measured_min_ns: float | None
    measured_max_ns: float | None
    simulated_ns: float | None
    note: str = ""  # why a figure is missing
    # how often each side slept and was preempted per message, for the report (not in --json)
    measured_switches: SwitchCounts | None = None
    simulated_switches: SwitchCounts | None = None
    # the simulated runs' extremes, for the table and the report (not in --json)
    simulated_min_ns: float | None = None
    simulated_max_ns: float | None = None

    @property
    def error(self) -> float | None:
        """simulated / measured - 1 (against the measured median)."""
        if not self.measured_ns or not self.simulated_ns:
            return None
        return self.simulated_ns / self.measured_ns - 1.0

    @classmethod
    def from_record(cls, rec: dict[str, object]) -> Row:
        """The row of one ``--json`` record (for tools that read a saved validation)."""

        def num(key: str) -> float | None:
            v = rec.get(key)
            return float(v) if isinstance(v, int | float) else None

        cell = Cell(str(rec["case"]), str(rec["mechanism"]), int(rec["msg_size"]), int(rec["receivers"]), str(rec["setup_flags"]))  # type: ignore[call-overload]
        return cls(cell, num("measured_ns"), num("measured_min_ns"), num("measured_max_ns"), num("simulated_ns"))

    def record(self) -> dict[str, object]:
        c = self.cell
        return {
            "case": c.case,
            "mechanism": c.mechanism,
            "msg_size": c.msg_size,
            "receivers": c.receivers,
            "setup_flags": c.setup_flags,
            "measured_ns": self.measured_ns,
            "measured_min_ns": self.measured_min_ns,
            "measured_max_ns": self.measured_max_ns,
            "simulated_ns": self.simulated_ns,
        }


def rows(chosen: Sequence[Cell], measured: Measured, simulated: Sequence[CellFigure]) -> list[Row]:
    by_job = {r.job: r for r in simulated}
    out = []
    for c in chosen:
        fig = measured.get(c.bench())
        result = by_job.get(c.job())
        notes = []
        if fig is None:
            error = measured.figures.get(c.bench().key)
            notes.append(f"not measured: {error.error if error is not None else 'skipped'}")
        if result is not None and result.error:
            notes.append(f"simulation failed: {result.error}")
        low, median, high = (fig.low, fig.median, fig.high) if fig is not None else (None, None, None)
        sim_ns = result.ns if result is not None else None
        switches = result.switches if result is not None else None
        sim_low = sim_high = None
        if result is not None and result.runs:
            sim_low, sim_high = min(result.runs), max(result.runs)
        out.append(Row(c, median, low, high, sim_ns, "; ".join(notes), measured_switches(fig), switches, sim_low, sim_high))
    return out


SWITCH_FIELDS = ("tx_blocks_per_msg", "tx_preempted_per_msg", "rx_blocks_per_msg", "rx_preempted_per_msg")
"""``ipcbench stream``'s context switches per message: the sender's and the receivers'
(summed), voluntary (it slept) and involuntary (preempted), from getrusage(2)."""


def measured_switches(fig: Figure | None) -> SwitchCounts | None:
    """The medians over runs of a stream figure's context switches per message
    (None for a figure without them: msg_ring, or a run of an older ipcbench)."""
    if fig is None or not fig.runs or not all(all(isinstance(r.get(k), int | float) for k in SWITCH_FIELDS) for r in fig.runs):
        return None
    tx_blocks, tx_preempted, rx_blocks, rx_preempted = (fig.field(k) for k in SWITCH_FIELDS)
    return SwitchCounts(tx_blocks, tx_preempted, rx_blocks, rx_preempted)


@attrs.frozen
class OrderCheck:
    """The mechanisms at one size (and receiver count), ranked by measured and by simulated time."""

    group: str
    measured: tuple[str, ...]
    simulated: tuple[str, ...]
    overlapping: bool  # two measured ranges (min..max) overlap: the measured order is within noise

    @property
    def same(self) -> bool:
        return self.measured == self.simulated


def orderings(all_rows: Sequence[Row]) -> list[OrderCheck]:
    """Per case and size (and receivers), the mechanisms' order in both worlds."""
    groups: dict[str, list[Row]] = {}
    for r in all_rows:
        if r.cell.case == "msg_ring" or r.error is None:
            continue
        if r.cell.case == "broadcast" and r.cell.receivers == 1:
            continue  # the same experiment as the p2p cell
        groups.setdefault(f"{r.cell.case} {r.cell.msg_size} B x{r.cell.receivers}", []).append(r)
    out = []
    for group, members in groups.items():
        if len(members) < 2:
            continue
        by_measured = tuple(r.cell.mechanism for r in sorted(members, key=lambda r: r.measured_ns or 0))
        by_simulated = tuple(r.cell.mechanism for r in sorted(members, key=lambda r: r.simulated_ns or 0))
        spans = sorted((r.measured_min_ns or 0, r.measured_max_ns or 0) for r in members)
        overlapping = any(spans[i + 1][0] <= spans[i][1] for i in range(len(spans) - 1))
        out.append(OrderCheck(group, by_measured, by_simulated, overlapping))
    return out


@attrs.frozen
class Summary:
    cells: int
    compared: int
    median_abs_error: float | None
    worst: Row | None
    within_2x: int
    orders_same: int
    orders: int

    @property
    def worst_factor(self) -> float | None:
        if self.worst is None or self.worst.error is None:
            return None
        return factor(self.worst)


def factor(row: Row) -> float:
    """How far off, as a factor >= 1 (2.0: twice or half the measured figure)."""
    e = row.error
    if e is None:
        return math.inf
    return e + 1.0 if e >= 0 else 1.0 / (1.0 + e)


#: a cell ran in another regime when it is this far off (a factor) and its sides'
#: sleeps per message differ by :data:`REGIME_SLEEP_FACTOR` and :data:`REGIME_SLEEP_MIN`
REGIME_OFF_FACTOR = 1.5
REGIME_SLEEP_FACTOR = 3.0
REGIME_SLEEP_MIN = 0.05


def sleeps_per_message(counts: SwitchCounts) -> float:
    """The times a message's sender and receivers (summed) slept."""
    return counts.sender_blocks + counts.receiver_blocks


def other_regime(all_rows: Sequence[Row]) -> list[Row]:
    """The stream cells far off (:data:`REGIME_OFF_FACTOR`) whose model slept a
    different number of times a message than the machine (by a factor of
    :data:`REGIME_SLEEP_FACTOR`, and at least :data:`REGIME_SLEEP_MIN` apart):
    one side streamed while the other slept in turn, the likeliest reason for
    such a cell, which the report's sleeps per message show in full."""
    out = []
    for r in all_rows:
        m, s = r.measured_switches, r.simulated_switches
        if m is None or s is None or r.error is None or factor(r) < REGIME_OFF_FACTOR:
            continue
        a, b = sleeps_per_message(m), sleeps_per_message(s)
        if abs(a - b) >= REGIME_SLEEP_MIN and max(a, b) >= REGIME_SLEEP_FACTOR * min(a, b):
            out.append(r)
    return out


def describe_regimes(rows: Sequence[Row]) -> str | None:
    """One line naming the :func:`other_regime` cells, with the sleeps per message
    measured / simulated (None if there are none)."""
    cells = []
    for r in other_regime(rows):
        assert r.measured_switches is not None and r.simulated_switches is not None
        cells.append(f"{r.cell.name} {sleeps_per_message(r.measured_switches):.2f} / {sleeps_per_message(r.simulated_switches):.2f}")
    if not cells:
        return None
    return "ran in another regime in the model (sleeps a message, measured / simulated): " + "; ".join(cells)


def summarize(all_rows: Sequence[Row], orders: Sequence[OrderCheck]) -> Summary:
    compared = [r for r in all_rows if r.error is not None]
    errors = [abs(r.error) for r in compared if r.error is not None]
    worst = max(compared, key=factor, default=None)
    return Summary(
        cells=len(all_rows),
        compared=len(compared),
        median_abs_error=statistics.median(errors) if errors else None,
        worst=worst,
        within_2x=sum(1 for r in compared if factor(r) <= 2.0),
        orders_same=sum(1 for o in orders if o.same),
        orders=len(orders),
    )
