"""The import rule of docs/architecture.md ("Layers and the import rule"), checked on the source.

Every module of the installed ``simuring`` package (``simuring/opcodes`` included,
through its symlink) is parsed with :mod:`ast`; every import counts, also one
under ``if TYPE_CHECKING:`` or inside a function.  The rule:

1. layers, bottom to top: abi < cost < output < host < kernel < opcodes < libc <
   liburing < engine < workloads < sweep < conform < reproduce < calibrate < step < cli.  A module imports only its own layer and the layers
   below (so the kernel core imports no opcode plug-in);
2. user space (libc, liburing) reaches the kernel (kernel, opcodes) only through
   the syscall entry point, :data:`SYSCALL_ENTRY`;
3. the public facades (:data:`FACADES`) sit on top: they may import anything, and
   no other module imports them, except the clients of the public API
   (:data:`PUBLIC_API_CLIENTS`: the bundled workloads' shared tasks are written
   as a workload script is; the conformance harness runs scenarios written as
   workloads are, against the facades; the calibration simulates its
   microbenchmarks as workloads).

:data:`ALLOWED` would list imports allowed to break the rule: it is empty, and stays so.
"""

from __future__ import annotations

import ast
import os
from functools import cache
from pathlib import Path

import attrs

import simuring

LAYERS = ("abi", "cost", "output", "host", "kernel", "opcodes", "libc", "liburing", "engine", "workloads", "sweep", "conform", "reproduce", "calibrate", "step", "cli")
#: layers written against the public API, as a workload script is: they may import the facades
PUBLIC_API_CLIENTS = ("workloads", "conform", "calibrate")
#: the public modules for workload scripts: re-exports only, on top of every layer
FACADES = frozenset(
    {
        "simuring",
        "simuring.__main__",
        "simuring.errno",
        "simuring.setupflags",
        "simuring.syscalls",
        "simuring.uapi",
    }
)
USER_SPACE = ("libc", "liburing")
KERNEL_SIDE = ("kernel", "opcodes")
#: the one kernel module user space may import: the syscall table's entry point
SYSCALL_ENTRY = "simuring.kernel.sys"

# Exceptions to the rule, as (importer, imported module): none.  Do not add to it:
# fix the import instead (test_allowed_imports_are_still_needed keeps it honest).
ALLOWED: frozenset[tuple[str, str]] = frozenset()


@attrs.frozen
class Import:
    importer: str
    imported: str
    line: int

    def __str__(self) -> str:
        return f"{self.importer} (line {self.line}) imports {self.imported}"


@cache
def package_modules() -> dict[str, Path]:
    """Every module of the installed package: dotted name -> source file."""
    (root,) = simuring.__path__
    top = Path(root).parent
    modules = {}
    for folder, _, files in os.walk(root, followlinks=True):  # simuring/opcodes is a symlink
        for name in files:
            if name.endswith(".py"):
                path = Path(folder, name)
                parts = path.relative_to(top).with_suffix("").parts
                if parts[-1] == "__init__":
                    parts = parts[:-1]
                modules[".".join(parts)] = path
    return modules


