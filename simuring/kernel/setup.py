"""``io_uring_setup(2)`` and ring teardown.

Validation follows ``io_uring_setup`` / ``io_uring_create`` (io_uring/io_uring.c)
in the kernel's order:

1. reserved words of ``params`` non-zero, or setup flags Linux 6.18 does not
   know (:data:`SETUP_FLAGS`; IORING_SETUP_SQE_MIXED and IORING_SETUP_SQ_REWIND
   are newer): -EINVAL;
2. ``io_uring_sanitise_params``: REGISTERED_FD_ONLY without NO_MMAP, SQPOLL
   with COOP_TASKRUN, TASKRUN_FLAG or DEFER_TASKRUN ("IPI related flags
   don't make sense with SQPOLL"), TASKRUN_FLAG without COOP_TASKRUN or
   DEFER_TASKRUN, HYBRID_IOPOLL without IOPOLL, DEFER_TASKRUN without
   SINGLE_ISSUER, CQE32 with CQE_MIXED: -EINVAL;
3. ``io_uring_fill_params``: ``entries`` 0: -EINVAL; above IORING_MAX_ENTRIES
   (32768): -EINVAL unless IORING_SETUP_CLAMP, then clamped; rounded up to a
   power of two.  CQ size: ``2 * sq_entries``, or with IORING_SETUP_CQSIZE
   ``cq_entries`` (0: -EINVAL; above 65536: -EINVAL unless CLAMP; rounded up;
   smaller than the SQ: -EINVAL);
4. ``io_allocate_scq_urings``: ``rings_size`` refuses a CQE_MIXED CQ of fewer
   than two slots (-EOVERFLOW); with IORING_SETUP_NO_MMAP the application
   gives the ring memory in ``sq_off.user_addr`` / ``cq_off.user_addr``
   (``io_create_region``: none given, or not writable memory: -EFAULT);
5. ``io_sq_offload_create``: IORING_SETUP_ATTACH_WQ names a ring by
   ``wq_fd`` (not open: -ENXIO; not a ring: -EINVAL; with SQPOLL, a ring
   without an SQ thread: -EINVAL); SQ_AFF without SQPOLL, or with a CPU that
   does not exist: -EINVAL.

On success the SINGLE_ISSUER owner is the creating task, unless
IORING_SETUP_R_DISABLED defers that to IORING_REGISTER_ENABLE_RINGS, and the
task has an io_uring context (:mod:`simuring.kernel.tctx`).  The params are
written back as the kernel writes them: sizes and ``features``; the inputs,
``sq_thread_idle`` included, are left as the caller passed them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simuring.abi.errno import EFAULT, EINVAL, ENXIO, EOVERFLOW, EPERM
from simuring.abi.io_uring import (
    IORING_FEAT_CQE_SKIP,
    IORING_FEAT_CUR_PERSONALITY,
    IORING_FEAT_EXT_ARG,
    IORING_FEAT_FAST_POLL,
    IORING_FEAT_LINKED_FILE,
    IORING_FEAT_MIN_TIMEOUT,
    IORING_FEAT_NATIVE_WORKERS,
    IORING_FEAT_NO_IOWAIT,
    IORING_FEAT_NODROP,
    IORING_FEAT_POLL_32BITS,
    IORING_FEAT_RECVSEND_BUNDLE,
    IORING_FEAT_REG_REG_RING,
    IORING_FEAT_RSRC_TAGS,
    IORING_FEAT_RW_ATTR,
    IORING_FEAT_RW_CUR_POS,
    IORING_FEAT_SINGLE_MMAP,
    IORING_FEAT_SQPOLL_NONFIXED,
    IORING_FEAT_SUBMIT_STABLE,
    IORING_MAX_CQ_ENTRIES,
    IORING_MAX_ENTRIES,
    IORING_SETUP_ATTACH_WQ,
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
    IORING_SETUP_SQ_REWIND,
    IORING_SETUP_SQE_MIXED,
    IORING_SETUP_SQPOLL,
    IORING_SETUP_TASKRUN_FLAG,
    Params,
)
from simuring.abi.poll import EPOLL_URING_WAKE, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM
from simuring.kernel.ctx import RingCtx
from simuring.kernel.eventfd import drop_eventfd
from simuring.kernel.files import File, fdget, files_of
from simuring.kernel.memmap import ring_mmap
from simuring.kernel.objects.base import WaitQueue
from simuring.kernel.sqpoll import SqPoll
from simuring.kernel.taskwork import notify
from simuring.kernel.tctx import add_tctx
from simuring.kernel.uaccess import user_bytes

if TYPE_CHECKING:
    from simuring.host.task import Task
    from simuring.kernel import Kernel

SETUP_FLAGS = IORING_SETUP_FLAGS_ALL & ~(IORING_SETUP_SQE_MIXED | IORING_SETUP_SQ_REWIND)
"""The setup flags Linux 6.18 knows (its ``IORING_SETUP_FLAGS``): the modelled
kernel refuses the others with -EINVAL.  SQE_MIXED (Linux 6.19) and SQ_REWIND
(Linux 7.0) stay defined in :mod:`simuring.abi.io_uring`, as in a newer header."""

FEATURES = (
    IORING_FEAT_SINGLE_MMAP
    | IORING_FEAT_NODROP
    | IORING_FEAT_SUBMIT_STABLE
    | IORING_FEAT_RW_CUR_POS
    | IORING_FEAT_CUR_PERSONALITY
    | IORING_FEAT_FAST_POLL
    | IORING_FEAT_POLL_32BITS
    | IORING_FEAT_SQPOLL_NONFIXED
    | IORING_FEAT_EXT_ARG
    | IORING_FEAT_NATIVE_WORKERS
    | IORING_FEAT_RSRC_TAGS
    | IORING_FEAT_CQE_SKIP
    | IORING_FEAT_LINKED_FILE
    | IORING_FEAT_REG_REG_RING
    | IORING_FEAT_MIN_TIMEOUT
    | IORING_FEAT_NO_IOWAIT
    | IORING_FEAT_RECVSEND_BUNDLE
)
"""The IORING_FEAT_* bits reported in ``params.features``: those of Linux 6.18
(``IORING_FEAT_FLAGS``, 0x3ffff) whose behaviour the model has.  docs/kernel.md
gives the reason for each bit, reported or withheld."""

FEATURES_WITHHELD = IORING_FEAT_RW_ATTR
"""Bits Linux 6.18 reports and the model does not: each promises an interface
simuring lacks (read/write attributes), so correct code that tested the bit
would then fail."""

DEFAULT_SQ_THREAD_IDLE_MS = 1000  # io_sq_offload_create: HZ when sq_thread_idle is 0


def roundup_pow_of_two(n: int) -> int:
    return 1 << (n - 1).bit_length()


class RingFile(File):
    """The anonymous inode behind a ring fd (``io_uring_fops``).

    Pollable (``io_uring_poll``): POLLIN|POLLRDNORM while the CQ holds CQEs
    or there is work to flush (overflowed CQEs, DEFER_TASKRUN task work),
    POLLOUT|POLLWRNORM while the SQ is not full.  Once ``ctx->poll_wq`` is
    active every CQE written wakes it with POLLIN|EPOLL_URING_WAKE
    (``io_commit_cqring_flush`` -> ``io_poll_wq_wake``).  A ring whose
    completions only its submitter task posts (``ctx->task_complete``:
    DEFER_TASKRUN) starts with it inactive (``io_uring_create``), and the first
    poll of its descriptor activates it lazily (``io_activate_pollwq``): task
    work queued on the submitter task (TWA_SIGNAL) marks it active and wakes
    the queue without a key (``io_activate_pollwq_cb``: ``wake_up_all``), so a
    poll armed on it is woken once whatever the ring's state.  A fast poll so
    woken re-issues its request (``io_poll_check_events``: nothing on re-poll
    is IOU_POLL_REISSUE), which is then REQ_F_POLLED: a RECV with
    IORING_RECVSEND_POLL_FIRST of a DEFER_TASKRUN ring's own descriptor is
    -ENOTSOCK at once where another ring's waits for a CQE (fields seed
    117897; ``fz9-recv-poll-first-defer-ring-fd``).  Any other ring's poll is
    active from the start.  A ring set up with IORING_SETUP_R_DISABLED has no
    submitter task until IORING_REGISTER_ENABLE_RINGS, so a poll armed before
    activates nothing; the enable then activates the queue if a poll waits on
    it (:meth:`activate_if_polled`).
    """

    kind = "io_uring"
    pollable = True

    def __init__(self, ctx: RingCtx) -> None:
        super().__init__()
        self.ctx = ctx
        self.wq: WaitQueue | None = None  # ctx->poll_wq, made at the first poll
        self.activated = False  # ctx->poll_activated (kept false until a poll asks, as nothing reads it before)
        self.activating = False  # ctx->poll_wq_task_work.func: the activation's task work is queued

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
        if self.wq is None:
            self.wq = WaitQueue()
        if not self.activated:
            self._activate()
        return self.wq

    def activate_if_polled(self) -> None:
        """``io_register_enable_rings``: the ring has just got its submitter task, and a poll that
        found none could not activate the queue, so it is activated now if anything waits on it
        (``wq_has_sleeper(&ctx->poll_wq)`` -> ``io_activate_pollwq``)."""
        if not self.activated and self.wq is not None and self.wq.entries:
            self._activate()

    def _activate(self) -> None:
        """``io_uring_poll`` -> ``io_activate_pollwq`` on a ring whose poll is not yet active: at once
        unless ``ctx->task_complete``; else by task work on the submitter task (none yet: nothing)."""
        ctx = self.ctx
        if not ctx.task_complete:
            self._activated(None)
            return
        task = ctx.submitter_task
        if self.activating or task is None:
            return
        self.activating = True
        task.task_works.append((ctx, self._activated))  # task_work_add(..., TWA_SIGNAL)
        notify(None, task, ipi=True)

    def _activated(self, task: Task | None) -> None:
        """``io_activate_pollwq_cb``: active from now on; then ``wake_up_all`` of the queue (no key)."""
        self.activated = True
        self.ctx.commit_hooks.append(self._cqe_posted)
        if task is not None and self.wq is not None:
            self.wq.wake(task, 0)

    def _cqe_posted(self, by: Task | None, ctx: RingCtx) -> None:
        """``io_poll_wq_wake``."""
        if self.wq is not None and self.wq.entries:
            self.wq.wake(by, POLLIN | EPOLL_URING_WAKE)

    def mmap(self, task: Task, length: int, prot: int, flags: int, offset: int) -> object:
        """``io_uring_mmap`` (io_uring/memmap.c): :func:`simuring.kernel.memmap.ring_mmap`
        (``sys_mmap`` checked the length and the offset's alignment)."""
        return ring_mmap(self.ctx, length, offset)

    def release(self, task: Task | None) -> None:
        ring_exit(task, self.ctx)

    def __repr__(self) -> str:
        return f"<RingFile ring={self.ctx.id}>"


def ring_size(entries: object, limit: int, flags: int) -> int:
    """A requested ring size, clamped to ``limit`` with IORING_SETUP_CLAMP and
    rounded up to a power of two; 0 when invalid (0, or too large without CLAMP).
    The size is a u32, as in the kernel: a Python -1 is 2^32-1, too large."""
    if not isinstance(entries, int):
        return 0
    entries &= 0xFFFF_FFFF
    if not entries:
        return 0
    if entries > limit:
        if not flags & IORING_SETUP_CLAMP:
            return 0
        entries = limit
    return roundup_pow_of_two(entries)


FLAG_NEEDS = (
    (IORING_SETUP_REGISTERED_FD_ONLY, IORING_SETUP_NO_MMAP),
    (IORING_SETUP_HYBRID_IOPOLL, IORING_SETUP_IOPOLL),
    (IORING_SETUP_DEFER_TASKRUN, IORING_SETUP_SINGLE_ISSUER),
)
"""(flag, flag it requires): the first without the second is -EINVAL."""

FLAG_CONFLICTS = ((IORING_SETUP_CQE32, IORING_SETUP_CQE_MIXED),)
"""Pairs of flags that exclude each other (-EINVAL).  (SQE128 with SQE_MIXED is
one too on Linux 6.19; 6.18 refuses SQE_MIXED as unknown before.)"""


def sanitise_params(p: Params) -> int:
    """``io_uring_sanitise_params`` (and the reserved-words check before it): 0 or -EINVAL."""
    flags = p.flags
    if any(p.resv) or not isinstance(flags, int) or flags & ~SETUP_FLAGS:
        return -EINVAL
    for flag, needs in FLAG_NEEDS:
        if flags & flag and not flags & needs:
            return -EINVAL
    for one, other in FLAG_CONFLICTS:
        if flags & one and flags & other:
            return -EINVAL
    if flags & IORING_SETUP_SQPOLL and flags & (IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_DEFER_TASKRUN):
        return -EINVAL
    if flags & IORING_SETUP_TASKRUN_FLAG and not flags & (IORING_SETUP_COOP_TASKRUN | IORING_SETUP_DEFER_TASKRUN):
        return -EINVAL
    return 0


def fill_params(entries: object, p: Params) -> tuple[int, int]:
    """``io_uring_fill_params``'s sizes, for io_uring_setup(2) and for
    IORING_REGISTER_RESIZE_RINGS: (sq_entries, cq_entries), or (0, 0) for -EINVAL.

    The SQ size is ``entries`` (:func:`ring_size` against IORING_MAX_ENTRIES);
    the CQ size twice that, or with IORING_SETUP_CQSIZE ``p.cq_entries`` sized
    the same way against IORING_MAX_CQ_ENTRIES, and not below the SQ."""
    flags = p.flags
    sq = ring_size(entries, IORING_MAX_ENTRIES, flags)
    if not sq:
        return 0, 0
    if not flags & IORING_SETUP_CQSIZE:
        return sq, 2 * sq
    cq = ring_size(p.cq_entries, IORING_MAX_CQ_ENTRIES, flags)
    if not cq or cq < sq:
        return 0, 0
    return sq, cq


def validate(entries: int, p: Params) -> tuple[int, int, int]:
    """``io_uring_sanitise_params`` then ``io_uring_fill_params``: (error, sq_entries,
    cq_entries); error is 0 or -EINVAL."""
    err = sanitise_params(p)
    if err:
        return err, 0, 0
    sq, cq = fill_params(entries, p)
    return (0, sq, cq) if sq else (-EINVAL, 0, 0)


def region_fault(addr: object) -> bool:
    """``io_create_region`` for a ring of IORING_SETUP_NO_MMAP: whether the memory
    the application gives at ``addr`` is not writable user memory (-EFAULT)."""
    return isinstance(user_bytes(addr, 1, kernel_writes=True), int)


def rings_size_error(flags: int, cq_entries: int) -> int:
    """``rings_size``'s refusal (``io_allocate_scq_urings``, IORING_REGISTER_RESIZE_RINGS): a
    CQE_MIXED ring needs at least two CQ slots, room for one 32-byte CQE (-EOVERFLOW); 0."""
    return -EOVERFLOW if flags & IORING_SETUP_CQE_MIXED and cq_entries < 2 else 0


def check_ring_memory(p: Params) -> int:
    """``io_allocate_scq_urings`` -> ``io_create_region``: with IORING_SETUP_NO_MMAP
    both rings live in memory the application gives (``cq_off.user_addr`` for the
    rings, ``sq_off.user_addr`` for the SQEs); none given, or not writable memory,
    is -EFAULT.  The model checks the memory and keeps the ring state in its own
    :class:`~simuring.kernel.rings.SharedRings` (reached through mmap, docs/kernel.md)."""
    if not p.flags & IORING_SETUP_NO_MMAP:
        return 0
    for addr in (p.cq_off.user_addr, p.sq_off.user_addr):
        if region_fault(addr):
            return -EFAULT
    return 0


def check_sq_offload(task: Task, p: Params, ncpus: int) -> int:
    """``io_sq_offload_create``'s checks, in its order: 0 or -errno.

    ATTACH_WQ without SQPOLL only checks that ``wq_fd`` is a ring (not open:
    -ENXIO, not a ring: -EINVAL).  With SQPOLL (``io_attach_sq_data``) the ring
    must have an SQ thread too (-EINVAL); one of another process (-EPERM) makes
    the kernel start a thread of its own instead; otherwise the ring shares that
    ring's thread (:func:`shared_sq_thread`).
    """
    flags = p.flags
    if flags & IORING_SETUP_ATTACH_WQ:
        file = fdget(task, p.wq_fd)
        if file is None:
            return -ENXIO
        if not isinstance(file, RingFile):
            return -EINVAL
        if flags & IORING_SETUP_SQPOLL:
            err = attach_sq_data_error(task, file.ctx)
            if err != -EPERM:
                return err  # attached (0: the SQ_AFF CPU is the thread's, not checked) or refused
    if flags & IORING_SETUP_SQ_AFF:
        if not flags & IORING_SETUP_SQPOLL or not 0 <= p.sq_thread_cpu < ncpus:
            return -EINVAL
    return 0


def attach_sq_data_error(task: Task, target: RingCtx) -> int:
    """``io_attach_sq_data``: -EINVAL for a ring without an SQ thread, -EPERM for
    one whose thread serves another process, else 0."""
    if target.sqpoll is None:
        return -EINVAL
    if target.sqpoll.creator.process is not task.process:
        return -EPERM
    return 0


def shared_sq_thread(task: Task, p: Params) -> SqPoll | None:
    """``io_attach_sq_data``: the SQ thread an IORING_SETUP_SQPOLL|ATTACH_WQ ring shares, the one
    of the ring named by ``wq_fd`` when it belongs to this process (else None: a thread of its own).
    Called after :func:`check_sq_offload` accepted the setup."""
    if not p.flags & IORING_SETUP_ATTACH_WQ:
        return None
    file = files_of(task.process).get(p.wq_fd)
    if not isinstance(file, RingFile) or attach_sq_data_error(task, file.ctx):
        return None
    return file.ctx.sqpoll


def io_uring_setup(kernel: Kernel, task: Task, entries: int, p: Params) -> int:
    """Create a ring; returns its fd or a negative errno. Fills ``p`` like the kernel."""
    err, sq, cq = validate(entries, p)
    if not err:
        err = rings_size_error(p.flags, cq) or check_ring_memory(p) or check_sq_offload(task, p, kernel.costs.host.cpus)
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
    add_tctx(kernel, task, ctx)
    if p.flags & IORING_SETUP_SQPOLL:
        idle_ms = (p.sq_thread_idle & 0xFFFF_FFFF) or DEFAULT_SQ_THREAD_IDLE_MS  # a u32; the default is not written back
        shared = shared_sq_thread(task, p)
        if shared is not None:  # io_attach_sq_data: the ring joins that thread
            shared.attach(task, ctx, idle_ms * 1_000_000)
        else:
            cpu = p.sq_thread_cpu if p.flags & IORING_SETUP_SQ_AFF else None
            ctx.sqpoll = SqPoll(kernel, ctx, task, idle_ms * 1_000_000, cpu)
            if not ctx.disabled:
                ctx.sqpoll.start(task)
    if kernel.tracer.enabled:
        at = task.now()
        kernel.tracer.emit(at, "io_uring_create", tid=task.tid, fd=fd, ctx=ctx.id, sq_entries=sq, cq_entries=cq, flags=p.flags)
        ctx.trace_rings(at)
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
        ctx.sqpoll.stop(task, ctx)
    ctx.drop_fixed_files(task)
    drop_eventfd(task, ctx)  # io_ring_ctx_free -> io_eventfd_unregister
    # io_uring_try_cancel_requests: requests still in flight die with the ring and
    # put the file references they hold (a parked READ no longer keeps its pipe open)
    for req in list(ctx.inflight.values()):
        req.put_file(task)
        req.put_rsrc_nodes(task)
    kernel.rings.pop(ctx.id, None)
