"""The two builds (docs/speed.md): pure Python and compiled with mypyc give the same runs, byte for byte.

The compiled build is the same source, its hot modules compiled; ``SIMURING_PURE=1``
makes an installed compiled package import its ``.py`` sources instead.  So where a
compiled build is installed (CI installs one and runs the suite on it), every bundled
workload is run in two fresh processes, one of each build, and the JSON results (with
the event trace) must be the same bytes.  Where none is installed (an editable
install) that comparison is skipped, and the rest of this file checks the pure build.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import simuring
from tests.helpers.bundled import bundled_scripts, load_bundled

#: parameters of the comparison: a few hundred messages each, a few receivers
COMPARE = {"messages": 300, "ops": 300, "window": 50, "receivers": 4}

ROOT = Path(__file__).resolve().parents[1]

#: a compiled build is installed (whether or not SIMURING_PURE sets it aside in this process)
COMPILED_INSTALLED = simuring.__build__ != "pure Python"

#: what each child process runs: every bundled workload through ``simuring run``, its JSON
#: result (with the trace) printed as one object keyed by script name
CHILD = """
import contextlib, io, json, sys, tempfile, os
import simuring
from simuring.cli import main
runs = json.loads(sys.argv[1])
out = {"build": simuring.__build__, "results": {}}
with tempfile.TemporaryDirectory() as tmp:
    for name, (path, params) in runs.items():
        dest = os.path.join(tmp, name + ".json")
        argv = ["run", path, "--seed", "3", "--trace", "--json", dest, "--quiet"]
        for key, value in params.items():
            argv += ["-p", f"{key}={value}"]
        with contextlib.redirect_stdout(io.StringIO()):
            code = main(argv)
        out["results"][name] = open(dest, encoding="utf-8").read() if code == 0 else f"exit {code}"
print(json.dumps(out))
"""


def run_all(pure: bool, tmp_path: Path) -> dict[str, object]:
    """Every bundled workload in a fresh process of the given build: {"build", "results"}."""
    runs = {}
    for path in bundled_scripts():
        runs[path.stem] = (str(path), compare_params(path.stem))
    env = {k: v for k, v in os.environ.items() if k != "SIMURING_PURE"}
    if pure:
        env["SIMURING_PURE"] = "1"
    # cwd outside the source tree: its simuring/ would shadow the installed package
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(runs)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.mark.skipif(not COMPILED_INSTALLED, reason="no compiled build installed (pip install . with a C compiler)")
def test_bundled_workloads_give_byte_identical_json_compiled_and_pure(tmp_path: Path) -> None:
    compiled = run_all(False, tmp_path)
    pure = run_all(True, tmp_path)
    assert compiled["build"] == "compiled, mypyc"
    assert pure["build"] == "pure Python, SIMURING_PURE=1"
    names = sorted(p.stem for p in bundled_scripts())
    assert sorted(compiled["results"]) == names  # type: ignore[call-overload]
    for name in names:
        a, b = compiled["results"][name], pure["results"][name]  # type: ignore[index]
        assert not a.startswith("exit"), f"{name}: {a}"
        assert a == b, f"{name}: the compiled and the pure runs differ"
        assert json.loads(a)["sim_time_ns"] > 0, name


#: wrong-typed arguments to the public API, each with the name its TypeError must give
MISUSE = """
import json
from simuring.liburing import *
from simuring.syscalls import close, eventfd, pipe, read, write
from simuring.uapi import Sqe
calls = [
    ("fd", lambda: io_uring_prep_read(Sqe(), "0", bytearray(4), 4, 0)),
    ("len", lambda: io_uring_prep_write(Sqe(), 0, bytearray(4), "4", 0)),
    ("offset", lambda: io_uring_prep_read(Sqe(), 0, bytearray(4), 4, None)),
    ("data", lambda: io_uring_sqe_set_data64(Sqe(), "x")),
    ("flags", lambda: io_uring_sqe_set_flags(Sqe(), "LINK")),
    ("fd", lambda: next(read("0", bytearray(4), 4))),
    ("count", lambda: next(write(1, bytearray(4), 4.0))),
    ("fd", lambda: next(close("3"))),
    ("initval", lambda: next(eventfd("0", 0))),
    ("fd", lambda: next(io_uring_enter("3", 0, 0, 0))),
    ("wait_nr", lambda: next(io_uring_submit_and_wait(Ring(), "1"))),
    ("wait_nr", lambda: next(io_uring_wait_cqe_nr(Ring(), Cqe(), "1"))),
    ("Ring", lambda: io_uring_get_sqe("ring")),
    ("list", lambda: next(pipe((0, 0)))),
]
out = []
for name, call in calls:
    try:
        call()
        out.append([name, "no error"])
    except Exception as exc:
        out.append([name, f"{type(exc).__name__}: {exc}"])
print(json.dumps(out))
"""


def misuse_messages(pure: bool, tmp_path: Path) -> list[list[str]]:
    env = {k: v for k, v in os.environ.items() if k != "SIMURING_PURE"}
    if pure:
        env["SIMURING_PURE"] = "1"
    done = subprocess.run([sys.executable, "-c", MISUSE], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    messages: list[list[str]] = json.loads(done.stdout)
    return messages


def test_misuse_raises_the_same_type_error_naming_the_argument_in_both_builds(tmp_path: Path) -> None:
    """The API's own check runs first in both builds: mypyc's entry checks ("int object
    expected; got str") never replace it (``CInt`` in simuring/libc/cint.py)."""
    builds = [True, False] if COMPILED_INSTALLED else [True]
    results = [misuse_messages(pure, tmp_path) for pure in builds]
    for name, message in results[0]:
        assert message.startswith("TypeError: "), (name, message)
        assert name in message, (name, message)
        assert "object expected" not in message, (name, message)
    if COMPILED_INSTALLED:
        assert results[1] == results[0]


def compare_params(name: str) -> dict[str, int]:
    """The :data:`COMPARE` values of the parameters workload ``name`` takes."""
    names = list(inspect.signature(load_bundled(name)).parameters)[1:]
    return {key: value for key, value in COMPARE.items() if key in names}


def test_the_comparison_sizes_every_bundled_workload() -> None:
    """Each workload runs a few hundred messages or operations in the comparison, not its default."""
    for path in bundled_scripts():
        params = compare_params(path.stem)
        assert "messages" in params or "ops" in params, path.stem


def test_simuring_pure_serves_the_sources(tmp_path: Path) -> None:
    """SIMURING_PURE=1: every simuring module comes from its .py file, whatever is installed."""
    code = (
        "import simuring, simuring.kernel.submit as s, simuring.host.task as t, simuring.liburing.queue as q; "
        "print(simuring.__build__); print(s.__file__); print(t.__file__); print(q.__file__)"
    )
    env = {**os.environ, "SIMURING_PURE": "1"}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    build, *files = done.stdout.split("\n")[:4]
    assert build.startswith("pure Python")
    assert all(f.endswith(".py") for f in files), files


def test_version_says_which_build_runs(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "simuring", "--version"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip()
    assert line.startswith(f"simuring {simuring.__version__} (")
    assert line.endswith(("(compiled, mypyc)", "(pure Python)", "(pure Python, SIMURING_PURE=1)"))
    if simuring.__build__ == "compiled, mypyc":
        assert line.endswith("(compiled, mypyc)")
