"""``simuring reproduce rfc``: bad input is one line and exit 2; a tiny --quick run works end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from simuring.cli import main

TINY = ["--quick", "--table", "point_to_point", "-k", "*:pipe:64:1"]


def one_line_error(capsys, argv, *words):
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("simuring: error: ")
    for w in words:
        assert w in lines[0], lines[0]


def test_unknown_table(capsys):
    one_line_error(capsys, ["reproduce", "rfc", "--table", "broadcast_17"], "unknown table 'broadcast_17'", "broadcast_16")


def test_bad_set(capsys):
    one_line_error(capsys, ["reproduce", "rfc", "--set", "sched.wakeup_ns=abc"], "sched.wakeup_ns", "abc")
    one_line_error(capsys, ["reproduce", "rfc", "--set", "nosuch.key=1"], "unknown section 'nosuch'")
    one_line_error(capsys, ["reproduce", "rfc", "--set", "sched.wakeup_ns"], "sched.wakeup_ns")


def test_other_bad_input(capsys, tmp_path):
    one_line_error(capsys, ["reproduce", "rcf"], "unknown study 'rcf'", "rfc")
    one_line_error(capsys, ["reproduce", "rfc", "-k", "carrier_pigeon"], "no cell matches")
    one_line_error(capsys, ["reproduce", "rfc", "--host", "no-such-host"], "unknown profile 'no-such-host'")
    one_line_error(capsys, ["reproduce", "rfc", "--workloads", str(tmp_path)], "no benchmark workload rfc_pipe.py")
    one_line_error(capsys, ["reproduce", "rfc", "--json", str(tmp_path / "no" / "x.json")], "no such directory")


def test_jobs_must_be_positive(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["reproduce", "rfc", "-j", "0"])
    assert exc.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err


def test_a_tiny_quick_run_end_to_end(capsys, tmp_path, monkeypatch):
    import simuring.reproduce.plots as plots

    monkeypatch.setattr(plots, "have_matplotlib", lambda: False)
    out = tmp_path / "cells.json"
    assert main(["reproduce", "rfc", *TINY, "--json", str(out), "--out", str(tmp_path / "plots")]) == 0
    text = capsys.readouterr().out
    (rec,) = json.loads(out.read_text())
    assert rec["table"] == "point_to_point" and rec["mechanism"] == "pipe" and rec["reference_ns_per_msg"] == 212
    assert rec["simulated_ns_per_msg"] > 0 and rec["messages"] > 0 and rec["failure"] is None
    for words in ("point_to_point", "212", "errors against the published figures", "not evaluated", "MSER-5", "wall time"):
        assert words in text, words
    assert "plots skipped: matplotlib is not installed (pip install 'simuring[plots]')" in text
    assert not (tmp_path / "plots").exists()


def test_quick_has_no_what_if_unless_asked(capsys):
    argv = ["reproduce", "rfc", "--quick", "--no-plots", "--json", "-", "--table", "point_to_point", "-k", "*:io_uring_unicast:64:1"]
    assert main(argv) == 0
    assert [r["setup_flags"] for r in json.loads(capsys.readouterr().out)] == ["0"]
    assert main([*argv, "--what-if"]) == 0
    assert [r["setup_flags"] for r in json.loads(capsys.readouterr().out)] == ["0", "SINGLE_ISSUER|DEFER_TASKRUN"]


def test_json_to_stdout(capsys):
    assert main(["reproduce", "rfc", *TINY, "--json", "-", "--no-plots"]) == 0
    captured = capsys.readouterr()
    (rec,) = json.loads(captured.out)
    assert rec["mechanism"] == "pipe"
    assert "point_to_point" not in captured.out.replace('"point_to_point"', "")  # no tables on stdout


def test_plots(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    argv = ["reproduce", "rfc", "--quick", "--what-if", "--table", "scaling_64B", "-k", "*:64:1", "--out", str(tmp_path)]
    assert main(argv) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scaling_64B.png", "what_if.png"]
    assert (tmp_path / "scaling_64B.png").read_bytes()[:4] == b"\x89PNG"


def _json(tmp_path, name, jobs, hashseed):
    out = tmp_path / name
    cmd = [sys.executable, "-m", "simuring.cli", "reproduce", "rfc", "--quick", "--what-if", "-k", "*:io_uring_*:64:1", "--no-plots", "-j", str(jobs), "--seed", "7", "--json", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": hashseed}, timeout=120)
    assert done.returncode == 0, done.stderr
    return out.read_bytes()


def test_same_seed_same_bytes_whatever_jobs_and_hash_seed(tmp_path):
    one = _json(tmp_path, "a.json", 1, "1")
    two = _json(tmp_path, "b.json", 2, "2")
    assert one == two
    records = json.loads(one)
    assert len(records) == 8  # 4 cells (mcast at 1 receiver is in two tables), each with its what-if
    assert len({(r["mechanism"], r["setup_flags"]) for r in records}) == 6


def test_a_failing_cell_is_reported_and_exits_1(capsys, tmp_path):
    from simuring.reproduce.workloads import default_dir

    for path in default_dir().glob("*.py"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "rfc_pipe.py").write_text("def workload(sim, **params):\n    raise RuntimeError('boom')\n", encoding="utf-8")
    out = tmp_path / "cells.json"
    assert main(["reproduce", "rfc", *TINY, "--no-plots", "--workloads", str(tmp_path), "--json", str(out)]) == 1
    assert "failed pipe:64:1: RuntimeError: boom" in capsys.readouterr().out
    (rec,) = json.loads(out.read_text())
    assert rec["failure"] == "RuntimeError: boom" and rec["simulated_ns_per_msg"] is None


def test_a_noisy_published_cell_is_marked(capsys):
    assert main(["reproduce", "rfc", "--quick", "--no-plots", "-k", "point_to_point:unix_sock:256:1"]) == 0
    text = capsys.readouterr().out
    assert "845 †" in text
    assert "† a local extreme of its series in message size" in text
