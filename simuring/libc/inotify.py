"""``<sys/inotify.h>``: inotify_init1(2), inotify_add_watch(2), inotify_rm_watch(2)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.kernel.sys import syscall
from simuring.libc.argcheck import need_int, need_str
from simuring.libc.cint import CInt

Gen = Generator[Any, Any, int]


def inotify_init1(flags: CInt) -> Gen:
    """inotify_init1(2): a descriptor, or -EINVAL for a flag but IN_NONBLOCK and IN_CLOEXEC."""
    need_int("inotify_init1", flags=flags)
    return (yield from syscall("inotify_init1", flags))


def inotify_add_watch(fd: CInt, path: str, mask: CInt) -> Gen:
    """inotify_add_watch(2): a watch descriptor or -errno.  ``mask`` is a ``uint32_t``."""
    need_str(path, "inotify_add_watch", "path")
    need_int("inotify_add_watch", fd=fd, mask=mask)
    return (yield from syscall("inotify_add_watch", fd, path, mask & 0xFFFF_FFFF))


def inotify_rm_watch(fd: CInt, wd: CInt) -> Gen:
    """inotify_rm_watch(2): 0 or -errno."""
    need_int("inotify_rm_watch", fd=fd, wd=wd)
    return (yield from syscall("inotify_rm_watch", fd, wd))
