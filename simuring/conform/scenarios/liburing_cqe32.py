"""32-byte CQEs: the extra words of an IORING_SETUP_CQE32 ring's CQEs, and the mixed-size CQ of
IORING_SETUP_CQE_MIXED (a 32-byte CQE flagged IORING_CQE_F_32 takes two slots; one that would
straddle the ring's end is preceded by an IORING_CQE_F_SKIP padding entry).  Written afresh from
io_uring_setup(2), io_uring_prep_nop(3) and what liburing's tests nop, nop-all-sizes and
cq-peek-batch-mixed check."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    msg_ring,
    new_ring,
    new_ring_params,
    nop,
    reap,
    submit_and_reap,
)
from simuring.conform.scenarios.liburing_resize import dt_ring
from simuring.uapi import (
    IORING_CQE_F_32,
    IORING_CQE_F_SKIP,
    IORING_MSG_RING_FLAGS_PASS,
    IORING_NOP_CQE32,
    IORING_NOP_INJECT_RESULT,
    IORING_NOP_TW,
    IORING_SETUP_CQE32,
    IORING_SETUP_CQE_MIXED,
    IORING_SETUP_CQSIZE,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_SINGLE_ISSUER,
    IOSQE_ASYNC,
    SOCKET_URING_OP_GETSOCKOPT,
    SOCKET_URING_OP_SIOCINQ,
)

TAGS = ("liburing", "cqe32")
MIXED = IORING_SETUP_CQE_MIXED
SOL_SOCKET = 1
SO_TYPE = 3


def nop32(L: Any, ring: Any, user_data: int, extra1: int, extra2: int, nop_flags: int = 0, sqe_flags: int = 0) -> Any:
    """Queue a NOP with IORING_NOP_CQE32 (and ``nop_flags``): its CQE's extra words are ``off`` and
    ``addr`` (io_uring_prep_nop(3)); the SQE."""
    sqe = nop(L, ring, user_data, sqe_flags)
    sqe.nop_flags = IORING_NOP_CQE32 | nop_flags
    sqe.off = extra1
    sqe.addr = extra2
    return sqe


def reap_big(L: Any, ring: Any, n: int) -> Gen:
    """Wait for ``n`` completions one by one and consume each (recorded), recording its extra words
    (``big_cqe[0..1]``, as read from the ring: zeros for a 16-byte CQE of a mixed ring)."""
    cqe = L.Cqe()
    for _ in range(n):
        if (yield from L.io_uring_wait_cqe(ring, cqe)) < 0:
            return
        L.record(f"big {cqe[0].user_data}", list(cqe[0].big_cqe))
        L.io_uring_cqe_seen(ring, cqe[0])


def queue_plain(L: Any, ring: Any, n: int, first: int) -> Gen:
    """Submit ``n`` plain NOPs (user_data ``first``, ``first`` + 1, ...) and consume their CQEs with
    io_uring_cq_advance: they move the CQ's head and tail on."""
    yield from submit_nops(L, ring, range(first, first + n))
    L.io_uring_cq_advance(ring, n)


def big_then_small(L: Any, ring: Any) -> Gen:
    """Submit a NOP_CQE32 (user_data 1, extra words 0x11 and 0x12) and a plain NOP (user_data 2)
    together, and record the CQ slots then ready."""
    nop32(L, ring, 1, 0x11, 0x12)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    L.record("ready", L.io_uring_cq_ready(ring))


def submit_nops(L: Any, ring: Any, user_data: range) -> Gen:
    """Submit a plain NOP for each of ``user_data``, four SQEs at a time (the SQ of these rings is
    smaller than their CQ)."""
    for ud in user_data:
        nop(L, ring, ud)
        if L.io_uring_sq_ready(ring) == 4:
            yield from L.io_uring_submit(ring)
    yield from L.io_uring_submit(ring)


