"""Mapped regions of a ring (io_uring/memmap.c, io_uring/register.c): mmap(2) of a ring fd,
IORING_REGISTER_MEM_REGION and the registered wait arguments.

mmap(2) of a ring fd (``io_uring_get_unmapped_area`` then ``io_uring_mmap``) finds
the region the offset names (``io_mmap_get_region``, on ``offset &
IORING_OFF_MMAP_MASK``): IORING_OFF_SQ_RING and IORING_OFF_CQ_RING the rings,
IORING_OFF_SQES the SQE array (here both one :class:`~simuring.kernel.rings.SharedRings`),
IORING_OFF_PBUF_RING the buffer ring of group ``(offset & ~mask) >>
IORING_OFF_PBUF_SHIFT`` (``io_pbuf_get_region``: a :class:`~simuring.abi.io_uring.BufRing`),
IORING_MAP_OFF_PARAM_REGION the parameter region (a writable ``memoryview``).  A
region that does not exist, or that lives in the application's memory
(IORING_SETUP_NO_MMAP rings, buffer rings without IOU_PBUF_RING_MMAP, user
regions), fails ``io_region_validate_mmap``; ``io_uring_get_unmapped_area``
turns any such failure into -ENOMEM, as Linux 6.18 answers.  A mapping longer
than its region succeeds (the rest would fault when touched); one shorter than
a region other than the rings is -EFAULT (:func:`ring_mmap`).  The offset's
low bits inside the region's window are ignored.  The mapping has no cost of
its own (the rings' is part of ``uring.setup_ns``); the mmap(2) call is
charged as any system call.

IORING_REGISTER_MEM_REGION (``io_register_mem_region``): one region per ring
(-EBUSY for a second); ``arg`` a :class:`~simuring.abi.regions.MemRegionReg`
(anything else -EFAULT) whose ``region_uptr`` is a
:class:`~simuring.abi.regions.RegionDesc` (-EFAULT otherwise); reserved words
or unknown flags -EINVAL; IORING_MEM_REGION_REG_WAIT_ARG only while the ring
is IORING_SETUP_R_DISABLED (-EINVAL); then ``io_create_region``'s checks (see
:func:`create_region`).  With REG_WAIT_ARG the region holds the wait
arguments IORING_ENTER_EXT_ARG_REG names by offset (:func:`reg_wait_arg`).
The registration has no cost of its own either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from simuring.abi.errno import E2BIG, EBUSY, EFAULT, EINVAL, ENOMEM, EOVERFLOW
from simuring.abi.io_uring import (
    IORING_MEM_REGION_REG_WAIT_ARG,
    IORING_MEM_REGION_TYPE_USER,
    IORING_OFF_CQ_RING,
    IORING_OFF_MMAP_MASK,
    IORING_OFF_PBUF_RING,
    IORING_OFF_PBUF_SHIFT,
    IORING_OFF_SQ_RING,
    IORING_OFF_SQES,
    IORING_REG_WAIT_TS,
    IORING_SETUP_NO_MMAP,
    IORING_SETUP_SQE128,
    BufRing,
)
from simuring.abi.limits import INT_MAX, U64
from simuring.abi.posix import PAGE_SIZE
from simuring.abi.regions import (
    IORING_MAP_OFF_PARAM_REGION,
    REG_WAIT_SIZE,
    MemRegionReg,
    RegionDesc,
    RegWait,
    reg_wait_load,
)
from simuring.kernel.ext import RingExt
from simuring.kernel.kbuf import KbufRing
from simuring.kernel.rings import SharedRings
from simuring.kernel.uaccess import user_bytes

if TYPE_CHECKING:
    from simuring.host.task import Task
    from simuring.kernel.ctx import RingCtx

SQE_SIZE: Final = 64
SQE128_SIZE: Final = 128
LONG_SIZE: Final = 8
"""``sizeof(long)``: a registered wait argument's offset must be a multiple of it."""


class Region:
    """``struct io_mapped_region``: ``mem`` the region's bytes (a flat writable ``memoryview``),
    ``user`` True when they are the application's (IO_REGION_F_USER_PROVIDED: never mapped
    from the ring fd)."""

    __slots__ = ("mem", "user")

    def __init__(self, mem: memoryview, user: bool) -> None:
        self.mem = mem
        self.user = user


