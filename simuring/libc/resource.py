"""``<sys/resource.h>``: getrlimit, setrlimit, prlimit, as glibc implements them: each is
one prlimit64(2) (:mod:`simuring.kernel.sys.resource`) on the calling process (pid 0).

The limits are passed in a :class:`~simuring.abi.posix.Rlimit` (``struct rlimit``),
which getrlimit and prlimit's ``old`` fill in place; 0 or a negative errno."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.abi.posix import Rlimit
from simuring.kernel.sys import syscall
from simuring.libc.argcheck import need_int
from simuring.libc.cint import CInt

Gen = Generator[Any, Any, int]


def getrlimit(resource: CInt, rlim: Rlimit | None) -> Gen:
    """getrlimit(2): the soft and hard limits of ``resource`` into ``rlim`` (None, NULL,
    is passed on: prlimit64 then reads nothing)."""
    need_int("getrlimit", resource=resource)
    return (yield from syscall("prlimit64", 0, resource, None, rlim))


def setrlimit(resource: CInt, rlim: Rlimit | None) -> Gen:
    """setrlimit(2): set ``resource``'s limits to ``rlim``'s (-EINVAL soft above hard, -EPERM
    a raised hard limit without CAP_SYS_RESOURCE, or past ``fs.nr_open`` for RLIMIT_NOFILE)."""
    need_int("setrlimit", resource=resource)
    return (yield from syscall("prlimit64", 0, resource, rlim, None))


def prlimit(pid: CInt, resource: CInt, new: Rlimit | None, old: Rlimit | None) -> Gen:
    """prlimit(2): set ``new`` (None: leave them) and/or read the previous limits into ``old``."""
    need_int("prlimit", pid=pid, resource=resource)
    return (yield from syscall("prlimit64", pid, resource, new, old))
