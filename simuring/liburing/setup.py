"""Ring setup and teardown (liburing's src/setup.c)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.abi.io_uring import Params
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
