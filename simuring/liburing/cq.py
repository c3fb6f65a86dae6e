"""The completion-queue helpers that liburing inlines (liburing.h).

``io_uring_wait_cqe`` / ``io_uring_peek_cqe`` find a ready CQE in the shared
ring and enter the kernel only when they must; ``io_uring_cqe_seen`` /
``io_uring_cq_advance`` publish the new CQ head.
"""

from __future__ import annotations

from simuring.abi.errno import EAGAIN
from simuring.abi.io_uring import IORING_CQ_EVENTFD_DISABLED, IORING_SQ_CQ_OVERFLOW, Cqe, IoUringCqe
from simuring.host.current import current_task
from simuring.kernel.sys import U32
from simuring.libc.argcheck import need_int
from simuring.libc.cint import CInt
from simuring.liburing.queue import cq_ring_needs_flush, get_cqe, get_events_now, need_cqe_ptr, peek
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
    if (mem.cq_tail - mem.cq_head) & U32:  # peek() in place: once per completion
        cqe_ptr[0] = mem.cqes[mem.cq_head & mem.cq_mask]
        return 0
    return (yield from get_cqe(ring, cqe_ptr, 0, 1))


def io_uring_wait_cqe_nr(ring: Ring, cqe_ptr: Cqe, wait_nr: CInt) -> Gen:
    need_cqe_ptr(cqe_ptr)
    need_int("io_uring_wait_cqe_nr", wait_nr=wait_nr)
    return (yield from get_cqe(ring, cqe_ptr, 0, wait_nr))


def io_uring_peek_cqe(ring: Ring, cqe_ptr: Cqe) -> int:
    """Return 0 with ``cqe_ptr[0]`` set if a completion is ready, else -EAGAIN.

    Like liburing, when the kernel has overflowed CQEs or pending task work
    (IORING_SQ_CQ_OVERFLOW / IORING_SQ_TASKRUN) it enters the kernel with
    GETEVENTS to flush them; that entry never sleeps, so simuring runs it
    synchronously and charges it to the task's next burst.
    """
    need_cqe_ptr(cqe_ptr)
    cqe, _ = peek(ring)
    if cqe is None and cq_ring_needs_flush(ring):
        get_events_now(ring)
        cqe, _ = peek(ring)
    cqe_ptr[0] = cqe
    return 0 if cqe is not None else -EAGAIN


def io_uring_cq_advance(ring: Ring, nr: CInt) -> None:
    if nr:
        mem = ring.rings or ring._mem()
        mem.cq_head = (mem.cq_head + nr) & U32
        current_task().charge(ring.costs.reap_cqe_ns * nr)


def io_uring_cqe_seen(ring: Ring, cqe: IoUringCqe | None) -> None:
    """Mark one completion consumed (advances the CQ head)."""
    if cqe is not None:  # io_uring_cq_advance(ring, 1) in place: once per completion
        try:
            mem = ring.rings or ring._mem()
        except AttributeError:
            raise not_a_ring(ring, "io_uring_cqe_seen") from None
        mem.cq_head = (mem.cq_head + 1) & U32
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
