"""A ring's registered eventfd (io_uring/eventfd.c): IORING_REGISTER_EVENTFD,
IORING_REGISTER_EVENTFD_ASYNC and IORING_UNREGISTER_EVENTFD.

The eventfd is signalled (its counter goes up by one and its readers and
pollers are woken) from ``io_commit_cqring_flush`` when CQEs were posted
since the last signal (``io_eventfd_flush_signal``: one signal per flush
that moved the CQ tail, not one per CQE), unless the application set
IORING_CQ_EVENTFD_DISABLED in the CQ ring's flags, and, for an ASYNC
registration, only when the flush runs in an io-wq worker
(``io_eventfd_trigger``).  CQEs posted by a run of task work are flushed
together at its end (``ctx_flush_ts``): one signal for the run
(:func:`simuring.kernel.taskwork.release_eventfd`).  The ring holds a reference to the eventfd
(``eventfd_ctx_fdget``): closing the fd does not stop the signals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simuring.abi.errno import EBADF, EBUSY, EFAULT, EINVAL, ENXIO
from simuring.abi.io_uring import IORING_CQ_EVENTFD_DISABLED
from simuring.abi.poll import EPOLL_URING_WAKE, POLLIN
from simuring.kernel.files import fdget
from simuring.kernel.objects.eventfd import ULLONG_MAX, EventFd

if TYPE_CHECKING:
    from simuring.host.task import Task
    from simuring.kernel.ctx import RingCtx


class RegisteredEventFd:
    """``struct io_ev_fd``: the eventfd, its ASYNC flag, and the CQ tail at the last signal."""

    __slots__ = ("efd", "eventfd_async", "last_cq_tail")

    def __init__(self, efd: EventFd, eventfd_async: bool, last_cq_tail: int) -> None:
        self.efd = efd
        self.eventfd_async = eventfd_async
        self.last_cq_tail = last_cq_tail


def eventfd_register(task: Task, ctx: RingCtx, arg: object, nr_args: int, eventfd_async: bool) -> int:
    """``io_eventfd_register`` after ``__io_uring_register``'s ``nr_args != 1`` check
    (-EINVAL): -EBUSY with one registered, -EFAULT when ``arg`` holds no int
    (``copy_from_user``), then ``eventfd_ctx_fdget``: -EBADF for no open fd,
    -EINVAL for a file that is not an eventfd."""
    if nr_args & 0xFFFF_FFFF != 1:
        return -EINVAL
    if ctx.evfd is not None:
        return -EBUSY
    if not isinstance(arg, (list, tuple)) or not arg or not isinstance(arg[0], int):
        return -EFAULT
    file = fdget(task, arg[0])
    if file is None:
        return -EBADF
    if not isinstance(file, EventFd):
        return -EINVAL
    file.get()
    ctx.evfd = RegisteredEventFd(file, eventfd_async, ctx.rings.cq_tail)
    ctx.commit_hooks.append(eventfd_flush_signal)
    return 0


def register_eventfd(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_REGISTER_EVENTFD: signalled for every flush that posted CQEs."""
    return eventfd_register(task, ctx, arg, nr_args, False)


def register_eventfd_async(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_REGISTER_EVENTFD_ASYNC: signalled only for CQEs posted from io-wq."""
    return eventfd_register(task, ctx, arg, nr_args, True)


def unregister_eventfd(task: Task, ctx: RingCtx, arg: object, nr_args: int) -> int:
    """IORING_UNREGISTER_EVENTFD (``io_eventfd_unregister``): -EINVAL with an
    argument, -ENXIO with none registered."""
    if arg is not None or nr_args:
        return -EINVAL
    if ctx.evfd is None:
        return -ENXIO
    drop_eventfd(task, ctx)
    return 0


def drop_eventfd(task: Task | None, ctx: RingCtx) -> None:
    """Forget the registered eventfd and put its reference (unregister, ring exit)."""
    ev = ctx.evfd
    if ev is None:
        return
    ctx.evfd = None
    if eventfd_flush_signal in ctx.commit_hooks:
        ctx.commit_hooks.remove(eventfd_flush_signal)
    ev.efd.put(task)


def eventfd_flush_signal(by: Task | None, ctx: RingCtx) -> None:
    """``io_eventfd_flush_signal`` (from ``__io_commit_cqring_flush``): signal
    once if the CQ tail moved since the last signal; nothing while the CQ
    ring's flags hold IORING_CQ_EVENTFD_DISABLED, nor for an ASYNC
    registration outside an io-wq worker (``io_eventfd_trigger``)."""
    ev = ctx.evfd
    if ev is None or ctx.evfd_hold or ctx.rings.cq_flags & IORING_CQ_EVENTFD_DISABLED:
        return
    if ev.eventfd_async and (by is None or by.io_worker is None):
        return
    tail = ctx.rings.cq_tail
    if tail == ev.last_cq_tail:
        return
    ev.last_cq_tail = tail
    eventfd_signal(by, ev.efd)


def eventfd_signal(by: Task | None, efd: EventFd) -> None:
    """``eventfd_signal_mask``: add 1 to the counter (saturating as the kernel's
    ``eventfd_signal_mask`` does below ULLONG_MAX) and wake readers and pollers."""
    if efd.count < ULLONG_MAX - 1:
        efd.count += 1
    efd.wq.wake(by, POLLIN | EPOLL_URING_WAKE)  # eventfd_signal_mask(..., EPOLL_URING_WAKE)
