"""``<sys/eventfd.h>``: eventfd and glibc's eventfd_read / eventfd_write."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.abi.errno import EINVAL
from simuring.kernel.sys import syscall
from simuring.libc.argcheck import need_int, need_list
from simuring.libc.cint import CInt, CIntArray
from simuring.libc.unistd import read, write

Gen = Generator[Any, Any, int]


def eventfd(initval: CInt, flags: CInt) -> Gen:
    """eventfd(2) (the eventfd2 syscall): a descriptor, or -EINVAL for unknown flags."""
    need_int("eventfd", initval=initval, flags=flags)
    return (yield from syscall("eventfd2", initval, flags))


def eventfd_read(fd: CInt, value: CIntArray) -> Gen:
    """glibc eventfd_read(): read 8 bytes into ``value[0]``; 0 or -errno."""
    need_int("eventfd_read", fd=fd)
    need_list(value, "eventfd_read")
    buf = bytearray(8)
    ret = yield from read(fd, buf, 8)
    if ret < 0:
        return ret
    if ret != 8:
        return -EINVAL
    value[:1] = [int.from_bytes(buf, "little")]
    return 0


def eventfd_write(fd: CInt, value: CInt) -> Gen:
    """glibc eventfd_write(): write ``value`` as 8 bytes; 0 or -errno."""
    need_int("eventfd_write", fd=fd, value=value)
    value &= 0xFFFF_FFFF_FFFF_FFFF  # eventfd_t is uint64_t: -1 converts to 2**64-1 (which the kernel refuses)
    ret = yield from write(fd, value.to_bytes(8, "little"), 8)
    return 0 if ret == 8 else (ret if ret < 0 else -EINVAL)
