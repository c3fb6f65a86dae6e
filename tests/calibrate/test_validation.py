"""The validation set: its cells, real and simulated definitions, errors, orderings, records."""

from __future__ import annotations

import json

import pytest

from simuring.calibrate import simulate, validation
from simuring.calibrate.measure import Figure, Measured
from simuring.calibrate.simulate import CellFigure
from simuring.calibrate.validation import Cell, Row

RECORD_KEYS = ["case", "mechanism", "msg_size", "receivers", "setup_flags", "measured_ns", "measured_min_ns", "measured_max_ns", "simulated_ns"]


def test_the_cells_the_issue_names() -> None:
    cells = validation.cells()
    assert len([c for c in cells if c.case == "p2p"]) == 12
    assert len([c for c in cells if c.case == "broadcast"]) == 20
    assert {c.setup_flags for c in cells if c.case == "msg_ring"} == {"default", "single_issuer_defer_taskrun"}
    # p2p and broadcast to one receiver of the same mechanism and size are one
    # experiment; and the probe's cache-line hand-off is measured among them
    assert len(validation.benches(cells)) == len(cells) - 4 + 1
    assert validation.benches(cells)[-1].key == "cacheline iters=100000"
    # on one CPU the hand-off would be both sides on that CPU: not measured
    assert validation.benches(cells, 1) == validation.benches(cells)[:-1]
    assert len({job for job, _messages, _skip, run in simulate.plan(cells, 1)}) == len(cells) - 4


def test_real_and_simulated_definitions_agree() -> None:
    c = Cell("broadcast", "shm_eventfd", 4096, 16)
    bench = c.bench()
    assert bench.program == "ipcbench" and bench.bench == "stream"
    assert dict(bench.args) == {"mech": "shm_eventfd", "size": 4096, "receivers": 16, "messages": c.messages()}
    job = c.job()
    assert (job.mechanism, job.msg_size, job.receivers, job.placement) == ("shm_eventfd", 4096, 16, "wrap")
    pp = Cell("msg_ring", "io_uring_msg_ring", 0, 1, "single_issuer_defer_taskrun")
    assert dict(pp.bench().args)["flags"] == "sqdt" and pp.bench().io_uring
    assert pp.job().setup_flags == "SINGLE_ISSUER|DEFER_TASKRUN"
    assert 500 <= c.messages() <= 20_000


def _row(mech: str, size: int, measured: float, simulated: float, lo: float | None = None, hi: float | None = None, case: str = "p2p") -> Row:
    return Row(Cell(case, mech, size, 1), measured, lo or measured, hi or measured, simulated)


def test_errors_factors_and_the_summary() -> None:
    rows = [_row("pipe", 64, 1000, 1100), _row("unix_sock", 64, 2000, 1500), _row("shm_eventfd", 64, 500, 1250)]
    assert rows[0].error == pytest.approx(0.1)
    assert validation.factor(rows[1]) == pytest.approx(2000 / 1500)
    s = validation.summarize(rows, validation.orderings(rows))
    assert s.median_abs_error == pytest.approx(0.25)
    assert s.worst is rows[2] and s.worst_factor == pytest.approx(2.5)
    assert s.within_2x == 2 and s.compared == 3


def test_orderings_compare_the_ranks_and_flag_overlapping_ranges() -> None:
    same = [_row("pipe", 64, 1000, 900), _row("unix_sock", 64, 2000, 2500)]
    swapped = [_row("pipe", 4096, 1000, 3000, 800, 1500), _row("unix_sock", 4096, 1200, 2000, 1100, 1400)]
    orders = {o.group: o for o in validation.orderings(same + swapped)}
    assert orders["p2p 64 B x1"].same
    o = orders["p2p 4096 B x1"]
    assert not o.same and o.measured == ("pipe", "unix_sock") and o.simulated == ("unix_sock", "pipe")
    assert o.overlapping


