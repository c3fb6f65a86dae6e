"""``io_uring_setup(2)`` and ring teardown.

Validation follows ``io_uring_setup`` / ``io_uring_create``
(io_uring/io_uring.c) in the kernel's order:

1. reserved words of ``params`` non-zero, or unknown setup flags: -EINVAL;
2. ``entries`` 0: -EINVAL; above IORING_MAX_ENTRIES (32768): -EINVAL unless
   IORING_SETUP_CLAMP, then clamped; rounded up to a power of two;
3. CQ size: ``2 * sq_entries``, or with IORING_SETUP_CQSIZE ``cq_entries``
   (0: -EINVAL; above 65536: -EINVAL unless CLAMP; rounded up; smaller than
   the SQ: -EINVAL);
4. DEFER_TASKRUN without SINGLE_ISSUER: -EINVAL;
5. SQPOLL with COOP_TASKRUN, TASKRUN_FLAG or DEFER_TASKRUN: -EINVAL ("IPI
   related flags don't make sense with SQPOLL"); TASKRUN_FLAG without
   COOP_TASKRUN or DEFER_TASKRUN: -EINVAL; SQ_AFF without SQPOLL: -EINVAL;
   SQ_AFF with a CPU that does not exist: -EINVAL.

On success the SINGLE_ISSUER owner is the creating task, unless
IORING_SETUP_R_DISABLED defers that to IORING_REGISTER_ENABLE_RINGS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simuring.abi.errno import EINVAL
from simuring.abi.io_uring import (
    IORING_FEAT_CQE_SKIP,
    IORING_FEAT_EXT_ARG,
    IORING_FEAT_FAST_POLL,
    IORING_FEAT_NODROP,
    IORING_FEAT_RW_CUR_POS,
    IORING_FEAT_SINGLE_MMAP,
    IORING_FEAT_SUBMIT_STABLE,
    IORING_MAX_CQ_ENTRIES,
    IORING_MAX_ENTRIES,
    IORING_SETUP_CLAMP,
    IORING_SETUP_COOP_TASKRUN,
    IORING_SETUP_CQE32,
    IORING_SETUP_CQE_MIXED,
    IORING_SETUP_CQSIZE,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_FLAGS_ALL,
    IORING_SETUP_HYBRID_IOPOLL,
    IORING_SETUP_IOPOLL,
    IORING_SETUP_NO_MMAP,
    IORING_SETUP_R_DISABLED,
    IORING_SETUP_REGISTERED_FD_ONLY,
    IORING_SETUP_SINGLE_ISSUER,
    IORING_SETUP_SQ_AFF,
    IORING_SETUP_SQE128,
    IORING_SETUP_SQE_MIXED,
    IORING_SETUP_SQPOLL,
    IORING_SETUP_TASKRUN_FLAG,
    Params,
)
from simuring.abi.poll import EPOLL_URING_WAKE, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM
from simuring.kernel.ctx import RingCtx
from simuring.kernel.files import File, files_of
from simuring.kernel.objects.base import WaitQueue
from simuring.kernel.sqpoll import SqPoll

if TYPE_CHECKING:
    from simuring.host.task import Task
    from simuring.kernel import Kernel

FEATURES = (
    IORING_FEAT_SINGLE_MMAP
    | IORING_FEAT_NODROP
    | IORING_FEAT_SUBMIT_STABLE
    | IORING_FEAT_RW_CUR_POS
    | IORING_FEAT_FAST_POLL
    | IORING_FEAT_EXT_ARG
    | IORING_FEAT_CQE_SKIP
)
"""The IORING_FEAT_* bits the model honours (reported in ``params.features``)."""

DEFAULT_SQ_THREAD_IDLE_MS = 1000  # io_sq_offload_create: HZ when sq_thread_idle is 0


def roundup_pow_of_two(n: int) -> int:
    return 1 << (n - 1).bit_length()


class RingFile(File):
    """The anonymous inode behind a ring fd (``io_uring_fops``).

    Pollable (``io_uring_poll``): POLLIN|POLLRDNORM while the CQ holds CQEs
    or there is work to flush (overflowed CQEs, DEFER_TASKRUN task work),
    POLLOUT|POLLWRNORM while the SQ is not full.  The first poll activates
    ``ctx->poll_wq`` (``io_activate_pollwq``); from then on every CQE written
    wakes it with POLLIN|EPOLL_URING_WAKE (``io_commit_cqring_flush`` ->
    ``io_poll_wq_wake``).
    """

    kind = "io_uring"
    pollable = True

    def __init__(self, ctx: RingCtx) -> None:
        super().__init__()
        self.ctx = ctx
        self.wq: WaitQueue | None = None  # ctx->poll_wq, once activated

    def poll_mask(self) -> int:
        """``io_uring_poll``'s mask."""
        ctx = self.ctx
        rings = ctx.rings
        mask = 0
        if ((rings.sq_tail - ctx.cached_sq_head) & 0xFFFF_FFFF) < ctx.sq_entries:
            mask |= POLLOUT | POLLWRNORM
        if ctx.cq_ready() or ctx.overflow or ctx.local_work:
            mask |= POLLIN | POLLRDNORM
        return mask

    def poll_wq(self, events: int) -> WaitQueue:
        if self.wq is None:  # io_activate_pollwq
            self.wq = WaitQueue()
            self.ctx.commit_hooks.append(self._cqe_posted)
        return self.wq

    def _cqe_posted(self, by: Task | None, ctx: RingCtx) -> None:
        """``io_poll_wq_wake``."""
        if self.wq is not None and self.wq.entries:
            self.wq.wake(by, POLLIN | EPOLL_URING_WAKE)

    def release(self, task: Task | None) -> None:
        ring_exit(task, self.ctx)

    def __repr__(self) -> str:
        return f"<RingFile ring={self.ctx.id}>"


