"""The io_uring syscalls: io_uring_setup(2), io_uring_enter(2), io_uring_register(2),
and the mmap(2) of a ring fd that maps the rings.

The work is the io_uring core's (:mod:`simuring.kernel.setup`,
:mod:`simuring.kernel.enter`, :mod:`simuring.kernel.register`); this module
gives the table its entries.
"""

from __future__ import annotations

from simuring.abi.errno import EBADF, ENODEV
from simuring.abi.io_uring import IORING_OFF_SQ_RING, IORING_SETUP_NO_MMAP, Params
from simuring.host.task import Task
from simuring.kernel import kernel_of
from simuring.kernel.enter import io_uring_enter as sys_io_uring_enter
from simuring.kernel.files import files_of
from simuring.kernel.memmap import mapped_region
from simuring.kernel.register import io_uring_register as sys_io_uring_register
from simuring.kernel.rings import SharedRings
from simuring.kernel.setup import RingFile, io_uring_setup

__all__ = ["sys_io_uring_enter", "sys_io_uring_mmap", "sys_io_uring_register", "sys_io_uring_setup"]


def sys_io_uring_setup(task: Task, entries: int, p: Params) -> int:
    """``SYSCALL_DEFINE2(io_uring_setup)`` (io_uring/io_uring.c, ``io_uring_create``):
    a ring fd, or -errno; fills ``p``."""
    return io_uring_setup(kernel_of(task.env), task, entries, p)


def sys_io_uring_mmap(task: Task, fd: int) -> SharedRings | int:
    """liburing's mapping of the rings after io_uring_setup: mmap(2) of a ring fd at
    IORING_OFF_SQ_RING, IORING_OFF_CQ_RING and IORING_OFF_SQES (``io_uring_mmap``,
    io_uring/memmap.c, by :func:`~simuring.kernel.memmap.mapped_region`, the rule any
    mmap(2) of a ring fd follows): the shared ring memory, one :class:`SharedRings` for
    all three.  An IORING_SETUP_NO_MMAP ring is not mapped: its rings are the memory
    the application gave, which liburing uses as it stands.  -EBADF for a closed fd,
    -ENODEV for a file that is not a ring."""
    file = files_of(task.process).get(fd)
    if file is None:
        return -EBADF
    if not isinstance(file, RingFile):
        return -ENODEV
    ctx = file.ctx
    if ctx.flags & IORING_SETUP_NO_MMAP:
        return ctx.rings
    rings = mapped_region(ctx, IORING_OFF_SQ_RING)
    assert isinstance(rings, SharedRings)  # the rings of a ring not NO_MMAP always map
    return rings