def test_rows_join_measured_and_simulated_and_records_have_the_documented_fields() -> None:
    c = Cell("p2p", "pipe", 64, 1)
    fig = Figure(c.bench(), (900.0, 1000.0, 1300.0), ({"ns": 900}, {"ns": 1000}, {"ns": 1300}))
    result = CellFigure(c.job(), 1100.0, (1050.0, 1100.0, 1200.0), None)
    missing = Cell("msg_ring", "io_uring_msg_ring", 0, 1)
    unavailable = Figure(missing.bench(), error="io_uring unavailable: io_uring_setup: Operation not permitted")
    rows = validation.rows([c, missing], Measured({c.bench().key: fig, missing.bench().key: unavailable}), [result])
    assert (rows[0].measured_ns, rows[0].measured_min_ns, rows[0].measured_max_ns, rows[0].simulated_ns) == (1000.0, 900.0, 1300.0, 1100.0)
    assert (rows[0].simulated_min_ns, rows[0].simulated_max_ns) == (1050.0, 1200.0)  # the simulated runs' extremes
    assert rows[1].measured_ns is None and "unavailable" in rows[1].note
    rec = rows[0].record()
    assert list(rec) == RECORD_KEYS
    assert json.loads(json.dumps(rec)) == rec
    assert rec["setup_flags"] == "default"


def test_a_saved_record_reads_back_as_its_row() -> None:
    row = Row(Cell("broadcast", "pipe", 4096, 8), 2000.0, 1500.0, 2600.0, 2300.0)
    back = Row.from_record(json.loads(json.dumps(row.record())))
    assert back == row and back.error == pytest.approx(0.15)
    missing = Row.from_record({**row.record(), "measured_ns": None})
    assert missing.measured_ns is None and missing.error is None


