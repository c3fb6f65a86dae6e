"""``<sys/socket.h>``: socketpair, send, recv (AF_UNIX stream sockets)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.kernel.sys import syscall
from simuring.libc.argcheck import need_buffer, need_int, need_list
from simuring.libc.cint import CInt, CIntArray

Gen = Generator[Any, Any, int]


def socketpair(domain: CInt, type: CInt, protocol: CInt, sv: CIntArray) -> Gen:
    """socketpair(2): AF_UNIX + SOCK_STREAM (| SOCK_NONBLOCK | SOCK_CLOEXEC) only; fills ``sv``."""
    need_list(sv, "socketpair")
    return (yield from syscall("socketpair", domain, type, protocol, sv))


def send(fd: CInt, buf: Any, len: CInt, flags: CInt) -> Gen:
    """send(2) on a socket (glibc: sendto without an address); MSG_DONTWAIT makes
    this call non-blocking."""
    need_int("send", fd=fd, len=len, flags=flags)
    need_buffer(buf, "send")
    return (yield from syscall("sendto", fd, buf, len, flags))


def recv(fd: CInt, buf: Any, len: CInt, flags: CInt) -> Gen:
    """recv(2) on a socket (glibc: recvfrom without an address)."""
    need_int("recv", fd=fd, len=len, flags=flags)
    need_buffer(buf, "recv")
    return (yield from syscall("recvfrom", fd, buf, len, flags))