def ring_size(entries: object, limit: int, flags: int) -> int:
    """A requested ring size, clamped to ``limit`` with IORING_SETUP_CLAMP and
    rounded up to a power of two; 0 when invalid (0, or too large without CLAMP)."""
    if not isinstance(entries, int) or entries <= 0:
        return 0
    if entries > limit:
        if not flags & IORING_SETUP_CLAMP:
            return 0
        entries = limit
    return roundup_pow_of_two(entries)


FLAG_NEEDS = (
    (IORING_SETUP_REGISTERED_FD_ONLY, IORING_SETUP_NO_MMAP),
    (IORING_SETUP_HYBRID_IOPOLL, IORING_SETUP_IOPOLL),
)
"""(flag, flag it requires): the first without the second is -EINVAL."""

FLAG_CONFLICTS = (
    (IORING_SETUP_CQE32, IORING_SETUP_CQE_MIXED),
    (IORING_SETUP_SQE128, IORING_SETUP_SQE_MIXED),
)
"""Pairs of flags that exclude each other (-EINVAL)."""


def validate(entries: int, p: Params, ncpus: int) -> tuple[int, int, int]:
    """Return (error, sq_entries, cq_entries); error is 0 or -EINVAL."""
    flags = p.flags
    if any(p.resv) or not isinstance(flags, int) or flags & ~IORING_SETUP_FLAGS_ALL:
        return -EINVAL, 0, 0
    sq = ring_size(entries, IORING_MAX_ENTRIES, flags)
    if not sq:
        return -EINVAL, 0, 0
    if flags & IORING_SETUP_CQSIZE:
        cq = ring_size(p.cq_entries, IORING_MAX_CQ_ENTRIES, flags)
        if not cq or cq < sq:
            return -EINVAL, 0, 0
    else:
        cq = 2 * sq
    if flags & IORING_SETUP_DEFER_TASKRUN and not flags & IORING_SETUP_SINGLE_ISSUER:
        return -EINVAL, 0, 0
    # io_uring_sanitise_params: flags that only make sense with another one
    for flag, needs in FLAG_NEEDS:
        if flags & flag and not flags & needs:
            return -EINVAL, 0, 0
    for one, other in FLAG_CONFLICTS:
        if flags & one and flags & other:
            return -EINVAL, 0, 0
    if flags & IORING_SETUP_SQPOLL:
        if flags & (IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_DEFER_TASKRUN):
            return -EINVAL, 0, 0
        if flags & IORING_SETUP_SQ_AFF and not 0 <= p.sq_thread_cpu < ncpus:
            return -EINVAL, 0, 0
    else:
        if flags & IORING_SETUP_TASKRUN_FLAG and not flags & (IORING_SETUP_COOP_TASKRUN | IORING_SETUP_DEFER_TASKRUN):
            return -EINVAL, 0, 0
        if flags & IORING_SETUP_SQ_AFF:
            return -EINVAL, 0, 0
    return 0, sq, cq


def io_uring_setup(kernel: Kernel, task: Task, entries: int, p: Params) -> int:
    """Create a ring; returns its fd or a negative errno. Fills ``p`` like the kernel."""
    err, sq, cq = validate(entries, p, kernel.costs.host.cpus)
    if err:
        return err
    task.charge(kernel.costs.uring.setup_ns)
    ctx = RingCtx(kernel, kernel.next_ring_id(), p.flags, sq, cq, task, kernel.ring_counter_start)
    if p.flags & IORING_SETUP_SINGLE_ISSUER and not p.flags & IORING_SETUP_R_DISABLED:
        ctx.submitter_task = task
    ctx.disabled = bool(p.flags & IORING_SETUP_R_DISABLED)
    file = RingFile(ctx)
    fd = files_of(task.process).install(file)
    if fd < 0:
        return fd
    ctx.file = file
    kernel.rings[ctx.id] = ctx
    kernel.all_rings.append(ctx)
    p.sq_entries = sq
    p.cq_entries = cq
    p.features = FEATURES
    if p.flags & IORING_SETUP_SQPOLL:
        if not p.sq_thread_idle:
            p.sq_thread_idle = DEFAULT_SQ_THREAD_IDLE_MS
        cpu = p.sq_thread_cpu if p.flags & IORING_SETUP_SQ_AFF else None
        ctx.sqpoll = SqPoll(kernel, ctx, task, p.sq_thread_idle * 1_000_000, cpu)
        if not ctx.disabled:
            ctx.sqpoll.start(task)
    kernel.tracer.emit(task.now(), "setup", ring=ctx.id, fd=fd, flags=p.flags, sq=sq, cq=cq)
    return fd


def ring_exit(task: Task | None, ctx: RingCtx) -> None:
    """``io_ring_ctx_wait_and_kill``: the last reference to the ring is gone."""
    if ctx.dead:
        return
    ctx.dead = True
    kernel = ctx.kernel
    if task is not None:
        task.charge(kernel.costs.uring.teardown_ns)
    for hook in kernel.registry.ring_exit_hooks:
        hook(task, ctx)
    if ctx.sqpoll is not None:
        ctx.sqpoll.stop(task)
    ctx.drop_fixed_files(task)
    # io_uring_try_cancel_requests: requests still in flight die with the ring and
    # put the file references they hold (a parked READ no longer keeps its pipe open)
    for req in list(ctx.inflight.values()):
        req.put_file(task)
    kernel.rings.pop(ctx.id, None)
