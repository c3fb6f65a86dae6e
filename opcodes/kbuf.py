"""IORING_OP_PROVIDE_BUFFERS / REMOVE_BUFFERS and the provided-buffer ring commands
(io_uring/kbuf.c); the buffer groups themselves are :mod:`simuring.kernel.kbuf`.

PROVIDE_BUFFERS (``io_provide_buffers_prep``): ``fd`` is the number of
buffers, ``addr`` the first, ``len`` each one's size, ``off`` the first
buffer id and ``buf_group`` the group.  Prep checks, in order: ``rw_flags``
or ``splice_fd_in`` non-zero -EINVAL; a count of 0 or above 65536 (``fd`` is
read as a sign-extended s32, so a negative one is huge) -E2BIG; ``len`` 0
-EINVAL; ``addr + len * nbufs`` past 2^64 -EOVERFLOW, past the user address
space -EFAULT (``access_ok``; a buffer object counts as a low address);
a first id above 65535 -E2BIG; ids past 65535 (first id + count > 65536)
-EINVAL.  Issue (``io_manage_buffers_legacy`` / ``io_add_buffers``): the
group is created if missing; a ring-mapped group is -EINVAL; buffers are
appended while the group holds fewer than 65535 (-EOVERFLOW if none could
be); the result is 0.  Each buffer's length is clamped to MAX_RW_COUNT.

REMOVE_BUFFERS (``io_remove_buffers_prep``): ``fd`` is the count (0 or above
65536: -EINVAL); ``rw_flags``, ``addr``, ``len``, ``off`` or
``splice_fd_in`` non-zero -EINVAL.  Issue: a missing group -ENOENT, a
ring-mapped one -EINVAL; otherwise up to ``fd`` buffers leave the head of
the group and the result is how many (0 for an empty group, which stays).

io_uring_register(2), each with ``arg`` a struct and ``nr_args`` 1 (a NULL
``arg`` or another ``nr_args``: -EINVAL, ``__io_uring_register``):

* IORING_REGISTER_PBUF_RING (``io_register_pbuf_ring``): ``arg`` a
  :class:`~simuring.abi.io_uring.BufReg` (anything else -EFAULT: the copy
  from user memory); reserved words -EINVAL; flags other than
  IOU_PBUF_RING_MMAP / IOU_PBUF_RING_INC -EINVAL; ``ring_entries`` not a
  power of two, or 65536 and above, -EINVAL; a group that is a ring, or a
  legacy group holding buffers, -EEXIST (an empty legacy group is replaced);
  then the ring memory (``io_create_region``): without IOU_PBUF_RING_MMAP,
  ``ring_addr`` NULL is -EFAULT, an address not page aligned -EINVAL
  (every object but a :class:`~simuring.abi.io_uring.BufRing`, which stands
  for a page-aligned mapping), a mapping too small for ``ring_entries`` or a
  bare int address -EFAULT.  With IOU_PBUF_RING_MMAP the kernel allocates
  the ring, which the application maps with mmap(2) of the ring fd at
  IORING_OFF_PBUF_RING | (bgid << IORING_OFF_PBUF_SHIFT) (:mod:`simuring.kernel.memmap`).
* IORING_UNREGISTER_PBUF_RING: reserved words or flags -EINVAL; a missing
  group -ENOENT, a legacy one -EINVAL.
* IORING_REGISTER_PBUF_STATUS: ``arg`` a
  :class:`~simuring.abi.io_uring.BufStatus`; reserved words -EINVAL; a
  missing group -ENOENT, a legacy one -EINVAL; the kernel's head is
  written into ``head``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from simuring.abi.errno import E2BIG, EEXIST, EFAULT, EINVAL, ENOENT, EOVERFLOW
from simuring.abi.io_uring import (
    IO_URING_BUF_SIZE,
    IORING_OP_PROVIDE_BUFFERS,
    IORING_OP_REMOVE_BUFFERS,
    IORING_REGISTER_PBUF_RING,
    IORING_REGISTER_PBUF_STATUS,
    IORING_UNREGISTER_PBUF_RING,
    IOU_PBUF_RING_INC,
    IOU_PBUF_RING_MMAP,
    BufReg,
    BufRing,
    BufStatus,
    Sqe,
)
from simuring.abi.limits import U64
from simuring.abi.posix import PAGE_SIZE
from simuring.kernel.kbuf import (
    MAX_BIDS_PER_BGID,
    MAX_RW_COUNT,
    USHRT_MAX,
    BufferList,
    KbufCosts,
    KbufRing,
    LegacyBuf,
    user_offset,
)
from simuring.kernel.opdef import OpDef
from simuring.kernel.registry import PluginRegistry

if TYPE_CHECKING:
    from simuring.host.task import Task
    from simuring.kernel.ctx import RingCtx
    from simuring.kernel.request import Request

USER_PTR_MAX: Final = (1 << 47) - PAGE_SIZE - 1
"""x86-64's highest user address (``TASK_SIZE_MAX - 1``): ``access_ok`` refuses a range past it."""


