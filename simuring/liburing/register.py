"""Registration helpers (liburing's src/register.c)."""

from __future__ import annotations

from simuring.abi.io_uring import (
    IORING_REGISTER_ENABLE_RINGS,
    IORING_REGISTER_EVENTFD,
    IORING_REGISTER_EVENTFD_ASYNC,
    IORING_REGISTER_FILES,
    IORING_REGISTER_PROBE,
    IORING_UNREGISTER_EVENTFD,
    IORING_UNREGISTER_FILES,
    Probe,
)
from simuring.liburing.ring import Ring
from simuring.liburing.syscall import Gen, io_uring_register


def io_uring_enable_rings(ring: Ring) -> Gen:
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_ENABLE_RINGS, None, 0))


def io_uring_register_files(ring: Ring, files: list[int], nr_files: int) -> Gen:
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_FILES, list(files), nr_files))


def io_uring_unregister_files(ring: Ring) -> Gen:
    return (yield from io_uring_register(ring.ring_fd, IORING_UNREGISTER_FILES, None, 0))


def io_uring_register_probe(ring: Ring, p: Probe, nr: int) -> Gen:
    """IORING_REGISTER_PROBE into ``p`` (zeroed, with at least ``nr`` ops): 0 or -errno."""
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_PROBE, p, nr))


def io_uring_register_eventfd(ring: Ring, fd: int) -> Gen:
    """IORING_REGISTER_EVENTFD: ``fd`` (an eventfd) is signalled when CQEs are posted."""
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_EVENTFD, [fd], 1))


def io_uring_register_eventfd_async(ring: Ring, fd: int) -> Gen:
    """IORING_REGISTER_EVENTFD_ASYNC: as above, for completions posted from io-wq only."""
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_EVENTFD_ASYNC, [fd], 1))


def io_uring_unregister_eventfd(ring: Ring) -> Gen:
    return (yield from io_uring_register(ring.ring_fd, IORING_UNREGISTER_EVENTFD, None, 0))
