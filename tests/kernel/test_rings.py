"""SQ/CQ ring mechanics: overflow without loss, u32 wrap-around, enter's batch rules."""

from __future__ import annotations

import pytest

from simuring.abi.errno import EINVAL
from simuring.abi.limits import U32
from simuring.liburing import (
    Cqe,
    Ring,
    io_uring_cq_ready,
    io_uring_get_sqe,
    io_uring_peek_cqe,
    io_uring_prep_nop,
    io_uring_queue_init,
    io_uring_queue_init_params,
    io_uring_sq_ready,
    io_uring_sqe_set_data64,
    io_uring_submit,
    io_uring_wait_cqe,
)
from simuring.uapi import (
    IORING_NOP_INJECT_RESULT,
    IORING_SETUP_CQSIZE,
    IORING_SETUP_SUBMIT_ALL,
    IORING_SQ_CQ_OVERFLOW,
    Params,
)
from tests.helpers.ring import reap


def test_cq_overflow_keeps_every_completion_in_order(runner):
    out = {}

    def task():
        ring = Ring()
        p = Params(flags=IORING_SETUP_CQSIZE, cq_entries=8)
        assert (yield from io_uring_queue_init_params(8, ring, p)) == 0
        assert p.cq_entries == 8
        flags_seen = []
        for i in range(100):  # 100 NOPs without reaping, through an 8-entry SQ
            sqe = io_uring_get_sqe(ring)
            if sqe is None:
                assert (yield from io_uring_submit(ring)) == 8
                flags_seen.append(ring.rings.sq_flags & IORING_SQ_CQ_OVERFLOW)
                sqe = io_uring_get_sqe(ring)
            io_uring_prep_nop(sqe)
            io_uring_sqe_set_data64(sqe, i)
        yield from io_uring_submit(ring)
        out["overflow_flag_mid_run"] = flags_seen
        out["ready_before_reap"] = io_uring_cq_ready(ring)
        out["got"] = yield from reap(ring, 100)
        out["flag_after"] = ring.rings.sq_flags & IORING_SQ_CQ_OVERFLOW
        cqe = Cqe()
        out["peek_after"] = io_uring_peek_cqe(ring, cqe)

    runner.spawn(task)
    result = runner.run()
    assert out["ready_before_reap"] == 8  # the CQ is full, the rest waits in the overflow list
    assert out["overflow_flag_mid_run"][0] == 0  # first 8 fit exactly
    assert all(out["overflow_flag_mid_run"][1:])  # from then on the flag is set
    assert out["got"] == [(i, 0) for i in range(100)]  # nothing lost, in submission order
    assert out["flag_after"] == 0
    assert out["peek_after"] < 0
    assert result.rings[0]["cqes_overflowed"] == 92


def test_counters_starting_near_2_32_wrap(runner):
    runner.sim.kernel.ring_counter_start = U32 - 2  # 3 increments before wrapping
    out = {}

    def task():
        ring = Ring()
        assert (yield from io_uring_queue_init(4, ring, 0)) == 0
        out["start"] = (ring.rings.sq_tail, ring.rings.cq_head)
        got = []
        for batch in range(5):
            for j in range(3):
                sqe = io_uring_get_sqe(ring)
                io_uring_prep_nop(sqe)
                io_uring_sqe_set_data64(sqe, batch * 3 + j)
            assert (yield from io_uring_submit(ring)) == 3
            got += yield from reap(ring, 3)
        out["got"] = got
        out["end"] = (ring.rings.sq_head, ring.rings.sq_tail, ring.rings.cq_head, ring.rings.cq_tail)
        out["sq_ready"] = io_uring_sq_ready(ring)

    runner.spawn(task)
    runner.run()
    assert out["start"] == (U32 - 2, U32 - 2)
    assert out["got"] == [(i, 0) for i in range(15)]
    assert out["end"] == (12, 12, 12, 12)  # (2**32 - 3 + 15) mod 2**32
    assert out["sq_ready"] == 0