class ProvideBuf:
    """``struct io_provide_buf``: the request's prepared fields."""

    __slots__ = ("addr", "len", "bgid", "nbufs", "bid")

    def __init__(self, addr: object, length: int, bgid: int, nbufs: int, bid: int) -> None:
        self.addr = addr
        self.len = length
        self.bgid = bgid
        self.nbufs = nbufs
        self.bid = bid


def _nbufs(fd: object) -> int:
    """``READ_ONCE(sqe->fd)`` into a u64: the s32 sign-extended."""
    if not isinstance(fd, int):
        return -1
    fd &= 0xFFFF_FFFF
    return fd if fd < 1 << 31 else (fd - (1 << 32)) & U64


def provide_prep(req: Request, sqe: Sqe) -> int:
    """``io_provide_buffers_prep``."""
    if sqe.op_flags or sqe.file_index:
        return -EINVAL
    nbufs = _nbufs(sqe.fd)
    if not 0 < nbufs <= MAX_BIDS_PER_BGID:
        return -E2BIG
    length = sqe.len
    if not isinstance(length, int):
        return -EINVAL
    length &= 0xFFFF_FFFF
    if not length:
        return -EINVAL
    size = length * nbufs  # a u32 times at most 2^16: never overflows 64 bits
    addr = sqe.addr
    base = 0
    if isinstance(addr, int):
        base = addr & U64
    elif addr is None:
        base = 0
    if base + size > U64:
        return -EOVERFLOW
    if base + size > USER_PTR_MAX:
        return -EFAULT  # access_ok
    bid = sqe.off
    if not isinstance(bid, int):
        return -EINVAL
    bid &= U64
    if bid > USHRT_MAX:
        return -E2BIG
    if bid + nbufs > MAX_BIDS_PER_BGID:
        return -EINVAL
    bgid = sqe.buf_group
    if not isinstance(bgid, int):
        return -EINVAL  # not a u16 at all
    req.op = ProvideBuf(addr, length, bgid & 0xFFFF, nbufs, bid)
    return 0


def remove_prep(req: Request, sqe: Sqe) -> int:
    """``io_remove_buffers_prep``."""
    if sqe.op_flags or sqe.addr or sqe.len or sqe.off or sqe.file_index:
        return -EINVAL
    nbufs = _nbufs(sqe.fd)
    if not 0 < nbufs <= MAX_BIDS_PER_BGID:
        return -EINVAL
    bgid = sqe.buf_group
    if not isinstance(bgid, int):
        return -EINVAL
    req.op = ProvideBuf(None, 0, bgid & 0xFFFF, nbufs, 0)
    return 0


def _add_buffers(p: ProvideBuf, bl: BufferList) -> int:
    """``io_add_buffers``: 0 once at least one buffer was added."""
    ret = 0
    added = 0
    length = min(p.len, MAX_RW_COUNT)
    for i in range(p.nbufs):
        if len(bl.bufs) == USHRT_MAX:
            ret = -EOVERFLOW  # more than a 16-bit id can tell apart
            break
        bl.bufs.append(LegacyBuf(user_offset(p.addr, i * p.len), length, (p.bid + i) & 0xFFFF, p.bgid))
        added += 1
    return 0 if added else ret


def manage_buffers(req: Request, issue_flags: int) -> int:
    """``io_manage_buffers_legacy``: PROVIDE_BUFFERS or REMOVE_BUFFERS at issue."""
    p: ProvideBuf = req.op
    kr = req.ctx.ext(KbufRing)
    lists = kr.lists
    bl = lists.get(p.bgid)
    provide = req.opcode == IORING_OP_PROVIDE_BUFFERS
    if bl is None:
        if not provide:
            return -ENOENT
        bl = lists[p.bgid] = BufferList(p.bgid)
    if bl.ring is not None:
        return -EINVAL  # a ring-mapped group takes no legacy buffers
    if provide:
        before = len(bl.bufs)
        ret = _add_buffers(p, bl)
        req.worker.charge(kr.costs.buf_ns * (len(bl.bufs) - before))
        return ret
    n = 0
    while n < p.nbufs and bl.bufs:
        bl.bufs.popleft()
        n += 1
    req.worker.charge(kr.costs.buf_ns * n)
    return n


def _reg_args(arg: object, nr_args: int) -> int:
    """``__io_uring_register``'s check for the buffer-ring commands."""
    if arg is None or nr_args != 1:
        return -EINVAL
    return 0


def _resv_set(resv: object) -> bool:
    return not isinstance(resv, (list, tuple)) or any(resv)


