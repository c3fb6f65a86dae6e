"""IORING_OP_NOP: user_data round trip, SQE field validation, injected results, batch stops."""

from __future__ import annotations

from typing import Any

from simuring.conform.registry import scenario
from simuring.conform.scenarios.common import Gen, new_ring, nop, reap, reap_ready
from simuring.uapi import IORING_NOP_INJECT_RESULT, IORING_SETUP_SUBMIT_ALL


@scenario("nop-user-data", tags=("nop",))
def nop_user_data(L: Any) -> Gen:
    """io_uring_prep_nop(3): every NOP completes with res 0, flags 0 and its user_data unchanged,
    including 0 and all 64 bits set, in submission order."""
    ring = yield from new_ring(L, 8)
    for ud in (0, 1, 1 << 63, (1 << 64) - 1):
        nop(L, ring, ud)
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 4)
    yield from L.io_uring_queue_exit(ring)


@scenario("nop-bad-sqe-fields", tags=("nop", "sqe"))
def nop_bad_sqe_fields(L: Any) -> Gen:
    """io_uring_enter(2) errors in the CQE: an unknown SQE flag bit, an unknown opcode, a non-zero
    ioprio on an opcode without priorities, an unknown personality, and unknown NOP flags each
    complete with -EINVAL; an unused buf_index on a NOP is ignored.  One SQE per submit."""
    ring = yield from new_ring(L, 4)

    def one(ud: int, field: str, value: int) -> Gen:
        sqe = nop(L, ring, ud)
        setattr(sqe, field, value)
        yield from L.io_uring_submit(ring)
        yield from reap(L, ring, 1)

    yield from one(1, "flags", 1 << 7)
    yield from one(2, "opcode", 200)
    yield from one(3, "ioprio", 1)
    yield from one(4, "personality", 77)
    yield from one(5, "nop_flags", 1 << 20)
    yield from one(6, "buf_index", 5)
    L.record("leftover", reap_ready(L, ring))
    yield from L.io_uring_queue_exit(ring)


@scenario("nop-inject-result", tags=("nop",))
def nop_inject_result(L: Any) -> Gen:
    """IORING_NOP_INJECT_RESULT: the NOP completes with the result given in len (-EIO, 7)."""
    ring = yield from new_ring(L, 4)
    for ud, res in ((1, -5), (2, 7)):
        sqe = nop(L, ring, ud)
        sqe.nop_flags = IORING_NOP_INJECT_RESULT
        sqe.len = res & 0xFFFF_FFFF
    yield from L.io_uring_submit(ring)
    yield from reap(L, ring, 2)
    yield from L.io_uring_queue_exit(ring)


@scenario("submit-stops-at-bad-sqe", tags=("enter", "sqe"), expect={"sq left": 1, "SUBMIT_ALL sq left": 0})
def submit_stops_at_bad_sqe(L: Any) -> Gen:
    """io_uring_enter(2): a batch stops at an SQE that fails to initialise (it counts as consumed and
    gets its error CQE), leaving the rest in the SQ for the next submit; with IORING_SETUP_SUBMIT_ALL
    the whole batch is consumed."""
    for label, flags in (("", 0), ("SUBMIT_ALL ", IORING_SETUP_SUBMIT_ALL)):
        ring = yield from new_ring(L, 4, flags)
        nop(L, ring, 1)
        nop(L, ring, 2, 1 << 7)  # unknown SQE flag
        nop(L, ring, 3)
        yield from L.io_uring_submit(ring)
        L.record(f"{label}sq left", L.io_uring_sq_ready(ring))
        reap_ready(L, ring)
        yield from L.io_uring_submit(ring)
        reap_ready(L, ring)
        yield from L.io_uring_queue_exit(ring)


@scenario(
    "sq-space-and-full",
    tags=("rings",),
    expect={"space": [4, 1, 0], "sqe when full": "None", "space after submit": 4},
)
def sq_space_and_full(L: Any) -> Gen:
    """io_uring_sq_space_left(3) counts the free SQ slots; io_uring_get_sqe(3) returns NULL once the
    4-entry SQ is full; after submitting, the slots are free again."""
    ring = yield from new_ring(L, 4)
    space = [L.io_uring_sq_space_left(ring)]
    for i in range(3):
        nop(L, ring, i)
    space.append(L.io_uring_sq_space_left(ring))
    nop(L, ring, 3)
    space.append(L.io_uring_sq_space_left(ring))
    L.record("space", space)
    L.record("sqe when full", repr(L.io_uring_get_sqe(ring)))
    yield from L.io_uring_submit(ring)
    L.record("space after submit", L.io_uring_sq_space_left(ring))
    reap_ready(L, ring)
    yield from L.io_uring_queue_exit(ring)


@scenario("peek-batch-and-advance", tags=("rings",), expect={"batch": 3, "ready after": 0})
def peek_batch_and_advance(L: Any) -> Gen:
    """io_uring_peek_batch_cqe(3) returns the ready completions (at most the count asked for, here 3 of
    8 slots) and io_uring_cq_advance(3) consumes them."""
    ring = yield from new_ring(L, 8)
    for i in range(3):
        nop(L, ring, 10 + i)
    yield from L.io_uring_submit_and_wait(ring, 3)
    cqes = L.Cqe(8)
    L.record("batch", L.io_uring_peek_batch_cqe(ring, cqes, 8))
    L.io_uring_cq_advance(ring, 3)
    L.record("ready after", L.io_uring_cq_ready(ring))
    yield from L.io_uring_queue_exit(ring)
