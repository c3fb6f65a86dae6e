"""Ring setup and teardown (liburing's src/setup.c)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.abi.io_uring import IORING_SETUP_NO_MMAP, Params
from simuring.abi.ring_mem import ring_mem_layout
from simuring.host.current import current_task
from simuring.libc.argcheck import need_int
from simuring.libc.unistd import close
from simuring.liburing.ring import Ring, need_ring
from simuring.liburing.syscall import Gen, io_uring_setup, mmap_rings


def io_uring_queue_init(entries: int, ring: Ring, flags: int = 0) -> Gen:
    need_int("io_uring_queue_init", entries=entries, flags=flags)
    p = Params(flags=flags)
    return (yield from io_uring_queue_init_params(entries, ring, p))


def io_uring_queue_init_params(entries: int, ring: Ring, p: Params) -> Gen:
    """Create a ring and map it into ``ring``; 0 or -errno.

    As liburing: io_uring_setup(2) gives the ring fd, then the rings are
    mapped (``io_uring_queue_mmap``); a failed mapping closes the fd.
    """
    need_ring(ring)
    need_int("io_uring_queue_init_params", entries=entries)
    fd = yield from io_uring_setup(entries, p)
    if fd < 0:
        return fd
    return (yield from _attach(fd, ring, p))


def io_uring_queue_init_mem(entries: int, ring: Ring, p: Params, buf: Any, buf_size: int) -> Gen:
    """io_uring_queue_init_mem(3): a ring with IORING_SETUP_NO_MMAP whose SQEs and rings live in
    ``buf`` (memory from mmap(2), ``buf_size`` bytes) as liburing lays them out
    (:func:`~simuring.abi.ring_mem.ring_mem_layout`); the bytes used, or -errno (-ENOMEM for
    a buffer too small, before io_uring_setup(2))."""
    need_ring(ring)
    need_int("io_uring_queue_init_mem", entries=entries, buf_size=buf_size)
    p.flags |= IORING_SETUP_NO_MMAP
    layout = ring_mem_layout(entries, p.flags, p.cq_entries, buf_size)
    if isinstance(layout, int):
        return layout
    mem = memoryview(buf)
    sq_off: Any = p.sq_off  # user_addr holds the memory itself: Python has no addresses
    cq_off: Any = p.cq_off
    sq_off.user_addr = mem[: layout.rings_off]
    cq_off.user_addr = mem[layout.rings_off :]
    fd = yield from io_uring_setup(entries, p)
    if fd < 0:
        return fd
    ret = yield from _attach(fd, ring, p)
    return ret if ret < 0 else layout.used


def _attach(fd: int, ring: Ring, p: Params) -> Gen:
    """``io_uring_queue_mmap`` / ``io_uring_setup_ring_pointers``: ``ring`` takes the rings of
    ring ``fd`` (a mapping, or for IORING_SETUP_NO_MMAP the application's memory); 0, or -errno
    with the fd closed."""
    rings = yield from mmap_rings(fd)
    if isinstance(rings, int):
        yield from close(fd)
        return rings
    ring.ring_fd = fd
    ring.flags = p.flags
    ring.features = p.features
    ring.rings = rings
    ring.costs = current_task().sched.costs.uring  # resolved once: get_sqe and cqe_seen charge it
    ring.sqe_head = ring.sqe_tail = rings.sq_tail
    array = rings.sq_array
    for i in range(len(array)):
        array[i] = i  # liburing maps SQ slot i to SQE i once, at init
    return 0


def io_uring_queue_exit(ring: Ring) -> Generator[Any, Any, None]:
    """Unmap and close the ring (the last close tears it down)."""
    need_ring(ring)
    yield from close(ring.ring_fd)
    ring.rings = None
    ring.ring_fd = -1
