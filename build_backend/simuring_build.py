"""The build of simuring: setuptools, plus an optional mypyc compilation of the hot modules.

Two roles, one file (docs/speed.md, "The compiled build"):

* the PEP 517 build backend named in pyproject.toml (``backend-path``): it is
  setuptools' own, except that a wheel build asks for mypy (whose mypyc
  compiles the modules) and the package's own dependencies (which mypy reads
  as it type-checks them) only when it will compile: a C compiler with the
  Python headers works here and ``SIMURING_PURE`` is not set.  An editable
  install (``pip install -e .``), an sdist, or a wheel built without a
  compiler never download mypy;
* :func:`setup_kwargs`, which ``setup.py`` passes to ``setup()``: the
  extension modules of :data:`COMPILED` when a wheel (or ``build``,
  ``build_ext``, ``install``) is built and everything needed works, and
  nothing otherwise.  Any failure (no compiler, no mypyc, a module mypyc
  refuses, a compiler error) falls back to the pure-Python package with one
  line on standard error saying why.  The ``.py`` sources always ship, so the
  package works the same either way and ``SIMURING_PURE=1`` can choose them
  at run time (``simuring/__init__.py``).
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from setuptools import build_meta as _setuptools
from setuptools.build_meta import (  # noqa: F401  (the rest of the PEP 517 interface, unchanged)
    build_editable,
    build_sdist,
    build_wheel,
    get_requires_for_build_editable,
    get_requires_for_build_sdist,
    prepare_metadata_for_build_editable,
    prepare_metadata_for_build_wheel,
)

ROOT = Path(__file__).resolve().parent.parent

MYPY_REQUIREMENT = "mypy>=1.18,<3"
"""What compiles the modules: mypyc ships with mypy.  Only a wheel build that
will compile asks for it (:func:`get_requires_for_build_wheel`)."""

COMPILED: tuple[str, ...] = (
    # the host: every charge, sleep, wake-up and schedule
    "simuring/host/cpu.py",
    "simuring/host/current.py",
    "simuring/host/eevdf.py",
    "simuring/host/events.py",
    "simuring/host/gen.py",
    "simuring/host/memory.py",
    "simuring/host/pages.py",
    "simuring/host/spawner.py",
    "simuring/host/task.py",
    # the io_uring core: every kernel entry and every request
    "simuring/kernel/sys/entry.py",
    "simuring/kernel/sys/fs.py",
    "simuring/kernel/sys/ipc.py",
    "simuring/kernel/sys/sched.py",
    "simuring/kernel/sys/uring.py",
    "simuring/kernel/cancel.py",
    "simuring/kernel/core.py",
    "simuring/kernel/ctx.py",
    "simuring/kernel/enter.py",
    "simuring/kernel/files.py",
    "simuring/kernel/iowq.py",
    "simuring/kernel/request.py",
    "simuring/kernel/rings.py",
    "simuring/kernel/submit.py",
    "simuring/kernel/taskwork.py",
    "simuring/kernel/tctx.py",
    "simuring/kernel/uaccess.py",
    "simuring/kernel/wait.py",
    "simuring/kernel/objects/base.py",
    "simuring/kernel/ext.py",
    # the IPC channel plug-in's data path
    "simuring/opcodes/ipc/channel.py",
    "simuring/opcodes/ipc/recv.py",
    "simuring/opcodes/ipc/send.py",
    "simuring/opcodes/ipc/stats.py",
    "simuring/opcodes/ipc/wake.py",
    "simuring/opcodes/ipc/tables.py",
    "simuring/opcodes/nop.py",
    # what a run records, at every request
    "simuring/output/metrics.py",
    "simuring/output/trace.py",
    "simuring/liburing/queue.py",
    "simuring/liburing/cq.py",
    "simuring/liburing/prep.py",
    "simuring/liburing/syscall.py",
    "simuring/liburing/ipc.py",
    "simuring/libc/argcheck.py",
    "simuring/libc/unistd.py",
    "simuring/libc/socket.py",
    "simuring/libc/eventfd.py",
    "simuring/kernel/poll.py",
    "simuring/kernel/objects/pipe.py",
    "simuring/kernel/objects/socket.py",
    "simuring/kernel/objects/eventfd.py",
    "simuring/opcodes/rw.py",
    "simuring/opcodes/poll.py",
    "simuring/workloads/ipc_fanout.py",
    "simuring/workloads/windows.py",
)
"""The modules compiled by mypyc, as paths from the project root (docs/speed.md
says how they were chosen and what a compiled module may not contain)."""

GROUP = "simuring.native"
"""The compiled modules share one C library, ``simuring/native__mypyc*.so``: inside
the package, so the wheel adds nothing at the top level of site-packages."""

BUILD_COMMANDS = frozenset({"bdist_wheel", "build", "build_ext", "install"})
"""setup.py commands that build the package to install it: they compile."""


def say(line: str) -> None:
    """The one line a build prints about its mode (pip shows it with ``-v``)."""
    print(f"simuring: {line}", file=sys.stderr, flush=True)


def pure_requested() -> bool:
    """``SIMURING_PURE`` set (to anything but "" or "0"): build, or run, pure Python."""
    return os.environ.get("SIMURING_PURE", "") not in ("", "0")


def compiler_problem() -> str | None:
    """Why no C extension can be built here (None: a C compiler and the Python headers work).

    Compiles and links a file that includes ``Python.h``, with the compiler
    and flags Python was built with, as setuptools' build_ext would.
    """
    from setuptools._distutils.ccompiler import new_compiler
    from setuptools._distutils.errors import CCompilerError, DistutilsError
    from setuptools._distutils.sysconfig import customize_compiler

    include = sysconfig.get_paths()["include"]
    if not Path(include, "Python.h").is_file():
        return f"no Python.h in {include} (install the Python development headers)"
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp, "probe.c")
        src.write_text("#include <Python.h>\nint simuring_probe(void) { return Py_IsInitialized(); }\n")
        compiler = new_compiler()
        customize_compiler(compiler)
        try:
            objects = compiler.compile([str(src)], output_dir=tmp, include_dirs=[include])
            compiler.link_shared_object(objects, str(Path(tmp, "probe.so")))
        except (CCompilerError, DistutilsError, OSError) as exc:
            return f"no working C compiler ({type(exc).__name__}: {str(exc).strip()[:200]})"
    return None


# -- the PEP 517 backend ---------------------------------------------------------------------
def get_requires_for_build_wheel(config_settings: dict[str, Any] | None = None) -> list[str]:
    requires = list(_setuptools.get_requires_for_build_wheel(config_settings))
    if not pure_requested() and compiler_problem() is None:
        # mypyc type-checks the modules with their imports: the package's own
        # dependencies too (attrs above all, whose classes mypy must understand)
        requires += [MYPY_REQUIREMENT, *runtime_dependencies()]
    return requires


def runtime_dependencies() -> list[str]:
    """``[project] dependencies`` of pyproject.toml."""
    import tomllib

    with open(ROOT / "pyproject.toml", "rb") as f:
        deps: list[str] = tomllib.load(f)["project"]["dependencies"]
    return deps


# -- setup.py ---------------------------------------------------------------------------------
def _building(argv: list[str]) -> bool:
    return bool(BUILD_COMMANDS.intersection(argv)) and not {"editable_wheel", "develop"}.intersection(argv)


def _mypyc_extensions() -> list[Any]:
    """The extension modules of :data:`COMPILED` (mypyc generates their C here)."""
    from mypyc.build import mypycify

    cwd = os.getcwd()
    os.chdir(ROOT)  # mypyc names modules by their paths from the project root
    try:
        # MYPYC: simuring.libc.cint's CInt is Any to mypyc (the API checks its own ints)
        options = ["--always-true=MYPYC"]
        return list(mypycify([*options, *COMPILED], opt_level="3", debug_level="0", group_name=GROUP))
    finally:
        os.chdir(cwd)


def setup_kwargs(argv: list[str] | None = None) -> dict[str, Any]:
    """The keyword arguments ``setup.py`` adds to ``setup()``: compiled or pure."""
    argv = sys.argv[1:] if argv is None else argv
    if not _building(argv):
        return {}  # metadata, sdist, editable: nothing to compile
    for stale in ROOT.glob("build/lib*"):  # a previous build's modules, compiled or not
        shutil.rmtree(stale)
    if pure_requested():
        say("pure Python build (SIMURING_PURE is set)")
        return {}
    problem = compiler_problem()
    if problem is None:
        try:
            import mypyc.build  # noqa: F401
        except ImportError:
            problem = "mypyc is not installed (it comes with mypy)"
    if problem is None:
        try:
            extensions = _mypyc_extensions()
        except SystemExit:  # mypyc printed the type errors of the module it refuses
            problem = "mypyc refused a module (its errors are printed above)"
        except Exception as exc:
            problem = f"mypyc failed ({type(exc).__name__}: {str(exc).strip()[:200]})"
    if problem is not None:
        say(f"pure Python build: {problem}")
        return {}
    say(f"compiling {len(COMPILED)} modules with mypyc")
    return {"ext_modules": extensions, "cmdclass": {"build_ext": _fallback_build_ext()}}


def _fallback_build_ext() -> type:
    """setuptools' build_ext, which falls back to the pure package if compiling fails."""
    from setuptools.command.build_ext import build_ext

    class BuildExtOrPure(build_ext):  # type: ignore[misc]
        def run(self) -> None:
            try:
                super().run()
            except Exception as exc:
                say(f"pure Python build: compiling failed ({type(exc).__name__}: {str(exc).strip()[:200]})")
                for ext in self.extensions:  # no shim without its shared library
                    Path(self.get_ext_fullpath(ext.name)).unlink(missing_ok=True)
                self.extensions = []
                self.distribution.ext_modules = []

        def get_outputs(self) -> list[str]:
            return super().get_outputs() if self.extensions else []

    return BuildExtOrPure


def main_setup() -> None:
    """``setup.py``'s body."""
    from setuptools import setup

    setup(**setup_kwargs())
