"""epoll(7) constants and ``struct epoll_event`` (``include/uapi/linux/eventpoll.h``).

On x86-64 ``struct epoll_event`` is packed: a 32-bit ``events`` mask then the
64-bit ``data``, 12 bytes.  A Python caller passes it, and the array
epoll_wait fills, as a ``bytearray``: :func:`epoll_event` builds one,
:func:`epoll_events` reads an array back.
"""

from __future__ import annotations

import struct
from typing import Final

from simuring.abi.posix import O_CLOEXEC

EPOLL_CLOEXEC: Final = O_CLOEXEC

EPOLL_CTL_ADD: Final = 1
EPOLL_CTL_DEL: Final = 2
EPOLL_CTL_MOD: Final = 3

EPOLLIN: Final = 0x0001
EPOLLPRI: Final = 0x0002
EPOLLOUT: Final = 0x0004
EPOLLERR: Final = 0x0008
EPOLLHUP: Final = 0x0010
EPOLLNVAL: Final = 0x0020
EPOLLRDNORM: Final = 0x0040
EPOLLRDBAND: Final = 0x0080
EPOLLWRNORM: Final = 0x0100
EPOLLWRBAND: Final = 0x0200
EPOLLMSG: Final = 0x0400
EPOLLRDHUP: Final = 0x2000
EPOLLEXCLUSIVE: Final = 1 << 28
EPOLLWAKEUP: Final = 1 << 29
EPOLLONESHOT: Final = 1 << 30
EPOLLET: Final = 1 << 31

EPOLL_EVENT_SIZE: Final = 12
"""``sizeof(struct epoll_event)`` on x86-64 (packed)."""

_EV: Final = struct.Struct("<IQ")


def epoll_event(events: int, data: int = 0) -> bytearray:
    """A ``struct epoll_event`` with ``events`` and ``data`` (both truncated to their C widths)."""
    return bytearray(_EV.pack(events & 0xFFFF_FFFF, data & 0xFFFF_FFFF_FFFF_FFFF))


def epoll_events(buf: bytes | bytearray | memoryview, n: int) -> list[tuple[int, int]]:
    """The first ``n`` ``(events, data)`` pairs of an array of ``struct epoll_event``."""
    return [_EV.unpack_from(buf, i * EPOLL_EVENT_SIZE) for i in range(n)]


__all__ = [
    "EPOLL_CLOEXEC",
    "EPOLL_CTL_ADD",
    "EPOLL_CTL_DEL",
    "EPOLL_CTL_MOD",
    "EPOLLIN",
    "EPOLLPRI",
    "EPOLLOUT",
    "EPOLLERR",
    "EPOLLHUP",
    "EPOLLNVAL",
    "EPOLLRDNORM",
    "EPOLLRDBAND",
    "EPOLLWRNORM",
    "EPOLLWRBAND",
    "EPOLLMSG",
    "EPOLLRDHUP",
    "EPOLLEXCLUSIVE",
    "EPOLLWAKEUP",
    "EPOLLONESHOT",
    "EPOLLET",
    "EPOLL_EVENT_SIZE",
    "epoll_event",
    "epoll_events",
]