def test_the_markdown_report_and_the_plot(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from simuring.calibrate.hostinfo import HostInfo
    from simuring.calibrate.report import markdown

    rows = [
        Row(Cell("p2p", "pipe", 64, 1), 600.0, 500.0, 900.0, 660.0, simulated_min_ns=640.0, simulated_max_ns=700.0),
        Row(Cell("p2p", "shm_eventfd", 64, 1), 550.0, 450.0, 700.0, 500.0),
        Row(Cell("broadcast", "pipe", 4096, 16), 44_000.0, 34_000.0, 70_000.0, 20_000.0),
        Row(Cell("msg_ring", "io_uring_msg_ring", 0, 1, "single_issuer_defer_taskrun"), None, None, None, 50_000.0, "not measured: io_uring unavailable"),
    ]
    orders = validation.orderings(rows)
    summary = validation.summarize(rows, orders)
    host = HostInfo(cpus=2, cpu_model="Test CPU", kernel="6.18", date="2026-12-03T00:00:00Z", idle_driver="haltpoll")
    text = markdown(rows, orders, summary, host, "test-host", 15)
    assert "| p2p:pipe:64:1 | 600 | 500 | 900 | 660 | 640 | 700 | +10% |" in text
    assert "| msg_ring:single_issuer_defer_taskrun | - | - | - | 50,000 | - | - | - (not measured: io_uring unavailable) |" in text
    assert "worst: broadcast:pipe:4096:16 (-55%, a factor of 2.20)" in text
    assert "ranked the same, measured and simulated: 1 of 1 groups" in text
    pytest.importorskip("matplotlib")
    from simuring.calibrate.plots import write_plot

    png = tmp_path / "v.png"
    write_plot(png, rows, "test")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sleeps_per_message_are_joined_and_reported_but_not_in_the_json_record() -> None:
    """A stream figure's context switches per message (ipcbench's getrusage
    counts, median over runs) and the simulation's, side by side in the report."""
    from simuring.calibrate.hostinfo import HostInfo
    from simuring.calibrate.report import markdown
    from simuring.reproduce.runner import SwitchCounts

    c = Cell("p2p", "pipe", 32768, 1)
    runs = tuple(
        {"ns": ns, "tx_blocks_per_msg": b, "tx_preempted_per_msg": 0.001, "rx_blocks_per_msg": b, "rx_preempted_per_msg": 0.0}
        for ns, b in ((15_000, 0.01), (16_000, 0.02), (30_000, 0.4))
    )
    fig = Figure(c.bench(), tuple(float(r["ns"]) for r in runs), runs)
    simulated = SwitchCounts(0.5, 0.0, 0.5, 0.0)
    result = CellFigure(c.job(), 41_000.0, (41_000.0,), simulated)
    bare = Cell("p2p", "unix_sock", 64, 1)  # an older ipcbench's runs: no switch counts
    bare_fig = Figure(bare.bench(), (1000.0,), ({"ns": 1000},))
    rows = validation.rows([c, bare], Measured({c.bench().key: fig, bare.bench().key: bare_fig}), [result])
    assert rows[0].measured_switches == SwitchCounts(0.02, 0.001, 0.02, 0.0)  # medians over the runs
    assert rows[0].simulated_switches == simulated
    assert rows[1].measured_switches is None
    assert list(rows[0].record()) == RECORD_KEYS  # the --json record keeps the issue's fields
    host = HostInfo(cpus=2, cpu_model="Test CPU", kernel="6.18", date="2026-12-03T00:00:00Z", idle_driver="haltpoll")
    text = markdown(rows, [], validation.summarize(rows, []), host, "test-host", 3)
    assert "## Sleeps per message" in text
    assert "| p2p:pipe:32768:1 | 0.020 / 0.500 | 0.020 / 0.500 | 0.000 / 0.000 |" in text
    assert "unix_sock:64:1 | 0." not in text  # no counts measured: no line
    # the 32 KB cell is 2.7x off and its model slept 25 times as often: named in the summary
    assert "- ran in another regime in the model (sleeps a message, measured / simulated): p2p:pipe:32768:1 0.04 / 1.00" in text


def test_a_far_off_cell_whose_sleeps_differ_ran_in_another_regime() -> None:
    from simuring.reproduce.runner import SwitchCounts

    def cell(sim_ns: float, measured: SwitchCounts, simulated: SwitchCounts, size: int = 4096) -> Row:
        return Row(Cell("p2p", "pipe", size, 1), 1500.0, 1400.0, 1700.0, sim_ns, "", measured, simulated)

    streaming, asleep = SwitchCounts(0.001, 0.0, 0.002, 0.0), SwitchCounts(0.06, 0.0, 0.06, 0.0)
    trapped = cell(4400.0, streaming, asleep)
    assert validation.other_regime([trapped]) == [trapped]
    assert validation.other_regime([cell(1600.0, streaming, asleep)]) == []  # close enough: not flagged
    assert validation.other_regime([cell(4400.0, asleep, SwitchCounts(0.07, 0.0, 0.07, 0.0))]) == []  # same regime
    tiny = SwitchCounts(0.0, 0.0, 0.01, 0.0)
    assert validation.other_regime([cell(4400.0, streaming, tiny)]) == []  # apart by less than 0.05 a message
    assert validation.other_regime([Row(Cell("p2p", "pipe", 64, 1), 400.0, 300.0, 500.0, 1200.0)]) == []  # no counts
    line = validation.describe_regimes([trapped])
    assert line == "ran in another regime in the model (sleeps a message, measured / simulated): p2p:pipe:4096:1 0.00 / 0.12"
    assert validation.describe_regimes([]) is None


def test_the_simulation_counts_each_sides_sleeps_and_preemptions_per_message() -> None:
    from simuring.reproduce.runner import SwitchCounts

    class T:
        def __init__(self, name: str, switches: int, preemptions: int) -> None:
            self.name, self.context_switches, self.preemptions = name, switches, preemptions

    tasks = [T("sender", 10, 2), T("receiver0", 30, 0), T("receiver1", 20, 10), T("summary", 5, 0)]
    counts = SwitchCounts.of(tasks, 100)  # type: ignore[arg-type]
    assert counts == SwitchCounts(0.08, 0.02, 0.4, 0.1)
    assert SwitchCounts.of([T("receiver0", 1, 0)], 100) is None  # type: ignore[arg-type]


def test_the_machine_check_compares_the_cache_line_hand_off_with_the_profiles() -> None:
    from simuring.calibrate.hostinfo import HostInfo
    from simuring.calibrate.probes import CACHELINE
    from simuring.calibrate.report import markdown

    def check(*values: float) -> validation.MachineCheck | None:
        fig = Figure(CACHELINE, values, tuple({"ns": v} for v in values))
        return validation.machine_check(Measured({CACHELINE.key: fig}), 55)

    same = check(50.0, 60.0, 70.0)
    assert same is not None and not same.changed and same.ratio == pytest.approx(60 / 55)
    assert "60 ns now (min 50, max 70), 55 ns in the profile" in same.describe()
    moved = check(160.0, 180.0, 700.0)
    assert moved is not None and moved.changed
    assert "3.3 times the profile's" in moved.describe() and "calibrate again" in moved.describe()
    assert check(20.0).changed  # much faster is a change too
    assert validation.machine_check(Measured({}), 55) is None
    host = HostInfo(cpus=2, cpu_model="Test CPU", kernel="6.18", date="2026-12-03T00:00:00Z", idle_driver="haltpoll")
    rows = [Row(Cell("p2p", "pipe", 64, 1), 600.0, 500.0, 900.0, 660.0)]
    text = markdown(rows, [], validation.summarize(rows, []), host, "test-host", 3, moved)
    assert "- the machine: a cache line handed between CPU 0 and CPU 1: 180 ns now" in text


def test_a_hand_off_whose_runs_disagree_more_than_twice_says_the_machine_moved() -> None:
    """probes.handoff_moved: the cache-line hand-off's runs (fresh processes among the
    other benches) more than MACHINE_CHANGE_FACTOR apart mix two placements of the vCPUs;
    calibrate and validate say so, and validate's report too."""
    from simuring.calibrate.hostinfo import HostInfo
    from simuring.calibrate.probes import CACHELINE, MACHINE_CHANGE_FACTOR, handoff_moved
    from simuring.calibrate.report import markdown

    def measured(*values: float) -> Measured:
        return Measured({CACHELINE.key: Figure(CACHELINE, values, tuple({"ns": v} for v in values))})

    assert handoff_moved(measured(21.0, 24.0, 21.0 * MACHINE_CHANGE_FACTOR)) is None  # twice apart: one machine
    said = handoff_moved(measured(23.0, 24.0, 194.0, 215.0))
    assert said is not None and "ranged from 23 to 215 ns over its 4 runs" in said and "changed while they ran" in said
    assert handoff_moved(Measured({})) is None
    host = HostInfo(cpus=2, cpu_model="Test CPU", kernel="6.18", date="2026-12-06T00:00:00Z", idle_driver="haltpoll")
    rows = [Row(Cell("p2p", "pipe", 64, 1), 600.0, 500.0, 900.0, 660.0)]
    assert "not of one machine" in markdown(rows, [], validation.summarize(rows, []), host, "h", 3, None, said)
    assert "not of one machine" not in markdown(rows, [], validation.summarize(rows, []), host, "h", 3, None, None)


def test_a_set_measured_while_the_machine_moved_is_measured_again() -> None:
    """probes.measure_until_still: again while the hand-off says the machine moved, up to
    the attempts given; the first set that held still, else the steadiest."""
    from simuring.calibrate.probes import CACHELINE, handoff_ratio, measure_until_still

    def measured(*values: float) -> Measured:
        return Measured({CACHELINE.key: Figure(CACHELINE, values, tuple({"ns": v} for v in values))})

    still, moved_a, moved_b = measured(22.0, 24.0), measured(23.0, 190.0), measured(23.0, 60.0)
    assert handoff_ratio(moved_b) == pytest.approx(60.0 / 23.0) and handoff_ratio(Measured({})) is None

    def run(sets: list[Measured], attempts: int) -> tuple[Measured, list[int], list[int]]:
        asked: list[int] = []
        told: list[int] = []

        def once(attempt: int) -> Measured:
            asked.append(attempt)
            return sets[attempt]

        got = measure_until_still(once, attempts, lambda attempt, why: told.append(attempt))
        return got, asked, told

    assert run([still, moved_a], 3) == (still, [0], [])  # held still: measured once
    assert run([moved_a, still, moved_b], 3) == (still, [0, 1], [0])
    assert run([moved_a, moved_b, moved_a], 3) == (moved_b, [0, 1, 2], [0, 1, 2])  # all moved: the steadiest
    assert run([moved_a, still], 1) == (moved_a, [0], [0])  # one set asked for: that one
