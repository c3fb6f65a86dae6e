"""The plot of ``simuring validate --plot``: measured (median, min-max bars) and simulated.

Three panels: point to point by message size, broadcast by receivers, and
every cell's simulated figure against its measured one (log-log, with the
2x band).  Needs matplotlib (``pip install 'simuring[plots]'``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from simuring.calibrate.validation import Row
from simuring.reproduce.plots import COLORS

CASE_MARKERS = {"p2p": "o", "broadcast": "s", "msg_ring": "D"}
EXTRA_COLORS = {"io_uring_msg_ring": "#d62728"}


def _color(mechanism: str) -> str:
    return COLORS.get(mechanism) or EXTRA_COLORS.get(mechanism, "#7f7f7f")


def _series(ax: object, rows: Sequence[Row], x_of: str, label: str, color: str) -> None:
    rows = sorted(rows, key=lambda r: getattr(r.cell, x_of))
    xs = [getattr(r.cell, x_of) for r in rows if r.measured_ns]
    med = [r.measured_ns for r in rows if r.measured_ns]
    lo = [r.measured_ns - (r.measured_min_ns or r.measured_ns) for r in rows if r.measured_ns]
    hi = [(r.measured_max_ns or r.measured_ns) - r.measured_ns for r in rows if r.measured_ns]
    ax.errorbar(xs, med, yerr=[lo, hi], color=color, marker="o", capsize=3, label=f"{label} measured")  # type: ignore[attr-defined]
    sx = [getattr(r.cell, x_of) for r in rows if r.simulated_ns]
    sy = [r.simulated_ns for r in rows if r.simulated_ns]
    ax.plot(sx, sy, color=color, linestyle="--", marker="x", label=f"{label} simulated")  # type: ignore[attr-defined]


def write_plot(path: Path, rows: Sequence[Row], title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (p2p, bcast, scatter) = plt.subplots(1, 3, figsize=(17, 5.5))
    for mech in dict.fromkeys(r.cell.mechanism for r in rows if r.cell.case == "p2p"):
        _series(p2p, [r for r in rows if r.cell.case == "p2p" and r.cell.mechanism == mech], "msg_size", mech, _color(mech))
    p2p.set(xscale="log", yscale="log", xlabel="message size (bytes)", ylabel="sender ns per message", title="point to point")
    p2p.legend(fontsize=7)
    for mech, size in dict.fromkeys((r.cell.mechanism, r.cell.msg_size) for r in rows if r.cell.case == "broadcast"):
        members = [r for r in rows if r.cell.case == "broadcast" and r.cell.mechanism == mech and r.cell.msg_size == size]
        _series(bcast, members, "receivers", f"{mech} {size} B", _color(mech) if size == 64 else _lighter(_color(mech)))
    bcast.set(xscale="log", yscale="log", xlabel="receivers", ylabel="sender ns per message", title="broadcast")
    bcast.legend(fontsize=7)
    both = [r for r in rows if r.measured_ns and r.simulated_ns]
    for r in both:
        scatter.scatter([r.measured_ns], [r.simulated_ns], color=_color(r.cell.mechanism), marker=CASE_MARKERS.get(r.cell.case, "o"))
    if both:
        lo = min(min(r.measured_ns or 0, r.simulated_ns or 0) for r in both) / 1.5
        hi = max(max(r.measured_ns or 0, r.simulated_ns or 0) for r in both) * 1.5
        scatter.plot([lo, hi], [lo, hi], color="black", linewidth=0.8)
        scatter.fill_between([lo, hi], [lo / 2, hi / 2], [lo * 2, hi * 2], color="grey", alpha=0.15, label="within 2x")
        scatter.set(xlim=(lo, hi), ylim=(lo, hi))
    scatter.set(xscale="log", yscale="log", xlabel="measured ns (median)", ylabel="simulated ns", title="every cell (o p2p, s broadcast, D msg_ring)")
    scatter.legend(fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _lighter(color: str) -> str:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(*((v + 255) // 2 for v in (r, g, b)))
