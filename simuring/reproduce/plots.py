"""Plots of a report: one PNG per table (simulated vs published, log-scale y) and
one of the what-if (io_uring cells with SINGLE_ISSUER|DEFER_TASKRUN).

matplotlib is an optional extra (``pip install 'simuring[plots]'``):
:func:`have_matplotlib` says whether it is there; :func:`write_plots` needs it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from simuring.reproduce.reference import IO_URING_MECHANISMS, Table
from simuring.reproduce.report import Report, Row
from simuring.reproduce.runner import WHAT_IF_FLAGS

COLORS = {
    "pipe": "#1f77b4",
    "unix_sock": "#ff7f0e",
    "shm_eventfd": "#2ca02c",
    "io_uring_unicast": "#d62728",
    "io_uring_bcast": "#9467bd",
    "io_uring_mcast": "#8c564b",
}
SIZE_STYLES = {64: "o", 4096: "s", 32768: "^"}
#: lines of one mechanism at several sizes (multicast_sender): a colour per size
SIZE_COLORS = ("#8c564b", "#17becf", "#bcbd22", "#e377c2", "#7f7f7f")
INSTALL_HINT = "pip install 'simuring[plots]'"


def have_matplotlib() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def _size_label(size: float, _pos: Any = None) -> str:
    size = int(size)
    if size >= 1024 and size % 1024 == 0:
        return f"{size // 1024} KB"
    return f"{size} B"


def _series(table: Table, rows: list[Row]) -> dict[tuple[str, int], list[Row]]:
    """Rows by line: (mechanism, msg_size or 0), each ordered along the x axis."""
    lines: dict[tuple[str, int], list[Row]] = {}
    several_sizes = table.axis == "receivers" and len(table.msg_sizes) > 1
    for row in rows:
        key = (row.cell.mechanism, row.cell.msg_size if several_sizes else 0)
        lines.setdefault(key, []).append(row)
    for line in lines.values():
        line.sort(key=lambda r: (r.cell.receivers, r.cell.msg_size))
    return lines


def _x(table: Table, row: Row) -> int:
    return row.cell.receivers if table.axis == "receivers" else row.cell.msg_size


def _axes_setup(ax: Any, table: Table) -> None:
    from matplotlib.ticker import FuncFormatter, NullLocator

    ax.set_yscale("log")
    ax.set_xscale("log", base=2)
    if table.axis == "receivers":
        ax.set_xticks(list(table.receivers))
        ax.set_xlabel("receivers")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{int(v)}"))
    else:
        ax.set_xticks(list(table.msg_sizes))
        ax.set_xlabel("message size")
        ax.xaxis.set_major_formatter(FuncFormatter(_size_label))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_ylabel("ns per message (sender side)")
    ax.grid(True, which="both", alpha=0.3)


def _plot_line(ax: Any, table: Table, key: tuple[str, int], rows: list[Row], what_if: bool = False) -> None:
    mechanism, size = key
    color = COLORS.get(mechanism, "black")
    if size and size in table.msg_sizes:
        color = SIZE_COLORS[table.msg_sizes.index(size) % len(SIZE_COLORS)]
    marker = SIZE_STYLES.get(size, "o")
    label = mechanism if not size else f"{mechanism} {_size_label(size)}"
    results = [(r, r.what_if if what_if else r.result) for r in rows]
    pts = [(_x(table, r), res.mean_ns, res.ci95_ns or 0.0) for r, res in results if res is not None and res.mean_ns is not None]
    if pts:
        xs, ys, es = zip(*pts, strict=True)
        style = ":" if what_if else "-"
        suffix = " (SINGLE_ISSUER|DEFER_TASKRUN)" if what_if else " (simulated)"
        ax.errorbar(xs, ys, yerr=es, color=color, marker=marker, linestyle=style, capsize=2, label=label + suffix)
    ref = [(_x(table, r), r.cell.reference_ns) for r in rows if r.cell.reference_ns is not None]
    if ref and not what_if:
        xs, ys = zip(*ref, strict=True)
        ax.plot(xs, ys, color=color, marker=marker, markerfacecolor="none", linestyle="--", label=label + " (published)")


def _legend(ax: Any) -> None:
    """Below the axes, simulated and published lines side by side."""
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: labels[i])
    ax.legend([handles[i] for i in order], [labels[i] for i in order], fontsize="x-small", ncols=2, loc="upper center", bbox_to_anchor=(0.5, -0.12))


def _figure(title: str, panels: int = 1) -> Any:
    """A figure of ``panels`` axes, two per row."""
    from matplotlib.figure import Figure

    cols = min(panels, 2)
    rows = (panels + cols - 1) // cols
    fig = Figure(figsize=(7.5 * cols, 6.5 * rows))
    # fixed margins (a constrained layout costs more than the drawing); each legend goes below its axes
    fig.subplots_adjust(left=0.13 / cols, right=1 - 0.03 / cols, top=1 - 0.14 / rows, bottom=0.25 / rows, wspace=0.3, hspace=0.6)
    axes = [fig.add_subplot(rows, cols, i + 1) for i in range(panels)]
    fig.suptitle(title)
    return fig, axes


def plot_table(report: Report, table: Table, path: Path) -> None:
    versus = " vs published" if table.published else ""
    fig, (ax,) = _figure(f"{table.title}\nsimulated (host {report.host}){versus}")
    for key, rows in _series(table, report.rows_of(table.name)).items():
        _plot_line(ax, table, key, rows)
    _axes_setup(ax, table)
    _legend(ax)
    fig.savefig(path, dpi=100)


def plot_what_if(report: Report, path: Path) -> bool:
    """The io_uring cells of each table, default vs SINGLE_ISSUER|DEFER_TASKRUN; False if none."""
    tables = [t for t in report.plan.tables if any(r.what_if is not None for r in report.rows_of(t.name))]
    if not tables:
        return False
    fig, axes = _figure(f"What-if: io_uring cells with IORING_SETUP_{WHAT_IF_FLAGS.replace('|', ' | IORING_SETUP_')}", len(tables))
    for ax, table in zip(axes, tables, strict=True):
        rows = [r for r in report.rows_of(table.name) if r.cell.mechanism in IO_URING_MECHANISMS]
        for key, line in _series(table, rows).items():
            _plot_line(ax, table, key, line)
            _plot_line(ax, table, key, line, what_if=True)
        _axes_setup(ax, table)
        ax.set_title(table.title, fontsize="medium")
        _legend(ax)
    fig.savefig(path, dpi=100)
    return True


def write_plots(report: Report, out: Path) -> list[Path]:
    """One PNG per table, and ``what_if.png``; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for table in report.plan.tables:
        path = out / f"{table.name}.png"
        plot_table(report, table, path)
        written.append(path)
    path = out / "what_if.png"
    if plot_what_if(report, path):
        written.append(path)
    return written