def _three_nops_middle_bad(ring, bad_field):
    for i in range(3):
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_nop(sqe)
        io_uring_sqe_set_data64(sqe, i)
        if i == 1:
            bad_field(sqe)


def _bad_fields():
    def bad_nop_flags(sqe):
        sqe.nop_flags = 0x80

    def bad_ioprio(sqe):
        sqe.ioprio = 3

    def bad_opcode(sqe):
        sqe.opcode = 250

    def bad_sqe_flags(sqe):
        sqe.flags = 0x80

    return [bad_nop_flags, bad_ioprio, bad_opcode, bad_sqe_flags]


def test_bad_sqe_field_gives_einval_cqe_and_stops_the_batch(runner):
    outs = []

    def task(bad):
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        _three_nops_middle_bad(ring, bad)
        submitted = yield from io_uring_submit(ring)
        left = io_uring_sq_ready(ring)
        got = yield from reap(ring, 2)
        outs.append((submitted, left, got))

    for bad in _bad_fields():
        runner.spawn(task, bad)
    runner.run()
    for submitted, left, got in outs:
        assert submitted == 2  # the failing SQE counts as consumed
        assert left == 1  # the third is still in the SQ
        assert got == [(0, 0), (1, -EINVAL)]


@pytest.mark.parametrize(
    "field, value",
    [("opcode", "nop"), ("flags", 1.0), ("ioprio", "x"), ("fd", "0"), ("len", None), ("op_flags", [0]), ("file_index", 2.5), ("user_data", "tag")],
)
def test_a_non_integer_in_an_integer_field_is_einval_not_an_exception(runner, field, value):
    """Where the C field is an integer, any other value a user stored in the SQE
    fails the request with -EINVAL (a non-integer user_data comes back as 0), in
    both builds: the compiled one checks a field's declared type when it reads it,
    and io_init_req reads them through a view that declares none (SqeSlot)."""
    out = {}

    def task():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_nop(sqe)
        sqe.user_data = 7
        setattr(sqe, field, value)
        out["submitted"] = yield from io_uring_submit(ring)
        cqe = Cqe()
        assert (yield from io_uring_wait_cqe(ring, cqe)) == 0
        out["cqe"] = (cqe[0].user_data, cqe[0].res)

    runner.spawn(task)
    runner.run()
    assert out == {"submitted": 1, "cqe": (0 if field == "user_data" else 7, -EINVAL)}


def test_submit_all_goes_on_after_a_bad_sqe(runner):
    out = {}

    def task():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, IORING_SETUP_SUBMIT_ALL)) == 0
        _three_nops_middle_bad(ring, _bad_fields()[0])
        out["submitted"] = yield from io_uring_submit(ring)
        out["got"] = yield from reap(ring, 3)

    runner.spawn(task)
    runner.run()
    assert out == {"submitted": 3, "got": [(0, 0), (1, -EINVAL), (2, 0)]}


def test_nop_inject_result(runner):
    out = {}

    def task():
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        for i, value in enumerate((7, -5)):
            sqe = io_uring_get_sqe(ring)
            io_uring_prep_nop(sqe)
            sqe.nop_flags = IORING_NOP_INJECT_RESULT
            sqe.len = value & U32
            io_uring_sqe_set_data64(sqe, i)
        yield from io_uring_submit(ring)
        out["got"] = yield from reap(ring, 2)

    runner.spawn(task)
    runner.run()
    assert out["got"] == [(0, 7), (1, -5)]


def test_dropped_sq_array_entry_counts_and_stops(runner):
    out = {}

    def task():
        ring = Ring()
        assert (yield from io_uring_queue_init(4, ring, 0)) == 0
        for i in range(2):
            sqe = io_uring_get_sqe(ring)
            io_uring_prep_nop(sqe)
            io_uring_sqe_set_data64(sqe, i)
        ring.rings.sq_array[1] = 99  # an index past the SQE array
        out["submitted"] = yield from io_uring_submit(ring)
        out["dropped"] = ring.rings.sq_dropped

    runner.spawn(task)
    runner.run()
    assert out == {"submitted": 1, "dropped": 1}
