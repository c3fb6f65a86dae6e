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
  (``simuring.opcodes.ipc.mmap.IpcMapping``: ``producer_tail``, ``consumer_head``,
  ``desc(i)``, ``payload(i)``, ``read(off, n)``, slicing) or a negative errno
  (MAP_FAILED with errno in C): -EACCES for PROT_WRITE, -EINVAL for a
  non-zero offset or a length of 0 or beyond ``region_size``, -EBADF for a
  bad fd, -ENODEV for a file that cannot be mapped.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from simuring.abi.io_uring import (
    IORING_OP_IPC_RECV,
    IORING_OP_IPC_SEND,
    IORING_REGISTER_IPC_CHANNEL_ATTACH,
    IORING_REGISTER_IPC_CHANNEL_CREATE,
    IORING_REGISTER_IPC_CHANNEL_DESTROY,
    IORING_REGISTER_IPC_CHANNEL_DETACH,
    Sqe,
)
from simuring.abi.ipc import IpcChannelAttach, IpcChannelCreate
from simuring.kernel.sys import syscall
from simuring.libc.argcheck import need_buffer
from simuring.libc.cint import CInt
from simuring.liburing.prep import io_uring_prep_rw
from simuring.liburing.ring import Ring, need_ring
from simuring.liburing.syscall import Gen, io_uring_register


def io_uring_prep_ipc_send(sqe: Sqe, fd: CInt, buf: Any, len: CInt) -> None:  # noqa: A002 - C name
    """IPC_SEND of ``len`` bytes of ``buf`` through subscriber (or channel) ``fd``."""
    need_buffer(buf, "io_uring_prep_ipc_send")
    io_uring_prep_rw(IORING_OP_IPC_SEND, sqe, fd, buf, len, 0)


def io_uring_prep_ipc_recv(sqe: Sqe, fd: CInt, buf: Any, len: CInt) -> None:  # noqa: A002 - C name
    """IPC_RECV of at most ``len`` bytes into ``buf`` through subscriber ``fd``."""
    need_buffer(buf, "io_uring_prep_ipc_recv")
    io_uring_prep_rw(IORING_OP_IPC_RECV, sqe, fd, buf, len, 0)


def io_uring_register_ipc_channel_create(ring: Ring, create: IpcChannelCreate) -> Gen:
    need_ring(ring)
    if not isinstance(create, IpcChannelCreate):
        raise TypeError("io_uring_register_ipc_channel_create(ring, create): create must be an IpcChannelCreate")
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_IPC_CHANNEL_CREATE, create, 1))


def io_uring_register_ipc_channel_attach(ring: Ring, attach: IpcChannelAttach) -> Gen:
    need_ring(ring)
    if not isinstance(attach, IpcChannelAttach):
        raise TypeError("io_uring_register_ipc_channel_attach(ring, attach): attach must be an IpcChannelAttach")
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_IPC_CHANNEL_ATTACH, attach, 1))


def io_uring_register_ipc_channel_detach(ring: Ring, subscriber_id: CInt) -> Gen:
    need_ring(ring)
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_IPC_CHANNEL_DETACH, None, subscriber_id))


def io_uring_register_ipc_channel_destroy(ring: Ring, channel_id: CInt) -> Gen:
    need_ring(ring)
    return (yield from io_uring_register(ring.ring_fd, IORING_REGISTER_IPC_CHANNEL_DESTROY, None, channel_id))


def ipc_mmap(fd: CInt, length: CInt, prot: CInt, flags: CInt, offset: CInt) -> Generator[Any, Any, Any]:
    """mmap(2) of a channel fd: a read-only mapping object, or a negative errno."""
    return (yield from syscall("mmap_file", fd, length, prot, flags, offset))
