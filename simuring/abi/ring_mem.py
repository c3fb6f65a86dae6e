"""liburing's layout of a ring in memory the application gives (io_uring_queue_init_mem(3),
liburing's ``io_uring_alloc_huge`` with a buffer): the one layout, both backends.

The SQEs come first, with room for the SQ index array unless
IORING_SETUP_NO_SQARRAY, rounded up to a page; the rings (their header, the
counters, the CQEs) follow at that page.  ``sq_off.user_addr`` is the start of
the buffer and ``cq_off.user_addr`` the rings; io_uring_setup(2) gets
IORING_SETUP_NO_MMAP.  The whole ring uses the sum rounded up to a page,
which liburing returns on success (-ENOMEM when the buffer is smaller).
"""

from __future__ import annotations

from typing import Final

from attrs import frozen

from simuring.abi.errno import EINVAL, ENOMEM
from simuring.abi.io_uring import (
    IORING_MAX_CQ_ENTRIES,
    IORING_MAX_ENTRIES,
    IORING_SETUP_CLAMP,
    IORING_SETUP_CQE32,
    IORING_SETUP_CQSIZE,
    IORING_SETUP_NO_SQARRAY,
    IORING_SETUP_SQE128,
)
from simuring.abi.posix import PAGE_SIZE

KRING_SIZE: Final = 64
"""liburing's allowance for the rings' header (``struct io_rings`` before the CQEs)."""


@frozen
class RingMemLayout:
    """Where the ring goes in the buffer: the SQEs at offset 0, the rings at ``rings_off``;
    ``used`` bytes in all."""

    rings_off: int
    used: int


def _roundup_pow2(n: int) -> int:
    return 1 << (n - 1).bit_length()


def _page_up(n: int) -> int:
    return (n + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)


def ring_mem_layout(entries: int, flags: int, cq_entries: int, buf_size: int) -> RingMemLayout | int:
    """liburing's ``get_sq_cq_entries`` then ``io_uring_alloc_huge`` for a buffer of
    ``buf_size`` bytes: the layout, -EINVAL for entries liburing refuses (0, above 32768
    without IORING_SETUP_CLAMP, a CQSIZE ``cq_entries`` of 0 or below the SQ's) or
    -ENOMEM for a buffer too small."""
    if entries <= 0:
        return -EINVAL
    if entries > IORING_MAX_ENTRIES:  # liburing's KERN_MAX_ENTRIES
        if not flags & IORING_SETUP_CLAMP:
            return -EINVAL
        entries = IORING_MAX_ENTRIES
    sq = _roundup_pow2(entries)
    if flags & IORING_SETUP_CQSIZE:
        if cq_entries <= 0:
            return -EINVAL
        cq = _roundup_pow2(min(cq_entries, IORING_MAX_CQ_ENTRIES) if flags & IORING_SETUP_CLAMP else cq_entries)
        if cq < sq or cq > IORING_MAX_CQ_ENTRIES:
            return -EINVAL
    else:
        cq = 2 * sq
    sqes = sq * (128 if flags & IORING_SETUP_SQE128 else 64)
    if not flags & IORING_SETUP_NO_SQARRAY:
        sqes += 4 * sq
    sqes = _page_up(sqes)
    cqes = cq * (32 if flags & IORING_SETUP_CQE32 else 16)
    used = _page_up(KRING_SIZE + sqes + cqes)
    if used > buf_size:
        return -ENOMEM
    return RingMemLayout(rings_off=sqes, used=used)
