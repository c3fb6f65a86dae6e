"""IORING_REGISTER_RESTRICTIONS and the personality commands (simuring/kernel/restrict.py)."""

from __future__ import annotations

from typing import Any

import pytest

from simuring.abi.errno import EACCES, EBADFD, EBUSY, EFAULT, EINVAL
from simuring.kernel.restrict import IORING_MAX_RESTRICTIONS, PERSONALITY_MAX, Restrictions
from simuring.liburing import (
    Ring,
    io_uring_enable_rings,
    io_uring_get_sqe,
    io_uring_prep_nop,
    io_uring_queue_init,
    io_uring_register,
    io_uring_register_personality,
    io_uring_register_restrictions,
    io_uring_sqe_set_data64,
    io_uring_sqe_set_flags,
    io_uring_submit_and_wait,
    io_uring_unregister_personality,
)
from simuring.uapi import (
    IORING_OP_NOP,
    IORING_REGISTER_PROBE,
    IORING_RESTRICTION_REGISTER_OP,
    IORING_RESTRICTION_SQE_FLAGS_ALLOWED,
    IORING_RESTRICTION_SQE_FLAGS_REQUIRED,
    IORING_RESTRICTION_SQE_OP,
    IORING_SETUP_R_DISABLED,
    IOSQE_ASYNC,
    IOSQE_IO_LINK,
    Probe,
    Restriction,
)
from tests.helpers.ring import drain
from tests.helpers.sim import run_task


def _nop(ring: Ring, user_data: int, flags: int = 0, personality: Any = 0) -> Any:
    sqe = io_uring_get_sqe(ring)
    io_uring_prep_nop(sqe)
    io_uring_sqe_set_data64(sqe, user_data)
    io_uring_sqe_set_flags(sqe, flags)
    sqe.personality = personality
    yield from io_uring_submit_and_wait(ring, 1)
    return drain(ring)[0][1]


def test_allows_sqe_needs_the_opcode_the_required_flags_and_no_other() -> None:
    r = Restrictions()
    r.sqe_ops.add(IORING_OP_NOP)
    r.flags_allowed = IOSQE_IO_LINK
    r.flags_required = IOSQE_ASYNC
    assert r.allows_sqe(IORING_OP_NOP, IOSQE_ASYNC)
    assert r.allows_sqe(IORING_OP_NOP, IOSQE_ASYNC | IOSQE_IO_LINK)
    assert not r.allows_sqe(IORING_OP_NOP, IOSQE_IO_LINK)  # a required flag missing
    assert not r.allows_sqe(IORING_OP_NOP, IOSQE_ASYNC | 0x1)  # a flag neither allowed nor required
    assert not r.allows_sqe(IORING_OP_NOP + 1, IOSQE_ASYNC)  # an opcode not allowed


def test_a_restricted_ring_refuses_what_it_does_not_allow() -> None:
    def body() -> Any:
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, IORING_SETUP_R_DISABLED)) == 0
        entries = [
            Restriction(opcode=IORING_RESTRICTION_SQE_OP, arg=IORING_OP_NOP),
            Restriction(opcode=IORING_RESTRICTION_SQE_FLAGS_ALLOWED, arg=IOSQE_IO_LINK),
            Restriction(opcode=IORING_RESTRICTION_REGISTER_OP, arg=IORING_REGISTER_PROBE),
        ]
        out = [(yield from io_uring_register_restrictions(ring, entries, 3))]
        out.append((yield from io_uring_register_restrictions(ring, entries, 3)))  # once only
        out.append((yield from io_uring_enable_rings(ring)))
        out.append((yield from _nop(ring, 1)))
        out.append((yield from _nop(ring, 2, IOSQE_ASYNC)))
        out.append((yield from io_uring_register(ring.ring_fd, IORING_REGISTER_PROBE, Probe(), 4)))
        out.append((yield from io_uring_enable_rings(ring)))  # not allowed: refused before -EBADFD
        return out

    assert run_task(body) == [0, -EBUSY, 0, 0, -EACCES, 0, -EACCES]


@pytest.mark.parametrize(
    ("arg", "nr", "res"),
    [
        (None, 1, -EINVAL),
        ([Restriction()], IORING_MAX_RESTRICTIONS + 1, -EINVAL),
        ([Restriction()], 2, -EFAULT),  # fewer entries than nr_args: the copy faults
        ("abc", 1, -EFAULT),
        ([Restriction(opcode="x")], 1, -EFAULT),  # not an integer where the C field is one
        ([Restriction(opcode=9)], 1, -EINVAL),
        ([Restriction(opcode=IORING_RESTRICTION_SQE_OP, arg=255)], 1, -EINVAL),
        ([Restriction(opcode=IORING_RESTRICTION_SQE_FLAGS_REQUIRED, arg=0x1FF)], 1, 0),  # a u8: 0xFF
    ],
)
def test_register_restrictions_errors_leave_no_set(arg: Any, nr: int, res: int) -> None:
    def body() -> Any:
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, IORING_SETUP_R_DISABLED)) == 0
        first = yield from io_uring_register_restrictions(ring, arg, nr)
        again = yield from io_uring_register_restrictions(ring, [Restriction(opcode=IORING_RESTRICTION_SQE_OP)], 1)
        return first, again

    assert run_task(body) == (res, -EBUSY if res == 0 else 0)


def test_restrictions_need_a_disabled_ring() -> None:
    def body() -> Any:
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        return (yield from io_uring_register_restrictions(ring, [Restriction()], 1))

    assert run_task(body) == -EBADFD


def test_personality_ids_cycle_and_name_requests() -> None:
    def body() -> Any:
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        ids = []
        for _ in range(3):
            ids.append((yield from io_uring_register_personality(ring)))
        ids.append((yield from io_uring_unregister_personality(ring, 2)))
        ids.append((yield from io_uring_register_personality(ring)))  # cyclic: 4, not 2
        uses = []
        for p in (1, 2, 4, 4 + 0x10000, "x", 99):
            uses.append((yield from _nop(ring, 1, personality=p)))
        return ids, uses

    ids, uses = run_task(body)
    assert ids == [1, 2, 3, 0, 4]
    assert uses == [0, -EINVAL, 0, 0, -EINVAL, -EINVAL]  # the field is a u16: 0x10004 names 4


def test_personality_ids_wrap_after_the_last() -> None:
    def body() -> Any:
        ring = Ring()
        assert (yield from io_uring_queue_init(8, ring, 0)) == 0
        assert (yield from io_uring_register_personality(ring)) == 1
        ctx = _ctx_of(ring)
        ctx.pers_next = PERSONALITY_MAX
        last = yield from io_uring_register_personality(ring)
        wrapped = yield from io_uring_register_personality(ring)  # 1 is taken: 2
        return last, wrapped

    assert run_task(body) == (PERSONALITY_MAX, 2)


def _ctx_of(ring: Ring) -> Any:
    from simuring.host.current import current_task
    from simuring.kernel.enter import ring_of

    return ring_of(current_task(), ring.ring_fd)
