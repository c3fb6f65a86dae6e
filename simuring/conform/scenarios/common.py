"""Small helpers the scenarios share (no scenario here)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

Gen = Generator[Any, Any, Any]


def nop(L: Any, ring: Any, user_data: int, flags: int = 0) -> Any:
    """Queue a NOP with ``user_data`` and SQE ``flags``; the SQE."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_nop(sqe)
    L.io_uring_sqe_set_data64(sqe, user_data)
    L.io_uring_sqe_set_flags(sqe, flags)
    return sqe


def reap(L: Any, ring: Any, n: int) -> Gen:
    """Wait for ``n`` completions one by one, consuming each (each is recorded)."""
    cqe = L.Cqe()
    for _ in range(n):
        ret = yield from L.io_uring_wait_cqe(ring, cqe)
        if ret < 0:
            return
        L.io_uring_cqe_seen(ring, cqe[0])


def reap_one(L: Any, ring: Any) -> Generator[Any, Any, list[int] | None]:
    """Wait for one completion and consume it (it is recorded); its ``[user_data, res, flags]``, or None
    when the wait failed.  For scenarios whose next step depends on what the kernel answered (a
    simulator that answers differently must not leave the scenario waiting for a CQE that never comes)."""
    cqe = L.Cqe()
    if (yield from L.io_uring_wait_cqe(ring, cqe)) < 0:
        return None
    values = [cqe[0].user_data, cqe[0].res, cqe[0].flags]
    L.io_uring_cqe_seen(ring, cqe[0])
    return values


def reap_ready(L: Any, ring: Any) -> int:
    """Consume every completion already visible (peek until -EAGAIN); how many."""
    cqe = L.Cqe()
    n = 0
    while L.io_uring_peek_cqe(ring, cqe) == 0:
        L.io_uring_cqe_seen(ring, cqe[0])
        n += 1
    return n


def new_ring(L: Any, entries: int = 8, flags: int = 0) -> Gen:
    """A ring set up with ``io_uring_queue_init`` (the result is recorded)."""
    ring = L.Ring()
    ret = yield from L.io_uring_queue_init(entries, ring, flags)
    return ring if ret == 0 else None
