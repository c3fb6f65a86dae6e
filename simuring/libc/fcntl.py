"""``<fcntl.h>``: open(2) on the kernel's in-memory file system."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.kernel.sys import syscall
from simuring.libc.argcheck import need_str


def open(path: str, flags: int, mode: int = 0o644) -> Generator[Any, Any, int]:
    """open(2) (glibc: openat(AT_FDCWD, ...)): O_RDONLY/O_WRONLY/O_RDWR, O_CREAT,
    O_EXCL, O_TRUNC; a descriptor or -errno.

    ``mode`` is accepted and ignored (no permission model for files).
    """
    need_str(path, "open", "path")
    return (yield from syscall("openat", path, flags, mode))
