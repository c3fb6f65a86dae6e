"""How liburing walks a CQ whose entries may be 16 or 32 bytes (IORING_SETUP_CQE_MIXED).

Pure rules over CQE values, shared by the simulated liburing (``simuring.liburing``)
and the one the conformance harness runs on the real kernel: a CQE with
IORING_CQE_F_32 takes two CQ slots (``io_uring_cqe_nr``), an IORING_CQE_F_SKIP
entry is padding the kernel posted before a 32-byte CQE that would have
straddled the ring's end (``io_cqe_cache_refill``), never shown to the caller.
"""

from __future__ import annotations

from collections.abc import Callable

from simuring.abi.io_uring import IORING_CQE_F_32, IORING_CQE_F_SKIP, IoUringCqe


def io_uring_cqe_nr(cqe: IoUringCqe) -> int:
    """liburing.h's ``io_uring_cqe_nr``: the CQ slots ``cqe`` takes, 2 with IORING_CQE_F_32, else 1
    (whatever the ring's flags: liburing only reads the CQE's)."""
    return 2 if cqe.flags & IORING_CQE_F_32 else 1


def is_skip(cqe: IoUringCqe) -> bool:
    """An IORING_CQE_F_SKIP padding entry, which liburing's peeks consume without returning it."""
    return bool(cqe.flags & IORING_CQE_F_SKIP)


def peek_batch(cqe_at: Callable[[int], IoUringCqe], head: int, ready: int, count: int) -> tuple[int, list[IoUringCqe]]:
    """liburing's ``io_uring_peek_batch_cqe`` over ``ready`` slots from CQ counter ``head``:
    ``(skipped, cqes)``, the padding slots at the head to consume first and up to ``count``
    CQEs after them, in order.  The batch counts CQEs, not slots (a 32-byte CQE is one), and
    stops before a padding entry further on: the caller advances the CQ head by the slots of
    the CQEs it returns (``io_uring_cqe_nr`` each), so a gap inside the batch would be lost
    (liburing's test cq-peek-batch-mixed)."""
    skipped = 0
    while skipped < ready and is_skip(cqe_at(head + skipped)):
        skipped += 1
    cqes: list[IoUringCqe] = []
    at = head + skipped
    end = head + ready
    while len(cqes) < count and at < end:
        cqe = cqe_at(at)
        if is_skip(cqe):
            break
        cqes.append(cqe)
        at += io_uring_cqe_nr(cqe)
    return skipped, cqes
