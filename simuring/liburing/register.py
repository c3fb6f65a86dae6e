"""Registration helpers (liburing's src/register.c)."""

from __future__ import annotations

from simuring.abi.io_uring import (
    IORING_REGISTER_ENABLE_RINGS,
    IORING_REGISTER_FILES,
    IORING_UNREGISTER_FILES,
)
from simuring.liburing.ring import Ring
from simuring.liburing.syscall import Gen, io_uring_register


def io_uring_enable_rings(ring: Ring) -> Gen:
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_ENABLE_RINGS, None, 0))


def io_uring_register_files(ring: Ring, files: list[int], nr_files: int) -> Gen:
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_FILES, list(files), nr_files))


def io_uring_unregister_files(ring: Ring) -> Gen:
    return (yield from io_uring_register(ring.ring_fd, IORING_UNREGISTER_FILES, None, 0))
