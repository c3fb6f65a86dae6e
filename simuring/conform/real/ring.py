"""``Ring``: ``struct io_uring`` over a real ring, mapped as io_uring_setup(2) describes.

After io_uring_setup the kernel reports, in ``struct io_uring_params``, the
offsets of each ring field inside the two ring mappings (``sq_off``,
``cq_off``).  The SQ ring is mapped at IORING_OFF_SQ_RING, the CQ ring at
IORING_OFF_CQ_RING (or shares the SQ ring's mapping with
IORING_FEAT_SINGLE_MMAP), the SQE array at IORING_OFF_SQES.  The counters
are then 32-bit words at those offsets, read and written in place.

Memory ordering: liburing publishes the SQ tail and the CQ head with
release stores and reads the kernel's CQ tail with an acquire load.  An
aligned 32-bit ctypes store or load is one machine instruction; on x86_64
(TSO) plain stores are release stores and plain loads are acquire loads, so
these accesses have the ordering liburing asks for.  On aarch64 they do not
by themselves; there the harness relies on every tail it publishes being
followed by io_uring_enter (a system call is a full barrier) and on reading
CQEs only after a call that synchronised with the kernel, which holds for
the scenarios without SQPOLL (docs/conformance.md, "Memory ordering").
"""

from __future__ import annotations

import ctypes
import mmap as _mmap
from ctypes import c_uint32
from typing import Any

from simuring.conform.real.abi import CQE_SIZE, SQE_SIZE, Cqe, CqringOffsets, SqringOffsets
from simuring.conform.real.libc import libc, mmap_address
from simuring.conform.real.memory import Pins
from simuring.conform.real.sqe import RealSqe
from simuring.uapi import (
    IORING_CQE_F_32,
    IORING_FEAT_SINGLE_MMAP,
    IORING_OFF_CQ_RING,
    IORING_OFF_SQ_RING,
    IORING_OFF_SQES,
    IORING_SETUP_CQE32,
    IORING_SETUP_CQE_MIXED,
    IORING_SETUP_NO_SQARRAY,
    IORING_SETUP_SQE128,
    IoUringCqe,
    Params,
)

MAP_POPULATE = getattr(_mmap, "MAP_POPULATE", 0x8000)
SMP_CACHE_BYTES = 64  # x86_64's cache line: the alignment of the SQ array in the ring mapping


def _word(base: int, offset: int) -> c_uint32:
    return c_uint32.from_address(base + offset)


class Mapping:
    """One ``mmap`` of the ring fd (unmapped by :meth:`unmap`)."""

    def __init__(self, fd: int, size: int, offset: int) -> None:
        addr = mmap_address(0, size, _mmap.PROT_READ | _mmap.PROT_WRITE, _mmap.MAP_SHARED | MAP_POPULATE, fd, offset)
        self.error = min(addr, 0)
        self.addr = max(addr, 0)
        self.size = size

    def unmap(self) -> None:
        if self.addr:
            libc().munmap(self.addr, self.size)
            self.addr = 0


