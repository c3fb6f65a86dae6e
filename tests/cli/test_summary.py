"""The summary ``simuring run`` prints (simuring/cli/summary.py): helper tasks apart, in no total."""

from __future__ import annotations

from rich.console import Console

from simuring import Simulation
from simuring.cli.summary import counts, print_summary
from simuring.syscalls import nanosleep
from simuring.workloads.ipc_fanout import run_fanout


def rendered(result) -> list[str]:
    console = Console(record=True, width=200)
    print_summary(result, "x.py", "h", console=console)
    return [line.rstrip() for line in console.export_text().splitlines()]


def row(lines: list[str], name: str) -> list[str]:
    (line,) = [ln for ln in lines if ln.startswith(f"│ {name} ")]
    return [cell.strip() for cell in line.strip("│").split("│")]


def test_helper_tasks_are_listed_apart_and_counted_in_no_total():
    sim = Simulation(seed=1)
    run_fanout(sim, 0, False, msg_size=64, receivers=2, messages=20, ring_entries=16, setup_flags="0")
    result = sim.run()
    lines = rendered(result)
    tasks_at, helpers_at = lines.index("tasks"), next(i for i, ln in enumerate(lines) if ln.startswith("helper tasks"))
    summary_at = next(i for i, ln in enumerate(lines) if ln.startswith("│ summary "))
    assert tasks_at < helpers_at < summary_at
    assert [ln for ln in lines[:helpers_at] if "summary" in ln] == []
    measured = result.benchmark_tasks()
    assert [t.name for t in measured] == ["sender", "receiver0", "receiver1"]
    total = row(lines, "total, 3 tasks")
    assert [int(n) for n in total[2:5]] == [sum(c) for c in zip(*(counts(t) for t in measured), strict=True)]
    helper = result.task("summary")
    assert counts(helper)[0] > 0  # it made syscalls, and they are in no total
    everybody = sum(counts(t)[0] for t in result.tasks)
    assert int(total[2]) == everybody - counts(helper)[0] - sum(counts(t)[0] for t in result.tasks if t.kthread)


def test_one_measured_task_has_no_total_and_no_helper_table():
    def task():
        yield from nanosleep(100)

    sim = Simulation()
    sim.spawn(task, name="only")
    lines = rendered(sim.run())
    assert row(lines, "only")[0] == "only"
    assert not [ln for ln in lines if ln.startswith(("│ total", "helper tasks"))]
