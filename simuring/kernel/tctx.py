"""``struct io_uring_task``: a task's own io_uring context (io_uring/tctx.c).

The kernel gives a task this context the first time the task uses io_uring:
when it creates a ring (``io_uring_create`` -> ``__io_uring_add_tctx_node``)
or submits SQEs to one (``io_uring_add_tctx_node`` in ``io_uring_enter``).
The model keeps the part user space can observe: the task's table of
registered ring fds (``tctx->registered_rings``, IO_RINGFD_REG_MAX slots),
which IORING_ENTER_REGISTERED_RING (io_uring_enter) and
IORING_REGISTER_USE_REGISTERED_RING (io_uring_register) index instead of the
fd table.

IORING_REGISTER_RING_FDS fills slots (:func:`ringfd_register`, each slot
holding a reference on the ring's file), IORING_UNREGISTER_RING_FDS empties
them; a task's slots are emptied when it exits (``io_uring_unreg_ringfd``).
An enter through a registered ring index is -EBADF for an empty slot in the
table and -EINVAL past it, or for a task that never used io_uring (no
context).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from simuring.abi.errno import EBADF, EBUSY, EFAULT, EINVAL, EOPNOTSUPP
from simuring.abi.io_uring import RsrcUpdate
from simuring.kernel.files import files_of

if TYPE_CHECKING:
    from simuring.host.task import Task
    from simuring.kernel import Kernel
    from simuring.kernel.ctx import RingCtx
    from simuring.kernel.files import File

IO_RINGFD_REG_MAX: Final = 16
"""Slots of a task's registered-ring table (io_uring/tctx.h)."""


class UringTask:
    """The observable part of ``struct io_uring_task``."""

    def __init__(self) -> None:
        self.registered_rings: list[File | None] = [None] * IO_RINGFD_REG_MAX
        # ``io_init_wq_offload``: the bounded io-wq cap comes from the ring the
        # context was created for, min(its SQ entries, 4 x CPUs); 0 until known
        self.iowq_bounded = 0


def tctx_of(kernel: Kernel, task: Task) -> UringTask | None:
    """``current->io_uring``: the task's context, None before it used io_uring."""
    return kernel.uring_tasks.get(task.tid)


def add_tctx(kernel: Kernel, task: Task, ctx: RingCtx | None = None) -> UringTask:
    """``io_uring_alloc_task_context`` on first use: the task's context, created if needed
    (with the bounded io-wq cap of ``ctx``, the ring it is created for)."""
    tctx = kernel.uring_tasks.get(task.tid)
    if tctx is None:
        tctx = kernel.uring_tasks[task.tid] = UringTask()
    if not tctx.iowq_bounded and ctx is not None:
        tctx.iowq_bounded = min(ctx.sq_entries, 4 * kernel.costs.host.cpus)
    return tctx


def _add_registered_fd(task: Task, tctx: UringTask, fd: object, start: int, end: int) -> int:
    """``io_ring_add_registered_fd``: the first empty slot in [start, end) gets the
    ring file behind ``fd``; its index, -EBUSY with none empty, -EBADF for an fd
    not open, -EOPNOTSUPP for a file that is not a ring."""
    from simuring.kernel.setup import RingFile  # setup imports this module

    for offset in range(start, end):
        if tctx.registered_rings[offset] is not None:
            continue
        file = files_of(task.process).get(fd) if isinstance(fd, int) else None
        if file is None:
            return -EBADF
        if not isinstance(file, RingFile):
            return -EOPNOTSUPP
        tctx.registered_rings[offset] = file.get()
        return offset
    return -EBUSY


def _user_update(arg: object, i: int) -> RsrcUpdate | None:
    """``copy_from_user`` of entry ``i`` of a user array of ``struct io_uring_rsrc_update``:
    None where C would fault (-EFAULT)."""
    reg = arg[i] if isinstance(arg, (list, tuple)) and i < len(arg) else None
    return reg if isinstance(reg, RsrcUpdate) else None


def ringfd_register(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_REGISTER_RING_FDS (``io_ringfd_register``): ``arg`` is a list of
    :class:`RsrcUpdate`, each with a ring fd in ``data`` and the slot in
    ``offset`` (0xFFFFFFFF: the first empty one); the slot used is written back
    into ``offset``.

    -EINVAL for ``nr_args`` 0 or above IO_RINGFD_REG_MAX; the task gets its
    io_uring context; then entry by entry: -EFAULT for an unreadable entry,
    -EINVAL for a non-zero ``resv`` or an offset past the table, and
    :func:`_add_registered_fd`'s errors.  The result is the entries registered,
    or the error when none was."""
    nr_args &= 0xFFFF_FFFF
    if not nr_args or nr_args > IO_RINGFD_REG_MAX:
        return -EINVAL
    tctx = add_tctx(ctx.kernel, task, ctx)
    ret = 0
    done = 0
    while done < nr_args:
        reg = _user_update(arg, done)
        if reg is None:
            ret = -EFAULT
            break
        if reg.resv:
            ret = -EINVAL
            break
        offset = reg.offset & 0xFFFF_FFFF
        if offset == 0xFFFF_FFFF:
            start, end = 0, IO_RINGFD_REG_MAX
        elif offset >= IO_RINGFD_REG_MAX:
            ret = -EINVAL
            break
        else:
            start, end = offset, offset + 1
        ret = _add_registered_fd(task, tctx, reg.data, start, end)
        if ret < 0:
            break
        reg.offset = ret
        done += 1
    return done if done else ret


def ringfd_unregister(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_UNREGISTER_RING_FDS (``io_ringfd_unregister``): ``arg`` lists
    :class:`RsrcUpdate` entries whose ``offset`` names a slot to empty.

    -EINVAL for ``nr_args`` 0 or above IO_RINGFD_REG_MAX; 0 for a task without
    an io_uring context; then entry by entry: -EFAULT for an unreadable entry,
    -EINVAL for a non-zero ``resv`` or ``data`` or an offset past the table; an
    empty slot is left as it is.  The result is the entries processed, or the
    error when none was."""
    nr_args &= 0xFFFF_FFFF
    if not nr_args or nr_args > IO_RINGFD_REG_MAX:
        return -EINVAL
    tctx = tctx_of(ctx.kernel, task)
    if tctx is None:
        return 0
    ret = 0
    done = 0
    while done < nr_args:
        reg = _user_update(arg, done)
        if reg is None:
            ret = -EFAULT
            break
        if reg.resv or reg.data or reg.offset & 0xFFFF_FFFF >= IO_RINGFD_REG_MAX:
            ret = -EINVAL
            break
        file = tctx.registered_rings[reg.offset]
        if file is not None:
            tctx.registered_rings[reg.offset] = None
            file.put(task)
        done += 1
    return done if done else ret


def unregister_all_ringfds(kernel: Kernel, task: Task) -> None:
    """``io_uring_unreg_ringfd`` at task exit: put every registered ring."""
    tctx = tctx_of(kernel, task)
    if tctx is None:
        return
    for i, file in enumerate(tctx.registered_rings):
        if file is not None:
            tctx.registered_rings[i] = None
            file.put(task)