def register_pbuf_ring(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_REGISTER_PBUF_RING (``io_register_pbuf_ring``)."""
    err = _reg_args(arg, nr_args)
    if err:
        return err
    if not isinstance(arg, BufReg):
        return -EFAULT
    if _resv_set(arg.resv):
        return -EINVAL
    flags = arg.flags & 0xFFFF if isinstance(arg.flags, int) else -1  # a __u16 in the struct
    if flags & ~(IOU_PBUF_RING_MMAP | IOU_PBUF_RING_INC):
        return -EINVAL
    entries = arg.ring_entries if isinstance(arg.ring_entries, int) else 0
    entries &= 0xFFFF_FFFF
    if not entries or entries & (entries - 1) or entries >= 65536:
        return -EINVAL
    bgid = arg.bgid & 0xFFFF if isinstance(arg.bgid, int) else 0
    lists = ctx.ext(KbufRing).lists
    old = lists.get(bgid)
    if old is not None:
        if old.ring is not None or old.bufs:
            return -EEXIST
        del lists[bgid]  # an empty legacy group is replaced (io_destroy_bl)
    size = -(-entries * IO_URING_BUF_SIZE // PAGE_SIZE) * PAGE_SIZE
    ring_addr = arg.ring_addr
    if flags & IOU_PBUF_RING_MMAP:
        ring = BufRing(entries, size)  # allocated by the kernel (io_region_allocate_pages)
    else:
        if ring_addr is None or ring_addr == 0:
            return -EFAULT  # a user region needs an address
        if not isinstance(ring_addr, BufRing):
            if isinstance(ring_addr, int) and not ring_addr & (PAGE_SIZE - 1):
                return -EFAULT  # nothing mapped there
            return -EINVAL  # not page aligned
        if ring_addr.nbytes < size or len(ring_addr.bufs) < entries:
            return -EFAULT  # io_region_pin_pages: the mapping ends before the ring
        ring = ring_addr
    bl = BufferList(bgid)
    bl.ring = ring
    bl.nr_entries = entries
    bl.mask = entries - 1
    bl.inc = bool(flags & IOU_PBUF_RING_INC)
    bl.mmap = bool(flags & IOU_PBUF_RING_MMAP)
    lists[bgid] = bl
    return 0


def _unregister_resv_set(resv: object) -> bool:
    """The reserved words ``io_unregister_pbuf_ring`` refuses, as Linux 6.18.44 answers: ``resv[1]``,
    ``resv[2]`` and the high half of ``resv[0]``; the low 32 bits of ``resv[0]`` are not looked at
    (found by the differential fuzzer; IORING_REGISTER_PBUF_RING refuses all three words)."""
    if not isinstance(resv, (list, tuple)) or len(resv) < 3 or not all(isinstance(v, int) for v in resv[:3]):
        return True
    return bool((resv[0] & 0xFFFF_FFFF_FFFF_FFFF) >> 32 or resv[1] or resv[2])


def unregister_pbuf_ring(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_UNREGISTER_PBUF_RING (``io_unregister_pbuf_ring``): -EINVAL for reserved words set
    (:func:`_unregister_resv_set`) or flags (a ``__u16``); then the group: -ENOENT if there is none,
    -EINVAL for a legacy one."""
    err = _reg_args(arg, nr_args)
    if err:
        return err
    if not isinstance(arg, BufReg):
        return -EFAULT
    if _unregister_resv_set(arg.resv) or not isinstance(arg.flags, int) or arg.flags & 0xFFFF:
        return -EINVAL
    bgid = arg.bgid & 0xFFFF if isinstance(arg.bgid, int) else 0
    lists = ctx.ext(KbufRing).lists
    bl = lists.get(bgid)
    if bl is None:
        return -ENOENT
    if bl.ring is None:
        return -EINVAL
    del lists[bgid]
    return 0


def register_pbuf_status(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_REGISTER_PBUF_STATUS (``io_register_pbuf_status``): the group's head."""
    err = _reg_args(arg, nr_args)
    if err:
        return err
    if not isinstance(arg, BufStatus):
        return -EFAULT
    if _resv_set(arg.resv):
        return -EINVAL
    bgid = arg.buf_group & 0xFFFF_FFFF if isinstance(arg.buf_group, int) else -1
    bl = ctx.ext(KbufRing).lists.get(bgid)
    if bl is None:
        return -ENOENT
    if bl.ring is None:
        return -EINVAL
    arg.head = bl.head
    return 0


def register(registry: PluginRegistry) -> None:
    common = dict(issue=manage_buffers, iopoll=True)
    registry.add_opcode(OpDef(IORING_OP_PROVIDE_BUFFERS, prep=provide_prep, name="PROVIDE_BUFFERS", **common))  # type: ignore[arg-type]
    registry.add_opcode(OpDef(IORING_OP_REMOVE_BUFFERS, prep=remove_prep, name="REMOVE_BUFFERS", **common))  # type: ignore[arg-type]
    registry.add_register_command(IORING_REGISTER_PBUF_RING, "PBUF_RING", register_pbuf_ring)
    registry.add_register_command(IORING_UNREGISTER_PBUF_RING, "UNREGISTER_PBUF_RING", unregister_pbuf_ring)
    registry.add_register_command(IORING_REGISTER_PBUF_STATUS, "PBUF_STATUS", register_pbuf_status)
    registry.add_cost_section(KbufCosts)
