"""Provided-buffer rings over real memory: liburing's buf-ring helpers (io_uring_setup_buf_ring(3),
io_uring_buf_ring_add(3), io_uring_buf_ring_advance(3), io_uring_free_buf_ring(3),
io_uring_register_buf_ring(3), io_uring_buf_ring_head(3)), written from their man pages.

A :class:`RealBufRing` is an anonymous private mapping of whole pages
holding the ``struct io_uring_buf`` entries; the tail is the u16 at offset
14 (``resv`` of entry 0), stored as a release store (one aligned store,
ordered on x86_64).  The buffers added to it are pinned by the ring object
until it is freed, so the kernel's writes land in the Python objects.
"""

from __future__ import annotations

import ctypes
import mmap as _mmap
from typing import Any

from simuring.abi.limits import U16
from simuring.conform.real import abi as cabi
from simuring.conform.real.libc import libc, mmap_address
from simuring.conform.real.memory import Pins
from simuring.errno import EINVAL
from simuring.uapi import (
    IORING_REGISTER_PBUF_RING,
    IORING_REGISTER_PBUF_STATUS,
    IORING_UNREGISTER_PBUF_RING,
    BufReg,
    BufStatus,
)

PAGE = _mmap.PAGESIZE


class RealBufRing:
    """``struct io_uring_buf_ring *`` in an anonymous mapping (unmapped by :meth:`unmap`)."""

    def __init__(self, nentries: int) -> None:
        size = nentries * ctypes.sizeof(cabi.IoUringBuf)
        self.size = size
        self.pins = Pins()
        self.error = mmap_address(0, size, _mmap.PROT_READ | _mmap.PROT_WRITE, _mmap.MAP_PRIVATE | _mmap.MAP_ANONYMOUS, -1, 0)
        self.addr = max(self.error, 0)
        self.nbufs = -(-size // PAGE) * PAGE // ctypes.sizeof(cabi.IoUringBuf) if self.addr else 0

    @classmethod
    def over(cls, addr: int, size: int) -> RealBufRing:
        """The ring the kernel allocated (IOU_PBUF_RING_MMAP), as mmap(2) of the ring fd mapped it
        at ``addr`` (``size`` bytes; unmapped by whoever mapped it, :mod:`.mman`)."""
        br = cls.__new__(cls)
        br.size, br.pins, br.addr, br.error = size, Pins(), addr, 0
        br.nbufs = size // ctypes.sizeof(cabi.IoUringBuf)
        return br

    def entry(self, index: int) -> cabi.IoUringBuf:
        return cabi.IoUringBuf.from_address(self.addr + ctypes.sizeof(cabi.IoUringBuf) * (index % self.nbufs))

    @property
    def tail(self) -> int:
        return int(ctypes.c_uint16.from_address(self.addr + 14).value)

    @tail.setter
    def tail(self, value: int) -> None:
        ctypes.c_uint16.from_address(self.addr + 14).value = value & U16

    def unmap(self) -> None:
        if self.addr:
            libc().munmap(self.addr, self.size)
            self.addr = 0
        self.pins.clear()


def _bufreg(reg: Any, pins: Pins) -> Any:
    """The C ``struct io_uring_buf_reg`` for ``reg`` (a :class:`~simuring.uapi.BufReg`)."""
    c = cabi.BufReg()
    ring_addr = reg.ring_addr
    c.ring_addr = ring_addr.addr if isinstance(ring_addr, RealBufRing) else pins.address(ring_addr)
    c.ring_entries = reg.ring_entries & 0xFFFF_FFFF
    c.bgid = reg.bgid & U16
    c.flags = reg.flags & U16
    for i, v in enumerate(list(reg.resv)[:3]):
        c.resv[i] = v
    return c


def register_arg(arg: BufReg, pins: Pins) -> int:
    """The address of the C struct for a :class:`~simuring.uapi.BufReg` register argument."""
    return pins.keep(_bufreg(arg, pins))


def register_status(fd: int, opcode: int, st: BufStatus, nr_args: int, register: Any) -> int:
    """IORING_REGISTER_PBUF_STATUS with the head copied back."""
    c = cabi.BufStatus()
    c.buf_group = st.buf_group & 0xFFFF_FFFF
    c.head = st.head & 0xFFFF_FFFF
    for i, v in enumerate(list(st.resv)[:8]):
        c.resv[i] = v
    ret = int(register(fd, opcode, ctypes.addressof(c), nr_args))
    if ret == 0:
        st.head = int(c.head)
    return ret


def setup_buf_ring(register: Any, ring_fd: int, nentries: int, bgid: int, flags: int, err: list[int]) -> RealBufRing | None:
    """liburing's ``io_uring_setup_buf_ring`` (user-memory rings; IOU_PBUF_RING_MMAP is
    not supported here): map, register, initialise the tail."""
    err[0] = 0
    size = (nentries & 0xFFFF_FFFF) * ctypes.sizeof(cabi.IoUringBuf)
    if not size:
        err[0] = -EINVAL  # mmap(2) of a zero length
        return None
    br = RealBufRing(nentries & 0xFFFF_FFFF)
    if not br.addr:
        err[0] = br.error
        return None
    reg = BufReg(ring_addr=br, ring_entries=nentries & 0xFFFF_FFFF, bgid=bgid & U16, flags=flags & U16)
    pins = Pins()
    ret = int(register(ring_fd, IORING_REGISTER_PBUF_RING, pins.keep(_bufreg(reg, pins)), 1))
    if ret:
        br.unmap()
        err[0] = ret
        return None
    br.tail = 0
    return br


def unregister_buf_ring(register: Any, ring_fd: int, bgid: int) -> int:
    pins = Pins()
    c = _bufreg(BufReg(bgid=bgid & U16), pins)
    return int(register(ring_fd, IORING_UNREGISTER_PBUF_RING, pins.keep(c), 1))


def buf_ring_add(br: RealBufRing, addr: Any, length: int, bid: int, mask: int, buf_offset: int) -> None:
    e = br.entry((br.tail + buf_offset) & mask)
    e.addr = br.pins.address(addr)
    e.len = length & 0xFFFF_FFFF
    e.bid = bid & U16


__all__ = [
    "IORING_REGISTER_PBUF_STATUS",
    "RealBufRing",
    "buf_ring_add",
    "register_arg",
    "register_status",
    "setup_buf_ring",
    "unregister_buf_ring",
]
