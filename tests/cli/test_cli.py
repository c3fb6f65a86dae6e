"""The command line: run, profiles, --version, and clear user errors (exit 2, no traceback)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from simuring import Simulation, __version__
from simuring.cli import main

ROOT = Path(__file__).resolve().parents[2]
NOP_LOOP = str(ROOT / "workloads" / "nop_loop.py")

MIXED = '''
from simuring.liburing import *
from simuring.uapi import *
from simuring.syscalls import nanosleep

def worker(sim, n, flags):
    ring, cqe = Ring(), Cqe()
    assert (yield from io_uring_queue_init(8, ring, flags)) == 0
    for i in range(n):
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_nop(sqe)
        if sim.rng.random() < 0.5:
            io_uring_sqe_set_flags(sqe, IOSQE_ASYNC)
        io_uring_sqe_set_data64(sqe, i)
        yield from io_uring_submit_and_wait(ring, 1)
        yield from io_uring_wait_cqe(ring, cqe)
        io_uring_cqe_seen(ring, cqe[0])
        yield from nanosleep(sim.rng.randrange(1000, 50000))

def workload(sim, tasks=4, n=30):
    for t in range(tasks):
        flags = [0, IORING_SETUP_COOP_TASKRUN, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN][t % 3]
        sim.spawn(worker, sim, n, flags, name=f"w{t}")
'''


def run_cli(*args, env=None, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "simuring.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=120,
    )


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_run_prints_summary_and_writes_json(tmp_path, capsys):
    out = tmp_path / "r.json"
    assert main(["run", NOP_LOOP, "-p", "ops=50", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "simulated time" in text and "ns_per_nop" in text
    doc = json.loads(out.read_text())
    nop = doc["tasks"][0]
    assert nop["sqes"] == {"NOP": 50} and nop["completions"] == 50
    assert doc["params"]["ops"] == 50 and doc["host"] == "rfc-vm-32vcpu"
    assert doc["reported"]["ns_per_nop"] > 0


def test_summary_header_is_not_wrapped_for_a_long_script_path(tmp_path, capsys):
    # CI checks out under a deeper path than a developer machine: the header
    # line must stay one line whatever the path length (rich wraps at 80).
    deep = tmp_path / ("d" * 70) / "nop_loop.py"
    deep.parent.mkdir()
    deep.write_text(open(NOP_LOOP).read())
    assert main(["run", str(deep), "-p", "ops=5"]) == 0
    text = capsys.readouterr().out
    header = text.splitlines()[0]
    assert header.endswith("µs") and "simulated time" in header and str(deep) in header


def test_set_override_changes_the_outcome(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert main(["run", NOP_LOOP, "-p", "ops=100", "--quiet", "--json", str(a)]) == 0
    entry = Simulation().costs.syscall.entry_ns
    assert main(["run", NOP_LOOP, "-p", "ops=100", "--quiet", "--json", str(b), "--set", f"syscall.entry_ns={entry + 1000}"]) == 0
    ta = json.loads(a.read_text())["reported"]["ns_per_nop"]
    tb = json.loads(b.read_text())["reported"]["ns_per_nop"]
    assert tb - ta == pytest.approx(1000, abs=1)  # one enter per NOP, 1000 ns slower entry


def test_same_seed_gives_identical_json_whatever_the_hash_seed(tmp_path):
    script = tmp_path / "mixed.py"
    script.write_text(MIXED)
    outs = []
    for hashseed in ("1", "12345"):
        out = tmp_path / f"out{hashseed}.json"
        proc = run_cli("run", str(script), "--seed", "7", "--quiet", "--json", str(out), env={"PYTHONHASHSEED": hashseed})
        assert proc.returncode == 0, proc.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    other = tmp_path / "other.json"
    assert run_cli("run", str(script), "--seed", "8", "--quiet", "--json", str(other)).returncode == 0
    assert other.read_bytes() != outs[0]  # the seed matters


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (["run", "no/such/script.py"], "no/such/script.py: no such workload script"),
        (["run", NOP_LOOP, "-p", "opz=3"], "has no parameter 'opz'"),
        (["run", NOP_LOOP, "-p", "ops=many"], "expected an integer"),
        (["run", NOP_LOOP, "--host", "no-such-host"], "unknown profile 'no-such-host'"),
        (["run", NOP_LOOP, "--set", "syscall.entry_nz=3"], "syscall.entry_nz"),
        (["run", NOP_LOOP, "--set", "syscall.entry_ns=-3"], "syscall.entry_ns"),
        (["run", NOP_LOOP, "-p", "flags=BOGUS"], "unknown io_uring setup flag 'BOGUS'"),
    ],
)
def test_user_errors_exit_2_with_one_clear_line(args, expect, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("simuring: error:") and expect in err
    assert "Traceback" not in err


def test_syntax_error_names_file_and_line(tmp_path, capsys):
    bad = tmp_path / "bad.py"
    bad.write_text("def workload(sim):\n    x = (\n")
    assert main(["run", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:" in err and "syntax error" in err


def test_missing_workload_function(tmp_path, capsys):
    script = tmp_path / "empty.py"
    script.write_text("x = 1\n")
    assert main(["run", str(script)]) == 2
    assert "defines no workload(sim, **params) function" in capsys.readouterr().err


def test_malformed_toml_profile_names_file_and_line(tmp_path, capsys):
    prof = tmp_path / "bad.toml"
    prof.write_text("[profile]\nname = 'x'\ndescription = 'y'\n[host\ncpus = 4\n")
    assert main(["run", NOP_LOOP, "--host", str(prof)]) == 2
    err = capsys.readouterr().err
    assert "bad.toml" in err and "line 4" in err


@pytest.mark.parametrize(
    ("table", "needed_by"),
    [
        ("pipe", "simuring.kernel.costs.PipeCosts"),  # a kernel object's section
        ("timeout", "simuring.opcodes.timeout.TimeoutCosts"),  # a loaded plug-in's section
    ],
)
def test_profile_missing_a_needed_section_is_one_line_exit_2(tmp_path, capsys, table, needed_by):
    builtin = ROOT / "simuring" / "cost" / "profiles" / "rfc-vm-32vcpu.toml"
    text = builtin.read_text()
    start = text.index(f"\n[{table}]\n")
    end = text.find("\n[", start + 1)
    prof = tmp_path / "my.toml"
    prof.write_text(text[:start] + (text[end:] if end >= 0 else "\n"))
    assert main(["run", NOP_LOOP, "--host", str(prof), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"simuring: error: {prof}: missing section(s) [{table}], needed by {needed_by} "
        "(a profile gives every section of the kernel and of the loaded plug-ins); "
        'to take what this file lacks from a built-in profile, add base = "rfc-vm-32vcpu" under [profile]\n'
    )
    assert main(["profiles", "show", str(prof)]) == 2
    assert f"missing section(s) [{table}]" in capsys.readouterr().err
    # the remedy the message gives works: the section comes from the base, the rest stays the file's
    prof.write_text(prof.read_text().replace("[profile]\n", '[profile]\nbase = "rfc-vm-32vcpu"\n', 1))
    assert main(["run", NOP_LOOP, "--host", str(prof), "--quiet"]) == 0


def test_workload_crash_names_the_script_line(tmp_path, capsys):
    script = tmp_path / "crash.py"
    script.write_text(
        "from simuring.syscalls import nanosleep\n"
        "def task():\n"
        "    yield from nanosleep(10)\n"
        "    raise ValueError('boom')\n"
        "def workload(sim):\n"
        "    sim.spawn(task)\n"
    )
    assert main(["run", str(script)]) == 1
    err = capsys.readouterr().err
    assert f"{script}:4: ValueError: boom" in err and "Traceback" not in err


def test_stalled_workload_is_reported(tmp_path, capsys):
    script = tmp_path / "stall.py"
    script.write_text(
        "from simuring.liburing import *\n"
        "def task():\n"
        "    ring, cqe = Ring(), Cqe()\n"
        "    yield from io_uring_queue_init(4, ring, 0)\n"
        "    yield from io_uring_wait_cqe(ring, cqe)  # nothing was submitted\n"
        "def workload(sim):\n"
        "    sim.spawn(task, name='waiter')\n"
    )
    assert main(["run", str(script)]) == 2
    assert "stalled" in capsys.readouterr().err


def test_profiles_list_and_show(capsys):
    assert main(["profiles"]) == 0
    assert "rfc-vm-32vcpu" in capsys.readouterr().out
    assert main(["profiles", "show", "rfc-vm-32vcpu", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert any(p["section"] == "host" and p["key"] == "cpus" and p["value"] == 32 for p in doc["parameters"])


def test_console_script_entry_point_installed():
    proc = subprocess.run(["simuring", "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and __version__ in proc.stdout


@pytest.mark.parametrize("value", ["-1", "0", "soon"])
def test_until_must_be_a_positive_number_of_ns(value):
    proc = run_cli("run", NOP_LOOP, "--until", value, "--quiet")
    assert proc.returncode == 2
    assert "--until" in proc.stderr and "Traceback" not in proc.stderr


def test_profiles_show_gives_the_fitted_parameters_ranges(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    assert main(["profiles", "show", "rfc-vm-32vcpu", "--long"]) == 0
    out = capsys.readouterr().out
    assert "range (fitted)" in out and "20 – 300" in out  # syscall.entry_ns
    assert main(["profiles", "show", "rfc-vm-32vcpu", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    ranged = {p["name"]: p["range"] for p in doc["parameters"] if p["range"] is not None}
    assert ranged["syscall.entry_ns"] == [20.0, 300.0] and len(ranged) <= 20
