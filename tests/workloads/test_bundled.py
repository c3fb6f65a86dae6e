"""The bundled workloads are templates: each one self-contained file, documented
parameters, clear parameter errors, helper tasks marked."""

from __future__ import annotations

import ast
import inspect
import json
import re
import shutil
import subprocess
import sys

import pytest

from simuring import ParamError, Simulation
from simuring.cli import main
from tests.helpers.bundled import WORKLOADS, bundled_scripts, load_bundled, small_params

SCRIPTS = bundled_scripts()
NAMES = [p.stem for p in SCRIPTS]


def test_every_script_is_a_workload():
    """No shared module left beside them (a `_helper.py`): what they share is in simuring.workloads."""
    assert SCRIPTS and not [p.name for p in SCRIPTS if p.name.startswith("_")]


@pytest.mark.parametrize("path", SCRIPTS, ids=NAMES)
def test_a_script_imports_only_simuring(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            imported.append("." * node.level + (node.module or ""))
    foreign = [m for m in imported if m != "simuring" and not m.startswith("simuring.")]
    assert imported and not foreign


@pytest.mark.parametrize("path", SCRIPTS, ids=NAMES)
def test_a_copy_runs_anywhere(path, tmp_path, capsys):
    copy = tmp_path / "x.py"
    shutil.copy(path, copy)
    params = [f"{k}={v}" for k, v in small_params(load_bundled(path.stem)).items()]
    out = tmp_path / "result.json"
    args = ["run", str(copy), "--quiet", "--json", str(out)]
    for item in params:
        args += ["-p", item]
    assert main(args) == 0, capsys.readouterr().err
    doc = json.loads(out.read_text())
    assert doc["reported"] and any(not t["kthread"] for t in doc["tasks"])


def test_a_copy_runs_standalone(tmp_path):
    for name in ("nop_loop", "ipc_unicast"):
        copy = tmp_path / f"{name}.py"
        shutil.copy(WORKLOADS / f"{name}.py", copy)
        proc = subprocess.run([sys.executable, str(copy)], capture_output=True, text=True, cwd=tmp_path, timeout=120)
        assert proc.returncode == 0, proc.stderr
        figures = dict(line.split(": ", 1) for line in proc.stdout.splitlines())
        assert float(figures["ns_per_nop" if name == "nop_loop" else "sender_ns_per_msg"]) > 0


def documented_args(fn) -> list[str]:
    """The names of the ``Args:`` entries of ``fn``'s docstring (Google style)."""
    doc = fn.__doc__ or ""
    lines = inspect.cleandoc(doc).splitlines()
    assert "Args:" in lines, f"{fn.__module__}: workload() has no Args: section"
    names = []
    for line in lines[lines.index("Args:") + 1 :]:
        if not line.strip():
            break
        if line.startswith("    ") and not line.startswith("     "):
            name, sep, text = line.strip().partition(": ")
            assert sep and text and name.isidentifier(), line
            names.append(name)
        else:
            assert line.startswith("        "), f"a continuation line is indented further: {line!r}"
    return names


@pytest.mark.parametrize("name", NAMES)
def test_every_parameter_is_documented(name):
    fn = load_bundled(name)
    params = list(inspect.signature(fn).parameters)[1:]
    assert documented_args(fn) == params
    module = sys.modules.get(fn.__module__)
    assert not hasattr(module, "PARAMS_DOC")


@pytest.mark.parametrize("name", NAMES)
def test_a_module_docstring_shows_how_to_run_it(name):
    text = (WORKLOADS / f"{name}.py").read_text(encoding="utf-8")
    doc = ast.get_docstring(ast.parse(text)) or ""
    assert f"simuring run workloads/{name}.py" in doc and "Reported" in doc


# -- parameter errors --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "params", "named", "what"),
    [
        ("ipc_broadcast", {"ring_entries": 100}, {"ring_entries": 100, "msg_size": 64}, "IPC channel create"),
        ("ipc_multicast", {"msg_size": 100_000_000}, {"ring_entries": 256, "msg_size": 100_000_000}, "IPC channel create"),
        ("ipc_unicast", {"setup_flags": "DEFER_TASKRUN"}, {"setup_flags": "DEFER_TASKRUN"}, "io_uring_queue_init"),
        ("rfc_io_uring_bcast", {"ring_entries": 100}, {"ring_entries": 100, "msg_size": 64}, "IPC channel create"),
        ("rfc_io_uring_mcast", {"ring_entries": 3}, {"ring_entries": 3, "msg_size": 64}, "IPC channel create"),
        ("rfc_io_uring_unicast", {"setup_flags": "DEFER_TASKRUN"}, {"setup_flags": "DEFER_TASKRUN"}, "io_uring_queue_init"),
        ("msg_ring_pingpong", {"entries": 100_000}, {"entries": 100_000, "setup_flags": "0"}, "io_uring_queue_init"),
        ("pipe_pingpong", {"entries": 100_000}, {"entries": 100_000, "setup_flags": "0"}, "io_uring_queue_init"),
        ("nop_loop", {"flags": "DEFER_TASKRUN"}, {"entries": 64, "flags": "DEFER_TASKRUN"}, "io_uring_queue_init"),
    ],
)
def test_a_value_the_kernel_refuses_is_a_param_error_naming_it(name, params, named, what):
    sim = Simulation(seed=1)
    load_bundled(name)(sim, **params)
    with pytest.raises(ParamError) as info:
        sim.run()
    exc = info.value
    assert exc.params == named and exc.what == what and exc.errno_name == "-EINVAL"
    assert str(exc).startswith(" ".join(f"-p {k}={v}" for k, v in named.items()) + f": {what} failed: -EINVAL")
    # SimPy raises a copy; the original, with the task named, is its cause
    assert isinstance(exc.__cause__, ParamError) and "in simulated task" in " ".join(exc.__cause__.__notes__)


