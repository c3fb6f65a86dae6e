"""``simuring sweep`` and ``simuring plot``: the grid, byte-identical rows however they ran,
resuming after an interruption, Dask, and clear errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simuring.cli import main
from simuring.sweep import runner as sweep_runner
from simuring.sweep.store import read_rows

GRID = ["-p", "ops=20,40", "-p", "tasks=1,2", "--set", "syscall.entry_ns=60,240", "--seeds", "2"]


def sweep(script: Path, out: Path, *extra: str) -> int:
    return main(["sweep", str(script), *GRID, "--out", str(out), "--quiet", *extra])


def test_a_grid_gives_one_row_per_point_in_grid_order(script, tmp_path, capsys):
    out = tmp_path / "r.csv"
    assert sweep(script, out, "-j", "1") == 0
    rows = read_rows(out)
    assert len(rows) == 16
    assert [(r["ops"], r["tasks"], r["syscall.entry_ns"], r["seed"]) for r in rows[:3]] == [
        ("20", "1", "60", "0"), ("20", "1", "60", "1"), ("20", "1", "240", "0"),
    ]  # fmt: skip
    slow = [float(r["ns_per_op"]) for r in rows if r["syscall.entry_ns"] == "240"]
    fast = [float(r["ns_per_op"]) for r in rows if r["syscall.entry_ns"] == "60"]
    assert min(slow) > max(fast)  # the override reached the model
    assert len({r["point_id"] for r in rows}) == 16
    assert "16 rows" in capsys.readouterr().err


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_serial_and_parallel_sweeps_write_the_same_bytes(script, tmp_path, suffix):
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    serial, parallel = tmp_path / f"s{suffix}", tmp_path / f"p{suffix}"
    assert sweep(script, serial, "-j", "1") == 0
    assert sweep(script, parallel, "-j", "2") == 0
    assert serial.read_bytes() == parallel.read_bytes()


def test_an_interrupted_sweep_keeps_its_rows_and_continues(script, tmp_path, monkeypatch, capsys):
    whole, part = tmp_path / "whole.csv", tmp_path / "part.csv"
    assert sweep(script, whole, "-j", "1") == 0
    real = sweep_runner.run_point
    calls = []

    def interrupted_after_five(spec, point):
        calls.append(point)
        if len(calls) > 5:
            raise KeyboardInterrupt
        return real(spec, point)

    monkeypatch.setattr(sweep_runner, "run_point", interrupted_after_five)
    assert sweep(script, part, "-j", "1") == 130
    assert "run the same command to continue" in capsys.readouterr().err
    assert len(read_rows(part)) == 5
    monkeypatch.setattr(sweep_runner, "run_point", real)
    assert sweep(script, part, "-j", "1") == 0
    assert "5 found" in capsys.readouterr().err
    assert part.read_bytes() == whole.read_bytes()


def _cli(*args: str, env: dict[str, str] | None = None, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "simuring", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, **kw)


def test_ctrl_c_on_local_processes_keeps_the_finished_rows(script, tmp_path):
    out = tmp_path / "r.csv"
    args = ["sweep", str(script), "-p", "ops=20000", "-p", "pause_ns=1,2,3,4,5,6,7,8,9,10,11,12", "-j", "2", "--out", str(out)]
    proc = _cli(*args)
    deadline = time.monotonic() + 60
    while not out.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    kept = read_rows(out)
    if proc.returncode == 0:  # it finished before the signal: nothing to check
        pytest.skip("the sweep ended before Ctrl-C")
    assert proc.returncode == 130, err
    assert "Traceback" not in err and 1 <= len(kept) < 12
    proc = _cli(*args)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert f"{len(kept)} found" in err and len(read_rows(out)) == 12


def test_rows_do_not_depend_on_pythonhashseed(script, tmp_path):
    outs = []
    for seed in ("0", "12345"):
        out = tmp_path / f"h{seed}.csv"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = _cli("sweep", str(script), *GRID, "--out", str(out), "--quiet", "-j", "2", env=env)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_a_sweep_on_a_dask_cluster_writes_the_same_bytes(script, tmp_path):
    distributed = pytest.importorskip("distributed")
    local = tmp_path / "local.csv"
    assert sweep(script, local, "-j", "1") == 0
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        on_dask = tmp_path / "dask.csv"
        assert sweep(script, on_dask, "--scheduler", cluster.scheduler_address) == 0
    assert on_dask.read_bytes() == local.read_bytes()


def test_failed_points_are_rows_with_their_error(script, tmp_path, capsys):
    out = tmp_path / "r.csv"
    assert main(["sweep", str(script), "-p", "entries=8,100000", "--out", str(out), "-j", "1"]) == 1
    err = capsys.readouterr().err
    assert "1 failed" in err and "-p entries=100000: io_uring_queue_init failed: -EINVAL" in err
    rows = read_rows(out)
    assert rows[0]["error"] is None and rows[1]["error"].startswith("-p entries=100000")


def test_the_table_shows_mean_and_ci_over_seeds(script, tmp_path, capsys):
    assert main(["sweep", str(script), "-p", "ops=20", "--seeds", "3", "--out", str(tmp_path / "r.csv"), "--show", "ns_per_op"]) == 0
    out = capsys.readouterr().out
    assert "mean and 95% CI over 3 seeds" in out and "ns_per_op" in out and "±" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "r.json"], "--out"),
        (["--out", "no/such/dir/r.csv"], "no such directory"),
        (["-p", "nope=1,2", "--out", "r.csv"], "nope"),
        (["-p", "ops=1", "-p", "ops=2", "--out", "r.csv"], "given twice"),
        (["-p", "ops=1,,2", "--out", "r.csv"], "non-empty"),
        (["-p", "ops=x", "--out", "r.csv"], "expected an integer"),
        (["--set", "syscall.nope=1", "--out", "r.csv"], "nope"),
        (["--scheduler", "tcp://127.0.0.1:1", "--out", "r.csv"], "no Dask scheduler"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(script, tmp_path, capsys, monkeypatch, args, message):
    if "--scheduler" in args:
        pytest.importorskip("distributed")
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", str(script), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_file_that_is_not_a_sweeps_is_refused(script, tmp_path, capsys):
    out = tmp_path / "other.csv"
    out.write_text("a,b\n1,2\n")
    assert sweep(script, out) == 2
    assert "not a simuring sweep's output" in capsys.readouterr().err


def test_plot_draws_a_png_and_refuses_mixed_series(script, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "r.csv"
    assert sweep(script, out, "-j", "2") == 0
    png = tmp_path / "a.png"
    assert main(["plot", str(out), "--x", "ops", "--y", "ns_per_op", "--hue", "tasks", "--where", "syscall.entry_ns=60", "--out", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["plot", str(out), "--x", "ops", "--y", "ns_per_op"]) == 2
    assert "also vary in tasks, syscall.entry_ns" in capsys.readouterr().err
    hist = tmp_path / "h.png"
    assert main(["plot", str(out), "--histogram", "--hue", "tasks", "--where", "syscall.entry_ns=60", "--where", "ops=20", "--out", str(hist)]) == 0
    assert hist.stat().st_size > 1000
    assert main(["plot", str(out), "--x", "ops", "--y", "nope"]) == 2
    assert "no column 'nope'" in capsys.readouterr().err
    assert main(["plot", str(out), "--x", "ops"]) == 2
