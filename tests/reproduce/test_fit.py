"""The fitting machinery of ``simuring fit``: parameter scaling, recovery of known
parameters from a synthetic model, profile rewriting, leave-one-out bookkeeping."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pytest

from simuring.cli import main
from simuring.cost import load_profile
from simuring.cost.profiles import profile_text
from simuring.engine.plugins import cost_sections
from simuring.reproduce import fit as fitting
from simuring.reproduce.reference import Cell, load_reference

pytest.importorskip("scipy")

BUILTIN = "rfc-vm-32vcpu"


def test_parameters_move_on_a_log_scale_when_their_range_spans_a_factor_of_four():
    p = fitting.FitParam("a.b_ns", 10.0, 1000.0, True)
    assert p.log
    assert p.to_unit(10) == 0.0 and p.to_unit(1000) == 1.0
    assert p.from_unit(0.5) == 100
    assert isinstance(p.from_unit(0.3), int)
    q = fitting.FitParam("a.c", 2.0, 4.0, False)
    assert not q.log and q.from_unit(0.5) == 3.0
    assert q.to_unit(100.0) == 1.0  # clamped
    for u in (0.0, 0.25, 0.8, 1.0):
        assert abs(p.to_unit(p.from_unit(u)) - u) < 0.01


def test_the_builtin_profile_fits_at_most_twenty_parameters_each_within_its_range():
    costs = load_profile(BUILTIN, cost_sections())
    params = fitting.fit_params(costs)
    assert 0 < len(params) <= fitting.MAX_PARAMS
    values = fitting.current_values(costs, params)
    for p in params:
        assert p.low <= values[p.dotted] <= p.high, p.dotted


class Synthetic(fitting.Evaluator):
    """ns/msg = 2 * entry + size / bw + receivers * wake: a model with known parameters."""

    def __init__(self, cells):
        self.cells = list(cells)
        self.cache = {}
        self.count = 0
        self.on_eval = None

    def __call__(self, values: Mapping[str, float]) -> fitting.Evaluation:
        key = tuple(sorted(values.items()))
        if key not in self.cache:
            sim = {c.key: model(values, c.msg_size, c.receivers) for c in self.cells}
            self.cache[key] = fitting.Evaluation(dict(values), sim)
            self.count += 1
        return self.cache[key]


def model(v: Mapping[str, float], size: int, receivers: int) -> float:
    return 2 * v["s.entry_ns"] + size / v["m.bw"] + receivers * v["s.wake_ns"]


TRUE = {"s.entry_ns": 150, "m.bw": 9.0, "s.wake_ns": 1200}
PARAMS = [
    fitting.FitParam("s.entry_ns", 40, 400, True),
    fitting.FitParam("m.bw", 2.0, 20.0, False),
    fitting.FitParam("s.wake_ns", 100, 3000, True),
]


def cells() -> list[Cell]:
    out = []
    for size in (64, 1024, 4096, 32768):
        for rx in (1, 16):
            out.append(Cell("t", "m", size, rx, round(model(TRUE, size, rx))))
    return out


def test_a_fit_recovers_known_parameters_of_a_synthetic_model():
    cs = cells()
    start = {"s.entry_ns": 60, "m.bw": 4.0, "s.wake_ns": 300}
    result = fitting.fit(Synthetic(cs), PARAMS, start, cs, max_evals=400)
    errors = result.final_eval.errors(cs)
    assert max(abs(e) for e in errors.values()) < 0.02
    assert abs(result.values["s.entry_ns"] - 150) <= 8
    assert abs(result.values["m.bw"] - 9.0) < 0.5
    assert abs(result.values["s.wake_ns"] - 1200) <= 40
    assert result.start == start and result.evaluations > 1
    start_errors = result.start_eval.errors(cs)
    assert max(abs(e) for e in start_errors.values()) > 0.5
    assert result.at_bound() == []


def test_robust_cost_grows_linearly_far_out():
    assert fitting.robust_cost([0.0]) == 0.0
    near = fitting.robust_cost([0.01])
    assert math.isclose(near, 0.01 ** 2, rel_tol=0.01)
    assert fitting.robust_cost([2.0]) < 2 * 2.0 * fitting.ROBUST_SCALE + 1e-9


def test_with_values_rewrites_only_the_values_of_the_fitted_lines(tmp_path):
    text = profile_text(BUILTIN)
    out = fitting.with_values(text, {"syscall.entry_ns": 123, "mem.remote_bytes_per_ns": 7.25})
    changed = [(a, b) for a, b in zip(text.splitlines(), out.splitlines(), strict=True) if a != b]
    assert len(changed) == 2
    for before, after in changed:
        assert after.split("value = ")[0] == before.split("value = ")[0]
        assert after.split(",", 1)[1] == before.split(",", 1)[1]  # source and range kept
    path = tmp_path / "fitted.toml"
    path.write_text(out)
    costs = load_profile(path, cost_sections())
    assert costs.syscall.entry_ns == 123 and costs.mem.remote_bytes_per_ns == 7.25


def test_calibration_cells_count_a_shared_cell_once():
    ref = load_reference()
    cs = fitting.calibration_cells(ref, fitting.CALIBRATION_TABLES)
    keys = [c.key for c in cs]
    assert len(keys) == len(set(keys)) == 49
    assert all(c.reference_ns for c in cs)


def test_leave_one_out_hides_every_cell_of_the_left_out_table():
    ref = load_reference()
    seen: list[list[tuple[str, int, int]]] = []

    class Recording(Synthetic):
        def __init__(self, cs):
            super().__init__(cs)
            seen.append([c.key for c in cs])

    p = [fitting.FitParam("s.entry_ns", 40, 400, True), fitting.FitParam("m.bw", 2.0, 20.0, False), fitting.FitParam("s.wake_ns", 100, 3000, True)]
    lo = fitting.leave_one_out(Recording, ref, p, {"s.entry_ns": 100, "m.bw": 5.0, "s.wake_ns": 500}, fitting.CALIBRATION_TABLES, "scaling_64B", 40)
    hidden = {c.key for c in ref.table("scaling_64B").cells}
    assert not hidden & set(seen[0])  # the fit saw none of the left-out cells
    assert hidden & set(seen[-1])  # the prediction covers them
    assert lo.table == "scaling_64B" and set(lo.predicted.simulated) >= {k for k in hidden if k[0] != "io_uring_mcast"}


def test_fit_cli_bad_input_is_one_line_and_exit_2(capsys):
    assert main(["fit", "nope"]) == 2
    assert "unknown study 'nope'" in capsys.readouterr().err
    assert main(["fit", "rfc", "--max-evals", "0"]) == 2
    assert "--max-evals" in capsys.readouterr().err
    assert main(["fit", "rfc", "--out", "/no/such/dir/x.toml"]) == 2
    assert "no such directory" in capsys.readouterr().err


def test_fit_cli_refuses_at_once_a_profile_that_inherits_what_it_would_fit(capsys, tmp_path):
    child = tmp_path / "child.toml"
    child.write_text('[profile]\nname = "c"\ndescription = "c"\nbase = "rfc-vm-32vcpu"\n')
    assert main(["fit", "rfc", "--host", str(child), "--out", str(tmp_path / "f.toml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"simuring: error: fit: {child}: sched.context_switch_ns: not found in the profile text")
    assert "not inherited from its base" in err and err.count("\n") == 1
    assert not (tmp_path / "f.toml").exists()


def test_the_report_names_parameters_errors_left_out_cells_and_blind_parameters():
    import argparse

    from simuring.cli.fit import markdown_report

    ref = load_reference()
    cs = fitting.calibration_cells(ref, fitting.CALIBRATION_TABLES)

    class OnReference(Synthetic):
        """Every cell at its published figure times entry_ns / 150."""

        def __call__(self, values):
            key = tuple(sorted(values.items()))
            if key not in self.cache:
                scale = values.get("s.entry_ns", 150) / 150
                self.cache[key] = fitting.Evaluation(dict(values), {c.key: c.reference_ns * scale for c in self.cells})
                self.count += 1
            return self.cache[key]

    params = [fitting.FitParam("s.entry_ns", 40, 400, True)]
    result = fitting.fit(OnReference(cs), params, {"s.entry_ns": 300}, cs, 60)
    assert abs(result.values["s.entry_ns"] - 150) <= 2
    left = [fitting.leave_one_out(OnReference, ref, params, fitting.neutral_start(params), fitting.CALIBRATION_TABLES, "broadcast_16", 60)]
    seen = [fitting.Visibility("s.entry_ns", 150, 300, 1.0, cs[0].key), fitting.Visibility("t.arm_ns", 5, 10, 0.0, None)]
    args = argparse.Namespace(seed=0, max_evals=60, loo_evals=60, jobs=1)
    text = markdown_report("toy", ref, fitting.CALIBRATION_TABLES, result, left, seen, args, 12.0)
    assert "| `s.entry_ns` | 40 – 400 | 300 |" in text
    assert "## Leave one table out" in text and "| broadcast_16 |" in text
    assert "point_to_point:unix_sock:256:1" in text  # left out of the fit: a local extreme
    assert "`t.arm_ns`" in text.split("No cell moves at all")[1]
    assert "median 0%" in text


def test_fit_cli_end_to_end_on_one_cell(tmp_path, capsys):
    out, report = tmp_path / "fitted.toml", tmp_path / "report.md"
    argv = ["fit", "rfc", "-k", "point_to_point:pipe:64:1", "--max-evals", "3", "--no-visibility", "-j", "1", "--out", str(out), "--report", str(report)]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "no leave-one-table-out fits" in err and "fitted profile:" in err
    fitted = load_profile(out, cost_sections())  # a valid profile, every range kept
    builtin = load_profile(BUILTIN, cost_sections())
    assert fitted.ranges == builtin.ranges
    for p in fitted.describe():
        if p.range is not None:
            assert p.range[0] <= p.value <= p.range[1]
    text = report.read_text()
    assert "| point_to_point | median" in text and "| broadcast_16 | - | - |" in text
    assert "## Leave one table out" not in text
    assert main(["fit", "rfc", "-k", "nothing-like-this", "--out", str(out), "--report", str(report)]) == 2
    assert "no published cell to fit matches" in capsys.readouterr().err
