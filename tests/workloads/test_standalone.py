"""``python workloads/x.py`` (simuring/workloads/standalone.py)."""

from __future__ import annotations

from simuring.syscalls import nanosleep
from simuring.workloads.standalone import run_standalone, shown


def test_a_long_list_is_shown_by_its_length_and_ends():
    assert shown([1, 2, 3]) == "[1, 2, 3]"
    assert shown(list(range(10))) == "10 entries, first [0, 1, 2], last [7, 8, 9]"
    assert shown(2.5) == "2.5"


def test_run_standalone_prints_every_figure_sorted(capsys):
    def task(sim):
        yield from nanosleep(10)
        sim.report("b", 2)
        sim.report("a", list(range(8)))

    def workload(sim):
        sim.spawn(task, sim)

    run_standalone(workload)
    assert capsys.readouterr().out.splitlines() == ["a: 8 entries, first [0, 1, 2], last [5, 6, 7]", "b: 2"]
