"""``<sys/fanotify.h>``: fanotify_init(2), fanotify_mark(2)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.kernel.sys import syscall
from simuring.libc.argcheck import need_int, need_str
from simuring.libc.cint import CInt

Gen = Generator[Any, Any, int]


def fanotify_init(flags: CInt, event_f_flags: CInt) -> Gen:
    """fanotify_init(2): a descriptor or -errno.  Both arguments are ``unsigned int``."""
    need_int("fanotify_init", flags=flags, event_f_flags=event_f_flags)
    return (yield from syscall("fanotify_init", flags & 0xFFFF_FFFF, event_f_flags & 0xFFFF_FFFF))


def fanotify_mark(fd: CInt, flags: CInt, mask: CInt, dirfd: CInt, path: str | None) -> Gen:
    """fanotify_mark(2): 0 or -errno.  ``flags`` is an ``unsigned int``, ``mask`` a ``uint64_t``;
    ``path`` None is a NULL pathname (the object is ``dirfd``'s)."""
    if path is not None:
        need_str(path, "fanotify_mark", "path")
    need_int("fanotify_mark", fd=fd, flags=flags, mask=mask, dirfd=dirfd)
    return (yield from syscall("fanotify_mark", fd, flags & 0xFFFF_FFFF, mask & (2**64 - 1), dirfd, path))