class ParamRegion(RingExt):
    """A ring's parameter region (``ctx->param_region``) and its registered wait arguments
    (``ctx->cq_wait_arg`` / ``cq_wait_size``: the region, or None)."""

    def __init__(self, ctx: RingCtx) -> None:
        self.region: Region | None = None
        self.wait_args: memoryview | None = None


def mapped_region(ctx: RingCtx, offset: int) -> object | int:
    """``io_uring_validate_mmap_request`` as ``io_uring_get_unmapped_area`` answers it: the
    memory mmap(2) of the ring fd at ``offset`` (page aligned: ``do_mmap`` checked it, and
    the length) maps, or -ENOMEM (no such region, or one in the application's memory)."""
    kind = offset & U64 & IORING_OFF_MMAP_MASK
    if kind in (IORING_OFF_SQ_RING, IORING_OFF_CQ_RING, IORING_OFF_SQES):
        return -ENOMEM if ctx.flags & IORING_SETUP_NO_MMAP else ctx.rings
    if kind == IORING_OFF_PBUF_RING:
        bgid = (offset & U64 & ~IORING_OFF_MMAP_MASK) >> IORING_OFF_PBUF_SHIFT
        bl = ctx.ext(KbufRing).lists.get(bgid)
        return bl.ring if bl is not None and bl.ring is not None and bl.mmap else -ENOMEM
    if kind == IORING_MAP_OFF_PARAM_REGION:
        region = ctx.ext(ParamRegion).region
        return region.mem[:] if region is not None and not region.user else -ENOMEM  # a view of its own: munmap releases it
    return -ENOMEM  # IORING_MAP_OFF_ZCRX_REGION (zero-copy receive is not modelled) and the rest


