"""The human-readable summary printed by ``simuring run`` (rich tables).

The tasks table lists the measured tasks (the workload's user tasks) and the
kernel threads (``*``), and ends, when there are several measured tasks,
with their total (kernel threads are not in it).  Helper tasks (spawned with
``helper=True``: a barrier, a summary written at the end) serve the
workload and are not measured: they are in a table of their own and in no
total (:meth:`SimResult.benchmark_tasks`).
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from simuring.output.result import SimResult, TaskResult

COLUMNS = ("task", "cpu time", "syscalls", "SQEs", "CQEs", "lat p50", "lat p99")


def fmt_ns(ns: int) -> str:
    if ns >= 1_000_000_000:
        return f"{ns / 1e9:.3f} s"
    if ns >= 1_000_000:
        return f"{ns / 1e6:.3f} ms"
    if ns >= 1_000:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns} ns"


def counts(t: TaskResult) -> tuple[int, int, int]:
    """A task's syscalls, SQEs and CQEs."""
    s: dict[str, Any] = t.stats
    return sum(s["syscalls"].values()), sum(s["sqes"].values()), s["completions"]


def task_table(title: str, tasks: list[TaskResult], total_of: list[TaskResult] | None = None) -> Table:
    """One row per task; with ``total_of`` (two or more tasks), a last row with their total."""
    table = Table(title=title, title_justify="left")
    for col in COLUMNS:
        table.add_column(col, justify="left" if col == "task" else "right", no_wrap=True)
    for i, t in enumerate(tasks):
        lat = t.stats["latency_ns"]
        last = i == len(tasks) - 1
        table.add_row(
            t.name + ("*" if t.kthread else ""),
            fmt_ns(t.cpu_ns),
            *(str(n) for n in counts(t)),
            fmt_ns(lat["p50"]) if lat["count"] else "-",
            fmt_ns(lat["p99"]) if lat["count"] else "-",
            end_section=last,
        )
    if total_of is not None and len(total_of) > 1:
        sums = [sum(n) for n in zip(*(counts(t) for t in total_of), strict=True)]
        table.add_row(
            f"total, {len(total_of)} tasks",
            fmt_ns(sum(t.cpu_ns for t in total_of)),
            *(str(n) for n in sums),
            "",
            "",
        )
    return table


def print_summary(result: SimResult, script: str, host: str, console: Console | None = None) -> None:
    console = console or Console()
    console.print(
        f"[bold]{script}[/bold] on host [bold]{host}[/bold], seed {result.seed}: simulated time {fmt_ns(result.sim_time_ns)}",
        soft_wrap=True,
    )
    if result.params:
        console.print("parameters: " + ", ".join(f"{k}={v}" for k, v in sorted(result.params.items())), soft_wrap=True)
    helpers = [t for t in result.tasks if t.helper]
    console.print(task_table("tasks", [t for t in result.tasks if not t.helper], total_of=result.benchmark_tasks()))
    if helpers:
        console.print(task_table("helper tasks (serve the workload: not measured, in no total)", helpers))
    console.print(
        "[dim]* kernel thread.  total: the measured tasks (no kernel thread, no helper).  latency: SQE consumed by the kernel -> CQE visible in the CQ ring.  --json for everything[/dim]",
        soft_wrap=True,
    )
    line = trace_line(result)
    if line is not None:
        console.print(line, soft_wrap=True, markup=False)
    if result.extra:
        rep = Table(title="reported by the workload", title_justify="left")
        rep.add_column("figure")
        rep.add_column("value", justify="right")
        for k, v in sorted(result.extra.items()):
            rep.add_row(k, f"{v:,.1f}" if isinstance(v, float) else str(v))
        console.print(rep)


def trace_line(result: SimResult) -> str | None:
    """"trace: N events", with what the cap dropped; None when tracing was off."""
    if not result.trace_enabled:
        return None
    line = f"trace: {len(result.trace):,} events"
    if result.trace_dropped:
        cut = result.trace_dropped_from
        line += (
            f" ({result.trace_dropped:,} dropped: cap {result.trace_limit:,}; whole until t={fmt_ns(cut or 0)}."
            " Raise it with --trace-limit, or keep fewer kinds with --trace-filter)"
        )
    return line
