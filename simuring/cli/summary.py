"""The human-readable summary printed by ``simuring run`` (rich tables)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from simuring.output.result import SimResult


def fmt_ns(ns: int) -> str:
    if ns >= 1_000_000_000:
        return f"{ns / 1e9:.3f} s"
    if ns >= 1_000_000:
        return f"{ns / 1e6:.3f} ms"
    if ns >= 1_000:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns} ns"


def print_summary(result: SimResult, script: str, host: str, console: Console | None = None) -> None:
    console = console or Console()
    console.print(
        f"[bold]{script}[/bold] on host [bold]{host}[/bold], seed {result.seed}: simulated time {fmt_ns(result.sim_time_ns)}",
        soft_wrap=True,
    )
    if result.params:
        console.print("parameters: " + ", ".join(f"{k}={v}" for k, v in sorted(result.params.items())), soft_wrap=True)
    table = Table(title="tasks", title_justify="left")
    for col in ("task", "cpu time", "syscalls", "SQEs", "CQEs", "lat p50", "lat p99"):
        table.add_column(col, justify="left" if col == "task" else "right", no_wrap=True)
    for t in result.tasks:
        s: dict[str, Any] = t.stats
        lat = s["latency_ns"]
        table.add_row(
            t.name + ("*" if t.kthread else ""),
            fmt_ns(t.cpu_ns),
            str(sum(s["syscalls"].values())),
            str(sum(s["sqes"].values())),
            str(s["completions"]),
            fmt_ns(lat["p50"]) if lat["count"] else "-",
            fmt_ns(lat["p99"]) if lat["count"] else "-",
        )
    console.print(table)
    console.print("[dim]* kernel thread.  latency: SQE consumed by the kernel -> CQE visible in the CQ ring.  --json for everything[/dim]", soft_wrap=True)
    if result.extra:
        rep = Table(title="reported by the workload", title_justify="left")
        rep.add_column("figure")
        rep.add_column("value", justify="right")
        for k, v in sorted(result.extra.items()):
            rep.add_row(k, f"{v:,.1f}" if isinstance(v, float) else str(v))
        console.print(rep)
