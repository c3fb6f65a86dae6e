"""IORING_REGISTER_RESIZE_RINGS and io_uring_resize_rings(3) (``lrz-*``), written in our own words
from what liburing's test/resize-rings.c checks: which rings may resize, the params' checks and
the sizes written back, the SQEs and CQEs carried over to the new rings (or -EOVERFLOW when they do
not fit), and submitting and reaping through the new mappings afterwards."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import (
    Gen,
    new_ring_params,
    nop,
    reap,
    reap_ready,
    submit_and_reap,
)
from simuring.uapi import (
    IORING_MAX_CQ_ENTRIES,
    IORING_MAX_ENTRIES,
    IORING_REGISTER_RESIZE_RINGS,
    IORING_SETUP_CLAMP,
    IORING_SETUP_COOP_TASKRUN,
    IORING_SETUP_CQSIZE,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_NO_SQARRAY,
    IORING_SETUP_SINGLE_ISSUER,
    IORING_SETUP_SQPOLL,
    IORING_SQ_CQ_OVERFLOW,
)

TAGS = ("liburing", "resize")

DT = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN
"""The setup flags of a ring that may resize."""


def dt_ring(L: Any, entries: int, flags: int = 0, **fields: Any) -> Gen:
    """A SINGLE_ISSUER | DEFER_TASKRUN ring (and ``flags``, ``fields``); None if setup failed."""
    ret, ring, _ = yield from new_ring_params(L, entries, DT | flags, **fields)
    return ring if ret == 0 else None


def resize(L: Any, ring: Any, label: str, sq: Any, cq: Any = 0, flags: int = 0, **fields: Any) -> Gen:
    """io_uring_resize_rings(3) with a Params of ``sq``, ``cq``, ``flags`` and ``fields``; records
    ``label``: the result and the params as the call left them [sq_entries, cq_entries, flags]."""
    p = L.Params(sq_entries=sq, cq_entries=cq, flags=flags)
    for name, value in fields.items():
        setattr(p, name, value)
    ret = yield from L.io_uring_resize_rings(ring, p)
    L.record(label, [ret, p.sq_entries, p.cq_entries, p.flags])
    return ret


def post_nops(L: Any, ring: Any, first: int, n: int) -> Gen:
    """Submit ``n`` NOPs (user_data ``first``, ``first + 1``, ...) without reaping them."""
    for i in range(n):
        nop(L, ring, first + i)
    yield from L.io_uring_submit(ring)


def stall_sq(L: Any, ring: Any, n: int) -> Gen:
    """Leave ``n`` SQEs published and not consumed in the SQ: an SQE with an unknown opcode first
    (it fails, -EINVAL in its CQE) and ``n`` NOPs (user_data 101, 102, ...) behind it, where
    io_uring_enter(2) stops without IORING_SETUP_SUBMIT_ALL."""
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_nop(sqe)
    sqe.opcode = 0xFE
    L.io_uring_sqe_set_data64(sqe, 100)
    for i in range(n):
        nop(L, ring, 101 + i)
    L.record("stalled submit", (yield from L.io_uring_submit(ring)))
    L.record("sq ready", L.io_uring_sq_ready(ring))


def resize_cases(L: Any, cases: list[tuple[Any, ...]], after: int = 2) -> Gen:
    """On a fresh ring of 4, one :func:`resize` per case ``(label, sq, cq, flags[, fields])``; then
    ``after`` NOPs go through the ring as it was left."""
    ring = yield from dt_ring(L, 4)
    if ring is None:
        return
    for label, sq, cq, flags, *fields in cases:
        yield from resize(L, ring, label, sq, cq, flags, **(fields[0] if fields else {}))
    yield from post_nops(L, ring, 1, after)
    yield from reap(L, ring, after)
    yield from L.io_uring_queue_exit(ring)


def resize_pending(L: Any, ring: Any, batches: tuple[int, ...], new_sq: int) -> Gen:
    """Submit batches of NOPs (user_data 1, 2, ... across them) without reaping, resize the SQ to
    ``new_sq`` and record how many CQEs are ready after."""
    first = 1
    for n in batches:
        yield from post_nops(L, ring, first, n)
        first += n
    yield from resize(L, ring, "resize", new_sq)
    L.record("ready after", L.io_uring_cq_ready(ring))


def resize_stalled(L: Any, entries: int, stalled: int, new_sq: int) -> Gen:
    """On a ring of ``entries``, leave ``stalled`` SQEs in the SQ (:func:`stall_sq`), resize the SQ to
    ``new_sq``, then submit what the SQ holds and reap every completion."""
    ring = yield from dt_ring(L, entries)
    if ring is None:
        return
    yield from stall_sq(L, ring, stalled)
    yield from resize(L, ring, "resize", new_sq)
    L.record("submit", (yield from L.io_uring_submit(ring)))
    yield from reap(L, ring, stalled + 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrz-grow", tags=TAGS, expect={"resize": [0, 16, 32, 0], "space": 16})
def lrz_grow(L: Any) -> Gen:
    """A DEFER_TASKRUN ring of 4 entries grows to 16 (the CQ to twice that): the params come back
    with the new sizes and flags cleared by liburing, the SQ has room for 16 SQEs, and 16 NOPs
    submitted at once complete in order."""
    ring = yield from dt_ring(L, 4)
    if ring is None:
        return
    nop(L, ring, 1)
    yield from submit_and_reap(L, ring, 1)
    yield from resize(L, ring, "resize", 16)
    L.record("space", L.io_uring_sq_space_left(ring))
    for i in range(16):
        nop(L, ring, 10 + i)
    L.record("submit", (yield from L.io_uring_submit(ring)))
    yield from reap(L, ring, 16)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrz-shrink", tags=TAGS, expect={"resize": [0, 2, 4, 0], "third sqe": True})
def lrz_shrink(L: Any) -> Gen:
    """A ring of 16 shrinks to 2 (CQ 4): a third SQE cannot be had until the first two are
    submitted; the ring goes on working, its CQ counters wrapping the smaller mask."""
    ring = yield from dt_ring(L, 16)
    if ring is None:
        return
    yield from resize(L, ring, "resize", 2)
    nop(L, ring, 1)
    nop(L, ring, 2)
    L.record("third sqe", L.io_uring_get_sqe(ring) is None)
    yield from submit_and_reap(L, ring, 2)
    for round_ in range(3):
        yield from post_nops(L, ring, 10 * round_ + 10, 2)
        yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrz-cqes-grow", tags=TAGS, expect={"ready after": 6})
def lrz_cqes_grow(L: Any) -> Gen:
    """Six CQEs posted and not reaped on a ring of 4 (CQ 8) are carried to the new CQ of 64, in
    order; new completions are posted after them."""
    ring = yield from dt_ring(L, 4)
    if ring is None:
        return
    yield from resize_pending(L, ring, (4, 2), 32)
    yield from post_nops(L, ring, 7, 3)
    yield from reap(L, ring, 9)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrz-cqes-shrink-fit", tags=TAGS, expect={"resize": [0, 2, 4, 0], "ready after": 3})
def lrz_cqes_shrink_fit(L: Any) -> Gen:
    """After 13 completions reaped and 3 left, the CQ counters stand past the new ring's size; the
    3 CQEs go to the CQ of 4 at their counters masked by the new size and are reaped in order."""
    ring = yield from dt_ring(L, 8)
    if ring is None:
        return
    for base in (1, 6):
        yield from post_nops(L, ring, base, 5)
        yield from reap(L, ring, 5)
    yield from post_nops(L, ring, 20, 3)
    yield from resize(L, ring, "resize", 2)
    L.record("ready after", L.io_uring_cq_ready(ring))
    yield from reap(L, ring, 3)
    yield from post_nops(L, ring, 30, 2)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrz-cq-overflow", tags=TAGS, expect={"resize": [-75, 2, 4, 0], "ready after": 10})
def lrz_cq_overflow(L: Any) -> Gen:
    """Ten CQEs not reaped do not fit a CQ of 4: -EOVERFLOW, the old rings stay (all ten still
    there and reaped in order, the SQ as large as before), though the kernel already wrote the new
    sizes into the params."""
    ring = yield from dt_ring(L, 8)
    if ring is None:
        return
    yield from resize_pending(L, ring, (8, 2), 2)
    L.record("space", L.io_uring_sq_space_left(ring))
    yield from reap(L, ring, 10)
    yield from post_nops(L, ring, 20, 8)
    yield from reap(L, ring, 8)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrz-cq-exact-fit", tags=TAGS, expect={"resize": [0, 2, 4, 0], "ready after": 4})
def lrz_cq_exact_fit(L: Any) -> Gen:
    """Exactly as many CQEs as the new CQ holds (4 into 4) fit: the resize succeeds and the CQ is
    full; the next completion goes to the overflow list and comes out after the four."""
    ring = yield from dt_ring(L, 4)
    if ring is None:
        return
    yield from resize_pending(L, ring, (4,), 2)
    yield from post_nops(L, ring, 5, 1)
    L.record("has overflow", L.io_uring_cq_has_overflow(ring))
    yield from reap(L, ring, 5)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrz-sqes-carried", tags=TAGS, expect={"sq ready": 2, "resize": [0, 16, 32, 0]})
def lrz_sqes_carried(L: Any) -> Gen:
    """SQEs published and not consumed (io_uring_enter stopped at a failing SQE) are copied to the
    new SQ: the next submit issues them, in order."""
    yield from resize_stalled(L, 4, 2, 16)


@scenario("lrz-sq-overflow", tags=TAGS, expect={"resize": [-75, 2, 4, 0]})
def lrz_sq_overflow(L: Any) -> Gen:
    """Three SQEs waiting in the SQ do not fit an SQ of 2: -EOVERFLOW (the SQ is checked before the
    CQ), and they are still submitted from the old ring afterwards."""
    yield from resize_stalled(L, 8, 3, 2)


@scenario("lrz-unsubmitted-sqe", tags=TAGS, expect={"resize": [0, 8, 16, 0]})
def lrz_unsubmitted_sqe(L: Any) -> Gen:
    """An SQE prepared but not submitted (its tail not published) is not carried: it was written
    to the old SQE array, so the slot liburing submits after the resize is the new ring's, zeroed
    (a NOP with user_data 0)."""
    ring = yield from dt_ring(L, 4)
    if ring is None:
        return
    nop(L, ring, 7)
    yield from resize(L, ring, "resize", 8)
    L.record("submit", (yield from L.io_uring_submit(ring)))
    yield from reap(L, ring, 1)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrz-overflow-list", tags=TAGS, expect={"sq overflow flag": True})
def lrz_overflow_list(L: Any) -> Gen:
    """CQEs on the overflow list stay with the ring through a resize: the SQ's CQ_OVERFLOW flag
    carries over, and reaping takes the 4 CQEs of the ring then the 2 overflowed, in order."""
    ring = yield from dt_ring(L, 2)
    if ring is None:
        return
    yield from post_nops(L, ring, 1, 2)
    yield from post_nops(L, ring, 3, 2)
    yield from post_nops(L, ring, 5, 2)
    yield from resize(L, ring, "resize", 8)
    L.record("sq overflow flag", bool(L.sq_kflags(ring) & IORING_SQ_CQ_OVERFLOW))
    L.record("ready", L.io_uring_cq_ready(ring))
    yield from reap(L, ring, 6)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrz-twice", tags=TAGS)
def lrz_twice(L: Any) -> Gen:
    """Grow then shrink with CQEs pending each time: both carry them over, and the ring keeps
    completing in order through the second set of mappings."""
    ring = yield from dt_ring(L, 4)
    if ring is None:
        return
    yield from post_nops(L, ring, 1, 3)
    yield from resize(L, ring, "grow", 64)
    yield from post_nops(L, ring, 4, 20)
    L.record("ready", reap_ready(L, ring))
    yield from post_nops(L, ring, 30, 2)
    yield from resize(L, ring, "shrink", 1)
    yield from post_nops(L, ring, 40, 1)
    yield from reap(L, ring, 3)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrz-same-size", tags=TAGS, expect={"resize": [0, 4, 8, 0], "ready after": 2})
def lrz_same_size(L: Any) -> Gen:
    """A resize to the sizes the ring has succeeds and changes nothing: the CQEs waiting stay."""
    ring = yield from dt_ring(L, 4)
    if ring is None:
        return
    yield from post_nops(L, ring, 1, 2)
    yield from resize(L, ring, "resize", 3)
    L.record("ready after", L.io_uring_cq_ready(ring))
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrz-cqsize", tags=TAGS, expect={"cq 100": [0, 4, 128, 0], "cq below sq": [-22, 8, 4, 0], "cq 0": [-22, 4, 0, 0]})
def lrz_cqsize(L: Any) -> Gen:
    """IORING_SETUP_CQSIZE sizes the CQ from cq_entries, rounded up to a power of two (100: 128); a
    CQ smaller than the SQ, or of 0 entries, is -EINVAL (the params untouched)."""
    yield from resize_cases(
        L,
        [
            ("cq 100", 4, 100, IORING_SETUP_CQSIZE),
            ("cq below sq", 8, 4, IORING_SETUP_CQSIZE),
            ("cq 0", 4, 0, IORING_SETUP_CQSIZE),
        ],
        after=4,
    )


@scenario(
    "lrz-clamp",
    tags=TAGS,
    expect={"sq huge": [-22, IORING_MAX_ENTRIES + 1, 0, 0], "cq clamped": [0, 4, IORING_MAX_CQ_ENTRIES, 0]},
)
def lrz_clamp(L: Any) -> Gen:
    """Sizes past the limits: -EINVAL without IORING_SETUP_CLAMP; with it the CQ is clamped to
    IORING_MAX_CQ_ENTRIES and the SQ to IORING_MAX_ENTRIES (then shrunk back)."""
    yield from resize_cases(
        L,
        [
            ("sq huge", IORING_MAX_ENTRIES + 1, 0, 0),
            ("cq huge", 4, IORING_MAX_CQ_ENTRIES + 1, IORING_SETUP_CQSIZE),
            ("cq clamped", 4, IORING_MAX_CQ_ENTRIES + 1, IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP),
            ("sq clamped", IORING_MAX_ENTRIES * 2, 0, IORING_SETUP_CLAMP),
            ("back", 4, 0, 0),
        ],
        after=1,
    )


@scenario("lrz-sizes", tags=TAGS)
def lrz_sizes(L: Any) -> Gen:
    """The SQ size is rounded up to a power of two (5: 8, 1: 1) and sq_entries 0 is -EINVAL; u32
    sizes: -1 is 2^32-1, past the limit."""
    yield from resize_cases(
        L,
        [
            ("sq 5", 5, 0, 0),
            ("sq 1", 1, 0, 0),
            ("sq 0", 0, 0, 0),
            ("sq -1", -1 & 0xFFFF_FFFF, 0, 0),
            ("sq -1 clamp", -1 & 0xFFFF_FFFF, 0, IORING_SETUP_CLAMP),
        ],
        after=3,
    )


@scenario("lrz-refused-rings", tags=TAGS)
def lrz_refused_rings(L: Any) -> Gen:
    """Only a DEFER_TASKRUN ring resizes: a plain ring, a SINGLE_ISSUER ring and a COOP_TASKRUN
    ring are refused with -EINVAL (an SQPOLL ring too, when this kernel lets one be set up), and go
    on working."""
    for label, flags in (
        ("plain", 0),
        ("single issuer", IORING_SETUP_SINGLE_ISSUER),
        ("coop", IORING_SETUP_COOP_TASKRUN),
        ("sqpoll", IORING_SETUP_SQPOLL),
    ):
        ret, ring, _ = yield from new_ring_params(L, 4, flags)
        if ret:
            continue
        yield from resize(L, ring, label, 8)
        nop(L, ring, 1)
        yield from L.io_uring_submit_and_wait(ring, 1)
        reap_ready(L, ring)
        yield from L.io_uring_queue_exit(ring)


@scenario("lrz-bad-flags", tags=TAGS)
def lrz_bad_flags(L: Any) -> Gen:
    """Params flags other than CQSIZE and CLAMP are -EINVAL, the ring's own setup flags included
    (DEFER_TASKRUN, SINGLE_ISSUER, NO_SQARRAY); non-zero reserved words and a thread CPU, an idle time
    or a wq_fd are not looked at."""
    yield from resize_cases(
        L,
        [
            ("defer", 8, 0, IORING_SETUP_DEFER_TASKRUN),
            ("single", 8, 0, IORING_SETUP_SINGLE_ISSUER),
            ("no sqarray", 8, 0, IORING_SETUP_NO_SQARRAY),
            ("sqpoll", 8, 0, IORING_SETUP_SQPOLL),
            ("top bit", 8, 0, 1 << 31),
            ("resv", 8, 0, 0, {"resv": [1, 2, 3]}),
            ("thread fields", 16, 0, 0, {"sq_thread_cpu": 1, "sq_thread_idle": 5, "wq_fd": 3}),
        ],
    )


@scenario("lrz-raw-register", tags=TAGS)
def lrz_raw_register(L: Any) -> Gen:
    """io_uring_register(2) itself: a NULL argument or nr_args other than 1 is -EINVAL; on a ring set
    up with IORING_SETUP_NO_SQARRAY the flags written back carry that inherited property; and the
    params of a resize that ends in -EOVERFLOW already hold the new sizes."""
    ring = yield from dt_ring(L, 8, IORING_SETUP_NO_SQARRAY)
    if ring is None:
        return
    p = L.Params(sq_entries=16)
    L.record("null", (yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_RESIZE_RINGS, None, 1)))
    L.record("nr 0", (yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_RESIZE_RINGS, p, 0)))
    L.record("nr 2", (yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_RESIZE_RINGS, p, 2)))
    L.record("untouched", [p.sq_entries, p.cq_entries, p.flags])
    yield from post_nops(L, ring, 1, 6)
    p = L.Params(sq_entries=2, flags=IORING_SETUP_CQSIZE, cq_entries=2)
    L.record("overflow", (yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_RESIZE_RINGS, p, 1)))
    L.record("overflow params", [p.sq_entries, p.cq_entries, p.flags == IORING_SETUP_CQSIZE | IORING_SETUP_NO_SQARRAY])
    yield from reap(L, ring, 6)
    p = L.Params(sq_entries=16)
    L.record("grow", (yield from L.io_uring_register(ring.ring_fd, IORING_REGISTER_RESIZE_RINGS, p, 1)))
    L.record("grow params", [p.sq_entries, p.cq_entries, p.flags == IORING_SETUP_NO_SQARRAY])
    yield from L.io_uring_queue_exit(ring)


@scenario("lrz-no-sqarray", tags=TAGS, expect={"resize": [0, 16, 32, 0]})
def lrz_no_sqarray(L: Any) -> Gen:
    """A ring without an SQ array (IORING_SETUP_NO_SQARRAY) resizes too, keeps that property, and
    submits from the new SQE array by position."""
    ring = yield from dt_ring(L, 4, IORING_SETUP_NO_SQARRAY)
    if ring is None:
        return
    yield from post_nops(L, ring, 1, 3)
    yield from resize(L, ring, "resize", 16)
    yield from post_nops(L, ring, 4, 10)
    yield from reap(L, ring, 13)
    yield from L.io_uring_queue_exit(ring)


@scenario("lrz-wait-after", tags=TAGS)
def lrz_wait_after(L: Any) -> Gen:
    """After a resize io_uring_submit_and_wait(3) waits for completions posted to the new CQ (a
    timeout of 1 ms among NOPs), and the CQ ring's counters go on from where they were."""
    ring = yield from dt_ring(L, 2)
    if ring is None:
        return
    yield from post_nops(L, ring, 1, 2)
    yield from reap(L, ring, 2)
    yield from resize(L, ring, "resize", 8)
    sqe = L.io_uring_get_sqe(ring)
    L.io_uring_prep_timeout(sqe, L.Timespec(0, 1_000_000), 0, 0)
    L.io_uring_sqe_set_data64(sqe, 50)
    nop(L, ring, 51)
    L.record("submit and wait", (yield from L.io_uring_submit_and_wait(ring, 2)))
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)
