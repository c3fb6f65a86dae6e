"""simuring calibrate / validate end to end on this machine (real C programs), and their user errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simuring.calibrate.build import BuildError, build, find_compiler
from simuring.cost.profiles import load_profile
from simuring.engine.plugins import cost_sections

HAVE_CC = any(shutil.which(c) for c in ("cc", "gcc", "clang"))
needs_cc = pytest.mark.skipif(not HAVE_CC, reason="no C compiler on this machine")


def cli(*args: str, env: dict[str, str] | None = None, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simuring.cli", *args], capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=timeout
    )


def test_no_compiler_is_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    for command in (["calibrate", "--out", str(tmp_path / "h.toml")], ["validate", "--host", "rfc-vm-32vcpu"]):
        done = cli(*command, env={"CC": "no-such-cc", "XDG_CACHE_HOME": str(tmp_path / "cache")})
        assert done.returncode == 2, done.stderr
        lines = done.stderr.strip().splitlines()
        assert lines[-1].startswith("simuring: error:") and "CC=no-such-cc: no such compiler" in lines[-1]
        assert "Traceback" not in done.stderr


def test_bad_arguments_exit_2(tmp_path: Path) -> None:
    done = cli("validate", "--host", "rfc-vm-32vcpu", "-k", "no-such-cell")
    assert done.returncode == 2 and "no validation cell matches" in done.stderr
    done = cli("validate")
    assert done.returncode == 2 and "--host" in done.stderr
    done = cli("calibrate", "--out", str(tmp_path / "missing" / "h.toml"))
    assert done.returncode == 2 and "no such directory" in done.stderr
    done = cli("calibrate", "--repeats", "0")
    assert done.returncode == 2 and "must be at least 1" in done.stderr


def test_find_compiler_honours_cc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CC", "no-such-cc")
    with pytest.raises(BuildError, match="CC=no-such-cc"):
        find_compiler()


@needs_cc
def test_the_programs_build_and_follow_their_contract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    probe, bench = build("probe"), build("ipcbench")
    assert build("probe") == probe  # cached by source hash
    out = subprocess.run([str(probe), "syscall", "iters=2000"], capture_output=True, text=True, check=True)
    doc = json.loads(out.stdout)
    assert doc["bench"] == "syscall" and doc["ns"] > 0
    bad = subprocess.run([str(probe), "syscall", "iters=0"], capture_output=True, text=True)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    out = subprocess.run([str(probe), "memcpy_remote", "size=4096", "dir=write", "iters=200"], capture_output=True, text=True, check=True)
    doc = json.loads(out.stdout)
    assert doc["ns"] >= 0 and doc["timer_ns"] > 0  # the timing's own cost, measured and taken off
    out = subprocess.run([str(probe), "memcpy_ring", "size=4096", "ring=16384", "iters=200"], capture_output=True, text=True, check=True)
    doc = json.loads(out.stdout)
    assert doc["bench"] == "memcpy_ring" and doc["ns"] >= 0 and doc["timer_ns"] > 0
    for mech in ("pipe", "unix"):
        # the two ends take turns on two CPUs: the write alone, and the write with its read
        out = subprocess.run([str(probe), "handoff", f"mech={mech}", "size=4096", "iters=200"], capture_output=True, text=True, check=True)
        doc = json.loads(out.stdout)
        assert doc["bench"] == "handoff" and doc["ns"] >= doc["write_ns"] > 0 and doc["timer_ns"] > 0
    bad = subprocess.run([str(probe), "handoff", "mech=tcp"], capture_output=True, text=True)
    assert bad.returncode == 2 and "mech=tcp" in bad.stderr
    out = subprocess.run([str(probe), "fdref", "iters=2000"], capture_output=True, text=True, check=True)
    doc = json.loads(out.stdout)
    # the calls alone and with a second thread asleep; ns is their difference (noise may make it negative)
    assert doc["bench"] == "fdref" and doc["alone_ns"] > 0 and doc["shared_ns"] > 0 and doc["ns"] < doc["shared_ns"]
    out = subprocess.run([str(probe), "switch", "iters=200"], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["ns"] > 0  # a round trip between two threads on one CPU
    out = subprocess.run([str(bench), "stream", "mech=shm_eventfd", "size=256", "receivers=3", "messages=300"], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["ns"] > 0


@needs_cc
def test_calibrate_then_validate(tmp_path: Path) -> None:
    """The whole path on this machine, quick: a profile that loads, then measured beside simulated."""
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    profile = tmp_path / "this-host.toml"
    done = cli("calibrate", "--quick", "--out", str(profile), env=env)
    assert done.returncode == 0, done.stderr
    costs = load_profile(profile, cost_sections())
    assert costs.name == "this-host" and costs.host.cpus == len(os.sched_getaffinity(0))
    info = {i.dotted: i for i in costs.describe()}
    assert info["syscall.entry_ns"].source.startswith("measured (simuring calibrate")
    assert info["pipe.op_ns"].source.startswith("fitted by simuring calibrate")
    assert info["host.cpus"].source.startswith("read from the machine")
    assert info["sched.wakeup_ns"].source.startswith("inherited from rfc-vm-32vcpu")
    out = tmp_path / "cells.json"
    report = tmp_path / "v.md"
    done = cli("validate", "--host", str(profile), "--quick", "--repeats", "1", "-k", "p2p:pipe:64", "--json", str(out), "--report", str(report), env=env)
    assert done.returncode == 0, done.stderr
    records = json.loads(out.read_text())
    assert len(records) == 1
    rec = records[0]
    assert (rec["case"], rec["mechanism"], rec["msg_size"], rec["receivers"], rec["setup_flags"]) == ("p2p", "pipe", 64, 1, "default")
    assert rec["measured_ns"] > 0 and rec["simulated_ns"] > 0
    assert rec["measured_min_ns"] <= rec["measured_ns"] <= rec["measured_max_ns"]
    assert "| p2p:pipe:64:1 |" in report.read_text()
    assert "median |error|" in done.stdout


def _affine(cpus: set[int]) -> object:
    return lambda: os.sched_setaffinity(0, cpus)


@needs_cc
def test_the_benches_cpus_are_the_ones_the_process_may_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bench's CPU 0 and CPU 1 are the first two CPUs of its affinity (a
    container's cpuset may hold neither 0 nor 1); on one CPU both sides share it."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    probe = build("probe")
    allowed = sorted(os.sched_getaffinity(0))

    def sides(cpus: set[int]) -> tuple[int, int]:
        out = subprocess.run([str(probe), "cacheline", "iters=2000"], capture_output=True, text=True, check=True, preexec_fn=_affine(cpus))  # type: ignore[arg-type]
        doc = json.loads(out.stdout)
        return doc["cpu0"], doc["cpu1"]

    last = allowed[-1]
    assert sides({last}) == (last, last)
    if len(allowed) >= 2:
        assert sides(set(allowed)) == (allowed[0], allowed[1])
        assert sides(set(allowed[-2:])) == (allowed[-2], allowed[-1])


@needs_cc
def test_calibrate_on_one_cpu_inherits_what_needs_two(tmp_path: Path) -> None:
    """With one CPU allowed, the figures between two CPUs are skipped (said on
    stderr and in the profile) and their parameters inherited, not fitted to a
    figure that measured something else."""
    profile = tmp_path / "one.toml"
    done = subprocess.run(
        [sys.executable, "-m", "simuring.cli", "calibrate", "--quick", "--out", str(profile)],
        capture_output=True,
        text=True,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "COLUMNS": "200"},
        timeout=300,
        preexec_fn=_affine({max(os.sched_getaffinity(0))}),  # type: ignore[arg-type]
    )
    assert done.returncode == 0, done.stderr
    assert "one CPU only" in done.stderr and "are skipped" in done.stderr
    text = profile.read_text()
    assert "# One CPU only: the costs between two CPUs were not measured, and are inherited." in text
    assert "cacheline iters=" not in text and "wake target=" not in text
    info = {i.dotted: i for i in load_profile(profile, cost_sections()).describe()}
    assert info["host.cpus"].value == 1
    for dotted in ("mem.cacheline_transfer_ns", "sched.ipi_send_ns", "mem.remote_bytes_per_ns", "unix.shared_lines", "pipe.shared_lines"):
        assert info[dotted].source.startswith("inherited from rfc-vm-32vcpu"), dotted
    assert info["pipe.op_ns"].source.startswith("fitted by simuring calibrate")


def test_attempts_must_be_positive() -> None:
    for command in ("calibrate", "validate"):
        done = cli(command, "--host", "rfc-vm-32vcpu", "--attempts", "0") if command == "validate" else cli(command, "--attempts", "0")
        assert done.returncode == 2 and "--attempts" in done.stderr and "Traceback" not in done.stderr
