"""The completion-queue helpers that liburing inlines (liburing.h).

``io_uring_wait_cqe`` / ``io_uring_peek_cqe`` find a ready CQE in the shared
ring and enter the kernel only when they must; ``io_uring_cqe_seen`` /
``io_uring_cq_advance`` publish the new CQ head.
"""

from __future__ import annotations

from simuring.abi.errno import EAGAIN
from simuring.abi.io_uring import (
    IORING_CQ_EVENTFD_DISABLED,
    IORING_CQE_F_32,
    IORING_CQE_F_SKIP,
    IORING_FEAT_EXT_ARG,
    IORING_SQ_CQ_OVERFLOW,
    Cqe,
    IoUringCqe,
)
from simuring.host.current import current_task
from simuring.kernel.sys import U32
from simuring.libc.argcheck import need_int
from simuring.libc.cint import CInt
from simuring.liburing.queue import (
    LIBURING_UDATA_TIMEOUT,
    cq_ring_needs_flush,
    get_cqe,
    get_events_now,
    need_cqe_ptr,
    peek_skipping,
)
from simuring.liburing.ring import Ring, need_ring, not_a_ring
from simuring.liburing.syscall import Gen


def io_uring_wait_cqe(ring: Ring, cqe_ptr: Cqe) -> Gen:
    """Wait for one completion; ``cqe_ptr[0]`` is set to it. 0 or -errno."""
    if not isinstance(cqe_ptr, Cqe):
        need_cqe_ptr(cqe_ptr)  # raises
    try:
        mem = ring.rings or ring._mem()
    except AttributeError:
        raise not_a_ring(ring, "io_uring_wait_cqe") from None
    head = mem.cq_head
    if (mem.cq_tail - head) & U32:  # peek() in place: once per completion
        cqe = mem.cqes[head & mem.cq_mask]
        if (cqe.user_data != LIBURING_UDATA_TIMEOUT or ring.features & IORING_FEAT_EXT_ARG) and not cqe.flags & IORING_CQE_F_SKIP:
            cqe_ptr[0] = cqe
            return 0
        # a mixed ring's padding entry, or without EXT_ARG one of liburing's own timeouts: skipped;
        # the peek's error is dropped and the wait goes on (io_uring_wait_cqe_nr(ring, cqe_ptr, 1))
        err, found, _ = peek_skipping(ring)
        if not err and found is not None:
            cqe_ptr[0] = found
            return 0
    return (yield from get_cqe(ring, cqe_ptr, 0, 1))


def io_uring_wait_cqe_nr(ring: Ring, cqe_ptr: Cqe, wait_nr: CInt) -> Gen:
    need_cqe_ptr(cqe_ptr)
    need_int("io_uring_wait_cqe_nr", wait_nr=wait_nr)
    return (yield from get_cqe(ring, cqe_ptr, 0, wait_nr))


def io_uring_peek_cqe(ring: Ring, cqe_ptr: Cqe) -> int:
    """Return 0 with ``cqe_ptr[0]`` set if a completion is ready, else -EAGAIN.

    Without IORING_FEAT_EXT_ARG in ``ring.features`` the CQEs of liburing's own
    timeouts (user_data LIBURING_UDATA_TIMEOUT) are consumed, not returned.
    Like liburing, when the kernel has overflowed CQEs or pending task work
    (IORING_SQ_CQ_OVERFLOW / IORING_SQ_TASKRUN) it enters the kernel with
    GETEVENTS to flush them; that entry never sleeps, so simuring runs it
    synchronously and charges it to the task's next burst.
    """
    need_cqe_ptr(cqe_ptr)
    err, cqe, _ = peek_skipping(ring)
    if not err and cqe is not None:
        cqe_ptr[0] = cqe
        return 0
    # io_uring_wait_cqe_nr(ring, cqe_ptr, 0): the first peek's error (one of liburing's own
    # timeouts, consumed) is dropped; peek again, flushing once if the kernel flags work
    err, cqe, _ = peek_skipping(ring)
    if not err and cqe is None and cq_ring_needs_flush(ring):
        get_events_now(ring)
        err, cqe, _ = peek_skipping(ring)
    cqe_ptr[0] = None if err else cqe
    if err:
        return err
    return 0 if cqe is not None else -EAGAIN


def io_uring_cq_advance(ring: Ring, nr: CInt) -> None:
    if nr:
        mem = ring.rings or ring._mem()
        mem.cq_head = (mem.cq_head + nr) & U32
        current_task().charge(ring.costs.reap_cqe_ns * nr)


def io_uring_cqe_seen(ring: Ring, cqe: IoUringCqe | None) -> None:
    """Mark one completion consumed: advance the CQ head by its slots (``io_uring_cqe_nr``:
    2 for a CQE with IORING_CQE_F_32)."""
    if cqe is not None:  # io_uring_cq_advance(ring, io_uring_cqe_nr(cqe)) in place: once per completion
        try:
            mem = ring.rings or ring._mem()
        except AttributeError:
            raise not_a_ring(ring, "io_uring_cqe_seen") from None
        mem.cq_head = (mem.cq_head + (2 if cqe.flags & IORING_CQE_F_32 else 1)) & U32
        current_task().charge(ring.costs.reap_cqe_ns)


def io_uring_cq_ready(ring: Ring) -> int:
    return need_ring(ring)._mem().cq_ready()


def io_uring_cq_has_overflow(ring: Ring) -> bool:
    return bool(need_ring(ring)._mem().sq_flags & IORING_SQ_CQ_OVERFLOW)


def io_uring_cqe_get_data64(cqe: IoUringCqe) -> int:
    return cqe.user_data


def io_uring_cq_eventfd_enabled(ring: Ring) -> bool:
    """Whether the registered eventfd is signalled: IORING_CQ_EVENTFD_DISABLED is clear in the CQ ring's flags."""
    return not need_ring(ring)._mem().cq_flags & IORING_CQ_EVENTFD_DISABLED


def io_uring_cq_eventfd_toggle(ring: Ring, enabled: bool) -> int:
    """Set or clear IORING_CQ_EVENTFD_DISABLED in the CQ ring's flags (a store to shared memory, no
    system call): 0."""
    mem = need_ring(ring)._mem()
    if enabled:
        mem.cq_flags &= ~IORING_CQ_EVENTFD_DISABLED
    else:
        mem.cq_flags |= IORING_CQ_EVENTFD_DISABLED
    return 0