def ring_mmap(ctx: RingCtx, length: int, offset: int) -> object | int:
    """``io_uring_mmap``: :func:`mapped_region`, then ``io_region_mmap``'s insertion of the
    region's pages.  The rings (IORING_OFF_SQ_RING, IORING_OFF_CQ_RING) insert only as many
    pages as the mapping has, so any length maps; the other regions insert all their pages,
    which a shorter mapping cannot hold (``vm_insert_pages``: -EFAULT).  A longer mapping
    holds them (the rest is left unmapped)."""
    region = mapped_region(ctx, offset)
    if isinstance(region, int) or offset & U64 & IORING_OFF_MMAP_MASK in (IORING_OFF_SQ_RING, IORING_OFF_CQ_RING):
        return region
    return -EFAULT if -(-length // PAGE_SIZE) < region_pages(ctx, region) else region


def region_pages(ctx: RingCtx, region: object) -> int:
    """The pages of a mappable region other than the rings: the SQE array (64 or, with
    IORING_SETUP_SQE128, 128 bytes an entry), a kernel buffer ring, the parameter region."""
    if isinstance(region, SharedRings):
        size = ctx.sq_entries * (SQE128_SIZE if ctx.flags & IORING_SETUP_SQE128 else SQE_SIZE)
    elif isinstance(region, BufRing):
        size = region.nbytes
    else:
        size = len(memoryview(region))  # type: ignore[arg-type]
    return -(-size // PAGE_SIZE)


def is_ring_mapping(obj: object) -> bool:
    """Whether ``obj`` is a mapping of a ring fd that is not a ``memoryview``: the rings or a
    buffer ring (``munmap`` of one succeeds and leaves the kernel's memory alone)."""
    return isinstance(obj, (SharedRings, BufRing))


def create_region(desc: RegionDesc) -> Region | int:
    """``io_create_region``'s checks, in its order, then the memory: reserved words or flags
    other than IORING_MEM_REGION_TYPE_USER -EINVAL; TYPE_USER without ``user_addr`` or
    ``user_addr`` without it -EFAULT; ``size`` 0, ``mmap_offset`` or ``id`` set -EINVAL; more
    than INT_MAX pages -E2BIG; ``user_addr`` or ``size`` not page aligned -EINVAL (an int
    address as it stands; a buffer object stands for mapped memory and is page aligned);
    ``user_addr + size`` past 2^64 -EOVERFLOW; user memory shorter than ``size`` or not
    writable (an int address: nothing mapped there) -EFAULT.  A kernel region is ``size``
    zeroed bytes; the kernel writes its mmap offset into ``desc.mmap_offset``."""
    resv, flags, size, user_addr = desc.resv, desc.flags, desc.size, desc.user_addr
    if not isinstance(resv, (list, tuple)) or any(resv) or not isinstance(flags, int) or flags & ~IORING_MEM_REGION_TYPE_USER:
        return -EINVAL
    user = bool(flags & IORING_MEM_REGION_TYPE_USER)
    if user != (user_addr is not None and user_addr != 0):
        return -EFAULT
    if not isinstance(size, int) or not size & U64 or desc.mmap_offset or desc.id:
        return -EINVAL
    size &= U64
    if size // PAGE_SIZE > INT_MAX:
        return -E2BIG
    addr = user_addr & U64 if isinstance(user_addr, int) else 0
    if (addr | size) & (PAGE_SIZE - 1):
        return -EINVAL
    if addr + size > U64:
        return -EOVERFLOW
    if not user:
        desc.mmap_offset = IORING_MAP_OFF_PARAM_REGION
        return Region(memoryview(bytearray(size)), user=False)
    mem = user_bytes(user_addr, size, kernel_writes=True)
    return -EFAULT if isinstance(mem, int) else Region(mem, user=True)


def register_mem_region(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_REGISTER_MEM_REGION (``io_register_mem_region``), as the module docstring lists;
    ``__io_uring_register`` first refuses a NULL ``arg`` or an ``nr_args`` other than 1 (-EINVAL)."""
    if arg is None or nr_args != 1:
        return -EINVAL
    state = ctx.ext(ParamRegion)
    if state.region is not None:
        return -EBUSY
    if not isinstance(arg, MemRegionReg) or not isinstance(arg.region_uptr, RegionDesc):
        return -EFAULT  # copy_from_user of either struct
    if not isinstance(arg.resv, (list, tuple)) or any(arg.resv) or not isinstance(arg.flags, int):
        return -EINVAL
    flags = arg.flags & U64
    if flags & ~IORING_MEM_REGION_REG_WAIT_ARG:
        return -EINVAL
    if flags & IORING_MEM_REGION_REG_WAIT_ARG and not ctx.disabled:
        return -EINVAL  # no waiter may be running while the wait arguments appear
    region = create_region(arg.region_uptr)
    if isinstance(region, int):
        return region
    state.region = region
    if flags & IORING_MEM_REGION_REG_WAIT_ARG:
        state.wait_args = region.mem
    return 0


def reg_wait_arg(ctx: RingCtx, offset: object) -> RegWait | int:
    """``io_get_ext_arg_reg`` / ``io_args_get_ptr``, then the flags check of ``io_get_ext_arg``:
    the ``struct io_uring_reg_wait`` at byte ``offset`` of the ring's wait region, or -EFAULT
    (an offset not a multiple of ``sizeof(long)``, or an entry that does not end inside the
    region: without a region every offset) or -EINVAL (flags other than IORING_REG_WAIT_TS).
    The last entry of the region (``offset == size - 64``) is read at offset 0, as the
    kernel's ``array_index_nospec`` clamp reads it."""
    state = ctx.peek_ext(ParamRegion)
    mem = state.wait_args if state is not None else None
    if not isinstance(offset, int) or isinstance(offset, bool):
        return -EFAULT  # a pointer-typed argument that is no offset: nothing there
    offset &= U64
    if offset % LONG_SIZE or mem is None or offset + REG_WAIT_SIZE > len(mem):
        return -EFAULT
    if offset >= len(mem) - REG_WAIT_SIZE:
        # array_index_nospec(offset, size - sizeof(struct io_uring_reg_wait)): the region's
        # last entry passes the bounds check but the clamp reads the entry at offset 0
        # (Linux 6.18.44, found by the conformance scenarios)
        offset = 0
    w = reg_wait_load(mem, offset)
    if w.flags & ~IORING_REG_WAIT_TS:
        return -EINVAL
    return w
