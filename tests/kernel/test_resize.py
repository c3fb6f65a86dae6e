"""IORING_REGISTER_RESIZE_RINGS (simuring.kernel.resize) and io_uring_resize_rings(3)."""

from __future__ import annotations

from typing import Any

import pytest

from simuring.abi.errno import EFAULT, EINVAL, EOVERFLOW
from simuring.abi.io_uring import (
    IORING_MAX_CQ_ENTRIES,
    IORING_MAX_ENTRIES,
    IORING_REGISTER_RESIZE_RINGS,
    IORING_SETUP_CLAMP,
    IORING_SETUP_CQSIZE,
    IORING_SETUP_DEFER_TASKRUN,
    IORING_SETUP_NO_SQARRAY,
    IORING_SETUP_SINGLE_ISSUER,
    Params,
)
from simuring.kernel.setup import fill_params
from simuring.liburing import (
    Ring,
    io_uring_get_sqe,
    io_uring_prep_nop,
    io_uring_queue_init,
    io_uring_queue_init_params,
    io_uring_resize_rings,
    io_uring_sq_space_left,
    io_uring_sqe_set_data64,
    io_uring_submit,
)
from simuring.liburing.syscall import io_uring_register
from tests.helpers.ring import drain
from tests.helpers.sim import run_task

DT = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN


def _dt_ring(entries: int, flags: int = 0) -> Any:
    ring = Ring()
    assert (yield from io_uring_queue_init_params(entries, ring, Params(flags=DT | flags))) == 0
    return ring


def _nops(ring: Ring, first: int, n: int) -> Any:
    for i in range(n):
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_nop(sqe)
        io_uring_sqe_set_data64(sqe, first + i)
    return (yield from io_uring_submit(ring))


@pytest.mark.parametrize(
    ("sq", "cq", "flags", "want"),
    [
        (5, 0, 0, (8, 16)),
        (0, 0, 0, (0, 0)),
        (IORING_MAX_ENTRIES + 1, 0, 0, (0, 0)),
        (IORING_MAX_ENTRIES + 1, 0, IORING_SETUP_CLAMP, (IORING_MAX_ENTRIES, IORING_MAX_CQ_ENTRIES)),
        (4, 100, IORING_SETUP_CQSIZE, (4, 128)),
        (8, 4, IORING_SETUP_CQSIZE, (0, 0)),
        (4, 0, IORING_SETUP_CQSIZE, (0, 0)),
        (-1, 0, 0, (0, 0)),
        ("4", 0, 0, (0, 0)),
        (4, None, IORING_SETUP_CQSIZE, (0, 0)),
    ],
)
def test_resize_sizes_follow_io_uring_fill_params(sq: Any, cq: Any, flags: int, want: tuple[int, int]) -> None:
    """The resize sizes its rings with setup's io_uring_fill_params (one version for both)."""
    assert fill_params(sq, Params(cq_entries=cq, flags=flags)) == want


def test_grow_carries_cqes_and_remaps_the_ring() -> None:
    """Six CQEs not reaped come over in order; the SQ then has the new room."""

    def body() -> Any:
        ring = yield from _dt_ring(4)
        yield from _nops(ring, 1, 4)
        yield from _nops(ring, 5, 2)
        p = Params(sq_entries=16)
        ret = yield from io_uring_resize_rings(ring, p)
        space = io_uring_sq_space_left(ring)
        yield from _nops(ring, 7, 16)
        return ret, [p.sq_entries, p.cq_entries, p.flags], space, [ud for ud, _ in drain(ring)]

    ret, params, space, uds = run_task(body)
    assert (ret, params, space) == (0, [16, 32, 0], 16)
    assert uds == list(range(1, 23))


def test_shrink_overflow_keeps_the_old_rings() -> None:
    def body() -> Any:
        ring = yield from _dt_ring(8)
        yield from _nops(ring, 1, 8)
        yield from _nops(ring, 9, 2)
        old = ring.rings
        p = Params(sq_entries=2)
        ret = yield from io_uring_resize_rings(ring, p)
        return ret, ring.rings is old, [p.sq_entries, p.cq_entries], len(drain(ring))

    assert run_task(body) == (-EOVERFLOW, True, [2, 4], 10)


