"""IOSQE_IO_LINK, IOSQE_IO_HARDLINK, IOSQE_IO_DRAIN and IOSQE_CQE_SKIP_SUCCESS (io_uring_enter(2))."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import Gen, new_ring, nop, reap, reap_ready
from simuring.uapi import (
    IORING_NOP_INJECT_RESULT,
    IOSQE_CQE_SKIP_SUCCESS,
    IOSQE_IO_DRAIN,
    IOSQE_IO_HARDLINK,
    IOSQE_IO_LINK,
)

EIO = 5


def failing_nop(L: Any, ring: Any, user_data: int, flags: int = 0, res: int = -EIO) -> Any:
    """A NOP that completes with ``res`` (IORING_NOP_INJECT_RESULT)."""
    sqe = nop(L, ring, user_data, flags)
    sqe.nop_flags = IORING_NOP_INJECT_RESULT
    sqe.len = res & 0xFFFF_FFFF
    return sqe


def bad_nop(L: Any, ring: Any, user_data: int, flags: int = 0) -> Any:
    """A NOP whose prep fails (unknown NOP flags: -EINVAL at submission)."""
    sqe = nop(L, ring, user_data, flags)
    sqe.nop_flags = 1 << 20
    return sqe


@scenario("link-chain-success", tags=("links",))
def link_chain_success(L: Any) -> Gen:
    """IOSQE_IO_LINK: a chain of three NOPs completes in order, each with 0."""
    ring = yield from new_ring(L, 8)
    nop(L, ring, 1, IOSQE_IO_LINK)
    nop(L, ring, 2, IOSQE_IO_LINK)
    nop(L, ring, 3)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("link-failure-cancels-rest", tags=("links",))
def link_failure_cancels_rest(L: Any) -> Gen:
    """IOSQE_IO_LINK: when a member fails (-EIO), the members after it complete with -ECANCELED
    without running, in chain order."""
    ring = yield from new_ring(L, 8)
    nop(L, ring, 1, IOSQE_IO_LINK)
    failing_nop(L, ring, 2, IOSQE_IO_LINK)
    nop(L, ring, 3, IOSQE_IO_LINK)
    nop(L, ring, 4)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 4)
    yield from L.io_uring_queue_exit(ring)


@scenario("link-bad-fd-cancels-rest", tags=("links",))
def link_bad_fd_cancels_rest(L: Any) -> Gen:
    """IOSQE_IO_LINK: a READ on a descriptor that is not open fails with -EBADF and the linked NOP
    is cancelled (-ECANCELED)."""
    ring = yield from new_ring(L, 8)
    sqe = L.io_uring_get_sqe(ring)
    buf = bytearray(8)
    L.io_uring_prep_read(sqe, 100_000, buf, 8, 0)
    L.io_uring_sqe_set_data64(sqe, 1)
    L.io_uring_sqe_set_flags(sqe, IOSQE_IO_LINK)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("link-prep-failure", tags=("links",))
def link_prep_failure(L: Any) -> Gen:
    """IOSQE_IO_LINK: a member that fails at submission (bad NOP flags) fails the whole chain: it gets
    -EINVAL and the other members -ECANCELED; none of them runs."""
    ring = yield from new_ring(L, 8)
    nop(L, ring, 1, IOSQE_IO_LINK)
    bad_nop(L, ring, 2, IOSQE_IO_LINK)
    nop(L, ring, 3)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 3)
    L.record("leftover", reap_ready(L, ring))
    yield from L.io_uring_queue_exit(ring)


@scenario("hardlink-continues", tags=("links",))
def hardlink_continues(L: Any) -> Gen:
    """IOSQE_IO_HARDLINK: a failing member (-EIO) does not break the chain; the next member runs (0)."""
    ring = yield from new_ring(L, 8)
    failing_nop(L, ring, 1, IOSQE_IO_HARDLINK)
    nop(L, ring, 2, IOSQE_IO_HARDLINK)
    nop(L, ring, 3)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("hardlink-prep-failure", tags=("links",))
def hardlink_prep_failure(L: Any) -> Gen:
    """IOSQE_IO_HARDLINK: a failure at submission (bad NOP flags) is not a completion failure, so even
    a hard link chain is failed as a whole: the failing member gets -EINVAL, the others -ECANCELED."""
    ring = yield from new_ring(L, 8)
    nop(L, ring, 1, IOSQE_IO_HARDLINK)
    bad_nop(L, ring, 2, IOSQE_IO_HARDLINK)
    nop(L, ring, 3)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 3)
    L.record("leftover", reap_ready(L, ring))
    yield from L.io_uring_queue_exit(ring)


@scenario("hardlink-prep-failure-closing", tags=("links",))
def hardlink_prep_failure_closing(L: Any) -> Gen:
    """IOSQE_IO_HARDLINK: the member that closes the chain fails at submission (bad NOP flags); no
    member runs: the two before it get -ECANCELED, it gets -EINVAL."""
    ring = yield from new_ring(L, 8)
    nop(L, ring, 1, IOSQE_IO_HARDLINK)
    nop(L, ring, 2, IOSQE_IO_HARDLINK)
    bad_nop(L, ring, 3)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 3)
    L.record("leftover", reap_ready(L, ring))
    yield from L.io_uring_queue_exit(ring)


@scenario("link-unterminated-at-batch-end", tags=("links",))
def link_unterminated_at_batch_end(L: Any) -> Gen:
    """IOSQE_IO_LINK on the last SQE of a submission: the chain ends with the batch and runs (0, 0)."""
    ring = yield from new_ring(L, 8)
    nop(L, ring, 1, IOSQE_IO_LINK)
    nop(L, ring, 2, IOSQE_IO_LINK)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("drain-waits-for-earlier", tags=("drain",))
def drain_waits_for_earlier(L: Any) -> Gen:
    """IOSQE_IO_DRAIN: a drained NOP does not start before the earlier timeout (200 ms) completed, and
    the NOP submitted after it waits for it: CQEs come timeout, drained NOP, later NOP."""
    ring = yield from new_ring(L, 8)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_timeout(sqe, L.Timespec(0, 200_000_000), 0, 0)
    L.io_uring_sqe_set_data64(sqe, 1)
    nop(L, ring, 2, IOSQE_IO_DRAIN)
    nop(L, ring, 3)
    yield from L.io_uring_submit(ring)
    L.record("ready right after submit", L.io_uring_cq_ready(ring))
    yield from reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("drain-nothing-pending", tags=("drain",))
def drain_nothing_pending(L: Any) -> Gen:
    """IOSQE_IO_DRAIN with nothing in flight: NOP, drained NOP, NOP in one batch complete in order."""
    ring = yield from new_ring(L, 8)
    nop(L, ring, 1)
    nop(L, ring, 2, IOSQE_IO_DRAIN)
    nop(L, ring, 3)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("cqe-skip-success", tags=("skip",), expect={"leftover": 0})
def cqe_skip_success(L: Any) -> Gen:
    """IOSQE_CQE_SKIP_SUCCESS: a successful NOP posts no CQE, a failing one (-EIO) still does;
    a plain NOP posts as usual."""
    ring = yield from new_ring(L, 8)
    nop(L, ring, 1, IOSQE_CQE_SKIP_SUCCESS)
    nop(L, ring, 2)
    failing_nop(L, ring, 3, IOSQE_CQE_SKIP_SUCCESS)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    L.record("leftover", reap_ready(L, ring))
    yield from L.io_uring_queue_exit(ring)


@scenario("link-skip-success", tags=("skip", "links"), expect={"leftover": 0})
def link_skip_success(L: Any) -> Gen:
    """IOSQE_CQE_SKIP_SUCCESS in a chain: the skipped head posts nothing, the linked NOP posts 0."""
    ring = yield from new_ring(L, 8)
    nop(L, ring, 1, IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    L.record("leftover", reap_ready(L, ring))
    yield from L.io_uring_queue_exit(ring)


@scenario("drain-mode-ends", tags=("drain",), expect={"ready after second submit": 1})
def drain_mode_ends(L: Any) -> Gen:
    """IOSQE_IO_DRAIN applies to what was submitted before it: once the drained NOP ran, a later NOP
    is not held behind a later, still pending 200 ms timeout (it completes at once, the timeout
    expires after it)."""
    ring = yield from new_ring(L, 8)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_timeout(sqe, L.Timespec(0, 1_000_000), 0, 0)
    L.io_uring_sqe_set_data64(sqe, 1)
    nop(L, ring, 2, IOSQE_IO_DRAIN)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_timeout(sqe, L.Timespec(0, 200_000_000), 0, 0)
    L.io_uring_sqe_set_data64(sqe, 3)
    nop(L, ring, 4)
    yield from L.io_uring_submit(ring)
    L.record("ready after second submit", L.io_uring_cq_ready(ring))
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("drain-mode-holds-until-idle", tags=("drain",), expect={"ready after second submit": 0})
def drain_mode_holds_until_idle(L: Any) -> Gen:
    """Drain mode outlives the drained request: after a drained NOP, a 100 ms timeout submitted in the
    same batch is queued behind it and is still in flight when drain mode is next looked at, so a
    plain NOP submitted later waits until nothing else is in flight: it completes after the timeout
    (io_drain_req releases the first deferred request only when every live request is deferred)."""
    ring = yield from new_ring(L, 8)
    nop(L, ring, 1, IOSQE_IO_DRAIN)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_timeout(sqe, L.Timespec(0, 100_000_000), 0, 0)
    L.io_uring_sqe_set_data64(sqe, 2)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    nop(L, ring, 3)
    yield from L.io_uring_submit(ring)
    L.record("ready after second submit", L.io_uring_cq_ready(ring))
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("drain-mode-ends-when-idle", tags=("drain",), expect={"ready after second submit": 1})
def drain_mode_ends_when_idle(L: Any) -> Gen:
    """Drain mode ends when a plain request finds nothing to wait for: after a drained NOP completed,
    a 100 ms timeout is released at once and switches drain mode off, so the NOP submitted after it
    in the same batch completes at once, before the timeout."""
    ring = yield from new_ring(L, 8)
    nop(L, ring, 1, IOSQE_IO_DRAIN)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 1)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_timeout(sqe, L.Timespec(0, 100_000_000), 0, 0)
    L.io_uring_sqe_set_data64(sqe, 2)
    nop(L, ring, 3)
    yield from L.io_uring_submit(ring)
    L.record("ready after second submit", L.io_uring_cq_ready(ring))
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)
