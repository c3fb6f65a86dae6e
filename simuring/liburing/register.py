"""Registration helpers (liburing's src/register.c)."""

from __future__ import annotations

from typing import Any

from simuring.abi.io_uring import (
    IORING_REGISTER_BUFFERS,
    IORING_REGISTER_BUFFERS2,
    IORING_REGISTER_BUFFERS_UPDATE,
    IORING_REGISTER_ENABLE_RINGS,
    IORING_REGISTER_EVENTFD,
    IORING_REGISTER_EVENTFD_ASYNC,
    IORING_REGISTER_FILE_ALLOC_RANGE,
    IORING_REGISTER_FILES,
    IORING_REGISTER_FILES2,
    IORING_REGISTER_FILES_UPDATE,
    IORING_REGISTER_FILES_UPDATE2,
    IORING_REGISTER_IOWQ_AFF,
    IORING_REGISTER_IOWQ_MAX_WORKERS,
    IORING_REGISTER_PROBE,
    IORING_RSRC_REGISTER_SPARSE,
    IORING_UNREGISTER_BUFFERS,
    IORING_UNREGISTER_EVENTFD,
    IORING_UNREGISTER_FILES,
    IORING_UNREGISTER_IOWQ_AFF,
    RSRC_REGISTER_SIZE,
    RSRC_UPDATE2_SIZE,
    FileIndexRange,
    Probe,
    RsrcRegister,
    RsrcUpdate,
    RsrcUpdate2,
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


def io_uring_register_files_update(ring: Ring, off: int, files: list[int], nr_files: int) -> Gen:
    """IORING_REGISTER_FILES_UPDATE: replace ``nr_files`` slots from ``off``; how many were done, or -errno."""
    up = RsrcUpdate(offset=off, data=list(files))
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_FILES_UPDATE, up, nr_files))


def io_uring_register_files_tags(ring: Ring, files: list[int] | None, tags: list[int] | None, nr: int) -> Gen:
    """IORING_REGISTER_FILES2 with tags (liburing's retry after raising RLIMIT_NOFILE is left out)."""
    reg = RsrcRegister(nr=nr, data=None if files is None else list(files), tags=None if tags is None else list(tags))
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_FILES2, reg, RSRC_REGISTER_SIZE))


def io_uring_register_files_sparse(ring: Ring, nr: int) -> Gen:
    """IORING_REGISTER_FILES2 with IORING_RSRC_REGISTER_SPARSE: ``nr`` empty slots."""
    reg = RsrcRegister(nr=nr, flags=IORING_RSRC_REGISTER_SPARSE)
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_FILES2, reg, RSRC_REGISTER_SIZE))


def io_uring_register_files_update_tag(ring: Ring, off: int, files: list[int], tags: list[int] | None, nr_files: int) -> Gen:
    """IORING_REGISTER_FILES_UPDATE2: replace ``nr_files`` slots from ``off`` with tags."""
    up = RsrcUpdate2(offset=off, data=list(files), tags=None if tags is None else list(tags), nr=nr_files)
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_FILES_UPDATE2, up, RSRC_UPDATE2_SIZE))


def io_uring_register_file_alloc_range(ring: Ring, off: int, length: int) -> Gen:
    """IORING_REGISTER_FILE_ALLOC_RANGE: the slots direct-descriptor allocation may use."""
    rng = FileIndexRange(off=off, len=length)
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_FILE_ALLOC_RANGE, rng, 0))


def io_uring_register_iowq_max_workers(ring: Ring, values: list[int]) -> Gen:
    """IORING_REGISTER_IOWQ_MAX_WORKERS: ``values`` is [bounded, unbounded] (0: unchanged);
    the previous caps are written back into it."""
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_IOWQ_MAX_WORKERS, values, 2))


def io_uring_register_iowq_aff(ring: Ring, cpusz: int, mask: bytes | bytearray) -> Gen:
    """IORING_REGISTER_IOWQ_AFF: the CPUs the ring's io-wq workers may run on (``cpusz`` bytes of ``mask``)."""
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_IOWQ_AFF, mask, cpusz))


def io_uring_unregister_iowq_aff(ring: Ring) -> Gen:
    return (yield from io_uring_register(ring.ring_fd, IORING_UNREGISTER_IOWQ_AFF, None, 0))


def io_uring_register_buffers(ring: Ring, iovecs: list[Any], nr_iovecs: int) -> Gen:
    """IORING_REGISTER_BUFFERS: ``iovecs`` is the ``struct iovec`` array (buffers, or
    :class:`~simuring.abi.io_uring.Iovec`), ``nr_iovecs`` of them."""
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_BUFFERS, list(iovecs), nr_iovecs))


def io_uring_register_buffers_tags(ring: Ring, iovecs: list[Any], tags: list[int] | None, nr: int) -> Gen:
    """IORING_REGISTER_BUFFERS2 with tags (None: no tag array)."""
    reg = RsrcRegister(nr=nr, data=list(iovecs), tags=None if tags is None else list(tags))
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_BUFFERS2, reg, RSRC_REGISTER_SIZE))


def io_uring_register_buffers_sparse(ring: Ring, nr: int) -> Gen:
    """IORING_REGISTER_BUFFERS2 with IORING_RSRC_REGISTER_SPARSE: ``nr`` empty slots."""
    reg = RsrcRegister(nr=nr, flags=IORING_RSRC_REGISTER_SPARSE)
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_BUFFERS2, reg, RSRC_REGISTER_SIZE))


def io_uring_register_buffers_update_tag(ring: Ring, off: int, iovecs: list[Any], tags: list[int] | None, nr: int) -> Gen:
    """IORING_REGISTER_BUFFERS_UPDATE: replace ``nr`` slots from ``off``; how many were done, or -errno."""
    up = RsrcUpdate2(offset=off, data=list(iovecs), tags=None if tags is None else list(tags), nr=nr)
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_BUFFERS_UPDATE, up, RSRC_UPDATE2_SIZE))


def io_uring_unregister_buffers(ring: Ring) -> Gen:
    return (yield from io_uring_register(ring.ring_fd, IORING_UNREGISTER_BUFFERS, None, 0))