def test_checks_in_the_kernels_order() -> None:
    """nr_args and NULL first, then DEFER_TASKRUN, the argument's type, the flags, the sizes."""

    def body() -> Any:
        plain = Ring()
        assert (yield from io_uring_queue_init(4, plain, 0)) == 0
        ring = yield from _dt_ring(4)
        fd = ring.ring_fd
        return [
            (yield from io_uring_register(plain.ring_fd, IORING_REGISTER_RESIZE_RINGS, None, 1)),
            (yield from io_uring_register(plain.ring_fd, IORING_REGISTER_RESIZE_RINGS, Params(sq_entries=8), 1)),
            (yield from io_uring_register(fd, IORING_REGISTER_RESIZE_RINGS, Params(sq_entries=8), 2)),
            (yield from io_uring_register(fd, IORING_REGISTER_RESIZE_RINGS, "params", 1)),
            (yield from io_uring_register(fd, IORING_REGISTER_RESIZE_RINGS, Params(sq_entries=8, flags=DT), 1)),
            (yield from io_uring_register(fd, IORING_REGISTER_RESIZE_RINGS, Params(sq_entries=0), 1)),
            (yield from io_uring_register(fd, IORING_REGISTER_RESIZE_RINGS, Params(sq_entries=8, resv=[1, 2, 3]), 1)),
        ]

    assert run_task(body) == [-EINVAL, -EINVAL, -EINVAL, -EFAULT, -EINVAL, -EINVAL, 0]


@pytest.mark.parametrize(
    "fields",
    [
        {"flags": "x"},
        {"flags": -1},
        {"flags": 1 << 70},
        {"sq_entries": None},
        {"sq_entries": 1 << 64},
        {"sq_entries": -5},
        {"sq_entries": 2.5},
        {"cq_entries": "big", "flags": IORING_SETUP_CQSIZE},
        {"cq_entries": -1, "flags": IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP},
        {"resv": None},
        {"sq_off": None},
    ],
)
def test_fuzzed_params_give_an_errno_or_success_never_an_exception(fields: dict[str, Any]) -> None:
    def body() -> Any:
        ring = yield from _dt_ring(4)
        p = Params(sq_entries=8)
        for name, value in fields.items():
            setattr(p, name, value)
        return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_RESIZE_RINGS, p, 1))

    ret = run_task(body)
    assert isinstance(ret, int) and ret <= 0


def test_inherited_flags_are_written_back_by_the_kernel() -> None:
    def body() -> Any:
        ring = yield from _dt_ring(4, IORING_SETUP_NO_SQARRAY)
        p = Params(sq_entries=8)
        ret = yield from io_uring_register(ring.ring_fd, IORING_REGISTER_RESIZE_RINGS, p, 1)
        return ret, p.flags

    assert run_task(body) == (0, IORING_SETUP_NO_SQARRAY)


def test_no_mmap_ring_needs_its_new_memory_and_liburing_refuses_it() -> None:
    """A NO_MMAP ring: liburing's helper refuses it (-EINVAL); the kernel wants writable memory for
    the new rings (cq_off.user_addr, then sq_off.user_addr, -EFAULT) and inherits the flag."""
    from simuring.abi.io_uring import IORING_SETUP_NO_MMAP, CqringOffsets, SqringOffsets
    from simuring.liburing.syscall import io_uring_setup

    def mem() -> dict[str, Any]:
        return {"sq_off": SqringOffsets(user_addr=bytearray(4096)), "cq_off": CqringOffsets(user_addr=bytearray(4096))}

    def body() -> Any:
        fd = yield from io_uring_setup(4, Params(flags=DT | IORING_SETUP_NO_MMAP, **mem()))
        ring = Ring()
        ring.ring_fd, ring.flags = fd, DT | IORING_SETUP_NO_MMAP
        helper = yield from io_uring_resize_rings(ring, Params(sq_entries=8))
        none = yield from io_uring_register(fd, IORING_REGISTER_RESIZE_RINGS, Params(sq_entries=8), 1)
        only_cq = Params(sq_entries=8, cq_off=CqringOffsets(user_addr=bytearray(4096)))
        sq_missing = yield from io_uring_register(fd, IORING_REGISTER_RESIZE_RINGS, only_cq, 1)
        p = Params(sq_entries=8, **mem())
        ok = yield from io_uring_register(fd, IORING_REGISTER_RESIZE_RINGS, p, 1)
        return helper, none, sq_missing, only_cq.sq_entries, ok, p.flags & IORING_SETUP_NO_MMAP

    assert run_task(body) == (-EINVAL, -EFAULT, -EFAULT, 8, 0, IORING_SETUP_NO_MMAP)


def test_the_helper_wants_a_params() -> None:
    def body() -> Any:
        ring = yield from _dt_ring(4)
        return (yield from io_uring_resize_rings(ring, None))

    with pytest.raises(TypeError, match="Params"):
        run_task(body)
