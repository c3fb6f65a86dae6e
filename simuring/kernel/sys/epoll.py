"""epoll_create1(2) and epoll_ctl(2) (fs/eventpoll.c); the object is :mod:`simuring.kernel.objects.epoll`."""

from __future__ import annotations

from simuring.abi.epoll import EPOLL_CLOEXEC, EPOLL_CTL_DEL, EPOLL_EVENT_SIZE
from simuring.abi.errno import EFAULT, EINVAL
from simuring.host.task import Task
from simuring.kernel.files import files_of
from simuring.kernel.objects.epoll import create_epoll, do_epoll_ctl
from simuring.kernel.uaccess import user_bytes


def read_epoll_event(buf: object) -> tuple[int, int] | int:
    """``copy_from_user`` of a ``struct epoll_event``: ``(events, data)`` or -EFAULT."""
    view = user_bytes(buf, EPOLL_EVENT_SIZE, kernel_writes=False)
    if isinstance(view, int):
        return -EFAULT
    raw = bytes(view)
    return int.from_bytes(raw[:4], "little"), int.from_bytes(raw[4:], "little")


def sys_epoll_create1(task: Task, flags: int) -> int:
    """``do_epoll_create``: only EPOLL_CLOEXEC is accepted (-EINVAL otherwise)."""
    if not isinstance(flags, int) or flags & ~EPOLL_CLOEXEC:
        return -EINVAL
    return files_of(task.process).install(create_epoll(task.sched.costs, 0))


def sys_epoll_ctl(task: Task, epfd: int, op: int, fd: int, event: object) -> int:
    """``SYSCALL_DEFINE4(epoll_ctl)``: the event is copied in first for every op but
    EPOLL_CTL_DEL (-EFAULT), then ``do_epoll_ctl``."""
    if not (isinstance(epfd, int) and isinstance(op, int) and isinstance(fd, int)):
        return -EINVAL
    events, data = 0, 0
    if op != EPOLL_CTL_DEL:
        ev = read_epoll_event(event)
        if isinstance(ev, int):
            return ev
        events, data = ev
    return do_epoll_ctl(task, epfd, op, fd, events, data)
