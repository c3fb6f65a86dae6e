"""32-byte CQEs (kernel/cq_big.py): CQE32 rings' extra words, CQE_MIXED rings' two-slot CQEs,
padding entries and the kernel's CQE cache; and liburing's walk over a mixed CQ (abi/cq_mixed.py)."""

from __future__ import annotations

from simuring.abi.cq_mixed import io_uring_cqe_nr, peek_batch
from simuring.liburing import (
    Ring,
    io_uring_cq_advance,
    io_uring_cq_ready,
    io_uring_queue_init,
    io_uring_submit,
)
from simuring.uapi import (
    IORING_CQE_F_32,
    IORING_CQE_F_SKIP,
    IORING_NOP_CQE32,
    IORING_SETUP_CQE32,
    IORING_SETUP_CQE_MIXED,
    IoUringCqe,
)
from tests.helpers.ring import nop, ring_ctx
from tests.helpers.sim import run_task


def nop32(ring: Ring, ud: int, extra1: int, extra2: int) -> None:
    sqe = nop(ring, ud)
    sqe.nop_flags = IORING_NOP_CQE32
    sqe.off = extra1
    sqe.addr = extra2


def slots(ring: Ring) -> list[tuple[int, int, int, int, int]]:
    """Every CQ slot as (user_data, res, flags, extra1, extra2), in index order."""
    return [(c.user_data, c.res, c.flags, c.extra1, c.extra2) for c in ring_ctx(ring).rings.cqes]


def test_cqe32_ring_carries_the_nop_words():
    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(4, ring, IORING_SETUP_CQE32)) == 0
        nop32(ring, 1, 11, 12)
        nop(ring, 2)
        yield from io_uring_submit(ring)
        return slots(ring)[:2], io_uring_cq_ready(ring)

    cq, ready = run_task(body)
    assert cq == [(1, 0, 0, 11, 12), (2, 0, 0, 0, 0)]
    assert ready == 2


def test_mixed_ring_pads_before_the_end():
    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(4, ring, IORING_SETUP_CQE_MIXED)) == 0  # 8 slots
        for ud in range(7):
            nop(ring, 100 + ud)
            yield from io_uring_submit(ring)
        io_uring_cq_advance(ring, 7)
        nop32(ring, 1, 0x11, 0x12)
        yield from io_uring_submit(ring)
        return slots(ring), io_uring_cq_ready(ring)

    cq, ready = run_task(body)
    assert cq[7][2] == IORING_CQE_F_SKIP  # the last slot: padding
    assert cq[0] == (1, 0, IORING_CQE_F_32, 0x11, 0x12)  # the CQE starts over at slot 0
    assert cq[1][0] == 0x11  # its second half holds the extra words
    assert ready == 3


def test_mixed_ring_overflow_lets_a_small_cqe_ahead():
    """A 32-byte CQE with one slot left overflows; a 16-byte one after it takes that slot."""

    def body():
        ring = Ring()
        assert (yield from io_uring_queue_init(4, ring, IORING_SETUP_CQE_MIXED)) == 0
        for ud in range(2):
            nop(ring, ud)
        yield from io_uring_submit(ring)
        io_uring_cq_advance(ring, 2)
        for ud in range(7):
            nop(ring, 100 + ud)
            yield from io_uring_submit(ring)
        nop32(ring, 1, 0x11, 0x12)
        nop(ring, 2)
        yield from io_uring_submit(ring)
        ctx = ring_ctx(ring)
        return io_uring_cq_ready(ring), [entry[0] for entry in ctx.overflow]

    ready, overflowed = run_task(body)
    assert ready == 8
    assert overflowed == [1]


def cqe(flags: int, ud: int = 0) -> IoUringCqe:
    return IoUringCqe(user_data=ud, flags=flags)


def test_peek_batch_counts_cqes_and_stops_at_padding():
    ring = [cqe(0, 1), cqe(IORING_CQE_F_32, 2), cqe(0, 0), cqe(IORING_CQE_F_SKIP), cqe(IORING_CQE_F_32, 3), cqe(0, 0)]
    skipped, found = peek_batch(lambda at: ring[at % len(ring)], 0, 4, 8)
    assert (skipped, [c.user_data for c in found]) == (0, [1, 2])
    skipped, found = peek_batch(lambda at: ring[at % len(ring)], 3, 3, 8)
    assert (skipped, [c.user_data for c in found]) == (1, [3])
    assert [io_uring_cqe_nr(c) for c in ring[:2]] == [1, 2]