class Ring:
    """``struct io_uring``: ``ring_fd``, ``flags``, ``features`` as in C, plus the mapped rings.

    ``sqe_head`` / ``sqe_tail`` are liburing's private SQ counters; the
    kernel's counters are ``sq_khead``, ``sq_ktail``, ``cq_khead``, ...
    (32-bit words in shared memory).
    """

    def __init__(self) -> None:
        self.ring_fd = -1
        self.flags = 0
        self.features = 0
        self.sqe_head = 0
        self.sqe_tail = 0
        self.pins = Pins()
        self.maps: list[Mapping] = []
        self.buf_rings: list[Any] = []  # provided-buffer rings set up on it (bufring.RealBufRing)
        self.mapped = False

    def __repr__(self) -> str:
        if not self.mapped:
            return "<real Ring (not initialised)>"
        return f"<real Ring fd={self.ring_fd} sq={self.sq_entries} cq={self.cq_entries}>"

    # -- mapping -----------------------------------------------------------------
    def map(self, fd: int, p: Params) -> int:
        """Map the rings of ring ``fd`` as ``p`` (filled by io_uring_setup) describes; 0 or -errno."""
        so: SqringOffsets | Any = p.sq_off
        co: CqringOffsets | Any = p.cq_off
        self.sqe_size = SQE_SIZE << (1 if p.flags & IORING_SETUP_SQE128 else 0)
        self.cqe_size = CQE_SIZE << (1 if p.flags & IORING_SETUP_CQE32 else 0)
        sq_size = so.array + p.sq_entries * 4
        cq_size = co.cqes + p.cq_entries * self.cqe_size
        single = bool(p.features & IORING_FEAT_SINGLE_MMAP)
        if single:
            sq_size = cq_size = max(sq_size, cq_size)
        sq_map = Mapping(fd, sq_size, IORING_OFF_SQ_RING)
        if sq_map.error:
            return sq_map.error
        self.maps.append(sq_map)
        if single:
            cq_map = sq_map
        else:
            cq_map = Mapping(fd, cq_size, IORING_OFF_CQ_RING)
            if cq_map.error:
                self.unmap()
                return cq_map.error
            self.maps.append(cq_map)
        sqes = Mapping(fd, p.sq_entries * self.sqe_size, IORING_OFF_SQES)
        if sqes.error:
            self.unmap()
            return sqes.error
        self.maps.append(sqes)
        self._point(fd, p, sq_map.addr, cq_map.addr, sqes.addr)
        return 0

    def use_memory(self, fd: int, p: Params, sqes: int, rings: int) -> None:
        """An IORING_SETUP_NO_MMAP ring (io_uring_queue_init_mem): the SQEs at address ``sqes`` and
        both rings at ``rings``, the application's memory, which ``p``'s offsets describe."""
        self.sqe_size = SQE_SIZE << (1 if p.flags & IORING_SETUP_SQE128 else 0)
        self.cqe_size = CQE_SIZE << (1 if p.flags & IORING_SETUP_CQE32 else 0)
        self._point(fd, p, rings, rings, sqes)

    def _point(self, fd: int, p: Params, sq: int, cq: int, sqes: int) -> None:
        """liburing's ``io_uring_setup_ring_pointers``: the counters, masks and arrays of rings at
        ``sq`` / ``cq`` and SQEs at ``sqes``, from ``p``'s offsets."""
        so: SqringOffsets | Any = p.sq_off
        co: CqringOffsets | Any = p.cq_off
        self.sq_khead, self.sq_ktail = _word(sq, so.head), _word(sq, so.tail)
        self.sq_kflags, self.sq_kdropped = _word(sq, so.flags), _word(sq, so.dropped)
        self.sq_mask = _word(sq, so.ring_mask).value
        self.sq_entries = _word(sq, so.ring_entries).value
        self.sq_array = 0 if p.flags & IORING_SETUP_NO_SQARRAY else sq + so.array
        self.sqes = sqes
        self.cq_khead, self.cq_ktail = _word(cq, co.head), _word(cq, co.tail)
        self.cq_koverflow = _word(cq, co.overflow)
        self.cq_kflags = _word(cq, co.flags) if co.flags else None
        self.cq_mask = _word(cq, co.ring_mask).value
        self.cq_entries = _word(cq, co.ring_entries).value
        self.cqes = cq + co.cqes
        self.ring_fd, self.flags, self.features = fd, p.flags, p.features
        self.sqe_head = self.sqe_tail = self.sq_ktail.value
        if self.sq_array:
            for i in range(self.sq_entries):  # liburing maps slot i to SQE i once, at init
                _word(self.sq_array, 4 * i).value = i
        self.mapped = True

    def remap(self, p: Params) -> int:
        """After IORING_REGISTER_RESIZE_RINGS: unmap the old rings and map the new ones as ``p``
        (written back by the kernel) describes, as liburing's io_uring_resize_rings does; the
        ring's flags and features, liburing's private SQ counters and the pinned memory of
        SQEs in flight are kept.  0 or -errno."""
        flags, features = self.flags, self.features
        sqe_head, sqe_tail = self.sqe_head, self.sqe_tail
        if not p.flags & IORING_SETUP_NO_SQARRAY and not p.sq_off.array:
            # Linux 6.18's resize does not write sq_off.array back (io_uring_fill_params leaves it
            # to the setup path): the SQ array follows the CQEs, aligned to a cache line, where
            # rings_size() places it.  liburing, whose rings default to NO_SQARRAY, never meets this.
            cqe_size = CQE_SIZE << (1 if p.flags & IORING_SETUP_CQE32 else 0)
            p.sq_off.array = (p.cq_off.cqes + p.cq_entries * cqe_size + SMP_CACHE_BYTES - 1) & ~(SMP_CACHE_BYTES - 1)
        for m in self.maps:
            m.unmap()
        self.maps.clear()
        self.mapped = False
        ret = self.map(self.ring_fd, p)
        self.flags, self.features = flags, features
        self.sqe_head, self.sqe_tail = sqe_head, sqe_tail
        return ret

    def unmap(self) -> None:
        for m in self.maps:
            m.unmap()
        self.maps.clear()
        self.mapped = False
        self.pins.clear()

    # -- slots -------------------------------------------------------------------
    def sqe_at(self, index: int) -> RealSqe:
        return RealSqe(self.sqes + (index & self.sq_mask) * self.sqe_size, self.pins)

    def cqe_at(self, counter: int) -> IoUringCqe:
        """A copy of the CQE at CQ counter ``counter`` (the slot stays the kernel's)."""
        addr = self.cqes + (counter & self.cq_mask) * self.cqe_size
        c = Cqe.from_address(addr)
        cqe = IoUringCqe(user_data=c.user_data, res=c.res, flags=c.flags)
        if self.cqe_size > CQE_SIZE or (self.flags & IORING_SETUP_CQE_MIXED and c.flags & IORING_CQE_F_32):
            # the 32-byte CQE's big_cqe[0..1] follow it (on a mixed ring: in the next 16-byte slot,
            # which the kernel never lets wrap, io_cqe_cache_refill)
            extra = (ctypes.c_uint64 * 2).from_address(addr + CQE_SIZE)
            cqe.extra1, cqe.extra2 = extra[0], extra[1]
        return cqe
