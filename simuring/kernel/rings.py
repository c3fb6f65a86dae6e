"""The memory shared by the kernel and the application: SQ ring, SQE array, CQ ring.

This is what ``io_uring_setup`` allocates and the application maps
(``struct io_rings`` followed by ``sq_array``, plus the SQE array).  Heads and
tails are free-running unsigned 32-bit counters; an index is ``counter &
mask``.  The application owns SQ tail and CQ head, the kernel SQ head and CQ
tail (io_uring_setup(2), "Submission Queue Ring").

Both sides hold a reference to the same :class:`SharedRings` object, so a
store by one is seen by the other, as through a shared mapping.  A store
that another CPU polls for (the SQ tail, watched by an SQPOLL thread) is
announced through ``on_sq_tail``, which the poller sets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from simuring.abi.io_uring import IoUringCqe, Sqe
from simuring.abi.limits import U32

if TYPE_CHECKING:
    from simuring.host.task import Task



def u32(value: int) -> int:
    """Wrap to an unsigned 32-bit counter."""
    return value & U32


class SharedRings:
    """The mapped ring memory of one io_uring instance."""

    __slots__ = (
        "sq_head",
        "sq_tail",
        "sq_mask",
        "sq_entries",
        "sq_flags",
        "sq_dropped",
        "sq_array",
        "sqes",
        "cq_head",
        "cq_tail",
        "cq_mask",
        "cq_entries",
        "cq_overflow",
        "cq_flags",
        "cqes",
        "on_sq_tail",
    )

    def __init__(self, sq_entries: int, cq_entries: int, start: int = 0) -> None:
        self.sq_entries = sq_entries
        self.sq_mask = sq_entries - 1
        self.cq_entries = cq_entries
        self.cq_mask = cq_entries - 1
        start = u32(start)
        self.sq_head = start
        self.sq_tail = start
        self.cq_head = start
        self.cq_tail = start
        self.sq_flags = 0
        self.sq_dropped = 0
        self.cq_overflow = 0
        self.cq_flags = 0
        self.sq_array = [0] * sq_entries
        self.sqes = [Sqe() for _ in range(sq_entries)]
        self.cqes = [IoUringCqe() for _ in range(cq_entries)]
        self.on_sq_tail: Callable[[Task], None] | None = None
        """Called with the publishing task after user space stores a new SQ tail
        (set by the ring's SQPOLL thread: it notices the store); None: nobody polls."""

    def cq_ready(self) -> int:
        """CQEs the application has not consumed yet (``io_cqring_events``)."""
        return (self.cq_tail - self.cq_head) & U32

    def sq_pending(self) -> int:
        """SQEs published by the application and not yet consumed by the kernel."""
        return (self.sq_tail - self.sq_head) & U32
