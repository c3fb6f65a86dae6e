"""``<sys/stat.h>``: mkdir(2) on the kernel's in-memory file system."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.kernel.sys import syscall
from simuring.libc.argcheck import need_int, need_str
from simuring.libc.cint import CInt


def mkdir(path: str, mode: CInt = 0o777) -> Generator[Any, Any, int]:
    """mkdir(2) (glibc: mkdirat(AT_FDCWD, ...)): 0 or -errno (-EEXIST, -ENOENT, -ENOTDIR);
    ``mode`` is accepted and ignored (no permission model)."""
    need_str(path, "mkdir", "path")
    need_int("mkdir", mode=mode)
    return (yield from syscall("mkdirat", -100, path, mode))
