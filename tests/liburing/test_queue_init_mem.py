"""io_uring_queue_init_mem(3) (simuring/liburing/setup.py) and liburing's layout of a ring in
application memory (simuring/abi/ring_mem.py)."""

from __future__ import annotations

from typing import Any

from simuring.abi.errno import EINVAL, ENOMEM
from simuring.abi.io_uring import (
    IORING_SETUP_CQSIZE,
    IORING_SETUP_NO_MMAP,
    IORING_SETUP_NO_SQARRAY,
    IORING_SETUP_SQE128,
    Params,
)
from simuring.abi.posix import MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE
from simuring.abi.ring_mem import RingMemLayout, ring_mem_layout
from simuring.libc.mman import mmap
from simuring.liburing import (
    Ring,
    io_uring_get_sqe,
    io_uring_prep_nop,
    io_uring_queue_exit,
    io_uring_queue_init_mem,
    io_uring_sqe_set_data64,
    io_uring_submit,
)
from tests.helpers.ring import reap
from tests.helpers.sim import run_task

PAGE = 4096


def test_layout_places_the_rings_on_the_page_after_the_sqes():
    """8 entries: 512 bytes of SQEs and 32 of SQ array fill one page, the rings start on the next;
    128-byte SQEs for 64 entries take two pages; the used size is rounded to a page and a smaller
    buffer is -ENOMEM; liburing's entry checks are -EINVAL."""
    assert ring_mem_layout(8, 0, 0, 4 * PAGE) == RingMemLayout(rings_off=PAGE, used=2 * PAGE)
    assert ring_mem_layout(5, IORING_SETUP_NO_SQARRAY, 0, 4 * PAGE) == RingMemLayout(PAGE, 2 * PAGE)
    assert ring_mem_layout(64, IORING_SETUP_SQE128 | IORING_SETUP_NO_SQARRAY, 0, 8 * PAGE) == RingMemLayout(
        2 * PAGE, 3 * PAGE
    )
    assert ring_mem_layout(8, 0, 0, 2 * PAGE - 1) == -ENOMEM
    assert ring_mem_layout(0, 0, 0, 4 * PAGE) == -EINVAL
    assert ring_mem_layout(8, IORING_SETUP_CQSIZE, 4, 4 * PAGE) == -EINVAL


def test_a_ring_in_mapped_memory_runs_requests():
    """The ring gets IORING_SETUP_NO_MMAP, the result is the bytes used, and a NOP goes through."""

    def body() -> Any:
        mem = yield from mmap(None, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        ring = Ring()
        p = Params()
        used = yield from io_uring_queue_init_mem(8, ring, p, mem, 4 * PAGE)
        sqe = io_uring_get_sqe(ring)
        io_uring_prep_nop(sqe)
        io_uring_sqe_set_data64(sqe, 5)
        yield from io_uring_submit(ring)
        got = yield from reap(ring, 1)
        yield from io_uring_queue_exit(ring)
        return used, bool(p.flags & IORING_SETUP_NO_MMAP), got

    assert run_task(body) == (2 * PAGE, True, [(5, 0)])


def test_too_small_a_buffer_makes_no_ring():
    def body() -> Any:
        return (yield from io_uring_queue_init_mem(8, Ring(), Params(), bytearray(PAGE), PAGE))

    assert run_task(body) == -ENOMEM