@pytest.mark.parametrize(("name", "what"), [("rfc_pipe", "pipe (one per receiver)"), ("rfc_shm_eventfd", "eventfd (two per receiver)")])
def test_more_receivers_than_descriptors_is_a_param_error_naming_receivers(name, what):
    sim = Simulation(seed=1, overrides=["host.cpus=2"])
    load_bundled(name)(sim, receivers=600, messages=1, window=1, placement="wrap")
    with pytest.raises(ParamError, match=rf"^-p receivers=600: {re.escape(what)} failed: -EMFILE \(Too many open files\)$"):
        sim.run()


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("ipc_broadcast", {"receivers": 0}, "receivers must be a positive integer, got 0"),
        ("ipc_multicast", {"messages": -1}, "messages must be a positive integer, got -1"),
        ("ipc_unicast", {"setup_flags": "FAST"}, "unknown io_uring setup flag"),
        ("rfc_pipe", {"placement": "spread"}, "placement must be one of one_per_cpu, wrap, got 'spread'"),
        ("rfc_unix_sock", {"receivers": 40}, "receivers must be below the host's 32 CPUs"),
        ("rfc_shm_eventfd", {"spin_ns": -1}, "spin_ns must be a whole number of nanoseconds >= 0, got -1"),
        ("rfc_io_uring_bcast", {"window": 0}, "window must be a positive integer, got 0"),
        ("msg_ring_pingpong", {"messages": 0}, "messages must be a positive integer, got 0"),
        ("pipe_pingpong", {"window": 0}, "window must be a positive integer, got 0"),
        ("nop_loop", {"ops": 0}, "ops must be a positive integer, got 0"),
        ("nop_loop", {"flags": "FAST"}, "unknown io_uring setup flag"),
    ],
)
def test_an_invalid_value_is_a_value_error_before_any_task_starts(name, params, message):
    sim = Simulation(seed=1)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_bundled(name)(sim, **params)
    assert not sim.tasks


# -- helper tasks -------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_only_the_summary_is_a_helper(name):
    fn = load_bundled(name)
    sim = Simulation(seed=1)
    fn(sim, **small_params(fn))
    result = sim.run()
    helpers = [t.name for t in result.tasks if t.helper]
    assert helpers == (["summary"] if name.startswith("ipc_") else [])
    assert [t.name for t in result.benchmark_tasks()] == [t.name for t in result.tasks if not t.kthread and t.name != "summary"]
