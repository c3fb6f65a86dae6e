"""Registered memory regions (include/uapi/linux/io_uring.h): IORING_REGISTER_MEM_REGION's
arguments and the registered wait argument that IORING_ENTER_EXT_ARG_REG names by offset.

``struct io_uring_reg_wait`` lives in region memory, which both the
application and the kernel address by byte offset; :func:`reg_wait_store`
and :func:`reg_wait_load` are its one layout (64 bytes, little-endian as
on x86_64 and aarch64): ``ts`` (two s64), ``min_wait_usec`` (u32),
``flags`` (u32), ``sigmask`` (u64), ``sigmask_sz`` (u32), then padding.
"""

from __future__ import annotations

import struct
from typing import Any, Final

from attrs import define, field

IORING_MAP_OFF_PARAM_REGION: Final = 0x2000_0000
"""The mmap(2) offset of a ring's kernel-allocated parameter region (io_uring/memmap.h),
written back into ``io_uring_region_desc.mmap_offset`` by the registration."""

REG_WAIT_SIZE: Final = 64
"""sizeof(struct io_uring_reg_wait): the ``argsz`` IORING_ENTER_EXT_ARG_REG requires."""

_REG_WAIT: Final = struct.Struct("<qqIIQI")


@define
class RegionDesc:
    """struct io_uring_region_desc: ``user_addr`` the application's memory (a buffer object, an
    int address or None) with IORING_MEM_REGION_TYPE_USER in ``flags``, else the kernel allocates
    ``size`` bytes and writes the mmap(2) offset into ``mmap_offset``; ``id`` and ``resv`` (four
    u64s) must be zero."""

    user_addr: Any = None
    size: int = 0
    flags: int = 0
    id: int = 0
    mmap_offset: int = 0
    resv: list[int] = field(factory=lambda: [0, 0, 0, 0])


@define
class MemRegionReg:
    """struct io_uring_mem_region_reg (IORING_REGISTER_MEM_REGION): ``region_uptr`` a
    :class:`RegionDesc` (or None: NULL), ``flags`` IORING_MEM_REGION_REG_WAIT_ARG, ``resv``
    two reserved u64s."""

    region_uptr: Any = None
    flags: int = 0
    resv: list[int] = field(factory=lambda: [0, 0])


@define
class RegWait:
    """struct io_uring_reg_wait: with IORING_REG_WAIT_TS in ``flags`` the wait's timeout
    (``tv_sec``, ``tv_nsec``), ``min_wait_usec`` the minimum wait, ``sigmask`` /
    ``sigmask_sz`` a signal mask (not modelled: signals are not)."""

    tv_sec: int = 0
    tv_nsec: int = 0
    min_wait_usec: int = 0
    flags: int = 0
    sigmask: int = 0
    sigmask_sz: int = 0


def reg_wait_store(mem: Any, offset: int, w: RegWait) -> None:
    """Store ``w`` into the region memory ``mem`` (a writable buffer) at byte ``offset``, as
    an application fills ``struct io_uring_reg_wait`` in its registered wait region."""
    view = memoryview(mem).cast("B")
    _REG_WAIT.pack_into(
        view, offset, w.tv_sec, w.tv_nsec, w.min_wait_usec & 0xFFFF_FFFF, w.flags & 0xFFFF_FFFF,
        w.sigmask & 0xFFFF_FFFF_FFFF_FFFF, w.sigmask_sz & 0xFFFF_FFFF,
    )  # fmt: skip


def reg_wait_load(mem: Any, offset: int) -> RegWait:
    """The ``struct io_uring_reg_wait`` at byte ``offset`` of region memory ``mem``."""
    tv_sec, tv_nsec, min_wait_usec, flags, sigmask, sigmask_sz = _REG_WAIT.unpack_from(memoryview(mem).cast("B"), offset)
    return RegWait(tv_sec, tv_nsec, min_wait_usec, flags, sigmask, sigmask_sz)


__all__ = [
    "IORING_MAP_OFF_PARAM_REGION",
    "REG_WAIT_SIZE",
    "MemRegionReg",
    "RegWait",
    "RegionDesc",
    "reg_wait_load",
    "reg_wait_store",
]
