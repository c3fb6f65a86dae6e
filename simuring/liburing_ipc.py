"""liburing helpers of the io_uring IPC channel proposal (RFC, March 2026).

Importable from :mod:`simuring.liburing` as well.  As in C:

* ``io_uring_prep_ipc_send(sqe, fd, buf, len)`` / ``io_uring_prep_ipc_recv``
  fill an SQE (plain calls).  ``fd`` is a subscriber id (for SEND also a
  channel id); set ``sqe.file_index`` to a subscriber id for a targeted
  unicast send.
* ``io_uring_register_ipc_channel_create(ring, create)`` / ``_attach`` fill
  the struct passed in (``channel_id_out``; ``channel_fd``,
  ``local_id_out``, ``mmap_offset_out``, ``region_size``) and return 0 or a
  negative errno; ``_detach(ring, subscriber_id)`` / ``_destroy(ring,
  channel_id)`` pass the id as ``nr_args`` with a NULL ``arg``.  All four
  enter the kernel: ``yield from``.
* ``ipc_mmap(fd, length, prot, flags, offset)`` is ``mmap(2)`` on the
  ``channel_fd`` of an ATTACH: it returns a read-only mapping object
  (``opcodes.ipc.mmap.IpcMapping``: ``producer_tail``, ``consumer_head``,
  ``desc(i)``, ``payload(i)``, ``read(off, n)``, slicing) or a negative errno
  (MAP_FAILED with errno in C): -EACCES for PROT_WRITE, -EINVAL for a
  non-zero offset or a length of 0 or beyond ``region_size``, -EBADF for a
  bad fd, -ENODEV for a file that cannot be mapped.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from simuring.errno import EBADF, ENODEV
from simuring.kernel.current import current_task
from simuring.kernel.syscall import syscall
from simuring.sqe_fill import _need_buffer, io_uring_prep_rw
from simuring.uapi import (
    IORING_OP_IPC_RECV,
    IORING_OP_IPC_SEND,
    IORING_REGISTER_IPC_CHANNEL_ATTACH,
    IORING_REGISTER_IPC_CHANNEL_CREATE,
    IORING_REGISTER_IPC_CHANNEL_DESTROY,
    IORING_REGISTER_IPC_CHANNEL_DETACH,
    IpcChannelAttach,
    IpcChannelCreate,
    Sqe,
)

if TYPE_CHECKING:
    from simuring.liburing import Ring

# simuring.liburing re-exports this module at its end, so it is imported lazily
# here (importing either module first then works).

Gen = Generator[Any, Any, int]

PROT_NONE = 0x0
PROT_READ = 0x1
PROT_WRITE = 0x2
MAP_SHARED = 0x01
MAP_PRIVATE = 0x02


def io_uring_prep_ipc_send(sqe: Sqe, fd: int, buf: Any, len: int) -> None:  # noqa: A002 - C name
    """IPC_SEND of ``len`` bytes of ``buf`` through subscriber (or channel) ``fd``."""
    _need_buffer(buf, "io_uring_prep_ipc_send")
    io_uring_prep_rw(IORING_OP_IPC_SEND, sqe, fd, buf, len, 0)


def io_uring_prep_ipc_recv(sqe: Sqe, fd: int, buf: Any, len: int) -> None:  # noqa: A002 - C name
    """IPC_RECV of at most ``len`` bytes into ``buf`` through subscriber ``fd``."""
    _need_buffer(buf, "io_uring_prep_ipc_recv")
    io_uring_prep_rw(IORING_OP_IPC_RECV, sqe, fd, buf, len, 0)


def io_uring_register_ipc_channel_create(ring: Ring, create: IpcChannelCreate) -> Gen:
    from simuring.liburing import _need_ring, io_uring_register

    _need_ring(ring)
    if not isinstance(create, IpcChannelCreate):
        raise TypeError("io_uring_register_ipc_channel_create(ring, create): create must be an IpcChannelCreate")
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_IPC_CHANNEL_CREATE, create, 1))


def io_uring_register_ipc_channel_attach(ring: Ring, attach: IpcChannelAttach) -> Gen:
    from simuring.liburing import _need_ring, io_uring_register

    _need_ring(ring)
    if not isinstance(attach, IpcChannelAttach):
        raise TypeError("io_uring_register_ipc_channel_attach(ring, attach): attach must be an IpcChannelAttach")
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_IPC_CHANNEL_ATTACH, attach, 1))


def io_uring_register_ipc_channel_detach(ring: Ring, subscriber_id: int) -> Gen:
    from simuring.liburing import _need_ring, io_uring_register

    _need_ring(ring)
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_IPC_CHANNEL_DETACH, None, subscriber_id))


def io_uring_register_ipc_channel_destroy(ring: Ring, channel_id: int) -> Gen:
    from simuring.liburing import _need_ring, io_uring_register

    _need_ring(ring)
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_IPC_CHANNEL_DESTROY, None, channel_id))


def ipc_mmap(fd: int, length: int, prot: int, flags: int, offset: int) -> Generator[Any, Any, Any]:
    """mmap(2) of a channel fd: a read-only mapping object, or a negative errno."""
    task = current_task()

    def body() -> Generator[Any, Any, Any]:
        file = task.process.fds.get(fd)
        if file is None:
            return -EBADF
        mmap = getattr(file, "mmap", None)
        if mmap is None:
            return -ENODEV
        return mmap(task, length, prot, flags, offset)
        yield  # pragma: no cover - makes body a generator

    return (yield from syscall("mmap", body(), task))


__all__ = [
    "MAP_PRIVATE",
    "MAP_SHARED",
    "PROT_NONE",
    "PROT_READ",
    "PROT_WRITE",
    "IpcChannelAttach",
    "IpcChannelCreate",
    "io_uring_prep_ipc_recv",
    "io_uring_prep_ipc_send",
    "io_uring_register_ipc_channel_attach",
    "io_uring_register_ipc_channel_create",
    "io_uring_register_ipc_channel_destroy",
    "io_uring_register_ipc_channel_detach",
    "ipc_mmap",
]