# -- IORING_SETUP_CQE32 ----------------------------------------------------------------------------
@scenario(
    "lc32-cqe32-nop-extra-words",
    tags=TAGS,
    expect={"big 2": [0x1122334455667788, 0x99AABBCCDDEEFF00], "big 1": [0, 0]},
)
def lc32_cqe32_nop_extra_words(L: Any) -> Gen:
    """A CQE32 ring (io_uring_setup(2)): every CQE is 32 bytes.  A plain NOP's extra words are zero; a
    NOP with IORING_NOP_CQE32 carries ``off`` and ``addr`` there (full 64 bits), with an injected
    result too, completed from task work (IORING_NOP_TW) or by io-wq (IOSQE_ASYNC) alike; no
    IORING_CQE_F_32 flag on a CQE32 ring.  A NOP_CQE32 with an unknown NOP flag fails at prep
    (-EINVAL) with zero extra words."""
    ring = yield from new_ring(L, 8, IORING_SETUP_CQE32)
    nop(L, ring, 1)
    nop32(L, ring, 2, 0x1122334455667788, 0x99AABBCCDDEEFF00)
    sqe = nop32(L, ring, 3, 7, 8, IORING_NOP_INJECT_RESULT)
    sqe.len = (1 << 32) - 5
    nop32(L, ring, 4, 9, 10, IORING_NOP_TW)
    nop32(L, ring, 6, 13, 14, 1 << 30)
    yield from L.io_uring_submit(ring)
    yield from reap_big(L, ring, 5)
    # on its own: an io-wq completion races the task-work one above (seen posted first under load)
    nop32(L, ring, 5, 11, 12, sqe_flags=IOSQE_ASYNC)
    yield from L.io_uring_submit(ring)
    yield from reap_big(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lc32-cqe32-slot-reuse", tags=TAGS)
def lc32_cqe32_slot_reuse(L: Any) -> Gen:
    """A CQE32 ring's slots are reused once consumed: a plain NOP or a MSG_RING message (an auxiliary
    CQE, io_fill_cqe_aux) posted into a slot that held a NOP_CQE32's extra words has zero extra words,
    not the old ones."""
    ring = yield from new_ring(L, 2, IORING_SETUP_CQE32)  # four CQ slots
    src = yield from new_ring(L, 4)
    for ud in range(1, 5):
        nop32(L, ring, ud, 0xA0 + ud, 0xB0 + ud)
        yield from L.io_uring_submit(ring)
    yield from reap_big(L, ring, 4)
    nop(L, ring, 5)
    yield from L.io_uring_submit(ring)
    msg_ring(L, src, ring.ring_fd, 5, 0x55, 9)
    yield from submit_and_reap(L, src, 1)
    yield from reap_big(L, ring, 2)
    yield from L.io_uring_queue_exit(src)
    yield from L.io_uring_queue_exit(ring)


@scenario("lc32-cqe32-overflow", tags=TAGS, expect={"overflow": True})
def lc32_cqe32_overflow(L: Any) -> Gen:
    """A full CQE32 ring: NOP_CQE32 CQEs that overflow keep their extra words on the overflow list and
    carry them into the CQ when it is flushed, in order."""
    ring = yield from new_ring(L, 2, IORING_SETUP_CQE32)  # four CQ slots
    for i in range(6):
        nop32(L, ring, i + 1, 100 + i, 200 + i)
        yield from L.io_uring_submit(ring)
    L.record("ready", L.io_uring_cq_ready(ring))
    L.record("overflow", L.io_uring_cq_has_overflow(ring))
    yield from reap_big(L, ring, 6)
    yield from L.io_uring_queue_exit(ring)


# -- IORING_SETUP_CQE_MIXED: setup -------------------------------------------------------------
@scenario("lc32-mixed-setup-sizes", tags=TAGS, expect={"CQSIZE 1": -75, "entries 1": [1, 2]})
def lc32_mixed_setup_sizes(L: Any) -> Gen:
    """io_uring_setup(2) with IORING_SETUP_CQE_MIXED: the CQ needs at least two slots (one 32-byte
    CQE), so a CQSIZE of 1 fails with -EOVERFLOW (rings_size); one SQ entry (two CQ slots by default),
    CQSIZE 2 and 3 (rounded up to 4) are fine."""
    for label, entries, flags, cq in (
        ("entries 1", 1, MIXED, 0),
        ("CQSIZE 1", 1, MIXED | IORING_SETUP_CQSIZE, 1),
        ("CQSIZE 2", 1, MIXED | IORING_SETUP_CQSIZE, 2),
        ("CQSIZE 3", 1, MIXED | IORING_SETUP_CQSIZE, 3),
    ):
        p = L.Params(flags=flags, cq_entries=cq)
        fd = yield from L.io_uring_setup(entries, p)
        L.record(label, [p.sq_entries, p.cq_entries] if fd >= 0 else fd)
        if fd >= 0:
            yield from L.close(fd)


# -- IORING_SETUP_CQE_MIXED: the CQ ----------------------------------------------------------------
@scenario(
    "lc32-mixed-two-slots",
    tags=TAGS,
    expect={"ready": 6, "big 2": [0x21, 0x22]},
)
def lc32_mixed_two_slots(L: Any) -> Gen:
    """A mixed ring: a plain NOP posts a 16-byte CQE (one slot, flags 0), a NOP_CQE32 a 32-byte one
    flagged IORING_CQE_F_32 (two slots, io_uring_cq_ready counts slots), its extra words ``off`` and
    ``addr``, with an injected error as well; io_uring_cqe_seen consumes two slots for it."""
    ring = yield from new_ring(L, 8, MIXED)
    nop(L, ring, 1)
    nop32(L, ring, 2, 0x21, 0x22)
    sqe = nop32(L, ring, 3, 0x31, 0x32, IORING_NOP_INJECT_RESULT)
    sqe.len = (1 << 32) - 22
    nop(L, ring, 4)
    yield from L.io_uring_submit(ring)
    L.record("ready", L.io_uring_cq_ready(ring))
    yield from reap_big(L, ring, 4)
    L.record("ready after", L.io_uring_cq_ready(ring))
    yield from L.io_uring_queue_exit(ring)


@scenario("lc32-mixed-wrap-padding", tags=TAGS, expect={"ready": 4})
def lc32_mixed_wrap_padding(L: Any) -> Gen:
    """A mixed ring of 16 slots whose tail is at the last slot: a NOP_CQE32 cannot straddle the end, so
    the kernel fills the last slot with a padding entry (IORING_CQE_F_SKIP) and the CQE starts at slot
    0: the CQ holds four slots (padding, two halves, a following NOP's); liburing's peek skips the
    padding, the CQEs come out in order with their extra words."""
    ring = yield from new_ring(L, 8, MIXED)
    yield from queue_plain(L, ring, 15, 100)
    yield from big_then_small(L, ring)
    yield from reap_big(L, ring, 2)
    L.record("ready after", L.io_uring_cq_ready(ring))
    yield from L.io_uring_queue_exit(ring)


@scenario("lc32-mixed-wrap-exact", tags=TAGS)
def lc32_mixed_wrap_exact(L: Any) -> Gen:
    """A mixed ring of 16 slots whose tail is two slots before the end: a NOP_CQE32 fits there
    exactly, no padding; the next CQE wraps to slot 0."""
    ring = yield from new_ring(L, 8, MIXED)
    yield from queue_plain(L, ring, 14, 100)
    yield from big_then_small(L, ring)
    yield from reap_big(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lc32-mixed-overflow-after-padding", tags=TAGS, expect={"ready": 17, "overflow": True})
def lc32_mixed_overflow_after_padding(L: Any) -> Gen:
    """A mixed ring of 16 slots holding 15 CQEs, its tail at the last slot: a NOP_CQE32 gets the
    padding entry (the last free slot), then finds no room and overflows.  Linux 6.18.44 then writes
    the plain NOP behind it over the padding entry (the kernel's cached slot range still held that
    slot, io_cqe_cache_refill) and moves the tail on: 17 slots ready in a CQ of 16.  Consuming 17
    CQEs reads the 15, the NOP, and slot 0 once more (its old CQE); the overflowed CQE waits."""
    ring = yield from new_ring(L, 8, MIXED)
    yield from submit_nops(L, ring, range(100, 115))
    yield from big_then_small(L, ring)
    L.record("overflow", L.io_uring_cq_has_overflow(ring))
    yield from reap_big(L, ring, 17)
    L.record("overflow after", L.io_uring_cq_has_overflow(ring))
    yield from L.io_uring_queue_exit(ring)


@scenario("lc32-mixed-overflow-one-free", tags=TAGS, expect={"ready": 16, "overflow": True})
def lc32_mixed_overflow_one_free(L: Any) -> Gen:
    """A mixed ring of 16 slots holding 15 CQEs with its one free slot inside the ring (not at the
    end): a NOP_CQE32 needs two and overflows without padding; the plain NOP behind it still takes
    the free slot (the kernel's cached slot range had it: no overflow check, io_get_cqe_overflow),
    ahead of the overflowed CQE, which the flush brings in once the CQ is consumed."""
    ring = yield from new_ring(L, 8, MIXED)
    yield from queue_plain(L, ring, 4, 100)
    yield from submit_nops(L, ring, range(200, 215))
    yield from big_then_small(L, ring)
    L.record("overflow", L.io_uring_cq_has_overflow(ring))
    yield from reap_big(L, ring, 17)
    yield from L.io_uring_queue_exit(ring)


@scenario("lc32-mixed-wait-counts-slots", tags=TAGS, expect={"submit_and_wait": 1, "ready": 2})
def lc32_mixed_wait_counts_slots(L: Any) -> Gen:
    """io_uring_enter(2)'s min_complete counts CQ slots: on a mixed ring one NOP_CQE32 (two slots)
    satisfies a wait for two completions."""
    ring = yield from new_ring(L, 8, MIXED)
    nop32(L, ring, 1, 1, 2)
    L.record("submit_and_wait", (yield from L.io_uring_submit_and_wait(ring, 2)))
    L.record("ready", L.io_uring_cq_ready(ring))
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lc32-mixed-defer-taskrun", tags=TAGS)
def lc32_mixed_defer_taskrun(L: Any) -> Gen:
    """A mixed DEFER_TASKRUN ring: a NOP_CQE32 completed from task work (IORING_NOP_TW) posts nothing
    until the next GETEVENTS, then its 32-byte CQE (two slots) with its extra words."""
    ring = yield from new_ring(L, 8, MIXED | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN)
    nop32(L, ring, 1, 0x41, 0x42, IORING_NOP_TW)
    nop(L, ring, 2)
    yield from L.io_uring_submit(ring)
    L.record("ready before", L.io_uring_cq_ready(ring))
    yield from L.io_uring_get_events(ring)
    L.record("ready", L.io_uring_cq_ready(ring))
    yield from reap_big(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lc32-mixed-msg-ring", tags=TAGS)
def lc32_mixed_msg_ring(L: Any) -> Gen:
    """MSG_RING to a mixed ring posts a 16-byte CQE (one slot); with IORING_MSG_RING_FLAGS_PASS and
    IORING_CQE_F_32 among the passed flags the target CQE is a 32-byte one (two slots) with zero
    extra words; to a CQE32 ring the message's extra words are zero."""
    src = yield from new_ring(L, 4)
    for label, flags in (("mixed", MIXED), ("CQE32", IORING_SETUP_CQE32)):
        target = yield from new_ring(L, 4, flags)
        msg_ring(L, src, target.ring_fd, 1, 0x10, 1)
        sqe = L.io_uring_get_sqe(src)
        L.io_uring_prep_msg_ring_cqe_flags(sqe, target.ring_fd, 2, 0x20, IORING_MSG_RING_FLAGS_PASS, IORING_CQE_F_32 | 0x10000)
        L.io_uring_sqe_set_data64(sqe, 2)
        yield from submit_and_reap(L, src, 2)
        L.record(f"{label} ready", L.io_uring_cq_ready(target))
        yield from reap_big(L, target, 2)
        yield from L.io_uring_queue_exit(target)
    yield from L.io_uring_queue_exit(src)


@scenario("lc32-mixed-peek-batch", tags=TAGS, expect={"batch 1": 4, "batch 2": 9, "batch 3": 2})
def lc32_mixed_peek_batch(L: Any) -> Gen:
    """liburing's cq-peek-batch-mixed: on a mixed ring of 16 slots io_uring_peek_batch_cqe counts CQEs,
    not slots (16- and 32-byte alike), and the caller advances the CQ by their slots
    (io_uring_cqe_nr).  With a padding entry further on the batch stops before it; the next batch
    hides the padding and returns the wrapped 32-byte CQE and the one after it."""
    ring = yield from new_ring(L, 8, MIXED)
    nop(L, ring, 1)
    nop32(L, ring, 2, 0x21, 0x22)
    nop(L, ring, 3)
    nop32(L, ring, 4, 0x41, 0x42)
    yield from L.io_uring_submit(ring)
    yield from _batch(L, ring, "batch 1")
    yield from submit_nops(L, ring, range(10, 19))
    nop32(L, ring, 20, 0x201, 0x202)
    nop(L, ring, 21)
    yield from L.io_uring_submit(ring)
    L.record("ready", L.io_uring_cq_ready(ring))
    yield from _batch(L, ring, "batch 2")
    yield from _batch(L, ring, "batch 3")
    L.record("ready after", L.io_uring_cq_ready(ring))
    yield from L.io_uring_queue_exit(ring)


def _batch(L: Any, ring: Any, label: str) -> Gen:
    """One io_uring_peek_batch_cqe of up to 16 CQEs: record how many, each one's extra words, and
    consume them (recorded) by advancing the CQ by their slots."""
    cqes = L.Cqe(16)
    got = L.io_uring_peek_batch_cqe(ring, cqes, 16)
    L.record(label, got)
    L.record(f"{label} big", [list(c.big_cqe) for c in cqes[:got]])
    L.io_uring_cq_advance(ring, sum(2 if c.flags & IORING_CQE_F_32 else 1 for c in cqes[:got]))
    yield from L.io_uring_get_events(ring)


@scenario("lc32-mixed-params", tags=TAGS)
def lc32_mixed_params(L: Any) -> Gen:
    """io_uring_queue_init_params with IORING_SETUP_CQE_MIXED: the ring keeps the flag and its CQ
    entries (slots of 16 bytes) are twice the SQ entries, as on any ring."""
    ret, ring, p = yield from new_ring_params(L, 4, MIXED)
    L.record("params", [p.sq_entries, p.cq_entries, p.flags])
    if ret == 0:
        yield from L.io_uring_queue_exit(ring)


@scenario("lc32-passed-skip-flag", tags=TAGS, expect={"ready": 2, "peek": 0, "ready after": 0})
def lc32_passed_skip_flag(L: Any) -> Gen:
    """liburing skips any CQE flagged IORING_CQE_F_SKIP, on any ring (io_uring_skip_cqe reads only
    the CQE): a MSG_RING that passes F_SKIP among its flags (IORING_MSG_RING_FLAGS_PASS) to a plain
    ring posts a CQE that io_uring_peek_cqe consumes without returning it, then returns the next."""
    src = yield from new_ring(L, 4)
    target = yield from new_ring(L, 4)
    sqe = L.io_uring_get_sqe(src)
    L.io_uring_prep_msg_ring_cqe_flags(sqe, target.ring_fd, 1, 0x10, IORING_MSG_RING_FLAGS_PASS, IORING_CQE_F_SKIP)
    L.io_uring_sqe_set_data64(sqe, 1)
    msg_ring(L, src, target.ring_fd, 2, 0x20, 2)
    yield from submit_and_reap(L, src, 2)
    L.record("ready", L.io_uring_cq_ready(target))
    cqe = L.Cqe()
    L.record("peek", L.io_uring_peek_cqe(target, cqe))
    L.io_uring_cqe_seen(target, cqe[0])
    L.record("ready after", L.io_uring_cq_ready(target))
    yield from L.io_uring_queue_exit(src)
    yield from L.io_uring_queue_exit(target)


@scenario("lc32-uring-cmd-socket", tags=(*TAGS, "sockx"))
def lc32_uring_cmd_socket(L: Any) -> Gen:
    """URING_CMD on a socket (io_uring_prep_cmd_sock(3): SIOCINQ and GETSOCKOPT SO_TYPE on an AF_UNIX
    stream socket) through a CQE32 ring and a mixed ring: the socket commands set no extra words, so
    the CQE32 ring's CQEs carry zeros, and the mixed ring's are 16-byte ones (no IORING_CQE_F_32)."""
    sv = [0, 0]
    yield from L.socketpair(L.AF_UNIX, L.SOCK_STREAM, 0, sv)
    for label, flags in (("CQE32", IORING_SETUP_CQE32), ("mixed", MIXED)):
        ring = yield from new_ring(L, 4, flags)
        for ud, op, optname in ((1, SOCKET_URING_OP_SIOCINQ, 0), (2, SOCKET_URING_OP_GETSOCKOPT, SO_TYPE)):
            sqe = L.io_uring_get_sqe(ring)
            L.io_uring_prep_cmd_sock(sqe, op, sv[0], SOL_SOCKET, optname, bytearray(4), 4)
            L.io_uring_sqe_set_data64(sqe, ud)
        yield from L.io_uring_submit(ring)
        L.record(f"{label} ready", L.io_uring_cq_ready(ring))
        yield from reap_big(L, ring, 2)
        yield from L.io_uring_queue_exit(ring)
    for fd in sv:
        yield from L.close(fd)


@scenario("lc32-mixed-resize", tags=(*TAGS, "resize"), expect={"grow": [0, 4, 8], "one slot": [-75, 1, 1]})
def lc32_mixed_resize(L: Any) -> Gen:
    """io_uring_resize_rings(3) on a mixed DEFER_TASKRUN ring: the pending slots (a 32-byte CQE's two
    with its extra words, a 16-byte one) move to the new CQ and read back the same; CQEs posted after
    the resize go to the new CQ; a CQ of one slot is refused (-EOVERFLOW, rings_size)."""
    ring = yield from dt_ring(L, 2, MIXED)  # 4 CQ slots
    nop32(L, ring, 1, 0x11, 0x12)
    nop(L, ring, 2)
    yield from L.io_uring_submit_and_get_events(ring)
    L.record("ready", L.io_uring_cq_ready(ring))
    p = L.Params(sq_entries=4, cq_entries=0, flags=0)
    ret = yield from L.io_uring_resize_rings(ring, p)
    L.record("grow", [ret, p.sq_entries, p.cq_entries])
    nop32(L, ring, 3, 0x31, 0x32)
    yield from L.io_uring_submit_and_get_events(ring)
    L.record("ready after", L.io_uring_cq_ready(ring))
    yield from reap_big(L, ring, 3)
    p = L.Params(sq_entries=1, cq_entries=1, flags=IORING_SETUP_CQSIZE)
    ret = yield from L.io_uring_resize_rings(ring, p)
    L.record("one slot", [ret, p.sq_entries, p.cq_entries])
    yield from L.io_uring_queue_exit(ring)
