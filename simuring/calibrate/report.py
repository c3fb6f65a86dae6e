"""The Markdown report of ``simuring validate --report``."""

from __future__ import annotations

from collections.abc import Sequence

from simuring.calibrate.hostinfo import HostInfo
from simuring.calibrate.simulate import RUN_DELIVERIES
from simuring.calibrate.validation import MachineCheck, OrderCheck, Row, Summary, describe_regimes


def _ns(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def markdown(
    rows: Sequence[Row],
    orders: Sequence[OrderCheck],
    summary: Summary,
    host: HostInfo,
    profile: str,
    repeats: int,
    check: MachineCheck | None = None,
    moved: str | None = None,
) -> str:
    """The comparison as Markdown; ``moved``: :func:`~simuring.calibrate.probes.handoff_moved`'s
    sentence when the machine changed during the run."""
    out = [
        f"# simuring validate: {host.cpu_model}, {host.cpus} CPUs",
        "",
        f"Measured on {host.date} (Linux {host.kernel}, idle driver {host.idle_driver or 'unknown'}); "
        f"simulated with the host profile `{profile}`. Each measured figure is the median of {repeats} runs, "
        "each a fresh process, all cells in one shuffled order; min and max are the extreme runs. "
        "Each simulated figure is the same stream's median over as many runs, each with its own seed "
        f"(fewer for a long stream: at most {RUN_DELIVERIES:,} deliveries a cell), its min and max the extreme runs. "
        "The error is simulated / measured median - 1. Figures are the sender's ns per message "
        "after the stream's first tenth (msg_ring: ns per round trip after the warm-up).",
        "",
        "| cell | measured | min | max | simulated | min | max | error |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        err = "-" if r.error is None else f"{r.error:+.0%}"
        if r.note:
            err += f" ({r.note})"
        out.append(f"| {r.cell.name} | {_ns(r.measured_ns)} | {_ns(r.measured_min_ns)} | {_ns(r.measured_max_ns)} | {_ns(r.simulated_ns)} | {_ns(r.simulated_min_ns)} | {_ns(r.simulated_max_ns)} | {err} |")
    out += ["", "## Summary", ""]
    if summary.median_abs_error is not None and summary.worst is not None and summary.worst.error is not None:
        out += [
            f"- median |error|: {summary.median_abs_error:.0%} over {summary.compared} of {summary.cells} cells",
            f"- within 2x: {summary.within_2x} of {summary.compared}; worst: {summary.worst.cell.name} "
            f"({summary.worst.error:+.0%}, a factor of {summary.worst_factor:.2f})",
        ]
    out.append(f"- mechanisms ranked the same, measured and simulated: {summary.orders_same} of {summary.orders} groups")
    for o in orders:
        if not o.same:
            noise = " (the measured min-max ranges overlap: the measured order is within noise)" if o.overlapping else ""
            out.append(f"  - {o.group}: measured {' < '.join(o.measured)}, simulated {' < '.join(o.simulated)}{noise}")
    regimes = describe_regimes(rows)
    if regimes is not None:
        out.append(f"- {regimes}")
    if check is not None:
        out.append(f"- the machine: {check.describe()}")
    if moved is not None:
        out.append(f"- {moved}: the measured figures of this run are not of one machine")
    out += switches_section(rows)
    return "\n".join(out) + "\n"


def switches_section(rows: Sequence[Row]) -> list[str]:
    """How often each side slept (and was preempted) per message, measured and
    simulated: where a cell is far off, this tells whether the two ran in the
    same regime (streaming, or sleeping in turn)."""
    both = [r for r in rows if r.measured_switches is not None and r.simulated_switches is not None]
    if not both:
        return []
    out = [
        "",
        "## Sleeps per message",
        "",
        "Context switches per message over each stream, measured (getrusage(2) of each thread, "
        "median over the runs) and simulated: the sender's, and the receivers' summed; "
        "voluntary (it slept) and involuntary (preempted). A cell far off whose counts differ "
        "ran in another regime in the model.",
        "",
        "| cell | sender sleeps | receivers sleep | receivers preempted |",
        "|---|---:|---:|---:|",
    ]
    for r in dict((r.cell.bench(), r) for r in both).values():
        m, s = r.measured_switches, r.simulated_switches
        assert m is not None and s is not None
        out.append(
            f"| {r.cell.name} | {m.sender_blocks:.3f} / {s.sender_blocks:.3f} | "
            f"{m.receiver_blocks:.3f} / {s.receiver_blocks:.3f} | {m.receiver_preempted:.3f} / {s.receiver_preempted:.3f} |"
        )
    out += ["", "(measured / simulated)"]
    return out