def imports_in(source: str, module: str, is_package: bool, known: frozenset[str]) -> list[Import]:
    """The simuring modules that ``module`` imports anywhere in ``source``."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            targets = []
            for alias in node.names:
                if base == "simuring" and alias.name.startswith("__"):
                    continue  # the package's own metadata (__version__), not a re-export
                sub = f"{base}.{alias.name}"
                targets.append(sub if sub in known else base)
        else:
            continue
        for target in targets:
            if target == "simuring" or target.startswith("simuring."):
                found.append(Import(module, target, node.lineno))
    return found


@cache
def all_imports() -> tuple[Import, ...]:
    modules = package_modules()
    known = frozenset(modules)
    found = []
    for module, path in sorted(modules.items()):
        source = path.read_text(encoding="utf-8")
        found += imports_in(source, module, path.name == "__init__.py", known)
    return tuple(found)


def layer_of(module: str) -> str | None:
    """The layer of a module, "facade" for a facade, None if it has no place."""
    if module in FACADES:
        return "facade"
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    return None


def is_user_space_to_kernel(imp: Import) -> bool:
    return (
        layer_of(imp.importer) in USER_SPACE
        and layer_of(imp.imported) in KERNEL_SIDE
        and imp.imported != SYSCALL_ENTRY
    )


def is_upward(imp: Import) -> bool:
    low, high = layer_of(imp.importer), layer_of(imp.imported)
    if low in (None, "facade") or high in (None, "facade"):
        return False
    return LAYERS.index(high) > LAYERS.index(low)


def is_facade_import(imp: Import) -> bool:
    importer = layer_of(imp.importer)
    return importer != "facade" and importer not in PUBLIC_API_CLIENTS and layer_of(imp.imported) == "facade"


def broken(rule) -> list[str]:
    return [str(imp) for imp in all_imports() if rule(imp) and (imp.importer, imp.imported) not in ALLOWED]


# -- the rule ---------------------------------------------------------------------------
def test_every_module_is_in_a_layer_or_a_facade():
    homeless = sorted(m for m in package_modules() if layer_of(m) is None)
    assert not homeless, f"modules outside every layer (add the folder to LAYERS and docs/architecture.md): {homeless}"


def test_no_module_imports_a_higher_layer():
    assert not broken(is_upward), "\n".join(["imports of a higher layer:", *broken(is_upward)])


def test_the_kernel_core_imports_no_opcode():
    def kernel_to_opcode(imp: Import) -> bool:
        return layer_of(imp.importer) == "kernel" and layer_of(imp.imported) == "opcodes"

    assert not broken(kernel_to_opcode)


def test_user_space_reaches_the_kernel_only_through_the_syscall_entry_point():
    assert not broken(is_user_space_to_kernel), "\n".join(
        [f"user space importing kernel internals (only {SYSCALL_ENTRY} is allowed):", *broken(is_user_space_to_kernel)]
    )


def test_internal_modules_do_not_import_the_facades():
    assert not broken(is_facade_import), "\n".join(["internal modules importing a facade:", *broken(is_facade_import)])


def test_every_imported_simuring_module_is_in_a_layer():
    unknown = [str(imp) for imp in all_imports() if layer_of(imp.imported) is None]
    assert not unknown


def test_allowed_imports_are_still_needed():
    """An entry of ALLOWED that no longer matches an import breaking the rule goes."""
    breaking = {
        (imp.importer, imp.imported)
        for imp in all_imports()
        if is_upward(imp) or is_user_space_to_kernel(imp) or is_facade_import(imp)
    }
    assert not sorted(ALLOWED - breaking), "no longer needed in ALLOWED: remove them"


# -- the checker itself -------------------------------------------------------------------
def test_the_checker_sees_every_kind_of_import():
    source = """
from __future__ import annotations
import simuring.abi.poll
from typing import TYPE_CHECKING
from simuring import __version__
from simuring import uapi
from .rings import u32
from ..host import task
if TYPE_CHECKING:
    from simuring.engine.sim import Simulation
def f():
    from simuring.opcodes import nop
"""
    known = frozenset({"simuring.uapi", "simuring.kernel.rings", "simuring.host.task", "simuring.opcodes.nop"})
    got = [(imp.imported, imp.line) for imp in imports_in(source, "simuring.kernel.enter", False, known)]
    assert sorted(got) == sorted(
        [
            ("simuring.abi.poll", 3),
            ("simuring.uapi", 6),
            ("simuring.kernel.rings", 7),
            ("simuring.host.task", 8),
            ("simuring.engine.sim", 10),
            ("simuring.opcodes.nop", 12),
        ]
    )


def test_the_package_source_includes_the_opcode_plug_ins():
    modules = package_modules()
    assert "simuring.opcodes.nop" in modules and "simuring.opcodes.ipc" in modules
    assert "simuring.kernel.submit" in modules and "simuring.liburing.queue" in modules
