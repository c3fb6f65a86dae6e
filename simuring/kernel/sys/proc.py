"""Process identity: getpid(2), gettid(2) (kernel/sys.c)."""

from __future__ import annotations

from simuring.host.task import Task


def sys_getpid(task: Task) -> int:
    """``SYSCALL_DEFINE0(getpid)``: ``task_tgid_vnr(current)``, the process id."""
    return task.process.pid


def sys_gettid(task: Task) -> int:
    """``SYSCALL_DEFINE0(gettid)``: ``task_pid_vnr(current)``, the thread id."""
    return task.tid
