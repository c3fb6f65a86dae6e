"""What the distribution installs: the opcode plug-ins as ``simuring.opcodes``, no top-level ``opcodes``.

The plug-ins are edited in the top-level ``opcodes/`` folder; ``simuring/opcodes`` is
a symlink to it, so setuptools packages them inside simuring and editable installs
see them.  (A setuptools package-dir mapping would do the same for the wheel, but
mypy cannot follow such a mapping: docs/architecture.md, "The opcodes/ symlink".)
An unrelated PyPI package is called ``opcodes``: installing a top-level package of
that name would clash with it (issue 8, target 7).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.metadata import distribution, entry_points
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: what a build of the distribution reads from the source tree
BUILD_INPUTS = ("pyproject.toml", "setup.py", "MANIFEST.in", "build_backend", "README.md", "simuring", "opcodes")


def test_simuring_opcodes_is_a_symlink_to_the_top_level_folder():
    link = ROOT / "simuring" / "opcodes"
    assert link.is_symlink() and os.readlink(link) == "../opcodes"
    assert (ROOT / "opcodes" / "nop.py").is_file()


def test_the_installed_distribution_has_no_top_level_opcodes():
    dist = distribution("simuring")
    assert (dist.read_text("top_level.txt") or "").split() == ["simuring"]
    assert not [f for f in dist.files or () if f.parts[0] == "opcodes"]
    # a compiled wheel's shared library (simuring/native__mypyc*.so) is inside the package too
    assert not [f for f in dist.files or () if len(f.parts) == 1 and f.suffix in (".so", ".pyd")]


def test_builtin_plugins_are_entry_points_into_simuring_opcodes():
    targets = {ep.name: ep.value for ep in entry_points(group="simuring.opcodes")}
    assert targets and all(value.startswith("simuring.opcodes.") for value in targets.values())
    for ep in entry_points(group="simuring.opcodes"):
        assert callable(ep.load())


@pytest.mark.slow
def test_pip_installs_the_plugins_under_simuring_only(tmp_path):
    """``pip install --no-deps --target``: a real build (about 10 s, most of it
    pip setting up the build environment), from a copy of the source tree so
    that the build leaves nothing behind in it.  Pure (``SIMURING_PURE=1``):
    compiling takes minutes; CI installs the compiled build and runs the
    suite on it, this file's other tests included."""
    src = tmp_path / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    for name in BUILD_INPUTS:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(path, src / name)
    target = tmp_path / "site"
    cmd = [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(target), str(src)]
    env = {**os.environ, "SIMURING_PURE": "1"}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert (target / "simuring" / "opcodes" / "nop.py").is_file()
    assert (target / "simuring" / "opcodes" / "ipc" / "send.py").is_file()
    assert not (target / "opcodes").exists()
    installed = sorted(p.name for p in target.iterdir())
    dist_info = f"simuring-{distribution('simuring').version}.dist-info"
    assert installed == ["bin", "simuring", dist_info]  # bin/: the console script
