"""mmap(2) and munmap(2) on the real kernel, under the simulator's Python forms.

A mapping is returned as the object the simulator's mmap returns for it, so a
scenario uses both alike: of a ring fd at IORING_OFF_PBUF_RING a
:class:`~simuring.conform.real.bufring.RealBufRing` over the mapped ring (its
tail and entries are the kernel's memory), any other a writable ``memoryview``
of the mapped bytes (the parameter region, anonymous memory, the rings).
``mmap`` answers -errno as the kernel does.  The run's mappings are kept in a
:class:`Mappings`, which unmaps what the scenario left mapped (a mapping of a
ring fd keeps the ring alive after its fd is closed).
"""

from __future__ import annotations

import ctypes
from typing import Any

from simuring.abi.limits import U64
from simuring.conform.real.bufring import RealBufRing
from simuring.conform.real.libc import libc, mmap_address
from simuring.conform.real.memory import Pins
from simuring.errno import EINVAL
from simuring.uapi import IORING_OFF_MMAP_MASK, IORING_OFF_PBUF_RING


class Mappings:
    """The mappings one scenario run made: (address, length) by the Python object standing for each."""

    def __init__(self) -> None:
        self.live: dict[int, tuple[Any, int, int]] = {}

    def mmap(self, addr: Any, length: int, prot: int, flags: int, fd: int, offset: int) -> Any:
        """mmap(2): the mapping's Python form, or -errno."""
        base = mmap_address(Pins().address(addr), length, prot, flags, fd, offset)
        if base < 0:
            return base
        obj: Any
        if fd >= 0 and offset & U64 & IORING_OFF_MMAP_MASK == IORING_OFF_PBUF_RING:
            obj = RealBufRing.over(base, length)
        else:
            obj = memoryview((ctypes.c_ubyte * length).from_address(base)).cast("B")
        self.live[id(obj)] = (obj, base, length)
        return obj

    def munmap(self, obj: Any, length: int) -> int:
        """munmap(2) of a mapping ``mmap`` returned: 0, or -EINVAL for anything else."""
        entry = self.live.pop(id(obj), None)
        if entry is None:
            return -EINVAL
        _, base, _ = entry
        ret = int(libc().munmap(base, length))
        if isinstance(obj, RealBufRing):
            obj.addr = 0
        return -ctypes.get_errno() if ret < 0 else 0

    def unmap_all(self) -> None:
        """Unmap whatever the run left mapped."""
        for obj, base, length in list(self.live.values()):
            libc().munmap(base, length)
            if isinstance(obj, RealBufRing):
                obj.addr = 0
        self.live.clear()
