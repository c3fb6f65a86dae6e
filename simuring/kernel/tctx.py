"""``struct io_uring_task``: a task's own io_uring context (io_uring/tctx.c).

The kernel gives a task this context the first time the task uses io_uring:
when it creates a ring (``io_uring_create`` -> ``__io_uring_add_tctx_node``)
or submits SQEs to one (``io_uring_add_tctx_node`` in ``io_uring_enter``).
The model keeps the part user space can observe: the task's table of
registered ring fds (``tctx->registered_rings``, IO_RINGFD_REG_MAX slots),
which IORING_ENTER_REGISTERED_RING (io_uring_enter) and
IORING_REGISTER_USE_REGISTERED_RING (io_uring_register) index instead of the
fd table.

IORING_REGISTER_RING_FDS is not modelled, so every slot stays empty: an
enter through a registered ring index is -EBADF for an index in the table
and -EINVAL past it, or for a task that never used io_uring (no context).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from simuring.host.task import Task
    from simuring.kernel import Kernel
    from simuring.kernel.files import File

IO_RINGFD_REG_MAX: Final = 16
"""Slots of a task's registered-ring table (io_uring/tctx.h)."""


class UringTask:
    """The observable part of ``struct io_uring_task``."""

    def __init__(self) -> None:
        self.registered_rings: list[File | None] = [None] * IO_RINGFD_REG_MAX


def tctx_of(kernel: Kernel, task: Task) -> UringTask | None:
    """``current->io_uring``: the task's context, None before it used io_uring."""
    return kernel.uring_tasks.get(task.tid)


def add_tctx(kernel: Kernel, task: Task) -> UringTask:
    """``io_uring_alloc_task_context`` on first use: the task's context, created if needed."""
    tctx = kernel.uring_tasks.get(task.tid)
    if tctx is None:
        tctx = kernel.uring_tasks[task.tid] = UringTask()
    return tctx
