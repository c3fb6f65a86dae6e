"""``struct io_uring``: the application's handle on one ring (liburing.h).

A :class:`Ring` holds what liburing keeps in user space: the ring fd, the
setup flags and features, the private SQ counters, the shared ring memory
mapped at setup, and the cost handle of the user-space ring operations.
"""

from __future__ import annotations

from typing import Any

from simuring.cost.model import UringSection
from simuring.kernel.sys import SharedRings


class Ring:
    """``struct io_uring``: the application's view of one ring.

    ``ring_fd``, ``flags`` and ``features`` are as in C; ``sqe_head`` /
    ``sqe_tail`` are liburing's private SQ counters; ``rings`` is the shared
    mapping (kernel heads and tails, SQE and CQE arrays); ``costs`` is the
    caller's ``uring`` cost section (claiming an SQE, reaping a CQE), set by
    ``io_uring_queue_init`` with the mapping.
    """

    __slots__ = ("ring_fd", "flags", "features", "rings", "sqe_head", "sqe_tail", "costs")

    costs: UringSection  # unset until io_uring_queue_init: read only after ``rings`` is checked

    def __init__(self) -> None:
        self.ring_fd = -1
        self.flags = 0
        self.features = 0
        self.rings: SharedRings | None = None
        self.sqe_head = 0
        self.sqe_tail = 0

    def __repr__(self) -> str:
        if self.rings is None:
            return "<Ring (not initialised)>"
        return f"<Ring fd={self.ring_fd} sq={self.rings.sq_entries} cq={self.rings.cq_entries}>"

    def _mem(self) -> SharedRings:
        # hot callers write ``ring.rings or ring._mem()``: the call is made only to raise
        if self.rings is None:
            raise ValueError("ring is not initialised: call io_uring_queue_init(entries, ring, flags) first")
        return self.rings


def need_ring(ring: Any) -> Ring:
    if not isinstance(ring, Ring):
        raise not_a_ring(ring, "")
    return ring


def not_a_ring(ring: Any, where: str) -> TypeError:
    """The error for a non-Ring passed as ``ring`` (hot helpers build it only on failure)."""
    prefix = f"{where}: " if where else ""
    return TypeError(f"{prefix}expected a Ring (struct io_uring), got {type(ring).__name__}")
