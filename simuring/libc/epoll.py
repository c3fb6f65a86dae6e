"""``<sys/epoll.h>``: epoll_create1 and epoll_ctl (the event is a 12-byte ``bytearray``,
see :func:`simuring.abi.epoll.epoll_event`)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.kernel.sys import syscall
from simuring.libc.argcheck import need_buffer, need_int
from simuring.libc.cint import CInt

Gen = Generator[Any, Any, int]


def epoll_create1(flags: CInt) -> Gen:
    """epoll_create1(2): a descriptor; flags other than EPOLL_CLOEXEC are -EINVAL."""
    need_int("epoll_create1", flags=flags)
    return (yield from syscall("epoll_create1", flags))


def epoll_ctl(epfd: CInt, op: CInt, fd: CInt, event: Any) -> Gen:
    """epoll_ctl(2): EPOLL_CTL_ADD / MOD / DEL of ``fd``; ``event`` a packed
    ``struct epoll_event`` (``epoll_event(events, data)``) or None (NULL)."""
    need_int("epoll_ctl", epfd=epfd, op=op, fd=fd)
    need_buffer(event, "epoll_ctl")
    return (yield from syscall("epoll_ctl", epfd, op, fd, event))
