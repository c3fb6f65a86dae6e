"""IORING_REGISTER_RESIZE_RINGS (``io_register_resize_rings``, io_uring/register.c).

A ring set up with IORING_SETUP_DEFER_TASKRUN may change the sizes of its SQ
and CQ rings after setup.  The kernel allocates new rings, copies what the
old ones hold (the SQEs published and not consumed, the CQEs posted and not
reaped, each at the same counter value), and swaps them in; the application
then maps the new rings (liburing's ``io_uring_resize_rings(3)`` does it).

In the model the new rings are a new :class:`~simuring.kernel.rings.SharedRings`
that replaces ``ctx.rings``: the simulated application reaches it through the
ring fd's mmap, as a real one does.  Nothing on the submission, posting or
reaping paths changes: they read ``ctx.rings`` and ``ctx.sq_entries`` /
``ctx.cq_entries`` as before.  CQEs on the overflow list stay there (the
kernel keeps them in the context, not in the rings) and are flushed to the
new CQ as usual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simuring.abi.errno import EFAULT, EINVAL, EOVERFLOW
from simuring.abi.io_uring import (
    IORING_SETUP_CLAMP,
    IORING_SETUP_CQE32,
    IORING_SETUP_CQE_MIXED,
    IORING_SETUP_CQSIZE,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_NO_MMAP,
    IORING_SETUP_NO_SQARRAY,
    IORING_SETUP_SQE128,
    IORING_SETUP_SQE_MIXED,
    Params,
)
from simuring.abi.limits import U32
from simuring.kernel.rings import SharedRings
from simuring.kernel.setup import fill_params, region_fault, rings_size_error

if TYPE_CHECKING:
    from simuring.host.task import Task
    from simuring.kernel.ctx import RingCtx

RESIZE_FLAGS = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP
"""The only setup flags the resize's params may carry (others: -EINVAL)."""

COPY_FLAGS = (
    IORING_SETUP_NO_SQARRAY
    | IORING_SETUP_SQE128
    | IORING_SETUP_CQE32
    | IORING_SETUP_NO_MMAP
    | IORING_SETUP_CQE_MIXED
    | IORING_SETUP_SQE_MIXED
)
"""The ring's properties the new rings inherit: the kernel ORs them into the
params' flags, which go back to the caller with them."""


def resize_rings(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_REGISTER_RESIZE_RINGS (``io_register_resize_rings``), in the kernel's order.

    ``__io_uring_register`` first wants an argument and ``nr_args`` 1
    (-EINVAL).  Then: a ring without IORING_SETUP_DEFER_TASKRUN -EINVAL (SQPOLL
    rings cannot have it, so they are refused here too); an argument that is
    not a ``struct io_uring_params`` -EFAULT; flags other than
    IORING_SETUP_CQSIZE and IORING_SETUP_CLAMP -EINVAL (the reserved words are
    not looked at); the ring's inherited properties (:data:`COPY_FLAGS`) are
    ORed into the flags; the sizes as io_uring_setup(2) computes them
    (:func:`~simuring.kernel.setup.fill_params`, -EINVAL).  Sizes equal to the ring's: the params go
    back with the sizes and flags, and nothing else happens.  A CQE_MIXED CQ of
    fewer than two slots: -EOVERFLOW (``rings_size``).

    Otherwise the params go back to the caller (sizes and flags) before the
    rings are swapped.  The published SQEs (SQ tail - head) and the CQEs not
    reaped (CQ tail - head) are copied, each at its counter value masked by the
    new size; if either is more than the new ring holds the old rings stay and
    the call fails with -EOVERFLOW (the params already written back).  The SQ
    flags, the dropped and overflow counters and the CQ flags carry over.

    Cost: ``uring.resize_ns`` once the new rings are allocated (after the
    checks, -EOVERFLOW included), on top of the system call's.
    """
    if arg is None or nr_args != 1:
        return -EINVAL
    if not ctx.flags & IORING_SETUP_DEFER_TASKRUN:
        return -EINVAL
    if not isinstance(arg, Params):
        return -EFAULT
    flags = arg.flags
    if not isinstance(flags, int):
        return -EFAULT  # not a u32 field of the struct: not readable as one
    flags &= U32
    if flags & ~RESIZE_FLAGS:
        return -EINVAL
    flags |= ctx.flags & COPY_FLAGS
    sq, cq = fill_params(arg.sq_entries, Params(cq_entries=arg.cq_entries, flags=flags))
    if not sq:
        return -EINVAL
    if sq == ctx.sq_entries and cq == ctx.cq_entries:
        arg.sq_entries, arg.cq_entries, arg.flags = sq, cq, flags
        return 0  # nothing to do: only the params go back
    err = rings_size_error(flags, cq)
    if err:
        return err
    if flags & IORING_SETUP_NO_MMAP and region_fault(getattr(arg.cq_off, "user_addr", None)):
        return -EFAULT
    arg.sq_entries, arg.cq_entries, arg.flags = sq, cq, flags
    if flags & IORING_SETUP_NO_MMAP and region_fault(getattr(arg.sq_off, "user_addr", None)):
        return -EFAULT
    task.charge(ctx.uring_costs.resize_ns)  # the new rings are allocated, whether they are kept or not
    return swap_rings(ctx, ctx.rings, sq, cq)


def swap_rings(ctx: RingCtx, old: SharedRings, sq: int, cq: int) -> int:
    """The copy and the swap of ``io_register_resize_rings``: 0 or -EOVERFLOW (old rings kept)."""
    sq_head, sq_tail = old.sq_head, old.sq_tail
    cq_head, cq_tail = old.cq_head, old.cq_tail
    sq_count = (sq_tail - sq_head) & U32
    cq_count = (cq_tail - cq_head) & U32
    if sq_count > sq or cq_count > cq:
        return -EOVERFLOW
    new = SharedRings(sq, cq)
    for i in range(sq_count):
        at = (sq_head + i) & U32
        new.sqes[at & new.sq_mask] = old.sqes[at & old.sq_mask]
    for i in range(cq_count):
        at = (cq_head + i) & U32
        src = old.cqes[at & old.cq_mask]
        dst = new.cqes[at & new.cq_mask]
        dst.user_data, dst.res, dst.flags = src.user_data, src.res, src.flags
        dst.extra1, dst.extra2 = src.extra1, src.extra2  # a 32-byte CQE's tail (CQE32; on CQE_MIXED the next slot)
    new.sq_head, new.sq_tail = sq_head, sq_tail
    new.cq_head, new.cq_tail = cq_head, cq_tail
    new.sq_dropped = old.sq_dropped
    new.sq_flags = old.sq_flags
    new.cq_flags = old.cq_flags
    new.cq_overflow = old.cq_overflow
    new.on_sq_tail = old.on_sq_tail
    ctx.sq_entries = sq
    ctx.resize_cq(cq)
    ctx.rings = new
    if ctx.big_cq is not None:
        ctx.big_cq.reset_cache()
    return 0
