"""The syscall table and its entry point (the body of :mod:`simuring.kernel.sys`).

A module of its own, so that the package's ``__init__`` only re-exports it:
the optional compiled build (docs/speed.md) compiles this module, and
mypyc does not compile a package's ``__init__`` that imports its own
submodules.  User space imports these names from :mod:`simuring.kernel.sys`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any, Final, NamedTuple

import simpy

from simuring.abi.errno import ENOSYS
from simuring.abi.posix import CLOCK_BOOTTIME, CLOCK_MONOTONIC, CLOCK_REALTIME
from simuring.host.current import current_task
from simuring.host.gen import is_generator
from simuring.kernel.clock import REALTIME_START_NS, monotonic_ns
from simuring.kernel.sys import epoll, fs, ipc, mm, net, notify, proc, resource, sched, uring
from simuring.kernel.taskwork import run_task_work


def vdso_clock_ns(clockid: int, now: int) -> int | None:
    """Clock ``clockid`` at simulated instant ``now`` as the vDSO reads it
    (``do_hres`` in lib/vdso/gettimeofday.c), or None for a clock it does not serve."""
    if clockid in (CLOCK_MONOTONIC, CLOCK_BOOTTIME):
        return monotonic_ns(now)
    if clockid == CLOCK_REALTIME:
        return now + REALTIME_START_NS
    return None

SyscallGen = Generator[simpy.Event, Any, Any]
"""What :func:`syscall` returns: a generator whose result is C's (mostly an
int: a value or -errno; mmap gives a mapping)."""


class Syscall(NamedTuple):
    """One entry of the table (a tuple: the entry unpacks it once per call).

    ``name`` is what the task's statistics count the call as.  ``charged`` is
    False for an entry whose cost the model folds into another call (the
    rings' mmap is part of ``uring.setup_ns``): it is neither charged,
    counted nor flushed.
    """

    name: str
    handler: Callable[..., Any]
    charged: bool = True


SYSCALLS: Final[dict[str, Syscall]] = {
    # fs.py
    "read": Syscall("read", fs.sys_read),
    "write": Syscall("write", fs.sys_write),
    "close": Syscall("close", fs.sys_close),
    "openat": Syscall("openat", fs.sys_openat),
    "lseek": Syscall("lseek", fs.sys_lseek),
    "ftruncate": Syscall("ftruncate", fs.sys_ftruncate),
    "mkdirat": Syscall("mkdirat", fs.sys_mkdirat),
    "mknodat": Syscall("mknodat", fs.sys_mknodat),
    "unlinkat": Syscall("unlinkat", fs.sys_unlinkat),
    "readlinkat": Syscall("readlinkat", fs.sys_readlinkat),
    # ipc.py
    "pipe2": Syscall("pipe2", ipc.sys_pipe2),
    "socketpair": Syscall("socketpair", ipc.sys_socketpair),
    "sendto": Syscall("sendto", ipc.sys_sendto),
    "recvfrom": Syscall("recvfrom", ipc.sys_recvfrom),
    "eventfd2": Syscall("eventfd2", ipc.sys_eventfd2),
    # net.py
    "socket": Syscall("socket", net.sys_socket),
    "bind": Syscall("bind", net.sys_bind),
    "listen": Syscall("listen", net.sys_listen),
    "connect": Syscall("connect", net.sys_connect),
    "accept4": Syscall("accept4", net.sys_accept4),
    "getsockname": Syscall("getsockname", net.sys_getsockname),
    "getpeername": Syscall("getpeername", net.sys_getpeername),
    "getsockopt": Syscall("getsockopt", net.sys_getsockopt),
    "setsockopt": Syscall("setsockopt", net.sys_setsockopt),
    # notify.py
    "inotify_init1": Syscall("inotify_init1", notify.sys_inotify_init1),
    "inotify_add_watch": Syscall("inotify_add_watch", notify.sys_inotify_add_watch),
    "inotify_rm_watch": Syscall("inotify_rm_watch", notify.sys_inotify_rm_watch),
    "fanotify_init": Syscall("fanotify_init", notify.sys_fanotify_init),
    "fanotify_mark": Syscall("fanotify_mark", notify.sys_fanotify_mark),
    # epoll.py
    "epoll_create1": Syscall("epoll_create1", epoll.sys_epoll_create1),
    "epoll_ctl": Syscall("epoll_ctl", epoll.sys_epoll_ctl),
    # mm.py
    "shm_open": Syscall("openat", mm.sys_shm_open),
    "shm_unlink": Syscall("unlink", mm.sys_shm_unlink),
    "mmap": Syscall("mmap", mm.sys_mmap),
    "mmap_file": Syscall("mmap", mm.sys_mmap_file),
    "munmap": Syscall("munmap", mm.sys_munmap),
    # proc.py, sched.py
    "getpid": Syscall("getpid", proc.sys_getpid),
    "gettid": Syscall("gettid", proc.sys_gettid),
    # resource.py
    "prlimit64": Syscall("prlimit64", resource.sys_prlimit64),
    "sched_yield": Syscall("sched_yield", sched.sys_sched_yield),
    "nanosleep": Syscall("nanosleep", sched.sys_nanosleep),
    # uring.py
    "io_uring_setup": Syscall("io_uring_setup", uring.sys_io_uring_setup),
    "io_uring_enter": Syscall("io_uring_enter", uring.sys_io_uring_enter),
    "io_uring_register": Syscall("io_uring_register", uring.sys_io_uring_register),
    "io_uring_mmap": Syscall("mmap", uring.sys_io_uring_mmap, charged=False),
}
"""The table, by the name user space calls."""


def syscall(name: str, *args: Any, flush: bool = True) -> SyscallGen:
    """Enter the kernel: run syscall ``name`` for the calling task with ``args``.

    An unknown name is -ENOSYS (``sys_ni_syscall``).  With ``flush=False`` the
    CPU time stays in the task's unflushed burst (liburing's GETEVENTS flush
    from a plain peek: a kernel entry that never sleeps).
    """
    task = current_task()
    try:
        counted, handler, charged = SYSCALLS[name]
    except KeyError:
        return -ENOSYS
    body = handler(task, *args)
    if not charged:
        return body
    costs = task.sched.syscall_costs
    task.in_kernel = True
    task.charge(costs.entry_ns + task.sched.jitter(costs.jitter_ns))
    stats = task.stats
    if stats is not None:
        stats.syscall(counted)
    try:
        ret = (yield from body) if is_generator(body) else body
        if task.notify_signal:
            run_task_work(task)
        task.charge(costs.exit_ns)
    finally:
        task.in_kernel = False
    if flush:
        yield from task.flush()
    return ret
