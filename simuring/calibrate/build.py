"""Compiling the C programs shipped with the package (``csrc/*.c``).

The probe and the IPC benchmarks are shipped as source and compiled on the
machine they measure, with its own C compiler (``$CC``, else ``cc``, ``gcc``
or ``clang``) and its kernel's uapi header (``<linux/io_uring.h>``): no
liburing, no prebuilt binary.  A binary is cached under
``$XDG_CACHE_HOME/simuring`` (``~/.cache/simuring``), named by a hash of its
source, the header and the compiler, so it is rebuilt when any of them
changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

CFLAGS = ("-O2", "-Wall", "-Wextra", "-pthread")
PROGRAMS = ("probe", "ipcbench")


class BuildError(Exception):
    """No C compiler, or the program did not compile (the message says which and why)."""


def source_dir() -> Path:
    """The folder of the shipped C sources."""
    return Path(str(resources.files("simuring.calibrate") / "csrc"))


def find_compiler() -> str:
    """The C compiler to use: ``$CC`` if set, else the first of cc, gcc, clang on PATH."""
    cc = os.environ.get("CC")
    if cc:
        found = shutil.which(cc)
        if found is None:
            raise BuildError(f"CC={cc}: no such compiler on PATH")
        return found
    for name in ("cc", "gcc", "clang"):
        found = shutil.which(name)
        if found is not None:
            return found
    raise BuildError(
        "no C compiler found (looked for $CC, cc, gcc, clang): the probe is compiled on the machine it measures; "
        "install one (e.g. apt install gcc) or set CC"
    )


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "simuring"


def _fingerprint(cc: str, program: str) -> str:
    h = hashlib.sha256()
    folder = source_dir()
    for path in sorted(folder.iterdir()):
        if path.suffix in (".c", ".h"):
            h.update(path.name.encode() + b"\0" + path.read_bytes())
    h.update(program.encode() + b"\0" + cc.encode() + b"\0" + " ".join(CFLAGS).encode())
    header = Path("/usr/include/linux/io_uring.h")
    if header.is_file():
        h.update(header.read_bytes())
    return h.hexdigest()[:16]


def build(program: str) -> Path:
    """The compiled ``program`` (``probe`` or ``ipcbench``): from the cache, or compiled now."""
    if program not in PROGRAMS:
        raise ValueError(f"unknown program {program!r} ({', '.join(PROGRAMS)})")
    cc = find_compiler()
    target = cache_dir() / f"{program}-{_fingerprint(cc, program)}"
    if target.is_file() and os.access(target, os.X_OK):
        return target
    src = source_dir() / f"{program}.c"
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        out = Path(tmp) / program
        proc = subprocess.run([cc, *CFLAGS, "-o", str(out), str(src)], capture_output=True, text=True)
        if proc.returncode != 0:
            first = next((line for line in proc.stderr.splitlines() if "error" in line), proc.stderr.strip()[:300])
            raise BuildError(f"{Path(cc).name} could not compile {src.name}: {first}")
        os.replace(out, target)  # atomic: a concurrent build leaves one complete binary
    return target
